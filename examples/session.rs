//! A liveness pre-check with the library alone: an action session and a silent session
//! over a recorded clip, then the upload package for the compare API.
//!
//! ```bash
//! cargo run --release --example session -- ../shared/data/faces/liveportrait_d6.mp4 target/session-out
//! ```
//!
//! The clip plays the camera: every decoded picture goes to the session (which tracks
//! the face, gates quality, prompts and decides) and to the packager (evidence video,
//! best frame). After a pass, `OUT/action/` and `OUT/silent/` hold `best.jpg`,
//! `video.mp4`, `request.json` and `package.json`.

use std::path::{Path, PathBuf};

use liveface::package::{Packager, PackagerConfig, RequestTarget};
use liveface::video::{extract_audio, VideoReader};
use liveface::{parse_actions, Engine, Outcome, Session, SessionConfig};

/// Runs one session over the clip and, when it passes, writes its package into `out`.
fn run(engine: &Engine, clip: &Path, config: SessionConfig, out: &Path) -> liveface::Result<Outcome> {
    let mut session = Session::new(engine, config)?;
    let mut packager = Packager::new(PackagerConfig::default())?;
    for (index, frame) in VideoReader::open(clip)?.enumerate() {
        let frame = frame?;
        let view = frame.as_frame()?;
        let (_report, events) = session.push(&view)?;
        packager.push_frame(&view, index, session.best_frames())?;
        for e in events {
            println!("  [{:5.2}s] {}", e.t_us as f64 / 1e6, e.en);
        }
        if session.is_finished() {
            break;
        }
    }
    let outcome = session.finish();
    if outcome.passed {
        if let Some(audio) = extract_audio(clip)? {
            packager.push_audio(&audio.samples, audio.sample_rate, 0)?;
        }
        // Without a reference photo the best frame stands in (compare against an ID
        // photo in production: `finish(&outcome, &target, Some(&id_photo_jpeg))`).
        let package = packager.finish(&outcome, &RequestTarget::compare(), None)?;
        package.write(out)?;
        let best = package.manifest.best_frame.as_ref().map(|b| b.face_px).unwrap_or_default();
        println!(
            "  package in {}: video {} B ({} frames), best face {:.0}x{:.0} px, request {} B",
            out.display(),
            package.video_mp4.len(),
            package.video.frames,
            best[0],
            best[1],
            package.request_json.len()
        );
    }
    Ok(outcome)
}

fn main() -> liveface::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let clip = PathBuf::from(args.next().unwrap_or_else(|| "../shared/data/faces/liveportrait_d6.mp4".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/session-out".into()));
    let engine = Engine::new()?; // embedded models; add .antispoof_dir(..) through Engine::builder() for silent mode's model

    println!("action session (open mouth, then blink) on {}", clip.display());
    let action = run(&engine, &clip, SessionConfig::action(parse_actions("1,2")?), &out.join("action"))?;
    println!("  -> passed {}, reason {:?}, {} frames", action.passed, action.api_code, action.frames);

    println!("silent session on {}", clip.display());
    let silent = run(&engine, &clip, SessionConfig::silent(), &out.join("silent"))?;
    let score = silent.silent.as_ref().map(|s| s.score);
    println!("  -> passed {}, reason {:?}, live score {score:?}", silent.passed, silent.api_code);
    Ok(())
}
