//! Blink detection that adapts to the person and the camera.
//!
//! Each eye's open level is the median of its recent open frames (capped by the median of
//! a longer history, so eyes widened for a moment do not make their return to normal look
//! like a closure), and the person's open-eye noise is the robust spread (1.4826 x median
//! absolute deviation) of the open frames' mean ratio to those levels over the longer
//! history. An eye closure starts when the mean drop below the open level exceeds both a
//! floor and `k` times that noise, with each eye dropping at least a share of it (both
//! eyes agree), quickly (the lids fall within a bounded time from an open frame: a slow
//! lowering of the gaze is not a blink), and only after the eyes have been seen open. It
//! ends when the eyes are back near the level or half-way back from the deepest point;
//! lids closing again within 100 ms, before the eyes were clearly open and no deeper than
//! that blink went, continue it (one eye's jitter behind glasses splits no blink).
//! So a shallow blinker with a steady signal gets a low threshold, an expressive face or a
//! noisy low-frame-rate camera a higher one, and a single partially closed frame at 6 fps
//! is enough when it stands out of the noise.

use std::collections::VecDeque;

/// The detector's numbers (documented on [`super::action::ActionThresholds`], which
/// holds their defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BlinkParams {
    pub min_drop: f32,
    pub noise_k: f32,
    pub noise_prior: f32,
    pub noise_min: f32,
    pub noise_max: f32,
    pub eye_agree: f32,
    pub fall_ms: i64,
    pub refractory_ms: i64,
    pub refractory_depth: f32,
    pub window_ms: i64,
    pub long_window_ms: i64,
    pub max_close_ms: i64,
}

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
    /// The lids closed again before the eyes were seen clearly open after the previous
    /// blink: the same blink, already reported.
    continued: bool,
}

/// Causal blink detector over per-eye openness.
#[derive(Debug, Clone)]
pub(crate) struct BlinkDetector {
    th: BlinkParams,
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
    /// A clearly open frame was seen since the last blink ended.
    reopened: bool,
}

/// A frame is clearly open when its drop is under this share of the threshold.
const OPEN_SHARE: f32 = 0.75;

/// Lids closing again this soon after a blink ended half-way back, before the eyes were
/// clearly open, are the same blink: closing and reopening take longer than this (a real
/// second blink needs the lids up and down again). At 7.5 fps the next frame is already
/// later, so a double blink seen as closed-half-closed-closed still counts twice.
const CONTINUE_MS: i64 = 100;

/// Weight of the noise prior, in frames.
const NOISE_PRIOR_FRAMES: f32 = 5.0;

fn median(v: &mut [f32]) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

impl BlinkDetector {
    pub(crate) fn new(neutral_eye: f32, th: BlinkParams) -> Self {
        BlinkDetector {
            th,
            neutral: [neutral_eye; 2],
            hist: VecDeque::new(),
            last_open_us: None,
            prev_us: None,
            closure: None,
            last_blink: None,
            reopened: true,
        }
    }

    /// Per-eye open levels now.
    pub(crate) fn levels(&self) -> [f32; 2] {
        let recent = self.recent();
        if recent.len() < 3 {
            return self.neutral;
        }
        let mut v: Vec<f32> = Vec::with_capacity(self.hist.len());
        let mut level = [0.0; 2];
        for (k, l) in level.iter_mut().enumerate() {
            v.clear();
            v.extend(recent.iter().map(|h| h.1[k]));
            *l = median(&mut v);
            // Eyes widened for a moment (surprise, a glance up) lift the recent level;
            // back to normal is not a closure: the longer history's level caps it.
            if self.th.long_window_ms > self.th.window_ms {
                v.clear();
                v.extend(self.hist.iter().map(|h| h.1[k]));
                *l = l.min(median(&mut v));
            }
        }
        level
    }

    /// The open frames of the last `window_ms`.
    fn recent(&self) -> Vec<(i64, [f32; 2])> {
        let now = self.prev_us.unwrap_or(i64::MIN);
        self.hist.iter().filter(|h| now - h.0 <= self.th.window_ms * 1000).copied().collect()
    }

