//! One liveness attempt by one person: frames in, events out, an [`Outcome`] at the end.
//!
//! The session owns what every mode shares: timestamps and timeouts, the quality gate,
//! the same-face rule, the best frames and the evidence window. The mode itself is one
//! or more [`Check`]s run in sequence ([`crate::checks`]); the first failure ends the
//! session with a reason that maps onto the cloud API's `FailedOperation.*` codes.

use std::collections::HashMap;

use serde::Serialize;

use crate::checks::action::{Action, ActionThresholds, Baseline};
use crate::checks::silent::{SilentConfig, SilentReport};
use crate::checks::{
    ActionCheck, AudioChunk, Check, CheckReport, DisplayAck, Emit, Ending, FrameCtx, SilentCheck, Status,
};
pub use crate::checks::{Event, EventKind, Prompt, Reason, StepResult};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
pub use crate::quality::BestFrame;
use crate::quality::{self, BestFrames, QualityConfig, QualityIssue};
use crate::track::{FaceReport, FrameReport, Tracker, TrackerConfig};

/// Liveness modes (the API's `LivenessType` and the app SDK's extra modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// `ACTION`: blink, open mouth, nod, shake head, in a given order.
    Action,
    /// `SILENT`: look at the camera for 2-3 s; passive anti-spoofing and temporal cues.
    Silent,
}

impl Mode {
    /// The API's `LivenessType` for this mode.
    pub fn liveness_type(self) -> &'static str {
        match self {
            Mode::Action => "ACTION",
            Mode::Silent => "SILENT",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Mode> {
        match s.to_ascii_lowercase().as_str() {
            "action" => Ok(Mode::Action),
            "silent" => Ok(Mode::Silent),
            other => Err(Error::new(ErrorKind::Config, format!("unknown mode {other:?} (action or silent)"))),
        }
    }
}

/// Session settings. Start from [`SessionConfig::action`] or [`SessionConfig::silent`]
/// and change what you need (fields are public; the struct may gain fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
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
    /// Also the [`Default`].
    pub fn silent() -> SessionConfig {
        SessionConfig { mode: Mode::Silent, actions: Vec::new(), ..SessionConfig::action(Vec::new()) }
    }

    /// Sets the whole-session timeout (ms).
    #[must_use]
    pub fn with_timeout_ms(mut self, ms: i64) -> SessionConfig {
        self.timeout_ms = ms;
        self
    }

    /// Sets the per-step timeout (ms).
    #[must_use]
    pub fn with_step_timeout_ms(mut self, ms: Option<i64>) -> SessionConfig {
        self.step_timeout_ms = ms;
        self
    }

    /// Silent mode: decide after this much good-quality video (ms); the minimum follows
    /// when it is larger.
    #[must_use]
    pub fn with_silent_ms(mut self, ms: i64) -> SessionConfig {
        self.silent.good_ms = ms;
        self.silent.min_good_ms = self.silent.min_good_ms.min(ms);
        self
    }

    /// The checks this configuration runs, in order.
    fn checks(&self, engine: Option<&Engine>) -> Vec<Box<dyn Check>> {
        match self.mode {
            Mode::Action => vec![Box::new(ActionCheck::new(
                &self.actions,
                self.thresholds,
                self.calibration_ms,
                self.step_timeout_ms,
            ))],
            Mode::Silent => vec![Box::new(SilentCheck::new(engine.cloned(), self.silent.clone()))],
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, m));
        self.validate_shared()?;
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
        Ok(())
    }

    fn validate_shared(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, m));
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

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig::silent()
    }
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// The mode.
    pub mode: Mode,
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
    /// Per-step results (action checks).
    pub steps: Vec<StepResult>,
    /// Best frames, best first.
    pub best_frames: Vec<BestFrame>,
    /// Time span to keep as evidence video (µs): from the neutral face to the last step.
    pub evidence_window_us: Option<(i64, i64)>,
    /// Frames seen.
    pub frames: usize,
    /// Session length (ms).
    pub duration_ms: i64,
    /// The neutral face (action checks).
    pub baseline: Option<Baseline>,
    /// Silent mode: the decision and its components.
    pub silent: Option<SilentReport>,
}

