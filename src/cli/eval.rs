//! `liveface eval blink|mouth|spoof`: detector accuracy against labelled intervals, and
//! silent liveness against presentation attacks ([`super::spoof`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use liveface::metrics::{match_intervals, read_interval_labels, Interval, Prf};
use liveface::{Engine, TrackerConfig};

use super::{engine_with, frame_source, stem, write_line};

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum EvalKind {
    Blink,
    Mouth,
    /// Nods (pitch gestures).
    Nod,
    /// Head shakes (yaw gestures).
    Shake,
    /// Silent liveness against presentation attacks (ISO/IEC 30107-3 metrics).
    Spoof,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// What to evaluate.
    #[arg(value_enum)]
    kind: EvalKind,
    /// blink/mouth: CSV with a `clip` column (file stem) and either `start_frame,end_frame`
    /// or `start_s,end_s` per labelled event (e.g. ../shared/data/blink/blink_intervals.csv).
    #[arg(long, required_if_eq_any = [("kind", "blink"), ("kind", "mouth"), ("kind", "nod"), ("kind", "shake")])]
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

pub fn eval(a: EvalArgs) -> anyhow::Result<ExitCode> {
    use liveface::checks::action::{ActionScanner, ActionThresholds};
    let want = match a.kind {
        EvalKind::Blink => liveface::Action::Blink,
        EvalKind::Mouth => liveface::Action::OpenMouth,
        EvalKind::Nod => liveface::Action::Nod,
        EvalKind::Shake => liveface::Action::ShakeHead,
        EvalKind::Spoof => {
            if a.manifest.is_empty() {
                bail!("eval spoof needs at least one --manifest CSV");
            }
            let engine = engine_with(a.antispoof_models.as_deref(), a.allow_unpinned_models)?;
            return super::spoof::eval(&engine, &a.manifest, a.out.as_deref());
        }
    };
    let labels = read_interval_labels(a.labels.as_deref().context("--labels is required")?)?;
    if a.clips.is_empty() {
        bail!("no clips given");
    }
    let engine = Engine::new()?;
    let (mut tp_all, mut fp_all, mut fn_all) = (0usize, 0usize, 0usize);
    let mut per_clip = Vec::new();
    for clip in &a.clips {
        let name = stem(clip);
        let mut tracker = engine.tracker_with({
            let mut c = TrackerConfig::default();
            c.smoothing = None;
            c
        })?;
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
        // Everything in frames: detections [start, end) -> [start, end - 1].
        let dets: Vec<(f64, f64)> = found
            .iter()
            .map(|e| (index_of(e.start_us), (index_of(e.end_us) - 1.0).max(index_of(e.start_us))))
            .collect();
        let gts: Vec<(f64, f64)> = labels
            .get(&name)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|iv| match *iv {
                Interval::Frames(s, e) => (s, e),
                Interval::Seconds(s, e) => (index_of((s * 1e6) as i64), index_of((e * 1e6) as i64)),
            })
            .collect();
        let m = match_intervals(&dets, &gts, a.tolerance_frames as f64);
        tp_all += m.tp;
        fp_all += m.fp;
        fn_all += m.fn_;
        let line = serde_json::json!({"clip": name, "labelled": gts.len(), "detected": dets.len(), "tp": m.tp, "fp": m.fp, "fn": m.fn_,
            "precision": m.precision, "recall": m.recall, "f1": m.f1, "frames": times.len(), "frame_ms": step / 1e3,
            "detections": found.iter().map(|e| serde_json::json!({"start_s": e.start_us as f64 / 1e6, "end_s": e.end_us as f64 / 1e6, "score": e.score})).collect::<Vec<_>>()});
        write_line(&mut std::io::stdout(), &line)?;
        per_clip.push(m.f1);
    }
    let all = Prf::from_counts(tp_all, fp_all, fn_all);
    let worst = per_clip.iter().cloned().fold(f64::INFINITY, f64::min);
    write_line(
        &mut std::io::stdout(),
        &serde_json::json!({"overall": {"kind": format!("{:?}", want), "clips": a.clips.len(), "tp": tp_all, "fp": fp_all, "fn": fn_all,
        "precision": all.precision, "recall": all.recall, "f1": all.f1, "worst_clip_f1": worst}}),
    )?;
    Ok(ExitCode::SUCCESS)
}
