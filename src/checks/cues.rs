//! Temporal and texture cues for silent liveness that need no extra model. Each is
//! reported on its own, with a verdict only where its evidence is clear, so a decision can
//! be explained:
//!
//! - [`PlanarCue`]: a live face moves non-rigidly (blinks, expression, 3-D parallax between
//!   the nose and the face outline when the head turns); a photo or a screen moved by hand
//!   moves as one plane. A homography fitted to 65 mesh landmarks between frames leaves
//!   only landmark noise for a plane.
//! - [`SpectrumCue`]: screens and halftone prints add regular high-frequency energy (moiré,
//!   pixel grid) that shows as isolated peaks in the face texture's spectrum.
//! - [`EdgeCue`]: the straight edges of a sheet of paper or a screen bezel around the
//!   face: long straight lines on several sides of it, inside the crop a recapture shows.
//! - [`PulseCue`] (optional): the skin's colour carries the heartbeat (rPPG); a clip long
//!   enough shows a spectral peak at 0.7–3 Hz in the green-minus-red chrominance.

use serde::Serialize;

use crate::frame::FrameRef;
use crate::track::FaceReport;

/// What a cue says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CueVerdict {
    /// Evidence of a live face.
    Live,
    /// Evidence of a presentation attack.
    Spoof,
    /// Not enough evidence either way (e.g. the face did not move).
    Unknown,
}

/// Mesh points used for the planar fit: face oval, nose, eyes, mouth, brows.
pub(crate) const PLANAR_POINTS: [usize; 65] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150,
    136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, // oval
    1, 4, 5, 195, 197, 6, 168, 98, 327, // nose
    33, 133, 159, 145, 263, 362, 386, 374, // eyes
    61, 291, 13, 14, 0, 17, // mouth
    70, 105, 107, 300, 334, 336, // brows
];

/// Landmark positions of one frame, as the planar cue keeps them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlanarSample {
    /// Frame time (µs).
    pub t_us: i64,
    /// Head yaw and pitch (degrees).
    pub pose: [f32; 2],
    /// Face size: outer eye-corner distance (px).
    pub size: f32,
    /// [`PLANAR_POINTS`] in upright pixels.
    pub points: Vec<[f32; 2]>,
}

impl PlanarSample {
    /// From a tracked face (`None` without a full mesh).
    pub(crate) fn from_face(t_us: i64, f: &FaceReport) -> Option<PlanarSample> {
        if f.landmarks.len() < 468 {
            return None;
        }
        let lm = &f.landmarks;
        let size = ((lm[33][0] - lm[263][0]).powi(2) + (lm[33][1] - lm[263][1]).powi(2)).sqrt();
        Some(PlanarSample {
            t_us,
            pose: [f.pose.yaw, f.pose.pitch],
            size: size.max(1.0),
            points: PLANAR_POINTS.iter().map(|&i| [lm[i][0], lm[i][1]]).collect(),
        })
    }
}

/// Planar-motion cue settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlanarConfig {
    /// Frame pairs are this far apart (ms).
    pub pair_gap_ms: i64,
    /// A pair "deforms" when the best similarity transform leaves at least this residual
    /// (fraction of the eye-corner distance): the landmark pattern changed shape, by a
    /// turn of the head or a tilt of a photo.
    pub min_deform: f32,
    /// Deforming pairs needed before a planar verdict.
    pub min_deforming_pairs: usize,
    /// Spoof when the homography explains the deformation: median of (homography
    /// residual / similarity residual) over deforming pairs below this.
    pub planar_ratio_below: f32,
    /// Live when the homography residual's 90th percentile exceeds this (blink,
    /// expression, parallax) and the planar test did not fire.
    pub nonrigid_above: f32,
}

impl Default for PlanarConfig {
    fn default() -> Self {
        PlanarConfig {
            pair_gap_ms: 300,
            min_deform: 0.012,
            min_deforming_pairs: 3,
            planar_ratio_below: 0.55,
            nonrigid_above: 0.03,
        }
    }
}

