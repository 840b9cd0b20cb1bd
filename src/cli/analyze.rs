//! `liveface analyze`: track faces in images, frame directories and videos; JSON Lines
//! per frame and a summary with per-stage timings and the actions found.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use liveface::metrics::{StageSummary, StageTimings};
use liveface::source::{load_image, ImageSequence, OwnedFrame};
use liveface::{Engine, FrameReport, Rotation, TrackerConfig};
use serde::Serialize;

use super::{compose, stem, write_line};

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// An image, a video, a directory of frames (png/jpg/bmp, played in name order) or a
    /// directory of videos (one summary line per video).
    path: PathBuf,
    /// Write an overlay PNG per frame into this directory.
    #[arg(long)]
    overlay: Option<PathBuf>,
    /// Frame rate for timestamps of a frame directory.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Extra clockwise rotation to upright (0, 90, 180, 270), on top of EXIF.
    #[arg(long, default_value_t = 0)]
    rotate: i32,
    /// Mirror the picture (front camera).
    #[arg(long)]
    mirror: bool,
    /// Leave landmark arrays out of the per-frame lines.
    #[arg(long)]
    compact: bool,
    /// Print only the summary line.
    #[arg(long)]
    summary_only: bool,
    /// Re-run the detector every N frames while tracking (0 = only when lost).
    #[arg(long, default_value_t = 10)]
    detect_interval: u32,
    /// Turn landmark smoothing off.
    #[arg(long)]
    no_smoothing: bool,
    /// ONNX Runtime threads per inference.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Landmark models: `attention` (MediaPipe's attention mesh, default) or `mesh-iris`.
    #[arg(long, value_enum, default_value_t, env = "LIVEFACE_LANDMARK_MODEL")]
    landmark_model: super::LandmarkArg,
    /// Videos analysed in parallel when PATH is a directory of videos.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
}

#[derive(Serialize)]
pub(crate) struct Line<'a> {
    frame: usize,
    source: String,
    #[serde(flatten)]
    report: &'a FrameReport,
}

#[derive(Serialize)]
pub(crate) struct ErrorLine {
    frame: usize,
    source: String,
    error: String,
}

#[derive(Serialize)]
pub(crate) struct Summary {
    summary: SummaryBody,
}

#[derive(Serialize)]
struct SummaryBody {
    path: String,
    frames: usize,
    errors: usize,
    frames_with_face: usize,
    face_ratio: f64,
    tracks: usize,
    max_faces_detected: usize,
    engine_load_ms: f64,
    wall_ms: f64,
    frames_per_second: f64,
    runtime: String,
    /// Blink / open-mouth / nod / shake events found (judged against the first frames).
    actions: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video: Option<serde_json::Value>,
    stages: StageSummary,
}

/// Per-stage timing collector for the summary line.
#[derive(Default)]
struct Stats {
    frames: usize,
    errors: usize,
    with_face: usize,
    max_faces: usize,
    ids: std::collections::BTreeSet<u64>,
    timings: StageTimings,
    scanner: Option<liveface::checks::action::ActionScanner>,
    actions: Vec<liveface::ActionEvent>,
}

impl Stats {
    fn add(&mut self, r: &FrameReport) {
        let scanner = self.scanner.get_or_insert_with(|| {
            liveface::checks::action::ActionScanner::new(liveface::checks::action::ActionThresholds::default(), 10)
        });
        self.actions.extend(scanner.push(r.timestamp_us, r.face.as_ref()));
        self.timings.add(r);
        self.max_faces = self.max_faces.max(r.faces_detected);
        if let Some(f) = &r.face {
            self.with_face += 1;
            self.ids.insert(f.id);
        }
    }

