//! `liveface submit`, `challenge`, `info` and `cameras`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[allow(unused_imports)]
use anyhow::{bail, Context};
use liveface::Engine;

#[derive(clap::Args)]
pub struct ConnArgs {
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
pub struct SubmitArgs {
    /// Package directory from `precheck --package`.
    dir: PathBuf,
    #[command(flatten)]
    target: super::session::TargetArgs,
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
pub struct ChallengeArgs {
    /// Which challenge.
    #[arg(value_enum)]
    kind: ChallengeKind,
    #[command(flatten)]
    conn: ConnArgs,
}

#[derive(clap::Args)]
pub struct InfoArgs {
    /// JSON even on a terminal.
    #[arg(long)]
    json: bool,
}

/// The runtime and models in use: a table on a terminal, JSON otherwise (or with --json).
pub fn info(a: InfoArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let t = Instant::now();
    let engine = Engine::new()?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let manifest: toml::Value = toml::from_str(liveface::MODEL_MANIFEST).context("the embedded manifest")?;
    let manifest = serde_json::to_value(&manifest)?;
    if a.json || !std::io::stdout().is_terminal() {
        let out = serde_json::json!({"runtime": engine.runtime(), "engine_load_ms": load_ms, "manifest": manifest});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rt = engine.runtime();
    println!("liveface {}", env!("CARGO_PKG_VERSION"));
    println!("ONNX Runtime  {} ({})", rt.path.display(), rt.origin);
    println!("engine load   {load_ms:.1} ms");
    let src = &manifest["source"];
    println!(
        "models from   {} ({}), licence {}",
        src["package"].as_str().unwrap_or("?"),
        src["registry"].as_str().unwrap_or("?"),
        src["license"].as_str().unwrap_or("?")
    );
    println!();
    println!("{:<9} {:<28} {:<20} sha256", "model", "file", "input");
    for m in manifest["model"].as_array().into_iter().flatten() {
        let shape =
            m["input"]["shape"].as_array().map(|s| s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"));
        println!(
            "{:<9} {:<28} {:<20} {}",
            m["kind"].as_str().unwrap_or("?"),
            m["file"].as_str().unwrap_or("?"),
            shape.unwrap_or_default(),
            m["sha256"].as_str().map(|s| &s[..16.min(s.len())]).unwrap_or("?")
        );
    }
    println!("\n(--json for everything, including each model's source and outputs)");
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "camera")]
pub fn cameras() -> anyhow::Result<ExitCode> {
    let list = liveface::source::list_cameras()?;
    println!("{}", serde_json::to_string(&list)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "camera"))]
pub fn cameras() -> anyhow::Result<ExitCode> {
    bail!("this build has no camera support; rebuild with `--features camera`")
}

#[cfg(feature = "audio")]
pub fn microphones() -> anyhow::Result<ExitCode> {
    let list = liveface::audio::list_microphones()?;
    println!("{}", serde_json::to_string(&list)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "audio"))]
pub fn microphones() -> anyhow::Result<ExitCode> {
    bail!("this build has no microphone support; rebuild with `--features audio`")
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
pub fn submit(a: SubmitArgs) -> anyhow::Result<ExitCode> {
    use liveface::package::{LivenessType, Verdict};
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(a.dir.join("package.json"))
            .with_context(|| format!("no package.json in {}", a.dir.display()))?,
    )?;
    let video = std::fs::read(a.dir.join("video.mp4")).context("package without video.mp4")?;
    let validate = manifest["validate_data"].as_str().unwrap_or("");
    let image = match a.target.image()? {
        Some(i) => i,
        None => std::fs::read(a.dir.join("best.jpg")).context("package without best.jpg")?,
    };
    let best_frame_num = manifest["best_frame_num"].as_u64().and_then(|n| u8::try_from(n).ok());
    let liveness = match manifest["liveness_type"].as_str() {
        Some("SILENT") => LivenessType::Silent,
        Some("LIP") => LivenessType::Lip,
        _ => LivenessType::Action,
    };
    let req = a.target.target(best_frame_num)?.request(liveness, &video, &image, validate)?;
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
pub fn challenge(a: ChallengeArgs) -> anyhow::Result<ExitCode> {
    let c = client(&a.conn)?;
    let line = match a.kind {
        ChallengeKind::Action => serde_json::json!({"action_sequence": c.get_action_sequence()?}),
        ChallengeKind::Code => serde_json::json!({"live_code": c.get_live_code()?}),
    };
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "paas"))]
pub fn submit(_: SubmitArgs) -> anyhow::Result<ExitCode> {
    bail!("this build has no API client; rebuild with `--features paas`")
}

#[cfg(not(feature = "paas"))]
pub fn challenge(_: ChallengeArgs) -> anyhow::Result<ExitCode> {
    bail!("this build has no API client; rebuild with `--features paas`")
}
