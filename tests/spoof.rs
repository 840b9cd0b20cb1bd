//! Silent-liveness pre-processing and model scores against Python (OpenCV + onnxruntime):
//! `tests/golden/gen_spoof_golden.py` computed crops and scores on the very pixels the
//! engine decodes. Needs ../shared/models and ../shared/data/spoof (or
//! LIVEFACE_ANTISPOOF_DIR / LIVEFACE_SHARED); each test says plainly when they are absent.

mod common;

use std::path::PathBuf;

use liveface::checks::passive::{crop_patch, FaceBox, PATCH, SCALES};
use liveface::source::{load_image, OwnedFrame};
use liveface::{Engine, FrameRef, PixelFormat};
use serde_json::Value;

fn golden() -> Value {
    let text = std::fs::read_to_string(common::root().join("tests/golden/spoof.json")).expect("golden file");
    serde_json::from_str(&text).expect("golden json")
}

fn sample_path(s: &Value) -> PathBuf {
    let rel = s["file"].as_str().unwrap();
    if rel.starts_with("assets/") {
        common::root().join(rel)
    } else {
        common::shared_root().join(rel)
    }
}

/// The picture of a golden sample, or None (after `common::skip`) when its file is absent.
fn picture(s: &Value) -> Option<OwnedFrame> {
    let path = sample_path(s);
    if !path.is_file() {
        common::skip(&path.display().to_string());
        return None;
    }
    let f = load_image(&path).expect("decodes");
    let Some(piece) = s.get("piece").and_then(Value::as_array) else { return Some(f) };
    let p: Vec<u32> = piece.iter().map(|v| v.as_u64().unwrap() as u32).collect();
    let rgb = f.as_frame().unwrap().to_upright_rgb();
    let (w, _) = f.as_frame().unwrap().upright_size();
    let mut data = Vec::with_capacity((p[2] * p[3] * 3) as usize);
    for y in p[1]..p[1] + p[3] {
        let row = ((y * w + p[0]) * 3) as usize;
        data.extend_from_slice(&rgb[row..row + (p[2] * 3) as usize]);
    }
    Some(OwnedFrame {
        data,
        width: p[2],
        height: p[3],
        format: PixelFormat::Rgb8,
        rotation: liveface::Rotation::R0,
        mirror: false,
        timestamp_us: 0,
    })
}

