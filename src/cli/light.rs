//! `liveface simulate light` and `liveface eval light`: the reflection of a light
//! challenge rendered onto real clips (bona fide and attacks), and light mode's error
//! rates over amplitudes and frame rates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use liveface::checks::light::{LightChallenge, LightChallengeConfig, LightReport};
use liveface::simulate::light::{LightAttack, LightRenderer, LightSimConfig, Rng};
use liveface::source::OwnedFrame;
use liveface::{Engine, FrameReport, PixelFormat, Rotation, Session, SessionConfig, TrackerConfig};

use super::{frame_source, stem, thin_to_rate, write_line};

#[derive(clap::Subcommand)]
pub enum SimulateCmd {
    /// Render a light challenge's reflection (or an attack) onto a clip.
    Light(SimulateLightArgs),
}

#[derive(clap::Args)]
pub struct SimulateLightArgs {
    /// The challenge nonce, hex (as `precheck --mode light --challenge`).
    #[arg(long)]
    challenge: String,
    /// Grey levels an average skin pixel facing the screen gains from black to white.
    #[arg(long, default_value_t = 8.0)]
    amplitude: f32,
    /// bona_fide, replay (another challenge's colours), flat (a picture held up),
    /// no_reflection, recolour (the whole frame tinted).
    #[arg(long, default_value = "bona_fide")]
    attack: String,
    /// Seed for lag, drift and noise.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Keep at most this many frames a second.
    #[arg(long)]
    fps: Option<f64>,
    /// Input clip.
    input: PathBuf,
    /// Output MP4 (H.264).
    output: PathBuf,
}

pub fn simulate(cmd: SimulateCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        SimulateCmd::Light(a) => simulate_light(a),
    }
}

/// A clip's upright RGB frames with their tracking.
struct Tracked {
    frames: Vec<OwnedFrame>,
    reports: Vec<FrameReport>,
}

/// A frame as upright packed RGB at `t_us`.
fn upright_rgb(view: &liveface::FrameRef, t_us: i64) -> OwnedFrame {
    let (w, h) = view.upright_size();
    OwnedFrame {
        data: view.to_upright_rgb(),
        width: w,
        height: h,
        format: PixelFormat::Rgb8,
        rotation: Rotation::R0,
        mirror: false,
        timestamp_us: t_us,
    }
}

/// Decodes and tracks up to `max_s` seconds of a clip, as upright RGB.
fn track_clip(engine: &Engine, clip: &Path, max_s: f64) -> anyhow::Result<Tracked> {
    let mut tracker = engine.tracker_with(TrackerConfig::default())?;
    let (mut frames, mut reports) = (Vec::new(), Vec::new());
    let mut first = None;
    for f in frame_source(clip, 30.0)? {
        let f = f?;
        let view = f.as_frame()?;
        let t = view.timestamp_us();
        let t0 = *first.get_or_insert(t);
        if (t - t0) as f64 > max_s * 1e6 {
            break;
        }
        let rgb = upright_rgb(&view, t - t0);
        let report = tracker.process(&rgb.as_frame()?)?;
        frames.push(rgb);
        reports.push(report);
    }
    if frames.is_empty() {
        bail!("no frames in {}", clip.display());
    }
    Ok(Tracked { frames, reports })
}

/// Indices of the frames kept at `fps`.
fn keep_at(reports: &[FrameReport], fps: Option<f64>) -> Vec<usize> {
    let times: Vec<i64> = reports.iter().map(|r| r.timestamp_us).collect();
    thin_to_rate(&times, fps)
}

/// Renders one session: the kept frames lit by `shown`, with capture-time jitter and
/// dropped frames; returns the frames (upright RGB, capture times) and the index of the
/// source frame each came from.
fn render(t: &Tracked, keep: &[usize], shown: &LightChallenge, sim: LightSimConfig) -> (Vec<OwnedFrame>, Vec<usize>) {
    let mut renderer = LightRenderer::new(shown.clone(), sim);
    let mut rng = Rng::new(sim.seed ^ 0xD1CE);
    let interval = if keep.len() > 1 {
        (t.reports[keep[keep.len() - 1]].timestamp_us - t.reports[keep[0]].timestamp_us) / (keep.len() as i64 - 1)
    } else {
        33_333
    };
    let (mut out, mut src) = (Vec::new(), Vec::new());
    for &i in keep {
        // 2% of the frames dropped, the rest captured with 3 ms of timing jitter.
        if rng.uniform() < 0.02 && i != keep[0] {
            continue;
        }
        let f = &t.frames[i];
        let t_cap = f.timestamp_us + (3_000.0 * rng.gauss()) as i64;
        let mut data = f.data.clone();
        let lm = t.reports[i].face.as_ref().map(|fc| fc.landmarks.as_slice());
        renderer.render(&mut data, f.width as usize, f.height as usize, lm, t_cap, interval);
        let ts = out.last().map_or(t_cap, |p: &OwnedFrame| t_cap.max(p.timestamp_us + 1));
        out.push(OwnedFrame { data, timestamp_us: ts, ..f.clone() });
        src.push(i);
    }
    (out, src)
}

