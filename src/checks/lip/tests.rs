//! The digit decision on synthetic signals: each reason, in the order they are checked.

use super::*;
use crate::checks::AudioChunk;

const SYL: [f64; 10] = [0.30, 0.62, 0.85, 1.30, 1.52, 1.95, 2.20, 2.71, 2.95, 3.40];

fn bump(t: f64, c: f64) -> f64 {
    (-((t - c) / 0.06).powi(2)).exp()
}

/// 5 s at 30 fps: the mouth opens on the syllables (or stays at `still` when given).
fn frames(still: Option<f32>, face: bool) -> Vec<(i64, Option<f32>)> {
    (0..150)
        .map(|k| {
            let t = k as f64 / 30.0;
            let m = still.unwrap_or_else(|| (SYL.iter().map(|c| bump(t, *c)).sum::<f64>() * 0.3) as f32);
            (k as i64 * 33_333, face.then_some(m))
        })
        .collect()
}

/// The voice, loud on the syllables `delay_ms` later, at `gain`.
fn audio(delay_ms: i64, gain: f64) -> Vec<f32> {
    (0..16_000 * 5)
        .map(|i| {
            let t = i as f64 / 16_000.0 - delay_ms as f64 / 1e3;
            (gain * SYL.iter().map(|c| bump(t, *c)).sum::<f64>() * (std::f64::consts::TAU * 180.0 * t).sin()) as f32
        })
        .collect()
}

/// Voice chunks: speech probability 0.9 where the voice is, 0.05 elsewhere (as the voice
/// model would score them).
fn chunks(delay_ms: i64, voiced: bool) -> Vec<(i64, f32)> {
    (0..156)
        .map(|k| {
            let t = k as i64 * 32_000;
            let s = (t as f64 + 16_000.0) / 1e6 - delay_ms as f64 / 1e3;
            (t, if voiced && s > 0.2 && s < 3.55 { 0.9 } else { 0.05 })
        })
        .collect()
}

fn decide(ch: &[(i64, f32)], a: &[f32], f: &[(i64, Option<f32>)]) -> LipReport {
    analyse("7294", &LipThresholds::default(), ch, a, 0, f, false)
}

#[test]
fn a_face_saying_something_in_step_passes() {
    let r = decide(&chunks(0, true), &audio(0, 0.3), &frames(None, true));
    assert!(r.passed, "{r:?}");
    let s = r.sync.unwrap();
    assert!(s.offset_ms.abs() <= 40 && s.correlation > 0.7, "{s:?}");
    assert_eq!(r.speech_segments, 1);
}

#[test]
fn each_failure_has_its_reason() {
    let (f, a) = (frames(None, true), audio(0, 0.3));
    assert_eq!(decide(&chunks(0, false), &vec![0.0; a.len()], &f).reason, Some(Reason::LipVoiceDetect));
    assert_eq!(decide(&chunks(0, true), &audio(0, 0.001), &f).reason, Some(Reason::LipVoiceLow));
    let short: Vec<(i64, f32)> =
        chunks(0, true).into_iter().map(|(t, p)| (t, if t < 500_000 { p } else { 0.05 })).collect();
    assert_eq!(decide(&short, &a, &f).reason, Some(Reason::LipVoiceDetect), "under 0.5 s of speech");
    let gappy: Vec<(i64, f32)> =
        chunks(0, true).into_iter().map(|(t, p)| (t, if (t / 32_000) % 12 < 5 { p } else { 0.05 })).collect();
    assert_eq!(decide(&gappy, &a, &f).reason, Some(Reason::LipSizeError), "nine bursts are not four digits");
    assert_eq!(decide(&chunks(0, true), &a, &frames(None, false)).reason, Some(Reason::LipFaceIncomplete));
    assert_eq!(decide(&chunks(0, true), &a, &frames(Some(0.02), true)).reason, Some(Reason::LipMoveSmall));
    let shifted = decide(&chunks(300, true), &audio(300, 0.3), &f);
    assert_eq!(shifted.reason, Some(Reason::LipOutOfSync), "{:?}", shifted.sync);
    assert!(!analyse("7294", &LipThresholds::default(), &chunks(0, true), &a, 0, &f, true).passed);
}

