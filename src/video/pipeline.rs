//! Offline pre-check of a clip: decode on one thread, track on the caller's thread.

use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use super::{VideoInfo, VideoReader};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::source::OwnedFrame;
use crate::track::{FrameReport, TrackerConfig};

/// What tracking a whole clip found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VideoRun {
    /// The container's description.
    pub info: VideoInfo,
    /// Pictures decoded and tracked.
    pub frames: usize,
    /// Pictures with a tracked face.
    pub frames_with_face: usize,
    /// Distinct face tracks.
    pub tracks: usize,
    /// Pictures the decoder had to skip.
    pub decode_errors: usize,
    /// Wall time, milliseconds.
    pub wall_ms: f64,
}

enum Msg {
    Info(VideoInfo),
    Frame(OwnedFrame),
    Error(Error),
    Done(usize),
}

/// Decodes `path` on a named decoder thread (handing pictures over a bounded channel)
/// and tracks every picture with `engine` here, calling `on_frame` for each.
///
/// # Errors
/// Decoding errors as [`VideoReader::open`] / [`VideoReader::next_frame`], inference
/// errors, and whatever `on_frame` returns.
pub fn track_video(
    engine: &Engine,
    path: &Path,
    config: TrackerConfig,
    mut on_frame: impl FnMut(usize, &OwnedFrame, &FrameReport) -> Result<()>,
) -> Result<VideoRun> {
    let start = Instant::now();
    let mut tracker = engine.tracker_with(config)?;
    let (tx, rx) = sync_channel::<Msg>(4);
    let p = path.to_path_buf();
    let worker = std::thread::Builder::new()
        .name("liveface-decode".into())
        .spawn(move || {
            let mut reader = match VideoReader::open(&p) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Msg::Error(e));
                    return;
                }
            };
            if tx.send(Msg::Info(reader.info().clone())).is_err() {
                return;
            }
            loop {
                match reader.next_frame() {
                    Ok(Some(f)) => {
                        if tx.send(Msg::Frame(f)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {
                        let _ = tx.send(Msg::Done(reader.decode_errors()));
                        return;
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::Error(e));
                        return;
                    }
                }
            }
        })
        .map_err(|e| Error::with_source(ErrorKind::Io, "cannot start the decoder thread", e))?;

    let mut info = None;
    let (mut frames, mut with_face, mut decode_errors) = (0usize, 0usize, 0usize);
    let mut ids = std::collections::BTreeSet::new();
    let mut failure = None;
    for msg in rx.iter() {
        match msg {
            Msg::Info(i) => info = Some(i),
            Msg::Frame(f) => {
                let report = f.as_frame().and_then(|view| tracker.process(&view));
                let report = match report {
                    Ok(r) => r,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                };
                if let Some(face) = &report.face {
                    with_face += 1;
                    ids.insert(face.id);
                }
                if let Err(e) = on_frame(frames, &f, &report) {
                    failure = Some(e);
                    break;
                }
                frames += 1;
            }
            Msg::Error(e) => {
                failure = Some(e);
                break;
            }
            Msg::Done(errors) => decode_errors = errors,
        }
    }
    drop(rx); // unblocks the decoder if we stopped early
    let _ = worker.join();
    if let Some(e) = failure {
        return Err(e);
    }
    let info = info.ok_or_else(|| Error::new(ErrorKind::Decode, format!("no video decoded: {}", path.display())))?;
    if frames == 0 {
        return Err(Error::new(ErrorKind::Decode, format!("the video has no decodable picture: {}", path.display())));
    }
    Ok(VideoRun {
        info,
        frames,
        frames_with_face: with_face,
        tracks: ids.len(),
        decode_errors,
        wall_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}
