//! Reading the screen's light back from the frames: per-frame colour of five face
//! regions and of the background, and the fit of those signals to the schedule.
//!
//! The model, per colour channel c and region r: `y(t) = a + b t + g d_c(t - lag)`, where
//! `d_c` is the displayed channel (0..1) at the time the camera saw it, `a + b t` the
//! ambient light with its slow drift (auto-exposure, white balance, a cloud), and `g` the
//! response in grey levels to a full-white screen. The lag (camera + display latency) is
//! the one that best explains the frames; with the app's acknowledgements the display
//! times are the real ones, otherwise the planned ones.

use serde::Serialize;

use super::challenge::LightChallenge;
use crate::frame::FrameRef;
use crate::track::FaceReport;

/// Mesh points at the centres of the face regions: forehead, the subject's right cheek,
/// left cheek, nose, chin.
pub(crate) const REGIONS: [usize; 5] = [151, 50, 280, 5, 199];
/// Region names, in [`REGIONS`] order.
pub const REGION_NAMES: [&str; 5] = ["forehead", "right_cheek", "left_cheek", "nose", "chin"];

/// Mesh points along the face's midline on smooth skin (forehead, between the brows, the
/// chin; not the nose, whose normals change within a few pixels): they face the screen.
const CENTRE: [usize; 10] = [10, 151, 9, 8, 168, 6, 18, 200, 199, 175];
/// Mesh points on both cheeks, out towards the sides: they turn away from it.
const SIDES: [usize; 30] = [
    50, 101, 36, 205, 187, 123, 116, 117, 118, 119, 100, 147, 207, 216, 192, 280, 330, 266, 425, 411, 352, 345, 346,
    347, 348, 329, 376, 427, 436, 416,
];

/// One frame's colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample {
    pub t_us: i64,
    /// Mean RGB of each face region.
    pub regions: [[f32; 3]; 5],
    /// Mean RGB beside the face, `None` when no background is in view.
    pub background: Option<[f32; 3]>,
    /// Mean RGB of small patches at the midline points and at the cheek points.
    pub groups: [[f32; 3]; 2],
    /// Their predicted response (mean cosine of the points' normals).
    pub group_shading: [f32; 2],
}

/// The outward surface normal at mesh point `c` (unit, z negative toward the camera),
/// from its eight nearest mesh neighbours taken in order around it.
pub(crate) fn normal_at(lm: &[[f32; 3]], c: usize) -> [f32; 3] {
    normal_from_ring(lm, c, &ring_of(lm, c))
}

/// The eight mesh points nearest to `c` in the image, in order around it: the mesh's
/// topology does not change, so a check finds them once and reuses them.
pub(crate) fn ring_of(lm: &[[f32; 3]], c: usize) -> Vec<usize> {
    let p = lm[c];
    let mut near: Vec<(f32, usize)> = lm
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != c)
        .map(|(i, q)| ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2), i))
        .collect();
    let k = 8.min(near.len());
    near.select_nth_unstable_by(k.saturating_sub(1), |a, b| a.0.total_cmp(&b.0));
    let mut ring: Vec<usize> = near[..k].iter().map(|(_, i)| *i).collect();
    let angle = |i: &usize| {
        let d = sub(lm[*i], p);
        d[1].atan2(d[0])
    };
    ring.sort_by(|a, b| angle(a).total_cmp(&angle(b)));
    ring
}

/// The normal at `c` from its ring (sum of the cross products of consecutive spokes).
pub(crate) fn normal_from_ring(lm: &[[f32; 3]], c: usize, ring: &[usize]) -> [f32; 3] {
    let p = lm[c];
    let spokes: Vec<[f32; 3]> = ring.iter().map(|i| sub(lm[*i], p)).collect();
    let mut n = [0.0f32; 3];
    for i in 0..spokes.len() {
        let c = cross(spokes[i], spokes[(i + 1) % spokes.len()]);
        n = [n[0] + c[0], n[1] + c[1], n[2] + c[2]];
    }
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    if len < 1e-9 {
        return [0.0, 0.0, -1.0];
    }
    let s = if n[2] > 0.0 { -1.0 / len } else { 1.0 / len };
    [n[0] * s, n[1] * s, n[2] * s]
}

