//! The `SILENT` decision: the passive model on a few of the best frames, fused with the
//! temporal and texture cues of [`super::cues`].

use std::time::Instant;

use serde::Serialize;

use super::cues::{
    edge_cue, planar_cue, pulse_cue, skin_rgb, spectrum_cue, CueVerdict, EdgeConfig, EdgeCue, PlanarConfig, PlanarCue,
    PlanarSample, PulseCue, SpectrumConfig, SpectrumCue,
};
use super::events::{Prompt, Reason};
use super::passive::{FaceBox, PassiveSummary};
use super::{Check, CheckKind, CheckReport, Ending, FrameCtx, Status};
use crate::engine::Engine;
use crate::error::Result;
use crate::frame::{FrameCopy, FrameRef};

/// Silent-mode settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SilentConfig {
    /// Good-quality time needed for a decision (ms); less fails with `SilentTooShort`.
    pub min_good_ms: i64,
    /// The session decides as soon as it has this much good-quality time (ms).
    pub good_ms: i64,
    /// Frames the passive model scores (the best by quality, spread in time).
    pub model_frames: usize,
    /// Minimum time between two model frames (ms).
    pub model_frame_gap_ms: i64,
    /// Live when the fused model probability of a real face (mean over the model
    /// frames) is the largest class, as the reference; this adds a floor on top (0 = off).
    pub min_p_real: f32,
    /// Planar-motion cue.
    pub planar: PlanarConfig,
    /// Spectrum cue.
    pub spectrum: SpectrumConfig,
    /// Paper / bezel edge cue.
    pub edges: EdgeConfig,
    /// Seconds of signal the pulse cue needs (it reports nothing on shorter sessions).
    pub pulse_min_s: f32,
}

impl Default for SilentConfig {
    fn default() -> Self {
        SilentConfig {
            min_good_ms: 2_000,
            good_ms: 3_000,
            model_frames: 3,
            model_frame_gap_ms: 300,
            min_p_real: 0.0,
            planar: PlanarConfig::default(),
            spectrum: SpectrumConfig::default(),
            edges: EdgeConfig::default(),
            pulse_min_s: 4.0,
        }
    }
}

/// Everything the silent decision used, so it can be explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SilentReport {
    /// The verdict.
    pub live: bool,
    /// Live score in 0..1: the model's fused p_real where the model ran, otherwise the
    /// cue score.
    pub score: f32,
    /// What decided a rejection (`model`, `planar`, `spectrum`, `edges`), empty for a pass.
    pub rejected_by: Vec<&'static str>,
    /// The passive model over the model frames (`None` without model files or frames).
    pub model: Option<PassiveSummary>,
    /// Why the model did not run, if it did not.
    pub model_note: Option<&'static str>,
    /// Cue-only live score in 0..1 (planar and spectrum evidence).
    pub cue_score: f32,
    /// Planar-motion cue.
    pub planar: PlanarCue,
    /// Spectrum cue (worst over the model frames; `None` without frames).
    pub spectrum: Option<SpectrumCue>,
    /// Paper / bezel edge cue on the best-quality model frame (`None` without frames).
    pub edges: Option<EdgeCue>,
    /// Pulse cue (`None` for sessions shorter than `pulse_min_s`).
    pub pulse: Option<PulseCue>,
    /// Good-quality time seen (ms).
    pub good_ms: i64,
    /// Faces the detector found on the model frames (most on any one).
    pub faces_on_model_frames: usize,
    /// Time the decision took (µs): detection, crops and model on the model frames, cues.
    pub decision_us: u64,
}

/// A frame kept for the model.
#[derive(Debug)]
struct Kept {
    pub score: f32,
    pub t_us: i64,
    pub frame: FrameCopy,
}

/// Collects what the silent decision needs while a session runs.
#[derive(Debug, Default)]
struct SilentState {
    pub planar: Vec<PlanarSample>,
    pub skin: Vec<(i64, [f32; 3])>,
    pub kept: Vec<Kept>,
    pub good_us: i64,
    pub last_good_us: Option<i64>,
}

