//! ONNX Runtime: finding and loading the library, and the pinned model registry.
//!
//! Nothing from `ort` leaves this module. The runtime is process-wide (ONNX Runtime allows
//! one environment per process): the first [`crate::EngineBuilder::build`] loads it and
//! later engines share it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::TensorRef;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};

/// The three default models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// BlazeFace short-range face detector (128×128 input).
    Detector,
    /// 468-point face mesh (192×192 input).
    Mesh,
    /// Iris and eye contour (64×64 input).
    Iris,
    /// Attention mesh trunk: the 468-point mesh and the features the region heads crop
    /// (192×192 input).
    AttentionTrunk,
    /// Attention mesh heads: eyes, irises and lips from three 16×16 feature crops.
    AttentionHeads,
}

impl ModelKind {
    /// All kinds, in load order.
    pub const ALL: [ModelKind; 5] =
        [ModelKind::Detector, ModelKind::Mesh, ModelKind::Iris, ModelKind::AttentionTrunk, ModelKind::AttentionHeads];

    pub(crate) fn spec(self) -> &'static ModelSpec {
        match self {
            ModelKind::Detector => &SPECS[0],
            ModelKind::Mesh => &SPECS[1],
            ModelKind::Iris => &SPECS[2],
            ModelKind::AttentionTrunk => &SPECS[3],
            ModelKind::AttentionHeads => &SPECS[4],
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            ModelKind::Detector => "Detector",
            ModelKind::Mesh => "Mesh",
            ModelKind::Iris => "Iris",
            ModelKind::AttentionTrunk => "AttentionTrunk",
            ModelKind::AttentionHeads => "AttentionHeads",
        }
    }

    /// File name of the default model in `models/`.
    pub fn file_name(self) -> &'static str {
        self.spec().file
    }
}

/// Expected identity and I/O of a model; the face models mirror `models/manifest.toml`
/// (a test keeps them equal). A `-1` dimension is the batch size, set per call.
#[derive(Debug)]
pub(crate) struct ModelSpec {
    pub file: &'static str,
    pub sha256: &'static str,
    pub inputs: &'static [(&'static str, &'static [i64])],
    pub outputs: &'static [(&'static str, &'static [i64])],
    pub embedded: &'static [u8],
    /// Rewrite PRelu nodes at load time ([`super::onnx_rewrite::split_prelu`]).
    pub split_prelu: bool,
}

pub(crate) static SPECS: [ModelSpec; 5] = [
    ModelSpec {
        file: "blazeface_short_128.onnx",
        sha256: "6952660e4d3faca8c4d446f3103aff5f9ed0c1c5cadf969d3aa8cc6faaad3773",
        inputs: &[("input", &[1, 128, 128, 3])],
        outputs: &[("regressors", &[1, 896, 16]), ("classificators", &[1, 896, 1])],
        split_prelu: false,
        embedded: include_bytes!("../../models/blazeface_short_128.onnx"),
    },
    ModelSpec {
        file: "face_landmark_468.onnx",
        sha256: "0f60dd1bbb0ab69733b19875fbc7125815883003558cd23c32a32e5003918459",
        inputs: &[("input", &[1, 192, 192, 3])],
        outputs: &[("landmarks", &[1, 1, 1, 1404]), ("face_flag", &[1, 1, 1, 1])],
        split_prelu: false,
        embedded: include_bytes!("../../models/face_landmark_468.onnx"),
    },
    ModelSpec {
        file: "iris_landmark_64.onnx",
        sha256: "b8d1734cc255d5410c5ed631824ee35cbed576757bd50b3a9e5c3d7b4f69c811",
        inputs: &[("input", &[1, 64, 64, 3])],
        outputs: &[("output_eyes_contours_and_brows", &[1, 213]), ("output_iris", &[1, 15])],
        split_prelu: false,
        embedded: include_bytes!("../../models/iris_landmark_64.onnx"),
    },
    ModelSpec {
        file: "face_attention_trunk.onnx",
        sha256: "349eeff37bea8cb6d7a2c1e8afcbb435e019866c4b1522bbb9d324b45d6d3ad4",
        inputs: &[("input", &[1, 192, 192, 3])],
        outputs: &[("landmarks", &[1, 1, 1, 1404]), ("face_flag", &[1, 1, 1, 1]), ("features", &[1, 32, 48, 48])],
        split_prelu: false,
        embedded: include_bytes!("../../models/face_attention_trunk.onnx"),
    },
    ModelSpec {
        file: "face_attention_heads.onnx",
        sha256: "b179554eaa32ab6bc54f62e8229de74e8d09a4ab63c1ab2a9b1ad164caa5dae0",
        inputs: &[
            ("lips_crop", &[1, 32, 16, 16]),
            ("left_eye_crop", &[1, 32, 16, 16]),
            ("right_eye_crop", &[1, 32, 16, 16]),
        ],
        outputs: &[
            ("lips", &[1, 80, 2]),
            ("left_eye", &[1, 71, 2]),
            ("left_iris", &[1, 5, 2]),
            ("right_eye", &[1, 71, 2]),
            ("right_iris", &[1, 5, 2]),
        ],
        split_prelu: false,
        embedded: include_bytes!("../../models/face_attention_heads.onnx"),
    },
];

