//! The blink detector's behaviours, through the public `ActionDetector`: a shallow
//! blinker, a noisy camera, one frame at 6 fps, one eye, a slow droop, a stream that
//! starts mid-blink, lids settling after a blink.

use super::action::{Action, ActionDetector, ActionEvent, ActionThresholds, Baseline, Signals};

/// Runs per-eye openness pairs `dt_ms` apart; returns the blinks.
fn run(th: ActionThresholds, dt_ms: i64, eyes: &[[f32; 2]]) -> Vec<ActionEvent> {
    let mut d = ActionDetector::new(Baseline { eye: 0.3, mouth: 0.05, yaw: 0.0, pitch: 0.0 }, th);
    let mut out = Vec::new();
    for (k, e) in eyes.iter().enumerate() {
        let s = Signals {
            t_us: k as i64 * dt_ms * 1000,
            eye: (e[0] + e[1]) / 2.0,
            eyes: *e,
            mouth: 0.05,
            yaw: 0.0,
            pitch: 0.0,
        };
        out.extend(d.push(&s).into_iter().filter(|e| e.action == Action::Blink));
    }
    out
}

/// Deterministic jitter in [-1, 1].
fn jitter(k: usize) -> f32 {
    ((k * 7919 % 97) as f32 / 48.0) - 1.0
}

fn open(n: usize, level: f32, noise: f32, from: usize) -> Vec<[f32; 2]> {
    (from..from + n).map(|k| [level * (1.0 + noise * jitter(k)), level * (1.0 + noise * jitter(k + 31))]).collect()
}

#[test]
fn a_shallow_blinker_with_a_steady_signal_is_seen() {
    // Open at 0.30 +-1%; the blink only reaches 0.25 (a 17% drop) for two frames.
    let mut eyes = open(60, 0.30, 0.01, 0);
    eyes.extend([[0.27, 0.27], [0.25, 0.25], [0.25, 0.26], [0.29, 0.29]]);
    eyes.extend(open(30, 0.30, 0.01, 100));
    let b = run(ActionThresholds::default(), 33, &eyes);
    assert_eq!(b.len(), 1, "{b:?}");
    assert!(b[0].score > 0.14 && b[0].score < 0.2, "{b:?}");
}

#[test]
fn a_noisy_camera_raises_the_threshold() {
    // The same 13% dip counts on a steady signal (+-1%) ...
    let dip = |noise: f32| {
        let mut eyes = open(60, 0.30, noise, 0);
        eyes.push([0.261, 0.261]);
        eyes.extend(open(20, 0.30, noise, 200));
        eyes
    };
    assert_eq!(run(ActionThresholds::default(), 140, &dip(0.01)).len(), 1);
    // ... but not under +-10% exposure flicker (both eyes together), where dips of up to
    // 10% are noise and none of them counts either.
    let flicker = |eyes: Vec<[f32; 2]>| -> Vec<[f32; 2]> {
        eyes.iter()
            .enumerate()
            .map(|(k, e)| {
                let f = 1.0 + 0.1 * jitter(k * 3 + 1);
                [e[0] * f, e[1] * f]
            })
            .collect()
    };
    assert!(run(ActionThresholds::default(), 140, &flicker(open(80, 0.30, 0.0, 0))).is_empty());
    let mut eyes = flicker(open(60, 0.30, 0.0, 0));
    eyes.push([0.261, 0.261]);
    eyes.extend(flicker(open(20, 0.30, 0.0, 200)));
    assert!(run(ActionThresholds::default(), 140, &eyes).is_empty());
    // A real blink (50% down in one frame) still counts.
    eyes.push([0.15, 0.14]);
    eyes.extend(flicker(open(20, 0.30, 0.0, 300)));
    assert_eq!(run(ActionThresholds::default(), 140, &eyes).len(), 1);
}

#[test]
fn one_partially_closed_frame_at_6_fps_is_a_blink() {
    let mut eyes = open(20, 0.30, 0.02, 0);
    eyes.push([0.22, 0.21]); // 28% down: the frame caught the lids half-way
    eyes.extend(open(10, 0.30, 0.02, 50));
    let b = run(ActionThresholds::default(), 167, &eyes);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].start_us, 20 * 167_000);
}

