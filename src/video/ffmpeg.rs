//! Every other codec and container through the system FFmpeg libraries (feature `ffmpeg`).

use std::path::Path;

use ff::format::Pixel;
use ff::software::scaling::{Context as Scaler, Flags};
use ffmpeg_next as ff;

use super::{DecodedFrame, FrameDecoder, VideoInfo};
use crate::error::{Error, ErrorKind, Result};
use crate::frame::Rotation;

pub(crate) fn init() -> Result<()> {
    ff::init().map_err(|e| Error::new(ErrorKind::Unsupported, format!("FFmpeg failed to initialise: {e}")))
}

fn err(path: &Path, what: &str, e: ff::Error) -> Error {
    Error::new(ErrorKind::Decode, format!("{what} ({e}): {}", path.display()))
}

pub(crate) struct FfmpegDecoder {
    input: ff::format::context::Input,
    stream: usize,
    time_base: f64,
    decoder: ff::decoder::Video,
    scaler: Option<(Scaler, u32, u32, Pixel, u32, u32)>,
    eof: bool,
    errors: usize,
    path: std::path::PathBuf,
    frame_index: i64,
    frame_us: f64,
}

impl FfmpegDecoder {
    pub fn open(path: &Path) -> Result<(FfmpegDecoder, VideoInfo)> {
        init()?;
        let input = ff::format::input(path).map_err(|e| err(path, "cannot open the file with FFmpeg", e))?;
        let st = input
            .streams()
            .best(ff::media::Type::Video)
            .ok_or_else(|| Error::new(ErrorKind::Decode, format!("no video stream: {}", path.display())))?;
        let stream = st.index();
        let tb = st.time_base();
        let time_base = if tb.denominator() != 0 { tb.numerator() as f64 / tb.denominator() as f64 } else { 0.0 };
        let rate = st.avg_frame_rate();
        let fps = if rate.denominator() != 0 && rate.numerator() > 0 {
            rate.numerator() as f64 / rate.denominator() as f64
        } else {
            25.0
        };
        let ctx = ff::codec::context::Context::from_parameters(st.parameters())
            .map_err(|e| err(path, "unsupported video stream", e))?;
        let decoder = ctx.decoder().video().map_err(|e| err(path, "no decoder for this video codec", e))?;
        let duration_us = if st.duration() > 0 {
            (st.duration() as f64 * time_base * 1e6) as i64
        } else if input.duration() > 0 {
            input.duration() * 1_000_000 / ff::ffi::AV_TIME_BASE as i64
        } else {
            0
        };
        let codec = decoder.codec().map(|c| c.name().to_string()).unwrap_or_else(|| "unknown".into());
        let audio_codec = input.streams().best(ff::media::Type::Audio).and_then(|a| {
            ff::codec::context::Context::from_parameters(a.parameters())
                .ok()
                .and_then(|c| c.decoder().audio().ok())
                .and_then(|d| d.codec().map(|c| c.name().to_string()))
        });
        let info = VideoInfo {
            path: path.to_path_buf(),
            backend: "ffmpeg",
            codec,
            width: decoder.width(),
            height: decoder.height(),
            rotation: Rotation::R0,
            frame_count: st.frames().max(0) as u64,
            duration_us,
            audio_codec,
        };
        let me = FfmpegDecoder {
            input,
            stream,
            time_base,
            decoder,
            scaler: None,
            eof: false,
            errors: 0,
            path: path.to_path_buf(),
            frame_index: 0,
            frame_us: 1e6 / fps,
        };
        Ok((me, info))
    }

    fn convert(&mut self, frame: &ff::frame::Video) -> Result<DecodedFrame> {
        let (w, h, fmt) = (frame.width(), frame.height(), frame.format());
        let (ew, eh) = (w + (w & 1), h + (h & 1));
        let rebuild = !matches!(&self.scaler, Some((_, sw, sh, sf, _, _)) if *sw == w && *sh == h && *sf == fmt);
        if rebuild {
            let s = Scaler::get(fmt, w, h, Pixel::YUV420P, ew, eh, Flags::BILINEAR)
                .map_err(|e| err(&self.path, "cannot convert the picture format", e))?;
            self.scaler = Some((s, w, h, fmt, ew, eh));
        }
        let mut out = ff::frame::Video::empty();
        if let Some((s, ..)) = self.scaler.as_mut() {
            s.run(frame, &mut out).map_err(|e| err(&self.path, "picture conversion failed", e))?;
        }
        let (cw, ch) = (ew as usize / 2, eh as usize / 2);
        let mut data = vec![0u8; ew as usize * eh as usize + 2 * cw * ch];
        let (yp, rest) = data.split_at_mut(ew as usize * eh as usize);
        let (up, vp) = rest.split_at_mut(cw * ch);
        for (plane, dst, pw, ph) in [(0usize, yp, ew as usize, eh as usize), (1, up, cw, ch), (2, vp, cw, ch)] {
            let stride = out.stride(plane);
            let src = out.data(plane);
            for r in 0..ph {
                dst[r * pw..(r + 1) * pw].copy_from_slice(&src[r * stride..r * stride + pw]);
            }
        }
        let pts_us = match frame.timestamp() {
            Some(t) if self.time_base > 0.0 => (t as f64 * self.time_base * 1e6).round() as i64,
            _ => (self.frame_index as f64 * self.frame_us).round() as i64,
        };
        self.frame_index += 1;
        Ok(DecodedFrame { data, width: ew, height: eh, pts_us })
    }
}