/// One liveness attempt. Create with [`Session::new`], push frames, read events; it ends
/// in an [`Outcome`].
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    tracker: Option<Tracker>,
    checks: Vec<Box<dyn Check>>,
    current: usize,
    started: bool,
    start_us: Option<i64>,
    last_us: Option<i64>,
    frames: usize,
    identity: Identity,
    last_face_us: Option<i64>,
    prompt: Option<Prompt>,
    warned: bool,
    issue_counts: HashMap<QualityIssue, usize>,
    best: BestFrames,
    outcome: Option<Outcome>,
}

/// The same-face rule: the face's proportions are learned from the first
/// `calibration_ms` of good frames; a re-acquired track with other proportions is
/// another person.
#[derive(Debug, Default)]
struct Identity {
    samples: Vec<(i64, [f32; 2])>,
    shape: Option<[f32; 2]>,
    id: Option<u64>,
}

impl Identity {
    /// `Err(())` when a different face appeared.
    fn check(&mut self, f: &FaceReport) -> std::result::Result<(), ()> {
        if let (Some(id), Some(reference)) = (self.id, self.shape) {
            if f.id != id {
                let sh = shape(f);
                let change =
                    ((sh[0] - reference[0]).abs() / reference[0]).max((sh[1] - reference[1]).abs() / reference[1]);
                if change > 0.15 {
                    return Err(());
                }
                self.id = Some(f.id);
            }
        }
        Ok(())
    }

    /// Learns from a frame that passed (`Some`) or failed (`None`) the gate.
    fn learn(&mut self, t_us: i64, good: Option<&FaceReport>, calibration_ms: i64) {
        if self.shape.is_some() {
            return;
        }
        let Some(f) = good else {
            self.samples.clear();
            return;
        };
        self.samples.push((t_us, shape(f)));
        if (t_us - self.samples[0].0) / 1000 >= calibration_ms && self.samples.len() >= 3 {
            let mut shapes: Vec<[f32; 2]> = self.samples.iter().map(|c| c.1).collect();
            shapes.sort_by(|a, b| a[0].total_cmp(&b[0]));
            self.shape = Some(shapes[shapes.len() / 2]);
            self.id = Some(f.id);
        }
    }
}

/// Face proportions that do not change with pose much: eye distance over face width and
/// nose-to-chin over face height. A different person changes them.
fn shape(f: &FaceReport) -> [f32; 2] {
    let lm = &f.landmarks;
    if lm.len() < 468 {
        return [1.0, 1.0];
    }
    let d = |a: usize, b: usize| ((lm[a][0] - lm[b][0]).powi(2) + (lm[a][1] - lm[b][1]).powi(2)).sqrt();
    let w = d(234, 454).max(1.0);
    let h = d(10, 152).max(1.0);
    [d(33, 263) / w, d(1, 152) / h]
}

impl Session {
    /// A session on `engine`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for invalid settings.
    pub fn new(engine: &Engine, config: SessionConfig) -> Result<Session> {
        config.validate()?;
        let tracker = engine.tracker_with(config.tracker.clone())?;
        let checks = config.checks(Some(engine));
        Ok(Self::build(Some(tracker), config, checks))
    }

    /// A session fed with [`FrameReport`]s directly ([`Session::push_report`]), e.g.
    /// from a tracker the app runs itself, or synthetic signals in tests.
    ///
    /// # Errors
    /// As [`Session::new`].
    pub fn from_reports(config: SessionConfig) -> Result<Session> {
        config.validate()?;
        let checks = config.checks(None);
        Ok(Self::build(None, config, checks))
    }

