//! Passive anti-spoofing with the MiniFASNet pair (minivision Silent-Face-Anti-Spoofing,
//! Apache-2.0): MiniFASNetV2 on an 80×80 crop at 2.7× the face box and MiniFASNetV1SE at
//! 4.0×, fused by averaging their softmax outputs; class 1 is a real face.
//!
//! The models are not shipped with the crate; load them with
//! [`crate::EngineBuilder::antispoof_dir`] (or `_files` / `_bytes`). Pre-processing
//! follows the reference exactly, because small deviations move the scores: the crop
//! rule of the repo's `CropImage`, BGR channel order, values 0..255, and OpenCV's
//! fixed-point `INTER_LINEAR` resize (half-pixel centres, no antialiasing), reproduced
//! bit for bit (`resize_linear_80`).

use serde::Serialize;

use super::infer::Model;
use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;

/// Side of the model input.
pub const PATCH: usize = 80;
/// Face-box scales of the two models (v2, v1se).
pub const SCALES: [f64; 2] = [2.7, 4.0];

/// A face box in the reference convention: integer left, top, width, height in upright
/// picture pixels, `[int(left), int(top), int(right-left+1), int(bottom-top+1)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaceBox {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub w: i32,
    /// Height.
    pub h: i32,
}

impl FaceBox {
    /// From detector corners `[x0, y0, x1, y1]` (upright pixels), truncating like Python's
    /// `int()`.
    pub fn from_corners(b: [f32; 4]) -> FaceBox {
        let (l, t, r, btm) = (b[0] as f64, b[1] as f64, b[2] as f64, b[3] as f64);
        FaceBox { x: l as i32, y: t as i32, w: (r - l + 1.0) as i32, h: (btm - t + 1.0) as i32 }
    }
}

/// The crop rectangle (inclusive corners) for `scale` in a `w × h` picture, or `None`
/// for a degenerate box. Reference: `CropImage._get_new_box`.
pub(crate) fn crop_rect(w: u32, h: u32, b: FaceBox, scale: f64) -> Option<[u32; 4]> {
    if b.w <= 0 || b.h <= 0 || w < 2 || h < 2 {
        return None;
    }
    let (sw, sh) = (w as f64, h as f64);
    let (bw, bh) = (b.w as f64, b.h as f64);
    let s = scale.min((sh - 1.0) / bh).min((sw - 1.0) / bw);
    let (nw, nh) = (bw * s, bh * s);
    let (cx, cy) = (bw / 2.0 + b.x as f64, bh / 2.0 + b.y as f64);
    let (mut x0, mut y0, mut x1, mut y1) = (cx - nw / 2.0, cy - nh / 2.0, cx + nw / 2.0, cy + nh / 2.0);
    if x0 < 0.0 {
        x1 -= x0;
        x0 = 0.0;
    }
    if y0 < 0.0 {
        y1 -= y0;
        y0 = 0.0;
    }
    if x1 > sw - 1.0 {
        x0 -= x1 - sw + 1.0;
        x1 = sw - 1.0;
    }
    if y1 > sh - 1.0 {
        y0 -= y1 - sh + 1.0;
        y1 = sh - 1.0;
    }
    // Python int() truncates towards zero; a box far outside the picture cannot give a
    // negative or inverted rectangle here.
    let t = |v: f64, hi: f64| (v.clamp(0.0, hi)) as u32;
    let r = [t(x0, sw - 1.0), t(y0, sh - 1.0), t(x1, sw - 1.0), t(y1, sh - 1.0)];
    (r[2] >= r[0] && r[3] >= r[1]).then_some(r)
}

/// Source positions and fixed-point weights (sum 2048) of OpenCV's linear resize along
/// one axis. `clamp_weights`: OpenCV zeroes the fraction at the edges for the horizontal
/// pass only; the vertical pass keeps it and clamps the rows instead.
fn axis(insz: usize, outsz: usize, clamp_weights: bool) -> Vec<(usize, usize, i32, i32)> {
    let scale = 1.0 / (outsz as f64 / insz as f64);
    (0..outsz)
        .map(|d| {
            let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let mut s = f.floor() as i64;
            let mut f = f - s as f32;
            if clamp_weights {
                if s < 0 {
                    f = 0.0;
                    s = 0;
                }
                if s >= insz as i64 - 1 {
                    f = 0.0;
                    s = insz as i64 - 1;
                }
            }
            let a0 = ((1.0 - f) * 2048.0).round_ties_even() as i32;
            let a1 = (f * 2048.0).round_ties_even() as i32;
            let clampi = |v: i64| v.clamp(0, insz as i64 - 1) as usize;
            (clampi(s), clampi(s + 1), a0, a1)
        })
        .collect()
}