impl SilentState {
    /// Whether a frame with quality `score` at `t_us` would be kept (and which slot it
    /// replaces): the best frames, at least `gap_ms` apart.
    pub fn slot_for(&self, score: f32, t_us: i64, c: &SilentConfig) -> Option<Option<usize>> {
        let near = self.kept.iter().position(|k| (k.t_us - t_us).abs() < c.model_frame_gap_ms * 1000);
        if let Some(i) = near {
            return (score > self.kept[i].score).then_some(Some(i));
        }
        if self.kept.len() < c.model_frames {
            return Some(None);
        }
        let (worst, w) = self.kept.iter().enumerate().min_by(|a, b| a.1.score.total_cmp(&b.1.score))?;
        (score > w.score).then_some(Some(worst))
    }

    pub fn keep(&mut self, slot: Option<usize>, k: Kept) {
        match slot {
            Some(i) => self.kept[i] = k,
            None => self.kept.push(k),
        }
    }

    /// Adds one good frame's time.
    pub fn add_good(&mut self, t_us: i64) {
        if let Some(l) = self.last_good_us {
            self.good_us += (t_us - l).clamp(0, 200_000);
        }
        self.last_good_us = Some(t_us);
    }

    /// A gap in good frames.
    pub fn break_good(&mut self) {
        self.last_good_us = None;
    }
}

/// Cue-only live score in 0..1: each cue's own score (0.5 = no evidence either way),
/// the lowest when any is below 0.5 (one clear sign of an attack is enough), else the mean.
fn cue_score(planar: &PlanarCue, spectrum: Option<&SpectrumCue>, edges: Option<&EdgeCue>, c: &SilentConfig) -> f32 {
    let pc = &c.planar;
    let mut parts = Vec::new();
    if planar.pairs > 0 {
        parts.push(match (planar.verdict, planar.planar_ratio) {
            // 0..0.25 as the deformation gets more planar.
            (CueVerdict::Spoof, Some(r)) => 0.25 * (r / pc.planar_ratio_below).clamp(0.0, 1.0),
            (CueVerdict::Live, _) => {
                0.75 + 0.25 * ((planar.residual_p90 - pc.nonrigid_above) / pc.nonrigid_above).clamp(0.0, 1.0)
            }
            _ => 0.5,
        });
    }
    if let Some(s) = spectrum {
        parts.push((0.5 + (c.spectrum.peak_above - s.peak_log10) / 2.0).clamp(0.0, 1.0));
    }
    if let Some(e) = edges {
        parts.push(if e.verdict == CueVerdict::Spoof { 0.25 } else { 1.0 - 0.125 * e.sides as f32 });
    }
    if parts.is_empty() {
        return 0.5;
    }
    let min = parts.iter().cloned().fold(1.0f32, f32::min);
    if min < 0.5 {
        min
    } else {
        parts.iter().sum::<f32>() / parts.len() as f32
    }
}

