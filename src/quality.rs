//! The quality gate: is this frame good enough to judge liveness on?

use serde::Serialize;

use crate::track::{FaceReport, FrameReport};

/// Quality limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityConfig {
    /// Face box height over picture height: below is too far.
    pub min_face_height: f32,
    /// ... above is too close.
    pub max_face_height: f32,
    /// Largest horizontal offset of the face centre (fraction of the width).
    pub max_offset_x: f32,
    /// Largest vertical offset (fraction of the height).
    pub max_offset_y: f32,
    /// Mean face luma below this is too dark.
    pub min_brightness: f32,
    /// ... above this too bright.
    pub max_brightness: f32,
    /// Laplacian variance below this is blurred.
    pub min_sharpness: f32,
    /// Largest |yaw| and |roll| (degrees) for the neutral phase.
    pub max_frontal_angle: f32,
    /// Largest share of the face box outside the picture.
    pub max_outside: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            min_face_height: 0.18,
            max_face_height: 0.9,
            max_offset_x: 0.22,
            max_offset_y: 0.28,
            min_brightness: 45.0,
            max_brightness: 225.0,
            min_sharpness: 8.0,
            max_frontal_angle: 25.0,
            max_outside: 0.08,
        }
    }
}

/// Why a frame fails the gate, most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityIssue {
    /// No face.
    NoFace,
    /// More than one face.
    MultipleFaces,
    /// Part of the face outside the picture.
    FaceIncomplete,
    /// Face too small.
    TooFar,
    /// Face too large.
    TooClose,
    /// Face left of centre (as shown).
    OffLeft,
    /// Face right of centre.
    OffRight,
    /// Face too high or too low.
    OffCentre,
    /// Too dark.
    TooDark,
    /// Too bright.
    TooBright,
    /// Blurred.
    Blurry,
    /// Not looking at the camera (only checked where frontal is required).
    NotFrontal,
}

/// Checks one frame; `frontal` also requires a frontal pose.
pub fn check(report: &FrameReport, cfg: &QualityConfig, frontal: bool) -> Option<QualityIssue> {
    let Some(f) = &report.face else { return Some(QualityIssue::NoFace) };
    if report.faces_detected > 1 {
        return Some(QualityIssue::MultipleFaces);
    }
    // Share of the landmark box outside the buffer.
    let (w, h) = (report.width as f32, report.height as f32);
    let [x0, y0, x1, y1] = f.bbox;
    let area = ((x1 - x0) * (y1 - y0)).max(1.0);
    let inside = ((x1.min(w) - x0.max(0.0)).max(0.0)) * ((y1.min(h) - y0.max(0.0)).max(0.0));
    if 1.0 - inside / area > cfg.max_outside {
        return Some(QualityIssue::FaceIncomplete);
    }
    let fh = f.relative_size[1];
    if fh < cfg.min_face_height {
        return Some(QualityIssue::TooFar);
    }
    if fh > cfg.max_face_height {
        return Some(QualityIssue::TooClose);
    }
    if f.center_offset[0] < -cfg.max_offset_x {
        return Some(QualityIssue::OffLeft);
    }
    if f.center_offset[0] > cfg.max_offset_x {
        return Some(QualityIssue::OffRight);
    }
    if f.center_offset[1].abs() > cfg.max_offset_y {
        return Some(QualityIssue::OffCentre);
    }
    if f.brightness < cfg.min_brightness {
        return Some(QualityIssue::TooDark);
    }
    if f.brightness > cfg.max_brightness {
        return Some(QualityIssue::TooBright);
    }
    if f.sharpness < cfg.min_sharpness {
        return Some(QualityIssue::Blurry);
    }
    if frontal && (f.pose.yaw.abs() > cfg.max_frontal_angle || f.pose.roll.abs() > cfg.max_frontal_angle) {
        return Some(QualityIssue::NotFrontal);
    }
    None
}

/// A candidate best frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestFrame {
    /// Frame time (µs).
    pub t_us: i64,
    /// Frame number in the session (0-based).
    pub index: usize,
    /// Quality score (higher is better): frontal, sharp, eyes open, well lit.
    pub score: f32,
    /// Face box in buffer pixels.
    pub bbox: [f32; 4],
}

/// A frame's quality as a best-frame candidate (higher is better): frontal, sharp, eyes
/// open, well lit.
pub fn frame_score(f: &FaceReport) -> f32 {
    let eyes = f.eyes.iter().map(|e| e.openness).sum::<f32>() / f.eyes.len().max(1) as f32;
    let frontal = 1.0 - (f.pose.yaw.abs() + f.pose.roll.abs()) / 60.0;
    let light = 1.0 - ((f.brightness - 130.0) / 130.0).abs();
    frontal.max(0.0) * 2.0 + (f.sharpness.min(400.0) / 400.0) + eyes * 2.0 + light.max(0.0)
}

/// The best frames of a session so far, best first, at most `capacity`.
#[derive(Debug, Clone)]
pub(crate) struct BestFrames {
    list: Vec<BestFrame>,
    capacity: usize,
}

impl BestFrames {
    pub fn new(capacity: usize) -> BestFrames {
        BestFrames { list: Vec::with_capacity(capacity + 1), capacity }
    }

    /// Offers frame `index`; returns its quality score.
    pub fn offer(&mut self, index: usize, t_us: i64, f: &FaceReport) -> f32 {
        let score = frame_score(f);
        self.list.push(BestFrame { t_us, index, score, bbox: f.bbox });
        self.list.sort_by(|a, b| b.score.total_cmp(&a.score));
        self.list.truncate(self.capacity);
        score
    }

    pub fn as_slice(&self) -> &[BestFrame] {
        &self.list
    }
}