/// The MiniFASNet anti-spoof pair (not shipped: loaded from files or bytes). NHWC BGR
/// 0..255, softmax output with index 1 = real face.
pub(crate) static PASSIVE_SPECS: [ModelSpec; 2] = [
    ModelSpec {
        file: "minifasnet_v2_80x80_s2.7.onnx",
        sha256: "f96e2f90ae2fd219547a5a81811db6c0af252a9672a614fc4e4158cf109fbbfc",
        inputs: &[("input", &[-1, 80, 80, 3])],
        outputs: &[("probs", &[-1, 3])],
        embedded: &[],
        split_prelu: true,
    },
    ModelSpec {
        file: "minifasnet_v1se_80x80_s4.0.onnx",
        sha256: "9f80616e7d63a1680eb4512ff895cd164d44451570961da27aa6f6d4accf588f",
        inputs: &[("input", &[-1, 80, 80, 3])],
        outputs: &[("probs", &[-1, 3])],
        embedded: &[],
        split_prelu: true,
    },
];

/// Silero VAD 6.0.0, the 16 kHz ONNX export (`silero_vad_16k_op15.onnx` from the PyPI
/// `silero-vad` wheel, MIT). Streaming: 512 new samples with the previous 64 in front,
/// the recurrent state in and out; one speech probability per 32 ms.
pub(crate) static VAD_SPEC: ModelSpec = ModelSpec {
    file: "silero_vad_16k_op15.onnx",
    sha256: "794ed8a51d4f37faf0555383aa34dbaeeb83e3031a1df1e0351c457e1142bd3e",
    inputs: &[("input", &[1, 576]), ("state", &[2, 1, 128]), ("sr", &[])],
    outputs: &[("output", &[1, 1]), ("stateN", &[2, 1, 128])],
    embedded: include_bytes!("../../models/silero_vad_16k_op15.onnx"),
    split_prelu: false,
};

/// Which ONNX Runtime library was loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeInfo {
    /// Path the library was loaded from.
    pub path: PathBuf,
    /// Where the path came from: `builder`, `ORT_DYLIB_PATH`, `beside-executable`, `fetched`.
    pub origin: &'static str,
}

struct Runtime {
    env: ort::environment::Environment,
    info: RuntimeInfo,
}

static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);

