//! `liveface bench`: the engine on camera hardware (or a clip paced in real time, the same
//! numbers without a camera): capture rate and jitter, capture-to-result latency,
//! per-stage timings, dropped frames, CPU time per frame, peak memory; `bench.json` and
//! two PNG charts.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use liveface::metrics::{histogram_png, timeline_png, StageTimings};
use liveface::source::{Capture, OwnedFrame};
use liveface::Session;
use serde::Serialize;

use super::frame_source;
use super::session::SessionArgs;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Camera index (feature `camera`).
    #[arg(long, conflicts_with = "source")]
    camera: Option<u32>,
    /// A clip or frame directory played in real time instead of a camera (looped until
    /// --seconds have passed).
    #[arg(long)]
    source: Option<PathBuf>,
    #[command(flatten)]
    session: SessionArgs,
    /// How long to run (s).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Frames the capture queue holds before new ones are dropped.
    #[arg(long, default_value_t = 2)]
    queue: usize,
    /// Frame rate of a frame directory.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Write bench.json, latency.png and timeline.png here.
    #[arg(long)]
    out: PathBuf,
}

/// Quantiles of a set of milliseconds.
#[derive(Serialize, Default, Clone, Copy)]
struct Dist {
    n: usize,
    mean: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    std: f64,
}

