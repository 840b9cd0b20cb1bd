//! `liveface eval spoof`: silent liveness over labelled images and clips, with
//! ISO/IEC 30107-3 metrics, a per-sample CSV and a ROC plot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use liveface::checks::silent::{decide_image, SilentConfig, SilentReport};
use liveface::metrics::{rates, roc_plot, score_stats, Scored};
use liveface::source::{load_image, IMAGE_EXTENSIONS};
use liveface::Engine;

/// One manifest row.
struct Sample {
    path: PathBuf,
    label: String,
    species: Option<String>,
}

fn read_manifest(path: &Path) -> anyhow::Result<Vec<Sample>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read manifest {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').map(str::trim).collect();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(h));
    let file = col(&["file", "path"]).context("manifest needs a `file` (or `path`) column")?;
    let label = col(&["label"]).context("manifest needs a `label` column")?;
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let (Some(p), Some(l)) = (f.get(file), f.get(label)) else {
            bail!("{} line {}: missing file or label", path.display(), n + 2);
        };
        let l = l.to_ascii_lowercase();
        let species = match l.as_str() {
            "live" | "real" | "bona_fide" | "bonafide" => None,
            other => Some(other.strip_prefix("spoof_").unwrap_or(other).to_string()),
        };
        out.push(Sample { path: base.join(p), label: l, species });
    }
    Ok(out)
}

