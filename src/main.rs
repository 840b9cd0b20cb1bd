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

#[path = "cli/spoof.rs"]
mod spoof;

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
    /// Run a liveness session on a recorded clip (or frame directory); prints the outcome
    /// as JSON and exits 1 when it fails.
    Precheck(PrecheckArgs),
    /// Measure detector accuracy against labelled intervals.
    Eval(EvalArgs),
    /// Run a liveness session live on a camera (feature `camera`) or a clip played in
    /// real time, with prompts in the terminal.
    Live(LiveArgs),
    /// Send a package made by `precheck --package` to the FaceID API (feature `paas`).
    Submit(SubmitArgs),
    /// Fetch a challenge: `action` (GetActionSequence) or `code` (GetLiveCode) (feature `paas`).
    Challenge(ChallengeArgs),
    /// Show the ONNX Runtime and models in use.
    Info,
    /// List cameras (needs the `camera` feature).
    Cameras,
}

#[derive(clap::Args)]
struct AnalyzeArgs {
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
    /// Videos analysed in parallel when PATH is a directory of videos.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
}

#[derive(clap::Args)]
struct SessionArgs {
    /// Liveness mode: action or silent.
    #[arg(long, default_value = "action")]
    mode: String,
    /// Directory with the MiniFASNet anti-spoof models (silent mode; see the README).
    /// Without them silent mode decides on its temporal cues alone and says so.
    #[arg(long, env = "LIVEFACE_ANTISPOOF_DIR")]
    antispoof_models: Option<PathBuf>,
    /// Accept anti-spoof model files that differ from the pinned conversion (your own
    /// export); their input and output are still checked.
    #[arg(long)]
    allow_unpinned_models: bool,
    /// Silent mode: good-quality video to collect before deciding (ms).
    #[arg(long, default_value_t = 3_000)]
    silent_ms: i64,
    /// Action sequence: mainland "1,2"/"2,1" (1 open mouth, 2 close eyes) or
    /// international codes (1 open mouth, 2 blink, 3 nod, 4 shake head).
    #[arg(long, default_value = "1,2")]
    actions: String,
    /// Session timeout from the first frame (ms).
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: i64,
}

impl SessionArgs {
    fn config(&self) -> anyhow::Result<liveface::SessionConfig> {
        if self.mode == "silent" {
            let mut c = liveface::SessionConfig::silent();
            c.timeout_ms = self.timeout_ms;
            c.silent.good_ms = self.silent_ms;
            c.silent.min_good_ms = c.silent.min_good_ms.min(self.silent_ms);
            return Ok(c);
        }
        if self.mode != "action" {
            bail!("mode {:?} is not available in this release (action or silent)", self.mode);
        }
        let actions = liveface::parse_actions(&self.actions).map_err(|e| anyhow::anyhow!(e))?;
        let mut c = liveface::SessionConfig::action(actions);
        c.timeout_ms = self.timeout_ms;
        Ok(c)
    }
}

#[derive(clap::Args)]
struct PrecheckArgs {
    /// A video or a directory of frames.
    path: PathBuf,
    #[command(flatten)]
    session: SessionArgs,
    /// Also print every session event as a JSON line.
    #[arg(long)]
    events: bool,
    /// Frame rate for a frame directory.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// After a pass, write best.jpg, video.mp4, request.json and package.json here.
    #[arg(long)]
    package: Option<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    /// BestFrameNum to ask the API for (2..=10).
    #[arg(long)]
    best_frame_num: Option<u8>,
}

/// Which API a request is for and what it needs besides the video.
#[derive(clap::Args)]
struct TargetArgs {
    /// API to build the request for.
    #[arg(long, value_enum, default_value = "compare")]
    api: ApiArg,
    /// Reference photo for compare (default: the package's best frame).
    #[arg(long)]
    image: Option<PathBuf>,
    /// ID-card number (recognition).
    #[arg(long)]
    id_card: Option<String>,
    /// Name (recognition).
    #[arg(long)]
    name: Option<String>,
}

