//! Lip-voice synchrony from signals we already have: the mouth's inner-lip aperture per
//! video frame against the speech's loudness envelope, both with their slow trend taken
//! off (what is left is the syllable rhythm: the mouth opens on each vowel, when the
//! voice is loudest), cross-correlated over audio offsets of -400..+400 ms. Like
//! SyncNet's "offset / confidence", but from a 468-point mesh and the RMS envelope of
//! the second formant's band instead of learned embeddings.

use serde::Serialize;

/// The synchrony estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SyncEstimate {
    /// Audio offset with the best correlation (ms; positive: the voice comes later than
    /// the lips that make it).
    pub offset_ms: i64,
    /// Correlation at that offset.
    pub correlation: f32,
    /// Best correlation less the median over all offsets: how much the best offset
    /// stands out.
    pub confidence: f32,
    /// Video frames the correlation used (in and around speech).
    pub frames: usize,
}

/// Envelope rate (Hz) and the window of its RMS.
const ENV_HOP: usize = 160; // 10 ms at 16 kHz
const ENV_SMOOTH: usize = 6; // 60 ms
/// Slow trend removed from both signals (s).
const DETREND_S: f64 = 0.3;
/// Offsets searched (ms) and their step.
pub const MAX_OFFSET_MS: i64 = 400;
const OFFSET_STEP_MS: i64 = 20;

/// The band whose loudness follows the mouth's opening best (Hz): the second formant's
/// region, where Grant & Seitz (2000, JASA 108(3)) found the lip area's correlation with
/// the acoustic envelope highest, above the wide band's and the first formant's. The
/// wide band's loudness is dominated by voicing, which goes on while the lips close.
const F2_BAND_HZ: (f64, f64) = (800.0, 2200.0);

/// The speech envelope: log RMS of the second formant's band ([`F2_BAND_HZ`]) per 10 ms
/// (smoothed over 60 ms), floored at a tenth of the band's RMS over the clip so that
/// silence's noise floor does not dominate.
pub(crate) fn envelope(samples: &[f32]) -> Vec<f64> {
    let samples = &band_pass(samples, F2_BAND_HZ.0, F2_BAND_HZ.1);
    let n = samples.len() / ENV_HOP;
    let total = (samples.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / samples.len().max(1) as f64).sqrt();
    let rms: Vec<f64> = (0..n)
        .map(|i| {
            let w = &samples[i * ENV_HOP..(i + 1) * ENV_HOP];
            (w.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / ENV_HOP as f64).sqrt()
        })
        .collect();
    let smooth = moving_mean(&rms, ENV_SMOOTH);
    smooth.iter().map(|r| (r + 0.1 * total + 1e-9).ln()).collect()
}

/// Band-pass at 16 kHz: two cascaded second-order sections (RBJ's band-pass, 0 dB at
/// the band's geometric centre, bandwidth `hi - lo`), run forward once.
fn band_pass(x: &[f32], lo: f64, hi: f64) -> Vec<f32> {
    let f0 = (lo * hi).sqrt();
    let w0 = std::f64::consts::TAU * f0 / 16_000.0;
    let alpha = w0.sin() / (2.0 * f0 / (hi - lo));
    let a0 = 1.0 + alpha;
    let (b0, b2, a1, a2) = (alpha / a0, -alpha / a0, -2.0 * w0.cos() / a0, (1.0 - alpha) / a0);
    let mut y: Vec<f64> = x.iter().map(|v| *v as f64).collect();
    for _ in 0..2 {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in &mut y {
            let out = b0 * *v + b2 * x2 - a1 * y1 - a2 * y2;
            // Digital silence would ring down into subnormals, each ~100x slower.
            let out = if out.abs() < 1e-30 { 0.0 } else { out };
            (x2, x1, y2, y1) = (x1, *v, y1, out);
            *v = out;
        }
    }
    y.into_iter().map(|v| v as f32).collect()
}

/// Centred moving mean over `k` values (shorter at the ends).
fn moving_mean(x: &[f64], k: usize) -> Vec<f64> {
    let half = k / 2;
    (0..x.len())
        .map(|i| {
            let (a, b) = (i.saturating_sub(half), (i + half + 1).min(x.len()));
            x[a..b].iter().sum::<f64>() / (b - a) as f64
        })
        .collect()
}

