//! Liveness checks. Each mode is one type behind the [`Check`] trait: a check receives
//! every frame's report (with the frame's pixels when the session has them), audio
//! chunks and the app's acknowledgements, emits prompts and events, and ends with a
//! verdict, a reason and its components ([`CheckReport`]).
//!
//! The [`crate::Session`] keeps what every mode shares (timestamps, timeouts, the
//! quality gate, the same-face rule, best frames, the evidence window) and runs its
//! checks in sequence: the next starts when one passes, the first failure ends the
//! session.

pub mod action;
mod action_check;
mod blink;
#[cfg(test)]
mod blink_tests;
pub mod cues;
pub mod events;
pub mod light;
pub mod lip;
pub mod passive;
pub mod silent;

use std::fmt::Debug;

use serde::Serialize;

pub use action_check::{ActionCheck, ActionReport, StepResult};
pub use events::{Event, EventKind, Prompt, Reason};
pub use light::LightCheck;
pub use lip::LipCheck;
pub use silent::SilentCheck;

use crate::error::Result;
use crate::frame::FrameRef;
use crate::quality::{BestFrames, QualityIssue};
use crate::track::{FaceReport, FrameReport};

/// Which check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// Blink, open mouth, nod, shake head in order.
    Action,
    /// Passive anti-spoofing and temporal cues.
    Silent,
    /// The screen's colour sequence reflected by the face.
    Light,
    /// A 4-digit code read aloud: voice, and lips in step with it.
    Lip,
}

/// A check's state after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Needs more frames.
    Running,
    /// Done and passed: the session moves to its next check.
    Passed,
    /// Failed: the session ends with this reason.
    Failed(Reason),
}

/// What a check reports for the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckReport {
    /// Action steps and the neutral face.
    Action(ActionReport),
    /// The silent decision and its components (`None` when it never decided).
    Silent(Option<silent::SilentReport>),
    /// The light decision and its components (`None` when it never decided).
    Light(Option<light::LightReport>),
    /// The digit decision and its components (`None` when it never decided).
    Lip(Option<lip::LipReport>),
}

/// Audio on the frames' clock (for checks that listen: the digit mode).
#[derive(Debug, Clone, Copy)]
pub struct AudioChunk<'a> {
    /// Mono samples, -1..1.
    pub samples: &'a [f32],
    /// Samples per second.
    pub sample_rate: u32,
    /// Time of the first sample, microseconds, on the frames' clock.
    pub t_us: i64,
}

#[cfg(feature = "audio")]
impl crate::audio::CapturedAudio {
    /// The chunk to give [`Session::push_audio`](crate::Session::push_audio).
    pub fn as_chunk(&self) -> AudioChunk<'_> {
        AudioChunk { samples: &self.samples, sample_rate: self.sample_rate, t_us: self.t_us }
    }
}

/// The app's acknowledgement that something it was told to show was on screen
/// (e.g. "colour N from t1 to t2").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DisplayAck {
    /// Index of the displayed item in the check's schedule.
    pub index: usize,
    /// Shown from (µs, frames' clock).
    pub from_us: i64,
    /// Shown until (µs).
    pub to_us: i64,
}

/// When a check ends because the session stopped (timeout, end of video).
#[derive(Debug, Clone, Copy)]
pub struct Ending {
    /// Time of the last frame (µs).
    pub t_us: i64,
    /// The quality problem seen most often during the session, if any.
    pub top_issue: Option<QualityIssue>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Emit {
    Event(EventKind),
    Prompt(Prompt),
    PromptShown(Prompt),
}

/// One frame as a check sees it, with the session services it may use.
#[derive(Debug)]
pub struct FrameCtx<'a, 'f> {
    /// Frame time (µs).
    pub t_us: i64,
    /// Frame number in the session (0-based).
    pub index: usize,
    /// The tracker's report.
    pub report: &'a FrameReport,
    /// The quality gate's verdict on this frame (`None`: good).
    pub issue: Option<QualityIssue>,
    /// The pixels, when the session was given frames (not reports).
    pub frame: Option<&'a FrameRef<'f>>,
    pub(crate) best: &'a mut BestFrames,
    pub(crate) emits: &'a mut Vec<Emit>,
}

impl FrameCtx<'_, '_> {
    /// Offers this frame to the session's best-frame list; returns its quality score.
    pub fn offer_best(&mut self, face: &FaceReport) -> f32 {
        self.best.offer(self.index, self.t_us, face)
    }

    /// Emits an event at this frame's time.
    pub fn event(&mut self, kind: EventKind) {
        self.emits.push(Emit::Event(kind));
    }

    /// Asks the session to show a prompt (an event only when it changes).
    pub fn prompt(&mut self, p: Prompt) {
        self.emits.push(Emit::Prompt(p));
    }

    /// Tells the session that `p` is on screen through another event (no prompt event).
    pub fn prompt_shown(&mut self, p: Prompt) {
        self.emits.push(Emit::PromptShown(p));
    }
}

/// One liveness mode. The session calls `start` once, then `on_frame` for every frame
/// until the check returns [`Status::Passed`] or [`Status::Failed`], or `finish` when
/// the session stops first.
pub trait Check: Debug + Send {
    /// Which check.
    fn kind(&self) -> CheckKind;

    /// Called when the check becomes the session's current one.
    fn start(&mut self, _t_us: i64, _ctx: &mut FrameCtx) {}

    /// Whether the quality gate should require a frontal face now.
    fn frontal_needed(&self) -> bool;

    /// One frame.
    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status;

    /// The face was away for longer than the session allows; what happened meanwhile
    /// should not count.
    fn on_face_gap(&mut self, _ctx: &mut FrameCtx) {}

    /// An audio chunk (ignored by checks that do not listen).
    fn on_audio(&mut self, _chunk: &AudioChunk) {}

    /// An acknowledgement from the app (ignored by checks that show nothing).
    fn on_ack(&mut self, _ack: &DisplayAck) {}

    /// The session stopped before the check ended: decide with what there is.
    fn finish(&mut self, end: &Ending) -> Status;

    /// The components for the outcome.
    fn report(&self) -> CheckReport;

    /// A decision on what has been collected so far, without ending (progress displays,
    /// benchmarks); `None` for checks that have no such preview.
    ///
    /// # Errors
    /// Inference errors.
    fn preview(&self) -> Result<Option<CheckReport>> {
        Ok(None)
    }

    /// The evidence this check wants in the video: (start, end) in µs, each `None` when
    /// the session's own first / last frame will do.
    fn evidence_span(&self) -> (Option<i64>, Option<i64>) {
        (None, None)
    }
}
