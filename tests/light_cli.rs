//! Light mode through the command line: `simulate light` renders a challenge (or an
//! attack) onto a clip, `precheck --mode light` judges it with the real tracker, `eval
//! light` reports error rates, and `live --mode light` turns a real terminal (tmux) into
//! the light source.
#![cfg(feature = "video")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const NONCE: &str = "00112233445566778899aabbccddeeff";

fn liveface() -> Command {
    Command::new(env!("CARGO_BIN_EXE_liveface"))
}

fn last_json(out: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(out);
    serde_json::from_str(text.lines().last().expect("a line")).expect("JSON")
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("liveface-light-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Five seconds of the astronaut photo at 25 fps, 512 x 512, H.264: the 256 x 256 around
/// the face, doubled (the face about 190 px wide, enough for the compare API).
fn still_clip(d: &Path) -> PathBuf {
    use liveface::video::{EvidenceConfig, EvidenceEncoder};
    use liveface::{FrameRef, PixelFormat};
    let src = common::astronaut();
    let mut a = src.clone();
    for y in 0..512 {
        for x in 0..512 {
            let (sx, sy) = (100 + x / 2, y / 2);
            let (o, i) = ((y * 512 + x) * 3, (sy * 512 + sx) * 3);
            a.data[o..o + 3].copy_from_slice(&src.data[i..i + 3]);
        }
    }
    let mut c = EvidenceConfig::default();
    c.width = 512;
    let mut enc = EvidenceEncoder::new(c).unwrap();
    for i in 0..125 {
        enc.push(&FrameRef::new(&a.data, 512, 512, PixelFormat::Rgb8).unwrap().at_us(i * 40_000)).unwrap();
    }
    let p = d.join("still.mp4");
    std::fs::write(&p, enc.finish().unwrap().mp4).unwrap();
    p
}

fn simulate(clip: &Path, out: &Path, attack: &str) {
    let o = liveface()
        .args(["simulate", "light", "--challenge", NONCE, "--amplitude", "10", "--attack", attack])
        .arg(clip)
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = last_json(&o.stdout);
    assert_eq!(v["challenge"]["nonce_hex"], NONCE);
}

#[test]
fn a_simulated_session_passes_precheck_and_is_packaged_as_silent() {
    let d = dir("pass");
    let clip = still_clip(&d);
    let lit = d.join("lit.mp4");
    simulate(&clip, &lit, "bona_fide");
    let pkg = d.join("pkg");
    let o = liveface()
        .args(["precheck", "--mode", "light", "--challenge", NONCE, "--events", "--package"])
        .arg(&pkg)
        .arg(&lit)
        .output()
        .unwrap();
    let v = last_json(&o.stdout);
    assert!(o.status.success(), "{v}\n{}", String::from_utf8_lossy(&o.stderr));
    let l = &v["outcome"]["light"];
    assert_eq!(l["decoded_share"], 1.0, "{l}");
    assert_eq!(l["nonce_hex"], NONCE);
    // The session told the app every colour, in order.
    let colours: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|x| serde_json::from_str::<serde_json::Value>(x).ok())
        .filter(|e| e["kind"] == "light_color")
        .collect();
    assert_eq!(colours.len(), 11, "{colours:?}");
    assert_eq!(colours[1]["rgb"], serde_json::json!([0, 0, 255]));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("package.json")).unwrap()).unwrap();
    assert_eq!(manifest["liveness_type"], "SILENT");
    assert_eq!(manifest["light"]["nonce_hex"], NONCE);
    assert_eq!(manifest["light"]["decoded"].as_array().unwrap().len(), 11);
}

