//! `liveface eval blink|mouth|nod|shake|spoof`: detector accuracy against labelled
//! intervals (optionally at a reduced frame rate, and leave-one-person-out, see
//! [`super::lopo`]), and silent liveness against presentation attacks ([`super::spoof`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use liveface::checks::action::{Action, ActionEvent, ActionScanner, ActionThresholds, Signals};
use liveface::metrics::{read_interval_labels, Interval, IntervalLabels, Prf};
use liveface::{Engine, TrackerConfig};

use super::{engine_with, frame_source, stem, thin_to_rate, write_line};

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
    /// Light mode on simulated sessions rendered onto `--clips` (bona fide and attacks).
    Light,
    /// Digit (LIP) mode on real talking `--clips` and attacks built from them (shifted,
    /// dubbed, still, mute, frozen), plus `--manifest` files (`file,label`).
    Lip,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// What to evaluate.
    #[arg(value_enum)]
    kind: EvalKind,
    /// blink/mouth/nod/shake: CSV with a `clip` column (file stem) and either
    /// `start_frame,end_frame` or `start_s,end_s` per labelled event (e.g.
    /// ../shared/data/blink/blink_intervals.csv). Repeatable: the files are merged.
    #[arg(long)]
    labels: Vec<PathBuf>,
    /// blink/mouth/nod/shake: clips to evaluate (clips without labels count every
    /// detection as a false positive).
    clips: Vec<PathBuf>,
    /// Frames nobody labelled (same CSV format as `--labels`; repeatable): a detection
    /// there is neither right nor wrong (e.g. the unannotated frames of ZJU clips).
    #[arg(long)]
    ignore: Vec<PathBuf>,
    /// Score as a slower camera would see the clip: at most this many frames a second
    /// (7.5: every 4th frame of a 30 fps clip, every 2nd of a 15 fps one). Labelled events
    /// with no kept frame become optional; matching is in kept frames. light: the rates
    /// to simulate (default 15,30).
    #[arg(long, value_delimiter = ',')]
    fps: Vec<f64>,
    /// light: clips to render the sessions onto (any clip with a face, 4 s or more).
    #[arg(long = "clips", num_args = 1..)]
    light_clips: Vec<PathBuf>,
    /// light: reflection amplitudes (grey levels, white vs black on average skin).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,6,8,16")]
    amplitudes: Vec<f32>,
    /// light: sessions per clip, amplitude, rate and kind (each its own challenge and noise).
    #[arg(long, default_value_t = 2)]
    trials: u32,
    /// light: attack kinds besides bona fide.
    #[arg(long, value_delimiter = ',', default_value = "replay,flat,no_reflection,recolour")]
    attacks: Vec<String>,
    /// light: skip the H.264 round trip (faster; the decoder then sees raw frames).
    #[arg(long)]
    no_h264: bool,
    /// Cache of per-frame signals (one CSV per clip): read when present, written when
    /// not, so re-scoring and tuning do not track the clips again.
    #[arg(long)]
    signals: Option<PathBuf>,
    /// blink: leave-one-person-out. CSV `clip,person`: for each person, the blink
    /// thresholds are chosen on the other people's clips (at the native rate and each
    /// of `--lopo-fps`) and scored on that person's clips.
    #[arg(long)]
    lopo: Option<PathBuf>,
    /// With `--lopo`: the reduced frame rates tuned and scored besides the native one.
    #[arg(long, value_delimiter = ',', default_value = "7.5")]
    lopo_fps: Vec<f64>,
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
    /// Landmark models: `attention` (MediaPipe's attention mesh, default) or `mesh-iris`.
    #[arg(long, value_enum, default_value_t, env = "LIVEFACE_LANDMARK_MODEL")]
    landmark_model: super::LandmarkArg,
    /// spoof, lopo: write the results (CSV, plots, summary.json) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Frames of slack when matching a detection to a labelled interval.
    #[arg(long, default_value_t = 2)]
    tolerance_frames: i64,
}

