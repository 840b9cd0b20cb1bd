//! Digit (LIP) liveness: the person reads a 4-digit code aloud. The cloud checks which
//! digits were said; on the device the question is whether *this face said something,
//! now*: a voice is present (a voice-activity model, not an energy gate) and loud enough,
//! it lasts as long as four digits take, the mouth is in view and moves while the voice
//! sounds, and the mouth's movement is in step with the voice (see [`sync`]).
//!
//! The check listens through [`crate::Session::push_audio`] (any rate; resampled to
//! 16 kHz) and watches the mouth's aperture on every frame. It decides once the voice has
//! been silent for a while after enough speech, or when the session ends.

pub mod sync;

use serde::Serialize;

use crate::audio::resample_mono;
use crate::audio::{VoiceDetector, VAD_CHUNK, VAD_RATE};
use crate::checks::{AudioChunk, Check, CheckKind, CheckReport, Ending, FrameCtx, Prompt, Reason, Status};
use crate::engine::Engine;
pub use sync::{SpanAlignment, SyncEstimate};

/// Length of one voice-model chunk (µs).
const CHUNK_US: i64 = VAD_CHUNK as i64 * 1_000_000 / VAD_RATE as i64;

/// Longest stretch of silence a gap between audio chunks' timestamps adds (s).
const MAX_GAP_S: usize = 5;

/// Decision limits of the digit mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LipThresholds {
    /// A chunk (32 ms) is speech at this voice-activity probability.
    pub voice_probability: f32,
    /// Least speech (ms): four digits are at least four syllables.
    pub min_speech_ms: i64,
    /// Least loudness of the speech (dBFS, RMS over the speech chunks).
    pub min_voice_dbfs: f32,
    /// From the first to the last speech chunk (ms): four digits take at least this ...
    pub min_span_ms: i64,
    /// ... and at most this (the API wants about 6 s of video).
    pub max_span_ms: i64,
    /// Most speech segments (runs of speech apart by >= 150 ms): four digits read one by
    /// one are four, run together one; more than this is not reading a code.
    pub max_segments: usize,
    /// Least share of the speech frames with the face (and so the mouth) in view.
    pub min_face_share: f32,
    /// Least spread of the mouth's aperture over the speech frames (90th less 10th
    /// percentile, inner-lip gap over mouth width): the lips must move while the voice
    /// sounds.
    pub min_mouth_range: f32,
    /// Most the mouth may move while the voice is silent, relative to while it speaks
    /// ([`LipReport::silence_motion`]): a reading mouth rests between and around the
    /// words; one that goes on talking where the voice is silent is not the one
    /// speaking (a voice shifted or dubbed over it).
    pub max_silence_motion: f32,
    /// Least lip-voice correlation at the best offset.
    pub min_sync: f32,
    /// Most the voice may come before the lips move (ms) ...
    pub max_voice_lead_ms: i64,
    /// ... and after (ms). The window is ITU-R BT.1359's acceptability threshold for
    /// sound against picture (sound early by at most 90 ms, late by at most 185 ms),
    /// taken from the standard, not fitted to our clips: a mouth opens before its sound
    /// starts, so the window leans toward a late voice.
    pub max_voice_lag_ms: i64,
    /// The voice's speech span must line up with the mouth's movement at the synchrony
    /// offset ([`SpanAlignment`]): correlation there at least this ...
    pub min_span_alignment: f32,
    /// ... and at least this share of its best over all offsets (the syllable rhythm's
    /// offset must be the span's too, not a period away from it).
    pub min_span_share_of_best: f32,
    /// The check decides once the voice has been silent this long after enough speech.
    pub end_silence_ms: i64,
}

impl Default for LipThresholds {
    fn default() -> Self {
        LipThresholds {
            voice_probability: 0.5,
            min_speech_ms: 500,
            min_voice_dbfs: -45.0,
            min_span_ms: 800,
            max_span_ms: 8_000,
            max_segments: 8,
            min_face_share: 0.8,
            min_mouth_range: 0.06,
            max_silence_motion: 0.5,
            min_sync: 0.3,
            max_voice_lead_ms: 90,
            max_voice_lag_ms: 185,
            min_span_alignment: 0.3,
            min_span_share_of_best: 0.85,
            end_silence_ms: 1_200,
        }
    }
}

