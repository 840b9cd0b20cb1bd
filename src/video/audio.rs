//! Audio out of a clip, as mono `f32` at 16 kHz (what speech models and the digit mode
//! use): symphonia for AAC/MP3/PCM in MP4/MOV/WAV, FFmpeg for the rest when the `ffmpeg`
//! feature is on; a windowed-sinc resampler of our own.

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Mono audio samples in `[-1, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioClip {
    /// Samples per second.
    pub sample_rate: u32,
    /// The samples.
    pub samples: Vec<f32>,
    /// The source codec.
    pub codec: String,
}

impl AudioClip {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.samples.len() as f64 / self.sample_rate as f64
        }
    }
}

/// Rate of the clips [`extract_audio`] returns.
pub const AUDIO_RATE: u32 = 16_000;

/// Extracts the first audio track of a file as mono f32 at 16 kHz. `Ok(None)` when the
/// file has no audio track.
///
/// # Errors
/// [`ErrorKind::Io`] when the file cannot be read, [`ErrorKind::Decode`] for a corrupt
/// audio stream, [`ErrorKind::Unsupported`] for a codec this build cannot decode.
pub fn extract_audio(path: &Path) -> Result<Option<AudioClip>> {
    match symphonia_decode(path) {
        Ok(r) => Ok(r),
        #[cfg(feature = "ffmpeg")]
        Err(e) if matches!(e.kind(), ErrorKind::Unsupported) => ffmpeg_decode(path),
        Err(e) => Err(e),
    }
}

fn symphonia_decode(path: &Path) -> Result<Option<AudioClip>> {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
    use symphonia::core::errors::Error as SErr;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let file = std::fs::File::open(path)
        .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot read {}", path.display()), e))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let unsupported = |what: String| Error::new(ErrorKind::Unsupported, format!("{what}: {}", path.display()));
    let probed = symphonia::default::get_probe()
        .format(&hint, mss, &FormatOptions::default(), &MetadataOptions::default())
        .map_err(|e| unsupported(format!("audio container not readable without FFmpeg ({e})")))?;
    let mut format = probed.format;
    let Some(track) = format.tracks().iter().find(|t| t.codec_params.codec != CODEC_TYPE_NULL).cloned() else {
        return Ok(None);
    };
    let codec = symphonia::default::get_codecs()
        .get_codec(track.codec_params.codec)
        .map(|d| d.short_name.to_string())
        .unwrap_or_else(|| "unknown".into());
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| unsupported(format!("audio codec not decodable without FFmpeg ({e})")))?;
    let mut rate = track.codec_params.sample_rate.unwrap_or(0);
    let mut mono = Vec::new();
    let mut bad_packets = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SErr::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SErr::ResetRequired) => break,
            Err(e) => {
                return Err(Error::new(ErrorKind::Decode, format!("audio stream unreadable ({e}): {}", path.display())))
            }
        };
        if packet.track_id() != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SErr::DecodeError(_)) => {
                bad_packets += 1;
                if bad_packets > 100 {
                    return Err(Error::new(ErrorKind::Decode, format!("audio stream corrupt: {}", path.display())));
                }
                continue;
            }
            Err(e) => {
                return Err(Error::new(ErrorKind::Decode, format!("audio decode failed ({e}): {}", path.display())))
            }
        };
        let spec = *decoded.spec();
        rate = spec.rate;
        let channels = spec.channels.count().max(1);
        let mut sb = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
        sb.copy_interleaved_ref(decoded);
        mono.extend(sb.samples().chunks(channels).map(|c| c.iter().sum::<f32>() / channels as f32));
    }
    if rate == 0 {
        return Err(Error::new(ErrorKind::Decode, format!("audio track without a sample rate: {}", path.display())));
    }
    Ok(Some(AudioClip { sample_rate: AUDIO_RATE, samples: resample_mono(&mono, rate, AUDIO_RATE), codec }))
}

#[cfg(feature = "ffmpeg")]
fn ffmpeg_decode(path: &Path) -> Result<Option<AudioClip>> {
    use ffmpeg_next as ff;
    super::ffmpeg::init()?;
    let err = |what: &str, e: ff::Error| Error::new(ErrorKind::Decode, format!("{what} ({e}): {}", path.display()));
    let mut input = ff::format::input(path).map_err(|e| err("cannot open the file with FFmpeg", e))?;
    let Some(st) = input.streams().best(ff::media::Type::Audio) else { return Ok(None) };
    let index = st.index();
    let ctx = ff::codec::context::Context::from_parameters(st.parameters()).map_err(|e| err("bad audio stream", e))?;
    let mut decoder = ctx.decoder().audio().map_err(|e| err("no decoder for this audio codec", e))?;
    let codec = decoder.codec().map(|c| c.name().to_string()).unwrap_or_else(|| "unknown".into());
    let mut resampler: Option<ff::software::resampling::Context> = None;
    let mut out = Vec::new();
    let mut frame = ff::frame::Audio::empty();
    let mut drain = |decoder: &mut ff::decoder::Audio, out: &mut Vec<f32>| -> Result<()> {
        while decoder.receive_frame(&mut frame).is_ok() {
            if frame.channel_layout().is_empty() {
                frame.set_channel_layout(ff::ChannelLayout::default(frame.channels() as i32));
            }
            let rs = match resampler.as_mut() {
                Some(r) => r,
                None => resampler.insert(
                    ff::software::resampling::Context::get(
                        frame.format(),
                        frame.channel_layout(),
                        frame.rate(),
                        ff::format::Sample::F32(ff::format::sample::Type::Packed),
                        ff::ChannelLayout::MONO,
                        AUDIO_RATE,
                    )
                    .map_err(|e| err("cannot resample the audio", e))?,
                ),
            };
            let mut conv = ff::frame::Audio::empty();
            rs.run(&frame, &mut conv).map_err(|e| err("audio resampling failed", e))?;
            let n = conv.samples();
            let bytes = conv.data(0);
            out.extend(bytes.chunks_exact(4).take(n).map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])));
        }
        Ok(())
    };
    let mut packet = ff::Packet::empty();
    loop {
        match packet.read(&mut input) {
            Ok(()) => {
                if packet.stream() == index {
                    let _ = decoder.send_packet(&packet);
                    drain(&mut decoder, &mut out)?;
                }
            }
            Err(ff::Error::Eof) => break,
            Err(_) => continue,
        }
    }
    let _ = decoder.send_eof();
    drain(&mut decoder, &mut out)?;
    Ok(Some(AudioClip { sample_rate: AUDIO_RATE, samples: out, codec }))
}

pub use crate::audio::resample_mono;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_a_tone_and_removes_what_cannot_be_kept() {
        let from = 48_000;
        let tone = |f: f64, n: usize| -> Vec<f32> {
            (0..n).map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / from as f64).sin() as f32).collect()
        };
        let out = resample_mono(&tone(440.0, 48_000), from, 16_000);
        assert_eq!(out.len(), 16_000);
        let rms = (out[2000..14000].iter().map(|v| v * v).sum::<f32>() / 12000.0).sqrt();
        assert!((rms - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.02, "440 Hz kept: rms {rms}");
        // 12 kHz is above the new Nyquist (8 kHz): it must not fold back.
        let out = resample_mono(&tone(12_000.0, 48_000), from, 16_000);
        let rms = (out[2000..14000].iter().map(|v| v * v).sum::<f32>() / 12000.0).sqrt();
        assert!(rms < 0.01, "12 kHz removed: rms {rms}");
        // Upsampling 8 kHz -> 16 kHz doubles the length.
        assert_eq!(resample_mono(&[0.0; 8000], 8000, 16_000).len(), 16_000);
    }
}