impl FrameDecoder for FfmpegDecoder {
    fn next(&mut self) -> Result<Option<DecodedFrame>> {
        let mut frame = ff::frame::Video::empty();
        loop {
            if self.decoder.receive_frame(&mut frame).is_ok() {
                return self.convert(&frame).map(Some);
            }
            if self.eof {
                return Ok(None);
            }
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {
                    if packet.stream() == self.stream && self.decoder.send_packet(&packet).is_err() {
                        self.errors += 1;
                    }
                }
                Err(ff::Error::Eof) => {
                    self.eof = true;
                    let _ = self.decoder.send_eof();
                }
                Err(e) => {
                    // A damaged packet: skip it; give up only after many in a row.
                    self.errors += 1;
                    if self.errors > 1000 {
                        return Err(err(&self.path, "too many unreadable packets", e));
                    }
                }
            }
        }
    }

    fn errors(&self) -> usize {
        self.errors
    }
}

/// AAC-LC with FFmpeg's native encoder: mono `pcm` at `rate` in, ADTS frames out (what
/// the MP4 muxer takes), 1024 samples each.
pub(crate) fn encode_aac(pcm: &[f32], rate: u32) -> Result<Vec<Vec<u8>>> {
    use ff::format::sample::Type;
    use ff::format::Sample;
    use ff::ChannelLayout;
    let enc_err = |what: &str, e: ff::Error| Error::new(ErrorKind::Encode, format!("AAC {what}: {e}"));
    init()?;
    let codec = ff::encoder::find(ff::codec::Id::AAC)
        .ok_or_else(|| Error::new(ErrorKind::Unsupported, "this FFmpeg has no AAC encoder"))?;
    let mut enc =
        ff::codec::context::Context::new_with_codec(codec).encoder().audio().map_err(|e| enc_err("encoder", e))?;
    enc.set_rate(rate as i32);
    enc.set_channel_layout(ChannelLayout::MONO);
    enc.set_format(Sample::F32(Type::Planar));
    enc.set_bit_rate(32_000);
    enc.set_time_base((1, rate as i32));
    let mut enc = enc.open_as(codec).map_err(|e| enc_err("cannot open the encoder", e))?;
    let n = (enc.frame_size() as usize).max(1);
    // The encoder's priming delay: skip that much input so that the decoded sound starts
    // where the video does (MP4 players without an edit list would play it late).
    // SAFETY: `as_ptr` is the opened encoder's live AVCodecContext.
    let delay = unsafe { (*enc.as_ptr()).initial_padding }.max(0) as usize;
    let mut padded = pcm.get(delay..).unwrap_or_default().to_vec();
    padded.resize(pcm.len(), 0.0);
    let pcm = padded.as_slice();
    let mut out = Vec::new();
    let mut packet = ff::Packet::empty();
    let mut drain = |enc: &mut ff::encoder::Audio, out: &mut Vec<Vec<u8>>| {
        while enc.receive_packet(&mut packet).is_ok() {
            if let Some(d) = packet.data() {
                out.push(adts(d, rate));
            }
        }
    };
    for (k, chunk) in pcm.chunks(n).enumerate() {
        let mut frame = ff::frame::Audio::new(Sample::F32(Type::Planar), n, ChannelLayout::MONO);
        frame.set_rate(rate);
        let plane = frame.plane_mut::<f32>(0);
        plane.fill(0.0);
        plane[..chunk.len()].copy_from_slice(chunk);
        frame.set_pts(Some((k * n) as i64));
        enc.send_frame(&frame).map_err(|e| enc_err("encoding failed", e))?;
        drain(&mut enc, &mut out);
    }
    enc.send_eof().map_err(|e| enc_err("flushing failed", e))?;
    drain(&mut enc, &mut out);
    // The flush emits the priming's worth past the end: keep the track as long as the sound.
    out.truncate(pcm.len().div_ceil(n));
    Ok(out)
}

/// A raw AAC-LC frame with its 7-byte ADTS header (MPEG-4, no CRC, mono).
fn adts(raw: &[u8], rate: u32) -> Vec<u8> {
    const RATES: [u32; 13] =
        [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];
    let idx = RATES.iter().position(|r| *r == rate).unwrap_or(8) as u8;
    let len = raw.len() + 7;
    let (profile, channels) = (1u8, 1u8); // AAC LC (object type 2, minus 1), mono
    let mut h = vec![
        0xFF,
        0xF1,
        (profile << 6) | (idx << 2) | (channels >> 2),
        ((channels & 3) << 6) | ((len >> 11) as u8 & 0x3),
        ((len >> 3) & 0xFF) as u8,
        (((len & 7) << 5) as u8) | 0x1F,
        0xFC,
    ];
    h.extend_from_slice(raw);
    h
}
