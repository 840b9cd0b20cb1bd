//! `Engine`: the loaded, validated models, shared by every tracker and session.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::models::detect::Detection;
use crate::models::infer::{LoadOptions, ModelBytes, ModelKind, RuntimeInfo, PASSIVE_SPECS};
use crate::models::passive::{FaceBox, PassiveScore};
use crate::models::{Detector, LandmarkModel, Landmarker, ModelSources, Models};
use crate::track::{Tracker, TrackerConfig};

/// Loaded face models. Cheap to clone (shared), `Send + Sync`.
///
/// Each model's ONNX Runtime session runs one inference at a time; trackers on several
/// threads share it in turn. For full parallelism build one engine per thread.
#[derive(Clone, Debug)]
pub struct Engine {
    models: Arc<Models>,
}

/// Configures and builds an [`Engine`]; all checks happen in [`EngineBuilder::build`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    runtime: Option<PathBuf>,
    models: [ModelBytes; 5],
    landmarks: LandmarkModel,
    passive: Option<[ModelBytes; 2]>,
    intra_threads: usize,
    verify_sha256: bool,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            runtime: None,
            models: [const { ModelBytes::Embedded }; 5],
            landmarks: LandmarkModel::default(),
            passive: None,
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
        ModelKind::AttentionTrunk => 3,
        ModelKind::AttentionHeads => 4,
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

    /// Loads the face models from a directory holding the files named in
    /// `models/manifest.toml` (only those the chosen [`LandmarkModel`] needs are read).
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

    /// Loads the MiniFASNet anti-spoof pair (silent liveness) from a directory holding
    /// `minifasnet_v2_80x80_s2.7.onnx` and `minifasnet_v1se_80x80_s4.0.onnx` (see the
    /// README for where they come from). Without them silent liveness runs on its
    /// temporal cues alone and says so.
    #[must_use]
    pub fn antispoof_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        self.passive = Some(PASSIVE_SPECS.each_ref().map(|s| ModelBytes::File(dir.join(s.file))));
        self
    }

    /// Loads the anti-spoof pair from two files (MiniFASNetV2 at scale 2.7, then V1SE at 4.0).
    #[must_use]
    pub fn antispoof_files(mut self, v2: impl Into<PathBuf>, v1se: impl Into<PathBuf>) -> Self {
        self.passive = Some([ModelBytes::File(v2.into()), ModelBytes::File(v1se.into())]);
        self
    }

    /// Loads the anti-spoof pair from bytes (MiniFASNetV2 at scale 2.7, then V1SE at 4.0).
    #[must_use]
    pub fn antispoof_bytes(mut self, v2: Vec<u8>, v1se: Vec<u8>) -> Self {
        self.passive = Some([ModelBytes::Owned(v2), ModelBytes::Owned(v1se)]);
        self
    }

    /// Which landmark models track faces (default [`LandmarkModel::Attention`]). Only
    /// the chosen pair is loaded.
    #[must_use]
    pub fn landmark_model(mut self, model: LandmarkModel) -> Self {
        self.landmarks = model;
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
        let models = Models::load(&ModelSources {
            face: &self.models,
            landmarks: self.landmarks,
            passive: self.passive.as_ref(),
            opts,
        })?;
        Ok(Engine { models: Arc::new(models) })
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
        &self.models.runtime
    }

    /// A tracker for one video stream with default settings.
    pub fn tracker(&self) -> Tracker {
        Tracker::new(self.models.clone(), TrackerConfig::default())
    }

    /// A tracker with explicit settings.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for out-of-range settings.
    pub fn tracker_with(&self, config: TrackerConfig) -> Result<Tracker> {
        config.validate()?;
        Ok(Tracker::new(self.models.clone(), config))
    }

    /// Runs only the face detector on one frame: every face, highest score first, in
    /// buffer pixels.
    ///
    /// # Errors
    /// [`ErrorKind::Inference`] if ONNX Runtime fails.
    pub fn detect(&self, frame: &FrameRef) -> Result<Vec<Detection>> {
        let dets = self.detect_upright(frame)?;
        let to_buf = frame.upright_to_buffer();
        Ok(dets.into_iter().map(|d| d.to_buffer(&to_buf)).collect())
    }

    /// Faces in upright-picture pixels, highest score first.
    pub(crate) fn detect_upright(&self, frame: &FrameRef) -> Result<Vec<Detection>> {
        Detector::default().run(&self.models, frame)
    }

    /// Whether the anti-spoof models are loaded.
    pub fn has_antispoof(&self) -> bool {
        self.models.passive.is_some()
    }

    /// A streaming voice detector (Silero VAD, embedded; loaded with the first call).
    ///
    /// # Errors
    /// [`ErrorKind::Model`] if the model does not load.
    pub fn voice_detector(&self) -> Result<crate::audio::VoiceDetector> {
        crate::audio::VoiceDetector::new(self.models.clone())
    }

    /// sha256 of the models tracking runs (the detector, then the landmark pair in use).
    /// Anything derived from tracking output, such as a cache of per-frame signals, is
    /// only valid for the same three files.
    pub fn tracking_identity(&self) -> [String; 3] {
        let m = &self.models;
        let (a, b) = match &m.landmarks {
            Landmarker::Attention { trunk, heads } => (trunk, heads),
            Landmarker::MeshIris { mesh, iris } => (mesh, iris),
        };
        [m.detector.sha256.clone(), a.sha256.clone(), b.sha256.clone()]
    }

    /// sha256 of the loaded anti-spoof files and whether they are the pinned release.
    pub fn antispoof_identity(&self) -> Option<([String; 2], bool)> {
        self.models.passive.as_ref().map(|p| {
            let sha = [p.v2.sha256.clone(), p.v1se.sha256.clone()];
            let pinned = sha.iter().zip(&PASSIVE_SPECS).all(|(s, spec)| s == spec.sha256);
            (sha, pinned)
        })
    }

    /// Anti-spoof scores of the given faces (upright-picture boxes in the reference
    /// convention), in one batch per model.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] without anti-spoof models; [`ErrorKind::InvalidFrame`] for a
    /// degenerate box; inference errors.
    pub fn antispoof_boxes(&self, faces: &[(FrameRef, FaceBox)]) -> Result<Vec<PassiveScore>> {
        self.models.antispoof_boxes(faces)
    }

    /// Detects the most confident face and scores it; `None` without a face.
    ///
    /// # Errors
    /// As [`Engine::antispoof_boxes`].
    pub fn antispoof(&self, frame: &FrameRef) -> Result<Option<PassiveScore>> {
        let Some(det) = self.detect_upright(frame)?.into_iter().next() else { return Ok(None) };
        Ok(self.antispoof_boxes(&[(*frame, FaceBox::from_corners(det.bbox))])?.pop())
    }
}
