//! The `liveface` binary end to end.

mod common;

use std::process::Command;

fn liveface() -> Command {
    Command::new(env!("CARGO_BIN_EXE_liveface"))
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

#[test]
fn analyze_image_prints_a_face_with_landmarks_and_a_summary() {
    let out = liveface().args(["analyze"]).arg(common::asset("astronaut.png")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    assert_eq!(l.len(), 2);
    assert_eq!(l[0]["faces_detected"], 1);
    assert_eq!(l[0]["face"]["landmarks"].as_array().unwrap().len(), 468);
    assert_eq!(l[0]["face"]["eyes"].as_array().unwrap().len(), 2);
    let s = &l[1]["summary"];
    assert_eq!(s["frames"], 1);
    assert_eq!(s["frames_with_face"], 1);
    assert!(s["stages"]["mesh"]["median_us"].as_u64().unwrap() > 0);
}

#[test]
fn analyze_directory_reports_bad_files_and_goes_on_with_overlays() {
    let dir = std::env::temp_dir().join(format!("liveface-cli-{}", std::process::id()));
    let frames = dir.join("frames");
    let overlay = dir.join("overlay");
    std::fs::create_dir_all(&frames).unwrap();
    std::fs::copy(common::asset("astronaut.png"), frames.join("000001.png")).unwrap();
    std::fs::write(frames.join("000002.png"), b"corrupt").unwrap();
    std::fs::copy(common::asset("coffee.png"), frames.join("000003.png")).unwrap();
    std::fs::copy(common::asset("astronaut.png"), frames.join("000004.png")).unwrap();
    let out = liveface().arg("analyze").arg(&frames).arg("--overlay").arg(&overlay).arg("--compact").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    assert_eq!(l.len(), 5);
    assert!(l[0]["face"].is_object());
    assert!(l[1]["error"].as_str().unwrap().contains("000002.png"));
    assert!(l[2]["face"].is_null());
    assert_eq!(l[3]["timestamp_us"], 100_000);
    let s = &l[4]["summary"];
    assert_eq!(
        (s["frames"].as_u64(), s["errors"].as_u64(), s["frames_with_face"].as_u64()),
        (Some(4), Some(1), Some(2))
    );
    assert_eq!(s["tracks"], 2, "the face left (coffee) and came back");
    let pngs = std::fs::read_dir(&overlay).unwrap().count();
    assert_eq!(pngs, 3);
}

#[test]
fn missing_path_is_a_clear_error() {
    let out = liveface().args(["analyze", "/no/such/clip"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/clip"));
}

/// A short H.264 MP4 of the astronaut (5 frames, 25 fps).
#[cfg(feature = "video")]
fn tiny_clip() -> Vec<u8> {
    use liveface::video::{EvidenceConfig, EvidenceEncoder};
    use liveface::{FrameRef, PixelFormat};
    let a = common::astronaut();
    let mut enc = EvidenceEncoder::new({
        let mut c = EvidenceConfig::default();
        c.width = 512;
        c
    })
    .unwrap();
    for i in 0..5 {
        enc.push(&FrameRef::new(&a.data, 512, 512, PixelFormat::Rgb8).unwrap().at_us(i * 40_000)).unwrap();
    }
    enc.finish().unwrap().mp4
}

#[cfg(feature = "video")]
#[test]
fn analyze_video_prints_frames_with_presentation_times() {
    let dir = std::env::temp_dir().join(format!("liveface-cli-video-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let clip = dir.join("clip.mp4");
    std::fs::write(&clip, tiny_clip()).unwrap();
    let out = liveface().arg("analyze").arg(&clip).arg("--compact").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    assert_eq!(l.len(), 6);
    for (i, line) in l[..5].iter().enumerate() {
        assert_eq!(line["timestamp_us"], i as i64 * 40_000);
        assert!(line["face"].is_object());
    }
    let s = &l[5]["summary"];
    assert_eq!(s["frames"], 5);
    assert_eq!(s["video"]["info"]["codec"], "h264");
    assert_eq!(s["video"]["info"]["backend"], "native");
}

#[cfg(feature = "video")]
#[test]
fn analyze_directory_of_videos_in_parallel_with_a_corrupt_file() {
    let dir = std::env::temp_dir().join(format!("liveface-cli-videos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let clip = tiny_clip();
    for name in ["a.mp4", "b.mp4", "c.mp4"] {
        std::fs::write(dir.join(name), &clip).unwrap();
    }
    std::fs::write(dir.join("broken.mp4"), &clip[..clip.len() / 2]).unwrap();
    let out = liveface().arg("analyze").arg(&dir).args(["--jobs", "2"]).output().unwrap();
    // One file failed: the run fails (exit 1), after every other file was analysed.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    // Piped: no progress bar on stderr.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("videos"), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    assert_eq!(l.len(), 5);
    let summaries = l.iter().filter(|v| v["summary"].is_object()).count();
    let errors: Vec<_> = l.iter().filter(|v| v["error"].is_string()).collect();
    assert_eq!(summaries, 3);
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["file"].as_str().unwrap().ends_with("broken.mp4"));
    let batch = &l.last().unwrap()["batch"];
    assert_eq!(
        (batch["files"].as_u64(), batch["failed"].as_u64(), batch["jobs"].as_u64()),
        (Some(4), Some(1), Some(2))
    );
}

/// A clip of the still astronaut: no action can happen in it.
#[cfg(feature = "video")]
fn still_clip(seconds: i64) -> std::path::PathBuf {
    use liveface::video::{EvidenceConfig, EvidenceEncoder};
    use liveface::{FrameRef, PixelFormat};
    let a = common::astronaut();
    let mut enc = EvidenceEncoder::new({
        let mut c = EvidenceConfig::default();
        c.width = 512;
        c
    })
    .unwrap();
    for i in 0..seconds * 25 {
        enc.push(&FrameRef::new(&a.data, 512, 512, PixelFormat::Rgb8).unwrap().at_us(i * 40_000)).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("liveface-cli-still-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("still.mp4");
    std::fs::write(&p, enc.finish().unwrap().mp4).unwrap();
    p
}

#[cfg(feature = "video")]
#[test]
fn precheck_fails_a_still_photo_clip_with_the_action_reason_and_live_replays_it() {
    let clip = still_clip(3);
    let out = liveface()
        .arg("precheck")
        .arg(&clip)
        .args(["--mode", "action", "--actions", "2,1", "--timeout-ms", "2000", "--events"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    let outcome = &l.last().unwrap()["outcome"];
    assert_eq!(outcome["passed"], false);
    assert_eq!(outcome["api_code"], "FailedOperation.ActionCloseEye");
    assert!(l.iter().any(|e| e["kind"] == "calibrated"));
    assert!(l.iter().any(|e| e["kind"] == "prompt" && e["prompt"] == "blink" || e["kind"] == "step_started"));

    // The live loop, driven from the same clip played in real time.
    let out = liveface()
        .arg("live")
        .args(["--actions", "2", "--timeout-ms", "1500", "--source"])
        .arg(&clip)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Piped: JSON Lines, every event then the outcome.
    let l = lines(&out.stdout);
    assert!(l.iter().any(|e| e["kind"] == "step_started" && e["en"] == "blink" && e["zh"] == "请眨眼"), "{l:?}");
    assert_eq!(l.last().unwrap()["outcome"]["api_code"], "FailedOperation.ActionCloseEye");

    // Bad action strings are clear errors.
    let out = liveface().arg("precheck").arg(&clip).args(["--actions", "9"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown action code"));
}

/// The live screen as a person sees it, in a real terminal (tmux), from a clip.
#[cfg(feature = "video")]
#[test]
fn live_on_a_terminal_shows_one_screen_and_a_readable_verdict() {
    if std::process::Command::new("tmux").arg("-V").output().is_err() {
        common::skip("tmux (the live screen test needs a terminal)");
        return;
    }
    let clip = still_clip(2);
    let name = format!("liveface-test-{}", std::process::id());
    let cmd = format!(
        "{} live --actions 2 --timeout-ms 1500 --source {}; sleep 20",
        env!("CARGO_BIN_EXE_liveface"),
        clip.display()
    );
    let ok = Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "100", "-y", "20", &cmd])
        .status()
        .unwrap()
        .success();
    assert!(ok, "tmux starts");
    let mut screen = String::new();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &name]).output().unwrap();
        screen = String::from_utf8_lossy(&out.stdout).into_owned();
        if screen.contains("FAILED") {
            break;
        }
    }
    let _ = Command::new("tmux").args(["kill-session", "-t", &name]).status();
    assert!(screen.contains("liveface live - actions 2"), "{screen}");
    assert!(screen.contains("time left"), "{screen}");
    assert!(screen.contains("FAILED") && screen.contains("no blink detected"), "{screen}");
    assert!(screen.contains("FailedOperation.ActionCloseEye"), "{screen}");
    assert!(!screen.contains("{\""), "no JSON on the screen: {screen}");
}

/// `liveface bench --source` on a frame directory paced in real time.
#[test]
fn bench_from_a_source_writes_a_report_and_charts() {
    let dir = std::env::temp_dir().join(format!("liveface-bench-{}", std::process::id()));
    let frames = dir.join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    for i in 0..20 {
        std::fs::copy(common::asset("astronaut.png"), frames.join(format!("{i:04}.png"))).unwrap();
    }
    let out_dir = dir.join("report");
    let out = liveface()
        .args(["bench", "--fps", "10", "--seconds", "2.5", "--mode", "silent", "--source"])
        .arg(&frames)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("capture") && text.contains("latency") && text.contains("dropped"), "{text}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(out_dir.join("bench.json")).unwrap()).unwrap();
    let cap = &r["capture"];
    let (frames_in, dropped, processed) =
        (cap["frames"].as_u64().unwrap(), cap["dropped"].as_u64().unwrap(), r["processed"].as_u64().unwrap());
    assert!((20..=26).contains(&frames_in), "10 fps for 2.5 s, the directory looped: {frames_in}");
    assert_eq!(processed + dropped, frames_in, "every frame is tracked or counted as dropped");
    assert!((cap["fps"].as_f64().unwrap() - 10.0).abs() < 1.5, "{cap}");
    assert!(cap["interval_ms"]["p50"].as_f64().unwrap() > 90.0);
    let l = &r["latency_ms"];
    assert!(l["p50"].as_f64().unwrap() > 0.0 && l["p50"].as_f64() <= l["p95"].as_f64());
    assert!(r["stages"]["mesh"]["runs"].as_u64().unwrap() > 0);
    assert!(r["peak_rss_mib"].as_f64().unwrap() > 10.0);
    assert!(r["cpu_ms_per_frame"].as_f64().unwrap() > 0.0);
    for png in ["latency.png", "timeline.png"] {
        let img = image::open(out_dir.join(png)).unwrap();
        assert_eq!((img.width(), img.height()), (640, 400), "{png}");
    }
    // No camera (or no camera support): a clear error, not a hang.
    let out = liveface().args(["bench", "--camera", "9", "--seconds", "1", "--out"]).arg(&out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).to_lowercase().contains("camera"));
}

#[test]
fn info_is_structured() {
    let out = liveface().arg("info").output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = v["manifest"]["model"].as_array().expect("the manifest as JSON, not a TOML string");
    assert_eq!(models.len(), 5);
    assert_eq!(models[0]["kind"], "detector");
    assert_eq!(models[3]["kind"], "attention_trunk");
    assert!(v["runtime"]["path"].as_str().unwrap().contains("onnxruntime"));
}

#[cfg(feature = "video")]
#[test]
fn eval_reports_precision_recall_and_f1() {
    let clip = still_clip(1);
    let dir = clip.parent().unwrap();
    let labels = dir.join("labels.csv");
    std::fs::write(&labels, "clip,start_s,end_s\nstill,0.2,0.3\n").unwrap();
    let out = liveface().args(["eval", "blink", "--labels"]).arg(&labels).arg(&clip).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    assert_eq!(l[0]["clip"], "still");
    assert_eq!((l[0]["tp"].as_u64(), l[0]["fn"].as_u64()), (Some(0), Some(1)), "a still photo does not blink");
    assert_eq!(l[1]["overall"]["recall"], 0.0);
}

/// A signals cache made by other models (here: a forged one whose eyes close twice) is
/// not read: the clip is tracked again and the cache rewritten for the models in use.
#[cfg(feature = "video")]
#[test]
fn eval_tracks_again_when_the_signals_cache_is_from_other_models() {
    let clip = still_clip(1);
    let dir = clip.parent().unwrap().join("signals-cache");
    std::fs::create_dir_all(&dir).unwrap();
    let labels = dir.join("labels.csv");
    std::fs::write(&labels, "clip,start_s,end_s\nstill,0.2,0.3\n").unwrap();
    let mut forged = String::from("# liveface signals v1 tracking a,b,c\nt_us,face,eye_r,eye_l,mouth,yaw,pitch\n");
    for i in 0..25 {
        let eye = if (5..8).contains(&i) { 0.05 } else { 0.3 };
        forged += &format!("{},1,{eye},{eye},0.1,0,0\n", i * 40_000);
    }
    let cache = dir.join("still.signals.csv");
    std::fs::write(&cache, &forged).unwrap();
    let eval = || {
        liveface()
            .args(["eval", "blink", "--labels"])
            .arg(&labels)
            .arg("--signals")
            .arg(&dir)
            .arg(&clip)
            .output()
            .unwrap()
    };
    let out = eval();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tracking again"));
    let l = lines(&out.stdout);
    assert_eq!(l[0]["tp"].as_u64(), Some(0), "the forged blink was read from a stale cache");
    let rewritten = std::fs::read_to_string(&cache).unwrap();
    let first = rewritten.lines().next().unwrap();
    assert!(first.starts_with("# liveface signals v") && !first.ends_with("a,b,c"), "{first}");
    // Read back: the second run uses the cache and scores the same.
    let again = eval();
    assert!(!String::from_utf8_lossy(&again.stderr).contains("tracking again"));
    assert_eq!(lines(&again.stdout)[0], l[0]);
}

fn shared_models() -> Option<std::path::PathBuf> {
    common::antispoof_dir()
}

#[test]
fn eval_spoof_writes_metrics_scores_and_a_roc_plot() {
    let dir = std::env::temp_dir().join(format!("liveface-eval-spoof-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let samples = common::root().join("assets/labels/spoof_samples.csv");
    let have_samples = common::shared("data/spoof/samples/image_T1.jpg").is_some();
    let manifest = dir.join("manifest.csv");
    std::fs::write(
        &manifest,
        format!(
            "file,label\n{},live\n{},spoof_replay\n",
            common::asset("astronaut.png").display(),
            common::asset("coffee.png").display()
        ),
    )
    .unwrap();
    let mut cmd = liveface();
    cmd.args(["eval", "spoof", "--manifest"])
        .arg(&manifest)
        .arg("--out")
        .arg(&dir)
        .env_remove("LIVEFACE_ANTISPOOF_DIR");
    if have_samples {
        cmd.arg("--manifest").arg(&samples);
    }
    let models = shared_models();
    if let Some(m) = &models {
        cmd.arg("--antispoof-models").arg(m);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out.stdout);
    let s = &l.last().unwrap()["summary"];
    // coffee.png has no face: a failure to decide, not an APCER sample.
    assert_eq!(s["failures_to_decide"].as_array().unwrap().len(), 1);
    let csv = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    assert!(csv.starts_with("file,label,species,decided,accepted,score,p_real"));
    assert_eq!(csv.lines().count(), 1 + 2 + if have_samples { 2 } else { 0 });
    let roc = image::open(dir.join("roc.png")).unwrap();
    assert_eq!((roc.width(), roc.height()), (480, 480));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["samples"], s["samples"]);
    if have_samples && models.is_some() {
        // T1 live passes, F1 print is caught: APCER 0, BPCER 0.
        assert_eq!(s["apcer_per_species"]["print"]["accepted"], 0);
        assert_eq!(s["apcer"], 0.0);
        assert_eq!(s["bpcer"], 0.0);
        assert_eq!(s["score"]["auc"], 1.0);
    }
}

/// Tests that need ../shared (data, models, notes): absent, they print SKIPPED, or fail when CI is set.
mod shared_data {
    #[allow(unused_imports)]
    use super::*;

    /// precheck --package on a real clip, then submit / challenge against a local HTTPS
    /// server that checks the signature.
    #[cfg(all(feature = "video", feature = "paas"))]
    #[test]
    fn package_then_submit_and_challenge() {
        use common::https::{start, Reply};
        let Some(clip) = common::shared("data/faces/liveportrait_d6.mp4") else { return };
        let dir = std::env::temp_dir().join(format!("liveface-pkg-{}", std::process::id()));
        let out =
            liveface().arg("precheck").arg(&clip).args(["--actions", "1,2", "--package"]).arg(&dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for f in ["best.jpg", "video.mp4", "request.json", "package.json"] {
            assert!(dir.join(f).is_file(), "{f}");
        }
        let body: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("request.json")).unwrap()).unwrap();
        assert_eq!(body["LivenessType"], "ACTION");
        assert_eq!(body["ValidateData"], "1,2");
        assert!(std::fs::metadata(dir.join("video.mp4")).unwrap().len() < 6_291_456);

        const KEY: &str = "cli-test-key";
        let srv = start(
            KEY,
            vec![
                Reply::Json(200, r#"{"Response": {"Result": "FailedOperation.CompareLowSimilarity", "Description": "x", "Sim": 40.5, "RequestId": "q1"}}"#.into()),
                Reply::Json(200, r#"{"Response": {"ActionSequence": "1,2", "RequestId": "q2"}}"#.into()),
            ],
        );
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, &srv.ca_pem).unwrap();
        let run = |args: &[&str]| {
            liveface()
                .args(args)
                .args(["--endpoint", &srv.url, "--ca-file"])
                .arg(&ca)
                .env("TENCENTCLOUD_SECRET_ID", "AKIDcli")
                .env("TENCENTCLOUD_SECRET_KEY", KEY)
                .output()
                .unwrap()
        };
        let out = run(&[
            "submit",
            dir.to_str().unwrap(),
            "--api",
            "compare",
            "--image",
            dir.join("best.jpg").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "business failure exits 1: {}", String::from_utf8_lossy(&out.stderr));
        let l = lines(&out.stdout);
        assert_eq!(l[0]["result"], "FailedOperation.CompareLowSimilarity");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(KEY));
        let out = run(&["challenge", "action"]);
        assert!(out.status.success());
        assert_eq!(lines(&out.stdout)[0]["action_sequence"], "1,2");
        assert_eq!(srv.bad_signatures.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    #[cfg(feature = "video")]
    #[test]
    fn precheck_silent_gives_a_verdict_with_its_components() {
        let Some(clip) = common::shared("data/faces/liveportrait_d3.mp4") else { return };
        let mut cmd = liveface();
        cmd.args(["precheck", "--mode", "silent"]).arg(&clip).env_remove("LIVEFACE_ANTISPOOF_DIR");
        let models = shared_models();
        if let Some(m) = &models {
            cmd.arg("--antispoof-models").arg(m);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let l = lines(&out.stdout);
        let o = &l.last().unwrap()["outcome"];
        assert_eq!(o["passed"], true);
        let s = &o["silent"];
        assert_eq!(s["live"], true);
        assert!(s["planar"]["pairs"].as_u64().unwrap() > 10);
        assert!(s["spectrum"]["peak_log10"].as_f64().is_some());
        assert!(s["decision_us"].as_u64().unwrap() > 0);
        match models {
            Some(_) => assert!(s["model"]["p_real"].as_f64().unwrap() > 0.9),
            None => assert!(s["model_note"].as_str().unwrap().contains("cues alone")),
        }
    }

    #[cfg(feature = "video")]
    #[test]
    fn precheck_silent_packages_a_silent_request() {
        let Some(clip) = common::shared("data/faces/liveportrait_d6.mp4") else { return };
        let dir = std::env::temp_dir().join(format!("liveface-silent-pkg-{}", std::process::id()));
        let out = liveface()
            .args(["precheck", "--mode", "silent"])
            .arg(&clip)
            .arg("--package")
            .arg(&dir)
            .env_remove("LIVEFACE_ANTISPOOF_DIR")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let pkg: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("package.json")).unwrap()).unwrap();
        assert_eq!(pkg["liveness_type"], "SILENT");
        assert_eq!(pkg["validate_data"], "");
        let req: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("request.json")).unwrap()).unwrap();
        assert_eq!(req["LivenessType"], "SILENT");
        assert_eq!(req["ValidateData"], "");
        assert!(req["VideoBase64"].as_str().unwrap().len() > 10_000);
    }
}

/// `liveface microphones` prints the microphones as one JSON array (empty, or ALSA's
/// pseudo-devices, on a machine without a sound card); without the feature it says how to
/// get it.
#[test]
fn microphones_are_listed_as_json_or_the_feature_is_named() {
    let out = liveface().arg("microphones").output().unwrap();
    if cfg!(feature = "audio") {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let l = lines(&out.stdout);
        assert_eq!(l.len(), 1);
        assert!(l[0].as_array().unwrap().iter().all(|m| m["id"].is_string() && m["name"].is_string()), "{}", l[0]);
    } else {
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--features audio"));
    }
}
