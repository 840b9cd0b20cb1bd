//! The planar-motion cue: a homography against a similarity fit on mesh landmarks.

use serde::Serialize;

use super::{quantile, CueVerdict};
use crate::track::FaceReport;

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
}
