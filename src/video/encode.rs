//! The evidence video for the cloud API: H.264 (OpenH264, Constrained Baseline) in MP4
//! (muxide, moov first), 320 px wide and 25 fps by default, within a byte budget, with
//! an optional Opus audio track.
//!
//! Audio is Opus (pure-Rust `opus-rs`, 16 kHz mono, 24 kbit/s) rather than AAC: it needs
//! no system library and no patent-encumbered or non-free encoder (the only embeddable
//! Rust AAC encoder bundles FDK-AAC under Fraunhofer's own licence), it is better than
//! AAC for speech at this bitrate, and Opus in MP4 is standard (ffmpeg, browsers and
//! Android play it). The audio is cut to the video's time window and starts at the first
//! video frame, so the two stay aligned to the sample.
//!
//! Frames are pushed as they arrive (any pixel format, orientation and rate); each is
//! turned upright and downscaled at once, so only small I420 pictures are kept. `finish`
//! resamples them to the output rate by their timestamps and encodes; when the result
//! would exceed the budget it re-encodes at a proportionally lower bitrate.

use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode, UsageType};
use openh264::formats::YUVSlices;
use openh264::OpenH264API;

use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::geometry::Affine;

/// Evidence video settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct EvidenceConfig {
    /// Output width in pixels (height follows the picture's aspect ratio, both even).
    pub width: u32,
    /// Output frame rate.
    pub fps: f32,
    /// Largest MP4 in bytes. Default 6,291,456: 8 MiB after base64, the API's limit.
    pub max_bytes: u64,
    /// Target bitrate; the budget lowers it when needed.
    pub bitrate_bps: u32,
    /// Keep only frames at or after this time (µs), if set.
    pub start_us: Option<i64>,
    /// Keep only frames at or before this time (µs), if set.
    pub end_us: Option<i64>,
    /// The sound's codec: Opus (default, every build) or AAC-LC (builds with the
    /// `ffmpeg` feature: FFmpeg's native encoder; what MP4 players and most servers expect).
    pub audio_codec: AudioCodec,
}

/// Codec of the evidence video's sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AudioCodec {
    /// Opus at 24 kb/s, 20 ms packets (pure Rust).
    #[default]
    Opus,
    /// AAC-LC at 32 kb/s, 16 kHz mono (feature `ffmpeg`).
    Aac,
}

impl std::str::FromStr for AudioCodec {
    type Err = Error;
    fn from_str(s: &str) -> Result<AudioCodec> {
        match s.to_ascii_lowercase().as_str() {
            "opus" => Ok(AudioCodec::Opus),
            "aac" => Ok(AudioCodec::Aac),
            other => Err(Error::new(ErrorKind::Config, format!("unknown audio codec {other:?} (opus or aac)"))),
        }
    }
}

/// Encoded sound for the muxer.
struct SoundTrack {
    codec: muxide::api::AudioCodec,
    rate: u32,
    packets: Vec<Vec<u8>>,
    /// Seconds per packet.
    packet_s: f64,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            width: 320,
            fps: 25.0,
            max_bytes: 6_291_456,
            bitrate_bps: 900_000,
            start_us: None,
            end_us: None,
            audio_codec: AudioCodec::Opus,
        }
    }
}

/// An encoded evidence video.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct EvidenceVideo {
    /// The MP4 file.
    #[serde(skip)]
    pub mp4: Vec<u8>,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames written.
    pub frames: u32,
    /// Duration, microseconds.
    pub duration_us: i64,
    /// Bitrate the encoder was asked for in the final pass.
    pub bitrate_bps: u32,
    /// Encoding passes needed to fit the budget.
    pub passes: u32,
}

impl std::fmt::Debug for EvidenceVideo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceVideo")
            .field("bytes", &self.mp4.len())
            .field("size", &(self.width, self.height))
            .field("frames", &self.frames)
            .field("duration_us", &self.duration_us)
            .field("bitrate_bps", &self.bitrate_bps)
            .finish()
    }
}

/// Collects frames for the evidence video; see the module docs.
#[derive(Debug)]
pub struct EvidenceEncoder {
    config: EvidenceConfig,
    size: Option<(u32, u32)>,
    pictures: Vec<(i64, Vec<u8>)>,
    rgb: Vec<f32>,
    /// Mono 16 kHz audio and the capture time of its first sample.
    audio: Option<(i64, Vec<f32>)>,
}

/// Opus frame: 20 ms at 16 kHz.
const OPUS_FRAME: usize = 320;

