//! The light check: announces each colour, collects the frames, decides.

use serde::Serialize;

use super::challenge::LightChallenge;
use super::decode::{display_times, fit_signal, sample, Fit, Sample};
use crate::checks::{Check, CheckKind, CheckReport, DisplayAck, Ending, EventKind, FrameCtx, Prompt, Reason, Status};

/// Decision limits of the light check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LightThresholds {
    /// Longest display + camera lag searched without acknowledgements (ms); with them,
    /// the camera's alone, `max_lag_ms / 2`.
    pub max_lag_ms: i64,
    /// Fewest frames while the colours are shown.
    pub min_frames: usize,
    /// Smallest share of the steps that must have a frame in their middle.
    pub min_steps_seen: f32,
    /// Smallest correlation of the face's colour with the schedule.
    pub min_correlation: f32,
    /// Smallest response to a white screen (grey levels, mean of the channels): below it
    /// the light is too weak to judge the relief, and the check fails rather than guess.
    pub min_response: f32,
    /// Smallest share of the steps decoded as the challenge's colour.
    pub min_decoded: f32,
    /// Largest background response as a share of the face's.
    pub max_background_share: f32,
    /// Smallest measured / predicted relief (cheeks against forehead and nose).
    pub min_relief: f32,
    /// Relief is judged only when the mesh predicts at least this much.
    pub min_predicted_relief: f32,
}

impl Default for LightThresholds {
    fn default() -> Self {
        LightThresholds {
            max_lag_ms: 600,
            min_frames: 8,
            min_steps_seen: 0.6,
            min_correlation: 0.5,
            min_response: 2.5,
            min_decoded: 0.75,
            max_background_share: 0.5,
            min_relief: 0.4,
            min_predicted_relief: 0.04,
        }
    }
}

/// The relief component: how much less the cheeks respond than the face's midline
/// (forehead, nose, chin), per unit of ambient brightness, pooled over 30 and 19 mesh
/// points, against what the mesh's surface normals there predict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Relief {
    /// Measured: 1 - cheeks / midline.
    pub measured: f32,
    /// Predicted from the normals (Lambert, light along the camera axis).
    pub predicted: f32,
    /// measured / predicted (`None` when the prediction or the midline's response is too
    /// small to judge; the check then fails).
    pub ratio: Option<f32>,
}

/// What the light check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LightReport {
    /// The challenge's nonce (hex).
    pub nonce_hex: String,
    /// Colours in the schedule (lead-in included).
    pub steps: usize,
    /// Frames with a face while the schedule ran.
    pub frames: usize,
    /// Steps with a frame in their middle.
    pub steps_seen: usize,
    /// Whether the app acknowledged the display times.
    pub acknowledged: bool,
    /// Display + camera lag that best explains the frames (ms).
    pub lag_ms: Option<i64>,
    /// Half the difference of the lags fitted on each half of the schedule (ms).
    pub lag_jitter_ms: Option<i64>,
    /// Fit of the face's mean colour.
    pub face: Option<Fit>,
    /// Fit of the background (`None` when none was in view).
    pub background: Option<Fit>,
    /// Background response / face response (mean of the channels).
    pub background_share: Option<f32>,
    /// Response of each region per unit of its ambient brightness, regions in
    /// [`super::decode::REGION_NAMES`] order.
    pub region_response: Option<[f32; 5]>,
    /// Relief against the mesh's prediction.
    pub relief: Option<Relief>,
    /// Each step's decoded display colour (`None`: no frame in its middle).
    pub decoded: Vec<Option<[u8; 3]>>,
    /// Share of the seen steps decoded as the challenge's colour.
    pub decoded_share: Option<f32>,
    /// Whether the check passed.
    pub passed: bool,
    /// Why not.
    pub reason: Option<Reason>,
}

/// The light check (see [`super`]).
#[derive(Debug)]
pub struct LightCheck {
    challenge: LightChallenge,
    th: LightThresholds,
    t0: Option<i64>,
    announced: usize,
    acks: Vec<(usize, i64, i64)>,
    samples: Vec<Sample>,
    /// The mesh neighbours of the sampled points, found on the first face.
    rings: Option<Vec<Vec<usize>>>,
    report: Option<LightReport>,
}

impl LightCheck {
    /// A check of `challenge` with these limits.
    pub fn new(challenge: LightChallenge, th: LightThresholds) -> LightCheck {
        LightCheck {
            challenge,
            th,
            t0: None,
            announced: 0,
            acks: Vec::new(),
            samples: Vec::new(),
            rings: None,
            report: None,
        }
    }

    /// When the schedule started (µs), once the check has started.
    pub fn schedule_start_us(&self) -> Option<i64> {
        self.t0
    }

    fn end_us(&self) -> Option<i64> {
        self.t0.map(|t0| t0 + self.challenge.total_ms() as i64 * 1000 + self.th.max_lag_ms * 1000)
    }

