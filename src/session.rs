//! One liveness attempt by one person: frames in, events out, an [`Outcome`] at the end.
//!
//! The state machine is the same for every mode: wait for a good face (quality gate) and
//! learn the person's neutral face, then run the mode's steps, each in order and within
//! the session timeout, then pass or fail with a reason that maps onto the cloud API's
//! `FailedOperation.*` codes. This release implements the `Action` and `Silent` modes.

use serde::Serialize;

use crate::checks::action::{Action, ActionDetector, ActionEvent, ActionThresholds, Baseline, Signals};
use crate::checks::cues::{skin_rgb, PlanarSample};
use crate::checks::silent::{self, Kept, SilentConfig, SilentReport, SilentState};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::quality::{self, QualityConfig, QualityIssue};
use crate::track::{FrameReport, Tracker, TrackerConfig};

/// Liveness modes (the API's `LivenessType` and the app SDK's extra modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `ACTION`: blink, open mouth, nod, shake head, in a given order.
    Action,
    /// `SILENT`: look at the camera for 2-3 s; passive anti-spoofing and temporal cues.
    Silent,
    /// `LIP`: read a 4-digit code (not in this release).
    Digit,
    /// Screen-colour reflection (not in this release).
    Light,
}

/// Session settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionConfig {
    /// The mode.
    pub mode: Mode,
    /// Actions in order (action mode).
    pub actions: Vec<Action>,
    /// Whole-session limit from the first frame (ms). Default 10 s, as the API's SDK.
    pub timeout_ms: i64,
    /// Limit for each step from its start (ms); `None` leaves only the session timeout.
    pub step_timeout_ms: Option<i64>,
    /// Good frames needed to learn the neutral face before the first step (ms).
    pub calibration_ms: i64,
    /// A track lost for longer than this mid-step restarts the step (ms).
    pub max_face_gap_ms: i64,
    /// Action thresholds.
    pub thresholds: ActionThresholds,
    /// Quality limits.
    pub quality: QualityConfig,
    /// Tracker settings.
    pub tracker: TrackerConfig,
    /// Best frames to keep (1..=10).
    pub best_frames: usize,
    /// Silent-mode settings.
    pub silent: SilentConfig,
}

impl SessionConfig {
    /// An action session with default limits.
    pub fn action(actions: Vec<Action>) -> SessionConfig {
        SessionConfig {
            mode: Mode::Action,
            actions,
            timeout_ms: 10_000,
            step_timeout_ms: None,
            calibration_ms: 400,
            max_face_gap_ms: 400,
            thresholds: ActionThresholds::default(),
            quality: QualityConfig::default(),
            tracker: TrackerConfig { detect_interval: 5, ..TrackerConfig::default() },
            best_frames: 5,
            silent: SilentConfig::default(),
        }
    }

    /// A silent session with default limits: 3 s of good frames (2 s at least) within 10 s.
    pub fn silent() -> SessionConfig {
        SessionConfig { mode: Mode::Silent, actions: Vec::new(), ..SessionConfig::action(Vec::new()) }
    }

    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, m));
        if !matches!(self.mode, Mode::Action | Mode::Silent) {
            return bad(format!("mode {:?} is not available in this release (action and silent only)", self.mode));
        }
        if self.mode == Mode::Silent {
            let sc = &self.silent;
            if !(500..=60_000).contains(&sc.min_good_ms) || sc.good_ms < sc.min_good_ms || sc.good_ms > 60_000 {
                return bad(format!(
                    "silent good time {} ms / minimum {} ms out of range (500..=60000, minimum <= good time)",
                    sc.good_ms, sc.min_good_ms
                ));
            }
            if !(1..=10).contains(&sc.model_frames) {
                return bad(format!("silent model_frames must be 1..=10, got {}", sc.model_frames));
            }
        } else if self.actions.is_empty() || self.actions.len() > 4 {
            return bad(format!("an action session needs 1 to 4 actions, got {}", self.actions.len()));
        }
        if !(1_000..=600_000).contains(&self.timeout_ms) || !(0..=5_000).contains(&self.calibration_ms) {
            return bad(format!(
                "timeout {} ms / calibration {} ms out of range",
                self.timeout_ms, self.calibration_ms
            ));
        }
        if !(1..=10).contains(&self.best_frames) {
            return bad(format!("best_frames must be 1..=10, got {}", self.best_frames));
        }
        Ok(())
    }
}

