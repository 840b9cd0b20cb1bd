//! Detect-then-track on an image sequence: one id while the face is present, the
//! detector skipped while tracking, and back to the detector when the face leaves.

mod common;

use liveface::source::load_image;
use liveface::{FrameRef, PixelFormat, TrackerConfig};

/// The 640x480 astronaut frame shifted right by `dx` pixels (grey fill).
fn shifted(base: &[u8], dx: usize) -> Vec<u8> {
    let mut out = vec![128u8; base.len()];
    for y in 0..480 {
        let row = &base[y * 640 * 3..(y + 1) * 640 * 3];
        out[(y * 640 + dx) * 3..(y + 1) * 640 * 3].copy_from_slice(&row[..(640 - dx) * 3]);
    }
    out
}

#[test]
fn one_id_while_present_then_detector_after_the_face_leaves() {
    let engine = common::engine();
    let mut tracker = engine
        .tracker_with({
            let mut c = TrackerConfig::default();
            c.detect_interval = 5;
            c
        })
        .unwrap();
    let base = common::astronaut_640x480();
    let coffee = load_image(&common::asset("coffee.png")).unwrap();
    let mut t = 0i64;
    let mut next = || {
        t += 33_333;
        t
    };

    let mut ids = Vec::new();
    let mut detector_runs = 0;
    let mut first_cx = None;
    for i in 0..12 {
        let px = shifted(&base, i * 4);
        let r = tracker.process(&FrameRef::new(&px, 640, 480, PixelFormat::Rgb8).unwrap().at_us(next())).unwrap();
        let f = r.face.as_ref().expect("face present on every shifted frame");
        assert_eq!(f.tracked, i > 0, "frame {i}: region from the previous frame after the first");
        detector_runs += r.detector_ran as usize;
        ids.push(f.id);
        let cx = (f.bbox[0] + f.bbox[2]) / 2.0;
        let c0 = *first_cx.get_or_insert(cx);
        // Smoothed box centre follows the 4 px/frame motion (lagging a little).
        assert!((cx - c0 - (i * 4) as f32).abs() < 12.0, "frame {i}: centre {cx} vs start {c0}");
        assert_eq!(r.faces_detected, 1);
    }
    assert!(ids.iter().all(|&id| id == ids[0]), "one track id: {ids:?}");
    // Frame 0, then every 5th frame to count faces.
    assert_eq!(detector_runs, 3, "detector runs");

    // The face leaves: the mesh loses it, the detector runs on that same frame and finds none.
    let r = tracker.process(&coffee.as_frame().unwrap().at_us(next())).unwrap();
    assert!(r.face.is_none() && r.detector_ran && r.faces_detected == 0);
    assert!(!tracker.is_tracking());
    let r = tracker.process(&coffee.as_frame().unwrap().at_us(next())).unwrap();
    assert!(r.detector_ran, "no track: the detector runs every frame");

    // It comes back: a new track with a new id.
    let r = tracker.process(&FrameRef::new(&base, 640, 480, PixelFormat::Rgb8).unwrap().at_us(next())).unwrap();
    let f = r.face.expect("face again");
    assert!(!f.tracked && f.id != ids[0]);
}

#[test]
fn signals_on_the_astronaut_are_plausible() {
    let engine = common::engine();
    let a = common::astronaut();
    let r = engine.tracker().process(&a.as_frame().unwrap()).unwrap();
    let f = r.face.unwrap();
    assert_eq!(f.landmarks.len(), 468);
    assert_eq!(f.eyes.len(), 2);
    for e in &f.eyes {
        assert!((0.2..0.5).contains(&e.openness), "open eye openness {}", e.openness);
        assert!((0.2..0.45).contains(&e.ear), "open eye EAR {}", e.ear);
        assert!((2.0..8.0).contains(&e.iris_radius), "iris radius {}", e.iris_radius);
        assert_eq!(e.iris.len(), 5);
        assert_eq!(e.contour.len(), 71);
    }
    // Subject's right eye is on the image left.
    assert!(f.eyes[0].iris_center[0] < f.eyes[1].iris_center[0]);
    assert!(f.pose.yaw.abs() < 15.0 && f.pose.roll.abs() < 15.0, "{:?}", f.pose);
    assert!((0.05..0.4).contains(&f.mouth_openness), "smiling, teeth showing: {}", f.mouth_openness);
    assert!(f.relative_size[0] > 0.1 && f.relative_size[0] < 0.3);
    assert!(f.center_offset[1] < -0.1, "face in the upper part of the picture");
    assert!(f.brightness > 60.0 && f.brightness < 230.0 && f.contrast > 5.0 && f.sharpness > 0.0);
    assert!(r.timings.total_us >= r.timings.mesh_us + r.timings.iris_us);

    // A mirrored picture flips yaw and roll signs and keeps coordinates in buffer space.
    let m = engine.tracker().process(&a.as_frame().unwrap().mirrored(true)).unwrap().face.unwrap();
    assert!((m.pose.roll + f.pose.roll).abs() < 2.0, "roll {} vs {}", m.pose.roll, f.pose.roll);
    let dx = (m.landmarks[1][0] - f.landmarks[1][0]).abs();
    assert!(dx < 3.0, "nose tip in buffer coordinates moves little under mirroring: {dx}");
}

#[test]
fn darker_picture_reads_darker() {
    let engine = common::engine();
    let a = common::astronaut();
    let dark: Vec<u8> = a.data.iter().map(|v| v / 3).collect();
    let f1 = engine.tracker().process(&a.as_frame().unwrap()).unwrap().face.unwrap();
    let f2 = engine.tracker().process(&FrameRef::new(&dark, 512, 512, PixelFormat::Rgb8).unwrap()).unwrap().face;
    let f2 = f2.expect("the face is still found at a third of the light");
    assert!(f2.brightness < f1.brightness * 0.5, "{} vs {}", f2.brightness, f1.brightness);
    assert!(f2.contrast < f1.contrast * 0.5);
}
