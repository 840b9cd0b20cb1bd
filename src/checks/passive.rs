//! Passive anti-spoofing with the MiniFASNet pair: the per-frame scores come from
//! [`crate::Engine::antispoof_boxes`] (pre-processing and the models live in the models
//! layer); this module fuses them over the frames a session kept.

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Result;
use crate::frame::FrameRef;
use crate::models::passive::argmax;
pub use crate::models::passive::{crop_patch, FaceBox, PassiveScore, PATCH, SCALES};

/// The most confident face's box in the reference convention (upright pixels), or `None`.
///
/// # Errors
/// Inference errors from the detector.
pub fn upright_face_box(engine: &Engine, frame: &FrameRef) -> Result<Option<FaceBox>> {
    Ok(engine.detect_upright(frame)?.first().map(|d| FaceBox::from_corners(d.bbox)))
}

/// Summary of the passive model over the frames it saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassiveSummary {
    /// Per-frame scores.
    pub frames: Vec<PassiveScore>,
    /// Mean fused probability vector over the frames.
    pub fused: [f32; 3],
    /// Mean fused probability of a real face.
    pub p_real: f32,
    /// Lowest per-frame p_real.
    pub min_p_real: f32,
    /// Reference decision on the mean vector.
    pub live: bool,
}

impl PassiveSummary {
    /// Fuses per-frame scores (`None` when empty).
    pub fn from_frames(frames: Vec<PassiveScore>) -> Option<PassiveSummary> {
        if frames.is_empty() {
            return None;
        }
        let n = frames.len() as f32;
        let mut fused = [0.0f32; 3];
        for f in &frames {
            for (a, b) in fused.iter_mut().zip(f.fused) {
                *a += b / n;
            }
        }
        let min_p_real = frames.iter().map(|f| f.p_real).fold(1.0, f32::min);
        Some(PassiveSummary { fused, p_real: fused[1], min_p_real, live: argmax(&fused) == 1, frames })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_the_mean_and_argmax() {
        let s = PassiveScore::new(0, FaceBox { x: 0, y: 0, w: 1, h: 1 }, [0.1, 0.5, 0.4], [0.0, 0.4, 0.6]);
        let sum =
            PassiveSummary::from_frames(vec![s, PassiveScore::new(1, s.face_box, [0.0, 1.0, 0.0], [0.0, 1.0, 0.0])])
                .unwrap();
        assert!(sum.live);
        assert!((sum.min_p_real - 0.45).abs() < 1e-6);
        assert!((sum.p_real - (0.45 + 1.0) / 2.0).abs() < 1e-6);
        assert!(PassiveSummary::from_frames(Vec::new()).is_none());
    }
}
