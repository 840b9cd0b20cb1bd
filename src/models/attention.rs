//! MediaPipe's attention mesh (`face_landmark_with_attention`): the 468-point mesh, both
//! eyes' 71 contour points, both irises and the lips in one pass, as two ONNX models with
//! MediaPipe's three custom operations computed here between them.
//!
//! The trunk turns the 192×192 face crop into the mesh, the face flag and a 32-channel
//! feature map at a quarter of the crop's resolution (48×48). For each region (lips, the
//! picture's left eye, its right eye) a transform is derived from the mesh
//! (`Landmarks2TransformMatrix`), a 16×16 crop of the feature map is sampled through it
//! (`TransformTensorBilinear`), the heads model predicts the region's points in crop
//! units, and the transform maps them back (`TransformLandmarks`). The semantics follow
//! version 2 of each operation in MediaPipe (`mediapipe/util/tflite/operations`); on
//! real crops the result matches MediaPipe-Python's `refine_landmarks=True` output to
//! 0.003 px on a 192-pixel crop (`models/tools/attention_parity.py`, two real clips).
//!
//! Compared with the separate mesh and iris models (one mesh pass plus two 64×64 iris
//! passes, 107 MFLOP each), this is one trunk (73 MFLOP) and three 16×16 heads (18 MFLOP).

use super::infer::Model;
use super::EyePoints;
use crate::error::Result;
use crate::geometry::Affine;

/// Trunk feature map: channels and side.
pub(crate) const FEAT_C: usize = 32;
pub(crate) const FEAT: usize = 48;
/// Head crop side.
pub(crate) const CROP: usize = 16;
/// Mesh coordinates (192-pixel crop) to feature-map coordinates.
const TO_FEATURES: f32 = 0.25;
/// Region scale around the subset's bounding box (`scale_x`, `scale_y`).
const REGION_SCALE: f32 = 1.5;

/// One region: the two landmarks that set its rotation and the landmarks whose rotated
/// bounding box sets its crop (as in the model file's operation options).
pub(crate) struct Region {
    pub rotation: (usize, usize),
    pub subset: &'static [usize],
}

/// The picture's left eye (the subject's right eye): mesh indices of its 71 points, in
/// the order the model predicts them (the iris model's contour order).
pub(crate) const EYE_RIGHT_SUBJECT: [usize; 71] = [
    33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24, 23, 22, 26, 112,
    243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222, 221, 189,
    35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66, 107, 55, 193,
];
/// The picture's right eye (the subject's left eye).
pub(crate) const EYE_LEFT_SUBJECT: [usize; 71] = [
    263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339, 254, 253, 252, 256,
    341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444, 443, 442,
    441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465, 383, 300, 293, 334, 296, 336,
    285, 417,
];
/// The lips' 80 points.
pub(crate) const LIPS: [usize; 80] = [
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78, 95, 88, 178, 87, 14,
    317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306,
    184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12,
    268, 271, 272, 407,
];

/// Heads model inputs, in its input order: lips, picture-left eye, picture-right eye.
pub(crate) const REGIONS: [Region; 3] = [
    Region { rotation: (61, 291), subset: &LIPS },
    Region { rotation: (33, 133), subset: &EYE_RIGHT_SUBJECT },
    Region { rotation: (362, 263), subset: &EYE_LEFT_SUBJECT },
];

/// A region's crop transform: crop pixel (u, v) -> feature-map point `a (u, v) + t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CropTransform {
    pub a: [[f32; 2]; 2],
    pub t: [f32; 2],
}

