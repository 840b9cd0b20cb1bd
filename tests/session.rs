//! The session state machine on synthetic signal sequences (order, timeouts, restarts,
//! every reason code), and on real clips when ../shared/data is present.

mod common;

use liveface::checks::{AudioChunk, CheckReport, DisplayAck, Ending, FrameCtx, Status};
use liveface::session::{EventKind, Prompt, Reason};
use liveface::{parse_actions, EyeReport, FaceReport, FrameReport, Session, SessionConfig, Timings};
use liveface::{Check, CheckKind};

/// A plausible tracked face: frontal, centred, 35% of the frame height.
#[derive(Clone, Copy)]
struct Face {
    eye: f32,
    mouth: f32,
    yaw: f32,
    pitch: f32,
    height: f32,
    offset_x: f32,
    brightness: f32,
    id: u64,
    faces: usize,
    /// Stretch of the eye distance (another person's proportions).
    eye_span: f32,
}

impl Default for Face {
    fn default() -> Self {
        Face {
            eye: 0.32,
            mouth: 0.04,
            yaw: 0.0,
            pitch: 10.0,
            height: 0.35,
            offset_x: 0.0,
            brightness: 130.0,
            id: 1,
            faces: 1,
            eye_span: 1.0,
        }
    }
}

fn report(t_ms: i64, f: Option<Face>) -> FrameReport {
    let (w, h) = (640.0f32, 480.0f32);
    let face = f.map(|f| {
        let fh = f.height * h;
        let cx = w / 2.0 + f.offset_x * w;
        let cy = h / 2.0;
        let mut lm = vec![[cx, cy, 0.0f32]; 468];
        let fw = fh * 0.8;
        lm[234] = [cx - fw / 2.0, cy, 0.0];
        lm[454] = [cx + fw / 2.0, cy, 0.0];
        lm[10] = [cx, cy - fh / 2.0, 0.0];
        lm[152] = [cx, cy + fh / 2.0, 0.0];
        lm[33] = [cx - fw * 0.3 * f.eye_span, cy - fh * 0.1, 0.0];
        lm[263] = [cx + fw * 0.3 * f.eye_span, cy - fh * 0.1, 0.0];
        lm[1] = [cx, cy + fh * 0.05, 0.0];
        let eye = EyeReport {
            openness: f.eye,
            ear: f.eye,
            iris_center: [cx, cy],
            iris_radius: 5.0,
            iris: vec![],
            contour: vec![],
        };
        FaceReport {
            id: f.id,
            tracked: true,
            detection_score: None,
            presence: 1.0,
            bbox: [cx - fw / 2.0, cy - fh / 2.0, cx + fw / 2.0, cy + fh / 2.0],
            landmarks: lm,
            eyes: vec![eye.clone(), eye],
            mouth_openness: f.mouth,
            pose: liveface::signals::HeadPose { yaw: f.yaw, pitch: f.pitch, roll: 0.0 },
            relative_size: [fw / w, f.height],
            center_offset: [f.offset_x, 0.0],
            brightness: f.brightness,
            contrast: 40.0,
            sharpness: 200.0,
        }
    });
    let faces = f.map(|f| f.faces).unwrap_or(0);
    FrameReport {
        timestamp_us: t_ms * 1000,
        width: 640,
        height: 480,
        faces_detected: faces,
        detector_ran: true,
        face,
        timings: Timings::default(),
    }
}

/// Runs `frames` (time in ms, face) through an action session.
fn run(
    actions: &str,
    frames: impl IntoIterator<Item = (i64, Option<Face>)>,
) -> (liveface::Outcome, Vec<liveface::Event>) {
    let mut s = Session::from_reports(SessionConfig::action(parse_actions(actions).unwrap())).unwrap();
    let mut events = Vec::new();
    for (t, f) in frames {
        events.extend(s.push_report(&report(t, f)));
        if s.is_finished() {
            break;
        }
    }
    (s.finish(), events)
}

/// 30 fps: `n` neutral frames starting at `t0` ms.
fn neutral(t0: i64, n: i64) -> Vec<(i64, Option<Face>)> {
    (0..n).map(|i| (t0 + i * 33, Some(Face::default()))).collect()
}

