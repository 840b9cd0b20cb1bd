//! From a session's [`Outcome`] to what the compare API needs, in one call: the best
//! frame as JPEG, the evidence MP4 (H.264 + Opus), the request body and a manifest
//! (`package.json`).
//!
//! Push every frame the session saw (and the audio, if any) while it runs; the packager
//! keeps the evidence pictures and re-encodes the best frame only when the session's
//! best changes. Then [`Packager::finish`] builds the [`Package`] and
//! [`Package::write`] stores it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::request::{ApiName, LivenessType, RequestTarget};
use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::quality::BestFrame;
use crate::session::{Mode, Outcome};
use crate::video::{encode_best_frame, BestFrameConfig, EvidenceConfig, EvidenceEncoder, EvidenceVideo};

/// The smallest face (box width and height, pixels) a package's best frame may have: the
/// compare API wants a face of at least about 100×100 px.
pub const MIN_FACE_PX: f32 = 100.0;

/// The best frame in a package: which frame, its face box and size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestFrameInfo {
    /// Frame time (µs).
    pub t_us: i64,
    /// Frame number in the session.
    pub index: usize,
    /// Quality score.
    pub score: f32,
    /// Face box `[x0, y0, x1, y1]` in the frame's buffer pixels.
    pub face_box: [f32; 4],
    /// Face box width and height (pixels).
    pub face_px: [f32; 2],
}

/// The evidence video as `package.json` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoSummary {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames written.
    pub frames: u32,
    /// Duration, microseconds.
    pub duration_us: i64,
    /// Bitrate of the final pass.
    pub bitrate_bps: u32,
    /// Encoding passes needed to fit the budget.
    pub passes: u32,
}

impl From<&EvidenceVideo> for VideoSummary {
    fn from(v: &EvidenceVideo) -> VideoSummary {
        VideoSummary {
            width: v.width,
            height: v.height,
            frames: v.frames,
            duration_us: v.duration_us,
            bitrate_bps: v.bitrate_bps,
            passes: v.passes,
        }
    }
}

/// `package.json`: what the package holds and what the request asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageManifest {
    /// The API (short name).
    pub api: ApiName,
    /// The `X-TC-Action`.
    pub action: String,
    /// `ACTION`, `SILENT` or `LIP`.
    pub liveness_type: String,
    /// `ValidateData` (the action sequence; empty for silent).
    pub validate_data: String,
    /// `BestFrameNum`, if asked.
    pub best_frame_num: Option<u8>,
    /// `given` (a reference photo was supplied) or `best_frame` (the best frame stands in).
    pub image: String,
    /// File sizes in bytes.
    pub files: BTreeMap<String, usize>,
    /// The evidence video.
    pub video: VideoSummary,
    /// The evidence window (µs).
    pub evidence_window_us: Option<(i64, i64)>,
    /// The best frame.
    pub best_frame: Option<BestFrameInfo>,
    /// Light and flash sessions (packaged as `SILENT`: the compare API has no light
    /// type): the challenge's nonce and the colours decoded from the face, step by step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light: Option<LightEvidence>,
}

/// What a light session saw, for the package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LightEvidence {
    /// The challenge nonce (hex).
    pub nonce_hex: String,
    /// Decoded display colour of each step (`None`: no frame in its middle).
    pub decoded: Vec<Option<[u8; 3]>>,
    /// Share of the seen steps decoded as the challenge's colour.
    pub decoded_share: Option<f32>,
    /// Display + camera lag (ms).
    pub lag_ms: Option<i64>,
}

/// A finished package, in memory.
#[derive(Clone)]
pub struct Package {
    /// `best.jpg`.
    pub best_jpeg: Vec<u8>,
    /// `video.mp4`.
    pub video_mp4: Vec<u8>,
    /// `request.json`: the exact request body.
    pub request_json: Vec<u8>,
    /// `package.json`.
    pub manifest: PackageManifest,
    /// The evidence video's description.
    pub video: EvidenceVideo,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package").field("manifest", &self.manifest).finish()
    }
}

impl Package {
    /// Writes `best.jpg`, `video.mp4`, `request.json` and `package.json` into `dir`
    /// (created when missing).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] naming the path.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let io = |what: &Path, e: std::io::Error| {
            Error::with_source(ErrorKind::Io, format!("cannot write {}", what.display()), e)
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let manifest = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| Error::new(ErrorKind::Encode, format!("package.json: {e}")))?;
        for (name, bytes) in [
            ("best.jpg", &self.best_jpeg),
            ("video.mp4", &self.video_mp4),
            ("request.json", &self.request_json),
            ("package.json", &manifest),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, bytes).map_err(|e| io(&p, e))?;
        }
        Ok(())
    }
}

/// Packager settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PackagerConfig {
    /// The evidence video.
    pub evidence: EvidenceConfig,
    /// The best-frame JPEG.
    pub best_frame: BestFrameConfig,
    /// Smallest face in the best frame (pixels, width and height).
    pub min_face_px: f32,
}