/// `Landmarks2TransformMatrix` v2 (target rotation 0) on mesh points in 192-pixel crop
/// coordinates (`xyz` triples), scaled to the feature map.
pub(crate) fn region_transform(mesh: &[f32], region: &Region) -> CropTransform {
    let pt = |i: usize| [mesh[3 * i] * TO_FEATURES, mesh[3 * i + 1] * TO_FEATURES];
    let (l, r) = (pt(region.rotation.0), pt(region.rotation.1));
    // r = -atan2(dy, dx): cos r = dx / |d|, sin r = -dy / |d|.
    let (dx, dy) = (r[0] - l[0], r[1] - l[1]);
    let len = (dx * dx + dy * dy).sqrt();
    let (c, s) = if len > 0.0 { (dx / len, -dy / len) } else { (1.0, 0.0) };
    let (mut minx, mut miny, mut maxx, mut maxy) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &i in region.subset {
        let [x, y] = pt(i);
        let (rx, ry) = (c * x - s * y, s * x + c * y);
        minx = minx.min(rx);
        maxx = maxx.max(rx);
        miny = miny.min(ry);
        maxy = maxy.max(ry);
    }
    let (mx, my) = ((minx + maxx) / 2.0, (miny + maxy) / 2.0);
    let (cx, cy) = (c * mx + s * my, -s * mx + c * my);
    let kx = REGION_SCALE * (maxx - minx) / CROP as f32;
    let ky = REGION_SCALE * (maxy - miny) / CROP as f32;
    let a = [[c * kx, s * ky], [-s * kx, c * ky]];
    let h = CROP as f32 / 2.0;
    let t = [cx - a[0][0] * h - a[0][1] * h, cy - a[1][0] * h - a[1][1] * h];
    CropTransform { a, t }
}

/// `TransformTensorBilinear` v2: samples `CROP`² pixels of the NCHW feature map at the
/// transformed pixel centres; a sample outside the map is 0 in every channel. The four
/// taps and weights of each pixel are found once, then each channel's plane (9 KiB, in
/// L1) is read for all pixels in turn.
pub(crate) fn sample_crop(features: &[f32], m: &CropTransform, out: &mut [f32]) {
    let plane = FEAT * FEAT;
    let last = (FEAT - 1) as f32;
    // Per pixel: the four tap indices and (fx, fy), or None outside the map.
    let mut taps = [None::<([usize; 4], f32, f32)>; CROP * CROP];
    for v in 0..CROP {
        for u in 0..CROP {
            let (fu, fv) = (u as f32 + 0.5, v as f32 + 0.5);
            let x = m.a[0][0] * fu + m.a[0][1] * fv + m.t[0] - 0.5;
            let y = m.a[1][0] * fu + m.a[1][1] * fv + m.t[1] - 0.5;
            // NaN compares false: it lands outside too.
            if !(x >= 0.0 && y >= 0.0 && x <= last && y <= last) {
                continue;
            }
            let (x0, y0) = (x.floor() as usize, y.floor() as usize);
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let (x1, y1) = ((x0 + 1).min(FEAT - 1), (y0 + 1).min(FEAT - 1));
            // A tap past the last row or column has weight 0 (x == last); read its neighbour.
            taps[v * CROP + u] = Some(([y0 * FEAT + x0, y0 * FEAT + x1, y1 * FEAT + x0, y1 * FEAT + x1], fx, fy));
        }
    }
    for (f, o) in features.chunks_exact(plane).zip(out.chunks_exact_mut(CROP * CROP)).take(FEAT_C) {
        for (dst, tap) in o.iter_mut().zip(&taps) {
            *dst = match tap {
                Some((idx, fx, fy)) => {
                    let upper = (1.0 - fx) * f[idx[0]] + fx * f[idx[1]];
                    let lower = (1.0 - fx) * f[idx[2]] + fx * f[idx[3]];
                    fy * lower + (1.0 - fy) * upper
                }
                None => 0.0,
            };
        }
    }
}

/// `TransformLandmarks` v2 after the model's constant scaling (translation × 4): a head
/// point (crop units, 64 per side) -> 192-pixel mesh-crop coordinates.
pub(crate) fn to_mesh_crop(m: &CropTransform, p: [f32; 2]) -> [f32; 2] {
    [m.a[0][0] * p[0] + m.a[0][1] * p[1] + 4.0 * m.t[0], m.a[1][0] * p[0] + m.a[1][1] * p[1] + 4.0 * m.t[1]]
}

/// Buffers of the heads stage.
#[derive(Debug)]
pub(crate) struct Heads {
    crops: [Vec<f32>; 3],
    lips: Vec<f32>,
    eyes: [Vec<f32>; 2],
    irises: [Vec<f32>; 2],
}

impl Default for Heads {
    fn default() -> Self {
        let crop = || vec![0.0; FEAT_C * CROP * CROP];
        Heads {
            crops: [crop(), crop(), crop()],
            lips: vec![0.0; 160],
            eyes: [vec![0.0; 142], vec![0.0; 142]],
            irises: [vec![0.0; 10], vec![0.0; 10]],
        }
    }
}

