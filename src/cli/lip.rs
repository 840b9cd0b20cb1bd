//! `liveface eval lip`: digit (LIP) mode over real talking clips and attacks built from
//! them: the clip's own voice shifted by 300-600 ms, another clip's voice dubbed over the
//! face, a still frame with the voice, the clip without sound, and the mouth frozen
//! closed while the voice plays. Each clip is tracked once; every session then replays
//! its frame reports (altered for the still and frozen attacks) with its audio (altered
//! for the others) through a real digit check and its voice model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use liveface::checks::lip::{LipCheck, LipReport, LipThresholds};
use liveface::checks::Check;
use liveface::{Engine, FrameReport, Session, SessionConfig};

use super::session::AudioFeed;
use super::{frame_source, stem, write_line};

pub struct EvalLipArgs {
    pub clips: Vec<PathBuf>,
    pub manifest: Vec<PathBuf>,
    pub out: PathBuf,
}

/// The code every simulated session reads (the check does not recognise digits).
const CODE: &str = "7294";
/// A digit session's length: the API's ~6 s, with the session's 10 s timeout.
const MAX_S: f64 = 10.0;
const SHIFTS_MS: [i64; 8] = [-600, -500, -400, -300, 300, 400, 500, 600];

struct Clip {
    name: String,
    reports: Vec<FrameReport>,
    /// 16 kHz mono, starting with the first frame.
    audio: Option<Vec<f32>>,
}

fn load(engine: &Engine, path: &Path) -> anyhow::Result<Clip> {
    let mut tracker = engine.tracker_with(SessionConfig::lip(CODE).tracker.clone())?;
    let mut reports = Vec::new();
    for frame in frame_source(path, 30.0)? {
        let frame = frame?;
        let r = tracker.process(&frame.as_frame()?)?;
        if reports.first().is_some_and(|f: &FrameReport| (r.timestamp_us - f.timestamp_us) as f64 > MAX_S * 1e6) {
            break;
        }
        reports.push(r);
    }
    if reports.is_empty() {
        bail!("{}: no frames", path.display());
    }
    let audio = liveface::video::extract_audio(path)?.map(|a| a.samples);
    Ok(Clip { name: stem(path), reports, audio })
}

/// One session over frame reports and audio (16 kHz from the first frame).
fn run(engine: &Engine, reports: &[FrameReport], audio: Option<&[f32]>) -> anyhow::Result<Option<LipReport>> {
    let check: Box<dyn Check> = Box::new(LipCheck::new(Some(engine), CODE, LipThresholds::default()));
    let mut session = Session::with_checks(None, SessionConfig::lip(CODE), vec![check])?;
    let t0 = reports.first().map_or(0, |r| r.timestamp_us);
    let mut feed = audio.map(|a| AudioFeed::new(16_000, a.to_vec()));
    for r in reports {
        if let Some(f) = feed.as_mut() {
            f.upto(&mut session, t0, r.timestamp_us);
        }
        session.push_report(r);
        if session.is_finished() {
            break;
        }
    }
    Ok(session.finish().lip)
}

/// The voice moved `ms` later (negative: earlier), same length.
fn shifted(a: &[f32], ms: i64) -> Vec<f32> {
    let k = (ms.unsigned_abs() as usize) * 16;
    let mut out = vec![0.0; a.len()];
    if ms >= 0 {
        if k < a.len() {
            out[k..].copy_from_slice(&a[..a.len() - k]);
        }
    } else if k < a.len() {
        out[..a.len() - k].copy_from_slice(&a[k..]);
    }
    out
}

/// `b`'s voice over a clip whose audio is `len` samples long.
fn dubbed(b: &[f32], len: usize) -> Vec<f32> {
    let mut out = vec![0.0; len];
    let n = len.min(b.len());
    out[..n].copy_from_slice(&b[..n]);
    out
}

/// Every frame shows the first face (a photo with the voice played).
fn still(reports: &[FrameReport]) -> Vec<FrameReport> {
    let Some(first) = reports.iter().find(|r| r.face.is_some()) else { return reports.to_vec() };
    reports.iter().map(|r| FrameReport { timestamp_us: r.timestamp_us, ..first.clone() }).collect()
}

