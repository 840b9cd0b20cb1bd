//! Per-frame liveness signals computed from landmarks and the face crop.
//!
//! Every function here is pure: landmarks in upright-frame pixels in, numbers out.

use serde::Serialize;

/// Mesh indices of the subject's right eye for the eye aspect ratio: outer corner, two
/// upper lid points, inner corner, two lower lid points.
pub const RIGHT_EYE_EAR: [usize; 6] = [33, 160, 158, 133, 153, 144];
/// Same for the subject's left eye.
pub const LEFT_EYE_EAR: [usize; 6] = [362, 385, 387, 263, 373, 380];

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn xy(p: &[f32; 3]) -> [f32; 2] {
    [p[0], p[1]]
}

/// Eye aspect ratio from six mesh points `p1..p6`: `(|p2-p6| + |p3-p5|) / (2 |p1-p4|)`.
pub fn eye_aspect_ratio(mesh: &[[f32; 3]], idx: [usize; 6]) -> f32 {
    let p: Vec<[f32; 2]> = idx.iter().map(|&i| xy(&mesh[i])).collect();
    let w = dist(p[0], p[3]);
    if w <= f32::EPSILON {
        return 0.0;
    }
    (dist(p[1], p[5]) + dist(p[2], p[4])) / (2.0 * w)
}

/// Eye openness from the iris model's refined 16-point eye contour (0 and 8 are the
/// corners, 1..=7 the lower lid, 9..=15 the upper lid, in matching order): the mean gap of
/// the three central lid pairs over the corner distance. About 0.3 open, < 0.1 closed.
pub fn contour_openness(contour: &[[f32; 3]]) -> f32 {
    if contour.len() < 16 {
        return 0.0;
    }
    let w = dist(xy(&contour[0]), xy(&contour[8]));
    if w <= f32::EPSILON {
        return 0.0;
    }
    let gaps: f32 = [(11, 3), (12, 4), (13, 5)].iter().map(|&(u, l)| dist(xy(&contour[u]), xy(&contour[l]))).sum();
    gaps / 3.0 / w
}

/// Mouth opening: inner-lip gap (13-14) over mouth width (61-291).
pub fn mouth_openness(mesh: &[[f32; 3]]) -> f32 {
    let w = dist(xy(&mesh[61]), xy(&mesh[291]));
    if w <= f32::EPSILON {
        return 0.0;
    }
    dist(xy(&mesh[13]), xy(&mesh[14])) / w
}

/// Head pose in degrees from the mesh (`z` already in frame pixels).
///
/// X axis: outer eye corners 33 -> 263; Y axis: forehead 10 -> chin 152, orthogonalised.
/// Yaw > 0 when the nose points to image-left; pitch has a constant offset of about
/// +8..+15° on frontal faces (use its changes); roll > 0 when the eye line tilts clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct HeadPose {
    /// Left-right turn, degrees.
    pub yaw: f32,
    /// Up-down tilt, degrees.
    pub pitch: f32,
    /// In-plane tilt, degrees.
    pub roll: f32,
}

