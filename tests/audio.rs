//! Voice activity (Silero VAD through ONNX Runtime) on committed fixtures: speech
//! synthesised with espeak-ng (assets/audio/README.md says how) against noise and music
//! that an energy gate would take for a voice.

mod common;

use liveface::video::extract_audio;

fn probabilities(samples: &[f32]) -> Vec<f32> {
    let engine = common::engine();
    let mut vad = engine.voice_detector().unwrap();
    // Pushed in uneven pieces, as an app's audio callbacks deliver them.
    for piece in samples.chunks(700) {
        vad.push(piece).unwrap();
    }
    vad.probabilities().to_vec()
}

fn speech_share(p: &[f32]) -> f32 {
    p.iter().filter(|v| **v > 0.5).count() as f32 / p.len().max(1) as f32
}

/// Deterministic white noise.
fn noise(n: usize, amp: f32) -> Vec<f32> {
    let mut x: u32 = 12345;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            amp * ((x >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// A chord of three notes with harmonics, swelling twice a second (music, not speech).
fn music(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let swell = 0.6 + 0.4 * (std::f32::consts::TAU * 2.0 * t).sin();
            let note =
                |f: f32| (1..=4).map(|h| (std::f32::consts::TAU * f * h as f32 * t).sin() / h as f32).sum::<f32>();
            0.12 * swell * (note(220.0) + note(277.2) + note(329.6))
        })
        .collect()
}

#[test]
fn speech_is_voice_and_noise_or_music_at_the_same_level_is_not() {
    for lang in ["en", "cmn"] {
        let clip = extract_audio(&common::asset(&format!("audio/espeak_7294_{lang}.wav"))).unwrap().unwrap();
        assert_eq!(clip.sample_rate, 16_000);
        let p = probabilities(&clip.samples);
        assert_eq!(p.len(), clip.samples.len() / 512);
        let share = speech_share(&p);
        // The digits take most of the file; espeak leaves short pauses between them.
        assert!(share > 0.4, "{lang}: speech in {share:.2} of the chunks: {p:?}");
        let rms = (clip.samples.iter().map(|v| v * v).sum::<f32>() / clip.samples.len() as f32).sqrt();
        // Noise and music as loud as the speech: an energy gate would say "voice" on all.
        let n = noise(clip.samples.len(), rms * 3f32.sqrt());
        let m = music(clip.samples.len());
        for (what, x) in [("noise", n), ("music", m)] {
            let q = probabilities(&x);
            assert!(
                speech_share(&q) < 0.05,
                "{lang}: {what} taken for speech in {:.2} of the chunks",
                speech_share(&q)
            );
        }
    }
}

#[test]
fn silence_is_not_voice_and_bad_samples_are_refused() {
    let p = probabilities(&vec![0.0; 16_000]);
    assert_eq!(p.len(), 31);
    assert!(p.iter().all(|v| *v < 0.1), "{p:?}");
    let engine = common::engine();
    let mut vad = engine.voice_detector().unwrap();
    let err = vad.push(&[0.0, f32::NAN]).unwrap_err();
    assert_eq!(err.kind(), liveface::ErrorKind::Config);
    // The stream goes on after a refused push.
    assert_eq!(vad.push(&[0.0; 1024]).unwrap().len(), 2);
}

/// Microphone capture (feature `audio`) on whatever this machine has: CI machines have no
/// sound card, so "no microphone" must come back as a typed error or an empty list, never
/// a panic or a hang; a machine with one captures sound on the capture clock.
#[cfg(feature = "audio")]
mod microphone {
    use liveface::audio::{list_microphones, Microphone};
    use liveface::ErrorKind;
    use std::time::Duration;

    #[test]
    fn listing_gives_a_list_or_a_microphone_error() {
        match list_microphones() {
            Ok(list) => {
                eprintln!("microphones: {list:?}");
                assert!(list.iter().all(|m| !m.id.is_empty()), "{list:?}");
                assert!(list.iter().filter(|m| m.default).count() <= 1, "{list:?}");
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Microphone, "{e}"),
        }
    }

    #[test]
    fn an_unknown_microphone_is_a_typed_error() {
        let e = Microphone::open(Some("no such microphone 7294")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Microphone, "{e}");
        assert!(e.to_string().contains("no such microphone 7294"), "{e}");
    }

    #[test]
    fn the_default_microphone_captures_or_says_why_not() {
        let mic = match Microphone::open(None) {
            Ok(m) => m,
            Err(e) => {
                assert!(matches!(e.kind(), ErrorKind::Microphone | ErrorKind::Unsupported), "{e}");
                eprintln!("no default microphone here: {e}");
                return;
            }
        };
        assert!(mic.sample_rate() > 0 && mic.channels() > 0, "{mic:?}");
        let before = liveface::source::capture_clock_us();
        // Whatever comes within a second is mono, at the device's rate, stamped on the
        // capture clock near now; a device that fails says so with a typed error.
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while std::time::Instant::now() < deadline {
            match mic.next_timeout(Duration::from_millis(100)) {
                Ok(Some(c)) => {
                    assert_eq!(c.sample_rate, mic.sample_rate());
                    assert!(c.samples.iter().all(|s| s.is_finite()));
                    assert!(
                        c.t_us > before - 2_000_000 && c.t_us <= liveface::source::capture_clock_us(),
                        "{}",
                        c.t_us
                    );
                }
                Ok(None) => {}
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Microphone, "{e}");
                    return;
                }
            }
        }
    }

    /// ALSA's `null` input (present wherever alsa-lib is, sound card or not) generates
    /// silence: the whole capture path (stream, callback, mix-down, queue, clock) runs.
    #[test]
    fn alsa_null_input_delivers_silence_on_the_capture_clock() {
        let Some(null) = list_microphones().ok().into_iter().flatten().find(|m| m.id == "alsa:null") else {
            eprintln!("SKIPPED (alsa_null_input_delivers_silence_on_the_capture_clock): no ALSA null device");
            return;
        };
        let before = liveface::source::capture_clock_us();
        let mic = Microphone::open(Some(&null.id)).expect("open the null input");
        let mut chunks = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while chunks.len() < 3 && std::time::Instant::now() < deadline {
            if let Some(c) = mic.next_timeout(Duration::from_millis(100)).expect("null input keeps running") {
                chunks.push(c);
            }
        }
        assert!(chunks.len() >= 3, "{} chunks in 2 s from {mic:?}", chunks.len());
        let after = liveface::source::capture_clock_us();
        // The null input is not paced by a clock: it hands several buffers over at once,
        // faster than real time. The stamps must still never repeat or overlap (a lip
        // session drops overlapping sound): each chunk starts where the last ended, and
        // the first one where the capture clock says it was heard.
        let span = |c: &liveface::audio::CapturedAudio| (c.samples.len() as f64 * 1e6 / c.sample_rate as f64) as i64;
        for w in chunks.windows(2) {
            let gap = w[1].t_us - (w[0].t_us + span(&w[0]));
            // 0: back to back; more only after a stall of over 100 ms (the clock again).
            assert!(gap == 0 || gap > 100_000, "{} then {} ({gap} µs after the end)", w[0].t_us, w[1].t_us);
        }
        assert!(
            chunks[0].t_us >= before - 1_000_000 && chunks[0].t_us <= after,
            "{} not in {before}..{after}",
            chunks[0].t_us
        );
        for c in &chunks {
            assert_eq!(c.sample_rate, mic.sample_rate());
            assert!(!c.samples.is_empty() && c.samples.iter().all(|s| *s == 0.0));
            assert_eq!(c.as_chunk().samples.len(), c.samples.len());
        }
    }
}