    /// A session running the given checks in order (the shared settings — timeouts,
    /// quality, tracker, best frames — come from `config`; its mode only names the
    /// outcome). With `engine` it tracks frames itself, without it takes reports.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for invalid shared settings or no checks.
    pub fn with_checks(engine: Option<&Engine>, config: SessionConfig, checks: Vec<Box<dyn Check>>) -> Result<Session> {
        if checks.is_empty() {
            return Err(Error::new(ErrorKind::Config, "a session needs at least one check"));
        }
        config.validate_shared()?;
        let tracker = engine.map(|e| e.tracker_with(config.tracker.clone())).transpose()?;
        Ok(Self::build(tracker, config, checks))
    }

    fn build(tracker: Option<Tracker>, config: SessionConfig, checks: Vec<Box<dyn Check>>) -> Session {
        Session {
            best: BestFrames::new(config.best_frames),
            config,
            tracker,
            checks,
            current: 0,
            started: false,
            start_us: None,
            last_us: None,
            frames: 0,
            identity: Identity::default(),
            last_face_us: None,
            prompt: None,
            warned: false,
            issue_counts: HashMap::new(),
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

    /// Advances the session with one tracked frame. A silent session fed this way has no
    /// pixels: it decides on the planar cue alone and says so.
    pub fn push_report(&mut self, r: &FrameReport) -> Vec<Event> {
        self.advance(r, None)
    }

    /// Audio on the frames' clock, for checks that listen (ignored by the others).
    pub fn push_audio(&mut self, chunk: &AudioChunk) {
        if let Some(c) = self.checks.get_mut(self.current) {
            c.on_audio(chunk);
        }
    }

    /// The app's acknowledgement that something a check asked for was on screen.
    pub fn acknowledge(&mut self, ack: &DisplayAck) {
        if let Some(c) = self.checks.get_mut(self.current) {
            c.on_ack(ack);
        }
    }

    /// The settings.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The outcome, once the session has ended.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// The best frames so far, best first (frame indices count pushed frames from 0).
    pub fn best_frames(&self) -> &[BestFrame] {
        self.best.as_slice()
    }

    /// Whether the session has ended.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// Ends the session now (e.g. the video ended): the current check decides with what
    /// it has; steps not done fail.
    pub fn finish(&mut self) -> Outcome {
        if self.outcome.is_none() {
            let t = self.last_us.unwrap_or(0);
            let status = self.finish_current(t);
            self.end(status);
        }
        self.outcome.clone().unwrap_or_else(|| self.make_outcome(false, None))
    }

    /// Silent mode: runs the decision on what has been collected so far without ending
    /// the session (progress displays, benchmarks). `None` outside silent mode.
    ///
    /// # Errors
    /// Inference errors.
    pub fn silent_decision(&self) -> Result<Option<SilentReport>> {
        for c in &self.checks {
            if let Some(CheckReport::Silent(r)) = c.preview()? {
                return Ok(r);
            }
        }
        Ok(None)
    }

    fn finish_current(&mut self, t_us: i64) -> Status {
        let top_issue = self.issue_counts.iter().max_by_key(|(_, n)| **n).map(|(i, _)| *i);
        match self.checks.get_mut(self.current) {
            Some(c) => c.finish(&Ending { t_us, top_issue }),
            None => Status::Passed,
        }
    }

    /// Ends with `status` (`Running` counts as a failure to finish).
    fn end(&mut self, status: Status) -> Option<Event> {
        let t = self.last_us.unwrap_or(0);
        let reason = match status {
            Status::Passed => None,
            Status::Failed(r) => Some(r),
            Status::Running => Some(Reason::EngineError),
        };
        let passed = reason.is_none();
        self.outcome = Some(self.make_outcome(passed, reason));
        Some(Event::new(t, EventKind::Finished { passed, reason }))
    }

    fn make_outcome(&self, passed: bool, reason: Option<Reason>) -> Outcome {
        let (zh, en) = match reason {
            Some(r) => r.text(),
            None if passed => ("检测通过", "passed"),
            None => ("检测失败", "failed"),
        };
        let (mut steps, mut baseline, mut silent) = (Vec::new(), None, None);
        for c in &self.checks {
            match c.report() {
                CheckReport::Action(a) => {
                    steps.extend(a.steps);
                    baseline = baseline.or(a.baseline);
                }
                CheckReport::Silent(s) => silent = silent.or(s),
            }
        }
        let spans: Vec<_> = self.checks.iter().map(|c| c.evidence_span()).collect();
        let start = spans.iter().find_map(|s| s.0).or(self.start_us);
        let end = spans.iter().filter_map(|s| s.1).max().or(self.last_us);
        Outcome {
            mode: self.config.mode,
            passed,
            reason,
            api_code: reason.and_then(Reason::api_code),
            zh,
            en,
            steps,
            best_frames: self.best.as_slice().to_vec(),
            evidence_window_us: start.zip(end),
            frames: self.frames,
            duration_ms: match (self.start_us, self.last_us) {
                (Some(a), Some(b)) => (b - a) / 1000,
                _ => 0,
            },
            baseline,
            silent,
        }
    }

    fn apply(&mut self, t: i64, emits: Vec<Emit>, out: &mut Vec<Event>) {
        for e in emits {
            match e {
                Emit::Event(kind) => out.push(Event::new(t, kind)),
                Emit::PromptShown(p) => self.prompt = Some(p),
                Emit::Prompt(p) => {
                    if self.prompt != Some(p) {
                        self.prompt = Some(p);
                        out.push(Event::new(t, EventKind::Prompt { prompt: p }));
                    }
                }
            }
        }
    }

    fn advance(&mut self, r: &FrameReport, frame: Option<&FrameRef>) -> Vec<Event> {
        let mut out = Vec::new();
        if self.outcome.is_some() {
            return out;
        }
        let t = r.timestamp_us;
        let index = self.frames;
        self.frames += 1;
        if self.last_us.is_some_and(|last| t <= last) {
            self.last_us = Some(t);
            out.extend(self.end(Status::Failed(Reason::TimestampsNotIncreasing)));
            return out;
        }
        self.last_us = Some(t);
        let start = *self.start_us.get_or_insert(t);
        let remaining = self.config.timeout_ms - (t - start) / 1000;
        if remaining <= 0 {
            let status = self.finish_current(t);
            out.extend(self.end(status));
            return out;
        }
        if remaining <= 3_000 && !self.warned {
            self.warned = true;
            out.push(Event::new(t, EventKind::TimeoutWarning { remaining_ms: remaining }));
        }
        let Some(check) = self.checks.get_mut(self.current) else { return out };
        let issue = quality::check(r, &self.config.quality, check.frontal_needed());
        if let Some(i) = issue {
            *self.issue_counts.entry(i).or_default() += 1;
        }

        let mut emits = Vec::new();
        let mut ctx = FrameCtx { t_us: t, index, report: r, issue, frame, best: &mut self.best, emits: &mut emits };
        if !self.started {
            self.started = true;
            check.start(t, &mut ctx);
        }
        // The same face throughout; a face away too long restarts what the check was doing.
        if let Some(f) = &r.face {
            if self.identity.check(f).is_err() {
                self.apply(t, emits, &mut out);
                out.extend(self.end(Status::Failed(Reason::FaceChanged)));
                return out;
            }
            if self.last_face_us.is_some_and(|l| (t - l) / 1000 > self.config.max_face_gap_ms) {
                check.on_face_gap(&mut ctx);
            }
            self.last_face_us = Some(t);
        }
        let good = r.face.as_ref().filter(|_| issue.is_none());
        if issue.is_some() || good.is_some() {
            self.identity.learn(t, good, self.config.calibration_ms);
        }
        let status = check.on_frame(&mut ctx);
        self.apply(t, emits, &mut out);
        match status {
            Status::Running => {}
            Status::Failed(_) => out.extend(self.end(status)),
            Status::Passed => {
                self.current += 1;
                self.started = false;
                if self.current >= self.checks.len() {
                    out.extend(self.end(Status::Passed));
                }
            }
        }
        out
    }
}