/// One clip's frames: time and, where a face was tracked, its signals.
pub(crate) type Trace = Vec<(i64, Option<Signals>)>;

/// A clip's score for one action.
pub(crate) struct ClipScore {
    pub m: Prf,
    pub labelled: usize,
    pub found: Vec<ActionEvent>,
    pub frames: usize,
    pub frame_ms: f64,
}

pub fn eval(a: EvalArgs) -> anyhow::Result<ExitCode> {
    let want = match a.kind {
        EvalKind::Blink => Action::Blink,
        EvalKind::Mouth => Action::OpenMouth,
        EvalKind::Nod => Action::Nod,
        EvalKind::Shake => Action::ShakeHead,
        EvalKind::Spoof => {
            if a.manifest.is_empty() {
                bail!("eval spoof needs at least one --manifest CSV");
            }
            let engine = engine_with(a.antispoof_models.as_deref(), a.allow_unpinned_models, a.landmark_model)?;
            return super::spoof::eval(&engine, &a.manifest, a.out.as_deref());
        }
        #[cfg(feature = "video")]
        EvalKind::Lip => {
            return super::lip::eval(super::lip::EvalLipArgs {
                clips: a.light_clips,
                manifest: a.manifest,
                out: a.out.context("eval lip needs --out DIR")?,
            });
        }
        #[cfg(not(feature = "video"))]
        EvalKind::Lip => bail!("eval lip needs the `video` feature (audio decoding)"),
        EvalKind::Light => {
            if a.light_clips.is_empty() {
                bail!("eval light needs --clips");
            }
            return super::light::eval(super::light::EvalLightArgs {
                clips: a.light_clips,
                amplitudes: a.amplitudes,
                fps: if a.fps.is_empty() { vec![15.0, 30.0] } else { a.fps },
                trials: a.trials,
                attacks: a.attacks,
                no_h264: a.no_h264,
                out: a.out.context("eval light needs --out DIR")?,
            });
        }
    };
    if a.fps.len() > 1 {
        bail!("--fps takes one rate here");
    }
    let fps = a.fps.first().copied();
    if a.labels.is_empty() {
        bail!("--labels is required");
    }
    let mut labels = IntervalLabels::new();
    for l in &a.labels {
        for (clip, v) in read_interval_labels(l)? {
            labels.entry(clip).or_default().extend(v);
        }
    }
    let mut ignore = IntervalLabels::new();
    for l in &a.ignore {
        for (clip, v) in read_interval_labels(l)? {
            ignore.entry(clip).or_default().extend(v);
        }
    }
    if a.clips.is_empty() {
        bail!("no clips given");
    }
    if fps.into_iter().chain(a.lopo_fps.iter().copied()).any(|f| !(f > 0.0 && f.is_finite())) {
        bail!("--fps and --lopo-fps are positive frame rates");
    }
    let engine = Engine::builder().landmark_model(a.landmark_model.into()).build()?;
    let mut traces = BTreeMap::new();
    for clip in &a.clips {
        traces.insert(stem(clip), trace(&engine, clip, a.signals.as_deref())?);
    }
    if let Some(people) = &a.lopo {
        if want != Action::Blink {
            bail!("--lopo tunes the blink thresholds; use it with `eval blink`");
        }
        return super::lopo::run(
            &traces,
            &labels,
            &ignore,
            people,
            &a.lopo_fps,
            a.tolerance_frames as f64,
            a.out.as_deref(),
        );
    }
    let (mut tp_all, mut fp_all, mut fn_all) = (0usize, 0usize, 0usize);
    let mut per_clip = Vec::new();
    for (name, tr) in &traces {
        let gts = labels.get(name).map(|v| v.as_slice()).unwrap_or_default();
        let skip = ignore.get(name).map(|v| v.as_slice()).unwrap_or_default();
        let s = score(tr, fps, want, ActionThresholds::default(), gts, skip, a.tolerance_frames as f64);
        tp_all += s.m.tp;
        fp_all += s.m.fp;
        fn_all += s.m.fn_;
        let line = serde_json::json!({"clip": name, "labelled": s.labelled, "detected": s.found.len(), "tp": s.m.tp, "fp": s.m.fp, "fn": s.m.fn_,
            "precision": s.m.precision, "recall": s.m.recall, "f1": s.m.f1, "frames": s.frames, "frame_ms": s.frame_ms,
            "detections": s.found.iter().map(|e| serde_json::json!({"start_s": e.start_us as f64 / 1e6, "end_s": e.end_us as f64 / 1e6, "score": e.score})).collect::<Vec<_>>()});
        write_line(&mut std::io::stdout(), &line)?;
        per_clip.push(s.m.f1);
    }
    let all = Prf::from_counts(tp_all, fp_all, fn_all);
    let worst = per_clip.iter().cloned().fold(f64::INFINITY, f64::min);
    write_line(
        &mut std::io::stdout(),
        &serde_json::json!({"overall": {"kind": format!("{:?}", want), "clips": a.clips.len(), "fps": fps, "tp": tp_all, "fp": fp_all, "fn": fn_all,
        "precision": all.precision, "recall": all.recall, "f1": all.f1, "worst_clip_f1": worst}}),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Scores one clip's trace, at most `fps` frames a second when given (frames closer than
/// 0.9 of the period to the last kept one are dropped, as a slow camera would): detections
/// and labels are compared in kept-frame indices. A labelled event with no kept frame
/// inside it is optional: no miss, and a detection over it is not a false one; so is a
/// detection over an `ignore` interval.
pub(crate) fn score(
    tr: &Trace,
    fps: Option<f64>,
    want: Action,
    th: ActionThresholds,
    gts: &[Interval],
    ignore: &[Interval],
    tol: f64,
) -> ClipScore {
    let all: Vec<i64> = tr.iter().map(|f| f.0).collect();
    let kept: Vec<(usize, i64)> = thin_to_rate(&all, fps).into_iter().map(|i| (i, all[i])).collect();
    let mut scanner = ActionScanner::new(th, 10);
    let mut found = Vec::new();
    for &(i, _) in &kept {
        if let Some(s) = &tr[i].1 {
            found.extend(scanner.push_signals(*s).into_iter().filter(|e| e.action == want));
        }
    }
    let times: Vec<i64> = kept.iter().map(|k| k.1).collect();
    let index_of = |t: i64| times.partition_point(|x| *x < t) as f64;
    let step =
        if times.len() > 1 { (times[times.len() - 1] - times[0]) as f64 / (times.len() - 1) as f64 } else { 33_333.0 };
    // Everything in kept frames: detections [start, end) -> [start, end - 1].
    let dets: Vec<(f64, f64)> =
        found.iter().map(|e| (index_of(e.start_us), (index_of(e.end_us) - 1.0).max(index_of(e.start_us)))).collect();
    // First and last kept frame inside an interval (as kept indices; a > b when none).
    let span = |iv: &Interval| match *iv {
        Interval::Frames(s, e) => {
            let a = kept.partition_point(|k| (k.0 as f64) < s);
            let b = kept.partition_point(|k| (k.0 as f64) <= e);
            (a as f64, b as f64 - 1.0)
        }
        Interval::Seconds(s, e) => (index_of((s * 1e6) as i64), index_of((e * 1e6) as i64 + 1) - 1.0),
    };
    let (mut labels, mut optional) = (Vec::new(), Vec::new());
    for (a, b) in gts.iter().map(span) {
        if a <= b {
            labels.push((a, b));
        } else {
            optional.push((b, a));
        }
    }
    optional.extend(ignore.iter().map(span).map(|(a, b)| (a.min(b), a.max(b))));
    // Labels matched in order (as metrics::match_intervals), keeping which detections matched.
    let near = |d: &(f64, f64), l: &(f64, f64)| d.0 <= l.1 + tol && d.1 >= l.0 - tol;
    let mut used = vec![false; labels.len()];
    let (mut tp, mut fp) = (0, 0);
    for d in &dets {
        if let Some(k) = (0..labels.len()).find(|&k| !used[k] && near(d, &labels[k])) {
            used[k] = true;
            tp += 1;
        } else if !optional.iter().any(|o| near(d, o)) {
            fp += 1;
        }
    }
    ClipScore {
        m: Prf::from_counts(tp, fp, labels.len() - tp),
        labelled: labels.len(),
        found,
        frames: times.len(),
        frame_ms: step / 1e3,
    }
}

const TRACE_HEADER: &str = "t_us,face,eye_r,eye_l,mouth,yaw,pitch";

/// Bump when the meaning of a cached signal changes (its formula, the tracker settings
/// used here): older caches are then tracked again instead of being read.
const SIGNALS_VERSION: u32 = 2;

/// The first line of a signals cache: what produced it. A cache written by other models
/// (say before the default landmark model changed) or another signal version is stale.
fn cache_identity(engine: &Engine) -> String {
    format!("# liveface signals v{SIGNALS_VERSION} tracking {}", engine.tracking_identity().join(","))
}

/// The clip's per-frame signals, from the cache when it has them and they were made by
/// the same models and signal version.
fn trace(engine: &Engine, clip: &Path, cache: Option<&Path>) -> anyhow::Result<Trace> {
    let cached = cache.map(|d| d.join(format!("{}.signals.csv", stem(clip))));
    let identity = cache_identity(engine);
    if let Some(p) = cached.as_ref().filter(|p| p.is_file()) {
        if let Some(trace) = read_trace(p, &identity)? {
            return Ok(trace);
        }
        eprintln!("{}: made by other models or an older signal version; tracking again", p.display());
    }
    let mut tracker = engine.tracker_with({
        let mut c = TrackerConfig::default();
        c.smoothing = None;
        c
    })?;
    let mut out = Trace::new();
    for frame in frame_source(clip, 30.0)? {
        let frame = frame?;
        let report = tracker.process(&frame.as_frame()?)?;
        let t = report.timestamp_us;
        out.push((t, report.face.as_ref().map(|f| Signals::from_face(t, f))));
    }
    if let Some(p) = cached {
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        let mut text = format!("{identity}\n{TRACE_HEADER}\n");
        for (t, s) in &out {
            match s {
                Some(s) => text += &format!("{t},1,{},{},{},{},{}\n", s.eyes[0], s.eyes[1], s.mouth, s.yaw, s.pitch),
                None => text += &format!("{t},0,,,,,\n"),
            }
        }
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(out)
}

/// A cached trace; `None` when the cache was made by something else than `identity`.
fn read_trace(p: &Path, identity: &str) -> anyhow::Result<Option<Trace>> {
    let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
    let mut lines = text.lines();
    if lines.next() != Some(identity) {
        return Ok(None);
    }
    if lines.next() != Some(TRACE_HEADER) {
        bail!("{}: not a signals cache (expected header {TRACE_HEADER})", p.display());
    }
    let mut out = Trace::new();
    for (n, line) in lines.enumerate() {
        let bad = || format!("{}:{}: bad signals line {line:?}", p.display(), n + 3);
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 7 {
            bail!(bad());
        }
        let t: i64 = f[0].parse().with_context(bad)?;
        if f[1] == "0" {
            out.push((t, None));
            continue;
        }
        let v = |i: usize| f[i].parse::<f32>().with_context(bad);
        let eyes = [v(2)?, v(3)?];
        let s = Signals { t_us: t, eye: (eyes[0] + eyes[1]) / 2.0, eyes, mouth: v(4)?, yaw: v(5)?, pitch: v(6)? };
        out.push((t, Some(s)));
    }
    Ok(Some(out))
}