#[test]
fn the_offset_window_leans_toward_a_late_voice() {
    // ITU-R BT.1359's acceptability window: sound up to 185 ms late, 90 ms early.
    let f = frames(None, true);
    let late = decide(&chunks(160, true), &audio(160, 0.3), &f);
    assert!(late.passed, "160 ms late: {:?}", late.sync);
    let early = decide(&chunks(-160, true), &audio(-160, 0.3), &f);
    assert_eq!(early.reason, Some(Reason::LipOutOfSync), "160 ms early: {:?}", early.sync);
    let very_late = decide(&chunks(240, true), &audio(240, 0.3), &f);
    assert_eq!(very_late.reason, Some(Reason::LipOutOfSync), "240 ms late: {:?}", very_late.sync);
}

#[test]
fn a_mouth_that_goes_on_talking_in_silence_is_not_the_voice_s() {
    let (ch, a) = (chunks(0, true), audio(0, 0.3));
    let ok = decide(&ch, &a, &frames(None, true));
    assert!(ok.passed && ok.silence_motion.is_some_and(|m| m < 0.2), "{ok:?}");
    // The same, but the mouth keeps moving for a second after the voice stops.
    let f: Vec<(i64, Option<f32>)> = frames(None, true)
        .into_iter()
        .map(|(t, m)| {
            let s = t as f64 / 1e6;
            (t, m.map(|m| m + ([4.0, 4.3, 4.55, 4.8].iter().map(|c| bump(s, *c)).sum::<f64>() * 0.3) as f32))
        })
        .collect();
    let r = decide(&ch, &a, &f);
    assert!(r.sync.is_some_and(|s| s.correlation > 0.5), "still in step where both speak: {r:?}");
    assert_eq!(r.reason, Some(Reason::LipOutOfSync), "{r:?}");
    assert!(r.silence_motion.is_some_and(|m| m > 0.5), "{r:?}");
}

#[test]
fn a_voice_whose_span_is_not_the_mouth_s_is_out_of_sync() {
    // The envelope in step with the mouth (as a rhythmic sentence can be a period off),
    // but the voice model hears the speech 500 ms later than the mouth moves.
    let f = frames(None, true);
    let r = decide(&chunks(500, true), &audio(0, 0.3), &f);
    let s = r.sync.expect("sync");
    assert!(s.correlation >= 0.3 && (-90..=185).contains(&s.offset_ms), "sync passes on its own: {s:?}");
    let a = r.span.expect("span");
    assert!(a.at_sync_offset < 0.85 * a.best && (a.best_offset_ms - 500).abs() <= 100, "{a:?}");
    assert_eq!(r.reason, Some(Reason::LipOutOfSync), "{r:?}");
    // In step, the span lines up at the sync offset.
    let ok = decide(&chunks(0, true), &audio(0, 0.3), &f);
    assert!(ok.passed && ok.span.is_some_and(|a| a.at_sync_offset >= 0.95 * a.best), "{ok:?}");
}

fn chunk(samples: &[f32], t_us: i64) -> AudioChunk<'_> {
    AudioChunk { samples, sample_rate: 16_000, t_us }
}

#[test]
fn audio_chunks_are_placed_on_the_timeline_whatever_their_timestamps() {
    let mut c = LipCheck::new(None, "7294", LipThresholds::default());
    c.on_audio(&chunk(&[0.1; 1600], 1_000_000)); // 100 ms from t = 1 s
    c.on_audio(&chunk(&[0.2; 1600], 1_050_000)); // overlaps by 50 ms: only the new half
    assert_eq!(c.audio.len(), 2400);
    c.on_audio(&chunk(&[f32::NAN, 7.0, -7.0], 1_200_000)); // 50 ms gap, then bad samples
    assert_eq!(c.audio.len(), 3200 + 3);
    assert_eq!(&c.audio[3200..], &[0.0, 1.0, -1.0]);
    // A wild timestamp adds at most MAX_GAP_S of silence, not gigabytes.
    c.on_audio(&chunk(&[0.1; 16], i64::MAX / 2));
    assert_eq!(c.audio.len(), 3203 + MAX_GAP_S * 16_000 + 16);
    c.on_audio(&chunk(&[0.1; 16], i64::MIN / 2)); // before the start: all overlap
    assert_eq!(c.audio.len(), 3203 + MAX_GAP_S * 16_000 + 16);
}
