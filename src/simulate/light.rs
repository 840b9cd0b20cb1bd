//! The reflection of a light challenge, rendered onto a real clip, and the attacks light
//! mode must stop. A documented simulation, not a dataset: it shows what the decoder can
//! and cannot separate under stated physics, nothing about attacks made with care.
//!
//! **Physics.** A phone or laptop screen 25-40 cm from the face is a broad light source
//! along the camera axis. The light it adds to a skin pixel is
//! `A x display_c x cos(theta) x albedo_c / mean skin_c` grey levels, where `A` is the
//! *amplitude* (the grey-level change of an average skin pixel facing the screen between a
//! white and a black screen), `display_c` the shown channel (0..1), `theta` the angle
//! between the surface normal (from the tracked mesh: each pixel takes the normal of its
//! nearest mesh point) and the camera axis (Lambert), and the pixel's own colour under
//! ambient light stands for its albedo. Typical figures: a phone at full brightness emits
//! 400-600 cd/m2; at 30 cm it adds a few tens of lux to a face that indoor light gives
//! 100-500 lux, i.e. 5-20% of the skin value, 6-30 grey levels on skin around 130: the
//! bona fide target of 6 grey levels is the weak end of that range. The wall behind
//! the person, 4-5 times farther from the screen than the face, receives about
//! 1/16-1/25 of it (inverse square; `background_share` 0.05).
//!
//! **Camera.** The display is seen `lag` later (display refresh + camera pipeline,
//! 60-150 ms on phones; 100 ms ± 15 ms per colour here), integrated over the exposure
//! (half a frame interval: a change mid-exposure mixes two colours). Auto-exposure undoes
//! 30% of the flash's brightness change with a 300 ms time constant and drifts 1%/s;
//! white balance drifts 0.5%/s per channel; sensor noise is Gaussian, sigma 1.5 grey
//! levels; the result is 8-bit. The caller adds frame-rate jitter and the H.264 re-encode.
//!
//! **Attacks.** [`LightAttack::Replay`]: a bona fide face lit by another challenge's
//! colours (the replay of an earlier session). [`LightAttack::Flat`]: a photo or screen
//! held up: a flat rectangle 1.4 x the face, lit uniformly (no normals, no relief).
//! [`LightAttack::NoReflection`]: nothing added (an injected or replayed video).
//! [`LightAttack::Recolour`]: the whole frame tinted with the right colours at the right
//! time (an injection that knows the schedule).

use serde::Serialize;

use crate::checks::light::decode::{facing, mesh_rings};
use crate::checks::light::LightChallenge;

/// What the camera is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LightAttack {
    /// A real face lit by the challenge.
    BonaFide,
    /// A real face lit by another challenge (replay of an earlier session).
    Replay,
    /// A flat picture held to the camera, lit uniformly.
    Flat,
    /// No reflection at all (injected or replayed video).
    NoReflection,
    /// The whole frame recoloured with the challenge's colours.
    Recolour,
}

impl LightAttack {
    /// Every kind, bona fide first.
    pub const ALL: [LightAttack; 5] = [
        LightAttack::BonaFide,
        LightAttack::Replay,
        LightAttack::Flat,
        LightAttack::NoReflection,
        LightAttack::Recolour,
    ];

    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            LightAttack::BonaFide => "bona_fide",
            LightAttack::Replay => "replay",
            LightAttack::Flat => "flat",
            LightAttack::NoReflection => "no_reflection",
            LightAttack::Recolour => "recolour",
        }
    }
}

impl std::str::FromStr for LightAttack {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<LightAttack> {
        LightAttack::ALL.into_iter().find(|a| a.name() == s.replace('-', "_")).ok_or_else(|| {
            crate::Error::new(
                crate::ErrorKind::Config,
                format!("unknown light attack {s:?} (bona_fide, replay, flat, no_reflection, recolour)"),
            )
        })
    }
}