/// The rings of the midline and cheek points, in [`CENTRE`] then [`SIDES`] order.
pub(crate) fn group_rings(lm: &[[f32; 3]]) -> Vec<Vec<usize>> {
    CENTRE.iter().chain(SIDES.iter()).map(|&c| ring_of(lm, c)).collect()
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// Mean RGB of a square (upright pixels), `None` when it is outside the frame.
fn patch(frame: &FrameRef, cx: f32, cy: f32, half: f32, buf: &mut Vec<u8>) -> Option<[f32; 3]> {
    let (w, h) = frame.upright_size();
    let (x0, x1) = ((cx - half).max(0.0), (cx + half).min(w as f32 - 1.0));
    let (y0, y1) = ((cy - half).max(0.0), (cy + half).min(h as f32 - 1.0));
    if x1 - x0 < half * 0.5 || y1 - y0 < half * 0.5 {
        return None;
    }
    let step = ((half / 6.0) as usize).max(1);
    let xs: Vec<u32> = (x0 as u32..=x1 as u32).step_by(step).collect();
    let ys: Vec<u32> = (y0 as u32..=y1 as u32).step_by(step).collect();
    frame.gather_rgb(&xs, &ys, buf);
    let n = (buf.len() / 3).max(1) as f32;
    let mut acc = [0.0f32; 3];
    for p in buf.chunks_exact(3) {
        for c in 0..3 {
            acc[c] += p[c] as f32;
        }
    }
    Some(acc.map(|v| v / n))
}

/// Samples one frame.
pub(crate) fn sample(
    frame: &FrameRef,
    face: &FaceReport,
    t_us: i64,
    rings: &mut Option<Vec<Vec<usize>>>,
) -> Option<Sample> {
    let lm = &face.landmarks;
    if lm.len() < 468 {
        return None;
    }
    let rings = rings.get_or_insert_with(|| group_rings(lm));
    let to_up = frame.buffer_to_upright();
    let up = |i: usize| to_up.apply(lm[i][0], lm[i][1]);
    let (a, b) = (up(33), up(263));
    let eyes = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let half = (eyes * 0.1).max(2.0);
    let mut buf = Vec::new();
    let mut regions = [[0.0f32; 3]; 5];
    for (k, &i) in REGIONS.iter().enumerate() {
        let (x, y) = up(i);
        regions[k] = patch(frame, x, y, half, &mut buf)?;
    }
    let mut groups = [[0.0f32; 3]; 2];
    let mut group_shading = [0.0f32; 2];
    let small = (eyes * 0.06).max(1.5);
    for (g, (set, first)) in [(&CENTRE[..], 0), (&SIDES[..], CENTRE.len())].into_iter().enumerate() {
        let mut n = 0.0;
        for (k, &i) in set.iter().enumerate() {
            let (x, y) = up(i);
            if let Some(p) = patch(frame, x, y, small, &mut buf) {
                for c in 0..3 {
                    groups[g][c] += p[c];
                }
                group_shading[g] += (-normal_from_ring(lm, i, &rings[first + k])[2]).max(0.0);
                n += 1.0;
            }
        }
        if n == 0.0 {
            return None;
        }
        groups[g] = groups[g].map(|v| v / n);
        group_shading[g] /= n;
    }
    // Background: squares beside the face at eye height, 0.9 face widths out from the
    // face's centre line, then above the head.
    let (x0, y0) = to_up.apply(face.bbox[0], face.bbox[1]);
    let (x1, y1) = to_up.apply(face.bbox[2], face.bbox[3]);
    let (fx0, fx1, fy0, fy1) = (x0.min(x1), x0.max(x1), y0.min(y1), y0.max(y1));
    let fw = fx1 - fx0;
    let eye_y = (a.1 + b.1) / 2.0;
    let bh = (fw * 0.15).max(3.0);
    let mut bg = Vec::new();
    for (x, y) in [(fx0 - 0.4 * fw, eye_y), (fx1 + 0.4 * fw, eye_y), ((fx0 + fx1) / 2.0, fy0 - 0.45 * (fy1 - fy0))] {
        if let Some(p) = patch(frame, x, y, bh, &mut buf) {
            bg.push(p);
        }
    }
    let background = (!bg.is_empty()).then(|| {
        let n = bg.len() as f32;
        [0, 1, 2].map(|c| bg.iter().map(|p| p[c]).sum::<f32>() / n)
    });
    Some(Sample { t_us, regions, background, groups, group_shading })
}

/// The fit of one signal at the chosen lag.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fit {
    /// Response to a full-white screen, grey levels, per channel.
    pub gain: [f32; 3],
    /// Correlation of the detrended signal with the detrended schedule, mean of channels.
    pub correlation: f32,
}

/// Times (µs) each step was on screen: acknowledged, or planned from `t0`.
pub(crate) fn display_times(ch: &LightChallenge, t0: i64, acks: &[(usize, i64, i64)]) -> Vec<(i64, i64)> {
    ch.steps
        .iter()
        .map(|s| {
            acks.iter()
                .rev()
                .find(|a| a.0 == s.index)
                .map(|a| (a.1, a.2))
                .unwrap_or((t0 + s.start_ms as i64 * 1000, t0 + (s.start_ms + s.duration_ms) as i64 * 1000))
        })
        .collect()
}