fn blink(t0: i64) -> Vec<(i64, Option<Face>)> {
    [0.32, 0.12, 0.05, 0.15, 0.31, 0.32]
        .iter()
        .enumerate()
        .map(|(i, e)| (t0 + i as i64 * 33, Some(Face { eye: *e, ..Face::default() })))
        .collect()
}

fn open_mouth(t0: i64) -> Vec<(i64, Option<Face>)> {
    (0..15).map(|i| (t0 + i * 33, Some(Face { mouth: if i < 13 { 0.55 } else { 0.05 }, ..Face::default() }))).collect()
}

#[test]
fn actions_in_order_pass_with_steps_and_best_frames() {
    let mut frames = neutral(0, 20);
    frames.extend(open_mouth(660));
    frames.extend(neutral(1160, 10));
    frames.extend(blink(1490));
    frames.extend(neutral(1700, 10));
    let (o, events) = run("1,2", frames);
    assert!(o.passed, "{o:?}");
    assert_eq!(o.reason, None);
    assert!(o.steps.iter().all(|s| s.event.is_some()));
    assert!(!o.best_frames.is_empty() && o.best_frames.len() <= 5);
    let (a, b) = o.evidence_window_us.unwrap();
    assert!(a == 0 && b > 1_490_000);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e.kind {
            EventKind::Calibrated { .. } => "calibrated",
            EventKind::StepStarted { .. } => "started",
            EventKind::StepDone { .. } => "done",
            EventKind::Finished { .. } => "finished",
            _ => "",
        })
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(kinds, ["calibrated", "started", "done", "started", "done", "finished"]);
    assert!(events.iter().all(|e| !e.en.is_empty() && !e.zh.is_empty()));
}

#[test]
fn actions_out_of_order_do_not_count() {
    // Blink first, then open mouth, but "1,2" asks mouth first: the early blink does not
    // count, the mouth passes step 1, and step 2 needs a new blink.
    let mut frames = neutral(0, 20);
    frames.extend(blink(660));
    frames.extend(neutral(860, 5));
    frames.extend(open_mouth(1030));
    frames.extend(neutral(1530, 300)); // no more blinks until the timeout
    let (o, _) = run("1,2", frames);
    assert!(!o.passed);
    assert_eq!(o.reason, Some(Reason::ActionCloseEye));
    assert_eq!(o.api_code, Some("FailedOperation.ActionCloseEye"));
    assert!(o.steps[0].event.is_some() && o.steps[1].event.is_none());
}

#[test]
fn timeouts_name_the_missing_action() {
    for (actions, reason) in [
        ("1", Reason::ActionOpenMouth),
        ("2", Reason::ActionCloseEye),
        ("3", Reason::ActionFirstAction),
        ("4", Reason::ActionFirstAction),
    ] {
        let (o, events) = run(actions, neutral(0, 400));
        assert_eq!(o.reason, Some(reason), "{actions}");
        assert!(events.iter().any(|e| matches!(e.kind, EventKind::TimeoutWarning { .. })));
        assert!(o.duration_ms <= 10_040, "ends on the first frame past 10 s: {}", o.duration_ms);
    }
    // A step limit ends the session early with that step's reason.
    let mut c = SessionConfig::action(parse_actions("2,1").unwrap());
    c.step_timeout_ms = Some(2_000);
    let mut s = Session::from_reports(c).unwrap();
    for (t, f) in neutral(0, 400) {
        s.push_report(&report(t, f));
    }
    let o = s.finish();
    assert_eq!(o.reason, Some(Reason::ActionCloseEye));
    assert!(o.duration_ms < 3_000, "{}", o.duration_ms);
    // Talking (brief openings) is not an open mouth.
    let talking =
        (0..400).map(|i| (i * 33, Some(Face { mouth: if (i / 3) % 2 == 0 { 0.45 } else { 0.08 }, ..Face::default() })));
    let (o, _) = run("1", neutral(0, 20).into_iter().chain(talking.map(|(t, f)| (t + 700, f))));
    assert_eq!(o.reason, Some(Reason::ActionOpenMouth));
}