/// Why a session failed. `api_code` gives the matching cloud API name where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The blink / close-eyes step was not done in time.
    ActionCloseEye,
    /// The open-mouth step was not done in time.
    ActionOpenMouth,
    /// A nod or head-shake step (or the first action) was not done in time.
    ActionFirstAction,
    /// The face stayed too close.
    ActionFaceClose,
    /// The face stayed too far.
    ActionFaceFar,
    /// The face stayed left of centre.
    ActionFaceLeft,
    /// The face stayed right of centre.
    ActionFaceRight,
    /// Too dark.
    ActionLightDark,
    /// Too bright.
    ActionLightStrong,
    /// No (complete) face.
    ActionNodetectFace,
    /// More than one face.
    SilentMultiFaceFail,
    /// Blurred or otherwise poor face.
    SilentFaceQualityFail,
    /// A different face appeared mid-session.
    FaceChanged,
    /// Frame timestamps did not increase.
    TimestampsNotIncreasing,
    /// Silent mode: less good-quality video than needed.
    SilentTooShort,
    /// Silent mode: suspected photo, screen or other recapture.
    SilentPictureLiveFail,
    /// The analysis itself failed (an inference error); not the person's fault.
    EngineError,
}

impl Reason {
    /// The cloud API's `FailedOperation.*` name, where one fits.
    pub fn api_code(self) -> Option<&'static str> {
        Some(match self {
            Reason::ActionCloseEye => "FailedOperation.ActionCloseEye",
            Reason::ActionOpenMouth => "FailedOperation.ActionOpenMouth",
            Reason::ActionFirstAction => "FailedOperation.ActionFirstAction",
            Reason::ActionFaceClose => "FailedOperation.ActionFaceClose",
            Reason::ActionFaceFar => "FailedOperation.ActionFaceFar",
            Reason::ActionFaceLeft => "FailedOperation.ActionFaceLeft",
            Reason::ActionFaceRight => "FailedOperation.ActionFaceRight",
            Reason::ActionLightDark => "FailedOperation.ActionLightDark",
            Reason::ActionLightStrong => "FailedOperation.ActionLightStrong",
            Reason::ActionNodetectFace => "FailedOperation.ActionNodetectFace",
            Reason::SilentMultiFaceFail => "FailedOperation.SilentMultiFaceFail",
            Reason::SilentFaceQualityFail => "FailedOperation.SilentFaceQualityFail",
            Reason::SilentTooShort => "FailedOperation.SilentTooShort",
            Reason::SilentPictureLiveFail => "FailedOperation.SilentPictureLiveFail",
            Reason::FaceChanged | Reason::TimestampsNotIncreasing | Reason::EngineError => return None,
        })
    }

    /// Chinese and English text.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Reason::ActionCloseEye => ("未检测到闭眼动作", "no blink detected"),
            Reason::ActionOpenMouth => ("未检测到张嘴动作", "no open mouth detected"),
            Reason::ActionFirstAction => ("未检测到动作配合", "the requested action was not detected"),
            Reason::ActionFaceClose => ("脸离屏幕太近", "face too close"),
            Reason::ActionFaceFar => ("脸离屏幕太远", "face too far"),
            Reason::ActionFaceLeft => ("脸离屏幕太左", "face too far left"),
            Reason::ActionFaceRight => ("脸离屏幕太右", "face too far right"),
            Reason::ActionLightDark => ("光线太暗", "too dark"),
            Reason::ActionLightStrong => ("光线太强", "too bright"),
            Reason::ActionNodetectFace => ("未能检测到完整人脸", "no complete face detected"),
            Reason::SilentMultiFaceFail => ("视频中有多个人脸", "more than one face"),
            Reason::SilentFaceQualityFail => ("人脸质量低", "face quality too low"),
            Reason::FaceChanged => ("中途换人", "a different person appeared"),
            Reason::TimestampsNotIncreasing => ("帧时间戳未递增", "frame timestamps did not increase"),
            Reason::SilentTooShort => ("有效视频时长不足", "not enough good-quality video"),
            Reason::SilentPictureLiveFail => ("疑似翻拍攻击", "suspected photo or screen recapture"),
            Reason::EngineError => ("分析出错", "the analysis failed"),
        }
    }

    fn from_issue(issue: QualityIssue) -> Reason {
        match issue {
            QualityIssue::NoFace | QualityIssue::FaceIncomplete => Reason::ActionNodetectFace,
            QualityIssue::MultipleFaces => Reason::SilentMultiFaceFail,
            QualityIssue::TooFar => Reason::ActionFaceFar,
            QualityIssue::TooClose => Reason::ActionFaceClose,
            QualityIssue::OffLeft => Reason::ActionFaceLeft,
            QualityIssue::OffRight => Reason::ActionFaceRight,
            QualityIssue::OffCentre | QualityIssue::NotFrontal => Reason::ActionNodetectFace,
            QualityIssue::TooDark => Reason::ActionLightDark,
            QualityIssue::TooBright => Reason::ActionLightStrong,
            QualityIssue::Blurry => Reason::SilentFaceQualityFail,
        }
    }

    fn for_action(a: Action) -> Reason {
        match a {
            Action::Blink => Reason::ActionCloseEye,
            Action::OpenMouth => Reason::ActionOpenMouth,
            Action::Nod | Action::ShakeHead => Reason::ActionFirstAction,
        }
    }
}

