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

mod planar;
mod pulse;
mod texture;

use serde::Serialize;

pub(crate) use planar::{planar_cue, PlanarSample};
pub use planar::{PlanarConfig, PlanarCue};
pub use pulse::PulseCue;
pub(crate) use pulse::{pulse_cue, skin_rgb};
pub(crate) use texture::{edge_cue, spectrum_cue};
pub use texture::{EdgeConfig, EdgeCue, SpectrumConfig, SpectrumCue};

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

pub(crate) fn quantile(v: &mut [f32], q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let k = ((v.len() - 1) as f32 * q).round() as usize;
    *v.select_nth_unstable_by(k, f32::total_cmp).1
}
