//! The models layer: loading and checking the ONNX models, and one runner per model
//! that owns its reusable input/output buffers and its pre- and post-processing.
//!
//! Everything above this layer ([`crate::track`], the checks, [`crate::Engine`]) runs
//! models only through these runners; nothing here knows about tracking or sessions.
//!
//! Tensors cross the ONNX Runtime boundary as flat `f32` slices owned by the runners
//! (`ort::TensorRef` views over them, outputs copied once into pre-allocated buffers):
//! every model here has a fixed NHWC input, so an `ndarray` view would add a dependency
//! and a layer of indexing without removing a copy.

pub(crate) mod attention;
pub(crate) mod detect;
pub(crate) mod infer;
mod onnx_rewrite;
pub(crate) mod passive;

use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::geometry::{Affine, Roi};
use detect::Detection;
use infer::{load_model, load_spec, LoadOptions, Model, ModelBytes, ModelKind, RuntimeInfo, PASSIVE_SPECS};
use passive::{FaceBox, PassiveModels, PassiveScore};

/// Mesh input side.
pub(crate) const MESH: usize = 192;
/// Iris input side.
pub(crate) const IRIS: usize = 64;
/// Mesh points whose corners define each eye's iris crop: the subject's right eye (not
/// mirrored) and left eye (mirrored so it looks like a right eye to the model).
const EYE_CORNERS: [(usize, usize, bool); 2] = [(33, 133, false), (362, 263, true)];

/// One eye from the iris model: 71 contour/brow points and 5 iris points (upright pixels).
pub(crate) type EyePoints = (Vec<[f32; 3]>, Vec<[f32; 3]>);

/// Which landmark models track the face.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandmarkModel {
    /// MediaPipe's attention mesh: mesh, eyes, irises and lips in one trunk pass plus
    /// three small region heads (the default; what MediaPipe runs with
    /// `refine_landmarks=True`).
    #[default]
    Attention,
    /// The 468-point mesh model plus the 64×64 iris model on each eye (liveface 0.1's
    /// models; about twice the cost).
    MeshIris,
}

/// The landmark models an engine loaded.
#[derive(Debug)]
pub(crate) enum Landmarker {
    Attention { trunk: Model, heads: Model },
    MeshIris { mesh: Model, iris: Model },
}

/// The loaded, validated models of one engine.
#[derive(Debug)]
pub(crate) struct Models {
    pub detector: Model,
    pub landmarks: Landmarker,
    pub passive: Option<PassiveModels>,
    pub anchors: Vec<[f32; 2]>,
    pub runtime: RuntimeInfo,
    /// The voice activity model, loaded on first use (digit sessions only).
    pub vad: std::sync::OnceLock<Model>,
}

/// Where each model comes from and how to load it.
pub(crate) struct ModelSources<'a> {
    pub face: &'a [ModelBytes; 5],
    pub landmarks: LandmarkModel,
    pub passive: Option<&'a [ModelBytes; 2]>,
    pub opts: LoadOptions<'a>,
}

impl Models {
    /// Loads the runtime and every model, checking checksums and I/O shapes.
    pub fn load(src: &ModelSources) -> Result<Models> {
        let opts = &src.opts;
        let (detector, runtime) = load_model(ModelKind::Detector, &src.face[0], opts)?;
        let landmarks = match src.landmarks {
            LandmarkModel::Attention => Landmarker::Attention {
                trunk: load_model(ModelKind::AttentionTrunk, &src.face[3], opts)?.0,
                heads: load_model(ModelKind::AttentionHeads, &src.face[4], opts)?.0,
            },
            LandmarkModel::MeshIris => Landmarker::MeshIris {
                mesh: load_model(ModelKind::Mesh, &src.face[1], opts)?.0,
                iris: load_model(ModelKind::Iris, &src.face[2], opts)?.0,
            },
        };
        let passive = match src.passive {
            None => None,
            Some([a, b]) => {
                let hint = "use the files from the minivision Silent-Face-Anti-Spoofing release converted as the \
                            README describes, or allow unpinned models";
                let (v2, _) = load_spec(&PASSIVE_SPECS[0], "MiniFASNetV2", hint, a, opts)?;
                let (v1se, _) = load_spec(&PASSIVE_SPECS[1], "MiniFASNetV1SE", hint, b, opts)?;
                let models = PassiveModels { v2, v1se };
                // The first run of an ONNX Runtime session allocates and plans; do it here
                // (a batch of 3, the default number of model frames) rather than inside
                // the first liveness decision.
                let blank = vec![128.0f32; 3 * passive::PATCH * passive::PATCH * 3];
                models.run([&blank, &blank], 3)?;
                Some(models)
            }
        };
        Ok(Models {
            detector,
            landmarks,
            passive,
            anchors: detect::anchors(),
            runtime,
            vad: std::sync::OnceLock::new(),
        })
    }

