//! The pulse (rPPG) cue: reported only, never used in decisions.

use serde::Serialize;

use super::CueVerdict;
use crate::frame::FrameRef;
use crate::track::FaceReport;

/// Result of the pulse (rPPG) cue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PulseCue {
    /// Seconds of signal used.
    pub seconds: f32,
    /// Strongest frequency in 0.7–3 Hz, beats per minute.
    pub bpm: f32,
    /// Power at the peak (±0.1 Hz) over the rest of the 0.7–3 Hz band.
    pub snr: f32,
    /// Live for a clear pulse peak; otherwise Unknown (a missing pulse is common on
    /// compressed video and is not evidence of an attack).
    pub verdict: CueVerdict,
}

/// Skin colour of one frame for the pulse cue: mean RGB of the cheeks and forehead.
pub(crate) fn skin_rgb(frame: &FrameRef, f: &FaceReport) -> Option<[f32; 3]> {
    if f.landmarks.len() < 468 {
        return None;
    }
    // Landmarks are in buffer pixels; sampling is in upright pixels.
    let to_up = frame.buffer_to_upright();
    let up = |i: usize| to_up.apply(f.landmarks[i][0], f.landmarks[i][1]);
    // Small squares on the forehead and both cheeks.
    let (a, b) = (up(33), up(263));
    let size = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let half = (size * 0.12).max(2.0);
    let (w, h) = frame.upright_size();
    let mut acc = [0.0f32; 3];
    let mut n = 0usize;
    let mut buf = Vec::new();
    for &i in &[151usize, 50, 280] {
        let (cx, cy) = up(i);
        let clampx = |v: f32| v.clamp(0.0, w as f32 - 1.0) as u32;
        let clampy = |v: f32| v.clamp(0.0, h as f32 - 1.0) as u32;
        let xs: Vec<u32> = (clampx(cx - half)..=clampx(cx + half)).step_by(2).collect();
        let ys: Vec<u32> = (clampy(cy - half)..=clampy(cy + half)).step_by(2).collect();
        frame.gather_rgb(&xs, &ys, &mut buf);
        for p in buf.chunks_exact(3) {
            acc[0] += p[0] as f32;
            acc[1] += p[1] as f32;
            acc[2] += p[2] as f32;
            n += 1;
        }
    }
    (n > 0).then(|| acc.map(|v| v / n as f32))
}

/// The pulse cue from per-frame skin colours (time µs, RGB), or `None` for less than
/// `min_seconds` of signal.
pub(crate) fn pulse_cue(samples: &[(i64, [f32; 3])], min_seconds: f32) -> Option<PulseCue> {
    if samples.len() < 16 {
        return None;
    }
    let t0 = samples[0].0;
    let secs = (samples[samples.len() - 1].0 - t0) as f32 / 1e6;
    if secs < min_seconds {
        return None;
    }
    // Chrominance signal (green relative to red, normalised), detrended by a 1 s moving mean.
    let x: Vec<(f32, f32)> = samples
        .iter()
        .map(|(t, c)| {
            let s = (c[0] + c[1] + c[2]).max(1.0);
            ((t - t0) as f32 / 1e6, (c[1] - c[0]) / s)
        })
        .collect();
    let det: Vec<(f32, f32)> = x
        .iter()
        .map(|&(t, v)| {
            let win: Vec<f32> = x.iter().filter(|(u, _)| (u - t).abs() <= 0.5).map(|p| p.1).collect();
            (t, v - win.iter().sum::<f32>() / win.len() as f32)
        })
        .collect();
    // Lomb-style power at each frequency (irregular timestamps allowed).
    let power = |f: f32| {
        let (mut c, mut s) = (0.0f32, 0.0f32);
        for &(t, v) in &det {
            let a = 2.0 * std::f32::consts::PI * f * t;
            c += v * a.cos();
            s += v * a.sin();
        }
        c * c + s * s
    };
    let freqs: Vec<f32> = (0..=230).map(|k| 0.7 + k as f32 * 0.01).collect();
    let p: Vec<f32> = freqs.iter().map(|&f| power(f)).collect();
    let (imax, pmax) = p.iter().enumerate().fold((0, 0.0f32), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
    let fpk = freqs[imax];
    let (mut inband, mut rest) = (0.0f32, 0.0f32);
    for (f, v) in freqs.iter().zip(&p) {
        if (f - fpk).abs() <= 0.1 {
            inband += v;
        } else {
            rest += v;
        }
    }
    let snr = if rest > 0.0 { inband / rest } else { 0.0 };
    let _ = pmax;
    Some(PulseCue {
        seconds: secs,
        bpm: fpk * 60.0,
        snr,
        verdict: if snr > 0.5 && secs >= 4.0 { CueVerdict::Live } else { CueVerdict::Unknown },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_finds_a_heartbeat() {
        let s: Vec<(i64, [f32; 3])> = (0..300)
            .map(|i| {
                let t = i as f32 / 30.0;
                let g = 120.0 + 0.8 * (2.0 * std::f32::consts::PI * 1.2 * t).sin();
                ((t * 1e6) as i64, [150.0, g, 100.0])
            })
            .collect();
        let p = pulse_cue(&s, 4.0).unwrap();
        assert!((p.bpm - 72.0).abs() < 2.0, "{p:?}");
        assert_eq!(p.verdict, CueVerdict::Live);
    }
}
