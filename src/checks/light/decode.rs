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

/// Points out on the sides of the cheeks, below the outer eye corners (both sides): the
/// most oblique smooth skin the mesh tracks steadily, which gives the relief fit its reach.
const LATERAL: [usize; 10] = [213, 433, 111, 340, 143, 372, 35, 265, 32, 262];

/// Number of points the relief is measured at: [`CENTRE`], [`SIDES`], [`LATERAL`].
pub(crate) const RELIEF_POINTS: usize = CENTRE.len() + SIDES.len() + LATERAL.len();

/// The mesh index of relief point `k`.
fn relief_point(k: usize) -> usize {
    CENTRE.iter().chain(SIDES.iter()).chain(LATERAL.iter()).nth(k).copied().unwrap_or(CENTRE[0])
}

/// Whether relief point `k` is on the midline.
pub(crate) fn is_centre(k: usize) -> bool {
    k < CENTRE.len()
}

/// Whether relief point `k` is on the cheeks ([`SIDES`]).
pub(crate) fn is_side(k: usize) -> bool {
    (CENTRE.len()..CENTRE.len() + SIDES.len()).contains(&k)
}

/// One frame's colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample {
    pub t_us: i64,
    /// Mean RGB of each face region.
    pub regions: [[f32; 3]; 5],
    /// Mean RGB beside the face, `None` when no background is in view.
    pub background: Option<[f32; 3]>,
    /// Mean RGB of a small patch at each relief point (NaN when outside the frame).
    pub points: [[f32; 3]; RELIEF_POINTS],
    /// Each relief point's predicted response to light along the camera axis: the cosine
    /// of the surface normal, averaged over the point and its ring (the patch's footprint).
    pub shading: [f32; RELIEF_POINTS],
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