/// What the digit check measured and decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LipReport {
    /// The code the person was asked to read (the request's `ValidateData`).
    pub code: String,
    /// Audio received (ms).
    pub audio_ms: i64,
    /// Speech (ms, chunks over the voice probability).
    pub speech_ms: i64,
    /// Speech segments.
    pub speech_segments: usize,
    /// First to last speech chunk (µs on the frames' clock).
    pub speech_span_us: Option<(i64, i64)>,
    /// Loudness of the speech (dBFS).
    pub voice_dbfs: Option<f32>,
    /// Share of the speech frames with a face.
    pub face_share: Option<f32>,
    /// Spread of the mouth's aperture over the speech frames.
    pub mouth_range: Option<f32>,
    /// The mouth's movement while the voice is silent over its movement while it speaks
    /// (mean aperture speed away from speech over the same near speech; `None`: too
    /// little of either).
    pub silence_motion: Option<f32>,
    /// Lip-voice synchrony.
    pub sync: Option<SyncEstimate>,
    /// The speech span against the mouth's movement (computed when `sync` is).
    pub span: Option<SpanAlignment>,
    /// Whether the check passed.
    pub passed: bool,
    /// Why not.
    pub reason: Option<Reason>,
}

/// Frames this far from any speech (µs) are silence for [`silence_motion`]: past the
/// mouth's opening ahead of a word and its closing after.
const SILENCE_MARGIN_US: i64 = 300_000;

/// Mean speed of the aperture (per second) over consecutive frames with a face that
/// are both far from speech, over the same near speech (`in_speech`).
fn silence_motion(frames: &[(i64, Option<f32>)], in_speech: &[bool], far: impl Fn(i64) -> bool) -> Option<f32> {
    let (mut quiet, mut talk) = ((0.0f64, 0usize), (0.0f64, 0usize));
    for (i, w) in frames.windows(2).enumerate() {
        let ((t0, Some(a)), (t1, Some(b))) = (w[0], w[1]) else { continue };
        if t1 <= t0 {
            continue;
        }
        let v = (b - a).abs() as f64 / ((t1 - t0) as f64 / 1e6);
        if in_speech.get(i).copied().unwrap_or(false) && in_speech.get(i + 1).copied().unwrap_or(false) {
            talk = (talk.0 + v, talk.1 + 1);
        } else if far(t0) && far(t1) {
            quiet = (quiet.0 + v, quiet.1 + 1);
        }
    }
    (quiet.1 >= 8 && talk.1 >= 8 && talk.0 > 0.0)
        .then(|| ((quiet.0 / quiet.1 as f64) / (talk.0 / talk.1 as f64)) as f32)
}

/// The digit check (see the module documentation).
#[derive(Debug)]
pub struct LipCheck {
    code: String,
    th: LipThresholds,
    vad: Option<VoiceDetector>,
    vad_error: bool,
    /// 16 kHz samples from `audio_t0`.
    audio: Vec<f32>,
    audio_t0: Option<i64>,
    /// Per frame: time and mouth aperture (`None`: no face).
    frames: Vec<(i64, Option<f32>)>,
    /// Speech chunks so far and the index of the last one, kept as the voice model
    /// answers so that each frame's end-of-reading test is O(1).
    speech_chunks: usize,
    last_speech: Option<usize>,
    report: Option<LipReport>,
}

impl LipCheck {
    /// A digit check for `code` (the voice model comes from `engine`; without one the
    /// check fails with [`Reason::EngineError`]).
    pub fn new(engine: Option<&Engine>, code: &str, th: LipThresholds) -> LipCheck {
        let vad = engine.and_then(|e| e.voice_detector().ok());
        LipCheck {
            code: code.to_string(),
            th,
            vad_error: vad.is_none(),
            vad,
            audio: Vec::new(),
            audio_t0: None,
            frames: Vec::new(),
            speech_chunks: 0,
            last_speech: None,
            report: None,
        }
    }

    /// Voice chunks: (start µs, speech probability).
    fn chunks(&self) -> Vec<(i64, f32)> {
        let (Some(vad), Some(t0)) = (&self.vad, self.audio_t0) else { return Vec::new() };
        vad.probabilities().iter().enumerate().map(|(k, p)| (t0 + k as i64 * CHUNK_US, *p)).collect()
    }

    fn decide(&mut self) -> Status {
        let r = analyse(
            &self.code,
            &self.th,
            &self.chunks(),
            &self.audio,
            self.audio_t0.unwrap_or(0),
            &self.frames,
            self.vad_error,
        );
        let status = match r.reason {
            None => Status::Passed,
            Some(reason) => Status::Failed(reason),
        };
        self.report = Some(r);
        status
    }
}

