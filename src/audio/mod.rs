//! Audio for the digit (LIP) mode: voice activity from a pinned model and the speech
//! envelope the lips are compared with.

mod resample;
pub mod vad;

pub use resample::resample_mono;

pub use vad::{VoiceDetector, VAD_CHUNK, VAD_RATE};
