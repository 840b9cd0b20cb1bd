//! Video in: recorded clips for the offline pre-check (feature `video`).
//!
//! - MP4/MOV with H.264: a defensive pure-Rust demuxer (`mp4`) and OpenH264, built from
//!   source, so phones and servers need no system library. Container timestamps (variable
//!   frame rate), the rotation matrix phones write, and B-frames (pictures come out in
//!   presentation order) are honoured.
//! - Everything else (AVI/MPEG-4 Part 2, MPEG-1, WebM VP8/VP9, HEVC, ...) through the
//!   system FFmpeg libraries, feature `ffmpeg`. Without it such a file is a clear
//!   [`ErrorKind::Unsupported`](crate::ErrorKind) error naming the feature.
//!
//! Decoded pictures are handed out as I420 [`OwnedFrame`]s with their presentation time
//! and rotation, ready for [`crate::Tracker::process`].

mod audio;
mod encode;
#[cfg(feature = "ffmpeg")]
mod ffmpeg;
mod h264;
mod jpeg;
pub(crate) mod mp4;
mod pipeline;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use audio::{extract_audio, resample_mono, AudioClip};
pub use encode::{encode_evidence, psnr_i420, AudioCodec, EvidenceConfig, EvidenceEncoder, EvidenceVideo};
pub use jpeg::{encode_best_frame, BestFrameConfig};
pub use pipeline::{track_video, VideoRun};

use crate::error::{Error, ErrorKind, Result};
use crate::frame::{PixelFormat, Rotation};
use crate::source::OwnedFrame;

/// Largest file read into memory by the native demuxer.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// What a clip holds, from its container.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VideoInfo {
    /// Where it came from (empty for in-memory input).
    pub path: PathBuf,
    /// Decoder in use: `native` (pure Rust demuxer + OpenH264) or `ffmpeg`.
    pub backend: &'static str,
    /// Video codec name.
    pub codec: String,
    /// Coded width.
    pub width: u32,
    /// Coded height.
    pub height: u32,
    /// Rotation to upright from the container's display matrix.
    pub rotation: Rotation,
    /// Frames the container declares.
    pub frame_count: u64,
    /// Duration of the video track, microseconds.
    pub duration_us: i64,
    /// Audio codec, when there is an audio track.
    pub audio_codec: Option<String>,
}

pub(crate) struct DecodedFrame {
    /// Tight I420, even width and height.
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub pts_us: i64,
}

pub(crate) trait FrameDecoder {
    fn next(&mut self) -> Result<Option<DecodedFrame>>;
    /// Pictures that failed to decode so far (skipped).
    fn errors(&self) -> usize;
}

/// Decodes a clip picture by picture.
pub struct VideoReader {
    info: VideoInfo,
    decoder: Box<dyn FrameDecoder>,
    last_pts: Option<i64>,
}

impl std::fmt::Debug for VideoReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoReader").field("info", &self.info).finish_non_exhaustive()
    }
}

/// Fuzzing entry point: parses `data` as MP4 and walks every sample of every track
/// through the Annex B conversion. Never panics; returns the number of samples walked.
#[doc(hidden)]
pub fn fuzz_demux(data: &[u8]) -> usize {
    let Ok(movie) = mp4::parse(data) else { return 0 };
    let mut walked = 0;
    let mut buf = Vec::new();
    for t in &movie.tracks {
        for s in &t.samples {
            let (a, b) = (s.offset as usize, s.offset as usize + s.size as usize);
            let Some(bytes) = data.get(a..b) else { continue };
            if let mp4::Codec::Avc { nal_len, .. } = &t.codec {
                buf.clear();
                let _ = mp4::avcc_to_annexb(bytes, *nal_len, &mut buf);
            }
            walked += 1;
        }
    }
    walked
}

/// One track as [`probe_tracks`] sees it: (`"video"`/`"audio"`, codec, samples, first
/// and last presentation time in µs).
#[doc(hidden)]
pub type TrackSummary = (&'static str, String, usize, i64, i64);

/// Tracks of an MP4 held in memory. For tests and diagnostics.
#[doc(hidden)]
pub fn probe_tracks(data: &[u8]) -> Result<Vec<TrackSummary>> {
    let movie = mp4::parse(data)?;
    Ok(movie
        .tracks
        .iter()
        .map(|t| {
            let kind = if t.kind == mp4::TrackKind::Video { "video" } else { "audio" };
            let first = t.samples.iter().map(|s| s.pts).min().unwrap_or(0);
            let last = t.samples.iter().map(|s| s.pts).max().unwrap_or(0);
            (kind, t.codec.name(), t.samples.len(), t.pts_us(first), t.pts_us(last))
        })
        .collect())
}

/// The container a file's first bytes announce, for the ones FFmpeg reads and we do not.
fn container_name(b: &[u8]) -> Option<&'static str> {
    let at = |o: usize, m: &[u8]| b.len() >= o + m.len() && &b[o..o + m.len()] == m;
    Some(if at(0, b"RIFF") && at(8, b"AVI ") {
        "AVI"
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        "Matroska/WebM"
    } else if at(0, &[0, 0, 1, 0xBA]) || at(0, &[0, 0, 1, 0xB3]) {
        "MPEG program stream"
    } else if b.len() > 188 && b[0] == 0x47 && b[188] == 0x47 {
        "MPEG transport stream"
    } else if at(0, b"FLV") {
        "FLV"
    } else if at(0, b"OggS") {
        "Ogg"
    } else if at(0, &[0x30, 0x26, 0xB2, 0x75]) {
        "ASF/WMV"
    } else if at(0, &[0, 0, 0, 1]) || at(0, &[0, 0, 1]) {
        "raw H.264/HEVC"
    } else {
        return None;
    })
}