/// The decision from the voice chunks (start, speech probability), the audio and the
/// mouth per frame.
fn analyse(
    code: &str,
    th: &LipThresholds,
    chunks: &[(i64, f32)],
    audio: &[f32],
    audio_t0: i64,
    frames: &[(i64, Option<f32>)],
    vad_error: bool,
) -> LipReport {
    let chunk_us = CHUNK_US;
    let speech: Vec<i64> = chunks.iter().filter(|c| c.1 >= th.voice_probability).map(|c| c.0).collect();
    let mut r = LipReport {
        code: code.to_string(),
        audio_ms: audio.len() as i64 * 1000 / VAD_RATE as i64,
        speech_ms: speech.len() as i64 * chunk_us / 1000,
        speech_segments: 0,
        speech_span_us: speech.first().zip(speech.last()).map(|(a, b)| (*a, b + chunk_us)),
        voice_dbfs: None,
        face_share: None,
        mouth_range: None,
        silence_motion: None,
        sync: None,
        span: None,
        passed: false,
        reason: None,
    };
    // Segments: runs of speech apart by at least 150 ms.
    let gap_us = 150_000;
    r.speech_segments =
        speech.windows(2).filter(|w| w[1] - w[0] > chunk_us + gap_us).count() + usize::from(!speech.is_empty());
    // Loudness over the speech chunks.
    let (mut energy, mut n) = (0.0f64, 0usize);
    for t in &speech {
        let i0 = ((t - audio_t0) * VAD_RATE as i64 / 1_000_000).max(0) as usize;
        for v in audio.iter().skip(i0).take(VAD_CHUNK) {
            energy += (*v as f64).powi(2);
            n += 1;
        }
    }
    r.voice_dbfs = (n > 0).then(|| (10.0 * (energy / n as f64 + 1e-12).log10()) as f32);
    // Frames in speech: within 200 ms of a speech chunk (the mouth opens a little ahead).
    let near_speech = |t: i64, margin: i64| speech.iter().any(|s| t >= s - margin && t <= s + chunk_us + margin);
    let in_speech: Vec<bool> = frames.iter().map(|f| near_speech(f.0, 200_000)).collect();
    let voiced: Vec<Option<f32>> = frames.iter().zip(&in_speech).filter(|(_, s)| **s).map(|(f, _)| f.1).collect();
    if !voiced.is_empty() {
        r.face_share = Some(voiced.iter().filter(|m| m.is_some()).count() as f32 / voiced.len() as f32);
        let mut m: Vec<f32> = voiced.iter().flatten().copied().collect();
        if !m.is_empty() {
            m.sort_by(f32::total_cmp);
            let q = |p: f32| m[((m.len() - 1) as f32 * p).round() as usize];
            r.mouth_range = Some(q(0.9) - q(0.1));
        }
    }
    r.silence_motion = silence_motion(frames, &in_speech, |t| !near_speech(t, SILENCE_MARGIN_US));
    r.sync = sync::estimate(frames, &in_speech, audio, audio_t0);
    r.span = r.sync.and_then(|s| sync::span_alignment(frames, chunks, chunk_us, s.offset_ms));
    let span_ms = r.speech_span_us.map_or(0, |(a, b)| (b - a) / 1000);
    let reason = if vad_error {
        Some(Reason::EngineError)
    } else if r.speech_ms < th.min_speech_ms {
        Some(Reason::LipVoiceDetect)
    } else if r.voice_dbfs.is_none_or(|d| d < th.min_voice_dbfs) {
        Some(Reason::LipVoiceLow)
    } else if span_ms < th.min_span_ms || span_ms > th.max_span_ms || r.speech_segments > th.max_segments {
        Some(Reason::LipSizeError)
    } else if r.face_share.is_none_or(|s| s < th.min_face_share) {
        Some(Reason::LipFaceIncomplete)
    } else if r.mouth_range.is_none_or(|m| m < th.min_mouth_range) {
        Some(Reason::LipMoveSmall)
    } else {
        match r.sync {
            Some(s)
                if s.correlation >= th.min_sync
                    && (-th.max_voice_lead_ms..=th.max_voice_lag_ms).contains(&s.offset_ms) =>
            {
                // In step where the voice speaks: the mouth must also rest where it does
                // not, and the voice's span must line up with the mouth's at this offset.
                let restless = r.silence_motion.is_some_and(|m| m > th.max_silence_motion);
                // (Not judged without a span to compare: a voice model whose probability
                // never changes over the session.)
                let span_off = r.span.is_some_and(|a| {
                    a.at_sync_offset < th.min_span_alignment || a.at_sync_offset < th.min_span_share_of_best * a.best
                });
                (restless || span_off).then_some(Reason::LipOutOfSync)
            }
            Some(s) if s.correlation >= th.min_sync => Some(Reason::LipOutOfSync),
            _ => Some(Reason::LipVoiceNotFromFace),
        }
    };
    r.passed = reason.is_none();
    r.reason = reason;
    r
}