    fn summary(self, path: &Path, engine_load_ms: f64, wall: f64, runtime: String) -> SummaryBody {
        SummaryBody {
            path: path.display().to_string(),
            frames: self.frames,
            errors: self.errors,
            frames_with_face: self.with_face,
            face_ratio: if self.frames > 0 { self.with_face as f64 / self.frames as f64 } else { 0.0 },
            tracks: self.ids.len(),
            max_faces_detected: self.max_faces,
            engine_load_ms,
            wall_ms: wall * 1e3,
            frames_per_second: if wall > 0.0 { self.frames as f64 / wall } else { 0.0 },
            runtime,
            actions: self
                .actions
                .iter()
                .map(|e| serde_json::json!({"action": e.action, "start_s": e.start_us as f64 / 1e6, "end_s": e.end_us as f64 / 1e6, "score": e.score}))
                .collect(),
            video: None,
            stages: self.timings.summary(),
        }
    }
}

fn tracker_config(a: &AnalyzeArgs) -> TrackerConfig {
    let mut c = TrackerConfig::default();
    c.detect_interval = a.detect_interval;
    c.smoothing = if a.no_smoothing { None } else { Some(Default::default()) };
    c
}

fn compact(report: &mut FrameReport) {
    if let Some(f) = &mut report.face {
        f.landmarks.clear();
        for e in &mut f.eyes {
            e.contour.clear();
        }
    }
}

pub fn analyze(a: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if a.path.is_dir() {
        let images = liveface::source::list_images(&a.path)?;
        if images.is_empty() {
            return analyze_video_dir(&a);
        }
    } else if !a.path.is_file() {
        bail!("no such file or directory: {}", a.path.display());
    } else if is_video(&a.path) {
        return analyze_video(&a);
    }
    analyze_images(&a)
}

#[cfg(feature = "video")]
fn is_video(p: &Path) -> bool {
    liveface::video::is_video_path(p)
}

#[cfg(not(feature = "video"))]
fn is_video(_: &Path) -> bool {
    false
}

fn build_engine(a: &AnalyzeArgs) -> anyhow::Result<(Engine, f64)> {
    let t_load = Instant::now();
    let engine = Engine::builder().intra_threads(a.threads).landmark_model(a.landmark_model.into()).build()?;
    Ok((engine, t_load.elapsed().as_secs_f64() * 1e3))
}