/// Round trip through the H.264 evidence encoder and the decoder (frames keep their
/// capture times; pictures are matched by order).
#[cfg(feature = "video")]
fn h264(frames: Vec<OwnedFrame>, fps: f64) -> anyhow::Result<Vec<OwnedFrame>> {
    use liveface::video::{EvidenceConfig, EvidenceEncoder, VideoReader};
    let Some(first) = frames.first() else { return Ok(frames) };
    let mut cfg = EvidenceConfig::default();
    cfg.width = first.width;
    cfg.fps = fps as f32;
    cfg.bitrate_bps = 1_500_000;
    let mut enc = EvidenceEncoder::new(cfg)?;
    // Encode on the nominal grid so that picture k comes back as frame k.
    let step = 1e6 / fps;
    for (k, f) in frames.iter().enumerate() {
        let nominal = OwnedFrame { timestamp_us: (k as f64 * step) as i64, ..f.clone() };
        enc.push(&nominal.as_frame()?)?;
    }
    let video = enc.finish()?;
    let mut reader = VideoReader::from_bytes(video.mp4)?;
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(d) = reader.next_frame()? {
        let Some(orig) = frames.get(k) else { break };
        out.push(upright_rgb(&d.as_frame()?, orig.timestamp_us));
        k += 1;
    }
    Ok(out)
}

#[cfg(not(feature = "video"))]
fn h264(_: Vec<OwnedFrame>, _: f64) -> anyhow::Result<Vec<OwnedFrame>> {
    bail!("the H.264 round trip needs the `video` feature (or pass --no-h264)")
}

fn nonce_for(parts: &[&str]) -> Vec<u8> {
    parts.join("/").into_bytes()
}

fn simulate_light(a: SimulateLightArgs) -> anyhow::Result<ExitCode> {
    let attack: LightAttack = a.attack.parse()?;
    let cfg = LightChallengeConfig::default();
    let challenge = LightChallenge::from_hex(&a.challenge, &cfg)?;
    let shown = match attack {
        LightAttack::Replay => LightChallenge::from_nonce(&nonce_for(&[&a.challenge, "replayed"]), &cfg)?,
        _ => challenge.clone(),
    };
    let engine = Engine::new()?;
    let seconds = challenge.total_ms() as f64 / 1e3 + 1.5;
    let t = track_clip(&engine, &a.input, seconds)?;
    let keep = keep_at(&t.reports, a.fps);
    let mut sim = LightSimConfig::default();
    sim.amplitude = a.amplitude;
    sim.attack = attack;
    sim.seed = a.seed;
    let (frames, _) = render(&t, &keep, &shown, sim);
    write_mp4(&frames, a.fps.unwrap_or_else(|| native_fps(&t)), &a.output)?;
    write_line(
        &mut std::io::stdout(),
        &serde_json::json!({"output": a.output.display().to_string(), "frames": frames.len(), "attack": attack,
            "amplitude": a.amplitude, "challenge": challenge, "shown_nonce": shown.nonce_hex}),
    )?;
    Ok(ExitCode::SUCCESS)
}

fn native_fps(t: &Tracked) -> f64 {
    let n = t.reports.len();
    if n < 2 {
        return 30.0;
    }
    let span = (t.reports[n - 1].timestamp_us - t.reports[0].timestamp_us) as f64 / 1e6;
    ((n - 1) as f64 / span.max(1e-3)).clamp(1.0, 120.0)
}

