//! # liveface
//!
//! On-device face liveness engine: frames in any common camera layout, BlazeFace
//! detection, 468-point face mesh and iris tracking through ONNX Runtime, per-frame
//! liveness signals (eye and mouth openness, head pose, face size, light, sharpness) with
//! per-stage timings, and liveness [`Session`]s: action (blink, open mouth, nod, shake)
//! and silent (MiniFASNet anti-spoofing fused with planar-motion, spectrum and edge cues,
//! [`checks::silent`]), with the request for the cloud API ([`package`]).
//!
//! ```no_run
//! use liveface::{Engine, FrameRef, PixelFormat};
//! # fn main() -> liveface::Result<()> {
//! let engine = Engine::new()?; // embedded models, pinned ONNX Runtime
//! let mut tracker = engine.tracker();
//! let (w, h) = (640, 480);
//! let pixels = vec![0u8; w * h * 3]; // camera memory
//! let frame = FrameRef::new(&pixels, w as u32, h as u32, PixelFormat::Rgb8)?.at_us(0);
//! let report = tracker.process(&frame)?;
//! if let Some(face) = &report.face {
//!     println!("eyes {:.2}/{:.2}, yaw {:.0}°", face.eyes[0].openness, face.eyes[1].openness, face.pose.yaw);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Crate features
//! - `fetch-runtime` (default): download the pinned official ONNX Runtime 1.31.1 (PyPI
//!   wheel, sha256-checked) at build time and use it when `ORT_DYLIB_PATH` is unset.
//!   Turn default features off to ship your own runtime and download nothing.
//! - `cli` (default): the `liveface` command-line tool.
//! - `video` (default): MP4/MOV + H.264 decoding without system libraries, audio
//!   extraction, the H.264 evidence video and the JPEG best frame ([`video`]).
//! - `ffmpeg`: every other codec and container through the system FFmpeg libraries.
//! - `paas`: the signed HTTP client for the FaceID API ([`package::client`]).
//! - `camera`: camera capture through nokhwa (`source::Camera`).
#![deny(missing_docs)]

pub mod checks;
pub mod codes;
mod engine;
mod error;
mod frame;
mod geometry;
pub mod metrics;
mod models;
pub mod overlay;
pub mod package;
pub mod quality;
pub mod session;
pub mod signals;
pub mod simulate;
mod smoothing;
pub mod source;
mod track;
#[cfg(feature = "video")]
pub mod video;

pub use checks::action::{parse_actions, Action, ActionEvent};
pub use checks::{Check, CheckKind, CheckReport};
pub use engine::{Engine, EngineBuilder};
pub use error::{Error, ErrorKind, Result};
pub use frame::{FrameRef, PixelFormat, Rotation, YuvRange, MAX_DIMENSION};
pub use geometry::Roi;
pub use models::detect::Detection;
pub use models::infer::{ModelKind, RuntimeInfo};
pub use session::{Event, EventKind, Mode, Outcome, Prompt, Reason, Session, SessionConfig};
pub use smoothing::OneEuroParams;
pub use track::{EyeReport, FaceReport, FrameReport, Timings, Tracker, TrackerConfig};

/// Manifest of the default models (`models/manifest.toml`), for tools and tests.
pub const MODEL_MANIFEST: &str = include_str!("../models/manifest.toml");
