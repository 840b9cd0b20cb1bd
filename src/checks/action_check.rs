//! The `ACTION` check: learn the neutral face, then each requested action in order.

use serde::Serialize;

use super::action::{Action, ActionDetector, ActionEvent, ActionThresholds, Baseline, Signals};
use super::events::{EventKind, Prompt, Reason};
use super::{Check, CheckKind, CheckReport, Ending, FrameCtx, Status};
use crate::quality::QualityIssue;

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

/// What the action check reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionReport {
    /// Per-step results.
    pub steps: Vec<StepResult>,
    /// The neutral face.
    pub baseline: Option<Baseline>,
    /// When the neutral face began to be learned (µs).
    pub calibration_start_us: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Calibrating,
    Step(usize),
    Done,
}

/// Blink / open mouth / nod / shake head in order, each judged against the person's
/// neutral face learned from the first `calibration_ms` of good frames.
#[derive(Debug)]
pub struct ActionCheck {
    thresholds: ActionThresholds,
    calibration_ms: i64,
    step_timeout_ms: Option<i64>,
    phase: Phase,
    calib: Vec<(i64, Signals)>,
    baseline: Option<Baseline>,
    detector: Option<ActionDetector>,
    steps: Vec<StepResult>,
}

impl ActionCheck {
    /// A check for `actions` (1 to 4, in order).
    pub fn new(
        actions: &[Action],
        thresholds: ActionThresholds,
        calibration_ms: i64,
        step_timeout_ms: Option<i64>,
    ) -> ActionCheck {
        ActionCheck {
            thresholds,
            calibration_ms,
            step_timeout_ms,
            phase: Phase::Calibrating,
            calib: Vec::new(),
            baseline: None,
            detector: None,
            steps: actions.iter().map(|a| StepResult { action: *a, started_us: None, event: None }).collect(),
        }
    }

    fn start_step(&mut self, i: usize, ctx: &mut FrameCtx) {
        self.phase = Phase::Step(i);
        self.steps[i].started_us = Some(ctx.t_us);
        let action = self.steps[i].action;
        ctx.event(EventKind::StepStarted { index: i, action });
        ctx.prompt_shown(Prompt::for_action(action));
    }

    fn calibrate(&mut self, ctx: &mut FrameCtx) {
        let t = ctx.t_us;
        match (ctx.issue, &ctx.report.face) {
            (None, Some(f)) => {
                ctx.prompt(Prompt::HoldStill);
                self.calib.push((t, Signals::from_face(t, f)));
                ctx.offer_best(f);
                let span = (t - self.calib[0].0) / 1000;
                if span >= self.calibration_ms && self.calib.len() >= 3 {
                    let frames: Vec<Signals> = self.calib.iter().map(|c| c.1).collect();
                    let base = Baseline::from_frames(&frames);
                    self.baseline = Some(base);
                    let mut det = ActionDetector::new(base, self.thresholds);
                    // Prime the open-eye history with the calibration frames.
                    for c in &self.calib {
                        det.push(&c.1);
                    }
                    self.detector = Some(det);
                    ctx.event(EventKind::Calibrated { baseline: base });
                    self.start_step(0, ctx);
                }
            }
            (Some(i), _) => {
                // A broken run of good frames starts calibration over.
                self.calib.clear();
                ctx.prompt(Prompt::for_issue(i));
            }
            (None, None) => {}
        }
    }

    fn step(&mut self, i: usize, ctx: &mut FrameCtx) -> Status {
        let t = ctx.t_us;
        let want = self.steps[i].action;
        if let (Some(limit), Some(started)) = (self.step_timeout_ms, self.steps[i].started_us) {
            if (t - started) / 1000 > limit {
                return Status::Failed(Reason::for_action(want));
            }
        }
        let Some(f) = &ctx.report.face else {
            ctx.prompt(Prompt::NoFace);
            return Status::Running;
        };
        if ctx.report.faces_detected > 1 {
            return Status::Failed(Reason::SilentMultiFaceFail);
        }
        let issue = ctx.issue;
        if matches!(issue, Some(QualityIssue::TooDark | QualityIssue::TooBright | QualityIssue::FaceIncomplete)) {
            ctx.prompt(issue.map(Prompt::for_issue).unwrap_or(Prompt::NoFace));
        } else {
            ctx.prompt(Prompt::for_action(want));
        }
        if issue.is_none() || matches!(issue, Some(QualityIssue::NotFrontal)) {
            ctx.offer_best(f);
        }
        let sig = Signals::from_face(t, f);
        let found = self.detector.as_mut().map(|d| d.push(&sig)).unwrap_or_default();
        let started = self.steps[i].started_us.unwrap_or(t);
        if let Some(ev) = found.into_iter().find(|e| e.action == want && e.start_us >= started) {
            self.steps[i].event = Some(ev);
            ctx.event(EventKind::StepDone { index: i, event: ev });
            ctx.event(EventKind::Progress { done: i + 1, total: self.steps.len() });
            if i + 1 == self.steps.len() {
                self.phase = Phase::Done;
                return Status::Passed;
            }
            self.start_step(i + 1, ctx);
        }
        Status::Running
    }
}

impl Check for ActionCheck {
    fn kind(&self) -> CheckKind {
        CheckKind::Action
    }

    fn frontal_needed(&self) -> bool {
        self.phase == Phase::Calibrating
    }

    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status {
        match self.phase {
            Phase::Calibrating => {
                self.calibrate(ctx);
                Status::Running
            }
            Phase::Step(i) => self.step(i, ctx),
            Phase::Done => Status::Passed,
        }
    }

    fn on_face_gap(&mut self, ctx: &mut FrameCtx) {
        if let Phase::Step(i) = self.phase {
            if let Some(base) = self.baseline {
                self.detector = Some(ActionDetector::new(base, self.thresholds));
            }
            ctx.event(EventKind::StepRestarted { index: i });
        }
    }

    fn finish(&mut self, end: &Ending) -> Status {
        match self.phase {
            Phase::Done => Status::Passed,
            Phase::Step(i) => Status::Failed(Reason::for_action(self.steps[i].action)),
            // The quality problem seen most often, or no face at all.
            Phase::Calibrating => {
                Status::Failed(end.top_issue.map(Reason::from_issue).unwrap_or(Reason::ActionNodetectFace))
            }
        }
    }

    fn report(&self) -> CheckReport {
        CheckReport::Action(ActionReport {
            steps: self.steps.clone(),
            baseline: self.baseline,
            calibration_start_us: self.calib.first().map(|c| c.0),
        })
    }

    fn evidence_span(&self) -> (Option<i64>, Option<i64>) {
        let end = self.steps.iter().filter_map(|s| s.event.map(|e| e.end_us)).max();
        (self.calib.first().map(|c| c.0), end)
    }
}