    fn decide(&mut self) -> Status {
        let r = analyse(&self.challenge, &self.samples, self.t0.unwrap_or(0), &self.acks, &self.th);
        let status = match r.reason {
            None => Status::Passed,
            Some(reason) => Status::Failed(reason),
        };
        self.report = Some(r);
        status
    }
}

impl Check for LightCheck {
    fn kind(&self) -> CheckKind {
        CheckKind::Light
    }

    fn start(&mut self, t_us: i64, ctx: &mut FrameCtx) {
        self.t0 = Some(t_us);
        ctx.prompt(Prompt::LookAtScreen);
    }

    fn frontal_needed(&self) -> bool {
        true
    }

    fn on_frame(&mut self, ctx: &mut FrameCtx) -> Status {
        let Some(t0) = self.t0 else { return Status::Running };
        // Announce every colour whose planned start has come.
        while let Some(s) = self.challenge.steps.get(self.announced) {
            if t0 + s.start_ms as i64 * 1000 > ctx.t_us {
                break;
            }
            ctx.event(EventKind::LightColor { index: s.index, rgb: s.rgb, duration_ms: s.duration_ms });
            self.announced += 1;
        }
        if let (None, Some(face)) = (ctx.issue, ctx.report.face.as_ref()) {
            ctx.offer_best(face);
        }
        if let (Some(frame), Some(face)) = (ctx.frame, ctx.report.face.as_ref()) {
            if let Some(s) = sample(frame, face, ctx.t_us, &mut self.rings) {
                self.samples.push(s);
            }
        }
        if self.end_us().is_some_and(|e| ctx.t_us >= e) {
            return self.decide();
        }
        Status::Running
    }

    fn on_ack(&mut self, ack: &DisplayAck) {
        if ack.index < self.challenge.steps.len() && ack.to_us > ack.from_us {
            self.acks.push((ack.index, ack.from_us, ack.to_us));
        }
    }

    fn finish(&mut self, _end: &Ending) -> Status {
        if let Some(r) = &self.report {
            return match r.reason {
                None => Status::Passed,
                Some(reason) => Status::Failed(reason),
            };
        }
        self.decide()
    }

    fn report(&self) -> CheckReport {
        CheckReport::Light(self.report.clone())
    }

    fn evidence_span(&self) -> (Option<i64>, Option<i64>) {
        (self.t0, self.end_us())
    }
}