fn detrend(x: &[f64], dt_s: f64) -> Vec<f64> {
    let k = ((DETREND_S / dt_s).round() as usize).max(1) | 1;
    let m = moving_mean(x, k);
    x.iter().zip(m).map(|(a, b)| a - b).collect()
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    if a.len() < 10 {
        return None;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    (saa > 1e-12 && sbb > 1e-12).then(|| sab / (saa * sbb).sqrt())
}

/// Synchrony of the mouth (`(t_us, aperture)` per frame, `None` without a face) with the
/// audio (16 kHz from `audio_t0_us`), over the frames `in_speech` marks.
/// `None` with fewer than 10 usable frames or a flat signal.
pub(crate) fn estimate(
    mouth: &[(i64, Option<f32>)],
    in_speech: &[bool],
    audio: &[f32],
    audio_t0_us: i64,
) -> Option<SyncEstimate> {
    if mouth.len() < 10 || audio.len() < 10 * ENV_HOP {
        return None;
    }
    // Fill frames without a face from their neighbours.
    let known: Vec<(i64, f64)> = mouth.iter().filter_map(|(t, m)| m.map(|m| (*t, m as f64))).collect();
    if known.len() < 10 {
        return None;
    }
    let value_at = |t: i64| -> f64 {
        match known.binary_search_by_key(&t, |k| k.0) {
            Ok(i) => known[i].1,
            Err(0) => known[0].1,
            Err(i) if i >= known.len() => known[known.len() - 1].1,
            Err(i) => {
                let (a, b) = (known[i - 1], known[i]);
                a.1 + (b.1 - a.1) * (t - a.0) as f64 / (b.0 - a.0).max(1) as f64
            }
        }
    };
    let ts: Vec<i64> = mouth.iter().map(|m| m.0).collect();
    let m: Vec<f64> = ts.iter().map(|t| value_at(*t)).collect();
    let mut dts: Vec<i64> = ts.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0).collect();
    dts.sort_unstable();
    let dt_s = dts.get(dts.len() / 2).copied().unwrap_or(33_333) as f64 / 1e6;
    let md = detrend(&m, dt_s);
    let env = detrend(&envelope(audio), ENV_HOP as f64 / 16_000.0);
    // Envelope value at a time (µs), linear between its 10 ms points.
    let env_at = |t: i64| -> Option<f64> {
        let x = (t - audio_t0_us) as f64 / 1e6 * 100.0 - 0.5;
        if x < 0.0 || x > (env.len() - 1) as f64 {
            return None;
        }
        let i = x.floor() as usize;
        let f = x - i as f64;
        Some(env[i] * (1.0 - f) + env.get(i + 1).copied().unwrap_or(env[i]) * f)
    };
    // The same frames at every offset: in speech, with audio around them for all offsets.
    let span = MAX_OFFSET_MS * 1000;
    let used: Vec<usize> = (0..ts.len())
        .filter(|&i| in_speech.get(i).copied().unwrap_or(false))
        .filter(|&i| env_at(ts[i] - span).is_some() && env_at(ts[i] + span).is_some())
        .collect();
    let a: Vec<f64> = used.iter().map(|&i| md[i]).collect();
    let mut curve = Vec::new();
    let mut off = -MAX_OFFSET_MS;
    while off <= MAX_OFFSET_MS {
        let b: Vec<f64> = used.iter().map(|&i| env_at(ts[i] + off * 1000).unwrap_or(0.0)).collect();
        if let Some(r) = pearson(&a, &b) {
            curve.push((off, r));
        }
        off += OFFSET_STEP_MS;
    }
    let &(offset_ms, best) = curve.iter().max_by(|x, y| x.1.total_cmp(&y.1))?;
    let mut rs: Vec<f64> = curve.iter().map(|c| c.1).collect();
    rs.sort_by(f64::total_cmp);
    let median = rs[rs.len() / 2];
    Some(SyncEstimate { offset_ms, correlation: best as f32, confidence: (best - median) as f32, frames: used.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mouth opening on syllables at irregular times, and a voice loud on the same
    /// syllables `delay_ms` later.
    fn talk(delay_ms: i64) -> (Vec<(i64, Option<f32>)>, Vec<f32>) {
        let syllables = [0.30, 0.62, 0.85, 1.30, 1.52, 1.95, 2.20, 2.71, 2.95, 3.40];
        let bump = |t: f64, c: f64| (-((t - c) / 0.06).powi(2)).exp();
        let mouth = (0..150)
            .map(|k| {
                let t = k as f64 / 30.0;
                (k as i64 * 33_333, Some(syllables.iter().map(|c| bump(t, *c)).sum::<f64>() as f32 * 0.3))
            })
            .collect();
        let audio = (0..16_000 * 5)
            .map(|i| {
                let t = i as f64 / 16_000.0 - delay_ms as f64 / 1e3;
                let loud: f64 = syllables.iter().map(|c| bump(t, *c)).sum();
                (0.3 * loud * (std::f64::consts::TAU * 180.0 * t).sin()) as f32
            })
            .collect();
        (mouth, audio)
    }

    #[test]
    fn finds_the_offset_of_a_delayed_voice() {
        for delay in [0, 120, -200] {
            let (mouth, audio) = talk(delay);
            let speech = vec![true; mouth.len()];
            let s = estimate(&mouth, &speech, &audio, 0).unwrap();
            assert!((s.offset_ms - delay).abs() <= 40, "{delay}: {s:?}");
            assert!(s.correlation > 0.7 && s.confidence > 0.5, "{s:?}");
        }
    }

    #[test]
    fn the_envelope_hears_the_second_formant_band_only() {
        let tone = |hz: f64| -> Vec<f32> {
            (0..16_000).map(|i| (0.3 * (std::f64::consts::TAU * hz * i as f64 / 16_000.0).sin()) as f32).collect()
        };
        let rms = |x: &[f32]| (x[4000..].iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / 12_000.0).sqrt();
        let (low, mid, high) = (tone(150.0), tone(1300.0), tone(5000.0));
        let pass = |x: &[f32]| rms(&band_pass(x, F2_BAND_HZ.0, F2_BAND_HZ.1)) / rms(x);
        assert!(pass(&mid) > 0.9, "{}", pass(&mid));
        assert!(pass(&low) < 0.05 && pass(&high) < 0.1, "{} {}", pass(&low), pass(&high));
    }

    #[test]
    fn a_still_mouth_gives_no_estimate() {
        let (_, audio) = talk(0);
        let mouth: Vec<(i64, Option<f32>)> = (0..150).map(|k| (k as i64 * 33_333, Some(0.01))).collect();
        assert!(estimate(&mouth, &[true; 150], &audio, 0).is_none());
    }
}
