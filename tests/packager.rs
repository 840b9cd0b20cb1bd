//! The package path from the library alone, on the shipped assets (no ../shared): a
//! session over real frames (the tracker and models run), the packager, the files.
#![cfg(feature = "video")]

mod common;

use liveface::checks::{CheckReport, Ending, FrameCtx, Status};
use liveface::package::{Packager, PackagerConfig, RequestTarget};
use liveface::{Check, CheckKind, ErrorKind, FrameRef, PixelFormat, Reason, Session, SessionConfig};

/// Passes after `n` good frames, keeping each as a best-frame candidate.
#[derive(Debug)]
struct PassAfter(usize);

impl Check for PassAfter {
    fn kind(&self) -> CheckKind {
        CheckKind::Silent
    }
    fn frontal_needed(&self) -> bool {
        true
    }
    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status {
        if let (None, Some(f)) = (ctx.issue, &ctx.report.face) {
            ctx.offer_best(f);
            self.0 = self.0.saturating_sub(1);
        }
        if self.0 == 0 {
            Status::Passed
        } else {
            Status::Running
        }
    }
    fn finish(&mut self, _: &Ending) -> Status {
        Status::Failed(Reason::SilentTooShort)
    }
    fn report(&self) -> CheckReport {
        CheckReport::Silent(None)
    }
}

/// The astronaut scaled by `k` (nearest neighbour), RGB.
fn astronaut(k: usize) -> (Vec<u8>, u32) {
    let a = common::astronaut();
    let w = a.width as usize;
    let n = w * k;
    let mut out = vec![0u8; n * n * 3];
    for y in 0..n {
        for x in 0..n {
            let s = ((y / k) * w + x / k) * 3;
            out[(y * n + x) * 3..(y * n + x) * 3 + 3].copy_from_slice(&a.data[s..s + 3]);
        }
    }
    (out, n as u32)
}

/// Runs the scripted session over 12 frames of the picture, pushing them to a packager.
fn session_and_packager(k: usize) -> (liveface::Outcome, Packager) {
    let engine = common::engine();
    let (px, n) = astronaut(k);
    let mut s = Session::with_checks(Some(&engine), SessionConfig::silent(), vec![Box::new(PassAfter(8))]).unwrap();
    let mut p = Packager::new(PackagerConfig::default()).unwrap();
    for i in 0..12 {
        let f = FrameRef::new(&px, n, n, PixelFormat::Rgb8).unwrap().at_us(i as i64 * 40_000);
        s.push(&f).unwrap();
        p.push_frame(&f, i, s.best_frames()).unwrap();
        if s.is_finished() {
            break;
        }
    }
    (s.finish(), p)
}

#[test]
fn a_passed_session_becomes_a_package_with_its_best_face() {
    let (o, p) = session_and_packager(2);
    assert!(o.passed, "{o:?}");
    let mut p = p;
    // One second of silence on the frames' clock: the evidence MP4 gets an audio track.
    p.push_audio(&vec![0.0f32; 16_000], 16_000, 0).unwrap();
    let pkg = p.finish(&o, &RequestTarget::compare().with_best_frame_num(Some(3)), None).unwrap();
    let m = &pkg.manifest;
    assert_eq!(m.liveness_type, "SILENT");
    assert_eq!(m.validate_data, "");
    assert_eq!(m.action, "LivenessCompare");
    assert_eq!(m.image, "best_frame");
    let best = m.best_frame.as_ref().expect("best frame described");
    assert_eq!(best.index, o.best_frames[0].index);
    assert!(best.face_px[0] >= 100.0 && best.face_px[1] >= 100.0, "{best:?}");
    assert_eq!(best.face_box, o.best_frames[0].bbox);
    assert_eq!(&pkg.best_jpeg[..2], &[0xFF, 0xD8], "a JPEG");
    assert!(pkg.video.frames >= 5, "{:?}", pkg.video);
    assert_eq!(m.files["video.mp4"], pkg.video_mp4.len());
    let req: serde_json::Value = serde_json::from_slice(&pkg.request_json).unwrap();
    assert_eq!(req["LivenessType"], "SILENT");
    assert_eq!(req["Optional"], "{\"BestFrameNum\":3}");
    assert!(req["VideoBase64"].as_str().unwrap().len() > 1_000);

    let dir = std::env::temp_dir().join(format!("liveface-packager-{}", std::process::id()));
    pkg.write(&dir).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("package.json")).unwrap()).unwrap();
    assert!((json["best_frame"]["face_px"][0].as_f64().unwrap() - best.face_px[0] as f64).abs() < 1e-3);
    for f in ["best.jpg", "video.mp4", "request.json"] {
        assert_eq!(std::fs::metadata(dir.join(f)).unwrap().len() as usize, m.files[f], "{f}");
    }
    // Recognition without the ID-card number cannot be built.
    let mut t = RequestTarget::compare();
    t.api = liveface::package::Api::LivenessRecognition;
    let (o2, p2) = session_and_packager(2);
    assert_eq!(p2.finish(&o2, &t, None).unwrap_err().kind(), ErrorKind::Config);
}

#[test]
fn a_face_under_100_px_or_a_failed_session_is_refused() {
    // The picture as shipped: the face box is about 92 x 104 px.
    let (o, p) = session_and_packager(1);
    assert!(o.passed, "{o:?}");
    let e = p.finish(&o, &RequestTarget::compare(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.to_string().contains("at least 100 px"), "{e}");
    // A failed session has nothing to send.
    let engine = common::engine();
    let mut s = Session::with_checks(Some(&engine), SessionConfig::silent(), vec![Box::new(PassAfter(100))]).unwrap();
    let (px, n) = astronaut(2);
    let mut p = Packager::new(PackagerConfig::default()).unwrap();
    let f = FrameRef::new(&px, n, n, PixelFormat::Rgb8).unwrap();
    s.push(&f).unwrap();
    p.push_frame(&f, 0, s.best_frames()).unwrap();
    let o = s.finish();
    assert!(!o.passed);
    let e = p.finish(&o, &RequestTarget::compare(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("did not pass"), "{e}");
}