/// The displayed colour (0..1 per channel) the camera saw at `t` with `lag`, averaged over
/// `exposure` µs before it (a change mid-exposure mixes two colours); `None` outside.
pub(crate) fn displayed(
    ch: &LightChallenge,
    times: &[(i64, i64)],
    t: i64,
    lag: i64,
    exposure: i64,
) -> Option<[f32; 3]> {
    let at = |tt: i64| {
        times.iter().position(|(a, b)| tt >= *a && tt < *b).map(|i| ch.steps[i].rgb.map(|v| v as f32 / 255.0))
    };
    let n = 4;
    let mut acc = [0.0f32; 3];
    for k in 0..n {
        let c = at(t - lag - exposure * k / n)?;
        for i in 0..3 {
            acc[i] += c[i] / n as f32;
        }
    }
    Some(acc)
}

/// Degree of the polynomial in time that models the ambient light: a cubic follows the
/// slow drifts (auto-exposure, white balance, the head turning relative to the room's
/// light) over a few seconds and leaves the 250-500 ms colour steps to the schedule term.
const AMBIENT_DEGREE: usize = 3;

/// Orthonormal polynomial basis (degree [`AMBIENT_DEGREE`]) over the times `t`.
fn ambient_basis(t: &[f64]) -> Vec<Vec<f64>> {
    let (lo, hi) = t.iter().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let span = (hi - lo).max(1e-9);
    let x: Vec<f64> = t.iter().map(|v| 2.0 * (v - lo) / span - 1.0).collect();
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for k in 0..=AMBIENT_DEGREE {
        let mut col: Vec<f64> = x.iter().map(|v| v.powi(k as i32)).collect();
        for b in &basis {
            let dot: f64 = col.iter().zip(b).map(|(p, q)| p * q).sum();
            col.iter_mut().zip(b).for_each(|(p, q)| *p -= dot * q);
        }
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 1e-9 {
            col.iter_mut().for_each(|v| *v /= norm);
            basis.push(col);
        }
    }
    basis
}

/// `v` minus its projection on the basis.
fn residual(v: &[f64], basis: &[Vec<f64>]) -> Vec<f64> {
    let mut r = v.to_vec();
    for b in basis {
        let dot: f64 = r.iter().zip(b).map(|(p, q)| p * q).sum();
        r.iter_mut().zip(b).for_each(|(p, q)| *p -= dot * q);
    }
    r
}

/// Least-squares fit of `y = ambient(t) + g d` for one channel, the ambient a cubic in
/// time; returns (g, correlation of the ambient-free y and d, y with the ambient removed).
pub(crate) fn fit_channel(basis: &[Vec<f64>], y: &[f64], d: &[f64]) -> (f64, f64, Vec<f64>) {
    if y.len() < basis.len() + 2 {
        return (0.0, 0.0, y.to_vec());
    }
    let (ry, rd) = (residual(y, basis), residual(d, basis));
    let sdd: f64 = rd.iter().map(|v| v * v).sum();
    let syy: f64 = ry.iter().map(|v| v * v).sum();
    let syd: f64 = ry.iter().zip(&rd).map(|(a, b)| a * b).sum();
    if sdd <= 1e-12 {
        return (0.0, 0.0, ry);
    }
    let g = syd / sdd;
    let corr = if syy > 1e-12 { syd / (syy * sdd).sqrt() } else { 0.0 };
    // y - ambient = y - P(y - g d) = ry + g (d - rd)
    let clean = ry.iter().zip(d).zip(&rd).map(|((a, dv), r)| a + g * (dv - r)).collect();
    (g, corr, clean)
}

/// One signal fitted to the schedule: the fit, and per frame used its time and colour
/// with the ambient removed.
pub(crate) struct SignalFit {
    pub fit: Fit,
    pub clean: Vec<(i64, [f64; 3])>,
}

/// Fits a per-frame RGB signal against the schedule at a lag.
pub(crate) fn fit_signal(
    ch: &LightChallenge,
    times: &[(i64, i64)],
    ts: &[i64],
    rgb: &[[f32; 3]],
    lag: i64,
    exposure: i64,
) -> Option<SignalFit> {
    let mut t = Vec::new();
    let mut used = Vec::new();
    let mut ys: [Vec<f64>; 3] = Default::default();
    let mut ds: [Vec<f64>; 3] = Default::default();
    for (tt, y) in ts.iter().zip(rgb) {
        if let Some(d) = displayed(ch, times, *tt, lag, exposure) {
            t.push((*tt - ts[0]) as f64 / 1e6);
            used.push(*tt);
            for c in 0..3 {
                ys[c].push(y[c] as f64);
                ds[c].push(d[c] as f64);
            }
        }
    }
    if t.len() < 8 {
        return None;
    }
    let basis = ambient_basis(&t);
    let mut gain = [0.0f32; 3];
    let mut corr = 0.0;
    let mut clean = vec![(0i64, [0.0f64; 3]); t.len()];
    for c in 0..3 {
        let (g, r, cl) = fit_channel(&basis, &ys[c], &ds[c]);
        gain[c] = g as f32;
        corr += r / 3.0;
        for (k, v) in cl.into_iter().enumerate() {
            clean[k].0 = used[k];
            clean[k].1[c] = v;
        }
    }
    Some(SignalFit { fit: Fit { gain, correlation: corr as f32 }, clean })
}