fn is_image(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The silent verdict for one sample: (report, failure reason if no decision).
fn run_sample(engine: &Engine, path: &Path) -> anyhow::Result<(Option<SilentReport>, Option<String>)> {
    if is_image(path) {
        let f = load_image(path)?;
        let r = decide_image(engine, &f.as_frame()?, &SilentConfig::default())?;
        let why = r.is_none().then(|| "no face".to_string());
        return Ok((r, why));
    }
    let mut session = liveface::Session::new(engine, liveface::SessionConfig::silent())?;
    for frame in super::frame_source(path, 30.0)? {
        let frame = frame?;
        session.push(&frame.as_frame()?)?;
        if session.is_finished() {
            break;
        }
    }
    let o = session.finish();
    let why = match o.reason {
        Some(liveface::Reason::SilentPictureLiveFail) | None => None,
        Some(r) => Some(format!("{r:?}")),
    };
    Ok((o.silent, why))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn eval(engine: &Engine, manifests: &[PathBuf], out_dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut samples = Vec::new();
    for m in manifests {
        samples.extend(read_manifest(m)?);
    }
    if samples.is_empty() {
        bail!("the manifests list no samples");
    }
    let model = engine.has_antispoof();
    let mut csv = String::from(
        "file,label,species,decided,accepted,score,p_real,v2_real,v1se_real,cue_score,planar_p90,planar_deforming,planar_ratio,planar_verdict,spectrum_peak_log10,spectrum_verdict,edge_sides,edge_longest,pulse_bpm,pulse_snr,rejected_by,failure,decision_ms,wall_ms\n",
    );
    let (mut decided, mut failures) = (Vec::new(), Vec::new());
    let mut model_scores = Vec::new();
    let mut cue_scores = Vec::new();
    let stdout = std::io::stdout();
    let mut so = stdout.lock();
    for s in &samples {
        let t0 = Instant::now();
        let (report, why) = match run_sample(engine, &s.path) {
            Ok(v) => v,
            Err(e) => (None, Some(format!("error: {e:#}"))),
        };
        let wall_ms = t0.elapsed().as_secs_f64() * 1e3;
        let r = report.as_ref();
        let live = s.species.is_none();
        let accepted = why.is_none() && r.is_some_and(|r| r.live);
        if let (Some(r), None) = (r, &why) {
            decided.push(Scored { species: s.species.clone(), score: r.score, accepted });
            if let Some(m) = &r.model {
                model_scores.push((live, m.p_real));
            }
            cue_scores.push((live, r.cue_score));
        } else {
            failures.push((s.path.display().to_string(), live, why.clone().unwrap_or_default()));
        }
        let m = r.and_then(|r| r.model.as_ref());
        let f = |v: Option<f32>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        let mean = |k: fn(&liveface::checks::passive::PassiveScore) -> f32| {
            m.map(|m| m.frames.iter().map(k).sum::<f32>() / m.frames.len().max(1) as f32)
        };
        let row = [
            s.path.display().to_string(),
            s.label.clone(),
            s.species.clone().unwrap_or_else(|| "bona_fide".into()),
            (why.is_none() && r.is_some()).to_string(),
            accepted.to_string(),
            f(r.map(|r| r.score)),
            f(m.map(|m| m.p_real)),
            f(mean(|p| p.v2[1])),
            f(mean(|p| p.v1se[1])),
            f(r.map(|r| r.cue_score)),
            f(r.filter(|r| r.planar.pairs > 0).map(|r| r.planar.residual_p90)),
            r.map(|r| r.planar.deforming_pairs.to_string()).unwrap_or_default(),
            f(r.and_then(|r| r.planar.planar_ratio)),
            r.map(|r| format!("{:?}", r.planar.verdict)).unwrap_or_default(),
            f(r.and_then(|r| r.spectrum.map(|s| s.peak_log10))),
            r.and_then(|r| r.spectrum.map(|s| format!("{:?}", s.verdict))).unwrap_or_default(),
            r.and_then(|r| r.edges.map(|e| e.sides.to_string())).unwrap_or_default(),
            f(r.and_then(|r| r.edges.map(|e| e.longest))),
            f(r.and_then(|r| r.pulse.map(|p| p.bpm))),
            f(r.and_then(|r| r.pulse.map(|p| p.snr))),
            r.map(|r| r.rejected_by.join("+")).unwrap_or_default(),
            why.clone().unwrap_or_default(),
            r.map(|r| format!("{:.3}", r.decision_us as f64 / 1e3)).unwrap_or_default(),
            format!("{wall_ms:.1}"),
        ];
        csv.push_str(&row.iter().map(|v| csv_field(v)).collect::<Vec<_>>().join(","));
        csv.push('\n');
        super::write_line(
            &mut so,
            &serde_json::json!({"file": s.path.display().to_string(), "label": s.label, "accepted": accepted,
                "score": r.map(|r| r.score), "failure": why, "rejected_by": r.map(|r| &r.rejected_by)}),
        )?;
    }
    let rates = rates(&decided);
    let final_scores: Vec<(bool, f32)> = decided.iter().map(|d| (d.species.is_none(), d.score)).collect();
    let stats_final = score_stats(&final_scores);
    let stats_model = score_stats(&model_scores);
    let stats_cues = score_stats(&cue_scores);
    let strip = |s: &Option<liveface::metrics::ScoreStats>| {
        s.as_ref().map(|s| {
            serde_json::json!({"auc": s.auc, "eer": s.eer, "bpcer_at_apcer_1pct": s.bpcer_at_apcer_1pct,
                "threshold_at_apcer_1pct": s.threshold_at_apcer_1pct})
        })
    };
    let live_failed = failures.iter().filter(|f| f.1).count();
    let attack_failures = failures.iter().filter(|f| !f.1).count();
    let summary = serde_json::json!({
        "samples": samples.len(),
        "model": if model { "MiniFASNetV2 2.7 + MiniFASNetV1SE 4.0, fused" } else { "none: cues only" },
        "decided": decided.len(),
        "failures_to_decide": failures.iter().map(|f| serde_json::json!({"file": f.0, "bona_fide": f.1, "why": f.2})).collect::<Vec<_>>(),
        "bona_fide": rates.bona_fide,
        "attacks": rates.attacks,
        "apcer_per_species": rates.apcer_per_species.iter().map(|(k, v)| (k.clone(), serde_json::json!({"accepted": v.0, "total": v.1, "apcer": v.2}))).collect::<serde_json::Map<_, _>>(),
        "apcer": rates.apcer,
        "bpcer": rates.bpcer,
        "bpcer_count": rates.bpcer_count,
        "acer": rates.acer,
        "bona_fide_not_passed": rates.bpcer_count + live_failed,
        "attacks_passed": decided.iter().filter(|d| d.species.is_some() && d.accepted).count(),
        "attacks_failed_before_a_decision": attack_failures,
        "score": strip(&stats_final),
        "model_score": strip(&stats_model),
        "cue_score": strip(&stats_cues),
        "cues_alone_pooled_at_0_5": {
            "bpcer": cue_scores.iter().filter(|s| s.0 && s.1 < 0.5).count() as f64 / cue_scores.iter().filter(|s| s.0).count().max(1) as f64,
            "apcer": cue_scores.iter().filter(|s| !s.0 && s.1 >= 0.5).count() as f64 / cue_scores.iter().filter(|s| !s.0).count().max(1) as f64,
        },
    });
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(dir.join("scores.csv"), &csv)?;
        let empty: Vec<(f64, f64)> = Vec::new();
        let roc = |s: &Option<liveface::metrics::ScoreStats>| s.as_ref().map(|s| s.roc.clone()).unwrap_or_default();
        let (rm, rc) = (roc(&stats_model), roc(&stats_cues));
        let curves: Vec<&[(f64, f64)]> = vec![if model { &rm } else { &empty }, &rc];
        std::fs::write(dir.join("roc.png"), roc_plot(&curves, &["model", "cues"], 480)?)
            .context("cannot write roc.png")?;
        std::fs::write(dir.join("summary.json"), serde_json::to_vec_pretty(&summary)?)?;
        writeln!(
            so,
            "{{\"wrote\": [\"scores.csv\", \"roc.png\", \"summary.json\"], \"dir\": {:?}}}",
            dir.display().to_string()
        )?;
    }
    super::write_line(&mut so, &serde_json::json!({ "summary": summary }))?;
    Ok(ExitCode::SUCCESS)
}
