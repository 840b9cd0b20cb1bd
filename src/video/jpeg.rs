//! The best frame for the cloud API as JPEG (pure-Rust `jpeg-encoder`, 4:2:0).

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::geometry::Affine;

/// Best-frame JPEG settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct BestFrameConfig {
    /// JPEG quality 1..=100.
    pub quality: u8,
    /// Largest JPEG in bytes. Default 2,359,296: 3 MiB after base64, the API's limit.
    pub max_bytes: u64,
    /// Longest side in pixels; larger pictures are downscaled (0 = keep).
    pub max_side: u32,
}

impl Default for BestFrameConfig {
    fn default() -> Self {
        BestFrameConfig { quality: 90, max_bytes: 2_359_296, max_side: 1920 }
    }
}

/// Encodes the upright picture of `frame` as JPEG. When the file would exceed the budget
/// the quality steps down (to 40 at the lowest).
///
/// # Errors
/// [`ErrorKind::Config`] for quality 0 or above 100, [`ErrorKind::Encode`] when even
/// the lowest quality exceeds the budget.
pub fn encode_best_frame(frame: &FrameRef, config: &BestFrameConfig) -> Result<Vec<u8>> {
    if !(1..=100).contains(&config.quality) {
        return Err(Error::new(ErrorKind::Config, format!("JPEG quality must be 1..=100, got {}", config.quality)));
    }
    let (uw, uh) = frame.upright_size();
    let scale = if config.max_side > 0 && uw.max(uh) > config.max_side {
        uw.max(uh) as f32 / config.max_side as f32
    } else {
        1.0
    };
    let (w, h) = (((uw as f32 / scale).round() as usize).max(1), ((uh as f32 / scale).round() as usize).max(1));
    let rgb: Vec<u8> = match frame.packed_rgb8() {
        // Already upright, tight RGB at the output size: encode the caller's bytes.
        Some(bytes) if scale == 1.0 => bytes.to_vec(),
        _ => {
            let mut rgbf = vec![0.0f32; w * h * 3];
            let m = Affine { a: uw as f32 / w as f32, b: 0.0, c: 0.0, d: uh as f32 / h as f32, tx: 0.0, ty: 0.0 };
            frame.sample_rgb(&m, w, h, (scale.ceil() as usize).clamp(1, 4), 1.0, 0.0, None, 0.0, &mut rgbf);
            rgbf.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect()
        }
    };
    let (w16, h16) = (u16::try_from(w), u16::try_from(h));
    let (Ok(w16), Ok(h16)) = (w16, h16) else {
        return Err(Error::new(ErrorKind::Encode, format!("picture {w}x{h} too large for JPEG")));
    };
    let mut q = config.quality;
    loop {
        let mut out = Vec::with_capacity(w * h / 4);
        let mut enc = Encoder::new(&mut out, q);
        enc.set_sampling_factor(SamplingFactor::F_2_2);
        enc.encode(&rgb, w16, h16, ColorType::Rgb)
            .map_err(|e| Error::new(ErrorKind::Encode, format!("JPEG encoding failed: {e}")))?;
        if out.len() as u64 <= config.max_bytes {
            return Ok(out);
        }
        if q <= 40 {
            return Err(Error::new(
                ErrorKind::Encode,
                format!("JPEG of {w}x{h} exceeds {} bytes even at quality {q}", config.max_bytes),
            ));
        }
        q = q.saturating_sub(10).max(40);
    }
}