/// Prompts for the person, with stable codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// Move closer.
    MoveCloser,
    /// Move back.
    MoveBack,
    /// Centre your face.
    CentreFace,
    /// Too dark.
    TooDark,
    /// Too bright.
    TooBright,
    /// Hold still.
    HoldStill,
    /// One face only.
    OneFaceOnly,
    /// Put your face in view.
    NoFace,
    /// Keep your whole face in view.
    FaceIncomplete,
    /// Look straight at the camera.
    LookAtCamera,
    /// Blink.
    Blink,
    /// Open your mouth.
    OpenMouth,
    /// Nod.
    Nod,
    /// Turn your head left or right.
    ShakeHead,
}

impl Prompt {
    /// Chinese and English text.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Prompt::MoveCloser => ("请靠近一点", "move closer"),
            Prompt::MoveBack => ("请离远一点", "move back"),
            Prompt::CentreFace => ("请把脸移到画面中央", "centre your face"),
            Prompt::TooDark => ("光线太暗", "too dark"),
            Prompt::TooBright => ("光线太强", "too bright"),
            Prompt::HoldStill => ("请保持不动", "hold still"),
            Prompt::OneFaceOnly => ("请确保画面中只有一张脸", "one face only"),
            Prompt::NoFace => ("请将脸放入画面", "put your face in view"),
            Prompt::FaceIncomplete => ("请露出完整的脸", "keep your whole face in view"),
            Prompt::LookAtCamera => ("请正对屏幕", "look straight at the camera"),
            Prompt::Blink => ("请眨眼", "blink"),
            Prompt::OpenMouth => ("请张嘴", "open your mouth"),
            Prompt::Nod => ("请点头", "nod"),
            Prompt::ShakeHead => ("请左右转头", "turn your head left or right"),
        }
    }

    fn for_issue(issue: QualityIssue) -> Prompt {
        match issue {
            QualityIssue::NoFace => Prompt::NoFace,
            QualityIssue::MultipleFaces => Prompt::OneFaceOnly,
            QualityIssue::FaceIncomplete => Prompt::FaceIncomplete,
            QualityIssue::TooFar => Prompt::MoveCloser,
            QualityIssue::TooClose => Prompt::MoveBack,
            QualityIssue::OffLeft | QualityIssue::OffRight | QualityIssue::OffCentre => Prompt::CentreFace,
            QualityIssue::TooDark => Prompt::TooDark,
            QualityIssue::TooBright => Prompt::TooBright,
            QualityIssue::Blurry => Prompt::HoldStill,
            QualityIssue::NotFrontal => Prompt::LookAtCamera,
        }
    }

    fn for_action(a: Action) -> Prompt {
        match a {
            Action::Blink => Prompt::Blink,
            Action::OpenMouth => Prompt::OpenMouth,
            Action::Nod => Prompt::Nod,
            Action::ShakeHead => Prompt::ShakeHead,
        }
    }
}

