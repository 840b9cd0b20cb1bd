//! The `liveface` command-line tool.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use liveface::source::{load_image, ImageSequence, OwnedFrame};
use liveface::{Engine, FrameReport, Rotation, TrackerConfig};
use serde::Serialize;

#[derive(Parser)]
#[command(name = "liveface", version, about = "On-device face liveness engine")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Track the face in an image or a directory of frames; JSON Lines per frame, then a summary.
    Analyze(AnalyzeArgs),
    /// Show the ONNX Runtime and models in use.
    Info,
    /// List cameras (needs the `camera` feature).
    Cameras,
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// An image file or a directory of frames (png/jpg/bmp, played in name order).
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
}

#[derive(Serialize)]
struct Line<'a> {
    frame: usize,
    source: String,
    #[serde(flatten)]
    report: &'a FrameReport,
}

#[derive(Serialize)]
struct ErrorLine {
    frame: usize,
    source: String,
    error: String,
}

#[derive(Serialize, Default)]
struct Stat {
    runs: usize,
    median_us: u32,
    p95_us: u32,
    mean_us: f64,
}

fn stat(mut v: Vec<u32>) -> Stat {
    if v.is_empty() {
        return Stat::default();
    }
    v.sort_unstable();
    let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Stat {
        runs: v.len(),
        median_us: pick(0.5),
        p95_us: pick(0.95),
        mean_us: v.iter().map(|x| *x as f64).sum::<f64>() / v.len() as f64,
    }
}

#[derive(Serialize)]
struct Summary {
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
    stages: Stages,
}

#[derive(Serialize)]
struct Stages {
    detect: Stat,
    mesh: Stat,
    iris: Stat,
    signals: Stat,
    total: Stat,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.cmd {
        Cmd::Analyze(a) => analyze(a),
        Cmd::Info => info(),
        Cmd::Cameras => cameras(),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("liveface: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn info() -> anyhow::Result<ExitCode> {
    let t = Instant::now();
    let engine = Engine::new()?;
    let out = serde_json::json!({
        "runtime": engine.runtime(),
        "engine_load_ms": t.elapsed().as_secs_f64() * 1e3,
        "manifest": liveface::MODEL_MANIFEST,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "camera")]
fn cameras() -> anyhow::Result<ExitCode> {
    let list = liveface::source::list_cameras()?;
    println!("{}", serde_json::to_string(&list)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "camera"))]
fn cameras() -> anyhow::Result<ExitCode> {
    bail!("this build has no camera support; rebuild with `--features camera`")
}

fn analyze(a: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let extra = Rotation::from_degrees(a.rotate)?;
    let inputs: Box<dyn Iterator<Item = (PathBuf, liveface::Result<OwnedFrame>)>> = if a.path.is_dir() {
        let seq = ImageSequence::open(&a.path, a.fps)?;
        if seq.is_empty() {
            bail!("no images (png/jpg/bmp) in directory {}", a.path.display());
        }
        Box::new(seq)
    } else if a.path.is_file() {
        Box::new(std::iter::once((a.path.clone(), load_image(&a.path))))
    } else {
        bail!("no such file or directory: {}", a.path.display());
    };
    if let Some(dir) = &a.overlay {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create overlay directory {}", dir.display()))?;
    }

    let t_load = Instant::now();
    let engine = Engine::builder().intra_threads(a.threads).build()?;
    let engine_load_ms = t_load.elapsed().as_secs_f64() * 1e3;
    let config = TrackerConfig {
        detect_interval: a.detect_interval,
        smoothing: if a.no_smoothing { None } else { Some(Default::default()) },
        ..Default::default()
    };
    let mut tracker = engine.tracker_with(config)?;

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut frames, mut errors, mut with_face, mut max_faces) = (0usize, 0usize, 0usize, 0usize);
    let mut ids = std::collections::BTreeSet::new();
    let (mut det, mut mesh, mut iris, mut sig, mut total) = (vec![], vec![], vec![], vec![], vec![]);
    let t_wall = Instant::now();
    for (i, (path, frame)) in inputs.enumerate() {
        frames += 1;
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
                errors += 1;
                write_line(&mut out, &ErrorLine { frame: i, source, error: e.to_string() })?;
                continue;
            }
        };
        let t = report.timings;
        if report.detector_ran {
            det.push(t.detect_us);
        }
        if report.face.is_some() || t.mesh_us > 0 {
            mesh.push(t.mesh_us);
        }
        if t.iris_us > 0 {
            iris.push(t.iris_us);
            sig.push(t.signals_us);
        }
        total.push(t.total_us);
        max_faces = max_faces.max(report.faces_detected);
        if let Some(f) = &mut report.face {
            with_face += 1;
            ids.insert(f.id);
            if a.compact {
                f.landmarks.clear();
                for e in &mut f.eyes {
                    e.contour.clear();
                }
            }
        }
        if !a.summary_only {
            write_line(&mut out, &Line { frame: i, source, report: &report })?;
        }
    }
    let wall = t_wall.elapsed().as_secs_f64();
    let summary = Summary {
        summary: SummaryBody {
            path: a.path.display().to_string(),
            frames,
            errors,
            frames_with_face: with_face,
            face_ratio: if frames > 0 { with_face as f64 / frames as f64 } else { 0.0 },
            tracks: ids.len(),
            max_faces_detected: max_faces,
            engine_load_ms,
            wall_ms: wall * 1e3,
            frames_per_second: if wall > 0.0 { frames as f64 / wall } else { 0.0 },
            runtime: engine.runtime().path.display().to_string(),
            stages: Stages {
                detect: stat(det),
                mesh: stat(mesh),
                iris: stat(iris),
                signals: stat(sig),
                total: stat(total),
            },
        },
    };
    write_line(&mut out, &summary)?;
    out.flush().ok();
    Ok(if errors == frames { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn write_line<W: Write, T: Serialize>(out: &mut W, v: &T) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    match out.write_all(b"\n") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => Ok(r?),
    }
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn compose(a: Rotation, b: Rotation) -> Rotation {
    let deg = |r: Rotation| match r {
        Rotation::R0 => 0,
        Rotation::R90 => 90,
        Rotation::R180 => 180,
        Rotation::R270 => 270,
    };
    Rotation::from_degrees(deg(a) + deg(b)).unwrap_or(Rotation::R0)
}