impl EvidenceEncoder {
    /// # Errors
    /// [`ErrorKind::Config`] for a width below 16 or above 4096, a frame rate outside
    /// 1..=120 or a budget below 10 kB.
    pub fn new(config: EvidenceConfig) -> Result<EvidenceEncoder> {
        if !(16..=4096).contains(&config.width) || !(1.0..=120.0).contains(&config.fps) || config.max_bytes < 10_000 {
            return Err(Error::new(ErrorKind::Config, format!("invalid evidence video settings {config:?}")));
        }
        Ok(EvidenceEncoder { config, size: None, pictures: Vec::new(), rgb: Vec::new(), audio: None })
    }

    /// Adds one frame (ignored outside the configured time window).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidFrame`] when the upright size changes mid-video.
    pub fn push(&mut self, frame: &FrameRef) -> Result<()> {
        let t = frame.timestamp_us();
        if self.config.start_us.is_some_and(|s| t < s) || self.config.end_us.is_some_and(|e| t > e) {
            return Ok(());
        }
        let (uw, uh) = frame.upright_size();
        let out = {
            let w = self.config.width.min(uw.max(2)) & !1;
            let h = (((uh as f64 * w as f64 / uw as f64).round() as u32).max(2)) & !1;
            (w.max(2), h.max(2))
        };
        match self.size {
            None => self.size = Some(out),
            Some(s) if s != out => {
                return Err(Error::new(
                    ErrorKind::InvalidFrame,
                    format!("frame size changed mid-video (output {s:?} -> {out:?})"),
                ))
            }
            _ => {}
        }
        let (w, h) = (out.0 as usize, out.1 as usize);
        let sx = uw as f32 / w as f32;
        let sy = uh as f32 / h as f32;
        let m = Affine { a: sx, b: 0.0, c: 0.0, d: sy, tx: 0.0, ty: 0.0 };
        // Bilinear at the centre of each output pixel already averages a 2x2 block, so one
        // tap covers shrinking up to 2x; each further 2x adds a tap per axis.
        let taps = ((sx.max(sy) / 2.0).ceil() as usize).clamp(1, 4);
        self.rgb.resize(w * h * 3, 0.0);
        frame.sample_rgb(&m, w, h, taps, 1.0, 0.0, None, 0.0, &mut self.rgb);
        self.pictures.push((t, rgb_to_i420_limited(&self.rgb, w, h)));
        Ok(())
    }

    /// Adds mono audio (any rate, resampled to 16 kHz) whose first sample was captured at
    /// `start_us` on the frames' clock. Later calls append (gaps are not filled).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a zero sample rate.
    pub fn push_audio(&mut self, samples: &[f32], sample_rate: u32, start_us: i64) -> Result<()> {
        if sample_rate == 0 {
            return Err(Error::new(ErrorKind::Config, "audio sample rate 0"));
        }
        let pcm = super::audio::resample_mono(samples, sample_rate, 16_000);
        match &mut self.audio {
            Some((_, buf)) => buf.extend_from_slice(&pcm),
            None => self.audio = Some((start_us, pcm)),
        }
        Ok(())
    }

    /// Keeps only the pictures (and audio) inside `[start_us, end_us]`, e.g. a session's
    /// evidence window once it is known.
    pub fn retain_window(&mut self, start_us: i64, end_us: i64) {
        self.pictures.retain(|p| p.0 >= start_us && p.0 <= end_us);
        if self.pictures.is_empty() {
            self.size = None;
        }
    }

    /// Frames collected so far.
    pub fn len(&self) -> usize {
        self.pictures.len()
    }

    /// Whether no frame has been collected.
    pub fn is_empty(&self) -> bool {
        self.pictures.is_empty()
    }