/// What happened, for the app to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Tell the person something (shown until the next prompt).
    Prompt {
        /// Stable code.
        prompt: Prompt,
    },
    /// The neutral face was learned.
    Calibrated {
        /// The neutral values.
        baseline: Baseline,
    },
    /// A step began.
    StepStarted {
        /// Step index.
        index: usize,
        /// The action asked for.
        action: Action,
    },
    /// A step was done.
    StepDone {
        /// Step index.
        index: usize,
        /// The action found.
        event: ActionEvent,
    },
    /// A step was restarted (face lost or changed briefly).
    StepRestarted {
        /// Step index.
        index: usize,
    },
    /// Steps done so far.
    Progress {
        /// Done.
        done: usize,
        /// Total.
        total: usize,
    },
    /// Little time left.
    TimeoutWarning {
        /// Milliseconds left.
        remaining_ms: i64,
    },
    /// The session ended.
    Finished {
        /// Whether it passed.
        passed: bool,
        /// Why it failed.
        reason: Option<Reason>,
    },
}

/// An event with its time and texts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Frame time, microseconds.
    pub t_us: i64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// Chinese text.
    pub zh: &'static str,
    /// English text.
    pub en: &'static str,
}

impl Event {
    fn new(t_us: i64, kind: EventKind) -> Event {
        let (zh, en) = match &kind {
            EventKind::Prompt { prompt } => prompt.text(),
            EventKind::Calibrated { .. } => ("已识别人脸", "face learned"),
            EventKind::StepStarted { action, .. } => Prompt::for_action(*action).text(),
            EventKind::StepDone { .. } => ("动作完成", "step done"),
            EventKind::StepRestarted { .. } => ("请重新完成当前动作", "please repeat the current step"),
            EventKind::Progress { .. } => ("进度", "progress"),
            EventKind::TimeoutWarning { .. } => ("即将超时", "time is almost up"),
            EventKind::Finished { passed: true, .. } => ("检测通过", "passed"),
            EventKind::Finished { reason: Some(r), .. } => r.text(),
            EventKind::Finished { .. } => ("检测失败", "failed"),
        };
        Event { t_us, kind, zh, en }
    }
}

/// One step's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    /// The action asked for.
    pub action: Action,
    /// When the step began (µs).
    pub started_us: Option<i64>,
    /// The action found, if done.
    pub event: Option<ActionEvent>,
}

/// A candidate best frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestFrame {
    /// Frame time (µs).
    pub t_us: i64,
    /// Frame number in the session (0-based).
    pub index: usize,
    /// Quality score (higher is better): frontal, sharp, eyes open, well lit.
    pub score: f32,
    /// Face box in buffer pixels.
    pub bbox: [f32; 4],
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Passed?
    pub passed: bool,
    /// Why not.
    pub reason: Option<Reason>,
    /// The API's `FailedOperation.*` name for the reason, where one fits.
    pub api_code: Option<&'static str>,
    /// Chinese text.
    pub zh: &'static str,
    /// English text.
    pub en: &'static str,
    /// Per-step results.
    pub steps: Vec<StepResult>,
    /// Best frames, best first.
    pub best_frames: Vec<BestFrame>,
    /// Time span to keep as evidence video (µs): from the neutral face to the last step.
    pub evidence_window_us: Option<(i64, i64)>,
    /// Frames seen.
    pub frames: usize,
    /// Session length (ms).
    pub duration_ms: i64,
    /// The neutral face.
    pub baseline: Option<Baseline>,
    /// Silent mode: the decision and its components.
    pub silent: Option<SilentReport>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Calibrating,
    Silent,
    Step(usize),
    Done,
}