fn candidates(explicit: Option<&Path>) -> (Vec<(PathBuf, &'static str)>, Vec<String>) {
    let mut found = Vec::new();
    let mut notes = Vec::new();
    if let Some(p) = explicit {
        found.push((p.to_path_buf(), "builder"));
        return (found, notes);
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|v| !v.is_empty()) {
        found.push((PathBuf::from(p), "ORT_DYLIB_PATH"));
        return (found, notes);
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        for name in ["libonnxruntime.so.1", "libonnxruntime.so", "libonnxruntime.dylib", "onnxruntime.dll"] {
            let p = dir.join(name);
            if p.is_file() {
                found.push((p, "beside-executable"));
                return (found, notes);
            }
        }
    }
    #[cfg(feature = "fetch-runtime")]
    match liveface_runtime::dylib_path() {
        Ok(p) => found.push((p.to_path_buf(), "fetched")),
        Err(e) => notes.push(format!("the build-time download did not provide one ({e})")),
    }
    #[cfg(not(feature = "fetch-runtime"))]
    notes.push("the `fetch-runtime` feature is off".to_string());
    (found, notes)
}

/// Loads ONNX Runtime once per process and returns its environment.
fn runtime(explicit: Option<&Path>) -> Result<(ort::environment::Environment, RuntimeInfo)> {
    let mut guard = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(rt) = guard.as_ref() {
        return Ok((rt.env.clone(), rt.info.clone()));
    }
    let (found, notes) = candidates(explicit);
    let help = "set ORT_DYLIB_PATH to an ONNX Runtime >= 1.17 shared library (libonnxruntime.so), \
                pass EngineBuilder::runtime_library, or build with the default `fetch-runtime` feature";
    let Some((path, origin)) = found.into_iter().next() else {
        return Err(Error::new(
            ErrorKind::Runtime,
            format!("no ONNX Runtime library found: {}; {help}", notes.join("; ")),
        ));
    };
    if !path.is_file() {
        return Err(Error::new(
            ErrorKind::Runtime,
            format!("ONNX Runtime library from {origin} does not exist; {help}: {}", path.display()),
        ));
    }
    // ort reports load failures as errors; the catch_unwind guards against a library that
    // loads but misbehaves inside ort's own setup (it asserts rather than returning).
    let load = std::panic::catch_unwind(|| -> std::result::Result<ort::environment::Environment, String> {
        let builder = ort::init_from(&path).map_err(|e| e.to_string())?;
        builder.with_name("liveface").with_telemetry(false).build().map_err(|e| e.to_string())
    });
    let env = match load {
        Ok(Ok(env)) => env,
        Ok(Err(e)) => {
            return Err(Error::new(
                ErrorKind::Runtime,
                format!("cannot load ONNX Runtime from {origin} ({e}); {help}: {}", path.display()),
            ))
        }
        Err(_) => {
            return Err(Error::new(
                ErrorKind::Runtime,
                format!("ONNX Runtime from {origin} failed to initialise; {help}: {}", path.display()),
            ))
        }
    };
    let info = RuntimeInfo { path, origin };
    *guard = Some(Runtime { env: env.clone(), info: info.clone() });
    Ok((env, info))
}

/// Where model bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum ModelBytes {
    Embedded,
    File(PathBuf),
    Owned(Vec<u8>),
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// One loaded model; `run` borrows its session for the duration of a call.
pub(crate) struct Model {
    name: &'static str,
    spec: &'static ModelSpec,
    /// sha256 of the file or bytes it was loaded from.
    pub sha256: String,
    session: Mutex<Session>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("name", &self.name).finish()
    }
}

pub(crate) struct LoadOptions<'a> {
    pub runtime: Option<&'a Path>,
    pub intra_threads: usize,
    pub verify_sha256: bool,
}

pub(crate) fn load_model(kind: ModelKind, src: &ModelBytes, opts: &LoadOptions) -> Result<(Model, RuntimeInfo)> {
    let hint = "rebuild it with models/convert.sh or allow unpinned models";
    load_spec(kind.spec(), kind.name(), hint, src, opts)
}

