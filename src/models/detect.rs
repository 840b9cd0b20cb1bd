//! BlazeFace short-range: letterbox, 896 SSD anchors, decoding and weighted NMS.

use serde::Serialize;

use crate::frame::FrameRef;
use crate::geometry::Affine;

pub(crate) const SIZE: usize = 128;
pub(crate) const NUM_ANCHORS: usize = 896;
const MIN_SCORE: f32 = 0.5;
const NMS_IOU: f32 = 0.3;

/// One face found by the detector, in upright-frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Detection {
    /// `[x0, y0, x1, y1]`.
    pub bbox: [f32; 4],
    /// Six keypoints: right eye, left eye (the subject's), nose tip, mouth centre, right
    /// ear tragion, left ear tragion.
    pub keypoints: [[f32; 2]; 6],
    /// Confidence in `0..1`.
    pub score: f32,
}

impl Detection {
    pub(crate) fn area(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).max(0.0) * (self.bbox[3] - self.bbox[1]).max(0.0)
    }

    /// The same detection mapped by `to_buf` (upright picture -> caller's buffer).
    pub(crate) fn to_buffer(self, to_buf: &Affine) -> Detection {
        let (ax, ay) = to_buf.apply(self.bbox[0], self.bbox[1]);
        let (bx, by) = to_buf.apply(self.bbox[2], self.bbox[3]);
        let mut kps = self.keypoints;
        for kp in kps.iter_mut() {
            let (x, y) = to_buf.apply(kp[0], kp[1]);
            *kp = [x, y];
        }
        Detection { bbox: [ax.min(bx), ay.min(by), ax.max(bx), ay.max(by)], keypoints: kps, score: self.score }
    }
}

/// SSD anchor centres (normalised), MediaPipe's `SsdAnchorsCalculator` for the short-range
/// model: strides 8, 16, 16, 16 with two anchors per layer and cell; layers with the same
/// stride share one grid.
pub(crate) fn anchors() -> Vec<[f32; 2]> {
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    for (fm, per_cell) in [(16usize, 2usize), (8, 6)] {
        for y in 0..fm {
            for x in 0..fm {
                let c = [(x as f32 + 0.5) / fm as f32, (y as f32 + 0.5) / fm as f32];
                out.extend(std::iter::repeat_n(c, per_cell));
            }
        }
    }
    out
}

/// The letterbox that fits an upright frame into the 128² input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Letterbox {
    pub scale: f32,
    pub pad_x: usize,
    pub pad_y: usize,
    pub inner_w: usize,
    pub inner_h: usize,
}

impl Letterbox {
    pub fn new(w: u32, h: u32) -> Letterbox {
        let scale = SIZE as f32 / w.max(h) as f32;
        let inner_w = ((w as f32 * scale).round() as usize).clamp(1, SIZE);
        let inner_h = ((h as f32 * scale).round() as usize).clamp(1, SIZE);
        Letterbox { scale, pad_x: (SIZE - inner_w) / 2, pad_y: (SIZE - inner_h) / 2, inner_w, inner_h }
    }

    /// Tensor pixel coordinates -> upright-frame coordinates.
    pub fn tensor_to_frame(&self) -> Affine {
        let s = 1.0 / self.scale;
        Affine { a: s, b: 0.0, c: 0.0, d: s, tx: -(self.pad_x as f32) * s, ty: -(self.pad_y as f32) * s }
    }

    /// Supersampling taps: plain bilinear (as MediaPipe, whose pipeline trained the model)
    /// up to an 8× shrink (1024 px frames), 2×2 beyond, where bilinear alone would alias.
    pub fn taps(&self) -> usize {
        if self.scale < 0.125 {
            2
        } else {
            1
        }
    }
}