/// One liveness attempt. Create with [`Session::new`], push frames, read events; it ends
/// in an [`Outcome`].
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    tracker: Option<Tracker>,
    engine: Option<Engine>,
    silent: SilentState,
    silent_report: Option<SilentReport>,
    phase: Phase,
    start_us: Option<i64>,
    last_us: Option<i64>,
    frames: usize,
    calib: Vec<(i64, Signals, [f32; 2])>,
    baseline: Option<Baseline>,
    detector: Option<ActionDetector>,
    face_id: Option<u64>,
    face_shape: Option<[f32; 2]>,
    last_face_us: Option<i64>,
    steps: Vec<StepResult>,
    prompt: Option<Prompt>,
    warned: bool,
    issue_counts: std::collections::HashMap<QualityIssue, usize>,
    best: Vec<BestFrame>,
    outcome: Option<Outcome>,
}

/// Face proportions that do not change with pose much: eye distance over face width and
/// nose-to-chin over face height. A different person changes them.
fn shape(f: &crate::track::FaceReport) -> [f32; 2] {
    let lm = &f.landmarks;
    let d = |a: usize, b: usize| ((lm[a][0] - lm[b][0]).powi(2) + (lm[a][1] - lm[b][1]).powi(2)).sqrt();
    let w = d(234, 454).max(1.0);
    let h = d(10, 152).max(1.0);
    [d(33, 263) / w, d(1, 152) / h]
}

impl Session {
    /// A session on `engine`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for invalid settings (or a mode this release lacks).
    pub fn new(engine: &Engine, config: SessionConfig) -> Result<Session> {
        config.validate()?;
        let tracker = engine.tracker_with(config.tracker.clone())?;
        let mut s = Self::with_tracker(Some(tracker), config);
        s.engine = Some(engine.clone());
        Ok(s)
    }

    /// A session fed with [`FrameReport`]s directly ([`Session::push_report`]), e.g.
    /// from a tracker the app runs itself, or synthetic signals in tests.
    ///
    /// # Errors
    /// As [`Session::new`].
    pub fn from_reports(config: SessionConfig) -> Result<Session> {
        config.validate()?;
        Ok(Self::with_tracker(None, config))
    }

    fn with_tracker(tracker: Option<Tracker>, config: SessionConfig) -> Session {
        let steps = config.actions.iter().map(|a| StepResult { action: *a, started_us: None, event: None }).collect();
        let phase = if config.mode == Mode::Silent { Phase::Silent } else { Phase::Calibrating };
        Session {
            config,
            tracker,
            engine: None,
            silent: SilentState::default(),
            silent_report: None,
            phase,
            start_us: None,
            last_us: None,
            frames: 0,
            calib: Vec::new(),
            baseline: None,
            detector: None,
            face_id: None,
            face_shape: None,
            last_face_us: None,
            steps,
            prompt: None,
            warned: false,
            issue_counts: Default::default(),
            best: Vec::new(),
            outcome: None,
        }
    }

    /// Tracks one frame and advances the session.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a session made with [`Session::from_reports`];
    /// inference errors from the tracker.
    pub fn push(&mut self, frame: &FrameRef) -> Result<(FrameReport, Vec<Event>)> {
        let Some(tracker) = self.tracker.as_mut() else {
            return Err(Error::new(ErrorKind::Config, "this session takes frame reports, not frames"));
        };
        let report = tracker.process(frame)?;
        let events = self.advance(&report, Some(frame));
        Ok((report, events))
    }

    /// The outcome, once the session has ended.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// The best frames so far, best first (frame indices count pushed frames from 0).
    pub fn best_frames(&self) -> &[BestFrame] {
        &self.best
    }

    /// Whether the session has ended.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// Ends the session now (e.g. the video ended): steps not done fail.
    pub fn finish(&mut self) -> Outcome {
        if self.outcome.is_none() {
            let t = self.last_us.unwrap_or(0);
            if self.phase == Phase::Silent {
                self.finish_silent(t);
            } else {
                let reason = self.timeout_reason();
                self.end(t, Some(reason));
            }
        }
        self.outcome.clone().unwrap_or_else(|| self.make_outcome(false, None))
    }

    fn timeout_reason(&self) -> Reason {
        match self.phase {
            Phase::Step(i) => Reason::for_action(self.config.actions[i]),
            _ => {
                // The quality problem seen most often, or no face at all.
                let top = self.issue_counts.iter().max_by_key(|(_, n)| **n).map(|(i, _)| *i);
                top.map(Reason::from_issue).unwrap_or(Reason::ActionNodetectFace)
            }
        }
    }