/// Simulation parameters (see the module docs for where the defaults come from).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LightSimConfig {
    /// Grey levels an average skin pixel facing the screen gains from black to white.
    pub amplitude: f32,
    /// What is shown.
    pub attack: LightAttack,
    /// Mean display + camera lag (ms).
    pub lag_ms: f32,
    /// Its spread from colour to colour (ms, Gaussian sigma).
    pub lag_jitter_ms: f32,
    /// Light on the background as a share of the face's.
    pub background_share: f32,
    /// Sensor noise, grey levels (sigma).
    pub noise: f32,
    /// Share of a brightness change the auto-exposure undoes.
    pub ae_compensation: f32,
    /// Auto-exposure time constant (ms).
    pub ae_ms: f32,
    /// Exposure drift (relative, per second).
    pub exposure_drift: f32,
    /// White-balance drift per channel (relative, per second).
    pub wb_drift: f32,
    /// Seed for every random draw.
    pub seed: u64,
}

impl Default for LightSimConfig {
    fn default() -> Self {
        LightSimConfig {
            amplitude: 8.0,
            attack: LightAttack::BonaFide,
            lag_ms: 100.0,
            lag_jitter_ms: 15.0,
            background_share: 0.05,
            noise: 1.5,
            ae_compensation: 0.3,
            ae_ms: 300.0,
            exposure_drift: 0.01,
            wb_drift: 0.005,
            seed: 1,
        }
    }
}

/// Small deterministic generator (SplitMix64) with Gaussian draws.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal.
    pub fn gauss(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-7);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

/// Renders the screen's light onto frames, one after the other.
#[derive(Debug)]
pub struct LightRenderer {
    cfg: LightSimConfig,
    shown: LightChallenge,
    lags_us: Vec<f32>,
    rng: Rng,
    ae: f32,
    drift: f32,
    wb: [f32; 3],
    last_t_us: Option<i64>,
    /// The mesh's point rings, found on the first face (the topology does not change).
    rings: Option<Vec<Vec<usize>>>,
}

impl LightRenderer {
    /// A renderer of `shown` (the colours actually on the screen: for
    /// [`LightAttack::Replay`], another challenge than the one checked).
    pub fn new(shown: LightChallenge, cfg: LightSimConfig) -> LightRenderer {
        let mut rng = Rng::new(cfg.seed);
        let lags_us =
            shown.steps.iter().map(|_| ((cfg.lag_ms + cfg.lag_jitter_ms * rng.gauss()).max(0.0)) * 1000.0).collect();
        LightRenderer { cfg, shown, lags_us, rng, ae: 1.0, drift: 1.0, wb: [1.0; 3], last_t_us: None, rings: None }
    }

    /// The colour (0..1) the camera sees at `t_us` after the schedule's start, averaged
    /// over `exposure_us`.
    pub fn seen(&self, t_us: i64, exposure_us: i64) -> [f32; 3] {
        let n = 4;
        let mut acc = [0.0f32; 3];
        for k in 0..n {
            let t = (t_us - exposure_us * k / n) as f32;
            // The step whose lagged interval contains t; before the first, black.
            let c = self
                .shown
                .steps
                .iter()
                .zip(&self.lags_us)
                .rev()
                .find(|(s, lag)| t >= s.start_ms as f32 * 1000.0 + **lag)
                .map_or([0.0; 3], |(s, _)| s.rgb.map(|v| v as f32 / 255.0));
            let end = self.shown.total_ms() as f32 * 1000.0 + self.lags_us.last().copied().unwrap_or(0.0);
            let c = if t >= end { [0.0; 3] } else { c };
            for i in 0..3 {
                acc[i] += c[i] / n as f32;
            }
        }
        acc
    }

