//! # liveface
//!
//! On-device face liveness engine: it runs before a selfie video goes to a cloud
//! face-verification API. Camera frames in any common layout go into a [`Session`]
//! (one attempt by one person): BlazeFace detection, 468-point mesh and iris tracking
//! through ONNX Runtime, a quality gate, and the mode's [`Check`]s — action (blink, open
//! mouth, nod, shake) or silent (MiniFASNet anti-spoofing fused with planar-motion,
//! spectrum and edge cues) — end in an [`Outcome`] with a reason mapped onto the API's
//! `FailedOperation.*` codes. [`package::Packager`] turns a passed outcome into the
//! request for the compare API (best frame, evidence video, body).
//!
//! ```no_run
//! use liveface::{parse_actions, Engine, FrameRef, PixelFormat, Session, SessionConfig};
//! # fn main() -> liveface::Result<()> {
//! let engine = Engine::new()?; // embedded models, pinned ONNX Runtime
//! let mut session = Session::new(&engine, SessionConfig::action(parse_actions("2,1")?))?;
//! let (w, h) = (640u32, 480u32);
//! # let camera_frames: Vec<(Vec<u8>, i64)> = Vec::new();
//! for (pixels, t_us) in camera_frames {
//!     let frame = FrameRef::new(&pixels, w, h, PixelFormat::Rgb8)?.at_us(t_us);
//!     let (_report, events) = session.push(&frame)?;
//!     for e in events {
//!         println!("{} / {}", e.en, e.zh); // prompts for the person
//!     }
//!     if session.is_finished() {
//!         break;
//!     }
//! }
//! let outcome = session.finish();
//! println!("passed {}, API code {:?}", outcome.passed, outcome.api_code);
//! # Ok(())
//! # }
//! ```
//!
//! `examples/session.rs` runs an action and a silent session over a clip and writes the
//! package. The per-frame tracker is available on its own ([`Engine::tracker`],
//! [`Tracker::process`] -> [`FrameReport`]) for apps that only want landmarks and signals.
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

pub mod audio;
pub mod checks;
pub mod codes;
mod crypto;
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
pub use models::LandmarkModel;
pub use session::{Event, EventKind, Mode, Outcome, Prompt, Reason, Session, SessionConfig};
pub use smoothing::OneEuroParams;
pub use track::{EyeReport, FaceReport, FrameReport, Timings, Tracker, TrackerConfig};

/// Manifest of the default models (`models/manifest.toml`), for tools and tests.
pub const MODEL_MANIFEST: &str = include_str!("../models/manifest.toml");