    fn end(&mut self, t_us: i64, reason: Option<Reason>) -> Vec<Event> {
        self.phase = Phase::Done;
        let passed = reason.is_none();
        self.outcome = Some(self.make_outcome(passed, reason));
        let _ = t_us;
        vec![Event::new(t_us, EventKind::Finished { passed, reason })]
    }

    fn make_outcome(&self, passed: bool, reason: Option<Reason>) -> Outcome {
        let (zh, en) = match reason {
            Some(r) => r.text(),
            None if passed => ("检测通过", "passed"),
            None => ("检测失败", "failed"),
        };
        let start = self.calib.first().map(|c| c.0).or(self.start_us);
        let end = self.steps.iter().filter_map(|s| s.event.map(|e| e.end_us)).max().or(self.last_us);
        Outcome {
            passed,
            reason,
            api_code: reason.and_then(Reason::api_code),
            zh,
            en,
            steps: self.steps.clone(),
            best_frames: self.best.clone(),
            evidence_window_us: start.zip(end),
            frames: self.frames,
            duration_ms: match (self.start_us, self.last_us) {
                (Some(a), Some(b)) => (b - a) / 1000,
                _ => 0,
            },
            baseline: self.baseline,
            silent: self.silent_report.clone(),
        }
    }

    /// Silent mode: runs the decision on what has been collected so far without ending
    /// the session (progress displays, benchmarks). `None` outside silent mode.
    ///
    /// # Errors
    /// Inference errors.
    pub fn silent_decision(&self) -> Result<Option<SilentReport>> {
        if self.config.mode != Mode::Silent {
            return Ok(None);
        }
        silent::decide(self.engine.as_ref(), &self.silent, &self.config.silent).map(Some)
    }

    /// Silent mode: decide if there was enough good video, else `SilentTooShort`.
    fn finish_silent(&mut self, t: i64) -> Vec<Event> {
        if self.silent.good_us < self.config.silent.min_good_ms * 1000 {
            return self.end(t, Some(Reason::SilentTooShort));
        }
        match silent::decide(self.engine.as_ref(), &self.silent, &self.config.silent) {
            Ok(r) => {
                let reason = if r.faces_on_model_frames > 1 {
                    Some(Reason::SilentMultiFaceFail)
                } else if !r.live {
                    Some(Reason::SilentPictureLiveFail)
                } else {
                    None
                };
                self.silent_report = Some(r);
                self.end(t, reason)
            }
            Err(_) => self.end(t, Some(Reason::EngineError)),
        }
    }

    fn silent_frame(
        &mut self,
        t: i64,
        index: usize,
        r: &FrameReport,
        issue: Option<QualityIssue>,
        frame: Option<&FrameRef>,
        out: &mut Vec<Event>,
    ) {
        if r.faces_detected > 1 {
            out.extend(self.end(t, Some(Reason::SilentMultiFaceFail)));
            return;
        }
        // Motion is analysed on every tracked frame, turned faces included: the planar
        // cue needs the head (or the photo) to turn.
        if let Some(p) = r.face.as_ref().and_then(|f| PlanarSample::from_face(t, f)) {
            self.silent.planar.push(p);
        }
        match (issue, &r.face) {
            (None, Some(f)) => {
                self.set_prompt(t, Some(Prompt::HoldStill), out);
                if self.face_shape.is_none() {
                    self.face_shape = Some(shape(f));
                    self.face_id = Some(f.id);
                }
                self.silent.add_good(t);
                let q = self.consider_best(index, t, f);
                if let Some(frame) = frame {
                    // Skin colour only where the session can last long enough for the pulse cue.
                    let sc = &self.config.silent;
                    if sc.good_ms as f32 >= sc.pulse_min_s * 1000.0 {
                        if let Some(c) = skin_rgb(frame, f) {
                            self.silent.skin.push((t, c));
                        }
                    }
                    if let Some(slot) = self.silent.slot_for(q, t, &self.config.silent) {
                        self.silent.keep(slot, Kept { score: q, t_us: t, frame: frame.to_copy() });
                    }
                }
                if self.silent.good_us >= self.config.silent.good_ms * 1000 {
                    out.extend(self.finish_silent(t));
                }
            }
            (Some(i), _) => {
                self.silent.break_good();
                self.set_prompt(t, Some(Prompt::for_issue(i)), out);
            }
            (None, None) => self.silent.break_good(),
        }
    }