    /// Adds the light of the moment `t_us` (from the schedule's start) to one upright RGB
    /// frame `w x h` whose face has `landmarks` (upright pixels; `None`: no face, only the
    /// background and the camera effects), with `frame_interval_us` between frames.
    pub fn render(
        &mut self,
        rgb: &mut [u8],
        w: usize,
        h: usize,
        landmarks: Option<&[[f32; 3]]>,
        t_us: i64,
        frame_interval_us: i64,
    ) {
        if rgb.len() < w * h * 3 || w == 0 || h == 0 {
            return;
        }
        let cfg = self.cfg;
        let d = match cfg.attack {
            LightAttack::NoReflection => [0.0; 3],
            _ => self.seen(t_us, frame_interval_us / 2),
        };
        let dt = self.last_t_us.map_or(0.0, |l| (t_us - l).max(0) as f32 / 1e6);
        self.last_t_us = Some(t_us);
        // Shading map: per 8x8 cell, the cosine of its nearest mesh point's normal (0 off
        // the face), plus the face box.
        let cell = 8usize;
        let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
        let mut shade = vec![0.0f32; cw * ch];
        let mut skin = [128.0f32; 3];
        if let Some(lm) = landmarks.filter(|l| l.len() >= 468) {
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for p in lm.iter().take(468) {
                x0 = x0.min(p[0]);
                y0 = y0.min(p[1]);
                x1 = x1.max(p[0]);
                y1 = y1.max(p[1]);
            }
            let fw = (x1 - x0).max(1.0);
            let rings = self.rings.get_or_insert_with(|| mesh_rings(lm));
            let normals = facing(lm, rings);
            let reach = fw / 12.0;
            let (mut acc, mut n) = ([0.0f64; 3], 0usize);
            for cy in 0..ch {
                for cx in 0..cw {
                    let (px, py) = ((cx * cell + cell / 2) as f32, (cy * cell + cell / 2) as f32);
                    let k = &mut shade[cy * cw + cx];
                    if cfg.attack == LightAttack::Flat {
                        // A sheet 1.4 x the face, lit uniformly.
                        let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                        if (px - mx).abs() <= 0.7 * fw && (py - my).abs() <= 0.7 * (y1 - y0) {
                            *k = 1.0;
                        }
                    }
                    if px < x0 - reach || px > x1 + reach || py < y0 - reach || py > y1 + reach {
                        continue;
                    }
                    let (mut best, mut bi) = (f32::MAX, 0);
                    for (i, p) in lm.iter().take(468).enumerate() {
                        let dd = (p[0] - px).powi(2) + (p[1] - py).powi(2);
                        if dd < best {
                            best = dd;
                            bi = i;
                        }
                    }
                    if best.sqrt() <= reach {
                        if cfg.attack != LightAttack::Flat {
                            *k = normals[bi];
                        }
                        let o = ((py as usize).min(h - 1) * w + (px as usize).min(w - 1)) * 3;
                        for c in 0..3 {
                            acc[c] += rgb[o + c] as f64;
                        }
                        n += 1;
                    }
                }
            }
            if n > 0 {
                skin = acc.map(|v| (v / n as f64).max(8.0) as f32);
            }
        }
        // Light added per pixel, then the camera's exposure, white balance and noise.
        let bg = match cfg.attack {
            LightAttack::Recolour => 1.0,
            _ => cfg.background_share,
        };
        let mut added_sum = 0.0f64;
        let mut level_sum = 0.0f64;
        let mut out = vec![0.0f32; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let s = if cfg.attack == LightAttack::Recolour { 1.0 } else { shade[(y / cell) * cw + x / cell] };
                let k = s.max(bg);
                let o = (y * w + x) * 3;
                for c in 0..3 {
                    let p = rgb[o + c] as f32;
                    let add = cfg.amplitude * d[c] * k * p / skin[c];
                    out[o + c] = p + add;
                    added_sum += add as f64;
                    level_sum += p as f64;
                }
            }
        }
        // Auto-exposure pulls back part of the brightness change, with a time constant.
        let target = 1.0 - cfg.ae_compensation * (added_sum / level_sum.max(1.0)) as f32;
        let alpha = if dt > 0.0 { 1.0 - (-dt * 1000.0 / cfg.ae_ms.max(1.0)).exp() } else { 1.0 };
        self.ae += (target - self.ae) * alpha;
        self.drift *= 1.0 + cfg.exposure_drift * dt.sqrt() * self.rng.gauss();
        for c in 0..3 {
            self.wb[c] *= 1.0 + cfg.wb_drift * dt.sqrt() * self.rng.gauss();
        }
        let gain = [0, 1, 2].map(|c| self.ae * self.drift * self.wb[c]);
        // Sensor noise: a sum of four uniforms (Irwin-Hall, variance 1/3 each) is close
        // enough to Gaussian for this and far cheaper per pixel.
        let mut x = self.rng.0 | 1;
        let scale = cfg.noise * 3f32.sqrt() / (1u64 << 32) as f32;
        for (i, v) in out.iter().enumerate() {
            let mut u = 0u64;
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                u += x >> 32;
            }
            let g = u as f32 * scale - 2.0 * cfg.noise * 3f32.sqrt();
            let noisy = v * gain[i % 3] + g;
            rgb[i] = noisy.round().clamp(0.0, 255.0) as u8;
        }
        self.rng.0 = x;
    }
}