impl TargetArgs {
    /// The reference photo: `--image`, else `fallback`.
    fn image(&self, fallback: impl FnOnce() -> anyhow::Result<Vec<u8>>) -> anyhow::Result<Vec<u8>> {
        match &self.image {
            Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display())),
            None => fallback(),
        }
    }

    /// An ACTION (`validate` = the action sequence) or SILENT (`validate` empty) request
    /// for this API.
    fn request<'a>(
        &self,
        silent: bool,
        video: &'a [u8],
        image: &'a [u8],
        validate: &str,
        best_frame_num: Option<u8>,
    ) -> anyhow::Result<liveface::package::LivenessRequest<'a>> {
        use liveface::package::{LivenessRequest, LivenessType};
        let lt = if silent { LivenessType::Silent } else { LivenessType::Action };
        let mut req = match self.api {
            ApiArg::Compare => LivenessRequest::compare(lt, video, image),
            ApiArg::Intl => LivenessRequest::compare_international(lt, video, image),
            ApiArg::Recognition => LivenessRequest::recognition(
                lt,
                video,
                self.id_card.as_deref().context("--id-card is needed for recognition")?,
                self.name.as_deref().context("--name is needed for recognition")?,
            ),
        }
        .validate_data(validate);
        if let Some(n) = best_frame_num {
            req = req.best_frame_num(n);
        }
        Ok(req)
    }
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum ApiArg {
    /// LivenessCompare (video vs a photo).
    Compare,
    /// LivenessRecognition (video vs the ID-card photo on record).
    Recognition,
    /// International CompareFaceLiveness.
    Intl,
}

#[derive(clap::Args)]
struct ConnArgs {
    /// API endpoint.
    #[arg(long, default_value = "https://faceid.tencentcloudapi.com")]
    endpoint: String,
    /// X-TC-Region.
    #[arg(long)]
    region: Option<String>,
    /// Extra trusted root certificate (PEM), e.g. a test server's.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Request timeout, seconds.
    #[arg(long, default_value_t = 30)]
    timeout_s: u64,
}

