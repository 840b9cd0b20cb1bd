//! Blink detection that adapts to the person and the camera.
//!
//! Each eye's open level is the median of its recent open frames, and the person's
//! open-eye noise is the robust spread (1.4826 x median absolute deviation) of the
//! recent open frames' mean ratio to those levels. An eye closure starts when the mean
//! drop below the open level exceeds both a floor and `k` times that noise, with each
//! eye dropping at least a share of it (both eyes agree), quickly (the lids fall within a
//! bounded time from an open frame: a slow lowering of the gaze is not a blink), and only
//! after the eyes have been seen open. It ends when the eyes are back near the level or
//! half-way back from the deepest point. So a shallow blinker with a steady signal gets a
//! low threshold, a noisy low-frame-rate camera a higher one, and a single partially
//! closed frame at 6 fps is enough when it stands out of the noise.

use std::collections::VecDeque;

use super::action::{ActionThresholds, Signals};

/// One blink: start and end (microseconds) and depth (1 - the deepest mean ratio).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Blink {
    pub start_us: i64,
    pub end_us: i64,
    pub depth: f32,
}

/// Closure in progress.
#[derive(Debug, Clone, Copy)]
struct Closure {
    start_us: i64,
    /// Deepest mean drop so far.
    depth: f32,
    /// The open levels when it began.
    level: [f32; 2],
}

/// Causal blink detector over per-eye openness.
#[derive(Debug, Clone)]
pub(crate) struct BlinkDetector {
    th: ActionThresholds,
    /// Calibrated open levels, used until the history has three frames.
    neutral: [f32; 2],
    /// Recent open frames: time and per-eye openness.
    hist: VecDeque<(i64, [f32; 2])>,
    /// Last frame that was clearly open (drop under `OPEN_SHARE` of the threshold).
    last_open_us: Option<i64>,
    /// Time of the previous frame.
    prev_us: Option<i64>,
    closure: Option<Closure>,
    /// End and depth of the last blink.
    last_blink: Option<(i64, f32)>,
}

/// A frame is clearly open when its drop is under this share of the threshold.
const OPEN_SHARE: f32 = 0.75;

/// Weight of the noise prior, in frames.
const NOISE_PRIOR_FRAMES: f32 = 5.0;

fn median(v: &mut [f32]) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

impl BlinkDetector {
    pub(crate) fn new(neutral_eye: f32, th: ActionThresholds) -> Self {
        BlinkDetector {
            th,
            neutral: [neutral_eye; 2],
            hist: VecDeque::new(),
            last_open_us: None,
            prev_us: None,
            closure: None,
            last_blink: None,
        }
    }

    /// Per-eye open levels now.
    pub(crate) fn levels(&self) -> [f32; 2] {
        if self.hist.len() < 3 {
            return self.neutral;
        }
        let mut v: Vec<f32> = Vec::with_capacity(self.hist.len());
        let mut level = [0.0; 2];
        for (k, l) in level.iter_mut().enumerate() {
            v.clear();
            v.extend(self.hist.iter().map(|h| h.1[k]));
            *l = median(&mut v);
        }
        level
    }

    /// The person's open-eye noise: the robust spread (1.4826 MAD) of the history's mean
    /// ratio to `level`, shrunk towards a prior while there are few frames (as if the
    /// prior came from `NOISE_PRIOR_FRAMES` frames), within the configured bounds.
    fn noise(&self, level: [f32; 2]) -> f32 {
        let n = self.hist.len() as f32;
        let prior = self.th.blink_noise_prior;
        let s = if self.hist.len() >= 3 {
            let mut dev: Vec<f32> = self.hist.iter().map(|h| (1.0 - mean_ratio(h.1, level)).abs()).collect();
            1.4826 * median(&mut dev)
        } else {
            prior
        };
        let var = (n * s * s + NOISE_PRIOR_FRAMES * prior * prior) / (n + NOISE_PRIOR_FRAMES);
        var.sqrt().clamp(self.th.blink_noise_min, self.th.blink_noise_max)
    }

    /// The mean drop a closure must exceed now.
    pub(crate) fn threshold(&self) -> f32 {
        let level = self.levels();
        self.th.blink_min_drop.max(self.th.blink_noise_k * self.noise(level))
    }

    /// Feeds one frame; returns the blink that ended on it.
    pub(crate) fn push(&mut self, s: &Signals) -> Option<Blink> {
        let th = self.th;
        let t = s.t_us;
        let dt = self.prev_us.map_or(0, |p| (t - p).max(1));
        self.prev_us = Some(t);
        while self.hist.front().is_some_and(|h| t - h.0 > th.eye_window_ms * 1000) {
            self.hist.pop_front();
        }
        let level = self.levels();
        if level[0] <= 1e-3 || level[1] <= 1e-3 {
            self.hist.push_back((t, s.eyes));
            return None;
        }
        let drops = [1.0 - s.eyes[0] / level[0], 1.0 - s.eyes[1] / level[1]];
        let drop = (drops[0] + drops[1]) / 2.0;
        match self.closure {
            None => {
                let mut need = self.threshold();
                // Just after a blink the lids often settle a little low: a second closure
                // this soon must be nearly as deep as the first.
                if let Some((end, depth)) = self.last_blink {
                    if t - end <= th.blink_refractory_ms * 1000 {
                        need = need.max(th.blink_refractory_depth * depth);
                    }
                }
                let both = drops.iter().all(|d| *d >= th.blink_eye_agree * need);
                // Within the fall time plus one frame: at 7 fps the frame before the closed one
                // may already be half closed.
                let quick = self.last_open_us.is_some_and(|o| t - o <= th.blink_fall_ms * 1000 + dt);
                if drop >= need && both && quick {
                    self.closure = Some(Closure { start_us: t, depth: drop, level });
                } else {
                    // Clearly open; the stream's first frame counts unless it is closed.
                    if drop < OPEN_SHARE * need || (dt == 0 && drop < need) {
                        self.last_open_us = Some(t);
                    }
                    if drop < need {
                        self.hist.push_back((t, s.eyes));
                    }
                }
                None
            }
            Some(c) => {
                let d = 1.0 - mean_ratio(s.eyes, c.level);
                let need = self.threshold();
                // Open again: near the level, or half-way back from the deepest point (a closure
                // starting at once after it must then pass the refractory rule).
                if d <= 0.5 * need || d <= 0.5 * c.depth {
                    self.closure = None;
                    self.hist.push_back((t, s.eyes));
                    self.last_open_us = Some(t);
                    if t - c.start_us <= th.max_close_ms * 1000 {
                        self.last_blink = Some((t, c.depth));
                        return Some(Blink { start_us: c.start_us, end_us: t, depth: c.depth });
                    }
                    return None;
                }
                self.closure = Some(Closure { depth: c.depth.max(d), ..c });
                None
            }
        }
    }
}

fn mean_ratio(eyes: [f32; 2], level: [f32; 2]) -> f32 {
    (eyes[0] / level[0] + eyes[1] / level[1]) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs per-eye openness pairs `dt_ms` apart; returns the blinks.
    fn run(th: ActionThresholds, dt_ms: i64, eyes: &[[f32; 2]]) -> Vec<Blink> {
        let mut d = BlinkDetector::new(0.3, th);
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
            out.extend(d.push(&s));
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
        assert!(b[0].depth > 0.14 && b[0].depth < 0.2, "{b:?}");
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
            eyes.iter().enumerate().map(|(k, e)| { let f = 1.0 + 0.1 * jitter(k * 3 + 1); [e[0] * f, e[1] * f] }).collect()
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
}
