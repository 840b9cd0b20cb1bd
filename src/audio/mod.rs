//! Audio for the digit (LIP) mode: voice activity from a pinned model and the speech
//! envelope the lips are compared with.

#[cfg(feature = "audio")]
mod mic;
mod resample;
pub mod vad;

pub use resample::resample_mono;

#[cfg(feature = "audio")]
pub use mic::{list_microphones, CapturedAudio, Microphone, MicrophoneInfo};
pub use vad::{VoiceDetector, VAD_CHUNK, VAD_RATE};
