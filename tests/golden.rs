//! Rust outputs against Python onnxruntime reference outputs (tests/golden/gen_golden.py,
//! an independent numpy implementation of the same pipeline). Tolerances: detector box
//! corners within 1 px, mesh and iris landmarks within 0.5 px. Both landmark models: the
//! attention mesh (default; reference in `attention`, its custom operations in numpy as
//! MediaPipe defines them) and the mesh + iris pair.

mod common;

use liveface::{Engine, FrameRef, LandmarkModel, PixelFormat, Rotation, TrackerConfig};
use serde_json::Value;

fn golden() -> Value {
    let text = std::fs::read_to_string(common::root().join("tests/golden/golden.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn case<'a>(g: &'a Value, name: &str) -> &'a Value {
    g["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()
}

fn pts(v: &Value) -> Vec<[f32; 3]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let a = p.as_array().unwrap();
            [
                a[0].as_f64().unwrap() as f32,
                a[1].as_f64().unwrap() as f32,
                a.get(2).and_then(|z| z.as_f64()).unwrap_or(0.0) as f32,
            ]
        })
        .collect()
}

fn max_xy_err(a: &[[f32; 3]], b: &[[f32; 3]]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(p, q)| (p[0] - q[0]).abs().max((p[1] - q[1]).abs())).fold(0.0, f32::max)
}

fn check(name: &str, frame: FrameRef) {
    let g = golden();
    let c = case(&g, name);
    let engine = common::engine();

    // Detector.
    let dets = engine.detect(&frame).unwrap();
    let want = c["detections"].as_array().unwrap();
    assert_eq!(dets.len(), want.len(), "{name}: detection count");
    for (d, w) in dets.iter().zip(want) {
        let wb: Vec<f32> = w["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let err = d.bbox.iter().zip(&wb).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err <= 1.0, "{name}: detector box {:?} vs reference {wb:?} (max err {err})", d.bbox);
        let kerr = d
            .keypoints
            .iter()
            .zip(pts(&w["keypoints"]))
            .map(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()))
            .fold(0.0, f32::max);
        assert!(kerr <= 1.0, "{name}: detector keypoints max err {kerr}");
        assert!((d.score - w["score"].as_f64().unwrap() as f32).abs() < 1e-3);
    }

    let mesh_iris = Engine::builder().landmark_model(LandmarkModel::MeshIris).build().unwrap();
    landmarks(name, &frame, &mesh_iris, c);
    landmarks(&format!("{name} (attention)"), &frame, &engine, &c["attention"]);
}

/// First tracked frame: detection ROI -> mesh -> eyes (no smoothing on frame one anyway).
fn landmarks(name: &str, frame: &FrameRef, engine: &Engine, c: &Value) {
    let mut tracker = engine
        .tracker_with({
            let mut c = TrackerConfig::default();
            c.smoothing = None;
            c
        })
        .unwrap();
    let report = tracker.process(frame).unwrap();
    let face = report.face.expect("face");
    assert!((face.presence - c["presence"].as_f64().unwrap() as f32).abs() < 1e-3);
    let lm_err = max_xy_err(&face.landmarks, &pts(&c["landmarks"]));
    assert!(lm_err <= 0.5, "{name}: mesh landmarks max err {lm_err} px");
    let z_err = face.landmarks.iter().zip(pts(&c["landmarks"])).map(|(a, b)| (a[2] - b[2]).abs()).fold(0.0, f32::max);
    assert!(z_err <= 0.5, "{name}: mesh depth max err {z_err}");
    for (i, eye) in face.eyes.iter().enumerate() {
        let we = &c["eyes"][i];
        let e1 = max_xy_err(&eye.iris, &pts(&we["iris"]));
        let e2 = max_xy_err(&eye.contour, &pts(&we["contour"]));
        assert!(e1 <= 0.5 && e2 <= 0.5, "{name}: eye {i} iris err {e1}, contour err {e2}");
    }
    eprintln!("{name}: landmarks max err {lm_err:.4} px");
}

#[test]
fn astronaut_matches_reference() {
    let a = common::astronaut();
    check("astronaut", a.as_frame().unwrap());
}

#[test]
fn rotated_buffer_matches_reference_in_buffer_coordinates() {
    let (buf, w, h) = common::astronaut_rot90_buffer();
    let frame = FrameRef::new(&buf, w, h, PixelFormat::Rgb8).unwrap().rotated(Rotation::R90);
    check("astronaut_rot90", frame);
}

#[test]
fn vga_frame_matches_reference() {
    let buf = common::astronaut_640x480();
    check("astronaut_640x480", FrameRef::new(&buf, 640, 480, PixelFormat::Rgb8).unwrap());
}

#[test]
fn padded_stride_and_bgra_give_the_same_landmarks() {
    let rgb = common::astronaut_640x480();
    let (w, h) = (640usize, 480usize);
    let stride = w * 4 + 64;
    let mut bgra = vec![0u8; stride * h];
    for y in 0..h {
        for x in 0..w {
            let s = (y * w + x) * 3;
            let d = y * stride + x * 4;
            bgra[d..d + 4].copy_from_slice(&[rgb[s + 2], rgb[s + 1], rgb[s], 255]);
        }
    }
    let frame = FrameRef::with_stride(&bgra, w as u32, h as u32, PixelFormat::Bgra8, stride).unwrap();
    check("astronaut_640x480", frame);
}

#[test]
fn nv12_frame_tracks_close_to_rgb() {
    // Chroma subsampling changes pixels slightly: landmarks stay within 2 px of RGB.
    let rgb = common::astronaut_640x480();
    let nv12 = common::rgb_to_nv12(&rgb, 640, 480);
    let engine = common::engine();
    let cfg = {
        let mut c = TrackerConfig::default();
        c.smoothing = None;
        c
    };
    let a = engine
        .tracker_with(cfg.clone())
        .unwrap()
        .process(&FrameRef::new(&rgb, 640, 480, PixelFormat::Rgb8).unwrap())
        .unwrap();
    let b =
        engine.tracker_with(cfg).unwrap().process(&FrameRef::new(&nv12, 640, 480, PixelFormat::Nv12).unwrap()).unwrap();
    let (fa, fb) = (a.face.unwrap(), b.face.unwrap());
    let err = max_xy_err(&fa.landmarks, &fb.landmarks);
    assert!(err < 2.0, "NV12 vs RGB landmarks differ by {err} px");
}