    /// The person's open-eye noise: the robust spread (1.4826 MAD) of the history's mean
    /// ratio to `level`, shrunk towards a prior while there are few frames (as if the
    /// prior came from `NOISE_PRIOR_FRAMES` frames), within the configured bounds.
    fn noise(&self, level: [f32; 2]) -> f32 {
        // Over the long history when there is one: a face whose openness wanders with
        // expression for seconds has that much noise, even if the last second was calm.
        let recent: Vec<(i64, [f32; 2])> = if self.th.long_window_ms > self.th.window_ms {
            self.hist.iter().copied().collect()
        } else {
            self.recent()
        };
        let n = recent.len() as f32;
        let prior = self.th.noise_prior;
        let s = if recent.len() >= 3 {
            let mut dev: Vec<f32> = recent.iter().map(|h| (1.0 - mean_ratio(h.1, level)).abs()).collect();
            1.4826 * median(&mut dev)
        } else {
            prior
        };
        let var = (n * s * s + NOISE_PRIOR_FRAMES * prior * prior) / (n + NOISE_PRIOR_FRAMES);
        var.sqrt().clamp(self.th.noise_min, self.th.noise_max)
    }

    /// The mean drop a closure must exceed now, given this frame's `levels()`.
    fn threshold(&self, level: [f32; 2]) -> f32 {
        self.th.min_drop.max(self.th.noise_k * self.noise(level))
    }

    /// Feeds one frame (time, each eye's openness); returns the blink that ended on it.
    pub(crate) fn push(&mut self, t: i64, eyes: [f32; 2]) -> Option<Blink> {
        let th = self.th;
        let dt = self.prev_us.map_or(0, |p| (t - p).max(1));
        self.prev_us = Some(t);
        while self.hist.front().is_some_and(|h| t - h.0 > th.window_ms.max(th.long_window_ms) * 1000) {
            self.hist.pop_front();
        }
        let level = self.levels();
        if level[0] <= 1e-3 || level[1] <= 1e-3 {
            self.hist.push_back((t, eyes));
            return None;
        }
        let drops = [1.0 - eyes[0] / level[0], 1.0 - eyes[1] / level[1]];
        let drop = (drops[0] + drops[1]) / 2.0;
        match self.closure {
            None => {
                let mut need = self.threshold(level);
                // Just after a blink the lids often settle a little low: a second closure
                // this soon must be nearly as deep as the first.
                if let Some((end, depth)) = self.last_blink {
                    if t - end <= th.refractory_ms * 1000 {
                        need = need.max(th.refractory_depth * depth);
                    }
                }
                let both = drops.iter().all(|d| *d >= th.eye_agree * need);
                // Within the fall time plus one frame: at 7 fps the frame before the closed one
                // may already be half closed.
                let quick = self.last_open_us.is_some_and(|o| t - o <= th.fall_ms * 1000 + dt);
                if drop >= need && both && quick {
                    // A blink ends half-way back from its deepest point; lids that close
                    // again before the eyes were clearly open (a noisy signal, glasses)
                    // are the same blink, not a second one.
                    let continued =
                        !self.reopened && self.last_blink.is_some_and(|(end, _)| t - end <= CONTINUE_MS * 1000);
                    self.closure = Some(Closure { start_us: t, depth: drop, level, continued });
                } else {
                    // Clearly open; the stream's first frame counts unless it is closed.
                    if drop < OPEN_SHARE * need || (dt == 0 && drop < need) {
                        self.last_open_us = Some(t);
                        self.reopened = true;
                    }
                    if drop < need {
                        self.hist.push_back((t, eyes));
                    }
                }
                None
            }
            Some(c) => {
                let d = 1.0 - mean_ratio(eyes, c.level);
                let need = self.threshold(level);
                // Open again: near the level, or half-way back from the deepest point (a closure
                // starting at once after it must then pass the refractory rule).
                if d <= 0.5 * need || d <= 0.5 * c.depth {
                    self.closure = None;
                    self.hist.push_back((t, eyes));
                    self.last_open_us = Some(t);
                    self.reopened = d < OPEN_SHARE * need;
                    let first = self.last_blink.map_or(0.0, |(_, depth)| depth);
                    if c.continued && c.depth <= first {
                        // Part of the blink already reported (the lids went no deeper than
                        // they did in it): extend it.
                        self.last_blink = Some((t, first));
                        return None;
                    }
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