/// Makes the decision from the collected state.
fn decide(engine: Option<&Engine>, st: &SilentState, c: &SilentConfig) -> Result<SilentReport> {
    let t0 = Instant::now();
    let planar = planar_cue(&st.planar, &c.planar);
    let pulse = pulse_cue(&st.skin, c.pulse_min_s);
    let mut kept: Vec<&Kept> = st.kept.iter().collect();
    kept.sort_by_key(|k| k.t_us);
    let mut faces_max = 0;
    let mut boxes: Vec<(FrameRef, FaceBox)> = Vec::new();
    let mut spectrum: Option<SpectrumCue> = None;
    let mut edges: Option<EdgeCue> = None;
    // The edge cue looks at the best-quality kept frame only (edges of a sheet or a
    // screen show in every frame; this saves two thirds of its cost).
    let best_t = kept.iter().max_by(|a, b| a.score.total_cmp(&b.score)).map(|k| k.t_us);
    if let Some(engine) = engine {
        for k in &kept {
            let view = k.frame.view();
            let dets = engine.detect_upright(&view)?;
            faces_max = faces_max.max(dets.len());
            let Some(d) = dets.first() else { continue };
            if let Some(s) = spectrum_cue(&view, d.bbox, &c.spectrum) {
                if spectrum.is_none_or(|cur| s.peak_log10 > cur.peak_log10) {
                    spectrum = Some(s);
                }
            }
            if Some(k.t_us) == best_t {
                edges = edge_cue(&view, d.bbox, &c.edges);
            }
            boxes.push((view, FaceBox::from_corners(d.bbox)));
        }
    }
    let (model, model_note) = match engine {
        None => (None, Some("no frames: the session was fed frame reports only")),
        Some(e) if !e.has_antispoof() => (
            None,
            Some(
                "no anti-spoof model loaded: decided on the cues alone, which do not cover screen replays (a \
                 replayed video moves like a live face); use light mode (--mode light) against them",
            ),
        ),
        Some(_) if boxes.is_empty() => (None, Some("no face found on the kept frames")),
        Some(e) => (PassiveSummary::from_frames(e.antispoof_boxes(&boxes)?), None),
    };
    let cue = cue_score(&planar, spectrum.as_ref(), edges.as_ref(), c);
    let mut rejected_by = Vec::new();
    if let Some(m) = &model {
        if !m.live || m.p_real < c.min_p_real {
            rejected_by.push("model");
        }
    }
    if planar.verdict == CueVerdict::Spoof {
        rejected_by.push("planar");
    }
    if spectrum.is_some_and(|s| s.verdict == CueVerdict::Spoof) {
        rejected_by.push("spectrum");
    }
    if edges.is_some_and(|e| e.verdict == CueVerdict::Spoof) {
        rejected_by.push("edges");
    }
    let score = model.as_ref().map(|m| m.p_real).unwrap_or(cue);
    Ok(SilentReport {
        live: rejected_by.is_empty(),
        score,
        rejected_by,
        model,
        model_note,
        cue_score: cue,
        planar,
        spectrum,
        edges,
        pulse,
        good_ms: st.good_us / 1000,
        faces_on_model_frames: faces_max,
        decision_us: t0.elapsed().as_micros() as u64,
    })
}

/// Silent decision on a single picture (no temporal cues): the model and the spectrum
/// cue on the most confident face. `None` without a face.
///
/// # Errors
/// Inference errors.
pub fn decide_image(engine: &Engine, frame: &FrameRef, c: &SilentConfig) -> Result<Option<SilentReport>> {
    let st = SilentState {
        kept: vec![Kept { score: 1.0, t_us: frame.timestamp_us(), frame: frame.to_copy() }],
        ..Default::default()
    };
    let r = decide(Some(engine), &st, c)?;
    Ok((r.faces_on_model_frames > 0).then_some(r))
}

/// The `SILENT` check: collects good-quality time, motion samples and a few model
/// frames, then decides ([`SilentReport`]).
#[derive(Debug)]
pub struct SilentCheck {
    engine: Option<Engine>,
    config: SilentConfig,
    state: SilentState,
    report: Option<SilentReport>,
}

impl SilentCheck {
    /// A silent check; without an engine (a session fed reports) it decides on the
    /// planar cue alone and says so.
    pub fn new(engine: Option<Engine>, config: SilentConfig) -> SilentCheck {
        SilentCheck { engine, config, state: SilentState::default(), report: None }
    }

    fn decide_now(&mut self) -> Status {
        if self.state.good_us < self.config.min_good_ms * 1000 {
            return Status::Failed(Reason::SilentTooShort);
        }
        match decide(self.engine.as_ref(), &self.state, &self.config) {
            Ok(r) => {
                let status = if r.faces_on_model_frames > 1 {
                    Status::Failed(Reason::SilentMultiFaceFail)
                } else if !r.live {
                    Status::Failed(Reason::SilentPictureLiveFail)
                } else {
                    Status::Passed
                };
                self.report = Some(r);
                status
            }
            Err(_) => Status::Failed(Reason::EngineError),
        }
    }
}

impl Check for SilentCheck {
    fn kind(&self) -> CheckKind {
        CheckKind::Silent
    }