#[cfg(feature = "video")]
fn write_mp4(frames: &[OwnedFrame], fps: f64, out: &Path) -> anyhow::Result<()> {
    use liveface::video::{EvidenceConfig, EvidenceEncoder};
    let Some(first) = frames.first() else { bail!("no frames to write") };
    let mut cfg = EvidenceConfig::default();
    cfg.width = first.width;
    cfg.fps = fps as f32;
    cfg.bitrate_bps = 1_500_000;
    cfg.max_bytes = 64 << 20;
    let mut enc = EvidenceEncoder::new(cfg)?;
    for f in frames {
        enc.push(&f.as_frame()?)?;
    }
    let v = enc.finish()?;
    std::fs::write(out, &v.mp4).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

#[cfg(not(feature = "video"))]
fn write_mp4(_: &[OwnedFrame], _: f64, _: &Path) -> anyhow::Result<()> {
    bail!("writing MP4 needs the `video` feature")
}

/// What `eval light` needs (from `liveface eval light`'s options).
pub struct EvalLightArgs {
    pub clips: Vec<PathBuf>,
    pub amplitudes: Vec<f32>,
    pub fps: Vec<f64>,
    pub trials: u32,
    pub attacks: Vec<String>,
    pub no_h264: bool,
    pub out: PathBuf,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    sessions: usize,
    passed: usize,
    too_short: usize,
    decoded: f64,
}

pub fn eval(a: EvalLightArgs) -> anyhow::Result<ExitCode> {
    let mut kinds = vec![LightAttack::BonaFide];
    for k in &a.attacks {
        let k: LightAttack = k.parse()?;
        if k != LightAttack::BonaFide && !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if a.amplitudes.iter().any(|v| !(v.is_finite() && *v >= 0.0)) || a.fps.iter().any(|f| !f.is_finite() || *f <= 0.0) {
        bail!("amplitudes are grey levels >= 0 and frame rates positive");
    }
    std::fs::create_dir_all(&a.out)?;
    let engine = Engine::new()?;
    let cfg = LightChallengeConfig::default();
    let mut csv = String::from("clip,fps,amplitude,trial,kind,passed,reason,correlation,response,decoded_share,background_share,relief_ratio,relief_spread,lag_ms,lag_jitter_ms,unexplained\n");
    // (fps, amplitude, kind) -> tally
    let mut tally: BTreeMap<(u32, u32, LightAttack), Tally> = BTreeMap::new();
    let key = |f: f64, amp: f32| ((f * 100.0).round() as u32, (amp * 100.0).round() as u32);
    for clip in &a.clips {
        let name = stem(clip);
        let probe = LightChallenge::from_nonce(b"probe", &cfg)?;
        let t = track_clip(&engine, clip, probe.total_ms() as f64 / 1e3 + 1.2)?;
        let faces = t.reports.iter().filter(|r| r.face.is_some()).count();
        eprintln!("{name}: {} frames, {faces} with a face", t.reports.len());
        // Every session of this clip, run in parallel (each renders its own frames).
        let mut jobs = Vec::new();
        for &fps in &a.fps {
            for &amp in &a.amplitudes {
                for trial in 0..a.trials {
                    for &kind in &kinds {
                        jobs.push((fps, amp, trial, kind));
                    }
                }
            }
        }
        use rayon::prelude::*;
        let results: Vec<anyhow::Result<Option<LightReport>>> = jobs
            .par_iter()
            .map(|&(fps, amp, trial, kind)| {
                let keep = keep_at(&t.reports, Some(fps));
                let tag = [name.as_str(), &fps.to_string(), &amp.to_string(), &trial.to_string()];
                let challenge = LightChallenge::from_nonce(&nonce_for(&tag), &cfg)?;
                let shown = match kind {
                    LightAttack::Replay => LightChallenge::from_nonce(&nonce_for(&[&tag.join("/"), "replayed"]), &cfg)?,
                    _ => challenge.clone(),
                };
                let mut sim = LightSimConfig::default();
                sim.amplitude = amp;
                sim.attack = kind;
                sim.seed = u64::from_le_bytes(liveface_seed(&tag, kind));
                let (frames, src) = render(&t, &keep, &shown, sim);
                let frames = if a.no_h264 { frames } else { h264(frames, fps)? };
                run_session(&challenge, &frames, &src, &t)
            })
            .collect();
        for (&(fps, amp, trial, kind), r) in jobs.iter().zip(results) {
            let r = r?;
            let passed = r.as_ref().is_some_and(|r| r.passed);
            let e = tally.entry((key(fps, amp).0, key(fps, amp).1, kind)).or_default();
            e.sessions += 1;
            e.passed += passed as usize;
            if let Some(r) = &r {
                e.too_short += (r.reason == Some(liveface::checks::Reason::LightTooShort)) as usize;
                e.decoded += r.decoded_share.unwrap_or(0.0) as f64;
            }
            csv += &session_row(&name, fps, amp, trial, kind, r.as_ref());
        }
    }
    std::fs::write(a.out.join("sessions.csv"), &csv)?;
    let summary = summarise(&tally, &kinds);
    let series: Vec<(String, Vec<(f64, f64)>)> = a
        .fps
        .iter()
        .map(|&f| {
            let pts = a
                .amplitudes
                .iter()
                .filter_map(|&amp| {
                    let t = tally.get(&(key(f, amp).0, key(f, amp).1, LightAttack::BonaFide))?;
                    Some((amp as f64, t.passed as f64 / t.sessions.max(1) as f64))
                })
                .collect();
            (format!("bona fide pass rate, {f} fps"), pts)
        })
        .collect();
    let refs: Vec<(&str, &[(f64, f64)])> = series.iter().map(|(n, p)| (n.as_str(), p.as_slice())).collect();
    let png = liveface::metrics::timeline_png(
        "Light mode: bona fide pass rate",
        "amplitude (grey levels)",
        "pass rate",
        &refs,
    )?;
    std::fs::write(a.out.join("pass_rate.png"), png)?;
    std::fs::write(a.out.join("summary.json"), serde_json::to_vec_pretty(&summary)?)?;
    write_line(&mut std::io::stdout(), &serde_json::json!({ "summary": summary }))?;
    Ok(ExitCode::SUCCESS)
}

fn liveface_seed(tag: &[&str], kind: LightAttack) -> [u8; 8] {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tag.join("/").bytes().chain(kind.name().bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h.to_le_bytes()
}

/// One light session over rendered frames, with the source frames' tracking.
fn run_session(
    challenge: &LightChallenge,
    frames: &[OwnedFrame],
    src: &[usize],
    t: &Tracked,
) -> anyhow::Result<Option<LightReport>> {
    let mut session = Session::from_reports(SessionConfig::light(challenge.clone()))?;
    for (f, &i) in frames.iter().zip(src) {
        let mut report = t.reports[i].clone();
        report.timestamp_us = f.timestamp_us;
        session.push_tracked(&f.as_frame()?, &report);
        if session.is_finished() {
            break;
        }
    }
    Ok(session.finish().light)
}

fn session_row(name: &str, fps: f64, amp: f32, trial: u32, kind: LightAttack, r: Option<&LightReport>) -> String {
    let opt = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.3}"));
    match r {
        Some(r) => format!(
            "{name},{fps},{amp},{trial},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            kind.name(),
            r.passed,
            r.reason.map_or(String::new(), |x| serde_json::to_value(x)
                .map(|v| v.as_str().unwrap_or("").to_string())
                .unwrap_or_default()),
            opt(r.face.map(|f| f.correlation)),
            opt(r.face.map(|f| (f.gain[0] + f.gain[1] + f.gain[2]) / 3.0)),
            opt(r.decoded_share),
            opt(r.background_share),
            opt(r.relief.and_then(|x| x.ratio)),
            opt(r.relief.and_then(|x| x.spread)),
            r.lag_ms.map_or(String::new(), |v| v.to_string()),
            r.lag_jitter_ms.map_or(String::new(), |v| v.to_string()),
            opt(r.unexplained),
        ),
        None => format!("{name},{fps},{amp},{trial},{},false,no_decision,,,,,,,,,\n", kind.name()),
    }
}

fn summarise(tally: &BTreeMap<(u32, u32, LightAttack), Tally>, kinds: &[LightAttack]) -> serde_json::Value {
    let mut pass_rate: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut decode: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut apcer: BTreeMap<&str, BTreeMap<String, f64>> = BTreeMap::new();
    let (mut bf_n, mut bf_rejected, mut ftd) = (0usize, 0usize, 0usize);
    let mut attacks_passed: BTreeMap<&str, usize> = BTreeMap::new();
    for ((f, amp, kind), t) in tally {
        let (fk, ak) = (format!("{}", *f as f64 / 100.0), format!("{}", *amp as f64 / 100.0));
        let rate = t.passed as f64 / t.sessions.max(1) as f64;
        ftd += t.too_short;
        if *kind == LightAttack::BonaFide {
            pass_rate.entry(fk.clone()).or_default().insert(ak.clone(), rate);
            decode.entry(fk).or_default().insert(ak, t.decoded / t.sessions.max(1) as f64);
            bf_n += t.sessions;
            bf_rejected += t.sessions - t.passed;
        } else {
            apcer.entry(kind.name()).or_default().insert(format!("{fk} fps, {ak}"), rate);
            *attacks_passed.entry(kind.name()).or_default() += t.passed;
        }
    }
    serde_json::json!({
        "bpcer": bf_rejected as f64 / bf_n.max(1) as f64,
        "bona_fide_sessions": bf_n,
        "apcer_per_attack": kinds.iter().filter(|k| **k != LightAttack::BonaFide).map(|k| {
            let n: usize = tally.iter().filter(|(key, _)| key.2 == *k).map(|(_, t)| t.sessions).sum();
            let p = attacks_passed.get(k.name()).copied().unwrap_or(0);
            (k.name().to_string(), serde_json::json!(p as f64 / n.max(1) as f64))
        }).collect::<serde_json::Map<_, _>>(),
        "apcer_by_setting": apcer,
        "pass_rate_by_amplitude": pass_rate,
        "decode_accuracy_by_amplitude": decode,
        "failures_to_decide": ftd,
    })
}