/// The mouth held at its most closed while everything else moves (a frozen mouth).
fn frozen(reports: &[FrameReport]) -> Vec<FrameReport> {
    let closed = reports.iter().filter_map(|r| r.face.as_ref().map(|f| f.mouth_openness)).fold(f32::INFINITY, f32::min);
    reports
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(f) = r.face.as_mut() {
                f.mouth_openness = closed;
            }
            r
        })
        .collect()
}

/// One session to run: label, sample name, frame reports, audio.
type Job = (String, String, Vec<FrameReport>, Option<Vec<f32>>);

#[derive(Default)]
struct Tally {
    sessions: usize,
    passed: usize,
    offsets: Vec<f64>,
    correlations: Vec<f64>,
    silence_motion: Vec<f64>,
    /// Span alignment at the sync offset over its best.
    span_share: Vec<f64>,
    reasons: BTreeMap<String, usize>,
}

fn reason_name(r: &LipReport) -> String {
    r.reason.map_or("passed".into(), |x| {
        serde_json::to_value(x).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    })
}

fn read_manifest(path: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((file, label)) = line.split_once(',') else {
            bail!("{}:{}: expected `file,label`", path.display(), n + 1)
        };
        let p = PathBuf::from(file.trim());
        out.push((if p.is_relative() { base.join(p) } else { p }, label.trim().to_string()));
    }
    Ok(out)
}

fn quantiles(v: &[f64]) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::Value::Null;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
    serde_json::json!({"p10": q(0.1), "median": q(0.5), "p90": q(0.9)})
}