fn sub3(a: &[f32; 3], b: &[f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot3(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn norm3(a: [f32; 3]) -> [f32; 3] {
    let n = dot3(&a, &a).sqrt();
    if n <= f32::EPSILON {
        a
    } else {
        [a[0] / n, a[1] / n, a[2] / n]
    }
}

/// See [`HeadPose`].
pub fn head_pose(mesh: &[[f32; 3]]) -> HeadPose {
    let x = norm3(sub3(&mesh[263], &mesh[33]));
    let y0 = sub3(&mesh[152], &mesh[10]);
    let d = dot3(&y0, &x);
    let y = norm3([y0[0] - d * x[0], y0[1] - d * x[1], y0[2] - d * x[2]]);
    HeadPose {
        yaw: (-x[2]).atan2(x[0]).to_degrees(),
        pitch: y[2].atan2(y[1]).to_degrees(),
        roll: x[1].atan2(x[0]).to_degrees(),
    }
}

/// Brightness (mean luma 0..255), contrast (luma standard deviation) and sharpness
/// (variance of the 4-neighbour Laplacian, grey levels²) over the central square of an
/// RGB crop tensor holding values in `0..1`, covering `frac` of its side.
pub(crate) fn crop_photometrics(rgb01: &[f32], size: usize, frac: f32) -> (f32, f32, f32) {
    let m = ((size as f32 * (1.0 - frac) / 2.0).round() as usize).max(1);
    let (lo, hi) = (m, size - m);
    if lo >= hi {
        return (0.0, 0.0, 0.0);
    }
    // Luma of columns lo-1..=hi of a row: each pixel converted once, three rows kept.
    let fill = |row: &mut Vec<f32>, y: usize| {
        row.clear();
        row.extend((lo - 1..=hi).map(|x| {
            let i = (y * size + x) * 3;
            255.0 * (0.299 * rgb01[i] + 0.587 * rgb01[i + 1] + 0.114 * rgb01[i + 2])
        }));
    };
    let (mut above, mut cur, mut below) = (Vec::new(), Vec::new(), Vec::new());
    fill(&mut above, lo - 1);
    fill(&mut cur, lo);
    let (mut s, mut s2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    let (mut l, mut l2) = (0.0f64, 0.0f64);
    for y in lo..hi {
        fill(&mut below, y + 1);
        for k in 1..=hi - lo {
            let c = cur[k] as f64;
            s += c;
            s2 += c * c;
            n += 1.0;
            let lap = (cur[k - 1] + cur[k + 1] + above[k] + below[k]) as f64 - 4.0 * c;
            l += lap;
            l2 += lap * lap;
        }
        std::mem::swap(&mut above, &mut cur);
        std::mem::swap(&mut cur, &mut below);
    }
    let mean = s / n;
    let var = (s2 / n - mean * mean).max(0.0);
    let lmean = l / n;
    let lvar = (l2 / n - lmean * lmean).max(0.0);
    (mean as f32, var.sqrt() as f32, lvar as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each luma computed where it is used (the previous form).
    fn crop_photometrics_direct(rgb01: &[f32], size: usize, frac: f32) -> (f32, f32, f32) {
        let m = ((size as f32 * (1.0 - frac) / 2.0).round() as usize).max(1);
        let (lo, hi) = (m, size - m);
        let luma = |x: usize, y: usize| {
            let i = (y * size + x) * 3;
            255.0 * (0.299 * rgb01[i] + 0.587 * rgb01[i + 1] + 0.114 * rgb01[i + 2])
        };
        let (mut s, mut s2, mut n, mut l, mut l2) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for y in lo..hi {
            for x in lo..hi {
                let c = luma(x, y) as f64;
                s += c;
                s2 += c * c;
                n += 1.0;
                let lap = (luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1)) as f64 - 4.0 * c;
                l += lap;
                l2 += lap * lap;
            }
        }
        if n == 0.0 {
            return (0.0, 0.0, 0.0);
        }
        let (mean, lmean) = (s / n, l / n);
        ((mean) as f32, (s2 / n - mean * mean).max(0.0).sqrt() as f32, (l2 / n - lmean * lmean).max(0.0) as f32)
    }

    #[test]
    fn photometrics_from_rolling_rows_equal_the_direct_form() {
        let rgb: Vec<f32> = (0..192 * 192 * 3).map(|i| ((i * 7919) % 997) as f32 / 997.0).collect();
        for frac in [0.0, 0.3, 0.6, 1.0] {
            let (a, b) = (crop_photometrics(&rgb, 192, frac), crop_photometrics_direct(&rgb, 192, frac));
            assert_eq!([a.0, a.1, a.2].map(f32::to_bits), [b.0, b.1, b.2].map(f32::to_bits), "frac {frac}");
        }
        // The smallest crops: one pixel, and none (both forms say zero).
        assert_eq!(crop_photometrics(&rgb[..27], 3, 0.2), crop_photometrics_direct(&rgb[..27], 3, 0.2));
        assert_eq!(crop_photometrics(&rgb[..12], 2, 0.0), (0.0, 0.0, 0.0));
    }

    fn mesh_with(points: &[(usize, [f32; 3])]) -> Vec<[f32; 3]> {
        let mut m = vec![[0.0; 3]; 468];
        for &(i, p) in points {
            m[i] = p;
        }
        m
    }

    #[test]
    fn ear_and_mar_follow_the_gaps() {
        let m = mesh_with(&[
            (33, [0.0, 0.0, 0.0]),
            (133, [10.0, 0.0, 0.0]),
            (160, [3.0, -2.0, 0.0]),
            (144, [3.0, 2.0, 0.0]),
            (158, [7.0, -2.0, 0.0]),
            (153, [7.0, 2.0, 0.0]),
            (61, [0.0, 50.0, 0.0]),
            (291, [40.0, 50.0, 0.0]),
            (13, [20.0, 48.0, 0.0]),
            (14, [20.0, 56.0, 0.0]),
        ]);
        assert!((eye_aspect_ratio(&m, RIGHT_EYE_EAR) - 0.4).abs() < 1e-6);
        assert!((mouth_openness(&m) - 0.2).abs() < 1e-6);
    }

    #[test]
    fn frontal_face_has_zero_yaw_and_roll_and_turns_have_signs() {
        let frontal = mesh_with(&[
            (33, [-30.0, 0.0, 0.0]),
            (263, [30.0, 0.0, 0.0]),
            (10, [0.0, -60.0, 0.0]),
            (152, [0.0, 60.0, 0.0]),
        ]);
        let p = head_pose(&frontal);
        assert!(p.yaw.abs() < 1e-4 && p.roll.abs() < 1e-4 && p.pitch.abs() < 1e-4, "{p:?}");
        // Left eye corner further from the camera (z > 0): head turned, yaw negative.
        let turned = mesh_with(&[
            (33, [-25.0, 0.0, -15.0]),
            (263, [25.0, 0.0, 15.0]),
            (10, [0.0, -60.0, 0.0]),
            (152, [0.0, 60.0, 0.0]),
        ]);
        assert!((head_pose(&turned).yaw - (-31.0)).abs() < 0.5, "{:?}", head_pose(&turned));
        let rolled = mesh_with(&[
            (33, [-30.0, -10.0, 0.0]),
            (263, [30.0, 10.0, 0.0]),
            (10, [0.0, -60.0, 0.0]),
            (152, [0.0, 60.0, 0.0]),
        ]);
        assert!(head_pose(&rolled).roll > 15.0);
    }

    #[test]
    fn photometrics_of_flat_and_textured_crops() {
        let size = 16;
        let flat = vec![0.5f32; size * size * 3];
        let (b, c, s) = crop_photometrics(&flat, size, 0.5);
        assert!((b - 127.5).abs() < 0.01 && c < 1e-3 && s < 1e-3);
        let checker: Vec<f32> =
            (0..size * size).flat_map(|i| if (i % size + i / size) % 2 == 0 { [1.0; 3] } else { [0.0; 3] }).collect();
        let (_, c, s) = crop_photometrics(&checker, size, 0.5);
        assert!(c > 100.0 && s > 10_000.0);
    }
}