/// Whether a path looks like a video file by its extension.
pub fn is_video_path(p: &Path) -> bool {
    const EXT: [&str; 12] = ["mp4", "mov", "m4v", "3gp", "avi", "mpg", "mpeg", "webm", "mkv", "hevc", "ts", "flv"];
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| EXT.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

impl VideoReader {
    /// Opens a clip: MP4/MOV with H.264 natively, anything else through FFmpeg when the
    /// `ffmpeg` feature is on.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the file cannot be read, [`ErrorKind::Decode`] for a corrupt
    /// or truncated container, [`ErrorKind::Unsupported`] for a codec this build cannot
    /// decode (the message names the feature that would).
    pub fn open(path: &Path) -> Result<VideoReader> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot read video {}", path.display()), e))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::new(ErrorKind::Unsupported, format!("video larger than 4 GiB: {}", path.display())));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot read video {}", path.display()), e))?;
        Self::open_bytes_at(bytes, path)
    }

    /// Opens a clip held in memory (MP4/MOV with H.264; other formats need a file path
    /// and the `ffmpeg` feature).
    ///
    /// # Errors
    /// As [`VideoReader::open`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<VideoReader> {
        Self::open_bytes_at(bytes, Path::new(""))
    }

    fn open_bytes_at(bytes: Vec<u8>, path: &Path) -> Result<VideoReader> {
        let named = |e: Error| {
            if path.as_os_str().is_empty() {
                e
            } else {
                Error::new(e.kind(), format!("{}: {}", e.message(), path.display()))
            }
        };
        if bytes.is_empty() {
            return Err(named(Error::new(ErrorKind::Decode, "empty file")));
        }
        if mp4::looks_like_mp4(&bytes) {
            let movie = mp4::parse(&bytes).map_err(named)?;
            let Some(track) = movie.video() else {
                return Err(named(Error::new(ErrorKind::Decode, "no video track")));
            };
            if track.samples.is_empty() {
                return Err(named(Error::new(ErrorKind::Decode, "the video track has no samples")));
            }
            let duration_us = {
                let first = track.samples.iter().map(|s| s.pts).min().unwrap_or(0);
                let last = track.samples.iter().map(|s| s.pts).max().unwrap_or(0);
                let step = if track.samples.len() > 1 { (last - first) / (track.samples.len() as i64 - 1) } else { 0 };
                track.pts_us(last - first + step)
            };
            let info = VideoInfo {
                path: path.to_path_buf(),
                backend: "native",
                codec: track.codec.name(),
                width: track.width,
                height: track.height,
                rotation: track.rotation,
                frame_count: track.samples.len() as u64,
                duration_us,
                audio_codec: movie.audio().map(|a| a.codec.name()),
            };
            if matches!(track.codec, mp4::Codec::Avc { .. }) {
                let decoder = h264::H264Decoder::new(Arc::from(bytes.into_boxed_slice()), &movie).map_err(named)?;
                return Ok(VideoReader { info, decoder: Box::new(decoder), last_pts: None });
            }
            return Self::fallback(path, Some(info));
        }
        let known = container_name(&bytes);
        match Self::fallback(path, None) {
            // An unknown file that FFmpeg could not open either (or no FFmpeg): say so,
            // rather than blaming a missing feature.
            Err(e) if known.is_none() => {
                Err(named(Error::with_source(ErrorKind::Decode, "not a video or image we recognise", e)))
            }
            r => r,
        }
    }

    #[cfg(feature = "ffmpeg")]
    fn fallback(path: &Path, native: Option<VideoInfo>) -> Result<VideoReader> {
        if path.as_os_str().is_empty() {
            return Err(Error::new(ErrorKind::Unsupported, "only MP4/MOV with H.264 can be decoded from memory"));
        }
        let (decoder, mut info) = ffmpeg::FfmpegDecoder::open(path)?;
        if let Some(n) = native {
            info.rotation = n.rotation;
        }
        Ok(VideoReader { info, decoder: Box::new(decoder), last_pts: None })
    }

    #[cfg(not(feature = "ffmpeg"))]
    fn fallback(path: &Path, native: Option<VideoInfo>) -> Result<VideoReader> {
        let what = match native {
            Some(i) => format!("video codec '{}'", i.codec),
            None => "this container".to_string(),
        };
        if path.as_os_str().is_empty() {
            return Err(Error::new(ErrorKind::Unsupported, "only MP4/MOV with H.264 can be decoded from memory"));
        }
        Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "{what} needs FFmpeg: rebuild liveface with `--features ffmpeg` (natively only MP4/MOV with H.264 is decoded): {}",
                path.display()
            ),
        ))
    }

    /// What the container declares.
    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// Pictures that could not be decoded and were skipped so far.
    pub fn decode_errors(&self) -> usize {
        self.decoder.errors()
    }

    /// The next picture in presentation order, or `None` at the end.
    ///
    /// Timestamps are the container's presentation times, made strictly increasing (a
    /// repeated or backwards time is nudged 1 µs past the previous one).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`] when the stream cannot be decoded further.
    pub fn next_frame(&mut self) -> Result<Option<OwnedFrame>> {
        let Some(f) = self.decoder.next()? else { return Ok(None) };
        let mut pts = f.pts_us;
        if let Some(last) = self.last_pts {
            if pts <= last {
                pts = last + 1;
            }
        }
        self.last_pts = Some(pts);
        Ok(Some(OwnedFrame {
            data: f.data,
            width: f.width,
            height: f.height,
            format: PixelFormat::I420,
            rotation: self.info.rotation,
            mirror: false,
            timestamp_us: pts,
        }))
    }
}

impl Iterator for VideoReader {
    type Item = Result<OwnedFrame>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().transpose()
    }
}