    /// Encodes the collected frames.
    ///
    /// # Errors
    /// [`ErrorKind::Encode`] when there is no frame, the encoder or muxer fails, or the
    /// budget cannot be met even at the lowest bitrate.
    pub fn finish(mut self) -> Result<EvidenceVideo> {
        let Some((w, h)) = self.size else {
            return Err(Error::new(ErrorKind::Encode, "no frames for the evidence video"));
        };
        self.pictures.sort_by_key(|p| p.0);
        let t0 = self.pictures[0].0;
        let t_end = self.pictures[self.pictures.len() - 1].0;
        let step = 1e6 / self.config.fps as f64;
        // Output ticks cover [t0, t_end]: each shows the latest picture at or before it.
        let ticks = (((t_end - t0) as f64 / step).floor() as usize) + 1;
        let mut order = Vec::with_capacity(ticks);
        let mut j = 0usize;
        for k in 0..ticks {
            let t = t0 as f64 + k as f64 * step;
            while j + 1 < self.pictures.len() && (self.pictures[j + 1].0 as f64) <= t + 0.5 {
                j += 1;
            }
            order.push(j);
        }
        let duration_s = ticks as f64 / self.config.fps as f64;
        // 4% for the container, then what the budget allows.
        let budget_bps = ((self.config.max_bytes as f64 * 0.96 * 8.0) / duration_s.max(0.04)) as u32;
        let mut bitrate = self.config.bitrate_bps.min(budget_bps).max(20_000);
        let sound = self.encode_sound(t0, ticks as f64 / self.config.fps as f64)?;
        for pass in 1..=5 {
            let mp4 = self.encode_pass(w, h, &order, bitrate, sound.as_ref())?;
            if (mp4.len() as u64) <= self.config.max_bytes {
                return Ok(EvidenceVideo {
                    mp4,
                    width: w,
                    height: h,
                    frames: ticks as u32,
                    duration_us: (duration_s * 1e6).round() as i64,
                    bitrate_bps: bitrate,
                    passes: pass,
                });
            }
            let scale = self.config.max_bytes as f64 / mp4.len() as f64 * 0.9;
            bitrate = ((bitrate as f64 * scale) as u32).max(20_000);
        }
        Err(Error::new(
            ErrorKind::Encode,
            format!("cannot fit {ticks} frames of {w}x{h} into {} bytes", self.config.max_bytes),
        ))
    }

    /// The sound covering `[t0, t0 + duration)` in the configured codec, or `None`
    /// without audio.
    fn encode_sound(&self, t0: i64, duration_s: f64) -> Result<Option<SoundTrack>> {
        let Some((start_us, pcm)) = &self.audio else { return Ok(None) };
        // Sample k of the track plays at t0 + k / 16 kHz.
        let offset = ((t0 - start_us) as f64 * 16_000.0 / 1e6).round() as i64;
        let n = (duration_s * 16_000.0).round() as usize;
        let mut track = vec![0.0f32; n.div_ceil(OPUS_FRAME) * OPUS_FRAME];
        for (k, v) in track.iter_mut().enumerate().take(n) {
            let src = offset + k as i64;
            if src >= 0 {
                if let Some(s) = pcm.get(src as usize) {
                    *v = s.clamp(-1.0, 1.0);
                }
            }
        }
        if self.config.audio_codec == AudioCodec::Aac {
            #[cfg(feature = "ffmpeg")]
            return Ok(Some(SoundTrack {
                codec: muxide::api::AudioCodec::Aac(muxide::api::AacProfile::Lc),
                rate: 16_000,
                packets: super::ffmpeg::encode_aac(&track[..n], 16_000)?,
                packet_s: 1024.0 / 16_000.0,
            }));
            #[cfg(not(feature = "ffmpeg"))]
            return Err(Error::new(
                ErrorKind::Unsupported,
                "AAC sound needs the `ffmpeg` feature; Opus works in every build",
            ));
        }
        let mut enc = opus_rs::OpusEncoder::new(16_000, 1, opus_rs::Application::Voip)
            .map_err(|e| Error::new(ErrorKind::Encode, format!("cannot start the Opus encoder: {e}")))?;
        enc.bitrate_bps = 24_000;
        let mut packets = Vec::with_capacity(track.len() / OPUS_FRAME);
        let mut buf = vec![0u8; 1500];
        for frame in track.chunks_exact(OPUS_FRAME) {
            let len = enc
                .encode(frame, OPUS_FRAME, &mut buf)
                .map_err(|e| Error::new(ErrorKind::Encode, format!("Opus encoding failed: {e}")))?;
            packets.push(buf[..len].to_vec());
        }
        Ok(Some(SoundTrack { codec: muxide::api::AudioCodec::Opus, rate: 48_000, packets, packet_s: 0.02 }))
    }

