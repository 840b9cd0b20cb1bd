//! Detect-then-track (MediaPipe's design): the detector runs only when no face is tracked
//! (and every `detect_interval` frames to count faces); otherwise the mesh region comes
//! from the previous frame's landmarks. The mesh's face-presence score ends a track.

use std::time::Instant;

use serde::Serialize;

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::geometry::{normalize_angle, Roi};
use crate::models::detect::Detection;
use crate::models::{Detector, EyePoints, Eyes, Mesh, Models, MESH};
use crate::signals::{self, HeadPose};
use crate::smoothing::{OneEuroBank, OneEuroParams};

/// Tracker settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TrackerConfig {
    /// While a face is tracked, also run the detector every this many frames to count
    /// faces (0 = never while tracking).
    pub detect_interval: u32,
    /// Minimum face-presence probability that keeps a track alive.
    pub min_presence: f32,
    /// Landmark smoothing for the reported landmarks (signals use raw landmarks, so a
    /// one-frame blink is not smoothed away). `None` turns it off.
    pub smoothing: Option<OneEuroParams>,
    /// Report both eyes (iris and eye contour). With the attention mesh they come with
    /// the mesh pass (its heads also refine the lips, so they always run); with the mesh
    /// + iris models this runs the iris model on each eye.
    pub iris: bool,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig { detect_interval: 10, min_presence: 0.5, smoothing: Some(OneEuroParams::default()), iris: true }
    }
}

impl TrackerConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.min_presence) {
            return Err(Error::new(
                ErrorKind::Config,
                format!("min_presence must be in [0, 1), got {}", self.min_presence),
            ));
        }
        if let Some(p) = self.smoothing {
            if !(p.min_cutoff > 0.0 && p.beta >= 0.0 && p.d_cutoff > 0.0) {
                return Err(Error::new(ErrorKind::Config, format!("invalid One Euro parameters {p:?}")));
            }
        }
        Ok(())
    }
}

/// Time spent per stage on one frame, microseconds (pre- and post-processing included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Face detector (0 when it did not run).
    pub detect_us: u32,
    /// Face mesh, including re-tries after a lost track.
    pub mesh_us: u32,
    /// Both iris crops.
    pub iris_us: u32,
    /// Signals, smoothing and the report.
    pub signals_us: u32,
    /// Whole frame.
    pub total_us: u32,
}

/// One eye.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EyeReport {
    /// Openness from the iris model's eye contour (about 0.3 open, < 0.1 closed).
    pub openness: f32,
    /// Classic eye aspect ratio from the mesh.
    pub ear: f32,
    /// Iris centre, buffer pixels.
    pub iris_center: [f32; 2],
    /// Iris radius, pixels.
    pub iris_radius: f32,
    /// Iris centre + 4 contour points, buffer pixels (x, y, z).
    pub iris: Vec<[f32; 3]>,
    /// 71 eye contour and brow points from the iris model, buffer pixels.
    pub contour: Vec<[f32; 3]>,
}

/// The tracked face on one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceReport {
    /// Track id: stays the same while the face is tracked, new after a loss.
    pub id: u64,
    /// True when the region came from the previous frame's landmarks, false when it came
    /// from the detector on this frame.
    pub tracked: bool,
    /// Detector score when this frame's region came from the detector.
    pub detection_score: Option<f32>,
    /// Face-presence probability from the mesh model.
    pub presence: f32,
    /// Landmark bounding box `[x0, y0, x1, y1]`, buffer pixels.
    pub bbox: [f32; 4],
    /// 468 mesh points (x, y in buffer pixels, z relative depth in pixels; negative is
    /// toward the camera), smoothed when smoothing is on.
    pub landmarks: Vec<[f32; 3]>,
    /// The subject's right eye then left eye (absent when iris is off).
    pub eyes: Vec<EyeReport>,
    /// Inner-lip gap over mouth width.
    pub mouth_openness: f32,
    /// Head pose relative to the upright picture, degrees.
    pub pose: HeadPose,
    /// Face box width and height as fractions of the upright picture's width and height.
    pub relative_size: [f32; 2],
    /// Face centre minus picture centre, as fractions of the upright width and height
    /// (x > 0: face right of centre as the picture is shown).
    pub center_offset: [f32; 2],
    /// Mean luma of the face, 0..255.
    pub brightness: f32,
    /// Luma standard deviation over the face.
    pub contrast: f32,
    /// Variance of the Laplacian over the face crop (higher is sharper).
    pub sharpness: f32,
}