/// Result of the planar-motion cue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanarCue {
    /// Frame pairs fitted.
    pub pairs: usize,
    /// Pairs whose landmark pattern changed shape beyond a similarity transform.
    pub deforming_pairs: usize,
    /// Median RMS residual of the homography fit over all pairs (fraction of face size).
    pub residual_median: f32,
    /// 90th percentile of the homography residual over all pairs.
    pub residual_p90: f32,
    /// Median similarity residual over all pairs (how much the shape changed).
    pub deform_median: f32,
    /// Median homography / similarity residual over the deforming pairs: near 0 for a
    /// plane, larger for a 3-D head (`None` without deforming pairs).
    pub planar_ratio: Option<f32>,
    /// Median landmark motion between paired frames (fraction of face size).
    pub motion_median: f32,
    /// Spoof: the pattern deformed as a plane does; Live: non-rigid motion; else Unknown.
    pub verdict: CueVerdict,
}

/// Least-squares homography (h33 = 1) from `a` to `b` with Hartley normalisation.
fn fit_homography(a: &[[f64; 2]], b: &[[f64; 2]]) -> Option<[f64; 9]> {
    let norm = |p: &[[f64; 2]]| {
        let n = p.len() as f64;
        let (cx, cy) = (p.iter().map(|q| q[0]).sum::<f64>() / n, p.iter().map(|q| q[1]).sum::<f64>() / n);
        let d = p.iter().map(|q| ((q[0] - cx).powi(2) + (q[1] - cy).powi(2)).sqrt()).sum::<f64>() / n;
        let s = if d > 1e-9 { std::f64::consts::SQRT_2 / d } else { 1.0 };
        (cx, cy, s)
    };
    let (ax, ay, as_) = norm(a);
    let (bx, by, bs) = norm(b);
    let mut m = [[0.0f64; 9]; 8]; // normal equations, augmented
    for (p, q) in a.iter().zip(b) {
        let (x, y) = ((p[0] - ax) * as_, (p[1] - ay) * as_);
        let (u, v) = ((q[0] - bx) * bs, (q[1] - by) * bs);
        for (row, rhs) in
            [([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u), ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v)]
        {
            for i in 0..8 {
                for j in 0..8 {
                    m[i][j] += row[i] * row[j];
                }
                m[i][8] += row[i] * rhs;
            }
        }
    }
    // Gaussian elimination with partial pivoting.
    #[allow(clippy::needless_range_loop)]
    for c in 0..8 {
        let piv = (c..8).max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs()))?;
        if m[piv][c].abs() < 1e-12 {
            return None;
        }
        m.swap(c, piv);
        for r in 0..8 {
            if r != c {
                let f = m[r][c] / m[c][c];
                for k in c..9 {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
    }
    let h: Vec<f64> = (0..8).map(|i| m[i][8] / m[i][i]).collect();
    // Denormalise: H = Tb^-1 * Hn * Ta.
    let hn = [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]];
    let ta = [[as_, 0.0, -as_ * ax], [0.0, as_, -as_ * ay], [0.0, 0.0, 1.0]];
    let tbi = [[1.0 / bs, 0.0, bx], [0.0, 1.0 / bs, by], [0.0, 0.0, 1.0]];
    let mul = |p: [[f64; 3]; 3], q: [[f64; 3]; 3]| {
        let mut r = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                r[i][j] = (0..3).map(|k| p[i][k] * q[k][j]).sum();
            }
        }
        r
    };
    let hm = mul(tbi, mul(hn, ta));
    Some([hm[0][0], hm[0][1], hm[0][2], hm[1][0], hm[1][1], hm[1][2], hm[2][0], hm[2][1], hm[2][2]])
}

/// RMS error of the best similarity transform (rotation, scale, shift) from `a` to `b`,
/// in pixels: how much the landmark pattern changed shape.
pub(crate) fn similarity_residual(a: &[[f32; 2]], b: &[[f32; 2]]) -> Option<f32> {
    if a.len() != b.len() || a.len() < 3 {
        return None;
    }
    let n = a.len() as f64;
    let ca = a.iter().fold([0.0f64; 2], |s, p| [s[0] + p[0] as f64 / n, s[1] + p[1] as f64 / n]);
    let cb = b.iter().fold([0.0f64; 2], |s, p| [s[0] + p[0] as f64 / n, s[1] + p[1] as f64 / n]);
    let (mut saa, mut sc, mut ss) = (0.0, 0.0, 0.0);
    for (p, q) in a.iter().zip(b) {
        let (x, y) = (p[0] as f64 - ca[0], p[1] as f64 - ca[1]);
        let (u, v) = (q[0] as f64 - cb[0], q[1] as f64 - cb[1]);
        saa += x * x + y * y;
        sc += x * u + y * v;
        ss += x * v - y * u;
    }
    if saa < 1e-9 {
        return None;
    }
    let (c, s) = (sc / saa, ss / saa);
    let mut e = 0.0;
    for (p, q) in a.iter().zip(b) {
        let (x, y) = (p[0] as f64 - ca[0], p[1] as f64 - ca[1]);
        let (u, v) = (c * x - s * y + cb[0], s * x + c * y + cb[1]);
        e += (u - q[0] as f64).powi(2) + (v - q[1] as f64).powi(2);
    }
    Some((e / n).sqrt() as f32)
}