fn dist(v: &[f64]) -> Dist {
    if v.is_empty() {
        return Dist::default();
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    let std = (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
    Dist { n: s.len(), mean, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.len() - 1], std }
}

#[derive(Serialize)]
struct Report {
    source: String,
    mode: String,
    seconds: f64,
    queue: usize,
    /// Frames the source delivered, their rate and the intervals between them (ms).
    capture: CaptureReport,
    /// Frames tracked (delivered minus dropped).
    processed: usize,
    /// Capture to session result, per processed frame (ms).
    latency_ms: Dist,
    /// Time a frame waited in the queue before tracking started (ms).
    queue_wait_ms: Dist,
    /// Per-stage timings (µs).
    stages: liveface::metrics::StageSummary,
    /// Process CPU time (user + system, all threads) per processed frame (ms).
    cpu_ms_per_frame: Option<f64>,
    /// Share of one core the process used.
    cpu_cores_used: Option<f64>,
    /// Peak resident memory (MiB).
    peak_rss_mib: Option<f64>,
    /// Sessions run back to back, and how they ended.
    sessions: SessionsReport,
}

#[derive(Serialize)]
struct CaptureReport {
    frames: usize,
    fps: f64,
    interval_ms: Dist,
    dropped: usize,
}

#[derive(Serialize, Default)]
struct SessionsReport {
    count: usize,
    passed: usize,
    reasons: std::collections::BTreeMap<String, usize>,
}

/// Process CPU time (user + system) in seconds, from /proc (Linux); `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name in parentheses; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

/// Peak resident set size in MiB (VmHWM), Linux.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The frame producer: a clip paced in real time (looped), or a camera; every frame is
/// stamped with the capture time on `base`'s clock and its capture time recorded.
fn capture(a: &BenchArgs, base: Instant, stamps: Arc<Mutex<Vec<i64>>>) -> anyhow::Result<Capture> {
    let deadline = Duration::from_secs_f64(a.seconds);
    if let Some(path) = a.source.clone() {
        let fps = a.fps;
        // Fail here, not on the capture thread, for a missing or unreadable clip.
        drop(frame_source(&path, fps)?);
        return Ok(Capture::spawn("liveface-bench-source", a.queue, move || {
            let mut frames = frame_source(&path, fps)
                .map_err(|e| liveface::Error::custom(liveface::ErrorKind::Io, format!("{e:#}")))?;
            let (mut first, mut offset_us, mut last_pts, mut count) = (None::<i64>, 0i64, 0i64, 0i64);
            Ok(move || -> liveface::Result<Option<OwnedFrame>> {
                if base.elapsed() >= deadline {
                    return Ok(None);
                }
                let mut f = match frames.next() {
                    Some(f) => f?,
                    None => {
                        // Loop the clip: the next pass starts one frame interval after the last.
                        let span = last_pts - first.unwrap_or(0);
                        offset_us += span + if count > 1 { span / (count - 1) } else { 33_333 };
                        count = 0;
                        frames = frame_source(&path, fps)
                            .map_err(|e| liveface::Error::custom(liveface::ErrorKind::Io, format!("{e:#}")))?;
                        match frames.next() {
                            Some(f) => f?,
                            None => return Ok(None),
                        }
                    }
                };
                let t0 = *first.get_or_insert(f.timestamp_us);
                last_pts = f.timestamp_us;
                count += 1;
                let due = Duration::from_micros((offset_us + f.timestamp_us - t0).max(0) as u64);
                if let Some(wait) = due.checked_sub(base.elapsed()) {
                    std::thread::sleep(wait);
                }
                f.timestamp_us = base.elapsed().as_micros() as i64;
                stamps.lock().unwrap_or_else(|p| p.into_inner()).push(f.timestamp_us);
                Ok(Some(f))
            })
        })?);
    }
    camera(a, base, deadline, stamps)
}

#[cfg(feature = "camera")]
fn camera(a: &BenchArgs, base: Instant, deadline: Duration, stamps: Arc<Mutex<Vec<i64>>>) -> anyhow::Result<Capture> {
    let index = a.camera.unwrap_or(0);
    Ok(Capture::spawn("liveface-bench-camera", a.queue, move || {
        let mut cam = liveface::source::Camera::open(index)?;
        Ok(move || -> liveface::Result<Option<OwnedFrame>> {
            if base.elapsed() >= deadline {
                return Ok(None);
            }
            let mut f = cam.next_frame()?;
            f.timestamp_us = base.elapsed().as_micros() as i64;
            stamps.lock().unwrap_or_else(|p| p.into_inner()).push(f.timestamp_us);
            Ok(Some(f))
        })
    })?)
}

#[cfg(not(feature = "camera"))]
fn camera(_: &BenchArgs, _: Instant, _: Duration, _: Arc<Mutex<Vec<i64>>>) -> anyhow::Result<Capture> {
    Err(liveface::Error::custom(
        liveface::ErrorKind::Camera,
        "this build has no camera support: rebuild with `--features camera`, or use --source CLIP",
    )
    .into())
}

pub fn bench(a: BenchArgs) -> anyhow::Result<ExitCode> {
    if !(a.seconds > 0.0 && a.seconds <= 3600.0) {
        bail!("--seconds must be in (0, 3600]");
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let engine = a.session.engine()?;
    let config = a.session.config()?;
    let mut session = Session::new(&engine, config.clone())?;
    let stamps = Arc::new(Mutex::new(Vec::new()));
    let cpu0 = cpu_seconds();
    let base = Instant::now();
    let mut cap = capture(&a, base, stamps.clone())?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new((a.seconds * 10.0) as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {elapsed}/{msg} {prefix}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message(format!("{:.0}s", a.seconds));
        b
    });
    let (mut latency, mut waits, mut timeline) = (Vec::new(), Vec::new(), Vec::new());
    let mut stages = StageTimings::default();
    let mut sessions = SessionsReport::default();
    #[allow(clippy::while_let_on_iterator)] // `cap` is read (dropped count) inside the loop
    while let Some(frame) = cap.next() {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                if let Some(b) = &bar {
                    b.finish_and_clear();
                }
                return Err(e.into());
            }
        };
        let t_recv = base.elapsed().as_micros() as i64;
        let (report, _) = session.push(&frame.as_frame()?)?;
        let t_done = base.elapsed().as_micros() as i64;
        stages.add(&report);
        let l = (t_done - frame.timestamp_us) as f64 / 1e3;
        latency.push(l);
        waits.push((t_recv - frame.timestamp_us) as f64 / 1e3);
        timeline.push((frame.timestamp_us as f64 / 1e6, l));
        if session.is_finished() {
            let o = session.finish();
            sessions.count += 1;
            sessions.passed += o.passed as usize;
            if let Some(code) =
                o.reason.and_then(|r| serde_json::to_value(r).ok()).and_then(|v| v.as_str().map(String::from))
            {
                *sessions.reasons.entry(code).or_default() += 1;
            }
            session = Session::new(&engine, config.clone())?;
        }
        if let Some(b) = &bar {
            b.set_position((base.elapsed().as_secs_f64() * 10.0) as u64);
            b.set_prefix(format!(
                "{} frames, {} dropped, p50 {:.1} ms",
                latency.len(),
                cap.dropped(),
                dist(&latency).p50
            ));
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let wall = base.elapsed().as_secs_f64();
    let stamps = stamps.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let intervals: Vec<f64> = stamps.windows(2).map(|w| (w[1] - w[0]) as f64 / 1e3).collect();
    let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| b - a);
    let n = latency.len();
    let report = Report {
        source: a
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| format!("camera {}", a.camera.unwrap_or(0))),
        mode: format!("{:?}", config.mode).to_lowercase(),
        seconds: wall,
        queue: a.queue,
        capture: CaptureReport {
            frames: stamps.len(),
            fps: if wall > 0.0 { stamps.len() as f64 / wall } else { 0.0 },
            interval_ms: dist(&intervals),
            dropped: cap.dropped(),
        },
        processed: n,
        latency_ms: dist(&latency),
        queue_wait_ms: dist(&waits),
        stages: stages.summary(),
        cpu_ms_per_frame: cpu.filter(|_| n > 0).map(|c| c * 1e3 / n as f64),
        cpu_cores_used: cpu.map(|c| c / wall),
        peak_rss_mib: peak_rss_mib(),
        sessions,
    };
    std::fs::write(a.out.join("bench.json"), serde_json::to_vec_pretty(&report)?).context("cannot write bench.json")?;
    let l = &report.latency_ms;
    let marks = [(l.p50, "p50"), (l.p95, "p95"), (l.p99, "p99")];
    std::fs::write(a.out.join("latency.png"), histogram_png("capture to result", "ms", &latency, 40, &marks)?)?;
    let interval_series: Vec<(f64, f64)> =
        stamps.windows(2).map(|w| (w[1] as f64 / 1e6, (w[1] - w[0]) as f64 / 1e3)).collect();
    std::fs::write(
        a.out.join("timeline.png"),
        timeline_png("per frame", "s", "ms", &[("latency", &timeline), ("capture interval", &interval_series)])?,
    )?;
    let mut o = std::io::stdout().lock();
    let c = &report.capture;
    writeln!(o, "liveface bench: {} ({} mode), {:.1} s", report.source, report.mode, report.seconds)?;
    writeln!(
        o,
        "  capture   {} frames, {:.1} fps, interval {:.1} ms (p95 {:.1}, jitter sd {:.2} ms), dropped {}",
        c.frames, c.fps, c.interval_ms.mean, c.interval_ms.p95, c.interval_ms.std, c.dropped
    )?;
    writeln!(
        o,
        "  latency   capture -> result p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (queue wait p95 {:.1} ms)",
        l.p50, l.p95, l.p99, l.max, report.queue_wait_ms.p95
    )?;
    let s = &report.stages;
    writeln!(
        o,
        "  stages    median detect {:.2} / mesh {:.2} / iris {:.2} / signals {:.2} / frame {:.2} ms",
        s.detect.median_us as f64 / 1e3,
        s.mesh.median_us as f64 / 1e3,
        s.iris.median_us as f64 / 1e3,
        s.signals.median_us as f64 / 1e3,
        s.total.median_us as f64 / 1e3
    )?;
    writeln!(
        o,
        "  cost      {} per frame, {} cores, peak RSS {}",
        report.cpu_ms_per_frame.map_or("n/a".into(), |v| format!("{v:.1} ms CPU")),
        report.cpu_cores_used.map_or("n/a".into(), |v| format!("{v:.2}")),
        report.peak_rss_mib.map_or("n/a".into(), |v| format!("{v:.0} MiB"))
    )?;
    writeln!(
        o,
        "  sessions  {} ({} passed)   report: {}/bench.json, latency.png, timeline.png",
        report.sessions.count,
        report.sessions.passed,
        a.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