/// What the engine saw on one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameReport {
    /// Frame timestamp, microseconds.
    pub timestamp_us: i64,
    /// Buffer width.
    pub width: u32,
    /// Buffer height.
    pub height: u32,
    /// Faces the detector found on its latest run (this frame when `detector_ran`).
    pub faces_detected: usize,
    /// Whether the detector ran on this frame.
    pub detector_ran: bool,
    /// The tracked face, if any.
    pub face: Option<FaceReport>,
    /// Per-stage timings.
    pub timings: Timings,
}

/// Per-stream tracking state and reusable buffers. Create one per camera or video.
#[derive(Debug)]
pub struct Tracker {
    models: Arc<Models>,
    config: TrackerConfig,
    detector: Detector,
    mesh: Mesh,
    eyes: Eyes,
    track: Option<Track>,
    next_id: u64,
    frames_since_detect: u32,
    faces_detected: usize,
    smoother: OneEuroBank,
    smooth_buf: Vec<f32>,
    landmarks: Vec<[f32; 3]>,
}

#[derive(Debug, Clone, Copy)]
struct Track {
    id: u64,
    next_roi: Roi,
}

/// MediaPipe `FaceDetectionFrontDetectionToRoi`: box centre, eye-line rotation, 1.5×
/// the longer side.
pub(crate) fn roi_from_detection(d: &Detection) -> Roi {
    let [x0, y0] = d.keypoints[0];
    let [x1, y1] = d.keypoints[1];
    let angle = normalize_angle(0.0 - (-(y1 - y0)).atan2(x1 - x0));
    let (w, h) = (d.bbox[2] - d.bbox[0], d.bbox[3] - d.bbox[1]);
    Roi { cx: (d.bbox[0] + d.bbox[2]) / 2.0, cy: (d.bbox[1] + d.bbox[3]) / 2.0, side: 1.5 * w.max(h), angle }
}

/// Region for the next frame from this frame's landmarks: rotated by the outer eye
/// corners (33 -> 263), the landmarks' bounding box in that rotated frame, 1.5× square.
pub(crate) fn roi_from_landmarks(lm: &[[f32; 3]]) -> Roi {
    let (p0, p1) = (lm[33], lm[263]);
    let angle = (p1[1] - p0[1]).atan2(p1[0] - p0[0]);
    let (s, c) = angle.sin_cos();
    let (mut minx, mut miny, mut maxx, mut maxy) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in lm {
        // rotate by -angle
        let (x, y) = (c * p[0] + s * p[1], -s * p[0] + c * p[1]);
        minx = minx.min(x);
        maxx = maxx.max(x);
        miny = miny.min(y);
        maxy = maxy.max(y);
    }
    let (mx, my) = ((minx + maxx) / 2.0, (miny + maxy) / 2.0);
    Roi { cx: c * mx - s * my, cy: s * mx + c * my, side: 1.5 * (maxx - minx).max(maxy - miny), angle }
}

fn micros(since: Instant) -> u32 {
    since.elapsed().as_micros().min(u32::MAX as u128) as u32
}