    /// The voice activity model, loading it (embedded, sha256-checked) on first use.
    pub fn vad(&self) -> Result<&Model> {
        if let Some(m) = self.vad.get() {
            return Ok(m);
        }
        let opts = LoadOptions { runtime: Some(&self.runtime.path), intra_threads: 1, verify_sha256: true };
        let (m, _) =
            load_spec(&infer::VAD_SPEC, "voice activity", "the embedded file is pinned", &ModelBytes::Embedded, &opts)?;
        // Another thread may have loaded it meanwhile: either copy serves.
        let _ = self.vad.set(m);
        self.vad.get().ok_or_else(|| Error::new(ErrorKind::Model, "voice activity model did not load"))
    }

    /// Anti-spoof scores of the given faces (upright boxes in the reference convention),
    /// one batch per model.
    pub fn antispoof_boxes(&self, faces: &[(FrameRef, FaceBox)]) -> Result<Vec<PassiveScore>> {
        let Some(models) = self.passive.as_ref() else {
            return Err(Error::new(ErrorKind::Config, "no anti-spoof models loaded (EngineBuilder::antispoof_dir)"));
        };
        if faces.is_empty() {
            return Ok(Vec::new());
        }
        let mut inputs = [Vec::new(), Vec::new()];
        for (frame, b) in faces {
            for (k, scale) in passive::SCALES.iter().enumerate() {
                let patch = passive::crop_patch(frame, *b, *scale).ok_or_else(|| {
                    Error::new(ErrorKind::InvalidFrame, format!("face box {b:?} is empty or outside the picture"))
                })?;
                passive::to_model_input(&patch[..], &mut inputs[k]);
            }
        }
        let probs = models.run([&inputs[0], &inputs[1]], faces.len())?;
        Ok(faces.iter().zip(probs).map(|((f, b), (p2, p1))| PassiveScore::new(f.timestamp_us(), *b, p2, p1)).collect())
    }
}

/// The detector with its buffers: letterbox, inference, anchor decoding, weighted NMS.
#[derive(Debug)]
pub(crate) struct Detector {
    input: Vec<f32>,
    reg: Vec<f32>,
    cls: Vec<f32>,
    scratch: Vec<Detection>,
}

impl Default for Detector {
    fn default() -> Self {
        Detector {
            input: vec![0.0; detect::SIZE * detect::SIZE * 3],
            reg: vec![0.0; detect::NUM_ANCHORS * 16],
            cls: vec![0.0; detect::NUM_ANCHORS],
            scratch: Vec::with_capacity(64),
        }
    }
}

impl Detector {
    /// Faces in upright-picture pixels, highest score first.
    pub fn run(&mut self, models: &Models, frame: &FrameRef) -> Result<Vec<Detection>> {
        let lb = detect::preprocess(frame, &mut self.input);
        models.detector.run(&self.input, &mut [&mut self.reg, &mut self.cls])?;
        Ok(detect::decode(&self.reg, &self.cls, &models.anchors, &lb, &mut self.scratch))
    }
}

