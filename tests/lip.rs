//! Digit (LIP) mode end to end: a real talking clip with its own voice, the same face
//! with another voice, and the `LIP` package (request body, evidence video with the
//! voice over the whole reading).

mod common;

use liveface::checks::lip::LipReport;
use liveface::checks::AudioChunk;
use liveface::video::{extract_audio, VideoReader};
use liveface::{Reason, Session, SessionConfig};

/// A digit session over the clip's frames with `voice` (16 kHz, from its first frame).
fn session(clip: &std::path::Path, voice: &[f32]) -> LipReport {
    let engine = common::engine();
    let mut s = Session::new(&engine, SessionConfig::lip("7294")).unwrap();
    let (mut t0, mut fed) = (None, 0usize);
    for f in VideoReader::open(clip).unwrap() {
        let f = f.unwrap();
        let view = f.as_frame().unwrap();
        let t = view.timestamp_us();
        let start = *t0.get_or_insert(t);
        let upto = ((((t - start) as f64 / 1e6) + 0.1) * 16_000.0) as usize;
        let upto = upto.min(voice.len());
        if upto > fed {
            s.push_audio(&AudioChunk {
                samples: &voice[fed..upto],
                sample_rate: 16_000,
                t_us: start + fed as i64 * 1_000_000 / 16_000,
            });
            fed = upto;
        }
        s.push(&view).unwrap();
        if s.is_finished() {
            break;
        }
    }
    s.finish().lip.expect("a digit report")
}

/// Runs the `liveface` binary, which must succeed; its last JSON line.
fn cli_last_line(args: &[std::ffi::OsString]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_liveface")).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap()
}

#[test]
fn a_talking_face_passes_with_its_own_voice_and_not_with_another() {
    let (Some(d10), Some(katie)) =
        (common::shared("data/faces/liveportrait_d10.mp4"), common::shared("data/faces/WDA_KatieHill_000.mp4"))
    else {
        return;
    };
    let own = extract_audio(&d10).unwrap().unwrap();
    assert_eq!(own.sample_rate, 16_000);
    let live = session(&d10, &own.samples);
    assert!(live.passed, "{live:?}");
    let sync = live.sync.unwrap();
    assert!(sync.offset_ms.abs() <= 100 && sync.correlation > 0.5, "{sync:?}");
    // Another person's voice over the same lips: no offset makes them agree.
    let other = extract_audio(&katie).unwrap().unwrap();
    let dubbed = session(&d10, &other.samples);
    assert_eq!(dubbed.reason, Some(Reason::LipVoiceNotFromFace), "{dubbed:?}");
    // No sound at all.
    assert_eq!(session(&d10, &[]).reason, Some(Reason::LipVoiceDetect));
}

#[cfg(feature = "paas")]
#[test]
fn the_lip_package_carries_the_code_and_the_whole_reading_with_its_sound() {
    let Some(d10) = common::shared("data/faces/liveportrait_d10.mp4") else { return };
    let dir = std::env::temp_dir().join(format!("liveface-lip-pkg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut args: Vec<std::ffi::OsString> =
        ["precheck", "--mode", "lip", "--code", "7294", "--package"].map(Into::into).into();
    args.extend([dir.clone().into_os_string(), d10.into_os_string()]);
    let last = cli_last_line(&args);
    let outcome = &last["outcome"];
    assert_eq!(outcome["mode"], "lip");
    let req: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("request.json")).unwrap()).unwrap();
    assert_eq!(req["LivenessType"], "LIP");
    assert_eq!(req["ValidateData"], "7294");
    // The evidence window holds the whole reading, and the video its sound.
    let (speech_a, speech_b) =
        (outcome["lip"]["speech_span_us"][0].as_i64().unwrap(), outcome["lip"]["speech_span_us"][1].as_i64().unwrap());
    let (win_a, win_b) =
        (outcome["evidence_window_us"][0].as_i64().unwrap(), outcome["evidence_window_us"][1].as_i64().unwrap());
    assert!(win_a <= speech_a && win_b >= speech_b, "window {win_a}..{win_b}, speech {speech_a}..{speech_b}");
    // Decoding the package's Opus track needs FFmpeg (`cargo test --features ffmpeg`).
    #[cfg(feature = "ffmpeg")]
    package_sound_holds_the_reading(
        &dir.join("video.mp4"),
        speech_b - speech_a,
        outcome["lip"]["speech_ms"].as_f64().unwrap(),
    );
}

#[cfg(feature = "ffmpeg")]
fn package_sound_holds_the_reading(video: &std::path::Path, speech_us: i64, speech_ms: f64) {
    let sound = extract_audio(video).unwrap().expect("the evidence video has sound");
    let heard_s = sound.duration_s();
    assert!(heard_s * 1e6 >= speech_us as f64, "{heard_s} s of sound for {speech_us} µs of speech");
    // The voice is in it: the voice model hears speech in the packaged sound.
    let engine = common::engine();
    let mut vad = engine.voice_detector().unwrap();
    vad.push(&sound.samples).unwrap();
    let speech = vad.probabilities().iter().filter(|p| **p > 0.5).count() as f64 * 0.032;
    assert!(speech * 1000.0 >= speech_ms * 0.8, "{speech} s of speech in the package, {speech_ms} ms in the clip");
}

/// `live --source CLIP` plays the clip in real time with its sound, as a phone would
/// deliver camera and microphone together.
#[test]
fn live_from_a_clip_listens_to_its_sound() {
    let Some(d10) = common::shared("data/faces/liveportrait_d10.mp4") else { return };
    let mut args: Vec<std::ffi::OsString> =
        ["live", "--mode", "lip", "--code", "7294", "--json", "--source"].map(Into::into).into();
    args.push(d10.into_os_string());
    let last = cli_last_line(&args);
    assert_eq!(last["outcome"]["passed"], true, "{last}");
    assert!(last["outcome"]["lip"]["speech_ms"].as_i64().unwrap() > 1000, "{last}");
}