#[test]
fn quality_problems_become_prompts_and_reasons() {
    let cases: Vec<(Face, Reason, &str)> = vec![
        (Face { height: 0.08, ..Face::default() }, Reason::ActionFaceFar, "move_closer"),
        (Face { height: 0.95, ..Face::default() }, Reason::ActionFaceClose, "move_back"),
        (Face { offset_x: -0.3, ..Face::default() }, Reason::ActionFaceLeft, "centre_face"),
        (Face { offset_x: 0.3, ..Face::default() }, Reason::ActionFaceRight, "centre_face"),
        (Face { brightness: 20.0, ..Face::default() }, Reason::ActionLightDark, "too_dark"),
        (Face { brightness: 245.0, ..Face::default() }, Reason::ActionLightStrong, "too_bright"),
        (Face { faces: 2, ..Face::default() }, Reason::SilentMultiFaceFail, "one_face_only"),
    ];
    for (face, reason, prompt) in cases {
        let (o, events) = run("2", (0..400).map(|i| (i * 33, Some(face))));
        assert_eq!(o.reason, Some(reason));
        let prompts: Vec<String> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Prompt { prompt } => {
                    Some(serde_json::to_value(prompt).unwrap().as_str().unwrap().to_string())
                }
                _ => None,
            })
            .collect();
        assert_eq!(prompts.first().map(String::as_str), Some(prompt), "{reason:?}");
    }
    let (o, _) = run("2", (0..400).map(|i| (i * 33, None)));
    assert_eq!(o.reason, Some(Reason::ActionNodetectFace));
    assert_eq!(o.api_code, Some("FailedOperation.ActionNodetectFace"));
}

#[test]
fn two_faces_mid_step_fail_and_a_swapped_face_fails() {
    let mut frames = neutral(0, 20);
    frames.push((700, Some(Face { faces: 2, ..Face::default() })));
    let (o, _) = run("2", frames);
    assert_eq!(o.reason, Some(Reason::SilentMultiFaceFail));

    // The track changes to a face with other proportions: fail.
    let mut frames = neutral(0, 20);
    frames.extend((0..10).map(|i| (700 + i * 33, Some(Face { id: 2, eye_span: 1.4, ..Face::default() }))));
    let (o, _) = run("2", frames);
    assert_eq!(o.reason, Some(Reason::FaceChanged));
    assert_eq!(o.api_code, None);

    // The same face re-acquired after a short loss: the step restarts, a blink while the
    // face was away does not count, a later blink passes.
    let mut frames = neutral(0, 20);
    frames.extend((0..20).map(|i| (700 + i * 33, None)));
    frames.extend((0..10).map(|i| (1400 + i * 33, Some(Face { id: 2, ..Face::default() }))));
    frames.extend(blink(1800).into_iter().map(|(t, f)| (t, f.map(|f| Face { id: 2, ..f }))));
    frames.extend((0..5).map(|i| (2000 + i * 33, Some(Face { id: 2, ..Face::default() }))));
    let mut s = Session::from_reports(SessionConfig::action(parse_actions("2").unwrap())).unwrap();
    let mut restarted = false;
    for (t, f) in frames {
        for e in s.push_report(&report(t, f)) {
            restarted |= matches!(e.kind, EventKind::StepRestarted { .. });
        }
    }
    assert!(restarted);
    assert!(s.outcome().is_some_and(|o| o.passed));
}

#[test]
fn timestamps_must_increase_and_bad_configs_are_errors() {
    let mut frames = neutral(0, 20);
    frames.push((100, Some(Face::default())));
    let (o, _) = run("2", frames);
    assert_eq!(o.reason, Some(Reason::TimestampsNotIncreasing));
    assert!(Session::from_reports(SessionConfig::action(vec![])).is_err());
    let mut c = SessionConfig::action(parse_actions("1").unwrap());
    c.timeout_ms = 0;
    assert_eq!(Session::from_reports(c).unwrap_err().kind(), liveface::ErrorKind::Config);
    let c = SessionConfig::action(parse_actions("1").unwrap()).with_step_timeout_ms(Some(500));
    assert!(Session::from_reports(c).is_ok());
    // A bad action code is a typed configuration error, not a string.
    assert_eq!(parse_actions("1,9").unwrap_err().kind(), liveface::ErrorKind::Config);
    assert_eq!("dance".parse::<liveface::Mode>().unwrap_err().kind(), liveface::ErrorKind::Config);
    assert_eq!("lip".parse::<liveface::Mode>().unwrap(), liveface::Mode::Lip);
    assert_eq!("digit".parse::<liveface::Mode>().unwrap(), liveface::Mode::Lip);
    // A digit session needs a 4-digit code.
    for bad in ["", "123", "12345", "12a4"] {
        assert_eq!(
            Session::from_reports(SessionConfig::lip(bad)).unwrap_err().kind(),
            liveface::ErrorKind::Config,
            "{bad:?}"
        );
    }
}