/// RMS transfer error of the best homography from `a` to `b`, in pixels.
pub(crate) fn homography_residual(a: &[[f32; 2]], b: &[[f32; 2]]) -> Option<f32> {
    if a.len() != b.len() || a.len() < 5 {
        return None;
    }
    let a64: Vec<[f64; 2]> = a.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
    let b64: Vec<[f64; 2]> = b.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
    let h = fit_homography(&a64, &b64)?;
    let mut sum = 0.0;
    for (p, q) in a64.iter().zip(&b64) {
        let w = h[6] * p[0] + h[7] * p[1] + h[8];
        if w.abs() < 1e-9 {
            return None;
        }
        let u = (h[0] * p[0] + h[1] * p[1] + h[2]) / w;
        let v = (h[3] * p[0] + h[4] * p[1] + h[5]) / w;
        sum += (u - q[0]).powi(2) + (v - q[1]).powi(2);
    }
    Some((sum / a.len() as f64).sqrt() as f32)
}

fn quantile(v: &mut [f32], q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let k = ((v.len() - 1) as f32 * q).round() as usize;
    *v.select_nth_unstable_by(k, f32::total_cmp).1
}

/// The planar-motion cue over landmark samples in time order.
pub(crate) fn planar_cue(samples: &[PlanarSample], c: &PlanarConfig) -> PlanarCue {
    let mut res = Vec::new();
    let mut deform = Vec::new();
    let mut ratios = Vec::new();
    let mut motion = Vec::new();
    let mut j = 0;
    for (i, a) in samples.iter().enumerate() {
        j = j.max(i + 1);
        while j < samples.len() && samples[j].t_us - a.t_us < c.pair_gap_ms * 1000 {
            j += 1;
        }
        let Some(b) = samples.get(j) else { break };
        let size = (a.size + b.size) / 2.0;
        let (Some(r), Some(d)) = (homography_residual(&a.points, &b.points), similarity_residual(&a.points, &b.points))
        else {
            continue;
        };
        let (r, d) = (r / size, d / size);
        let m = a.points.iter().zip(&b.points).map(|(p, q)| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sum::<f32>()
            / a.points.len() as f32;
        motion.push(m.sqrt() / size);
        res.push(r);
        deform.push(d);
        if d >= c.min_deform {
            ratios.push(r / d);
        }
    }
    let pairs = res.len();
    let deforming_pairs = ratios.len();
    let planar_ratio = (!ratios.is_empty()).then(|| quantile(&mut ratios, 0.5));
    let p90 = quantile(&mut res.clone(), 0.9);
    let verdict = if deforming_pairs >= c.min_deforming_pairs && planar_ratio.is_some_and(|r| r < c.planar_ratio_below)
    {
        CueVerdict::Spoof
    } else if pairs > 0 && p90 > c.nonrigid_above {
        CueVerdict::Live
    } else {
        CueVerdict::Unknown
    };
    PlanarCue {
        pairs,
        deforming_pairs,
        residual_median: quantile(&mut res, 0.5),
        residual_p90: p90,
        deform_median: quantile(&mut deform, 0.5),
        planar_ratio,
        motion_median: quantile(&mut motion, 0.5),
        verdict,
    }
}

/// Spectrum cue settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SpectrumConfig {
    /// Peak-to-ring-median power ratio (log10) above which the texture looks recaptured.
    pub peak_above: f32,
}

impl Default for SpectrumConfig {
    fn default() -> Self {
        SpectrumConfig { peak_above: 2.6 }
    }
}

/// Result of the spectrum cue on one face texture patch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpectrumCue {
    /// Patch side (px, native resolution).
    pub patch: usize,
    /// Share of the AC power above a quarter of the sampling frequency.
    pub high_freq_ratio: f32,
    /// Strongest isolated peak in the upper frequencies: log10 of its power over the
    /// median power of its frequency ring.
    pub peak_log10: f32,
    /// Spoof when a strong regular peak is present; otherwise Unknown (a clean spectrum
    /// is not proof of life).
    pub verdict: CueVerdict,
}

fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * std::f32::consts::PI / len as f32;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f32).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let (tr, ti) = (re[b] * c - im[b] * s, re[b] * s + im[b] * c);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Power spectrum (`n × n`, DC at index 0) of a Hann-windowed grey patch.
fn power_spectrum(grey: &[f32], n: usize) -> Vec<f32> {
    let mean = grey.iter().sum::<f32>() / grey.len() as f32;
    let w: Vec<f32> =
        (0..n).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * (i as f32 + 0.5) / n as f32).cos()).collect();
    let mut re: Vec<f32> = (0..n * n).map(|k| (grey[k] - mean) * w[k / n] * w[k % n]).collect();
    let mut im = vec![0.0f32; n * n];
    for r in 0..n {
        fft(&mut re[r * n..(r + 1) * n], &mut im[r * n..(r + 1) * n]);
    }
    let (mut cr, mut ci) = (vec![0.0f32; n], vec![0.0f32; n]);
    for c in 0..n {
        for r in 0..n {
            cr[r] = re[r * n + c];
            ci[r] = im[r * n + c];
        }
        fft(&mut cr, &mut ci);
        for r in 0..n {
            re[r * n + c] = cr[r];
            im[r * n + c] = ci[r];
        }
    }
    re.iter().zip(&im).map(|(a, b)| a * a + b * b).collect()
}

/// The spectrum cue on the face texture of one frame: a square patch at native
/// resolution centred on the face box `[x0, y0, x1, y1]` (upright pixels), 64 px or
/// 32 px for small faces. `None` when the face is too small (< 40 px).
pub(crate) fn spectrum_cue(frame: &FrameRef, bbox: [f32; 4], c: &SpectrumConfig) -> Option<SpectrumCue> {
    let side = (bbox[2] - bbox[0]).min(bbox[3] - bbox[1]);
    let n = if side >= 80.0 {
        64
    } else if side >= 40.0 {
        32
    } else {
        return None;
    };
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let (w, h) = frame.upright_size();
    let x0 = ((cx - n as f32 / 2.0).max(0.0) as u32).min(w.saturating_sub(n as u32));
    let y0 = ((cy - n as f32 / 2.0).max(0.0) as u32).min(h.saturating_sub(n as u32));
    let xs: Vec<u32> = (x0..x0 + n as u32).collect();
    let ys: Vec<u32> = (y0..y0 + n as u32).collect();
    let mut rgb = Vec::new();
    frame.gather_rgb(&xs, &ys, &mut rgb);
    let grey: Vec<f32> =
        rgb.chunks_exact(3).map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect();
    let p = power_spectrum(&grey, n);
    // Rings by integer radius; the axes (|u| or |v| <= 1) carry window leakage and
    // 8-px block-coding edges, so they are left out.
    let half = n / 2;
    let mut rings: Vec<Vec<f32>> = vec![Vec::new(); half + 1];
    let (mut total, mut high) = (0.0f64, 0.0f64);
    let mut cells = Vec::new();
    for r in 0..n {
        for col in 0..n {
            let (v, u) = (
                if r > half { r as i32 - n as i32 } else { r as i32 },
                if col > half { col as i32 - n as i32 } else { col as i32 },
            );
            let rad = ((u * u + v * v) as f32).sqrt().round() as usize;
            if rad == 0 || rad > half {
                continue;
            }
            let pw = p[r * n + col];
            total += pw as f64;
            if rad >= n / 4 {
                high += pw as f64;
            }
            if u.abs() <= 1 || v.abs() <= 1 {
                continue;
            }
            rings[rad].push(pw);
            cells.push((rad, pw));
        }
    }
    let medians: Vec<f32> = rings.iter_mut().map(|v| quantile(v, 0.5).max(1e-12)).collect();
    let peak = cells
        .iter()
        .filter(|(rad, _)| *rad >= n / 8)
        .map(|(rad, pw)| (pw / medians[*rad]).max(1e-12).log10())
        .fold(0.0f32, f32::max);
    let verdict = if peak > c.peak_above { CueVerdict::Spoof } else { CueVerdict::Unknown };
    Some(SpectrumCue {
        patch: n,
        high_freq_ratio: if total > 0.0 { (high / total) as f32 } else { 0.0 },
        peak_log10: peak,
        verdict,
    })
}