    fn encode_pass(
        &self,
        w: u32,
        h: u32,
        order: &[usize],
        bitrate: u32,
        sound: Option<&SoundTrack>,
    ) -> Result<Vec<u8>> {
        let enc_err = |e: String| Error::new(ErrorKind::Encode, e);
        let fps = self.config.fps;
        let config = EncoderConfig::new()
            .usage_type(UsageType::CameraVideoRealTime)
            .rate_control_mode(RateControlMode::Bitrate)
            .bitrate(BitRate::from_bps(bitrate))
            .max_frame_rate(FrameRate::from_hz(fps))
            .skip_frames(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames((fps * 2.0).round() as u32));
        let mut encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| enc_err(format!("cannot start the H.264 encoder: {e}")))?;
        let mut out = Vec::new();
        {
            let mut builder = muxide::api::MuxerBuilder::new(&mut out)
                .video(muxide::api::VideoCodec::H264, w, h, fps as f64)
                .with_fast_start(true);
            if let Some(s) = sound {
                builder = builder.audio(s.codec, s.rate, 1);
            }
            let mut muxer = builder.build().map_err(|e| enc_err(format!("cannot start the MP4 muxer: {e}")))?;
            let packets: &[Vec<u8>] = sound.map_or(&[], |s| s.packets.as_slice());
            let packet_s = sound.map_or(0.02, |s| s.packet_s);
            let mut next_audio = 0usize;
            let (wu, hu) = (w as usize, h as usize);
            let mut annexb = Vec::new();
            for (k, &idx) in order.iter().enumerate() {
                let pic = &self.pictures[idx].1;
                let (y, rest) = pic.split_at(wu * hu);
                let (u, v) = rest.split_at(wu * hu / 4);
                let src = YUVSlices::new((y, u, v), (wu, hu), (wu, wu / 2, wu / 2));
                if k == 0 {
                    encoder.force_intra_frame();
                }
                let bs = encoder.encode(&src).map_err(|e| enc_err(format!("H.264 encoding failed: {e}")))?;
                annexb.clear();
                bs.write_vec(&mut annexb);
                if annexb.is_empty() {
                    continue;
                }
                let key =
                    matches!(bs.frame_type(), openh264::encoder::FrameType::IDR | openh264::encoder::FrameType::I);
                let pts = k as f64 / fps as f64;
                muxer.write_video(pts, &annexb, key).map_err(|e| enc_err(format!("MP4 muxing failed: {e}")))?;
                // Interleave: audio packets up to this video time.
                while next_audio < packets.len() && next_audio as f64 * packet_s <= pts {
                    muxer
                        .write_audio(next_audio as f64 * packet_s, &packets[next_audio])
                        .map_err(|e| enc_err(format!("MP4 audio muxing failed: {e}")))?;
                    next_audio += 1;
                }
            }
            for (i, p) in packets.iter().enumerate().skip(next_audio) {
                muxer
                    .write_audio(i as f64 * packet_s, p)
                    .map_err(|e| enc_err(format!("MP4 audio muxing failed: {e}")))?;
            }
            muxer.finish().map_err(|e| enc_err(format!("MP4 muxing failed: {e}")))?;
        }
        Ok(out)
    }
}

/// Encodes frames into an evidence video in one call (see [`EvidenceEncoder`]).
///
/// # Errors
/// As [`EvidenceEncoder::push`] and [`EvidenceEncoder::finish`].
pub fn encode_evidence<'a>(
    frames: impl IntoIterator<Item = FrameRef<'a>>,
    config: EvidenceConfig,
) -> Result<EvidenceVideo> {
    let mut enc = EvidenceEncoder::new(config)?;
    for f in frames {
        enc.push(&f)?;
    }
    enc.finish()
}

/// RGB (0..255 floats) to tight I420, BT.601 limited range (what players assume for
/// H.264 without colour metadata).
fn rgb_to_i420_limited(rgb: &[f32], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; w * h * 3 / 2];
    let (yp, rest) = out.split_at_mut(w * h);
    let (up, vp) = rest.split_at_mut(w * h / 4);
    for (i, p) in rgb.chunks_exact(3).enumerate() {
        let y = 16.0 + 0.256_788 * p[0] + 0.504_129 * p[1] + 0.097_906 * p[2];
        yp[i] = y.round().clamp(0.0, 255.0) as u8;
    }
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let (mut r, mut g, mut b) = (0.0, 0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let i = ((cy * 2 + dy) * w + cx * 2 + dx) * 3;
                r += rgb[i];
                g += rgb[i + 1];
                b += rgb[i + 2];
            }
            let (r, g, b) = (r / 4.0, g / 4.0, b / 4.0);
            let u = 128.0 - 0.148_223 * r - 0.290_993 * g + 0.439_216 * b;
            let v = 128.0 + 0.439_216 * r - 0.367_788 * g - 0.071_427 * b;
            up[cy * (w / 2) + cx] = u.round().clamp(0.0, 255.0) as u8;
            vp[cy * (w / 2) + cx] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// PSNR in dB between two I420 pictures of the same size (all planes).
pub fn psnr_i420(a: &[u8], b: &[u8]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let mse = a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum::<f64>() / a.len() as f64;
    if mse == 0.0 {
        return 99.0;
    }
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

impl EvidenceEncoder {
    /// The downscaled I420 pictures collected so far with their timestamps (for tests and
    /// quality measurements).
    pub fn pictures(&self) -> &[(i64, Vec<u8>)] {
        &self.pictures
    }

    /// Output picture size once the first frame arrived.
    pub fn output_size(&self) -> Option<(u32, u32)> {
        self.size
    }
}
