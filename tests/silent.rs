//! Silent liveness sessions: the temporal cues on a simulated photo attack (planar motion
//! of a real face picture) and on real clips, the session's reasons, and the model on
//! real clips when ../shared/models is present (each such test says when it is absent).

mod common;

use std::path::PathBuf;

use liveface::checks::cues::CueVerdict;
use liveface::simulate::{PlanarAttack, Species};
use liveface::{Engine, FrameRef, PixelFormat, Reason, Session, SessionConfig};

/// The astronaut's head and shoulders (a real face photograph), as a print would show it.
fn portrait() -> (Vec<u8>, usize, usize) {
    let a = common::astronaut();
    let (x0, y0, w, h) = (105usize, 10usize, 240usize, 300usize);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in y0..y0 + h {
        out.extend_from_slice(&a.data[(y * 512 + x0) * 3..(y * 512 + x0 + w) * 3]);
    }
    (out, w, h)
}

fn run_attack(engine: &Engine, species: Species) -> liveface::Outcome {
    let (pic, w, h) = portrait();
    let attack = PlanarAttack { species, ..Default::default() };
    let mut s = Session::new(engine, SessionConfig::silent()).unwrap();
    for i in 0..105 {
        let t = i as f32 / 30.0;
        let px = attack.render(&pic, w, h, t);
        let f = FrameRef::new(&px, attack.width, attack.height, PixelFormat::Rgb8).unwrap().at_us((t * 1e6) as i64);
        s.push(&f).unwrap();
        if s.is_finished() {
            break;
        }
    }
    s.finish()
}

#[test]
fn a_photo_moved_by_hand_is_caught_by_the_planar_cue() {
    let o = run_attack(&common::engine(), Species::Print);
    let r = o.silent.as_ref().unwrap_or_else(|| panic!("a silent decision: {o:?}"));
    eprintln!("simulated print: {:?}", r.planar);
    assert_eq!(r.planar.verdict, CueVerdict::Spoof, "{:?}", r.planar);
    assert!(r.planar.planar_ratio.unwrap() < 0.55);
    assert!(!o.passed);
    assert_eq!(o.reason, Some(Reason::SilentPictureLiveFail));
    assert_eq!(o.api_code, Some("FailedOperation.SilentPictureLiveFail"));
    assert!(r.rejected_by.contains(&"planar"));
    assert!(r.model.is_none());
    assert!(r.model_note.unwrap().contains("cues alone"), "says it ran without the model");
}

fn shared(p: &str) -> Option<PathBuf> {
    common::shared(p)
}

#[cfg(feature = "video")]
fn run_clip(engine: &Engine, path: &std::path::Path, frames: usize) -> liveface::Outcome {
    let mut s = Session::new(engine, SessionConfig::silent()).unwrap();
    for f in liveface::video::VideoReader::open(path).unwrap().take(frames) {
        s.push(&f.unwrap().as_frame().unwrap()).unwrap();
        if s.is_finished() {
            break;
        }
    }
    s.finish()
}

#[test]
fn two_faces_fail() {
    // Two copies of the portrait side by side.
    let (pic, w, h) = portrait();
    let mut px = vec![0u8; 2 * w * h * 3];
    for y in 0..h {
        let row = &pic[y * w * 3..(y + 1) * w * 3];
        px[y * 2 * w * 3..y * 2 * w * 3 + w * 3].copy_from_slice(row);
        px[y * 2 * w * 3 + w * 3..(y + 1) * 2 * w * 3].copy_from_slice(row);
    }
    let mut s = Session::new(&common::engine(), SessionConfig::silent()).unwrap();
    for i in 0..30 {
        let f = FrameRef::new(&px, 2 * w as u32, h as u32, PixelFormat::Rgb8).unwrap().at_us(i * 33_333);
        s.push(&f).unwrap();
        if s.is_finished() {
            break;
        }
    }
    let o = s.finish();
    assert_eq!(o.reason, Some(Reason::SilentMultiFaceFail), "{o:?}");
    assert_eq!(o.api_code, Some("FailedOperation.SilentMultiFaceFail"));
}

#[test]
fn silent_settings_are_checked() {
    let mut c = SessionConfig::silent();
    c.silent.good_ms = 1_000; // below the 2 s minimum
    assert_eq!(Session::from_reports(c).unwrap_err().kind(), liveface::ErrorKind::Config);
    let mut c = SessionConfig::silent();
    c.silent.model_frames = 0;
    assert_eq!(Session::from_reports(c).unwrap_err().kind(), liveface::ErrorKind::Config);
    let mut c = SessionConfig::silent();
    c.silent.min_good_ms = 4_000; // above the good time
    assert!(Session::from_reports(c).unwrap_err().to_string().contains("minimum"));
}