#[test]
fn one_eye_alone_is_not_a_blink() {
    // A wink (or one eye lost to a reflection on glasses): one eye 60% down, the other
    // steady.
    let mut eyes = open(30, 0.30, 0.01, 0);
    eyes.extend([[0.12, 0.30], [0.10, 0.30], [0.29, 0.30]]);
    eyes.extend(open(20, 0.30, 0.01, 50));
    assert!(run(ActionThresholds::default(), 33, &eyes).is_empty());
}

#[test]
fn slowly_lowered_lids_are_not_a_blink() {
    // Tiredness or a slowly lowered gaze: the openness sinks 30% over 3 s and comes back
    // over 3 s (a blink's lids fall within about 100 ms).
    let mut eyes = open(30, 0.30, 0.01, 0);
    for k in 0..180 {
        let f = 1.0 - 0.3 * (k as f32 / 179.0 * std::f32::consts::PI).sin();
        eyes.push([0.30 * f, 0.30 * f]);
    }
    eyes.extend(open(30, 0.30, 0.01, 200));
    assert!(run(ActionThresholds::default(), 33, &eyes).is_empty());
}

#[test]
fn eyes_that_only_open_at_the_start_and_a_settling_lid_are_not_extra_blinks() {
    // The stream starts with the eyes closed and opening (no open frame before it).
    let mut eyes = vec![[0.08, 0.08], [0.12, 0.12], [0.2, 0.2]];
    eyes.extend(open(40, 0.30, 0.01, 0));
    assert!(run(ActionThresholds::default(), 33, &eyes).is_empty());
    // A blink, then the lids settle 15% low for a moment: one blink.
    eyes.extend([[0.12, 0.12], [0.05, 0.05], [0.2, 0.2], [0.25, 0.25], [0.28, 0.28]]);
    eyes.extend([[0.255, 0.255], [0.25, 0.25], [0.255, 0.255], [0.29, 0.29]]);
    eyes.extend(open(30, 0.30, 0.01, 100));
    let b = run(ActionThresholds::default(), 33, &eyes);
    assert_eq!(b.len(), 1, "{b:?}");
}

#[test]
fn one_eye_jittering_half_way_open_mid_blink_does_not_split_it() {
    // 30 fps; the lids close for 8 frames, but one frame in the middle the left eye (a
    // glasses reflection) reads nearly open, pulling the mean half-way back.
    let blink =
        [[0.2, 0.22], [0.11, 0.10], [0.18, 0.27], [0.18, 0.2], [0.2, 0.07], [0.2, 0.15], [0.25, 0.26], [0.29, 0.3]];
    let mut eyes = open(60, 0.30, 0.01, 0);
    eyes.extend(blink);
    eyes.extend(open(40, 0.30, 0.01, 100));
    let b = run(ActionThresholds::default(), 33, &eyes);
    assert_eq!(b.len(), 1, "{b:?}");
}

#[test]
fn a_double_blink_counts_twice() {
    // The lids come back to 70% open between two blinks, and the second one goes deeper
    // than the first: two blinks, even though the eyes were never clearly open between.
    let double = [
        [0.15, 0.18],
        [0.06, 0.1],
        [0.12, 0.16],
        [0.2, 0.23],
        [0.2, 0.24],
        [0.15, 0.2],
        [0.04, 0.03],
        [0.1, 0.15],
        [0.22, 0.25],
        [0.29, 0.3],
    ];
    let mut eyes = open(60, 0.30, 0.01, 0);
    eyes.extend(double);
    eyes.extend(open(40, 0.30, 0.01, 100));
    assert_eq!(run(ActionThresholds::default(), 40, &eyes).len(), 2);
    // At 7.5 fps: closed, half open, closed again: the frames are too far apart for the
    // second closure to be the same movement.
    let mut eyes = open(20, 0.30, 0.01, 0);
    eyes.extend([[0.08, 0.08], [0.2, 0.2], [0.1, 0.1], [0.29, 0.3]]);
    eyes.extend(open(20, 0.30, 0.01, 100));
    assert_eq!(run(ActionThresholds::default(), 133, &eyes).len(), 2);
}