/// Loads a model against `spec` (`name` and `hint` go into error messages).
pub(crate) fn load_spec(
    spec: &'static ModelSpec,
    name: &'static str,
    hint: &str,
    src: &ModelBytes,
    opts: &LoadOptions,
) -> Result<(Model, RuntimeInfo)> {
    let kind = name; // for the messages
    let owned;
    let (bytes, origin): (&[u8], String) = match src {
        ModelBytes::Embedded if spec.embedded.is_empty() => {
            return Err(Error::new(ErrorKind::Model, format!("no {kind} model given ({})", spec.file)))
        }
        ModelBytes::Embedded => (spec.embedded, "embedded".into()),
        ModelBytes::Owned(b) => (b.as_slice(), "bytes".into()),
        ModelBytes::File(p) => {
            owned = std::fs::read(p).map_err(|e| {
                Error::with_source(ErrorKind::Model, format!("cannot read {kind} model {}", p.display()), e)
            })?;
            (owned.as_slice(), p.display().to_string())
        }
    };
    let got = sha256_hex(bytes);
    if opts.verify_sha256 && got != spec.sha256 {
        return Err(Error::new(
            ErrorKind::Model,
            format!("{kind} model sha256 is {got}, expected {} ({}); {hint}: {origin}", spec.sha256, spec.file),
        ));
    }
    let rewritten;
    let bytes = match spec.split_prelu.then(|| super::onnx_rewrite::split_prelu(bytes)).flatten() {
        Some(b) => {
            rewritten = b;
            rewritten.as_slice()
        }
        None => bytes,
    };
    let (env, info) = runtime(opts.runtime)?;
    let ort_err = |what: &str, e: String| Error::new(ErrorKind::Model, format!("{kind} model ({origin}): {what}: {e}"));
    let session = Session::builder(&env)
        .map_err(|e| ort_err("session options", e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| ort_err("optimisation level", e.to_string()))?
        .with_intra_threads(opts.intra_threads.max(1))
        .map_err(|e| ort_err("threads", e.to_string()))?
        .with_inter_threads(1)
        .map_err(|e| ort_err("threads", e.to_string()))?
        .commit_from_memory(bytes)
        .map_err(|e| ort_err("not a loadable ONNX model", e.to_string()))?;
    check_io(spec, name, &session, &origin)?;
    Ok((Model { name, spec, sha256: got, session: Mutex::new(session) }, info))
}

fn check_io(spec: &ModelSpec, kind: &str, session: &Session, origin: &str) -> Result<()> {
    // A dynamic dimension in the file matches anything; a batch dimension we set per
    // call (-1) must therefore be dynamic in the file.
    let shape_ok =
        |got: &[i64], want: &[i64]| got.len() == want.len() && got.iter().zip(want).all(|(g, w)| *g == *w || *g < 0);
    let describe = |o: &ort::value::Outlet| match o.dtype().tensor_shape() {
        Some(s) => format!("{}{:?}", o.name(), &s[..]),
        None => format!("{} (not a tensor)", o.name()),
    };
    let inputs: Vec<String> = session.inputs().iter().map(describe).collect();
    let outputs: Vec<String> = session.outputs().iter().map(describe).collect();
    let mismatch = || {
        Error::new(
            ErrorKind::Model,
            format!(
                "{kind} model has inputs {inputs:?} and outputs {outputs:?}; expected inputs {:?} and outputs {:?} ({origin})",
                spec.inputs, spec.outputs
            ),
        )
    };
    if session.inputs().len() != spec.inputs.len() {
        return Err(mismatch());
    }
    for (name, shape) in spec.inputs {
        let ok = session
            .inputs()
            .iter()
            .any(|i| i.name() == *name && i.dtype().tensor_shape().is_some_and(|s| shape_ok(&s[..], shape)));
        if !ok {
            return Err(mismatch());
        }
    }
    for (name, shape) in spec.outputs {
        let ok = session
            .outputs()
            .iter()
            .any(|o| o.name() == *name && o.dtype().tensor_shape().is_some_and(|s| shape_ok(&s[..], shape)));
        if !ok {
            return Err(mismatch());
        }
    }
    Ok(())
}

impl Model {
    /// Runs the model on one NHWC input and copies each declared output into `outs`
    /// (in the spec's output order; each slice must have the output's element count).
    pub(crate) fn run(&self, input: &[f32], outs: &mut [&mut [f32]]) -> Result<()> {
        self.run_batch(input, 1, outs)
    }

    /// As [`Model::run`] with batch size `n` for a model with a dynamic batch dimension.
    pub(crate) fn run_batch(&self, input: &[f32], n: usize, outs: &mut [&mut [f32]]) -> Result<()> {
        self.run_all(&[input], n, outs)
    }

    /// Runs a model with several inputs (in the spec's input order), batch size 1.
    pub(crate) fn run_inputs(&self, inputs: &[&[f32]], outs: &mut [&mut [f32]]) -> Result<()> {
        self.run_all(inputs, 1, outs)
    }

    /// One step of the voice activity model ([`VAD_SPEC`]): `input` (576 samples at
    /// 16 kHz) and the recurrent `state` (256) in; the speech probability out, `state`
    /// updated.
    pub(crate) fn run_vad(&self, input: Vec<f32>, state: &mut [f32]) -> Result<f32> {
        let err = |what: &str, e: ort::Error| Error::new(ErrorKind::Inference, format!("voice activity {what}: {e}"));
        let n = input.len();
        let x = ort::value::Tensor::from_array(([1usize, n], input)).map_err(|e| err("input", e))?;
        let st = ort::value::Tensor::from_array(([2usize, 1, 128], state.to_vec())).map_err(|e| err("state", e))?;
        let sr = ort::value::Tensor::from_array((Vec::<usize>::new(), vec![16_000i64])).map_err(|e| err("rate", e))?;
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let out =
            session.run(ort::inputs!["input" => x, "state" => st, "sr" => sr]).map_err(|e| err("inference", e))?;
        let (_, p) = out["output"].try_extract_tensor::<f32>().map_err(|e| err("output", e))?;
        let (_, s) = out["stateN"].try_extract_tensor::<f32>().map_err(|e| err("state output", e))?;
        if p.len() != 1 || s.len() != state.len() {
            return Err(Error::new(ErrorKind::Inference, "voice activity model gave outputs of unexpected size"));
        }
        state.copy_from_slice(s);
        Ok(p[0])
    }

    fn run_all(&self, inputs: &[&[f32]], n: usize, outs: &mut [&mut [f32]]) -> Result<()> {
        let spec = self.spec;
        let kind = self.name;
        if inputs.len() != spec.inputs.len() {
            return Err(Error::new(
                ErrorKind::Inference,
                format!("{kind} takes {} inputs, got {}", spec.inputs.len(), inputs.len()),
            ));
        }
        let mut feed = Vec::with_capacity(inputs.len());
        for ((name, dims), data) in spec.inputs.iter().zip(inputs) {
            let shape: Vec<usize> = dims.iter().map(|&d| if d < 0 { n } else { d as usize }).collect();
            let tensor = TensorRef::from_array_view((shape, *data))
                .map_err(|e| Error::new(ErrorKind::Inference, format!("{kind} input {name}: {e}")))?;
            feed.push((*name, tensor));
        }
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let result =
            session.run(feed).map_err(|e| Error::new(ErrorKind::Inference, format!("{kind} inference: {e}")))?;
        for ((name, _), out) in spec.outputs.iter().zip(outs.iter_mut()) {
            let (_, data) = result[*name]
                .try_extract_tensor::<f32>()
                .map_err(|e| Error::new(ErrorKind::Inference, format!("{kind} output {name}: {e}")))?;
            if data.len() != out.len() {
                return Err(Error::new(
                    ErrorKind::Inference,
                    format!("{kind} output {name} has {} values, expected {}", data.len(), out.len()),
                ));
            }
            out.copy_from_slice(data);
        }
        Ok(())
    }
}