    fn set_prompt(&mut self, t: i64, p: Option<Prompt>, out: &mut Vec<Event>) {
        if p != self.prompt {
            self.prompt = p;
            if let Some(prompt) = p {
                out.push(Event::new(t, EventKind::Prompt { prompt }));
            }
        }
    }

    /// Offers a frame to the best-frame list; returns its quality score.
    fn consider_best(&mut self, index: usize, t: i64, f: &crate::track::FaceReport) -> f32 {
        let eyes = f.eyes.iter().map(|e| e.openness).sum::<f32>() / f.eyes.len().max(1) as f32;
        let frontal = 1.0 - (f.pose.yaw.abs() + f.pose.roll.abs()) / 60.0;
        let light = 1.0 - ((f.brightness - 130.0) / 130.0).abs();
        let score = frontal.max(0.0) * 2.0 + (f.sharpness.min(400.0) / 400.0) + eyes * 2.0 + light.max(0.0);
        self.best.push(BestFrame { t_us: t, index, score, bbox: f.bbox });
        self.best.sort_by(|a, b| b.score.total_cmp(&a.score));
        self.best.truncate(self.config.best_frames);
        score
    }

    /// Advances the session with one tracked frame. A silent session fed this way has no
    /// pixels: it decides on the planar cue alone and says so.
    pub fn push_report(&mut self, r: &FrameReport) -> Vec<Event> {
        self.advance(r, None)
    }