/// The whole decision from the collected samples.
pub(crate) fn analyse(
    ch: &LightChallenge,
    samples: &[Sample],
    t0: i64,
    acks: &[(usize, i64, i64)],
    th: &LightThresholds,
) -> LightReport {
    let times = display_times(ch, t0, acks);
    let (start, end) = (times.first().map_or(t0, |t| t.0), times.last().map_or(t0, |t| t.1));
    let max_lag = if acks.is_empty() { th.max_lag_ms } else { th.max_lag_ms / 2 } * 1000;
    let inside: Vec<&Sample> = samples.iter().filter(|s| s.t_us >= start && s.t_us < end + max_lag).collect();
    let mut r = LightReport {
        nonce_hex: ch.nonce_hex.clone(),
        steps: ch.steps.len(),
        frames: inside.len(),
        steps_seen: 0,
        acknowledged: !acks.is_empty(),
        lag_ms: None,
        lag_jitter_ms: None,
        face: None,
        background: None,
        background_share: None,
        region_response: None,
        relief: None,
        decoded: vec![None; ch.steps.len()],
        decoded_share: None,
        passed: false,
        reason: None,
    };
    let fail = |mut r: LightReport, reason: Reason| {
        r.reason = Some(reason);
        r
    };
    if inside.len() < th.min_frames {
        return fail(r, Reason::LightTooShort);
    }
    let ts: Vec<i64> = inside.iter().map(|s| s.t_us).collect();
    let mut dts: Vec<i64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
    dts.sort_unstable();
    let exposure = dts.get(dts.len() / 2).copied().unwrap_or(33_000) / 2;
    let face_rgb: Vec<[f32; 3]> =
        inside.iter().map(|s| [0, 1, 2].map(|c| s.regions.iter().map(|r| r[c]).sum::<f32>() / 5.0)).collect();
    // The lag: the best correlation over the search range, 10 ms apart.
    let best_lag = |from: usize, to: usize| {
        (0..=max_lag / 10_000)
            .map(|k| k * 10_000)
            .filter_map(|lag| {
                fit_signal(ch, &times, &ts[from..to], &face_rgb[from..to], lag, exposure).map(|f| (lag, f))
            })
            .max_by(|a, b| a.1.fit.correlation.total_cmp(&b.1.fit.correlation))
    };
    let Some((lag, face_fit)) = best_lag(0, ts.len()) else { return fail(r, Reason::LightTooShort) };
    let fit = face_fit.fit;
    r.lag_ms = Some(lag / 1000);
    r.face = Some(fit);
    let half = ts.len() / 2;
    if let (Some(a), Some(b)) = (best_lag(0, half), best_lag(half, ts.len())) {
        r.lag_jitter_ms = Some((a.0 - b.0).abs() / 2000);
    }
    // Decode every step from the frames in its middle (display time), ambient removed.
    let palette: Vec<[u8; 3]> = {
        let mut p: Vec<[u8; 3]> = ch.steps.iter().map(|s| s.rgb).collect();
        p.sort_unstable();
        p.dedup();
        p
    };
    let (mut seen, mut right) = (0usize, 0usize);
    for (i, (a, b)) in times.iter().enumerate() {
        let len = b - a;
        let (lo, hi) = (a + len / 4 + lag, b - len / 10 + lag);
        let mut acc = [0.0f64; 3];
        let mut n = 0;
        for (t, y) in &face_fit.clean {
            if *t >= lo && *t < hi {
                for c in 0..3 {
                    acc[c] += y[c];
                }
                n += 1;
            }
        }
        if n == 0 {
            continue;
        }
        seen += 1;
        let est = [0, 1, 2].map(|c| if fit.gain[c] > 1e-3 { acc[c] / n as f64 / fit.gain[c] as f64 } else { 0.5 });
        let nearest = palette
            .iter()
            .min_by(|p, q| {
                let d = |p: &[u8; 3]| (0..3).map(|c| (p[c] as f64 / 255.0 - est[c]).powi(2)).sum::<f64>();
                d(p).total_cmp(&d(q))
            })
            .copied();
        r.decoded[i] = nearest;
        if nearest == Some(ch.steps[i].rgb) {
            right += 1;
        }
    }
    r.steps_seen = seen;
    r.decoded_share = (seen > 0).then(|| right as f32 / seen as f32);
    // Background at the same lag.
    let with_bg: Vec<(i64, [f32; 3])> = inside.iter().filter_map(|s| s.background.map(|b| (s.t_us, b))).collect();
    if with_bg.len() >= th.min_frames {
        let bts: Vec<i64> = with_bg.iter().map(|b| b.0).collect();
        let brgb: Vec<[f32; 3]> = with_bg.iter().map(|b| b.1).collect();
        r.background = fit_signal(ch, &times, &bts, &brgb, lag, exposure).map(|f| f.fit);
    }
    let mean = |g: [f32; 3]| (g[0] + g[1] + g[2]) / 3.0;
    let face_gain = mean(fit.gain);
    if let Some(bg) = r.background {
        r.background_share = Some(mean(bg.gain) / face_gain.max(1e-3));
    }
    // Relief: each region's response per unit of its ambient brightness.
    let mut rel = [0.0f32; 5];
    for (k, out) in rel.iter_mut().enumerate() {
        let rgb: Vec<[f32; 3]> = inside.iter().map(|s| s.regions[k]).collect();
        let level = rgb.iter().map(|p| mean(*p)).sum::<f32>() / rgb.len() as f32;
        let g = fit_signal(ch, &times, &ts, &rgb, lag, exposure).map_or(0.0, |f| mean(f.fit.gain));
        *out = g / level.max(1.0);
    }
    r.region_response = Some(rel);
    // Relief from the pooled midline and cheek points: per unit of ambient brightness, how
    // much less the cheeks respond, against what their normals predict.
    let mut grel = [0.0f32; 2];
    let mut gpred = [0.0f32; 2];
    let mut ggain = [0.0f32; 2];
    for g in 0..2 {
        let rgb: Vec<[f32; 3]> = inside.iter().map(|s| s.groups[g]).collect();
        let level = rgb.iter().map(|p| mean(*p)).sum::<f32>() / rgb.len() as f32;
        ggain[g] = fit_signal(ch, &times, &ts, &rgb, lag, exposure).map_or(0.0, |f| mean(f.fit.gain));
        grel[g] = ggain[g] / level.max(1.0);
        gpred[g] = inside.iter().map(|s| s.group_shading[g]).sum::<f32>() / inside.len() as f32;
    }
    let measured = 1.0 - grel[1] / grel[0].max(1e-6);
    let predicted = 1.0 - gpred[1] / gpred[0].max(1e-6);
    // Judged only where the mesh predicts relief and the midline responds clearly.
    let ratio = (predicted >= th.min_predicted_relief && ggain[0] >= th.min_response).then(|| measured / predicted);
    r.relief = Some(Relief { measured, predicted, ratio });
    // Decide, in order.
    let reason = if (seen as f32) < th.min_steps_seen * ch.steps.len() as f32 {
        Some(Reason::LightTooShort)
    } else if fit.correlation < th.min_correlation || face_gain < th.min_response {
        Some(Reason::LightNoResponse)
    } else if r.decoded_share.unwrap_or(0.0) < th.min_decoded {
        Some(Reason::LightWrongSequence)
    } else if r.background_share.is_some_and(|s| s > th.max_background_share) {
        Some(Reason::LightWholeFrame)
    } else if ratio.is_none_or(|q| q < th.min_relief) {
        // Relief not confirmed (too flat, or too weak or unpredicted to judge): a flat
        // picture must not pass because its relief could not be measured.
        Some(Reason::LightFlatSurface)
    } else {
        None
    };
    r.passed = reason.is_none();
    r.reason = reason;
    r
}