impl Default for PackagerConfig {
    fn default() -> Self {
        PackagerConfig {
            evidence: EvidenceConfig::default(),
            best_frame: BestFrameConfig::default(),
            min_face_px: MIN_FACE_PX,
        }
    }
}

/// Builds a package while a session runs; see the module docs.
#[derive(Debug)]
pub struct Packager {
    config: PackagerConfig,
    best: Option<(BestFrame, Vec<u8>)>,
    video: EvidenceEncoder,
}

impl Packager {
    /// A packager.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for invalid video settings.
    pub fn new(config: PackagerConfig) -> Result<Packager> {
        let video = EvidenceEncoder::new(config.evidence.clone())?;
        Ok(Packager { config, best: None, video })
    }

    /// One frame the session saw (`index` counts pushed frames from 0, as the session
    /// does; `best` is [`crate::Session::best_frames`] after the push).
    ///
    /// # Errors
    /// Encoding errors.
    pub fn push_frame(&mut self, frame: &FrameRef, index: usize, best: &[BestFrame]) -> Result<()> {
        self.video.push(frame)?;
        if let Some(b) = best.first().filter(|b| b.index == index) {
            if self.best.as_ref().is_none_or(|(cur, _)| cur.index != index) {
                let jpg = encode_best_frame(frame, &self.config.best_frame)?;
                self.best = Some((b.clone(), jpg));
            }
        }
        Ok(())
    }

    /// Audio for the evidence video (any rate, mono), its first sample at `start_us`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a zero sample rate.
    pub fn push_audio(&mut self, samples: &[f32], sample_rate: u32, start_us: i64) -> Result<()> {
        self.video.push_audio(samples, sample_rate, start_us)
    }

    /// The package for a passed `outcome`: the evidence window cut, the video encoded
    /// within the API's budget, the best frame checked, the request built and checked
    /// against every documented limit. `image` is the reference photo for the compare
    /// APIs (without it the best frame stands in).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the session did not pass or kept no best frame;
    /// [`ErrorKind::Limit`] when the best face is under `min_face_px` or a request limit
    /// is exceeded; encoding errors.
    pub fn finish(mut self, outcome: &Outcome, target: &RequestTarget, image: Option<&[u8]>) -> Result<Package> {
        if !outcome.passed {
            return Err(Error::new(
                ErrorKind::Config,
                format!("the session did not pass ({}); nothing to send", outcome.api_code.unwrap_or(outcome.en)),
            ));
        }
        let (best, best_jpeg) =
            self.best.take().ok_or_else(|| Error::new(ErrorKind::Config, "no best frame was kept"))?;
        let face_px = [best.bbox[2] - best.bbox[0], best.bbox[3] - best.bbox[1]];
        if face_px[0].min(face_px[1]) < self.config.min_face_px {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "the best frame's face is {:.0}x{:.0} px; the compare API needs at least {:.0} px: move closer or \
                     use a higher camera resolution",
                    face_px[0], face_px[1], self.config.min_face_px
                ),
            ));
        }
        if let Some((start, end)) = outcome.evidence_window_us {
            self.video.retain_window(start, end);
        }
        let mut video = self.video.finish()?;
        let (liveness, validate) = match outcome.mode {
            Mode::Silent | Mode::Light | Mode::Flash => (LivenessType::Silent, String::new()),
            Mode::Lip => (LivenessType::Lip, outcome.lip.as_ref().map(|l| l.code.clone()).unwrap_or_default()),
            Mode::Action => (
                LivenessType::Action,
                outcome.steps.iter().map(|s| s.action.code().to_string()).collect::<Vec<_>>().join(","),
            ),
        };
        let reference = image.unwrap_or(&best_jpeg);
        let (request_json, action) = {
            let req = target.request(liveness, &video.mp4, reference, &validate)?;
            (req.to_json()?, req.api().action())
        };
        let video_mp4 = std::mem::take(&mut video.mp4);
        let files = BTreeMap::from([
            ("best.jpg".to_string(), best_jpeg.len()),
            ("video.mp4".to_string(), video_mp4.len()),
            ("request.json".to_string(), request_json.len()),
        ]);
        let manifest = PackageManifest {
            api: target.api.into(),
            action: action.to_string(),
            liveness_type: liveness.as_str().to_string(),
            validate_data: validate,
            best_frame_num: target.best_frame_num,
            image: if image.is_some() { "given" } else { "best_frame" }.to_string(),
            files,
            video: VideoSummary::from(&video),
            evidence_window_us: outcome.evidence_window_us,
            best_frame: Some(BestFrameInfo {
                t_us: best.t_us,
                index: best.index,
                score: best.score,
                face_box: best.bbox,
                face_px,
            }),
            light: outcome.light.as_ref().map(|l| LightEvidence {
                nonce_hex: l.nonce_hex.clone(),
                decoded: l.decoded.clone(),
                decoded_share: l.decoded_share,
                lag_ms: l.lag_ms,
            }),
        };
        Ok(Package { best_jpeg, video_mp4, request_json, manifest, video })
    }
}
