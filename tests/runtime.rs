//! Loading ONNX Runtime and the models: every failure is a clear error, never a panic.
//! One test function so the order is fixed: this process must not load a runtime first.

mod common;

use liveface::{Engine, EngineBuilder, ErrorKind, LandmarkModel, ModelKind};

#[test]
fn runtime_and_model_failures_are_errors_then_defaults_load() {
    // Missing library.
    let e = EngineBuilder::new().runtime_library("/no/such/libonnxruntime.so").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Runtime);
    assert!(e.to_string().contains("ORT_DYLIB_PATH"), "says how to fix it: {e}");

    // A file that is not a shared library.
    let fake = std::env::temp_dir().join(format!("liveface-fake-{}.so", std::process::id()));
    std::fs::write(&fake, b"not an ELF file").unwrap();
    let e = EngineBuilder::new().runtime_library(&fake).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Runtime, "{e}");

    // Zero threads.
    assert_eq!(EngineBuilder::new().intra_threads(0).build().unwrap_err().kind(), ErrorKind::Config);

    // The defaults: embedded models, runtime from ORT_DYLIB_PATH or the build-time fetch.
    let engine = Engine::new().expect("default engine");
    assert!(engine.runtime().path.is_file());

    // Altered model bytes fail the checksum; with checksums off they fail to load.
    let mesh_iris = || Engine::builder().landmark_model(LandmarkModel::MeshIris);
    let e = mesh_iris().model_bytes(ModelKind::Mesh, b"garbage".to_vec()).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("sha256"), "{e}");
    let e = Engine::builder().model_bytes(ModelKind::AttentionHeads, b"garbage".to_vec()).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("sha256"), "{e}");
    let e =
        mesh_iris().allow_unpinned_models(true).model_bytes(ModelKind::Mesh, b"garbage".to_vec()).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    // A model the chosen landmark pair does not use is not read.
    Engine::builder().model_bytes(ModelKind::Mesh, b"garbage".to_vec()).build().expect("mesh unused by attention");

    // The right file in the wrong slot fails the input/output check.
    let iris = common::read(&common::root().join("models/iris_landmark_64.onnx"));
    let e = mesh_iris().allow_unpinned_models(true).model_bytes(ModelKind::Mesh, iris.clone()).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("expected input"), "{e}");
    let e =
        Engine::builder().allow_unpinned_models(true).model_bytes(ModelKind::AttentionHeads, iris).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("expected input"), "{e}");

    // A models directory: the shipped one loads, an empty one names the missing file.
    Engine::builder().models_dir(common::root().join("models")).build().expect("models/ loads");
    let empty = std::env::temp_dir().join(format!("liveface-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let e = Engine::builder().models_dir(&empty).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("blazeface_short_128.onnx"), "{e}");
}

#[test]
fn manifest_matches_the_model_files() {
    let manifest: toml::Table = liveface::MODEL_MANIFEST.parse().expect("manifest parses");
    let models = manifest["model"].as_array().unwrap();
    assert_eq!(models.len(), 5);
    for m in models {
        let file = m["file"].as_str().unwrap();
        let bytes = common::read(&common::root().join("models").join(file));
        let digest = sha256(&bytes);
        assert_eq!(m["sha256"].as_str().unwrap(), digest, "{file}");
        assert_eq!(m["license"].as_str().unwrap(), "Apache-2.0");
    }
    assert!(common::root().join("models/LICENSE.mediapipe").is_file());
    // The voice activity model, taken as published from its wheel.
    let vad = manifest["vad"].as_table().unwrap();
    let file = vad["file"].as_str().unwrap();
    assert_eq!(sha256(&common::read(&common::root().join("models").join(file))), vad["sha256"].as_str().unwrap());
    assert_eq!(vad["license"].as_str().unwrap(), "MIT");
    assert!(common::root().join("models").join(vad["license_file"].as_str().unwrap()).is_file());
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