impl Tracker {
    pub(crate) fn new(models: Arc<Models>, config: TrackerConfig) -> Tracker {
        let smoother = OneEuroBank::new(config.smoothing.unwrap_or_default());
        Tracker {
            models,
            config,
            detector: Detector::default(),
            mesh: Mesh::default(),
            eyes: Eyes::default(),
            track: None,
            next_id: 1,
            frames_since_detect: 0,
            faces_detected: 0,
            smoother,
            smooth_buf: Vec::with_capacity(468 * 3),
            landmarks: Vec::with_capacity(468),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// Forget the current face (the next frame runs the detector).
    pub fn reset(&mut self) {
        self.track = None;
        self.smoother.reset();
    }

    /// Whether a face is being tracked.
    pub fn is_tracking(&self) -> bool {
        self.track.is_some()
    }

    fn run_detector(&mut self, frame: &FrameRef) -> Result<Vec<Detection>> {
        let dets = self.detector.run(&self.models, frame)?;
        self.faces_detected = dets.len();
        self.frames_since_detect = 0;
        Ok(dets)
    }

    fn run_mesh(&mut self, frame: &FrameRef, roi: &Roi, lm: &mut Vec<[f32; 3]>) -> Result<f32> {
        self.mesh.run(&self.models, frame, roi, lm)
    }

    /// Both eyes for the face the mesh just ran on.
    fn run_eyes(&mut self, frame: &FrameRef, lm: &[[f32; 3]]) -> Result<[EyePoints; 2]> {
        self.eyes.run(&self.models, frame, &mut self.mesh, lm)
    }

    /// Benchmark hook: the mesh stage alone on `roi` (upright pixels). Returns the
    /// presence probability and the 468 landmarks in upright pixels.
    #[doc(hidden)]
    pub fn stage_mesh(&mut self, frame: &FrameRef, roi: &Roi) -> Result<(f32, Vec<[f32; 3]>)> {
        let mut lm = Vec::with_capacity(468);
        let p = self.run_mesh(frame, roi, &mut lm)?;
        Ok((p, lm))
    }

    /// Benchmark hook: the mesh model's 192×192 input crop alone (the sampling the mesh
    /// stage starts with); returns its first value.
    #[doc(hidden)]
    pub fn stage_crop(&mut self, frame: &FrameRef, roi: &Roi) -> f32 {
        self.mesh.crop(frame, roi)[0]
    }

    /// Benchmark hook: the eye stage alone (both eyes) for the face the last
    /// [`Tracker::stage_mesh`] ran on, from its upright landmarks (with the attention mesh
    /// the eyes come from that pass and can be taken once).
    #[doc(hidden)]
    pub fn stage_iris(&mut self, frame: &FrameRef, landmarks: &[[f32; 3]]) -> Result<()> {
        if landmarks.len() != 468 {
            return Err(Error::new(ErrorKind::Config, "stage_iris needs 468 landmarks"));
        }
        self.run_eyes(frame, landmarks)?;
        Ok(())
    }

    /// Processes one frame.
    ///
    /// # Errors
    /// [`ErrorKind::Inference`] when ONNX Runtime fails; never for "no face" (that is
    /// `face: None`).
    pub fn process(&mut self, frame: &FrameRef) -> Result<FrameReport> {
        // The landmark buffer lives in the tracker and is lent to this frame.
        let mut lm = std::mem::take(&mut self.landmarks);
        let result = self.process_with(frame, &mut lm);
        self.landmarks = lm;
        result
    }

    fn process_with(&mut self, frame: &FrameRef, lm: &mut Vec<[f32; 3]>) -> Result<FrameReport> {
        let start = Instant::now();
        let mut timings = Timings::default();
        let (uw, uh) = frame.upright_size();

        let mut detector_ran = false;
        let mut dets = Vec::new();
        let periodic = self.config.detect_interval > 0 && self.frames_since_detect + 1 >= self.config.detect_interval;
        if self.track.is_none() || periodic {
            let t = Instant::now();
            dets = self.run_detector(frame)?;
            detector_ran = true;
            timings.detect_us = micros(t);
        } else {
            self.frames_since_detect += 1;
        }

        let t_mesh = Instant::now();
        let mut found: Option<(u64, bool, Option<f32>, f32)> = None; // id, tracked, det score, presence
        if let Some(track) = self.track {
            let presence = self.run_mesh(frame, &track.next_roi, lm)?;
            if presence >= self.config.min_presence {
                found = Some((track.id, true, None, presence));
            } else {
                // Lost: forget the track and let the detector find the face again now.
                self.reset();
                if !detector_ran {
                    timings.mesh_us = micros(t_mesh);
                    let t = Instant::now();
                    dets = self.run_detector(frame)?;
                    detector_ran = true;
                    timings.detect_us = micros(t);
                }
            }
        }
        let t_mesh2 = Instant::now();
        if found.is_none() {
            // Largest face first: the person in front of the camera.
            if let Some(best) = dets.iter().max_by(|a, b| (a.area() * a.score).total_cmp(&(b.area() * b.score))) {
                let roi = roi_from_detection(best);
                let score = best.score;
                let presence = self.run_mesh(frame, &roi, lm)?;
                if presence >= self.config.min_presence {
                    let id = self.next_id;
                    self.next_id += 1;
                    self.smoother.reset();
                    found = Some((id, false, Some(score), presence));
                }
            }
        }
        timings.mesh_us += micros(if timings.mesh_us > 0 { t_mesh2 } else { t_mesh });

        let Some((id, tracked, detection_score, presence)) = found else {
            self.track = None;
            timings.total_us = micros(start);
            return Ok(FrameReport {
                timestamp_us: frame.timestamp_us(),
                width: frame.width(),
                height: frame.height(),
                faces_detected: self.faces_detected,
                detector_ran,
                face: None,
                timings,
            });
        };
        self.track = Some(Track { id, next_roi: roi_from_landmarks(lm) });

        let mut eyes_raw = Vec::new();
        if self.config.iris {
            let t = Instant::now();
            eyes_raw.extend(self.run_eyes(frame, lm)?);
            timings.iris_us = micros(t);
        }

        let t = Instant::now();
        let face = self.build_face(frame, lm, &eyes_raw, (uw, uh), id, tracked, detection_score, presence);
        timings.signals_us = micros(t);
        timings.total_us = micros(start);
        Ok(FrameReport {
            timestamp_us: frame.timestamp_us(),
            width: frame.width(),
            height: frame.height(),
            faces_detected: self.faces_detected.max(1),
            detector_ran,
            face: Some(face),
            timings,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn build_face(
        &mut self,
        frame: &FrameRef,
        lm: &[[f32; 3]],
        eyes_raw: &[EyePoints],
        (uw, uh): (u32, u32),
        id: u64,
        tracked: bool,
        detection_score: Option<f32>,
        presence: f32,
    ) -> FaceReport {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in lm {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        let (fw, fh) = (uw as f32, uh as f32);
        let relative_size = [(x1 - x0) / fw, (y1 - y0) / fh];
        let center_offset = [((x0 + x1) / 2.0 - fw / 2.0) / fw, ((y0 + y1) / 2.0 - fh / 2.0) / fh];
        let (brightness, contrast, sharpness) = signals::crop_photometrics(self.mesh.input(), MESH, 0.5);
        let pose = signals::head_pose(lm);
        let mouth_openness = signals::mouth_openness(lm);
        let ears = [
            signals::eye_aspect_ratio(lm, signals::RIGHT_EYE_EAR),
            signals::eye_aspect_ratio(lm, signals::LEFT_EYE_EAR),
        ];

        let to_buf = frame.upright_to_buffer();
        let out = |p: &[f32; 3]| -> [f32; 3] {
            let (x, y) = to_buf.apply(p[0], p[1]);
            [x, y, p[2]]
        };

        // Smooth the reported mesh in face-size units.
        let mut reported: Vec<[f32; 3]> = lm.to_vec();
        if self.config.smoothing.is_some() {
            self.smooth_buf.clear();
            self.smooth_buf.extend(lm.iter().flat_map(|p| p.iter().copied()));
            let scale = 1.0 / (x1 - x0).max(1.0);
            self.smoother.filter(&mut self.smooth_buf, frame.timestamp_us(), scale);
            for (p, s) in reported.iter_mut().zip(self.smooth_buf.chunks_exact(3)) {
                *p = [s[0], s[1], s[2]];
            }
        }
        let (bx0, by0) = to_buf.apply(x0, y0);
        let (bx1, by1) = to_buf.apply(x1, y1);

        let eyes = eyes_raw
            .iter()
            .enumerate()
            .map(|(i, (contour, iris))| {
                let c = iris[0];
                let radius =
                    iris[1..].iter().map(|p| ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)).sqrt()).sum::<f32>() / 4.0;
                let centre = out(&c);
                EyeReport {
                    openness: signals::contour_openness(contour),
                    ear: ears[i],
                    iris_center: [centre[0], centre[1]],
                    iris_radius: radius,
                    iris: iris.iter().map(out).collect(),
                    contour: contour.iter().map(out).collect(),
                }
            })
            .collect();

        FaceReport {
            id,
            tracked,
            detection_score,
            presence,
            bbox: [bx0.min(bx1), by0.min(by1), bx0.max(bx1), by0.max(by1)],
            landmarks: reported.iter().map(out).collect(),
            eyes,
            mouth_openness,
            pose,
            relative_size,
            center_offset,
            brightness,
            contrast,
            sharpness,
        }
    }
}
