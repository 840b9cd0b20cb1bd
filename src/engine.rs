//! `Engine`: the loaded, validated models, shared by every tracker and session.

use std::path::PathBuf;
use std::sync::Arc;

use crate::detect::{self, Detection};
use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::infer::{load_model, LoadOptions, Model, ModelBytes, ModelKind, RuntimeInfo};
use crate::track::{Tracker, TrackerConfig};

/// Loaded face models. Cheap to clone (shared), `Send + Sync`.
///
/// Each model's ONNX Runtime session runs one inference at a time; trackers on several
/// threads share it in turn. For full parallelism build one engine per thread.
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

#[derive(Debug)]
pub(crate) struct EngineInner {
    pub detector: Model,
    pub mesh: Model,
    pub iris: Model,
    pub anchors: Vec<[f32; 2]>,
    pub runtime: RuntimeInfo,
}

/// Configures and builds an [`Engine`]; all checks happen in [`EngineBuilder::build`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    runtime: Option<PathBuf>,
    models: [ModelBytes; 3],
    intra_threads: usize,
    verify_sha256: bool,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            runtime: None,
            models: [ModelBytes::Embedded, ModelBytes::Embedded, ModelBytes::Embedded],
            intra_threads: 1,
            verify_sha256: true,
        }
    }
}

fn slot(kind: ModelKind) -> usize {
    match kind {
        ModelKind::Detector => 0,
        ModelKind::Mesh => 1,
        ModelKind::Iris => 2,
    }
}

impl EngineBuilder {
    /// Defaults: models embedded in the binary, one inference thread, runtime found via
    /// `ORT_DYLIB_PATH`, beside the executable, or the build-time download.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads ONNX Runtime from this shared library (takes precedence over `ORT_DYLIB_PATH`).
    /// The runtime is process-wide: the first engine built decides which library is used.
    #[must_use]
    pub fn runtime_library(mut self, path: impl Into<PathBuf>) -> Self {
        self.runtime = Some(path.into());
        self
    }

    /// Loads all three models from a directory holding the files named in
    /// `models/manifest.toml`.
    #[must_use]
    pub fn models_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        for kind in ModelKind::ALL {
            self.models[slot(kind)] = ModelBytes::File(dir.join(kind.file_name()));
        }
        self
    }

    /// Loads one model from a file.
    #[must_use]
    pub fn model_file(mut self, kind: ModelKind, path: impl Into<PathBuf>) -> Self {
        self.models[slot(kind)] = ModelBytes::File(path.into());
        self
    }

    /// Loads one model from bytes.
    #[must_use]
    pub fn model_bytes(mut self, kind: ModelKind, bytes: Vec<u8>) -> Self {
        self.models[slot(kind)] = ModelBytes::Owned(bytes);
        self
    }

    /// Threads per inference (default 1: predictable latency, leaves cores to the app).
    #[must_use]
    pub fn intra_threads(mut self, n: usize) -> Self {
        self.intra_threads = n;
        self
    }

    /// Accept model files whose sha256 differs from the pinned one (their input and output
    /// shapes are still checked). Off by default.
    #[must_use]
    pub fn allow_unpinned_models(mut self, allow: bool) -> Self {
        self.verify_sha256 = !allow;
        self
    }

    /// Loads the runtime and the models, checking checksums and I/O shapes.
    ///
    /// # Errors
    /// [`ErrorKind::Runtime`] when ONNX Runtime cannot be found or loaded (the message says
    /// how to fix it), [`ErrorKind::Model`] for a missing, altered or wrong-shaped model,
    /// [`ErrorKind::Config`] for zero threads.
    pub fn build(self) -> Result<Engine> {
        if self.intra_threads == 0 || self.intra_threads > 64 {
            return Err(Error::new(
                ErrorKind::Config,
                format!("intra_threads must be 1..=64, got {}", self.intra_threads),
            ));
        }
        let opts = LoadOptions {
            runtime: self.runtime.as_deref(),
            intra_threads: self.intra_threads,
            verify_sha256: self.verify_sha256,
        };
        let (detector, runtime) = load_model(ModelKind::Detector, &self.models[0], &opts)?;
        let (mesh, _) = load_model(ModelKind::Mesh, &self.models[1], &opts)?;
        let (iris, _) = load_model(ModelKind::Iris, &self.models[2], &opts)?;
        Ok(Engine { inner: Arc::new(EngineInner { detector, mesh, iris, anchors: detect::anchors(), runtime }) })
    }
}

impl Engine {
    /// An engine with the embedded default models (see [`EngineBuilder::new`]).
    ///
    /// # Errors
    /// As [`EngineBuilder::build`].
    pub fn new() -> Result<Engine> {
        EngineBuilder::new().build()
    }

    /// A builder for non-default settings.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::new()
    }

    /// Which ONNX Runtime library is in use.
    pub fn runtime(&self) -> &RuntimeInfo {
        &self.inner.runtime
    }

    /// A tracker for one video stream with default settings.
    pub fn tracker(&self) -> Tracker {
        Tracker::new(self.clone(), TrackerConfig::default())
    }

    /// A tracker with explicit settings.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for out-of-range settings.
    pub fn tracker_with(&self, config: TrackerConfig) -> Result<Tracker> {
        config.validate()?;
        Ok(Tracker::new(self.clone(), config))
    }

    /// Runs only the face detector on one frame: every face, highest score first, in
    /// buffer pixels.
    ///
    /// # Errors
    /// [`ErrorKind::Inference`] if ONNX Runtime fails.
    pub fn detect(&self, frame: &FrameRef) -> Result<Vec<Detection>> {
        let mut input = vec![0.0f32; detect::SIZE * detect::SIZE * 3];
        let mut reg = vec![0.0f32; detect::NUM_ANCHORS * 16];
        let mut cls = vec![0.0f32; detect::NUM_ANCHORS];
        let lb = detect::preprocess(frame, &mut input);
        self.inner.detector.run(&input, &mut [&mut reg, &mut cls])?;
        let mut scratch = Vec::new();
        let dets = detect::decode(&reg, &cls, &self.inner.anchors, &lb, &mut scratch);
        let to_buf = frame.upright_to_buffer();
        Ok(dets.into_iter().map(|d| crate::track::detection_to_buffer(&d, &to_buf)).collect())
    }
}
