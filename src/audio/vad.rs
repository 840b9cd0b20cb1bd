//! Voice activity detection with Silero VAD 6.0.0 (MIT; the 16 kHz ONNX export from the
//! PyPI `silero-vad` wheel, embedded and sha256-pinned: `models/manifest.toml`).
//!
//! The model is a small recurrent network: it takes 512 new samples (32 ms at 16 kHz)
//! with the previous chunk's last 64 in front, carries a `2 x 128` state from chunk to
//! chunk, and gives the probability that the chunk is speech. Unlike an energy gate it
//! is trained to ignore noise and music, which is what a liveness check needs: a fan or
//! a TV in the room is not the user reading the code.

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::models::Models;

/// The model's sample rate.
pub const VAD_RATE: u32 = 16_000;
/// Samples per probability (32 ms).
pub const VAD_CHUNK: usize = 512;
const CONTEXT: usize = 64;
const STATE: usize = 2 * 128;

/// A streaming voice detector: push 16 kHz mono samples, get one speech probability per
/// 512 of them. One per audio stream (it carries the model's state); see
/// [`crate::Engine::voice_detector`].
pub struct VoiceDetector {
    models: Arc<Models>,
    state: Vec<f32>,
    context: [f32; CONTEXT],
    pending: Vec<f32>,
    probs: Vec<f32>,
}

impl std::fmt::Debug for VoiceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceDetector").field("chunks", &self.probs.len()).finish()
    }
}

impl VoiceDetector {
    pub(crate) fn new(models: Arc<Models>) -> Result<VoiceDetector> {
        models.vad()?;
        Ok(VoiceDetector {
            models,
            state: vec![0.0; STATE],
            context: [0.0; CONTEXT],
            pending: Vec::new(),
            probs: Vec::new(),
        })
    }

    /// Feeds samples (16 kHz mono, -1..1); returns the probabilities of the chunks they
    /// completed (chunk `k` covers samples `512 k .. 512 (k + 1)` of the stream).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for non-finite samples; inference errors.
    pub fn push(&mut self, samples: &[f32]) -> Result<&[f32]> {
        if samples.iter().any(|v| !v.is_finite()) {
            return Err(Error::new(ErrorKind::Config, "audio samples must be finite"));
        }
        let before = self.probs.len();
        self.pending.extend_from_slice(samples);
        let mut used = 0;
        while self.pending.len() - used >= VAD_CHUNK {
            let chunk: Vec<f32> = self.pending[used..used + VAD_CHUNK].to_vec();
            let p = self.run(&chunk)?;
            self.probs.push(p);
            used += VAD_CHUNK;
        }
        self.pending.drain(..used);
        Ok(&self.probs[before..])
    }

    /// Every probability so far, one per 32 ms chunk.
    pub fn probabilities(&self) -> &[f32] {
        &self.probs
    }

    fn run(&mut self, chunk: &[f32]) -> Result<f32> {
        let model = self.models.vad()?;
        let mut input = Vec::with_capacity(CONTEXT + VAD_CHUNK);
        input.extend_from_slice(&self.context);
        input.extend_from_slice(chunk);
        let p = model.run_vad(input, &mut self.state)?;
        self.context.copy_from_slice(&chunk[VAD_CHUNK - CONTEXT..]);
        Ok(p)
    }
}