    fn frontal_needed(&self) -> bool {
        true
    }

    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status {
        let t = ctx.t_us;
        let r = ctx.report;
        if r.faces_detected > 1 {
            return Status::Failed(Reason::SilentMultiFaceFail);
        }
        // Motion is analysed on every tracked frame, turned faces included: the planar
        // cue needs the head (or the photo) to turn.
        if let Some(p) = r.face.as_ref().and_then(|f| PlanarSample::from_face(t, f)) {
            self.state.planar.push(p);
        }
        match (ctx.issue, &r.face) {
            (None, Some(f)) => {
                ctx.prompt(Prompt::HoldStill);
                self.state.add_good(t);
                let q = ctx.offer_best(f);
                // Model frames are neutral faces: an open mouth (a yawn, talking) costs as
                // much as a turned head, so expression does not decide liveness.
                let q = q - 10.0 * (f.mouth_openness - 0.08).max(0.0);
                if let Some(frame) = ctx.frame {
                    // Skin colour only where the session can last long enough for the pulse cue.
                    let sc = &self.config;
                    if sc.good_ms as f32 >= sc.pulse_min_s * 1000.0 {
                        if let Some(c) = skin_rgb(frame, f) {
                            self.state.skin.push((t, c));
                        }
                    }
                    if let Some(slot) = self.state.slot_for(q, t, &self.config) {
                        self.state.keep(slot, Kept { score: q, t_us: t, frame: frame.to_copy() });
                    }
                }
                if self.state.good_us >= self.config.good_ms * 1000 {
                    return self.decide_now();
                }
            }
            (Some(i), _) => {
                self.state.break_good();
                ctx.prompt(Prompt::for_issue(i));
            }
            (None, None) => self.state.break_good(),
        }
        Status::Running
    }

    fn finish(&mut self, _end: &Ending) -> Status {
        self.decide_now()
    }

    fn report(&self) -> CheckReport {
        CheckReport::Silent(self.report.clone())
    }

    fn preview(&self) -> Result<Option<CheckReport>> {
        decide(self.engine.as_ref(), &self.state, &self.config).map(|r| Some(CheckReport::Silent(Some(r))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::BestFrames;
    use crate::track::{EyeReport, FaceReport, FrameReport, Timings};

    fn report(t_us: i64, mouth: f32) -> FrameReport {
        let eye = EyeReport {
            openness: 0.3,
            ear: 0.3,
            iris_center: [0.0, 0.0],
            iris_radius: 4.0,
            iris: Vec::new(),
            contour: Vec::new(),
        };
        FrameReport {
            timestamp_us: t_us,
            width: 64,
            height: 64,
            faces_detected: 1,
            detector_ran: false,
            face: Some(FaceReport {
                id: 1,
                tracked: true,
                detection_score: None,
                presence: 1.0,
                bbox: [16.0, 16.0, 48.0, 48.0],
                landmarks: Vec::new(),
                eyes: vec![eye.clone(), eye],
                mouth_openness: mouth,
                pose: crate::signals::HeadPose { yaw: 0.0, pitch: 0.0, roll: 0.0 },
                relative_size: [0.5, 0.5],
                center_offset: [0.0, 0.0],
                brightness: 130.0,
                contrast: 40.0,
                sharpness: 200.0,
            }),
            timings: Timings::default(),
        }
    }

    #[test]
    fn model_frames_are_neutral_faces() {
        // Every other frame has the mouth wide open (and is otherwise the same, so its
        // best-frame score is the same); the model frames must all be closed-mouth ones.
        let mut check = SilentCheck::new(None, SilentConfig::default());
        let mut best = BestFrames::new(5);
        let px = vec![128u8; 64 * 64 * 3];
        for i in 0..60i64 {
            let r = report(i * 33_333, if i % 2 == 0 { 0.45 } else { 0.04 });
            let frame = FrameRef::new(&px, 64, 64, crate::PixelFormat::Rgb8).unwrap().at_us(r.timestamp_us);
            let mut emits = Vec::new();
            let mut ctx = FrameCtx {
                t_us: r.timestamp_us,
                index: i as usize,
                report: &r,
                issue: None,
                frame: Some(&frame),
                best: &mut best,
                emits: &mut emits,
            };
            check.on_frame(&mut ctx);
        }
        assert_eq!(check.state.kept.len(), 3);
        for k in &check.state.kept {
            let odd = (k.t_us / 33_333) % 2 == 1;
            assert!(odd, "frame at {} us has the mouth open", k.t_us);
        }
    }
}