/// Fills the detector input (`128*128*3`, RGB in `[-1, 1]`, black padding).
pub(crate) fn preprocess(frame: &FrameRef, input: &mut [f32]) -> Letterbox {
    let (w, h) = frame.upright_size();
    let lb = Letterbox::new(w, h);
    let valid = [lb.pad_x, lb.pad_y, lb.pad_x + lb.inner_w, lb.pad_y + lb.inner_h];
    frame.sample_rgb(&lb.tensor_to_frame(), SIZE, SIZE, lb.taps(), 1.0 / 127.5, -1.0, Some(valid), -1.0, input);
    lb
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Decodes raw outputs into detections in upright-frame pixels (after weighted NMS),
/// highest score first. `scratch` is reused between calls.
pub(crate) fn decode(
    regressors: &[f32],
    classificators: &[f32],
    anchors: &[[f32; 2]],
    lb: &Letterbox,
    scratch: &mut Vec<Detection>,
) -> Vec<Detection> {
    scratch.clear();
    let to_frame = lb.tensor_to_frame();
    for (i, a) in anchors.iter().enumerate() {
        let logit = classificators[i].clamp(-100.0, 100.0);
        let score = sigmoid(logit);
        if score < MIN_SCORE {
            continue;
        }
        let r = &regressors[i * 16..i * 16 + 16];
        // Offsets are in tensor pixels relative to the anchor centre.
        let (ax, ay) = (a[0] * SIZE as f32, a[1] * SIZE as f32);
        let (cx, cy, bw, bh) = (r[0] + ax, r[1] + ay, r[2], r[3]);
        let (x0, y0) = to_frame.apply(cx - bw / 2.0, cy - bh / 2.0);
        let (x1, y1) = to_frame.apply(cx + bw / 2.0, cy + bh / 2.0);
        let mut keypoints = [[0.0; 2]; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            let (x, y) = to_frame.apply(r[4 + 2 * k] + ax, r[5 + 2 * k] + ay);
            *kp = [x, y];
        }
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) || x1 <= x0 || y1 <= y0 {
            continue;
        }
        scratch.push(Detection { bbox: [x0, y0, x1, y1], keypoints, score });
    }
    weighted_nms(scratch)
}

/// MediaPipe's WEIGHTED non-max suppression: each top detection absorbs every remaining
/// one overlapping it by IoU > 0.3; the result is the score-weighted mean of the cluster
/// with the top score.
pub(crate) fn weighted_nms(dets: &mut [Detection]) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    let mut taken = vec![false; dets.len()];
    for i in 0..dets.len() {
        if taken[i] {
            continue;
        }
        let top = dets[i];
        let (mut wsum, mut bbox, mut kps) = (0.0f32, [0.0f32; 4], [[0.0f32; 2]; 6]);
        for j in i..dets.len() {
            if taken[j] || iou(&top.bbox, &dets[j].bbox) <= NMS_IOU && j != i {
                continue;
            }
            taken[j] = true;
            let d = &dets[j];
            wsum += d.score;
            for (acc, v) in bbox.iter_mut().zip(d.bbox.iter()) {
                *acc += v * d.score;
            }
            for (acc, kp) in kps.iter_mut().zip(d.keypoints.iter()) {
                acc[0] += kp[0] * d.score;
                acc[1] += kp[1] * d.score;
            }
        }
        bbox.iter_mut().for_each(|v| *v /= wsum);
        kps.iter_mut().for_each(|kp| {
            kp[0] /= wsum;
            kp[1] /= wsum;
        });
        out.push(Detection { bbox, keypoints: kps, score: top.score });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_layout_matches_mediapipe() {
        let a = anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        assert_eq!(a[0], [0.5 / 16.0, 0.5 / 16.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], [1.5 / 16.0, 0.5 / 16.0]);
        assert_eq!(a[512], [0.5 / 8.0, 0.5 / 8.0]);
        assert_eq!(a[517], a[512]);
        assert_eq!(a[518], [1.5 / 8.0, 0.5 / 8.0]);
        assert_eq!(a[895], [7.5 / 8.0, 7.5 / 8.0]);
    }

    #[test]
    fn letterbox_centres_landscape_frames() {
        let lb = Letterbox::new(640, 480);
        assert_eq!((lb.inner_w, lb.inner_h, lb.pad_x, lb.pad_y), (128, 96, 0, 16));
        let (x, y) = lb.tensor_to_frame().apply(64.0, 64.0);
        assert!((x - 320.0).abs() < 1e-3 && (y - 240.0).abs() < 1e-3);
        assert_eq!(lb.taps(), 1);
        assert_eq!(Letterbox::new(1280, 720).taps(), 2);
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_faces() {
        let d = |x: f32, s: f32| Detection { bbox: [x, 0.0, x + 10.0, 10.0], keypoints: [[x, 0.0]; 6], score: s };
        let mut v = vec![d(0.0, 0.9), d(1.0, 0.6), d(50.0, 0.7)];
        let out = weighted_nms(&mut v);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        let expect = (0.0 * 0.9 + 1.0 * 0.6) / 1.5;
        assert!((out[0].bbox[0] - expect).abs() < 1e-5);
        assert_eq!(out[1].bbox[0], 50.0);
    }
}