#[test]
fn nod_and_shake_steps() {
    let mut frames = neutral(0, 20);
    frames.extend(
        [18.0, 26.0, 28.0, 20.0, 12.0, 10.0]
            .iter()
            .enumerate()
            .map(|(i, p)| (700 + i as i64 * 33, Some(Face { pitch: *p, ..Face::default() }))),
    );
    frames.extend(
        [10.0, 25.0, 30.0, 12.0, 2.0, 0.0]
            .iter()
            .enumerate()
            .map(|(i, y)| (1000 + i as i64 * 33, Some(Face { yaw: *y, ..Face::default() }))),
    );
    frames.extend(neutral(1300, 5));
    let (o, _) = run("3,4", frames);
    assert!(o.passed, "{o:?}");
}

/// A check that passes (or fails) after `frames` good frames and records what it was given.
#[derive(Debug)]
struct Scripted {
    frames: usize,
    fail: Option<Reason>,
    seen: usize,
    audio_samples: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    acks: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ending: std::sync::Arc<std::sync::Mutex<Option<liveface::quality::QualityIssue>>>,
}

impl Scripted {
    fn new(frames: usize, fail: Option<Reason>) -> Scripted {
        Scripted {
            frames,
            fail,
            seen: 0,
            audio_samples: Default::default(),
            acks: Default::default(),
            ending: Default::default(),
        }
    }
}