/// 2×2 supersampling only when a crop shrinks the picture 4× or more (a face filling a
/// 1080p+ frame); below that plain bilinear, as MediaPipe feeds its models.
fn crop_taps(m: &Affine) -> usize {
    if m.scale() >= 4.0 {
        2
    } else {
        1
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The 468-point mesh (either model) with its buffers.
#[derive(Debug)]
pub(crate) struct Mesh {
    input: Vec<f32>,
    out: Vec<f32>,
    flag: [f32; 1],
    /// The attention trunk's feature map (empty until it runs).
    features: Vec<f32>,
    /// The attention heads, and the eyes they found in the last pass (taken by [`Eyes`]).
    heads: attention::Heads,
    eyes: Option<[EyePoints; 2]>,
}

impl Default for Mesh {
    fn default() -> Self {
        Mesh {
            input: vec![0.0; MESH * MESH * 3],
            out: vec![0.0; 1404],
            flag: [0.0],
            features: Vec::new(),
            heads: attention::Heads::default(),
            eyes: None,
        }
    }
}

impl Mesh {
    /// Runs the mesh on `roi`; returns the face-presence probability and fills `lm`
    /// (upright pixels).
    pub fn run(&mut self, models: &Models, frame: &FrameRef, roi: &Roi, lm: &mut Vec<[f32; 3]>) -> Result<f32> {
        let m = roi.crop_to_frame(MESH);
        self.sample(frame, &m);
        match &models.landmarks {
            Landmarker::MeshIris { mesh, .. } => mesh.run(&self.input, &mut [&mut self.out, &mut self.flag])?,
            Landmarker::Attention { trunk, heads } => {
                self.features.resize(attention::FEAT_C * attention::FEAT * attention::FEAT, 0.0);
                trunk.run(&self.input, &mut [&mut self.out, &mut self.flag, &mut self.features])?;
                // The refined eyes and lips belong to the mesh (MediaPipe's 478 points);
                // the heads run with the trunk.
                self.eyes = Some(self.heads.run(heads, &self.features, &mut self.out, &m)?);
            }
        }
        let k = m.scale();
        lm.clear();
        lm.extend(self.out.chunks_exact(3).map(|p| {
            let (x, y) = m.apply(p[0], p[1]);
            [x, y, p[2] * k]
        }));
        Ok(sigmoid(self.flag[0]))
    }

    /// Samples the model input (RGB 0..1, `MESH`²) of `roi` and returns it.
    pub fn crop(&mut self, frame: &FrameRef, roi: &Roi) -> &[f32] {
        self.sample(frame, &roi.crop_to_frame(MESH));
        &self.input
    }

    /// Fills the model input from the crop-to-frame map `m`.
    fn sample(&mut self, frame: &FrameRef, m: &Affine) {
        frame.sample_rgb(m, MESH, MESH, crop_taps(m), 1.0 / 255.0, 0.0, None, 0.0, &mut self.input);
    }

    /// The last input crop (RGB 0..1, `MESH`²), for photometric signals.
    pub fn input(&self) -> &[f32] {
        &self.input
    }
}

/// Eye refinement for both eyes with the engine's landmark models: the attention heads'
/// eyes from the last mesh pass, or the iris model on each eye.
#[derive(Debug, Default)]
pub(crate) struct Eyes {
    iris: Iris,
}

impl Eyes {
    /// Both eyes (subject's right, then left) for the face `mesh` just ran on; `lm` are
    /// its upright landmarks.
    pub fn run(
        &mut self,
        models: &Models,
        frame: &FrameRef,
        mesh: &mut Mesh,
        lm: &[[f32; 3]],
    ) -> Result<[EyePoints; 2]> {
        match &models.landmarks {
            Landmarker::Attention { .. } => mesh.eyes.take().ok_or_else(|| {
                Error::new(ErrorKind::Inference, "the attention eyes come from a mesh pass; none ran on this frame")
            }),
            Landmarker::MeshIris { iris, .. } => {
                Ok([self.iris.run(iris, frame, lm, 0)?, self.iris.run(iris, frame, lm, 1)?])
            }
        }
    }
}

/// The iris / eye-contour model with its buffers.
#[derive(Debug)]
pub(crate) struct Iris {
    input: Vec<f32>,
    contour: Vec<f32>,
    pts: Vec<f32>,
}

impl Default for Iris {
    fn default() -> Self {
        Iris { input: vec![0.0; IRIS * IRIS * 3], contour: vec![0.0; 213], pts: vec![0.0; 15] }
    }
}

impl Iris {
    /// Iris model on one eye (0 = subject's right) from upright mesh landmarks; returns
    /// (contour 71, iris 5) in upright pixels.
    pub fn run(&mut self, model: &Model, frame: &FrameRef, lm: &[[f32; 3]], eye: usize) -> Result<EyePoints> {
        let (a, b, mirror) = EYE_CORNERS[eye.min(1)];
        let (p0, p1) = (lm[a], lm[b]);
        let (dx, dy) = (p1[0] - p0[0], p1[1] - p0[1]);
        let roi = Roi {
            cx: (p0[0] + p1[0]) / 2.0,
            cy: (p0[1] + p1[1]) / 2.0,
            side: (2.3 * dx.abs().max(dy.abs())).max(1.0),
            angle: dy.atan2(dx),
        };
        let m = if mirror { roi.crop_to_frame_mirrored(IRIS) } else { roi.crop_to_frame(IRIS) };
        frame.sample_rgb(&m, IRIS, IRIS, crop_taps(&m), 1.0 / 255.0, 0.0, None, 0.0, &mut self.input);
        model.run(&self.input, &mut [&mut self.contour, &mut self.pts])?;
        let k = m.scale();
        let map = |v: &[f32]| -> Vec<[f32; 3]> {
            v.chunks_exact(3)
                .map(|p| {
                    let (x, y) = m.apply(p[0], p[1]);
                    [x, y, p[2] * k]
                })
                .collect()
        };
        Ok((map(&self.contour), map(&self.pts)))
    }
}
