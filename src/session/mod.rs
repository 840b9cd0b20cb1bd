//! One liveness attempt by one person: frames in, events out, an [`Outcome`] at the end.
//!
//! The session owns what every mode shares: timestamps and timeouts, the quality gate,
//! the same-face rule, the best frames and the evidence window. The mode itself is one
//! or more [`Check`]s run in sequence ([`crate::checks`]); the first failure ends the
//! session with a reason that maps onto the cloud API's `FailedOperation.*` codes.

mod config;
mod identity;

use std::collections::HashMap;

use serde::Serialize;

use crate::checks::action::Baseline;
use crate::checks::silent::SilentReport;
use crate::checks::{AudioChunk, Check, CheckReport, DisplayAck, Emit, Ending, FrameCtx, Status};
pub use crate::checks::{Event, EventKind, Prompt, Reason, StepResult};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
pub use crate::quality::BestFrame;
use crate::quality::{self, BestFrames, QualityIssue};
use crate::track::{FrameReport, Tracker};
pub use config::{Mode, SessionConfig};
use identity::Identity;

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
    /// Light and flash modes: the decision and its components.
    pub light: Option<crate::checks::light::LightReport>,
    /// Digit mode: the decision and its components.
    pub lip: Option<crate::checks::lip::LipReport>,
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
    emits: Vec<Emit>,
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
            emits: Vec::new(),
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

    /// Advances the session with a frame someone already tracked (the report of this
    /// very frame, e.g. when one tracking pass serves several sessions over a clip): the
    /// checks get the pixels without tracking them again.
    pub fn push_tracked(&mut self, frame: &FrameRef, r: &FrameReport) -> Vec<Event> {
        self.advance(r, Some(frame))
    }

    /// Audio on the frames' clock, for checks that listen (ignored by the others).
    pub fn push_audio(&mut self, chunk: &AudioChunk) {
        if let Some(c) = self.checks.get_mut(self.current) {
            c.on_audio(chunk);
        }
    }

    /// The app's acknowledgement that something a check asked for was on screen.
    pub fn acknowledge(&mut self, ack: &DisplayAck) {
        // Every check: an acknowledgement may arrive before its check is the current one
        // (a flash session's colours acknowledged while the blink step still runs).
        for c in &mut self.checks {
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
            self.end(t, status);
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
    fn end(&mut self, t: i64, status: Status) -> Option<Event> {
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
        let (mut steps, mut baseline, mut silent, mut light, mut lip) = (Vec::new(), None, None, None, None);
        for c in &self.checks {
            match c.report() {
                CheckReport::Action(a) => {
                    steps.extend(a.steps);
                    baseline = baseline.or(a.baseline);
                }
                CheckReport::Silent(s) => silent = silent.or(s),
                CheckReport::Light(l) => light = light.or(l),
                CheckReport::Lip(l) => lip = lip.or(l),
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
            light,
            lip,
        }
    }

    /// Turns what the check emitted into events; the buffer goes back for the next frame.
    fn apply(&mut self, t: i64, mut emits: Vec<Emit>, out: &mut Vec<Event>) {
        for e in emits.drain(..) {
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
        self.emits = emits;
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
            out.extend(self.end(t, Status::Failed(Reason::TimestampsNotIncreasing)));
            return out;
        }
        self.last_us = Some(t);
        let start = *self.start_us.get_or_insert(t);
        let remaining = self.config.timeout_ms - (t - start) / 1000;
        if remaining <= 0 {
            let status = self.finish_current(t);
            out.extend(self.end(t, status));
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

        let mut emits = std::mem::take(&mut self.emits);
        let mut ctx = FrameCtx { t_us: t, index, report: r, issue, frame, best: &mut self.best, emits: &mut emits };
        if !self.started {
            self.started = true;
            check.start(t, &mut ctx);
        }
        // The same face throughout; a face away too long restarts what the check was doing.
        if let Some(f) = &r.face {
            if self.identity.check(f).is_err() {
                self.apply(t, emits, &mut out);
                out.extend(self.end(t, Status::Failed(Reason::FaceChanged)));
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
            Status::Failed(_) => out.extend(self.end(t, status)),
            Status::Passed => {
                self.current += 1;
                self.started = false;
                if self.current >= self.checks.len() {
                    out.extend(self.end(t, Status::Passed));
                }
            }
        }
        out
    }
}