/// Resizes an 8-bit RGB `src` (`sw × sh`, packed) to 80×80 exactly as OpenCV 4.x
/// `cv2.resize(..., interpolation=INTER_LINEAR)` does for `CV_8UC3` (including its switch
/// to area averaging for an exact 2× reduction), writing packed RGB.
/// A `src` shorter than `sw * sh * 3` bytes, or an empty size, gives a black patch.
pub(crate) fn resize_linear_80(src: &[u8], sw: usize, sh: usize, out: &mut [u8; PATCH * PATCH * 3]) {
    if sw == 0 || sh == 0 || src.len() < sw.saturating_mul(sh).saturating_mul(3) {
        out.fill(0);
        return;
    }
    if sw == 2 * PATCH && sh == 2 * PATCH {
        for (dy, row) in out.chunks_exact_mut(PATCH * 3).enumerate() {
            for dx in 0..PATCH {
                for c in 0..3 {
                    let p = |x: usize, y: usize| src[(y * sw + x) * 3 + c] as u32;
                    let (x, y) = (2 * dx, 2 * dy);
                    row[dx * 3 + c] = ((p(x, y) + p(x + 1, y) + p(x, y + 1) + p(x + 1, y + 1) + 2) >> 2) as u8;
                }
            }
        }
        return;
    }
    linear_pass(src, sw, &axis(sw, PATCH, true), &axis(sh, PATCH, false), out);
}

/// OpenCV's fixed-point two-pass linear interpolation: output column `dx` blends source
/// columns `xw[dx].0`, `.1` with weights `.2`, `.3` (sum 2048), rows likewise with `yw`;
/// `src` is packed RGB with rows of `sw` pixels.
fn linear_pass(
    src: &[u8],
    sw: usize,
    xw: &[(usize, usize, i32, i32)],
    yw: &[(usize, usize, i32, i32)],
    out: &mut [u8; PATCH * PATCH * 3],
) {
    let hrow = |y: usize, buf: &mut [i32; PATCH * 3]| {
        let r = &src[y * sw * 3..(y + 1) * sw * 3];
        for (dx, &(s0, s1, a0, a1)) in xw.iter().enumerate() {
            for c in 0..3 {
                buf[dx * 3 + c] = r[s0 * 3 + c] as i32 * a0 + r[s1 * 3 + c] as i32 * a1;
            }
        }
    };
    let (mut r0, mut r1) = ([0i32; PATCH * 3], [0i32; PATCH * 3]);
    for (dy, &(s0, s1, b0, b1)) in yw.iter().enumerate() {
        hrow(s0, &mut r0);
        hrow(s1, &mut r1);
        let row = &mut out[dy * PATCH * 3..(dy + 1) * PATCH * 3];
        for i in 0..PATCH * 3 {
            let v = (((b0 * (r0[i] >> 4)) >> 16) + ((b1 * (r1[i] >> 4)) >> 16) + 2) >> 2;
            row[i] = v.clamp(0, 255) as u8;
        }
    }
}

/// The model input for one face box and scale: packed RGB 80×80 (the model takes it as
/// BGR, see [`to_model_input`]). Reads only the pixels the resize touches.
pub fn crop_patch(frame: &FrameRef, b: FaceBox, scale: f64) -> Option<Box<[u8; PATCH * PATCH * 3]>> {
    let (w, h) = frame.upright_size();
    let [x0, y0, x1, y1] = crop_rect(w, h, b, scale)?;
    let (pw, ph) = ((x1 - x0 + 1) as usize, (y1 - y0 + 1) as usize);
    // Gather the source columns and rows the resize reads, into a small packed image
    // whose resize gives the same result as resizing the full patch.
    let area = pw == 2 * PATCH && ph == 2 * PATCH;
    let (xs, ys): (Vec<u32>, Vec<u32>) = if area {
        ((0..pw as u32).map(|x| x0 + x).collect(), (0..ph as u32).map(|y| y0 + y).collect())
    } else {
        let pick = |v: Vec<(usize, usize, i32, i32)>, o: u32| -> Vec<u32> {
            v.iter().flat_map(|&(a, b, _, _)| [o + a as u32, o + b as u32]).collect()
        };
        (pick(axis(pw, PATCH, true), x0), pick(axis(ph, PATCH, false), y0))
    };
    let mut px = Vec::new();
    frame.gather_rgb(&xs, &ys, &mut px);
    let mut out = Box::new([0u8; PATCH * PATCH * 3]);
    if area {
        resize_linear_80(&px, pw, ph, &mut out);
    } else {
        // In the gathered image, output pixel d reads columns 2d and 2d+1 (rows likewise),
        // with the weights of the full patch.
        let regather = |v: Vec<(usize, usize, i32, i32)>| -> Vec<(usize, usize, i32, i32)> {
            v.into_iter().enumerate().map(|(d, (_, _, a0, a1))| (2 * d, 2 * d + 1, a0, a1)).collect()
        };
        let (xw, yw) = (regather(axis(pw, PATCH, true)), regather(axis(ph, PATCH, false)));
        linear_pass(&px, xs.len(), &xw, &yw, &mut out);
    }
    Some(out)
}

