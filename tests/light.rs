//! Light mode end to end on a face it renders itself: the shipped astronaut photo,
//! tracked once, lit by a challenge (or attacked) frame by frame through
//! `liveface::simulate::light`, then judged by a light session.

mod common;

use liveface::checks::light::{LightChallenge, LightChallengeConfig};
use liveface::checks::Reason;
use liveface::simulate::light::{LightAttack, LightRenderer, LightSimConfig};
use liveface::{Engine, FrameRef, Outcome, PixelFormat, Session, SessionConfig};

/// The astronaut at 256 x 256 (2 x 2 means), RGB.
fn small_astronaut() -> Vec<u8> {
    let a = common::astronaut();
    let mut out = vec![0u8; 256 * 256 * 3];
    for y in 0..256 {
        for x in 0..256 {
            for c in 0..3 {
                let p = |dx: usize, dy: usize| a.data[((2 * y + dy) * 512 + 2 * x + dx) * 3 + c] as u32;
                out[(y * 256 + x) * 3 + c] = ((p(0, 0) + p(1, 0) + p(0, 1) + p(1, 1)) / 4) as u8;
            }
        }
    }
    out
}

fn session(kind: LightAttack, amplitude: f32, fps: f64, seed: u64) -> Outcome {
    let engine = Engine::new().unwrap();
    let base = small_astronaut();
    let mut tracker = engine.tracker();
    let report = tracker.process(&FrameRef::new(&base, 256, 256, PixelFormat::Rgb8).unwrap()).unwrap();
    assert!(report.face.is_some(), "the astronaut's face is found");
    let cfg = LightChallengeConfig::default();
    let challenge = LightChallenge::from_nonce(format!("light-test-{seed}").as_bytes(), &cfg).unwrap();
    let shown = match kind {
        LightAttack::Replay => LightChallenge::from_nonce(format!("another-session-{seed}").as_bytes(), &cfg).unwrap(),
        _ => challenge.clone(),
    };
    let mut sim = LightSimConfig::default();
    sim.amplitude = amplitude;
    sim.attack = kind;
    sim.seed = seed;
    let mut renderer = LightRenderer::new(shown, sim);
    let lm = report.face.as_ref().unwrap().landmarks.clone();
    let mut s = Session::from_reports(SessionConfig::light(challenge.clone())).unwrap();
    let step = (1e6 / fps) as i64;
    for k in 0.. {
        let t = k * step;
        let mut data = base.clone();
        renderer.render(&mut data, 256, 256, Some(&lm), t, step);
        let mut r = report.clone();
        r.timestamp_us = t;
        s.push_tracked(&FrameRef::new(&data, 256, 256, PixelFormat::Rgb8).unwrap().at_us(t), &r);
        if s.is_finished() || t > 8_000_000 {
            break;
        }
    }
    s.finish()
}

#[test]
fn a_lit_face_passes_with_its_sequence_decoded() {
    for (fps, seed) in [(15.0, 1), (30.0, 2)] {
        let o = session(LightAttack::BonaFide, 8.0, fps, seed);
        let l = o.light.as_ref().expect("a light report");
        assert!(o.passed, "{fps} fps: {l:?}");
        assert_eq!(l.decoded_share, Some(1.0), "{l:?}");
        let lag = l.lag_ms.unwrap();
        assert!((40..=170).contains(&lag), "the simulated lag is 100 ms: {lag}");
        assert!(l.background_share.unwrap() < 0.3, "{l:?}");
        assert!(l.relief.unwrap().ratio.unwrap() > 0.5, "{l:?}");
        assert_eq!(o.mode.liveness_type(), "SILENT");
    }
}

#[test]
fn each_attack_fails_with_its_reason() {
    let reason = |kind| {
        let o = session(kind, 8.0, 15.0, 3);
        assert!(!o.passed, "{kind:?} passed: {:?}", o.light);
        o.reason.unwrap()
    };
    let replay = reason(LightAttack::Replay);
    assert!(matches!(replay, Reason::LightWrongSequence | Reason::LightNoResponse), "{replay:?}");
    assert_eq!(reason(LightAttack::NoReflection), Reason::LightNoResponse);
    assert_eq!(reason(LightAttack::Flat), Reason::LightFlatSurface);
    assert_eq!(reason(LightAttack::Recolour), Reason::LightWholeFrame);
    assert_eq!(Reason::LightFlatSurface.api_code(), Some("FailedOperation.SilentPictureLiveFail"));
    assert_eq!(Reason::LightNoResponse.api_code(), Some("FailedOperation.LivessDetectFake"));
}

