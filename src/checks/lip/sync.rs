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

/// The frames' times, their apertures with frames without a face filled from their
/// neighbours (linear in time), and the median frame interval (s). `None` with fewer
/// than 10 frames with a face.
fn filled(mouth: &[(i64, Option<f32>)]) -> Option<(Vec<i64>, Vec<f64>, f64)> {
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
    Some((ts, m, dt_s))
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
    let (ts, m, dt_s) = filled(mouth)?;
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

/// How well the voice's speech span lines up with the mouth's movement: the correlation,
/// over every frame, of the mouth's speed (smoothed over [`SPAN_SMOOTH_S`]) with the
/// voice model's speech probability (per 32 ms chunk, linear between chunk centres, 0
/// outside the audio) at audio offsets of -800..+800 ms. The probability rather than
/// speech / not speech: speech the model half hears (a voice under music) still counts
/// in part.
///
/// The syllable-level estimate ([`estimate`]) can lock onto the wrong period of a
/// rhythmic sentence (syllables every 250-350 ms): a voice shifted by 400 ms, or another
/// reading of the same length, finds a peak inside the offset window. The span has no
/// such period: where the voice starts, pauses and stops, the mouth starts, rests and
/// stops, so at the true offset this correlation is at or near its best.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpanAlignment {
    /// Correlation at the synchrony estimate's offset.
    pub at_sync_offset: f32,
    /// Best correlation over all offsets ...
    pub best: f32,
    /// ... and its offset (ms; positive: the voice later).
    pub best_offset_ms: i64,
}

/// Smoothing of the mouth's speed for [`span_alignment`] (s): about a syllable.
pub const SPAN_SMOOTH_S: f64 = 0.15;
/// Offsets [`span_alignment`] searches (ms).
const SPAN_MAX_OFFSET_MS: i64 = 800;

/// [`SpanAlignment`] of the mouth (as for [`estimate`]) with the voice chunks
/// (`(start µs, speech probability)`, each `chunk_us` long) at `sync_offset_ms`. `None`
/// with fewer than 10 frames with a face, no chunks, or no change in either signal.
pub(crate) fn span_alignment(
    mouth: &[(i64, Option<f32>)],
    chunks: &[(i64, f32)],
    chunk_us: i64,
    sync_offset_ms: i64,
) -> Option<SpanAlignment> {
    let (ts, m, dt_s) = filled(mouth)?;
    if chunks.is_empty() {
        return None;
    }
    // Speed by central differences (one-sided at the ends), per second.
    let n = ts.len();
    let speed: Vec<f64> = (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(1), (i + 1).min(n - 1));
            let dt = (ts[b] - ts[a]) as f64 / 1e6;
            if dt > 0.0 {
                (m[b] - m[a]).abs() / dt
            } else {
                0.0
            }
        })
        .collect();
    let k = ((SPAN_SMOOTH_S / dt_s).round() as usize).max(1) | 1;
    let speed = moving_mean(&speed, k);
    // Speech probability at a time (µs): linear between chunk centres, 0 outside the chunks.
    let centres: Vec<(i64, f64)> = chunks.iter().map(|(t, p)| (t + chunk_us / 2, f64::from(*p))).collect();
    let activity = |t: i64| -> f64 {
        let (first, last) = (centres[0], centres[centres.len() - 1]);
        if t < first.0 || t > last.0 {
            return 0.0;
        }
        match centres.binary_search_by_key(&t, |c| c.0) {
            Ok(i) => centres[i].1,
            Err(i) => {
                let (a, b) = (centres[i - 1], centres[i]);
                a.1 + (b.1 - a.1) * (t - a.0) as f64 / (b.0 - a.0).max(1) as f64
            }
        }
    };
    let curve: Vec<(i64, f64)> = (-SPAN_MAX_OFFSET_MS..=SPAN_MAX_OFFSET_MS)
        .step_by(OFFSET_STEP_MS as usize)
        .filter_map(|off| {
            let s: Vec<f64> = ts.iter().map(|t| activity(t + off * 1000)).collect();
            pearson(&speed, &s).map(|r| (off, r))
        })
        .collect();
    let &(best_offset_ms, best) = curve.iter().max_by(|x, y| x.1.total_cmp(&y.1))?;
    // The sync offset is on the same 20 ms grid; take the nearest point if it is not.
    let &(_, at) = curve.iter().min_by_key(|c| (c.0 - sync_offset_ms).abs())?;
    Some(SpanAlignment { at_sync_offset: at as f32, best: best as f32, best_offset_ms })
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

    /// Voice chunks (32 ms): speech probability 0.9 over the talk's syllables,
    /// `delay_ms` later, 0.05 elsewhere.
    fn speech(delay_ms: i64) -> Vec<(i64, f32)> {
        (0..156)
            .map(|k| {
                let t = k as i64 * 32_000;
                let s = (t + 16_000 - delay_ms * 1000) as f64 / 1e6;
                (t, if s > 0.2 && s < 3.55 { 0.9 } else { 0.05 })
            })
            .collect()
    }

    #[test]
    fn the_speech_span_lines_up_with_the_mouth_only_at_its_own_offset() {
        let (mouth, _) = talk(0);
        let a = span_alignment(&mouth, &speech(0), 32_000, 0).unwrap();
        assert!(a.best_offset_ms.abs() <= 60, "{a:?}");
        assert!(a.at_sync_offset > 0.5 && a.at_sync_offset >= 0.95 * a.best, "{a:?}");
        // The voice's span 500 ms late: it lines up at +500, and at 0 falls well short.
        let late = span_alignment(&mouth, &speech(500), 32_000, 0).unwrap();
        assert!((late.best_offset_ms - 500).abs() <= 60, "{late:?}");
        assert!(late.at_sync_offset < 0.8 * late.best, "{late:?}");
        // Asked at the right offset, it is the best again.
        let right = span_alignment(&mouth, &speech(500), 32_000, 500).unwrap();
        assert!(right.at_sync_offset >= 0.95 * right.best, "{right:?}");
        // No voice chunks, flat speech activity, or a still mouth: nothing to compare.
        assert!(span_alignment(&mouth, &[], 32_000, 0).is_none());
        let flat: Vec<(i64, f32)> = (0..320).map(|k| (k * 32_000 - 2_000_000, 0.05)).collect();
        assert!(span_alignment(&mouth, &flat, 32_000, 0).is_none());
        let still: Vec<(i64, Option<f32>)> = mouth.iter().map(|(t, _)| (*t, Some(0.1))).collect();
        assert!(span_alignment(&still, &speech(0), 32_000, 0).is_none());
    }

    #[test]
    fn a_still_mouth_gives_no_estimate() {
        let (_, audio) = talk(0);
        let mouth: Vec<(i64, Option<f32>)> = (0..150).map(|k| (k as i64 * 33_333, Some(0.01))).collect();
        assert!(estimate(&mouth, &[true; 150], &audio, 0).is_none());
    }
}