/// The ring of every mesh point (468 of them), found once per session.
pub(crate) fn mesh_rings(lm: &[[f32; 3]]) -> Vec<Vec<usize>> {
    (0..lm.len().min(468)).map(|c| ring_of(lm, c)).collect()
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

/// The cosine between each mesh point's normal and the camera axis (0 when it faces
/// away), from the rings of [`mesh_rings`].
pub(crate) fn facing(lm: &[[f32; 3]], rings: &[Vec<usize>]) -> Vec<f32> {
    rings.iter().enumerate().map(|(c, ring)| (-normal_from_ring(lm, c, ring)[2]).max(0.0)).collect()
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
    let rings = rings.get_or_insert_with(|| mesh_rings(lm));
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
    let cos = facing(lm, rings);
    let mut points = [[f32::NAN; 3]; RELIEF_POINTS];
    let mut shading = [0.0f32; RELIEF_POINTS];
    let small = (eyes * 0.06).max(1.5);
    let mut inside = 0;
    for k in 0..RELIEF_POINTS {
        let i = relief_point(k);
        let ring = rings.get(i).map_or(&[][..], |r| &r[..]);
        let around: f32 = ring.iter().filter_map(|j| cos.get(*j)).sum();
        shading[k] = (cos.get(i).copied().unwrap_or(0.0) + around) / (1 + ring.len()) as f32;
        let (x, y) = up(i);
        if let Some(p) = patch(frame, x, y, small, &mut buf) {
            points[k] = p;
            inside += 1;
        }
    }
    if inside < RELIEF_POINTS / 2 {
        return None;
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
    Some(Sample { t_us, regions, background, points, shading })
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

/// A per-frame signal next to what was on screen: the frames inside the schedule, their
/// times (s from the first frame, and µs), their colour and the displayed colour.
struct Aligned {
    t: Vec<f64>,
    used: Vec<i64>,
    ys: [Vec<f64>; 3],
    ds: [Vec<f64>; 3],
}

/// The frames of `ts`/`rgb` the schedule covers at `lag`; `None` under 8 of them.
fn aligned(
    ch: &LightChallenge,
    times: &[(i64, i64)],
    ts: &[i64],
    rgb: &[[f32; 3]],
    lag: i64,
    exposure: i64,
) -> Option<Aligned> {
    let mut a = Aligned { t: Vec::new(), used: Vec::new(), ys: Default::default(), ds: Default::default() };
    for (tt, y) in ts.iter().zip(rgb) {
        if let Some(d) = displayed(ch, times, *tt, lag, exposure) {
            a.t.push((*tt - ts[0]) as f64 / 1e6);
            a.used.push(*tt);
            for c in 0..3 {
                a.ys[c].push(y[c] as f64);
                a.ds[c].push(d[c] as f64);
            }
        }
    }
    (a.t.len() >= 8).then_some(a)
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
    let Aligned { t, used, ys, ds } = aligned(ch, times, ts, rgb, lag, exposure)?;
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

/// The response of one point to a full-white screen per unit of its ambient brightness,
/// measured in the colour of the light only.
///
/// Each channel is divided by its mean (`z_c = y_c / mean(y_c) - 1`), so light reflected by
/// the skin adds `G_c d_c(t)` to it whatever the skin's colour. Whatever scales a pixel's
/// three channels alike (the head turning under the room's light, the patch sliding over
/// the skin's texture as the tracker jitters, auto-exposure) moves the three `z_c`
/// together: taking out each frame's mean over the channels removes it, the way
/// remote-photoplethysmography methods separate the pulse from motion. What is left, the
/// displayed colour's own hue, is fitted per channel (a cubic in time for each channel's
/// drift, e.g. white balance); the result is the mean of the three `G_c` and its variance
/// from the fit's residuals. `None` when too few frames, or the schedule's colours do not
/// pin the three channels down.
pub(crate) fn chromatic_response(
    ch: &LightChallenge,
    times: &[(i64, i64)],
    ts: &[i64],
    rgb: &[[f32; 3]],
    lag: i64,
    exposure: i64,
) -> Option<(f32, f32)> {
    let Aligned { t, ys, ds, .. } = aligned(ch, times, ts, rgb, lag, exposure)?;
    let basis = ambient_basis(&t);
    let mut rz: [Vec<f64>; 3] = Default::default();
    let mut rd: [Vec<f64>; 3] = Default::default();
    for c in 0..3 {
        let level = ys[c].iter().sum::<f64>() / t.len() as f64;
        if level < 1.0 {
            return None;
        }
        let z: Vec<f64> = ys[c].iter().map(|v| v / level - 1.0).collect();
        rz[c] = residual(&z, &basis);
        rd[c] = residual(&ds[c], &basis);
    }
    // Normal equations of w_c(t) = sum_k G_k (d_k(t) [c = k] - d_k(t) / 3), w the
    // per-frame chromatic part of z: A_kl = sum_t d_k d_l (delta_kl - 1/3), b_k = sum_t d_k w_k.
    let mut a = [[0.0f64; 3]; 3];
    let mut b = [0.0f64; 3];
    for i in 0..t.len() {
        let zm = (rz[0][i] + rz[1][i] + rz[2][i]) / 3.0;
        for k in 0..3 {
            b[k] += rd[k][i] * (rz[k][i] - zm);
            for l in 0..3 {
                let delta = if k == l { 1.0 } else { 0.0 };
                a[k][l] += rd[k][i] * rd[l][i] * (delta - 1.0 / 3.0);
            }
        }
    }
    let g = solve3(a, b)?;
    // Residual variance of the chromatic fit: two independent equations a frame, less the
    // three responses and each channel's drift.
    let mut rss = 0.0;
    for i in 0..t.len() {
        let zm = (rz[0][i] + rz[1][i] + rz[2][i]) / 3.0;
        let dm = (0..3).map(|k| g[k] * rd[k][i]).sum::<f64>() / 3.0;
        for c in 0..3 {
            rss += (rz[c][i] - zm - (g[c] * rd[c][i] - dm)).powi(2);
        }
    }
    let dof = (2 * t.len()).saturating_sub(3 + 3 * basis.len()).max(1) as f64;
    let third = [1.0 / 3.0; 3];
    let x = solve3(a, third)?;
    let var = rss / dof * (third[0] * x[0] + third[1] * x[1] + third[2] * x[2]);
    Some((((g[0] + g[1] + g[2]) / 3.0) as f32, var.max(0.0) as f32))
}

/// Solves the 3 x 3 system `a x = b` (Cramer's rule); `None` when it is ill-conditioned.
pub(crate) fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&a);
    let scale = (0..3).map(|k| a[k][k].abs()).fold(0.0f64, f64::max);
    if !d.is_finite() || d.abs() <= 1e-6 * scale.powi(3) {
        return None;
    }
    let mut x = [0.0f64; 3];
    for (k, out) in x.iter_mut().enumerate() {
        let mut m = a;
        for r in 0..3 {
            m[r][k] = b[r];
        }
        *out = det(&m) / d;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::light::LightChallengeConfig;

    /// A point's colour over a challenge: skin `level` moved by `motion` (a fraction of
    /// the level, the same for the three channels) plus `g` x level x the displayed colour.
    fn point_signal(ch: &LightChallenge, g: f32, motion: impl Fn(usize, f64) -> f32) -> (Vec<i64>, Vec<[f32; 3]>) {
        let level = [150.0f32, 110.0, 90.0];
        let times = display_times(ch, 0, &[]);
        let end = times.last().map_or(0, |t| t.1);
        let (mut ts, mut ys) = (Vec::new(), Vec::new());
        let mut t = 0i64;
        let mut i = 0;
        while t < end {
            let d = displayed(ch, &times, t, 0, 16_000).unwrap_or([0.0; 3]);
            let m = motion(i, t as f64 / 1e6);
            ys.push([0, 1, 2].map(|c| level[c] * (1.0 + m + g * d[c])));
            ts.push(t);
            t += 33_333;
            i += 1;
        }
        (ts, ys)
    }

    #[test]
    fn the_chromatic_response_ignores_what_moves_all_channels_alike() {
        let ch = LightChallenge::from_nonce(b"chromatic test", &LightChallengeConfig::default()).unwrap();
        let times = display_times(&ch, 0, &[]);
        // Head motion: a 1.3 Hz sway of 6% and a per-frame jitter of +-3%, far larger
        // than the 4% response.
        let motion = |i: usize, t: f64| {
            (0.06 * (std::f64::consts::TAU * 1.3 * t).sin()) as f32 + 0.03 * ((i * 7919 % 13) as f32 / 6.0 - 1.0)
        };
        let (ts, ys) = point_signal(&ch, 0.04, motion);
        let (g, var) = chromatic_response(&ch, &times, &ts, &ys, 0, 16_000).unwrap();
        assert!((g - 0.04).abs() < 0.004, "chromatic response {g}");
        assert!(var.sqrt() < 0.01, "its standard error {}", var.sqrt());
        // The plain fit of brightness against the schedule is thrown off by the motion.
        let plain = fit_signal(&ch, &times, &ts, &ys, 0, 16_000).unwrap().fit;
        let per_level = (plain.gain[0] / 150.0 + plain.gain[1] / 110.0 + plain.gain[2] / 90.0) / 3.0;
        assert!((per_level - 0.04).abs() > (g - 0.04).abs(), "plain {per_level}, chromatic {g}");
        // No light on the point: no response, whatever the motion.
        let (ts, ys) = point_signal(&ch, 0.0, motion);
        let (g0, _) = chromatic_response(&ch, &times, &ts, &ys, 0, 16_000).unwrap();
        assert!(g0.abs() < 0.004, "unlit point {g0}");
    }

    #[test]
    fn a_schedule_of_white_and_black_alone_cannot_be_read_chromatically() {
        let cfg =
            LightChallengeConfig { palette: vec![[255, 255, 255], [0, 0, 0], [128, 128, 128]], ..Default::default() };
        let ch = LightChallenge::from_nonce(b"grey", &cfg).unwrap();
        let times = display_times(&ch, 0, &[]);
        let (ts, ys) = point_signal(&ch, 0.04, |_, _| 0.0);
        assert_eq!(chromatic_response(&ch, &times, &ts, &ys, 0, 16_000), None);
    }

    #[test]
    fn solve3_solves_and_refuses_singular_systems() {
        let a = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]];
        let x = solve3(a, [5.0, 5.0, 3.0]).unwrap();
        for (v, want) in x.iter().zip([1.0, 1.0, 1.0]) {
            assert!((v - want).abs() < 1e-9);
        }
        assert_eq!(solve3([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]], [1.0, 2.0, 3.0]), None);
    }
}