#[test]
fn a_reports_only_session_decides_on_motion_and_says_so() {
    let engine = common::engine();
    let (pic, w, h) = portrait();
    let attack = PlanarAttack::default();
    let mut tracker = engine.tracker();
    let mut s = Session::from_reports(SessionConfig::silent()).unwrap();
    for i in 0..100 {
        let t = i as f32 / 30.0;
        let px = attack.render(&pic, w, h, t);
        let f = FrameRef::new(&px, 640, 480, PixelFormat::Rgb8).unwrap().at_us((t * 1e6) as i64);
        s.push_report(&tracker.process(&f).unwrap());
        if s.is_finished() {
            break;
        }
    }
    let o = s.finish();
    let r = o.silent.expect("decided");
    assert!(r.model_note.unwrap().contains("frame reports only"));
    assert!(r.spectrum.is_none());
    assert_eq!(r.planar.verdict, CueVerdict::Spoof);
}

fn spoof_engine() -> Option<Engine> {
    Some(Engine::builder().antispoof_dir(common::antispoof_dir()?).build().unwrap())
}

/// Tests that need ../shared (data, models, notes): absent, they print SKIPPED, or fail when CI is set.
mod shared_data {
    #[allow(unused_imports)]
    use super::*;

    #[cfg(feature = "video")]
    #[test]
    fn real_faces_move_non_rigidly() {
        let engine = common::engine();
        for clip in ["data/faces/liveportrait_d3.mp4", "data/faces/liveportrait_d6.mp4", "data/talking/franck.mp4"] {
            let Some(p) = shared(clip) else { continue };
            let o = run_clip(&engine, &p, usize::MAX);
            let r = o.silent.as_ref().expect("decided");
            eprintln!("{clip}: {:?}", r.planar);
            assert_ne!(r.planar.verdict, CueVerdict::Spoof, "{clip}");
            assert!(r.planar.planar_ratio.unwrap_or(1.0) > 0.65, "{clip}: {:?}", r.planar);
            assert!(o.passed, "{clip}: {o:?}");
            assert!(r.good_ms >= 2_000 && o.frames > 60);
            assert!(r.spectrum.is_some());
        }
    }

    #[cfg(feature = "video")]
    #[test]
    fn too_little_video_is_too_short() {
        let Some(p) = shared("data/faces/liveportrait_d3.mp4") else { return };
        let o = run_clip(&common::engine(), &p, 40);
        assert_eq!(o.reason, Some(Reason::SilentTooShort));
        assert_eq!(o.api_code, Some("FailedOperation.SilentTooShort"));
        assert!(o.silent.is_none());
    }

    #[test]
    fn with_the_model_attacks_fail_and_say_why() {
        let Some(engine) = spoof_engine() else { return };
        let o = run_attack(&engine, Species::Print);
        let r = o.silent.as_ref().expect("decided");
        let m = r.model.as_ref().expect("model ran");
        eprintln!("simulated print: p_real {:.3}, rejected by {:?}", m.p_real, r.rejected_by);
        assert_eq!(m.frames.len(), 3, "three model frames");
        assert!(!o.passed);
        assert!(r.rejected_by.contains(&"model") && r.rejected_by.contains(&"planar"), "{:?}", r.rejected_by);
        assert!(r.decision_us > 0);
        // The simulated screen: never passes (its moire also disturbs tracking, so it may
        // fail before a decision).
        let o = run_attack(&engine, Species::Replay);
        eprintln!("simulated replay: {:?} {:?}", o.reason, o.silent.as_ref().map(|r| &r.rejected_by));
        assert!(!o.passed);
    }

    #[cfg(feature = "video")]
    #[test]
    fn with_the_model_real_clips_pass() {
        let Some(engine) = spoof_engine() else { return };
        for clip in ["data/faces/liveportrait_d3.mp4", "data/talking/franck.mp4"] {
            let Some(p) = shared(clip) else { continue };
            let o = run_clip(&engine, &p, usize::MAX);
            let r = o.silent.as_ref().expect("decided");
            let m = r.model.as_ref().expect("model ran");
            assert!(o.passed && m.live && m.p_real > 0.9, "{clip}: {r:?}");
            // Model frames are spread in time.
            let t: Vec<i64> = m.frames.iter().map(|f| f.t_us).collect();
            assert!(t.windows(2).all(|w| w[1] - w[0] >= 300_000), "{t:?}");
        }
    }
}