fn face_box(v: &Value) -> FaceBox {
    let b: Vec<i32> = v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap() as i32).collect();
    FaceBox { x: b[0], y: b[1], w: b[2], h: b[3] }
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn crops_match_opencv_reference() {
    let g = golden();
    let (mut checked, mut exact, mut worst) = (0, 0, 0u8);
    for s in g["samples"].as_array().unwrap() {
        let Some(pic) = picture(s) else { continue };
        let frame = pic.as_frame().unwrap();
        for c in s["crops"].as_array().unwrap() {
            let b = face_box(&c["box"]);
            for (k, scale) in SCALES.iter().enumerate() {
                let patch = crop_patch(&frame, b, *scale).expect("crop");
                checked += 1;
                if sha256_hex(&patch[..]) == c["sha256"][k].as_str().unwrap() {
                    exact += 1;
                }
                if let Some(png) = c.get("png").and_then(|p| p[k].as_str()) {
                    let refimg =
                        image::open(common::root().join("tests/golden/spoof").join(png)).expect("crop png").into_rgb8();
                    assert_eq!(refimg.dimensions(), (PATCH as u32, PATCH as u32));
                    let d = refimg.as_raw().iter().zip(patch.iter()).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
                    worst = worst.max(d);
                    assert!(d <= 1, "{png}: max difference {d} grey levels");
                }
            }
        }
    }
    eprintln!("crops: {exact}/{checked} identical to OpenCV (sha256), worst stored-crop difference {worst}");
    assert!(checked >= 8, "too few crops checked");
    let expected: usize = g["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| sample_path(s).is_file())
        .map(|s| s["crops"].as_array().unwrap().len() * SCALES.len())
        .sum();
    assert_eq!(checked, expected, "every crop of every present picture was checked");
    assert_eq!(exact, checked, "every crop is bit-identical to cv2.resize INTER_LINEAR");
}

#[test]
fn boxes_match_python_detector() {
    let g = golden();
    let engine = common::engine();
    let (mut n, mut expected) = (0, 0);
    for s in g["samples"].as_array().unwrap() {
        let Some(want) = s.get("box").filter(|b| !b.is_null()) else { continue };
        expected += sample_path(s).is_file() as usize;
        let Some(pic) = picture(s) else { continue };
        let frame = pic.as_frame().unwrap();
        let dets = engine.detect(&frame).unwrap();
        // detect() returns buffer pixels; the spoof samples' EXIF rotation is undone by
        // comparing through the upright-box helper below.
        let got = liveface::checks::passive::upright_face_box(&engine, &frame).unwrap().expect("a face");
        let want = face_box(want);
        for (a, b) in [(got.x, want.x), (got.y, want.y), (got.w, want.w), (got.h, want.h)] {
            assert!((a - b).abs() <= 1, "{}: box {got:?} vs python {want:?}", s["file"]);
        }
        assert!(!dets.is_empty());
        n += 1;
    }
    eprintln!("boxes: {n} compared");
    assert_eq!(n, expected, "every present picture with a Python box was compared");
    assert!(n >= 1, "the repository's own pictures have Python boxes");
}

fn spoof_engine() -> Option<Engine> {
    Some(Engine::builder().antispoof_dir(common::antispoof_dir()?).build().expect("anti-spoof models load"))
}

#[test]
fn crops_do_not_depend_on_buffer_layout() {
    // The same upright picture as RGB, as BGR with padded rows, and stored rotated 90°:
    // identical model inputs.
    let a = common::astronaut();
    let rgb = a.as_frame().unwrap();
    let bgr: Vec<u8> = a
        .data
        .chunks(512 * 3)
        .flat_map(|row| {
            let mut r: Vec<u8> = row.chunks(3).flat_map(|p| [p[2], p[1], p[0]]).collect();
            r.extend_from_slice(&[0u8; 12]);
            r
        })
        .collect();
    let bgr = FrameRef::with_stride(&bgr, 512, 512, PixelFormat::Bgr8, 512 * 3 + 12).unwrap();
    let (rot, w, h) = common::astronaut_rot90_buffer();
    let rot = FrameRef::new(&rot, w, h, PixelFormat::Rgb8).unwrap().rotated(liveface::Rotation::R90);
    for b in [FaceBox { x: 179, y: 81, w: 93, h: 93 }, FaceBox { x: 5, y: 3, w: 150, h: 170 }] {
        for s in SCALES {
            let want = crop_patch(&rgb, b, s).unwrap();
            assert_eq!(crop_patch(&bgr, b, s).unwrap(), want);
            assert_eq!(crop_patch(&rot, b, s).unwrap(), want, "rotated buffer, box {b:?} scale {s}");
        }
    }
}

/// Tests that need ../shared (data, models, notes): absent, they print SKIPPED, or fail when CI is set.
mod shared_data {
    #[allow(unused_imports)]
    use super::*;

    #[test]
    fn scores_match_python_onnxruntime() {
        let Some(engine) = spoof_engine() else { return };
        assert_eq!(engine.antispoof_identity().map(|(_, pinned)| pinned), Some(true));
        let g = golden();
        let (mut n, mut worst) = (0, 0.0f32);
        for s in g["samples"].as_array().unwrap() {
            let Some(pic) = picture(s) else { continue };
            let frame: FrameRef = pic.as_frame().unwrap();
            for c in s["crops"].as_array().unwrap() {
                let got = engine.antispoof_boxes(&[(frame, face_box(&c["box"]))]).unwrap().remove(0);
                for (mine, key) in [(got.v2, "v2"), (got.v1se, "v1se")] {
                    for (a, b) in mine.iter().zip(c[key].as_array().unwrap()) {
                        let d = (a - b.as_f64().unwrap() as f32).abs();
                        worst = worst.max(d);
                        assert!(d <= 1e-3, "{} {key}: {mine:?} vs {}", s["file"], c[key]);
                    }
                }
                n += 1;
            }
        }
        eprintln!("scores: {n} faces, worst |p - p_python| = {worst:.2e}");
        // Every golden face whose picture is present was scored (the shared data adds 74).
        let expected: usize = g["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| sample_path(s).is_file())
            .map(|s| s["crops"].as_array().unwrap().len())
            .sum();
        assert_eq!(n, expected);
        assert!(n >= 5, "the repository's own pictures alone give 5 faces");
    }

    #[test]
    fn detected_faces_are_classified_as_labelled() {
        let Some(engine) = spoof_engine() else { return };
        let g = golden();
        let (mut n, mut expected) = (0, 0);
        for s in g["samples"].as_array().unwrap() {
            let label = s["label"].as_str().unwrap();
            if !(s["file"].as_str().unwrap().starts_with("data/")) {
                continue;
            }
            expected += 1;
            let Some(pic) = picture(s) else { continue };
            let score = engine.antispoof(&pic.as_frame().unwrap()).unwrap().expect("face");
            assert_eq!(score.live, label == "live", "{}: {score:?}", s["file"]);
            n += 1;
        }
        eprintln!("classified: {n} pictures, all as labelled");
        if n < expected {
            common::skip(&format!("{} of {expected} shared pictures", expected - n));
        }
        assert!(n == expected || std::env::var_os("CI").is_none());
    }

    #[test]
    fn wrong_model_files_are_rejected() {
        let Some(dir) = common::antispoof_dir() else { return };
        // The face detector is not an anti-spoof model: wrong sha256, and wrong shape when unpinned.
        let det = common::root().join("models/blazeface_short_128.onnx");
        let e =
            Engine::builder().antispoof_files(&det, dir.join("minifasnet_v1se_80x80_s4.0.onnx")).build().unwrap_err();
        assert_eq!(e.kind(), liveface::ErrorKind::Model);
        assert!(e.to_string().contains("sha256"), "{e}");
        let e = Engine::builder()
            .allow_unpinned_models(true)
            .antispoof_files(&det, dir.join("minifasnet_v1se_80x80_s4.0.onnx"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("expected input"), "{e}");
        let e = Engine::builder().antispoof_dir("/nonexistent").build().unwrap_err();
        assert_eq!(e.kind(), liveface::ErrorKind::Model);
        let e = Engine::new().unwrap().antispoof_boxes(&[]).unwrap_err();
        assert_eq!(e.kind(), liveface::ErrorKind::Config);
    }
}
