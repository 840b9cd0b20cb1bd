//! The `liveface` command-line tool: one module per command group, all on the public
//! library API.

pub mod analyze;
pub mod api;
pub mod bench;
pub mod eval;
pub mod light;
#[cfg(feature = "video")]
pub mod lip;
pub mod lopo;
pub mod session;
pub mod spoof;

use std::io::Write;
use std::path::Path;

use anyhow::bail;
use liveface::source::{ImageSequence, OwnedFrame};
use liveface::{Engine, Rotation};
use serde::Serialize;

/// Writes one JSON line; a closed pipe (`| head`) ends the program quietly.
pub fn write_line<W: Write + ?Sized, T: Serialize>(out: &mut W, v: &T) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(v)?;
    line.push(b'\n');
    match out.write_all(&line) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => Ok(r?),
    }
}

/// A file's name without directory and extension.
pub fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Indices of the frames a camera of at most `fps` frames a second would deliver: a frame
/// closer than 0.9 of the period to the last kept one is dropped (all kept without `fps`).
pub fn thin_to_rate(times: &[i64], fps: Option<f64>) -> Vec<usize> {
    let gap = fps.map_or(0, |f| (0.9e6 / f) as i64);
    let mut out: Vec<usize> = Vec::new();
    for (i, t) in times.iter().enumerate() {
        if out.last().is_none_or(|&l| t - times[l] >= gap) {
            out.push(i);
        }
    }
    out
}

/// Two clockwise rotations one after the other.
pub fn compose(a: Rotation, b: Rotation) -> Rotation {
    let deg = |r: Rotation| match r {
        Rotation::R0 => 0,
        Rotation::R90 => 90,
        Rotation::R180 => 180,
        Rotation::R270 => 270,
    };
    Rotation::from_degrees(deg(a) + deg(b)).unwrap_or(Rotation::R0)
}

/// Frames of a clip or a frame directory, in order.
pub fn frame_source(path: &Path, fps: f64) -> anyhow::Result<Box<dyn Iterator<Item = liveface::Result<OwnedFrame>>>> {
    if path.is_dir() {
        let seq = ImageSequence::open(path, fps)?;
        if seq.is_empty() {
            bail!("no images in {}", path.display());
        }
        return Ok(Box::new(seq.map(|(_, f)| f)));
    }
    if !path.is_file() {
        bail!("no such file or directory: {}", path.display());
    }
    open_video(path)
}

#[cfg(feature = "video")]
fn open_video(path: &Path) -> anyhow::Result<Box<dyn Iterator<Item = liveface::Result<OwnedFrame>>>> {
    Ok(Box::new(liveface::video::VideoReader::open(path)?))
}

#[cfg(not(feature = "video"))]
fn open_video(path: &Path) -> anyhow::Result<Box<dyn Iterator<Item = liveface::Result<OwnedFrame>>>> {
    bail!("this build cannot read videos (feature `video`): {}", path.display())
}

/// `--landmark-model`: which landmark models track the face.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LandmarkArg {
    /// MediaPipe's attention mesh: mesh, eyes, irises and lips in one pass (default).
    #[default]
    Attention,
    /// The 468-point mesh plus the iris model on each eye (liveface 0.1).
    MeshIris,
}

impl From<LandmarkArg> for liveface::LandmarkModel {
    fn from(a: LandmarkArg) -> Self {
        match a {
            LandmarkArg::Attention => liveface::LandmarkModel::Attention,
            LandmarkArg::MeshIris => liveface::LandmarkModel::MeshIris,
        }
    }
}

/// The engine, with the anti-spoof models when a directory is given.
pub fn engine_with(antispoof: Option<&Path>, unpinned: bool, landmarks: LandmarkArg) -> anyhow::Result<Engine> {
    let mut b = Engine::builder().landmark_model(landmarks.into());
    if let Some(dir) = antispoof {
        b = b.antispoof_dir(dir).allow_unpinned_models(unpinned);
    }
    Ok(b.build()?)
}