    fn advance(&mut self, r: &FrameReport, frame: Option<&FrameRef>) -> Vec<Event> {
        let mut out = Vec::new();
        if self.outcome.is_some() {
            return out;
        }
        let t = r.timestamp_us;
        let index = self.frames;
        self.frames += 1;
        if let Some(last) = self.last_us {
            if t <= last {
                return self.end(t, Some(Reason::TimestampsNotIncreasing));
            }
        }
        self.last_us = Some(t);
        let start = *self.start_us.get_or_insert(t);
        let elapsed_ms = (t - start) / 1000;
        let remaining = self.config.timeout_ms - elapsed_ms;
        if remaining <= 0 {
            if self.phase == Phase::Silent {
                return self.finish_silent(t);
            }
            let reason = self.timeout_reason();
            return self.end(t, Some(reason));
        }
        if remaining <= 3_000 && !self.warned {
            self.warned = true;
            out.push(Event::new(t, EventKind::TimeoutWarning { remaining_ms: remaining }));
        }

        let frontal_needed = matches!(self.phase, Phase::Calibrating | Phase::Silent);
        let issue = quality::check(r, &self.config.quality, frontal_needed);
        if let Some(i) = issue {
            *self.issue_counts.entry(i).or_default() += 1;
        }

        // Anti-cheat: the same face throughout.
        if let Some(f) = &r.face {
            let sh = shape(f);
            if let (Some(id), Some(ref_shape)) = (self.face_id, self.face_shape) {
                if f.id != id {
                    let change =
                        ((sh[0] - ref_shape[0]).abs() / ref_shape[0]).max((sh[1] - ref_shape[1]).abs() / ref_shape[1]);
                    if change > 0.15 {
                        out.extend(self.end(t, Some(Reason::FaceChanged)));
                        return out;
                    }
                    self.face_id = Some(f.id);
                }
            }
            let gap = self.last_face_us.map(|l| (t - l) / 1000).unwrap_or(0);
            if gap > self.config.max_face_gap_ms {
                if let Phase::Step(i) = self.phase {
                    // The face was away: what happened meanwhile does not count.
                    if let Some(base) = self.baseline {
                        self.detector = Some(ActionDetector::new(base, self.config.thresholds));
                    }
                    out.push(Event::new(t, EventKind::StepRestarted { index: i }));
                }
            }
            self.last_face_us = Some(t);
        }

        match self.phase {
            Phase::Calibrating => {
                match (issue, &r.face) {
                    (None, Some(f)) => {
                        self.set_prompt(t, Some(Prompt::HoldStill), &mut out);
                        self.calib.push((t, Signals::from_face(t, f), shape(f)));
                        self.consider_best(index, t, f);
                        let span = (t - self.calib[0].0) / 1000;
                        if span >= self.config.calibration_ms && self.calib.len() >= 3 {
                            let med = |k: fn(&Signals) -> f32| {
                                let mut v: Vec<f32> = self.calib.iter().map(|c| k(&c.1)).collect();
                                v.sort_by(f32::total_cmp);
                                v[v.len() / 2]
                            };
                            let base = Baseline {
                                eye: med(|s| s.eye),
                                mouth: med(|s| s.mouth),
                                yaw: med(|s| s.yaw),
                                pitch: med(|s| s.pitch),
                            };
                            let mut shapes: Vec<[f32; 2]> = self.calib.iter().map(|c| c.2).collect();
                            shapes.sort_by(|a, b| a[0].total_cmp(&b[0]));
                            self.face_shape = Some(shapes[shapes.len() / 2]);
                            self.face_id = Some(f.id);
                            self.baseline = Some(base);
                            let mut det = ActionDetector::new(base, self.config.thresholds);
                            // Prime the open-eye history with the calibration frames.
                            for c in &self.calib {
                                det.push(&c.1);
                            }
                            self.detector = Some(det);
                            out.push(Event::new(t, EventKind::Calibrated { baseline: base }));
                            self.start_step(0, t, &mut out);
                        }
                    }
                    (Some(i), _) => {
                        // A broken run of good frames starts calibration over.
                        self.calib.clear();
                        self.set_prompt(t, Some(Prompt::for_issue(i)), &mut out);
                    }
                    (None, None) => {}
                }
            }
            Phase::Step(i) => {
                if let (Some(limit), Some(started)) = (self.config.step_timeout_ms, self.steps[i].started_us) {
                    if (t - started) / 1000 > limit {
                        out.extend(self.end(t, Some(Reason::for_action(self.config.actions[i]))));
                        return out;
                    }
                }
                let Some(f) = &r.face else {
                    self.set_prompt(t, Some(Prompt::NoFace), &mut out);
                    return out;
                };
                if r.faces_detected > 1 {
                    out.extend(self.end(t, Some(Reason::SilentMultiFaceFail)));
                    return out;
                }
                if matches!(issue, Some(QualityIssue::TooDark | QualityIssue::TooBright | QualityIssue::FaceIncomplete))
                {
                    self.set_prompt(t, issue.map(Prompt::for_issue), &mut out);
                } else {
                    self.set_prompt(t, Some(Prompt::for_action(self.config.actions[i])), &mut out);
                }
                if issue.is_none() || matches!(issue, Some(QualityIssue::NotFrontal)) {
                    self.consider_best(index, t, f);
                }
                let sig = Signals::from_face(t, f);
                let found = self.detector.as_mut().map(|d| d.push(&sig)).unwrap_or_default();
                let want = self.config.actions[i];
                let started = self.steps[i].started_us.unwrap_or(t);
                if let Some(ev) = found.into_iter().find(|e| e.action == want && e.start_us >= started) {
                    self.steps[i].event = Some(ev);
                    out.push(Event::new(t, EventKind::StepDone { index: i, event: ev }));
                    out.push(Event::new(t, EventKind::Progress { done: i + 1, total: self.steps.len() }));
                    if i + 1 == self.steps.len() {
                        out.extend(self.end(t, None));
                    } else {
                        self.start_step(i + 1, t, &mut out);
                    }
                }
            }
            Phase::Silent => self.silent_frame(t, index, r, issue, frame, &mut out),
            Phase::Done => {}
        }
        out
    }

    fn start_step(&mut self, i: usize, t: i64, out: &mut Vec<Event>) {
        self.phase = Phase::Step(i);
        self.steps[i].started_us = Some(t);
        let action = self.config.actions[i];
        out.push(Event::new(t, EventKind::StepStarted { index: i, action }));
        self.prompt = Some(Prompt::for_action(action));
    }
}