impl Check for Scripted {
    fn kind(&self) -> CheckKind {
        CheckKind::Action
    }
    fn frontal_needed(&self) -> bool {
        false
    }
    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status {
        if ctx.issue.is_none() {
            if let Some(f) = &ctx.report.face {
                ctx.offer_best(f);
                self.seen += 1;
            }
        }
        ctx.prompt(Prompt::HoldStill);
        if self.seen >= self.frames {
            return self.fail.map(Status::Failed).unwrap_or(Status::Passed);
        }
        Status::Running
    }
    fn on_audio(&mut self, chunk: &AudioChunk) {
        self.audio_samples.fetch_add(chunk.samples.len(), std::sync::atomic::Ordering::SeqCst);
    }
    fn on_ack(&mut self, _ack: &DisplayAck) {
        self.acks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn finish(&mut self, end: &Ending) -> Status {
        *self.ending.lock().unwrap() = end.top_issue;
        Status::Failed(Reason::ActionFirstAction)
    }
    fn report(&self) -> CheckReport {
        CheckReport::Silent(None)
    }
}

fn scripted_session(checks: Vec<Box<dyn Check>>) -> Session {
    Session::with_checks(None, SessionConfig::silent(), checks).unwrap()
}

#[test]
fn checks_run_in_sequence_and_the_first_failure_ends_the_session() {
    // Two passing checks: the second starts after the first passes; the session passes
    // when both have.
    let mut s = scripted_session(vec![Box::new(Scripted::new(5, None)), Box::new(Scripted::new(7, None))]);
    let mut n = 0;
    for (t, f) in neutral(0, 40) {
        n += 1;
        s.push_report(&report(t, f));
        if s.is_finished() {
            break;
        }
    }
    assert_eq!(n, 12, "5 frames for the first check, 7 for the second");
    let o = s.finish();
    assert!(o.passed && o.reason.is_none(), "{o:?}");
    assert_eq!(o.frames, 12);
    assert_eq!(o.best_frames.len(), 5, "best frames kept across checks (5 by default)");

    // Pass, then fail: the failure's reason ends the session at once.
    let mut s = scripted_session(vec![
        Box::new(Scripted::new(3, None)),
        Box::new(Scripted::new(2, Some(Reason::SilentPictureLiveFail))),
        Box::new(Scripted::new(1, None)),
    ]);
    let mut events = Vec::new();
    for (t, f) in neutral(0, 40) {
        events.extend(s.push_report(&report(t, f)));
        if s.is_finished() {
            break;
        }
    }
    let o = s.finish();
    assert_eq!(o.reason, Some(Reason::SilentPictureLiveFail));
    assert_eq!(o.api_code, Some("FailedOperation.SilentPictureLiveFail"));
    assert_eq!(o.frames, 5);
    // One prompt (deduplicated across checks), then the end.
    let prompts = events.iter().filter(|e| matches!(e.kind, EventKind::Prompt { .. })).count();
    assert_eq!(prompts, 1, "{events:?}");
    assert!(matches!(events.last().unwrap().kind, EventKind::Finished { passed: false, .. }));
    assert!(Session::with_checks(None, SessionConfig::silent(), Vec::new()).is_err(), "no checks is a config error");
}

#[test]
fn audio_and_acknowledgements_reach_the_current_check_and_an_early_end_gets_the_top_issue() {
    let check = Scripted::new(1_000, None);
    let (audio, acks, ending) = (check.audio_samples.clone(), check.acks.clone(), check.ending.clone());
    let mut s = scripted_session(vec![Box::new(check)]);
    // Faces too far away most of the time.
    for i in 0..30 {
        let f = if i % 3 == 0 { Face::default() } else { Face { height: 0.1, ..Face::default() } };
        s.push_report(&report(i * 33, Some(f)));
    }
    s.push_audio(&AudioChunk { samples: &[0.0; 160], sample_rate: 16_000, t_us: 0 });
    s.push_audio(&AudioChunk { samples: &[0.0; 40], sample_rate: 16_000, t_us: 10_000 });
    s.acknowledge(&DisplayAck { index: 0, from_us: 0, to_us: 100_000 });
    assert_eq!(audio.load(std::sync::atomic::Ordering::SeqCst), 200);
    assert_eq!(acks.load(std::sync::atomic::Ordering::SeqCst), 1);
    let o = s.finish();
    assert_eq!(o.reason, Some(Reason::ActionFirstAction), "the check's own verdict on finish");
    assert_eq!(*ending.lock().unwrap(), Some(liveface::quality::QualityIssue::TooFar));
    // After the end nothing changes.
    assert!(s.push_report(&report(2_000, Some(Face::default()))).is_empty());
    assert_eq!(s.finish(), o);
}

#[test]
fn a_session_timeout_asks_the_check_to_decide() {
    let mut c = SessionConfig::silent();
    c.timeout_ms = 1_000;
    let mut s = Session::with_checks(None, c, vec![Box::new(Scripted::new(1_000, None))]).unwrap();
    let mut last = Vec::new();
    for (t, f) in neutral(0, 40) {
        last = s.push_report(&report(t, f));
        if s.is_finished() {
            break;
        }
    }
    let o = s.outcome().cloned().expect("ended by the timeout");
    assert_eq!(o.reason, Some(Reason::ActionFirstAction));
    assert!(o.duration_ms >= 1_000 && o.duration_ms < 1_100, "{}", o.duration_ms);
    assert!(matches!(last.last().unwrap().kind, EventKind::Finished { .. }));
}

/// Tests that need ../shared (data, models, notes): absent, they print SKIPPED, or fail when CI is set.
mod shared_data {
    #[allow(unused_imports)]
    use super::*;

    /// Real clips (absent on a fresh clone: said and skipped).
    #[cfg(feature = "video")]
    #[test]
    fn real_clips_pass_and_fail_as_they_should() {
        let clip = |p: &str| common::shared(&format!("data/{p}"));
        let engine = common::engine();
        let run_clip = |path: &std::path::Path, actions: &str| {
            let mut s = Session::new(&engine, SessionConfig::action(parse_actions(actions).unwrap())).unwrap();
            for f in liveface::video::VideoReader::open(path).unwrap() {
                let f = f.unwrap();
                s.push(&f.as_frame().unwrap()).unwrap();
                if s.is_finished() {
                    break;
                }
            }
            s.finish()
        };
        if let Some(p) = clip("faces/liveportrait_d6.mp4") {
            // Grimaces with the mouth wide open, then blinks: "1,2" passes.
            let o = run_clip(&p, "1,2");
            assert!(o.passed, "{o:?}");
        }
        if let Some(p) = clip("talking/franck.mp4") {
            // Talking is not an open mouth.
            let o = run_clip(&p, "1,2");
            assert_eq!(o.reason, Some(Reason::ActionOpenMouth));
        }
    }
}