#[derive(clap::Args)]
struct SubmitArgs {
    /// Package directory from `precheck --package`.
    dir: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    conn: ConnArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum ChallengeKind {
    /// GetActionSequence.
    Action,
    /// GetLiveCode.
    Code,
}

#[derive(clap::Args)]
struct ChallengeArgs {
    /// Which challenge.
    #[arg(value_enum)]
    kind: ChallengeKind,
    #[command(flatten)]
    conn: ConnArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum EvalKind {
    Blink,
    Mouth,
    /// Silent liveness against presentation attacks (ISO/IEC 30107-3 metrics).
    Spoof,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// What to evaluate.
    #[arg(value_enum)]
    kind: EvalKind,
    /// blink/mouth: CSV with a `clip` column (file stem) and either `start_frame,end_frame`
    /// or `start_s,end_s` per labelled event (e.g. ../shared/data/blink/blink_intervals.csv).
    #[arg(long, required_if_eq_any = [("kind", "blink"), ("kind", "mouth")])]
    labels: Option<PathBuf>,
    /// blink/mouth: clips to evaluate (clips without labels count every detection as a
    /// false positive).
    clips: Vec<PathBuf>,
    /// spoof: CSV manifests with `file` (relative to the manifest) and `label` (`live`, or
    /// the attack species: `print`, `replay`, `spoof_print`...); images and clips. Repeatable.
    #[arg(long)]
    manifest: Vec<PathBuf>,
    /// spoof: directory with the MiniFASNet models (without: cues only).
    #[arg(long, env = "LIVEFACE_ANTISPOOF_DIR")]
    antispoof_models: Option<PathBuf>,
    /// spoof: accept anti-spoof model files that differ from the pinned conversion.
    #[arg(long)]
    allow_unpinned_models: bool,
    /// spoof: write scores.csv, roc.png and summary.json here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Frames of slack when matching a detection to a labelled interval.
    #[arg(long, default_value_t = 2)]
    tolerance_frames: i64,
}

#[derive(clap::Args)]
struct LiveArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// Camera index (feature `camera`).
    #[arg(long, default_value_t = 0)]
    camera: u32,
    /// Play this clip in real time instead of a camera.
    #[arg(long)]
    source: Option<PathBuf>,
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
    /// Blink / open-mouth / nod / shake events found (judged against the first frames).
    actions: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video: Option<serde_json::Value>,
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

/// Per-stage timing collector for the summary line.
#[derive(Default)]
struct Stats {
    frames: usize,
    errors: usize,
    with_face: usize,
    max_faces: usize,
    ids: std::collections::BTreeSet<u64>,
    det: Vec<u32>,
    mesh: Vec<u32>,
    iris: Vec<u32>,
    sig: Vec<u32>,
    total: Vec<u32>,
    scanner: Option<liveface::checks::action::ActionScanner>,
    actions: Vec<liveface::ActionEvent>,
}

impl Stats {
    fn add(&mut self, r: &FrameReport) {
        let scanner = self.scanner.get_or_insert_with(|| {
            liveface::checks::action::ActionScanner::new(liveface::checks::action::ActionThresholds::default(), 10)
        });
        self.actions.extend(scanner.push(r.timestamp_us, r.face.as_ref()));
        let t = r.timings;
        if r.detector_ran {
            self.det.push(t.detect_us);
        }
        if r.face.is_some() || t.mesh_us > 0 {
            self.mesh.push(t.mesh_us);
        }
        if t.iris_us > 0 {
            self.iris.push(t.iris_us);
            self.sig.push(t.signals_us);
        }
        self.total.push(t.total_us);
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
            stages: Stages {
                detect: stat(self.det),
                mesh: stat(self.mesh),
                iris: stat(self.iris),
                signals: stat(self.sig),
                total: stat(self.total),
            },
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.cmd {
        Cmd::Analyze(a) => analyze(a),
        Cmd::Info => info(),
        Cmd::Precheck(a) => precheck(a),
        Cmd::Eval(a) => eval(a),
        Cmd::Live(a) => live(a),
        Cmd::Submit(a) => submit(a),
        Cmd::Challenge(a) => challenge(a),
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

fn tracker_config(a: &AnalyzeArgs) -> TrackerConfig {
    TrackerConfig {
        detect_interval: a.detect_interval,
        smoothing: if a.no_smoothing { None } else { Some(Default::default()) },
        ..Default::default()
    }
}

fn compact(report: &mut FrameReport) {
    if let Some(f) = &mut report.face {
        f.landmarks.clear();
        for e in &mut f.eyes {
            e.contour.clear();
        }
    }
}

fn analyze(a: AnalyzeArgs) -> anyhow::Result<ExitCode> {
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
    let engine = Engine::builder().intra_threads(a.threads).build()?;
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
    Ok(if bad == n { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn write_line<W: Write + ?Sized, T: Serialize>(out: &mut W, v: &T) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(v)?;
    line.push(b'\n');
    match out.write_all(&line) {
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

/// Frames of a clip or a frame directory, in order.
fn frame_source(path: &Path, fps: f64) -> anyhow::Result<Box<dyn Iterator<Item = liveface::Result<OwnedFrame>>>> {
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

/// The engine, with the anti-spoof models when a directory is given.
fn engine_with(antispoof: Option<&Path>, unpinned: bool) -> anyhow::Result<Engine> {
    let mut b = Engine::builder();
    if let Some(dir) = antispoof {
        b = b.antispoof_dir(dir).allow_unpinned_models(unpinned);
    }
    Ok(b.build()?)
}

fn precheck(a: PrecheckArgs) -> anyhow::Result<ExitCode> {
    let config = a.session.config()?;
    let engine = engine_with(a.session.antispoof_models.as_deref(), a.session.allow_unpinned_models)?;
    let mut session = liveface::Session::new(&engine, config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let t0 = Instant::now();
    let mut tracking_us = 0u64;
    let mut pack = match &a.package {
        Some(_) => Some(Packager::new()?),
        None => None,
    };
    for (index, frame) in frame_source(&a.path, a.fps)?.enumerate() {
        let frame = frame?;
        let view = frame.as_frame()?;
        let (report, events) = session.push(&view)?;
        if let Some(p) = pack.as_mut() {
            p.frame(&view, index, session.best_frames())?;
        }
        tracking_us += report.timings.total_us as u64;
        if a.events {
            for e in &events {
                write_line(&mut out, e)?;
            }
        }
        if session.is_finished() {
            break;
        }
    }
    let outcome = session.finish();
    let packaged = match (&a.package, pack) {
        (Some(dir), Some(p)) if outcome.passed => Some(p.write(dir, &a, &outcome)?),
        _ => None,
    };
    let wall = t0.elapsed().as_secs_f64();
    let line = serde_json::json!({
        "outcome": outcome,
        "package": packaged,
        "path": a.path.display().to_string(),
        "wall_ms": wall * 1e3,
        "session_overhead_ms_per_frame": if outcome.frames > 0 {
            (wall * 1e6 - tracking_us as f64) / 1e3 / outcome.frames as f64
        } else { 0.0 },
    });
    write_line(&mut out, &line)?;
    out.flush().ok();
    Ok(if outcome.passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Labelled intervals per clip stem: (start, end, in frames rather than seconds).
type Labels = std::collections::HashMap<String, Vec<(f64, f64, bool)>>;

fn read_labels(path: &Path) -> anyhow::Result<Labels> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read labels {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').map(str::trim).collect();
    let col = |n: &str| header.iter().position(|h| *h == n);
    let clip = col("clip").context("labels need a `clip` column")?;
    let frames = col("start_frame").zip(col("end_frame"));
    let secs = col("start_s").zip(col("end_s"));
    let mut map: Labels = Default::default();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |i: usize| -> anyhow::Result<f64> {
            f.get(i).and_then(|v| v.parse().ok()).with_context(|| format!("labels line {}: bad number", n + 2))
        };
        let name = f.get(clip).context("short labels line")?.to_string();
        let iv = match (frames, secs) {
            (Some((a, b)), _) => (get(a)?, get(b)?, true),
            (None, Some((a, b))) => (get(a)?, get(b)?, false),
            _ => bail!("labels need start_frame,end_frame or start_s,end_s columns"),
        };
        map.entry(name).or_default().push(iv);
    }
    Ok(map)
}

fn eval(a: EvalArgs) -> anyhow::Result<ExitCode> {
    use liveface::checks::action::{ActionScanner, ActionThresholds};
    let want = match a.kind {
        EvalKind::Blink => liveface::Action::Blink,
        EvalKind::Mouth => liveface::Action::OpenMouth,
        EvalKind::Spoof => {
            if a.manifest.is_empty() {
                bail!("eval spoof needs at least one --manifest CSV");
            }
            let engine = engine_with(a.antispoof_models.as_deref(), a.allow_unpinned_models)?;
            return spoof::eval(&engine, &a.manifest, a.out.as_deref());
        }
    };
    let labels = read_labels(a.labels.as_deref().context("--labels is required")?)?;
    if a.clips.is_empty() {
        bail!("no clips given");
    }
    let engine = Engine::new()?;
    let (mut tp_all, mut fp_all, mut fn_all) = (0usize, 0usize, 0usize);
    let mut per_clip = Vec::new();
    for clip in &a.clips {
        let name = stem(clip);
        let mut tracker = engine.tracker_with(TrackerConfig { smoothing: None, ..Default::default() })?;
        let mut scanner = ActionScanner::new(ActionThresholds::default(), 10);
        let mut times = Vec::new();
        let mut found = Vec::new();
        for frame in frame_source(clip, 30.0)? {
            let frame = frame?;
            let report = tracker.process(&frame.as_frame()?)?;
            times.push(report.timestamp_us);
            found.extend(
                scanner.push(report.timestamp_us, report.face.as_ref()).into_iter().filter(|e| e.action == want),
            );
        }
        let index_of = |t: i64| times.partition_point(|x| *x < t) as f64;
        let step = if times.len() > 1 {
            (times[times.len() - 1] - times[0]) as f64 / (times.len() - 1) as f64
        } else {
            33_333.0
        };
        let truth = labels.get(&name).cloned().unwrap_or_default();
        // Everything in frames: detections [start, end) -> [start, end - 1].
        let dets: Vec<(f64, f64)> = found
            .iter()
            .map(|e| (index_of(e.start_us), (index_of(e.end_us) - 1.0).max(index_of(e.start_us))))
            .collect();
        let gts: Vec<(f64, f64)> = truth
            .iter()
            .map(
                |&(s, e, in_frames)| {
                    if in_frames {
                        (s, e)
                    } else {
                        (index_of((s * 1e6) as i64), index_of((e * 1e6) as i64))
                    }
                },
            )
            .collect();
        let tol = a.tolerance_frames as f64;
        let mut used = vec![false; gts.len()];
        let mut tp = 0;
        for d in &dets {
            if let Some(k) = (0..gts.len()).find(|&k| !used[k] && d.0 <= gts[k].1 + tol && d.1 >= gts[k].0 - tol) {
                used[k] = true;
                tp += 1;
            }
        }
        let (fp, fneg) = (dets.len() - tp, gts.len() - tp);
        tp_all += tp;
        fp_all += fp;
        fn_all += fneg;
        let (p, r, f1) = prf(tp, fp, fneg);
        let line = serde_json::json!({"clip": name, "labelled": gts.len(), "detected": dets.len(), "tp": tp, "fp": fp, "fn": fneg,
            "precision": p, "recall": r, "f1": f1, "frames": times.len(), "frame_ms": step / 1e3,
            "detections": found.iter().map(|e| serde_json::json!({"start_s": e.start_us as f64 / 1e6, "end_s": e.end_us as f64 / 1e6, "score": e.score})).collect::<Vec<_>>()});
        write_line(&mut std::io::stdout(), &line)?;
        per_clip.push(f1);
    }
    let (p, r, f1) = prf(tp_all, fp_all, fn_all);
    let worst = per_clip.iter().cloned().fold(f64::INFINITY, f64::min);
    write_line(
        &mut std::io::stdout(),
        &serde_json::json!({"overall": {"kind": format!("{:?}", want), "clips": a.clips.len(), "tp": tp_all, "fp": fp_all, "fn": fn_all,
        "precision": p, "recall": r, "f1": f1, "worst_clip_f1": worst}}),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Precision, recall, F1; an empty set of labels and detections counts as perfect.
fn prf(tp: usize, fp: usize, fneg: usize) -> (f64, f64, f64) {
    let p = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    let r = if tp + fneg == 0 { 1.0 } else { tp as f64 / (tp + fneg) as f64 };
    let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
    (p, r, f)
}

/// Runs a session on frames as they come, printing prompts when they change. Frames
/// from a clip are paced in real time.
fn run_live(
    frames: &mut dyn Iterator<Item = liveface::Result<OwnedFrame>>,
    session: &mut liveface::Session,
    out: &mut dyn Write,
    realtime: bool,
) -> anyhow::Result<liveface::Outcome> {
    let start = Instant::now();
    let mut first_ts = None;
    for frame in frames {
        let frame = frame?;
        if realtime {
            let t0 = *first_ts.get_or_insert(frame.timestamp_us);
            let due = std::time::Duration::from_micros((frame.timestamp_us - t0).max(0) as u64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        let (_, events) = session.push(&frame.as_frame()?)?;
        for e in events {
            writeln!(out, "[{:6.2}s] {} / {}", e.t_us as f64 / 1e6, e.en, e.zh)?;
        }
        if session.is_finished() {
            break;
        }
    }
    Ok(session.finish())
}

fn live(a: LiveArgs) -> anyhow::Result<ExitCode> {
    let engine = engine_with(a.session.antispoof_models.as_deref(), a.session.allow_unpinned_models)?;
    let mut session = liveface::Session::new(&engine, a.session.config()?)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = match &a.source {
        Some(p) => run_live(&mut *frame_source(p, 30.0)?, &mut session, &mut out, true)?,
        None => live_camera(a.camera, &mut session, &mut out)?,
    };
    writeln!(out, "{}", serde_json::to_string(&outcome)?)?;
    Ok(if outcome.passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(feature = "camera")]
fn live_camera(index: u32, session: &mut liveface::Session, out: &mut dyn Write) -> anyhow::Result<liveface::Outcome> {
    // Capture on a named thread; a bounded channel of 2 drops frames when tracking is
    // behind (counted), so prompts stay current.
    let (tx, rx) = std::sync::mpsc::sync_channel::<liveface::Result<OwnedFrame>>(2);
    let dropped = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let d2 = dropped.clone();
    std::thread::Builder::new().name("liveface-camera".into()).spawn(move || {
        let mut cam = match liveface::source::Camera::open(index) {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        loop {
            let f = cam.next_frame();
            let stop = f.is_err();
            match tx.try_send(f) {
                Ok(()) => {}
                Err(std::sync::mpsc::TrySendError::Full(_)) => {
                    d2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return,
            }
            if stop {
                return;
            }
        }
    })?;
    let outcome = run_live(&mut rx.into_iter(), session, out, false)?;
    writeln!(out, "dropped frames: {}", dropped.load(std::sync::atomic::Ordering::Relaxed))?;
    Ok(outcome)
}

#[cfg(not(feature = "camera"))]
fn live_camera(_: u32, _: &mut liveface::Session, _: &mut dyn Write) -> anyhow::Result<liveface::Outcome> {
    bail!("this build has no camera support; rebuild with `--features camera`, or use --source CLIP")
}

/// Builds the upload package while a pre-check runs: the best frame as JPEG (re-encoded
/// whenever a better one arrives) and the evidence video frames.
#[cfg(feature = "video")]
struct Packager {
    best_jpeg: Option<(usize, Vec<u8>)>,
    video: liveface::video::EvidenceEncoder,
}

#[cfg(feature = "video")]
impl Packager {
    fn new() -> anyhow::Result<Packager> {
        Ok(Packager { best_jpeg: None, video: liveface::video::EvidenceEncoder::new(Default::default())? })
    }

    fn frame(
        &mut self,
        view: &liveface::FrameRef,
        index: usize,
        best: &[liveface::session::BestFrame],
    ) -> anyhow::Result<()> {
        self.video.push(view)?;
        if best.first().is_some_and(|b| b.index == index) && self.best_jpeg.as_ref().is_none_or(|(i, _)| *i != index) {
            let jpg = liveface::video::encode_best_frame(view, &Default::default())?;
            self.best_jpeg = Some((index, jpg));
        }
        Ok(())
    }

    fn write(mut self, dir: &Path, a: &PrecheckArgs, outcome: &liveface::Outcome) -> anyhow::Result<serde_json::Value> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let (_, best) = self.best_jpeg.take().context("no best frame was kept")?;
        if let Some((start, end)) = outcome.evidence_window_us {
            self.video.retain_window(start, end);
        }
        if a.path.is_file() {
            if let Some(audio) = liveface::video::extract_audio(&a.path).ok().flatten() {
                self.video.push_audio(&audio.samples, audio.sample_rate, 0)?;
            }
        }
        let video = self.video.finish()?;
        let silent = a.session.mode == "silent";
        let validate = if silent { String::new() } else { a.session.actions.replace(' ', "") };
        let image = a.target.image(|| Ok(best.clone()))?;
        let req = a.target.request(silent, &video.mp4, &image, &validate, a.best_frame_num)?;
        let body = req.to_json()?;
        std::fs::write(dir.join("best.jpg"), &best)?;
        std::fs::write(dir.join("video.mp4"), &video.mp4)?;
        std::fs::write(dir.join("request.json"), &body)?;
        let manifest = serde_json::json!({
            "api": a.target.api, "action": req.api().action(), "liveness_type": if silent { "SILENT" } else { "ACTION" }, "validate_data": validate,
            "best_frame_num": a.best_frame_num, "image": if a.target.image.is_some() { "given" } else { "best_frame" },
            "files": {"best.jpg": best.len(), "video.mp4": video.mp4.len(), "request.json": body.len()},
            "video": video, "evidence_window_us": outcome.evidence_window_us,
        });
        std::fs::write(dir.join("package.json"), serde_json::to_vec_pretty(&manifest)?)?;
        Ok(manifest)
    }
}

#[cfg(not(feature = "video"))]
struct Packager;

#[cfg(not(feature = "video"))]
impl Packager {
    fn new() -> anyhow::Result<Packager> {
        bail!("--package needs the `video` feature")
    }
    fn frame(&mut self, _: &liveface::FrameRef, _: usize, _: &[liveface::session::BestFrame]) -> anyhow::Result<()> {
        Ok(())
    }
    fn write(self, _: &Path, _: &PrecheckArgs, _: &liveface::Outcome) -> anyhow::Result<serde_json::Value> {
        bail!("--package needs the `video` feature")
    }
}

#[cfg(feature = "paas")]
fn client(conn: &ConnArgs) -> anyhow::Result<liveface::package::client::Client> {
    let mut cfg = liveface::package::client::ClientConfig::from_env()?;
    cfg.endpoint = conn.endpoint.clone();
    if conn.region.is_some() {
        cfg.region = conn.region.clone();
    }
    cfg.timeout = std::time::Duration::from_secs(conn.timeout_s.max(1));
    if let Some(p) = &conn.ca_file {
        cfg.root_pem = Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?);
    }
    Ok(liveface::package::client::Client::new(cfg)?)
}

#[cfg(feature = "paas")]
fn submit(a: SubmitArgs) -> anyhow::Result<ExitCode> {
    use liveface::package::Verdict;
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(a.dir.join("package.json"))
            .with_context(|| format!("no package.json in {}", a.dir.display()))?,
    )?;
    let video = std::fs::read(a.dir.join("video.mp4")).context("package without video.mp4")?;
    let validate = manifest["validate_data"].as_str().unwrap_or("");
    let image = a.target.image(|| std::fs::read(a.dir.join("best.jpg")).context("package without best.jpg"))?;
    let best_frame_num = manifest["best_frame_num"].as_u64().and_then(|n| u8::try_from(n).ok());
    let silent = manifest["liveness_type"] == "SILENT";
    let req = a.target.request(silent, &video, &image, validate, best_frame_num)?;
    let result = client(&a.conn)?.liveness(&req)?;
    let (passed, code) = match &result.verdict {
        Verdict::Success => (true, "Success".to_string()),
        Verdict::Failed(f) => (false, f.code()),
    };
    println!(
        "{}",
        serde_json::json!({"api": req.api().action(), "passed": passed, "result": code, "description": result.description,
            "sim": result.sim, "best_frames": result.best_frame_list.len() + result.best_frame_base64.is_some() as usize,
            "request_id": result.request_id})
    );
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(feature = "paas")]
fn challenge(a: ChallengeArgs) -> anyhow::Result<ExitCode> {
    let c = client(&a.conn)?;
    let line = match a.kind {
        ChallengeKind::Action => serde_json::json!({"action_sequence": c.get_action_sequence()?}),
        ChallengeKind::Code => serde_json::json!({"live_code": c.get_live_code()?}),
    };
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "paas"))]
fn submit(_: SubmitArgs) -> anyhow::Result<ExitCode> {
    bail!("this build has no API client; rebuild with `--features paas`")
}

#[cfg(not(feature = "paas"))]
fn challenge(_: ChallengeArgs) -> anyhow::Result<ExitCode> {
    bail!("this build has no API client; rebuild with `--features paas`")
}