impl Check for LipCheck {
    fn kind(&self) -> CheckKind {
        CheckKind::Lip
    }

    fn start(&mut self, _t_us: i64, ctx: &mut FrameCtx) {
        ctx.prompt(Prompt::ReadDigits);
    }

    fn frontal_needed(&self) -> bool {
        true
    }

    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status {
        let face = ctx.report.face.as_ref();
        if let (None, Some(f)) = (ctx.issue, face) {
            ctx.offer_best(f);
        }
        self.frames.push((ctx.t_us, face.map(|f| f.mouth_openness)));
        // Decide once enough speech has been followed by silence (and frames past it).
        if let (Some(last), Some(t0)) = (self.last_speech, self.audio_t0) {
            let heard = self.vad.as_ref().map_or(0, |v| v.probabilities().len());
            let quiet_since = t0 + (last as i64 + 1) * CHUNK_US;
            let silence = heard.saturating_sub(last + 1) as i64 * CHUNK_US;
            let speech = self.speech_chunks as i64 * CHUNK_US / 1000;
            if speech >= self.th.min_speech_ms && silence >= self.th.end_silence_ms * 1000 && ctx.t_us >= quiet_since {
                return self.decide();
            }
        }
        Status::Running
    }

    fn on_audio(&mut self, chunk: &AudioChunk) {
        if chunk.sample_rate == 0 || chunk.samples.is_empty() {
            return;
        }
        let t0 = *self.audio_t0.get_or_insert(chunk.t_us);
        // Place the chunk on the timeline: silence for a gap (at most MAX_GAP_S: a wild
        // timestamp must not allocate without bound), overlap dropped.
        let at =
            ((chunk.t_us - t0) as f64 * VAD_RATE as f64 / 1e6).round().clamp(0.0, usize::MAX as f64 / 2.0) as usize;
        let resampled;
        let raw = if chunk.sample_rate == VAD_RATE {
            chunk.samples
        } else {
            resampled = resample_mono(chunk.samples, chunk.sample_rate, VAD_RATE);
            &resampled
        };
        // Non-finite samples are silence; the rest is clipped to -1..1.
        let samples: Vec<f32> = raw.iter().map(|v| if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 }).collect();
        let have = self.audio.len();
        let gap = at.saturating_sub(have).min(MAX_GAP_S * VAD_RATE as usize);
        if gap > 0 {
            let pad = vec![0.0; gap];
            self.push_vad(&pad);
            self.audio.extend_from_slice(&pad);
        }
        let skip = if at >= have { 0 } else { (have - at).min(samples.len()) };
        if skip < samples.len() {
            let new = &samples[skip..];
            self.push_vad(new);
            self.audio.extend_from_slice(new);
        }
    }

    fn finish(&mut self, _end: &Ending) -> Status {
        self.decide()
    }

    fn report(&self) -> CheckReport {
        CheckReport::Lip(self.report.clone())
    }

    fn evidence_span(&self) -> (Option<i64>, Option<i64>) {
        // The whole reading with half a second either side: the video keeps the voice.
        match self.report.as_ref().and_then(|r| r.speech_span_us) {
            Some((a, b)) => (Some(a - 500_000), Some(b + 500_000)),
            None => (None, None),
        }
    }
}

impl LipCheck {
    fn push_vad(&mut self, samples: &[f32]) {
        let Some(vad) = self.vad.as_mut() else { return };
        let before = vad.probabilities().len();
        match vad.push(samples) {
            Ok(new) => {
                for (k, p) in new.iter().enumerate() {
                    if *p >= self.th.voice_probability {
                        self.speech_chunks += 1;
                        self.last_speech = Some(before + k);
                    }
                }
            }
            Err(_) => self.vad_error = true,
        }
    }
}

#[cfg(test)]
mod tests;