/// Appends a packed RGB patch to `input` as the model wants it: BGR, float 0..255.
pub(crate) fn to_model_input(rgb: &[u8], input: &mut Vec<f32>) {
    for p in rgb.chunks_exact(3) {
        input.extend([p[2] as f32, p[1] as f32, p[0] as f32]);
    }
}

/// Scores of one face image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PassiveScore {
    /// Frame time (µs).
    pub t_us: i64,
    /// The face box used.
    pub face_box: FaceBox,
    /// MiniFASNetV2 (scale 2.7) softmax.
    pub v2: [f32; 3],
    /// MiniFASNetV1SE (scale 4.0) softmax.
    pub v1se: [f32; 3],
    /// Mean of the two.
    pub fused: [f32; 3],
    /// Fused probability of a real face (class 1).
    pub p_real: f32,
    /// The reference decision: argmax of the fused vector is class 1.
    pub live: bool,
}

pub(crate) fn argmax(p: &[f32; 3]) -> usize {
    let mut best = 0;
    for i in 1..3 {
        if p[i] > p[best] {
            best = i;
        }
    }
    best
}

impl PassiveScore {
    pub(crate) fn new(t_us: i64, face_box: FaceBox, v2: [f32; 3], v1se: [f32; 3]) -> PassiveScore {
        let fused = [(v2[0] + v1se[0]) / 2.0, (v2[1] + v1se[1]) / 2.0, (v2[2] + v1se[2]) / 2.0];
        PassiveScore { t_us, face_box, v2, v1se, fused, p_real: fused[1], live: argmax(&fused) == 1 }
    }
}

/// The loaded model pair.
#[derive(Debug)]
pub(crate) struct PassiveModels {
    pub v2: Model,
    pub v1se: Model,
}

impl PassiveModels {
    /// Scores `n` crop pairs: `inputs[k]` holds `n` model inputs for model `k`.
    pub(crate) fn run(&self, inputs: [&[f32]; 2], n: usize) -> Result<Vec<([f32; 3], [f32; 3])>> {
        let per = PATCH * PATCH * 3;
        if n == 0 || inputs.iter().any(|i| i.len() != n * per) {
            return Err(Error::new(ErrorKind::Inference, format!("anti-spoof batch of {n} has the wrong input size")));
        }
        let mut o2 = vec![0.0f32; n * 3];
        let mut o1 = vec![0.0f32; n * 3];
        self.v2.run_batch(inputs[0], n, &mut [&mut o2])?;
        self.v1se.run_batch(inputs[1], n, &mut [&mut o1])?;
        let take = |v: &[f32], i: usize| [v[i * 3], v[i * 3 + 1], v[i * 3 + 2]];
        Ok((0..n).map(|i| (take(&o2, i), take(&o1, i))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_rect_follows_the_reference_rule() {
        // 640x480, box 200x200 at (220,140): 2.7 clamps to (479/200)=2.395.
        let b = FaceBox { x: 220, y: 140, w: 200, h: 200 };
        let r = crop_rect(640, 480, b, 2.7).unwrap();
        // nw = nh = 479, centre (320, 240): x0 = 80.5, y0 = 0.5, x1 = 559.5, y1 = 479.5 -> shift up by 0.5.
        assert_eq!(r, [80, 0, 559, 479]);
        // Near the left edge: shifted right, not shrunk.
        let r = crop_rect(640, 480, FaceBox { x: 0, y: 200, w: 60, h: 60 }, 2.7).unwrap();
        assert_eq!(r[0], 0);
        assert_eq!(r[2], 162);
        assert!(crop_rect(640, 480, FaceBox { x: 0, y: 0, w: 0, h: 10 }, 2.7).is_none());
    }

    #[test]
    fn resize_matches_known_opencv_values() {
        // Constant images stay constant; a horizontal ramp 0..159 halves exactly (area path).
        let src = vec![77u8; 123 * 97 * 3];
        let mut out = [0u8; PATCH * PATCH * 3];
        resize_linear_80(&src, 123, 97, &mut out);
        assert!(out.iter().all(|&v| v == 77));
        let ramp: Vec<u8> = (0..160 * 160).flat_map(|i| [(i % 160) as u8; 3]).collect();
        resize_linear_80(&ramp, 160, 160, &mut out);
        // (2x + 2x+1 + 2x + 2x+1 + 2) >> 2 = 2x + 1 (integer).
        assert_eq!(out[0], 1);
        assert_eq!(out[3 * 10], 21);
        // Bad input: no panic, a black patch.
        resize_linear_80(&ramp[..10], 160, 160, &mut out);
        assert!(out.iter().all(|&v| v == 0));
        resize_linear_80(&[], 0, 0, &mut out);
    }

    #[test]
    fn fusion_is_the_mean_and_argmax() {
        let s = PassiveScore::new(0, FaceBox { x: 0, y: 0, w: 1, h: 1 }, [0.1, 0.5, 0.4], [0.0, 0.4, 0.6]);
        assert!((s.p_real - 0.45).abs() < 1e-6);
        assert!(!s.live, "fused [0.05, 0.45, 0.5] is class 2");
    }
}