/// Edge cue settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EdgeConfig {
    /// Region searched: the face box scaled by this about its centre.
    pub region_scale: f32,
    /// A line counts when its edge pixels cover at least this share of the face side.
    pub min_length: f32,
    /// Sides of the face (left, right, top, bottom) with a line for a Spoof verdict.
    pub spoof_sides: u8,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig { region_scale: 2.7, min_length: 0.9, spoof_sides: 3 }
    }
}

/// Result of the edge cue on one frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EdgeCue {
    /// Sides of the face (left, right, top, bottom) with a long straight edge.
    pub sides: u8,
    /// Longest straight edge found outside the face, as a share of the face side.
    pub longest: f32,
    /// Spoof when the face is framed on `spoof_sides` or more sides; otherwise Unknown
    /// (door frames and furniture make single lines common in live scenes).
    pub verdict: CueVerdict,
}

/// The edge cue on one frame for the face box `[x0, y0, x1, y1]` (upright pixels):
/// a Hough transform over near-vertical and near-horizontal lines (±20°) of strong,
/// consistently oriented edges, on a grid where the face is 64 px wide. `None` for a
/// degenerate box.
pub(crate) fn edge_cue(frame: &FrameRef, bbox: [f32; 4], c: &EdgeConfig) -> Option<EdgeCue> {
    let side = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
    if side < 16.0 || !side.is_finite() {
        return None;
    }
    let (fw, fh) = frame.upright_size();
    let k = side / 64.0; // source pixels per grid pixel
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let half = side * c.region_scale / 2.0;
    let (rx0, ry0) = ((cx - half).max(0.0), (cy - half).max(0.0));
    let (rx1, ry1) = ((cx + half).min(fw as f32 - 1.0), (cy + half).min(fh as f32 - 1.0));
    let (gw, gh) = (((rx1 - rx0) / k) as usize, ((ry1 - ry0) / k) as usize);
    if gw < 8 || gh < 8 {
        return None;
    }
    let xs: Vec<u32> = (0..gw).map(|i| (rx0 + (i as f32 + 0.5) * k) as u32).collect();
    let ys: Vec<u32> = (0..gh).map(|i| (ry0 + (i as f32 + 0.5) * k) as u32).collect();
    let mut rgb = Vec::new();
    frame.gather_rgb(&xs, &ys, &mut rgb);
    let g: Vec<f32> =
        rgb.chunks_exact(3).map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect();
    // Sobel gradients.
    let at = |x: usize, y: usize| g[y * gw + x];
    let mut edges = Vec::new();
    let mut mags = Vec::new();
    for y in 1..gh - 1 {
        for x in 1..gw - 1 {
            let gx = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x - 1, y)
                - at(x - 1, y + 1);
            let gy = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x, y - 1)
                - at(x + 1, y - 1);
            let m = (gx * gx + gy * gy).sqrt();
            mags.push(m);
            edges.push((x as f32, y as f32, gx, gy, m));
        }
    }
    // Strong edges: above both an absolute floor and the 85th percentile.
    let thr = quantile(&mut mags, 0.85).max(60.0);
    // Face box in grid pixels.
    let fb = [(bbox[0] - rx0) / k, (bbox[1] - ry0) / k, (bbox[2] - rx0) / k, (bbox[3] - ry0) / k];
    let diag = ((gw * gw + gh * gh) as f32).sqrt();
    let nr = (2.0 * diag) as usize + 1;
    let angles: Vec<f32> = (-10..=10).map(|i| (i as f32 * 2.0).to_radians()).collect();
    // Line normals: (cos a, sin a) for near-vertical lines, (-sin a, cos a) for horizontal.
    let normals = |vertical: bool| -> Vec<(f32, f32)> {
        angles.iter().map(|a| if vertical { (a.cos(), a.sin()) } else { (-a.sin(), a.cos()) }).collect()
    };
    let mut sides = [false; 4];
    let mut longest = 0.0f32;
    for vertical in [true, false] {
        let mut acc = vec![0u32; angles.len() * nr];
        let ns = normals(vertical);
        for &(x, y, gx, gy, m) in &edges {
            if m < thr {
                continue;
            }
            for (ai, &(nx, ny)) in ns.iter().enumerate() {
                // The gradient must be along the normal (within ~15°).
                if (gx * nx + gy * ny).abs() < 0.96 * m {
                    continue;
                }
                let rho = x * nx + y * ny + diag;
                acc[ai * nr + rho as usize] += 1;
            }
        }
        for (ai, &(nx, ny)) in ns.iter().enumerate() {
            for r in 0..nr {
                let votes = acc[ai * nr + r];
                let len = votes as f32 / 64.0;
                if len < 0.3 {
                    continue;
                }
                // Where the line passes the face centre's row (vertical) or column.
                let rho = r as f32 - diag;
                let (fcx, fcy) = ((fb[0] + fb[2]) / 2.0, (fb[1] + fb[3]) / 2.0);
                let side_idx = if vertical {
                    let x = (rho - fcy * ny) / nx;
                    if x < fb[0] - 4.0 {
                        Some(0)
                    } else if x > fb[2] + 4.0 {
                        Some(1)
                    } else {
                        None
                    }
                } else {
                    let y = (rho - fcx * nx) / ny;
                    if y < fb[1] - 4.0 {
                        Some(2)
                    } else if y > fb[3] + 4.0 {
                        Some(3)
                    } else {
                        None
                    }
                };
                if let Some(si) = side_idx {
                    longest = longest.max(len);
                    if len >= c.min_length {
                        sides[si] = true;
                    }
                }
            }
        }
    }
    let n = sides.iter().filter(|s| **s).count() as u8;
    Some(EdgeCue {
        sides: n,
        longest,
        verdict: if n >= c.spoof_sides { CueVerdict::Spoof } else { CueVerdict::Unknown },
    })
}

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
    fn homography_residual_is_zero_for_a_plane_and_not_for_parallax() {
        let pts: Vec<[f32; 2]> =
            (0..30).map(|i| [(i % 6) as f32 * 20.0 + 100.0, (i / 6) as f32 * 25.0 + 80.0]).collect();
        // A projective map of the plane.
        let h = [1.05f32, 0.08, 12.0, -0.04, 0.97, 5.0, 0.0004, -0.0002, 1.0];
        let warp: Vec<[f32; 2]> = pts
            .iter()
            .map(|p| {
                let w = h[6] * p[0] + h[7] * p[1] + h[8];
                [(h[0] * p[0] + h[1] * p[1] + h[2]) / w, (h[3] * p[0] + h[4] * p[1] + h[5]) / w]
            })
            .collect();
        assert!(homography_residual(&pts, &warp).unwrap() < 1e-3);
        // One point out of the plane (a nose) moves differently.
        let mut nose = warp.clone();
        nose[14][0] += 8.0;
        assert!(homography_residual(&pts, &nose).unwrap() > 1.0);
    }

    #[test]
    fn spectrum_finds_a_grid() {
        let n = 64;
        let fft2 = |grey: &[f32]| power_spectrum(grey, n);
        let smooth: Vec<f32> = (0..n * n).map(|k| ((k % n) as f32 * 0.1).sin() * 20.0 + 128.0).collect();
        let grid: Vec<f32> =
            smooth.iter().enumerate().map(|(k, v)| v + 10.0 * (((k % n) + (k / n)) as f32 * 2.1).cos()).collect();
        let peak = |p: Vec<f32>| p.iter().cloned().fold(0.0f32, f32::max);
        assert!(peak(fft2(&grid)) > peak(fft2(&smooth)));
    }

    #[test]
    fn edges_find_a_sheet_around_the_face() {
        let (w, h) = (400usize, 400usize);
        let bbox = [160.0f32, 160.0, 240.0, 240.0];
        // A bright sheet from 110 to 290 (inside the 2.7x region) on a dark background.
        let mut sheet = vec![40u8; w * h * 3];
        let mut plain = vec![40u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let v = 40 + ((x * 7 + y * 13) % 11) as u8; // mild texture
                plain[(y * w + x) * 3..(y * w + x) * 3 + 3].fill(v);
                let inside = (110..290).contains(&x) && (110..290).contains(&y);
                sheet[(y * w + x) * 3..(y * w + x) * 3 + 3].fill(if inside { 210 } else { v });
            }
        }
        let c = EdgeConfig::default();
        let f = FrameRef::new(&sheet, w as u32, h as u32, crate::PixelFormat::Rgb8).unwrap();
        let e = edge_cue(&f, bbox, &c).unwrap();
        assert_eq!(e.sides, 4, "{e:?}");
        assert_eq!(e.verdict, CueVerdict::Spoof);
        let f = FrameRef::new(&plain, w as u32, h as u32, crate::PixelFormat::Rgb8).unwrap();
        let e = edge_cue(&f, bbox, &c).unwrap();
        assert_eq!(e.sides, 0, "{e:?}");
        assert!(edge_cue(&f, [0.0, 0.0, 2.0, 2.0], &c).is_none());
    }

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