#[test]
fn simulated_attacks_fail_precheck_with_their_reasons_and_a_display_log_is_read() {
    let d = dir("attacks");
    let clip = still_clip(&d);
    for (attack, reason) in
        [("flat", "light_flat_surface"), ("no_reflection", "light_no_response"), ("recolour", "light_whole_frame")]
    {
        let out = d.join(format!("{attack}.mp4"));
        simulate(&clip, &out, attack);
        let o = liveface().args(["precheck", "--mode", "light", "--challenge", NONCE]).arg(&out).output().unwrap();
        let v = last_json(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{attack}: {v}");
        assert_eq!(v["outcome"]["reason"], reason, "{attack}: {}", v["outcome"]["light"]);
    }
    // A display log that moves every colour 2 s later: the reflection no longer matches.
    let lit = d.join("lit.mp4");
    simulate(&clip, &lit, "bona_fide");
    let log = d.join("displayed.csv");
    let mut text = String::from("index,from_ms,to_ms\n");
    let ch = liveface::checks::light::LightChallenge::from_hex(NONCE, &Default::default()).unwrap();
    for s in &ch.steps {
        text += &format!("{},{},{}\n", s.index, s.start_ms + 2000, s.start_ms + s.duration_ms + 2000);
    }
    std::fs::write(&log, text).unwrap();
    let o = liveface()
        .args(["precheck", "--mode", "light", "--challenge", NONCE, "--displayed"])
        .arg(&log)
        .arg(&lit)
        .output()
        .unwrap();
    let v = last_json(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{v}");
    assert_eq!(v["outcome"]["light"]["acknowledged"], true);
    std::fs::write(&log, "index,from_ms\n1,2\n").unwrap();
    let o = liveface().args(["precheck", "--mode", "light", "--displayed"]).arg(&log).arg(&lit).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("index,from_ms,to_ms"));
}

#[test]
fn eval_light_reports_rates_per_amplitude_and_attack() {
    let d = dir("eval");
    let clip = still_clip(&d);
    let out = d.join("eval");
    let o = liveface()
        .args(["eval", "light", "--amplitudes", "0,10", "--fps", "15", "--trials", "1", "--no-h264", "--out"])
        .arg(&out)
        .arg("--clips")
        .arg(&clip)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = &last_json(&o.stdout)["summary"];
    assert_eq!(s["pass_rate_by_amplitude"]["15"]["10"], 1.0, "{s}");
    assert_eq!(s["pass_rate_by_amplitude"]["15"]["0"], 0.0, "no light, no pass: {s}");
    for a in ["replay", "flat", "no_reflection", "recolour"] {
        assert_eq!(s["apcer_per_attack"][a], 0.0, "{a}: {s}");
    }
    assert!(s["bpcer"].as_f64().unwrap() > 0.0, "amplitude 0 is rejected: {s}");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(&file, s);
    assert!(std::fs::read(out.join("pass_rate.png")).unwrap().starts_with(b"\x89PNG"));
    let csv = std::fs::read_to_string(out.join("sessions.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 5);
}

/// The terminal is the light source: its background takes each colour (24-bit ANSI) while
/// the schedule runs, and gets its own colours back at the end.
#[test]
fn live_light_fills_the_terminal_with_the_colours_then_restores_it() {
    if Command::new("tmux").arg("-V").output().is_err() {
        common::skip("tmux (the light terminal test needs a terminal)");
        return;
    }
    let d = dir("tmux");
    let clip = still_clip(&d);
    let name = format!("liveface-light-{}", std::process::id());
    let cmd = format!(
        "{} live --mode light --challenge {NONCE} --source {}; sleep 30",
        env!("CARGO_BIN_EXE_liveface"),
        clip.display()
    );
    let ok = Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "80", "-y", "20", &cmd])
        .status()
        .unwrap()
        .success();
    assert!(ok, "tmux starts");
    let ch = liveface::checks::light::LightChallenge::from_hex(NONCE, &Default::default()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut last = String::new();
    for _ in 0..120 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let out = Command::new("tmux").args(["capture-pane", "-e", "-p", "-N", "-t", &name]).output().unwrap();
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        for s in &ch.steps[1..] {
            let [r, g, b] = s.rgb;
            if last.contains(&format!("48;2;{r};{g};{b}m")) {
                seen.insert(s.rgb);
            }
        }
        if last.contains("FAILED") || last.contains("PASSED") {
            break;
        }
    }
    let _ = Command::new("tmux").args(["kill-session", "-t", &name]).status();
    assert!(seen.len() >= 2, "the terminal showed the challenge's colours: {seen:?}\n{last}");
    assert!(last.contains("FAILED"), "a still photo without light fails: {last}");
    assert!(!last.contains("48;2;"), "colours restored at the end: {last}");
}