pub fn eval(a: EvalLipArgs) -> anyhow::Result<ExitCode> {
    if a.clips.is_empty() && a.manifest.is_empty() {
        bail!("eval lip needs --clips (attacks are built from them) or --manifest CSV (file,label)");
    }
    std::fs::create_dir_all(&a.out)?;
    let engine = Engine::new()?;
    let mut clips = Vec::new();
    for p in &a.clips {
        let c = load(&engine, p)?;
        eprintln!(
            "{}: {} frames, audio {}",
            c.name,
            c.reports.len(),
            c.audio.as_ref().map_or("none".into(), |x| format!("{:.1} s", x.len() as f64 / 16e3))
        );
        clips.push(c);
    }
    let mut jobs: Vec<Job> = Vec::new();
    for c in &clips {
        jobs.push(("live".into(), c.name.clone(), c.reports.clone(), c.audio.clone()));
        jobs.push(("mute".into(), c.name.clone(), c.reports.clone(), None));
        if let Some(audio) = &c.audio {
            for ms in SHIFTS_MS {
                jobs.push((
                    format!("shifted_{}", ms.abs()),
                    format!("{}{ms:+}ms", c.name),
                    c.reports.clone(),
                    Some(shifted(audio, ms)),
                ));
            }
            jobs.push(("still".into(), c.name.clone(), still(&c.reports), Some(audio.clone())));
            jobs.push(("frozen".into(), c.name.clone(), frozen(&c.reports), Some(audio.clone())));
            for other in clips.iter().filter(|o| o.name != c.name) {
                if let Some(voice) = &other.audio {
                    jobs.push((
                        "dubbed".into(),
                        format!("{}<{}", c.name, other.name),
                        c.reports.clone(),
                        Some(dubbed(voice, audio.len())),
                    ));
                }
            }
        }
    }
    for m in &a.manifest {
        for (file, label) in read_manifest(m)? {
            let c = load(&engine, &file)?;
            jobs.push((label, c.name, c.reports, c.audio));
        }
    }
    let mut csv = String::from("sample,label,passed,reason,speech_ms,segments,voice_dbfs,face_share,mouth_range,silence_motion,offset_ms,correlation,confidence,span_at_offset,span_best,span_best_offset_ms\n");
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let opt = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.3}"));
    for (label, name, reports, audio) in &jobs {
        let r = run(&engine, reports, audio.as_deref())?;
        let t = tally.entry(label.clone()).or_default();
        t.sessions += 1;
        match &r {
            Some(r) => {
                t.passed += r.passed as usize;
                *t.reasons.entry(reason_name(r)).or_default() += 1;
                if let Some(s) = r.sync {
                    t.offsets.push(s.offset_ms as f64);
                    t.correlations.push(s.correlation as f64);
                }
                t.silence_motion.extend(r.silence_motion.map(f64::from));
                t.span_share.extend(r.span.filter(|a| a.best > 0.0).map(|a| (a.at_sync_offset / a.best) as f64));
                csv += &format!(
                    "{name},{label},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                    r.passed,
                    reason_name(r),
                    r.speech_ms,
                    r.speech_segments,
                    opt(r.voice_dbfs),
                    opt(r.face_share),
                    opt(r.mouth_range),
                    opt(r.silence_motion),
                    r.sync.map_or(String::new(), |s| s.offset_ms.to_string()),
                    opt(r.sync.map(|s| s.correlation)),
                    opt(r.sync.map(|s| s.confidence)),
                    opt(r.span.map(|a| a.at_sync_offset)),
                    opt(r.span.map(|a| a.best)),
                    r.span.map_or(String::new(), |a| a.best_offset_ms.to_string()),
                );
            }
            None => {
                *t.reasons.entry("no_decision".into()).or_default() += 1;
                csv += &format!("{name},{label},false,no_decision,,,,,,,,,,,,\n");
            }
        }
    }
    std::fs::write(a.out.join("sessions.csv"), &csv)?;
    let live = tally.get("live");
    let by_kind: BTreeMap<&String, serde_json::Value> = tally
        .iter()
        .map(|(k, t)| {
            (
                k,
                serde_json::json!({
                    "sessions": t.sessions, "passed": t.passed,
                    "rate": t.passed as f64 / t.sessions.max(1) as f64,
                    "reasons": t.reasons, "offset_ms": quantiles(&t.offsets), "correlation": quantiles(&t.correlations),
                    "silence_motion": quantiles(&t.silence_motion),
                    "span_share_of_best": quantiles(&t.span_share),
                }),
            )
        })
        .collect();
    let summary = serde_json::json!({
        "bona_fide_sessions": live.map_or(0, |t| t.sessions),
        "bpcer": live.map(|t| 1.0 - t.passed as f64 / t.sessions.max(1) as f64),
        "apcer_per_attack": tally.iter().filter(|(k, _)| k.as_str() != "live")
            .map(|(k, t)| (k.clone(), t.passed as f64 / t.sessions.max(1) as f64)).collect::<BTreeMap<_, _>>(),
        "by_kind": by_kind,
    });
    // Plot: each kind's share of sessions with a lip-voice correlation at most x.
    let series: Vec<(String, Vec<(f64, f64)>)> = tally
        .iter()
        .filter(|(_, t)| !t.correlations.is_empty())
        .map(|(k, t)| {
            let mut c: Vec<f64> = t.correlations.iter().map(|v| v.max(0.0)).collect();
            c.sort_by(f64::total_cmp);
            let n = c.len() as f64;
            (k.clone(), c.iter().enumerate().map(|(i, v)| (*v, (i + 1) as f64 / n)).collect())
        })
        .collect();
    let refs: Vec<(&str, &[(f64, f64)])> = series.iter().map(|(n, p)| (n.as_str(), p.as_slice())).collect();
    let png = liveface::metrics::timeline_png(
        "Digit mode: lip-voice correlation",
        "correlation at the best offset",
        "share of sessions",
        &refs,
    )?;
    std::fs::write(a.out.join("correlation.png"), png)?;
    std::fs::write(a.out.join("summary.json"), serde_json::to_vec_pretty(&summary)?)?;
    write_line(&mut std::io::stdout(), &serde_json::json!({ "summary": summary }))?;
    Ok(ExitCode::SUCCESS)
}