impl Heads {
    /// Runs the heads on the trunk's `features` for the raw `mesh` (192-pixel crop
    /// coordinates, `xyz` triples) and refines the mesh as MediaPipe does: the lips' 80
    /// and each eye's 71 points take the heads' x and y (z stays). Returns both eyes
    /// (subject's right, then left) in upright pixels through `crop_to_frame`, z from the
    /// mesh (the iris: the mean of its eye's first 16 contour points, as MediaPipe sets it).
    pub fn run(
        &mut self,
        model: &Model,
        features: &[f32],
        mesh: &mut [f32],
        crop_to_frame: &Affine,
    ) -> Result<[EyePoints; 2]> {
        let transforms = REGIONS.each_ref().map(|r| region_transform(mesh, r));
        for (m, crop) in transforms.iter().zip(self.crops.iter_mut()) {
            sample_crop(features, m, crop);
        }
        let [e0, e1] = &mut self.eyes;
        let [i0, i1] = &mut self.irises;
        model.run_inputs(
            &[&self.crops[0], &self.crops[1], &self.crops[2]],
            &mut [&mut self.lips, &mut e0[..], &mut i0[..], &mut e1[..], &mut i1[..]],
        )?;
        let refine = |mesh: &mut [f32], points: &[f32], k: usize| {
            for (p, &i) in points.chunks_exact(2).zip(REGIONS[k].subset) {
                let q = to_mesh_crop(&transforms[k], [p[0], p[1]]);
                mesh[3 * i] = q[0];
                mesh[3 * i + 1] = q[1];
            }
        };
        refine(mesh, &self.lips, 0);
        refine(mesh, &self.eyes[0], 1);
        refine(mesh, &self.eyes[1], 2);
        let k = crop_to_frame.scale();
        let map = |m: &CropTransform, p: &[f32], z: f32| {
            let q = to_mesh_crop(m, [p[0], p[1]]);
            let (x, y) = crop_to_frame.apply(q[0], q[1]);
            [x, y, z * k]
        };
        let eye = |e: usize| -> EyePoints {
            let (m, subset) = (&transforms[1 + e], REGIONS[1 + e].subset);
            let contour: Vec<[f32; 3]> =
                self.eyes[e].chunks_exact(2).zip(subset).map(|(p, &i)| map(m, p, mesh[3 * i + 2])).collect();
            let z = subset[..16].iter().map(|&i| mesh[3 * i + 2]).sum::<f32>() / 16.0;
            let iris: Vec<[f32; 3]> = self.irises[e].chunks_exact(2).map(|p| map(m, p, z)).collect();
            (contour, iris)
        };
        Ok([eye(0), eye(1)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mesh whose points lie on a grid (with the eye corners 33 and 133 level), turned
    /// by `angle` about the crop centre.
    fn grid_mesh(angle: f32) -> Vec<f32> {
        let (s, c) = angle.sin_cos();
        (0..468)
            .flat_map(|i| {
                let (x, y) = match i {
                    33 => (-40.0, -20.0),
                    133 => (-10.0, -20.0),
                    _ => ((i % 22) as f32 * 8.0 - 84.0, (i / 22) as f32 * 8.0 - 84.0),
                };
                [96.0 + c * x - s * y, 96.0 + s * x + c * y, 0.0]
            })
            .collect()
    }

    #[test]
    fn region_transform_follows_the_rotation_landmarks() {
        // Level eye line: no rotation, the crop is 1.5x the subset's box.
        let mesh = grid_mesh(0.0);
        let m = region_transform(&mesh, &REGIONS[1]);
        assert!(m.a[0][1].abs() < 1e-6 && m.a[1][0].abs() < 1e-6, "{m:?}");
        let sub = REGIONS[1].subset;
        let xs: Vec<f32> = sub.iter().map(|&i| mesh[3 * i] * 0.25).collect();
        let w = xs.iter().cloned().fold(f32::MIN, f32::max) - xs.iter().cloned().fold(f32::MAX, f32::min);
        assert!((m.a[0][0] - 1.5 * w / 16.0).abs() < 1e-5);
        // The crop centre (u, v) = (8, 8) maps to the box centre.
        let cx = (xs.iter().cloned().fold(f32::MIN, f32::max) + xs.iter().cloned().fold(f32::MAX, f32::min)) / 2.0;
        assert!((m.a[0][0] * 8.0 + m.a[0][1] * 8.0 + m.t[0] - cx).abs() < 1e-4);
        // Turning the face turns the transform by the same angle.
        let turned = region_transform(&grid_mesh(0.3), &REGIONS[1]);
        let angle = turned.a[1][0].atan2(turned.a[0][0]);
        assert!((angle - 0.3).abs() < 1e-4, "{angle}");
    }

    /// The operation pixel by pixel, all channels of a pixel at once (the previous order).
    fn sample_crop_per_pixel(features: &[f32], m: &CropTransform, out: &mut [f32]) {
        let (plane, last) = (FEAT * FEAT, (FEAT - 1) as f32);
        for v in 0..CROP {
            for u in 0..CROP {
                let (fu, fv) = (u as f32 + 0.5, v as f32 + 0.5);
                let x = m.a[0][0] * fu + m.a[0][1] * fv + m.t[0] - 0.5;
                let y = m.a[1][0] * fu + m.a[1][1] * fv + m.t[1] - 0.5;
                let o = v * CROP + u;
                if !(x >= 0.0 && y >= 0.0 && x <= last && y <= last) {
                    (0..FEAT_C).for_each(|ch| out[ch * CROP * CROP + o] = 0.0);
                    continue;
                }
                let (x0, y0) = (x.floor() as usize, y.floor() as usize);
                let (fx, fy) = (x - x0 as f32, y - y0 as f32);
                let (x1, y1) = ((x0 + 1).min(FEAT - 1), (y0 + 1).min(FEAT - 1));
                for ch in 0..FEAT_C {
                    let f = &features[ch * plane..(ch + 1) * plane];
                    let upper = (1.0 - fx) * f[y0 * FEAT + x0] + fx * f[y0 * FEAT + x1];
                    let lower = (1.0 - fx) * f[y1 * FEAT + x0] + fx * f[y1 * FEAT + x1];
                    out[ch * CROP * CROP + o] = fy * lower + (1.0 - fy) * upper;
                }
            }
        }
    }

    #[test]
    fn plane_by_plane_sampling_equals_the_per_pixel_order() {
        // Noisy features, a rotated and scaled map that leaves the feature map on two
        // sides and lands exactly on its last row: the same bits either way.
        let features: Vec<f32> = (0..FEAT_C * FEAT * FEAT).map(|i| ((i * 7919) % 1013) as f32 / 97.0 - 5.0).collect();
        for m in [
            CropTransform { a: [[0.9, 0.4], [-0.4, 0.9]], t: [30.0, 40.0] },
            CropTransform { a: [[1.0, 0.0], [0.0, 1.0]], t: [32.5, 32.5] },
            CropTransform { a: [[2.3, -0.2], [0.2, 2.3]], t: [-5.0, 10.0] },
        ] {
            let (mut a, mut b) = (vec![1.0; FEAT_C * CROP * CROP], vec![2.0; FEAT_C * CROP * CROP]);
            sample_crop(&features, &m, &mut a);
            sample_crop_per_pixel(&features, &m, &mut b);
            assert!(a.iter().map(|v| v.to_bits()).eq(b.iter().map(|v| v.to_bits())), "{m:?}");
        }
    }

    #[test]
    fn sampling_reproduces_an_affine_ramp_and_zeroes_outside() {
        // Feature value = x + 100 y in every channel: bilinear sampling is exact on it.
        let features: Vec<f32> =
            (0..FEAT_C).flat_map(|_| (0..FEAT * FEAT).map(|i| (i % FEAT) as f32 + 100.0 * (i / FEAT) as f32)).collect();
        let m = CropTransform { a: [[0.5, 0.1], [-0.1, 0.5]], t: [20.0, 20.0] };
        let mut out = vec![0.0; FEAT_C * CROP * CROP];
        sample_crop(&features, &m, &mut out);
        for (v, u) in [(0, 0), (7, 3), (15, 15)] {
            let (fu, fv) = (u as f32 + 0.5, v as f32 + 0.5);
            let x = 0.5 * fu + 0.1 * fv + 20.0 - 0.5;
            let y = -0.1 * fu + 0.5 * fv + 20.0 - 0.5;
            let got = out[5 * CROP * CROP + v * CROP + u];
            assert!((got - (x + 100.0 * y)).abs() < 1e-2, "({u},{v}) {got} vs {}", x + 100.0 * y);
        }
        let outside = CropTransform { a: [[1.0, 0.0], [0.0, 1.0]], t: [-30.0, 0.0] };
        sample_crop(&features, &outside, &mut out);
        assert!(out.iter().all(|v| *v == 0.0));
    }
}