#[test]
fn acknowledged_display_times_replace_the_planned_ones() {
    // The app showed everything 300 ms late and said so: with the acknowledgements the
    // lag is the camera's alone; without them the late start is absorbed into the lag.
    let engine = Engine::new().unwrap();
    let base = small_astronaut();
    let report = engine.tracker().process(&FrameRef::new(&base, 256, 256, PixelFormat::Rgb8).unwrap()).unwrap();
    let lm = report.face.as_ref().unwrap().landmarks.clone();
    let challenge = LightChallenge::from_nonce(b"late", &LightChallengeConfig::default()).unwrap();
    let run = |ack: bool| {
        let mut sim = LightSimConfig::default();
        sim.seed = 9;
        let mut renderer = LightRenderer::new(challenge.clone(), sim);
        let mut s = Session::from_reports(SessionConfig::light(challenge.clone())).unwrap();
        if ack {
            for st in &challenge.steps {
                let from = (st.start_ms as i64 + 300) * 1000;
                s.acknowledge(&liveface::checks::DisplayAck {
                    index: st.index,
                    from_us: from,
                    to_us: from + st.duration_ms as i64 * 1000,
                });
            }
        }
        for k in 0..200i64 {
            let t = k * 33_333;
            let mut data = base.clone();
            renderer.render(&mut data, 256, 256, Some(&lm), t - 300_000, 33_333);
            let mut r = report.clone();
            r.timestamp_us = t;
            s.push_tracked(&FrameRef::new(&data, 256, 256, PixelFormat::Rgb8).unwrap().at_us(t), &r);
            if s.is_finished() {
                break;
            }
        }
        s.finish()
    };
    let with = run(true);
    let l = with.light.as_ref().unwrap();
    assert!(with.passed && l.acknowledged, "{l:?}");
    assert!((40..=170).contains(&l.lag_ms.unwrap()), "{l:?}");
    let without = run(false).light.unwrap();
    assert!(!without.acknowledged);
    assert!(without.lag_ms.unwrap() >= 300, "{without:?}");
}

#[test]
fn a_session_without_pixels_or_a_challenge_says_why() {
    let challenge = LightChallenge::from_nonce(b"x", &LightChallengeConfig::default()).unwrap();
    let mut s = Session::from_reports(SessionConfig::light(challenge)).unwrap();
    let engine = Engine::new().unwrap();
    let base = small_astronaut();
    let report = engine.tracker().process(&FrameRef::new(&base, 256, 256, PixelFormat::Rgb8).unwrap()).unwrap();
    for k in 0..150i64 {
        let mut r = report.clone();
        r.timestamp_us = k * 33_333;
        s.push_report(&r);
    }
    let o = s.finish();
    assert_eq!(o.reason, Some(Reason::LightTooShort));
    let mut c = SessionConfig::light(LightChallenge::from_nonce(b"y", &LightChallengeConfig::default()).unwrap());
    c.light = None;
    assert!(Session::from_reports(c).is_err());
}

/// Flash mode on a real clip: the person blinks (`liveportrait_d9` blinks in its first
/// second), then the colours run and are rendered onto the following frames from the
/// moment the session announces the first one.
#[cfg(feature = "video")]
#[test]
fn a_flash_session_on_a_real_clip_takes_the_blink_then_the_colours() {
    let Some(path) = common::shared("data/faces/liveportrait_d9.mp4") else { return };
    let engine = common::engine();
    let mut tracker = engine.tracker();
    let challenge = LightChallenge::from_nonce(b"flash-test", &LightChallengeConfig::default()).unwrap();
    let mut sim = LightSimConfig::default();
    sim.amplitude = 16.0;
    let mut renderer = LightRenderer::new(challenge.clone(), sim);
    let mut s = Session::from_reports(SessionConfig::flash(challenge.clone())).unwrap();
    let (mut schedule_start, mut frames_lit) = (None, 0);
    for f in liveface::video::VideoReader::open(&path).unwrap() {
        let f = f.unwrap();
        let view = f.as_frame().unwrap();
        let t = view.timestamp_us();
        let (w, h) = view.upright_size();
        let mut rgb = view.to_upright_rgb();
        let upright = FrameRef::new(&rgb, w, h, PixelFormat::Rgb8).unwrap().at_us(t);
        let report = tracker.process(&upright).unwrap();
        if let Some(t0) = schedule_start {
            let lm = report.face.as_ref().map(|fc| fc.landmarks.as_slice());
            renderer.render(&mut rgb, w as usize, h as usize, lm, t - t0, 33_333);
            frames_lit += 1;
        }
        let lit = FrameRef::new(&rgb, w, h, PixelFormat::Rgb8).unwrap().at_us(t);
        for e in s.push_tracked(&lit, &report) {
            if let liveface::session::EventKind::LightColor { index: 0, .. } = e.kind {
                schedule_start = Some(e.t_us);
            }
        }
        if s.is_finished() {
            break;
        }
    }
    let o = s.finish();
    assert!(frames_lit > 60, "the colours ran over {frames_lit} frames");
    assert!(o.passed, "{:?} {:?}", o.reason, o.light);
    assert!(o.steps.iter().any(|st| st.event.is_some()), "the blink step is done first: {:?}", o.steps);
    let l = o.light.unwrap();
    assert_eq!(l.decoded_share, Some(1.0), "{l:?}");
    assert!(l.relief.unwrap().lower_bound().unwrap() >= 0.4, "{l:?}");
}
