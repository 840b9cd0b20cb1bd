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

/// The loaded, validated models of one engine.
#[derive(Debug)]
pub(crate) struct Models {
    pub detector: Model,
    pub mesh: Model,
    pub iris: Model,
    pub passive: Option<PassiveModels>,
    pub anchors: Vec<[f32; 2]>,
    pub runtime: RuntimeInfo,
}

/// Where each model comes from and how to load it.
pub(crate) struct ModelSources<'a> {
    pub face: &'a [ModelBytes; 3],
    pub passive: Option<&'a [ModelBytes; 2]>,
    pub opts: LoadOptions<'a>,
}

impl Models {
    /// Loads the runtime and every model, checking checksums and I/O shapes.
    pub fn load(src: &ModelSources) -> Result<Models> {
        let opts = &src.opts;
        let (detector, runtime) = load_model(ModelKind::Detector, &src.face[0], opts)?;
        let (mesh, _) = load_model(ModelKind::Mesh, &src.face[1], opts)?;
        let (iris, _) = load_model(ModelKind::Iris, &src.face[2], opts)?;
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
        Ok(Models { detector, mesh, iris, passive, anchors: detect::anchors(), runtime })
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

/// The 468-point mesh with its buffers.
#[derive(Debug)]
pub(crate) struct Mesh {
    input: Vec<f32>,
    out: Vec<f32>,
    flag: [f32; 1],
}

impl Default for Mesh {
    fn default() -> Self {
        Mesh { input: vec![0.0; MESH * MESH * 3], out: vec![0.0; 1404], flag: [0.0] }
    }
}

impl Mesh {
    /// Runs the mesh on `roi`; returns the face-presence probability and fills `lm`
    /// (upright pixels).
    pub fn run(&mut self, models: &Models, frame: &FrameRef, roi: &Roi, lm: &mut Vec<[f32; 3]>) -> Result<f32> {
        let m = roi.crop_to_frame(MESH);
        frame.sample_rgb(&m, MESH, MESH, crop_taps(&m), 1.0 / 255.0, 0.0, None, 0.0, &mut self.input);
        models.mesh.run(&self.input, &mut [&mut self.out, &mut self.flag])?;
        let k = m.scale();
        lm.clear();
        lm.extend(self.out.chunks_exact(3).map(|p| {
            let (x, y) = m.apply(p[0], p[1]);
            [x, y, p[2] * k]
        }));
        Ok(sigmoid(self.flag[0]))
    }

    /// The last input crop (RGB 0..1, `MESH`²), for photometric signals.
    pub fn input(&self) -> &[f32] {
        &self.input
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
    pub fn run(&mut self, models: &Models, frame: &FrameRef, lm: &[[f32; 3]], eye: usize) -> Result<EyePoints> {
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
        models.iris.run(&self.input, &mut [&mut self.contour, &mut self.pts])?;
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