fn analyze_images(a: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let extra = Rotation::from_degrees(a.rotate)?;
    let inputs: Box<dyn Iterator<Item = (PathBuf, liveface::Result<OwnedFrame>)>> = if a.path.is_dir() {
        let seq = ImageSequence::open(&a.path, a.fps)?;
        if seq.is_empty() {
            bail!("no images (png/jpg/bmp) or videos in directory {}", a.path.display());
        }
        Box::new(seq)
    } else {
        Box::new(std::iter::once((a.path.clone(), load_image(&a.path))))
    };
    if let Some(dir) = &a.overlay {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create overlay directory {}", dir.display()))?;
    }
    let (engine, engine_load_ms) = build_engine(a)?;
    let mut tracker = engine.tracker_with(tracker_config(a))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut stats = Stats::default();
    let t_wall = Instant::now();
    for (i, (path, frame)) in inputs.enumerate() {
        stats.frames += 1;
        let source = path.display().to_string();
        let result = frame.and_then(|mut f| {
            f.rotation = compose(f.rotation, extra);
            f.mirror ^= a.mirror;
            let view = f.as_frame()?;
            let report = tracker.process(&view)?;
            if let Some(dir) = &a.overlay {
                let name = format!("{:06}_{}.png", i, stem(&path));
                liveface::overlay::write_png(&view, &report, &dir.join(name))?;
            }
            Ok(report)
        });
        let mut report = match result {
            Ok(r) => r,
            Err(e) => {
                stats.errors += 1;
                write_line(&mut out, &ErrorLine { frame: i, source, error: e.to_string() })?;
                continue;
            }
        };
        stats.add(&report);
        if a.compact {
            compact(&mut report);
        }
        if !a.summary_only {
            write_line(&mut out, &Line { frame: i, source, report: &report })?;
        }
    }
    let (frames, errors) = (stats.frames, stats.errors);
    let body = stats.summary(&a.path, engine_load_ms, t_wall.elapsed().as_secs_f64(), runtime_path(&engine));
    write_line(&mut out, &Summary { summary: body })?;
    out.flush().ok();
    Ok(if errors == frames { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn runtime_path(engine: &Engine) -> String {
    engine.runtime().path.display().to_string()
}

#[cfg(not(feature = "video"))]
fn analyze_video(a: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    bail!("this build cannot read videos; rebuild with the `video` feature: {}", a.path.display())
}

#[cfg(not(feature = "video"))]
fn analyze_video_dir(a: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    bail!("no images in {} (videos need the `video` feature)", a.path.display())
}

/// Tracks one video; per-frame lines go to `out` unless `lines` is false.
#[cfg(feature = "video")]
fn run_video(
    a: &AnalyzeArgs,
    engine: &Engine,
    engine_load_ms: f64,
    path: &Path,
    out: &mut dyn Write,
    lines: bool,
) -> anyhow::Result<SummaryBody> {
    if let Some(dir) = &a.overlay {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create overlay directory {}", dir.display()))?;
    }
    let mut stats = Stats::default();
    let t_wall = Instant::now();
    let source = path.display().to_string();
    let run = liveface::video::track_video(engine, path, tracker_config(a), |i, frame, report| {
        stats.frames += 1;
        stats.add(report);
        if let Some(dir) = &a.overlay {
            let view = frame.as_frame()?;
            liveface::overlay::write_png(&view, report, &dir.join(format!("{:06}_{}.png", i, stem(path))))?;
        }
        if lines && !a.summary_only {
            let mut r = report.clone();
            if a.compact {
                compact(&mut r);
            }
            write_line(out, &Line { frame: i, source: source.clone(), report: &r })
                .map_err(|e| liveface::Error::custom(liveface::ErrorKind::Io, e.to_string()))?;
        }
        Ok(())
    });
    let run = run?;
    let mut body = stats.summary(path, engine_load_ms, t_wall.elapsed().as_secs_f64(), runtime_path(engine));
    body.video = Some(serde_json::to_value(&run)?);
    Ok(body)
}

#[cfg(feature = "video")]
fn analyze_video(a: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let (engine, engine_load_ms) = build_engine(a)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let body = run_video(a, &engine, engine_load_ms, &a.path, &mut out, true)?;
    write_line(&mut out, &Summary { summary: body })?;
    out.flush().ok();
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "video")]
fn analyze_video_dir(a: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    use rayon::prelude::*;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&a.path)
        .with_context(|| format!("cannot list {}", a.path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_video(p))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no images or videos in directory {}", a.path.display());
    }
    if a.jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} videos {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs)
        .thread_name(|i| format!("liveface-job-{i}"))
        .build()
        .context("cannot start the worker pool")?;
    let out = std::sync::Mutex::new(std::io::stdout());
    let t_wall = Instant::now();
    let failed = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        files.par_iter().for_each_init(
            || build_engine(a),
            |engine, path| {
                let result = match engine {
                    Ok((engine, load_ms)) => run_video(a, engine, *load_ms, path, &mut std::io::sink(), false),
                    Err(e) => Err(anyhow::anyhow!("{e:#}")),
                };
                let line = match result {
                    Ok(body) => serde_json::to_string(&Summary { summary: body }),
                    Err(e) => {
                        failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        serde_json::to_string(
                            &serde_json::json!({"file": path.display().to_string(), "error": format!("{e:#}")}),
                        )
                    }
                };
                if let (Ok(line), Ok(mut o)) = (line, out.lock()) {
                    let _ = writeln!(o, "{line}");
                }
                bar.set_message(stem(path));
                bar.inc(1);
            },
        )
    });
    bar.finish_and_clear();
    let n = files.len();
    let bad = failed.load(std::sync::atomic::Ordering::Relaxed);
    let done = serde_json::json!({"batch": {"path": a.path.display().to_string(), "files": n, "failed": bad,
        "jobs": a.jobs, "wall_ms": t_wall.elapsed().as_secs_f64() * 1e3}});
    println!("{done}");
    // Any failed file fails the run (the batch line says how many).
    Ok(if bad > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
