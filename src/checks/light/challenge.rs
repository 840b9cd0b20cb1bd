//! The light challenge: a sequence of full-screen colours and their durations, derived
//! from a nonce through HMAC-SHA256, so the same nonce always gives the same schedule and
//! nobody can predict it without the nonce.
//!
//! **Photosensitivity.** Every schedule is checked against WCAG 2.1 success criterion
//! 2.3.1 ("Three Flashes or Below Threshold"), which a full-screen colour change always
//! falls under (it is far larger than the small-area exemption): a *general flash* is a
//! pair of opposing changes in relative luminance of 10% or more where the darker state is
//! below 0.80, and a *red flash* is any pair of opposing transitions involving a saturated
//! red (R / (R + G + B) >= 0.8). We allow no saturated red in a palette at all, and count
//! the luminance transitions in every one-second window: at most 6 (three flashes). With
//! the default minimum of 300 ms a colour there are at most 4 changes (two flashes) in
//! any second. [`LightChallenge::from_nonce`] refuses a configuration that breaks the
//! rule, so no palette or timing change can produce a schedule that does.

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};

/// How challenges are generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LightChallengeConfig {
    /// Colours after the lead-in (default 10: with 8, about 1 replay of another schedule
    /// in 100 lines up with the check's by chance; with 10, under 1 in 3000).
    pub steps: usize,
    /// Shortest time a colour is shown (ms, default 250, the least allowed: at most two
    /// flashes a second).
    pub step_ms: u32,
    /// Each colour is shown `step_ms` plus up to this much more, chosen by the PRF (ms,
    /// default 100): the timing is as unpredictable as the colours.
    pub jitter_ms: u32,
    /// Black shown before the first colour (ms, default 400): the ambient baseline and the
    /// time the camera needs to settle.
    pub lead_ms: u32,
    /// The colours to choose from (display RGB; at least 3; no saturated red).
    pub palette: Vec<[u8; 3]>,
}

impl Default for LightChallengeConfig {
    fn default() -> Self {
        LightChallengeConfig {
            steps: 10,
            step_ms: 250,
            jitter_ms: 100,
            lead_ms: 400,
            palette: DEFAULT_PALETTE.to_vec(),
        }
    }
}

/// White, black, blue, green, yellow, cyan, magenta: every channel on and off, no red
/// alone (a saturated red flash is what WCAG singles out).
pub const DEFAULT_PALETTE: [[u8; 3]; 7] =
    [[255, 255, 255], [0, 0, 0], [0, 0, 255], [0, 255, 0], [255, 255, 0], [0, 255, 255], [255, 0, 255]];

/// One colour of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LightStep {
    /// Position in the schedule (0 is the black lead-in).
    pub index: usize,
    /// Display colour, 8-bit RGB.
    pub rgb: [u8; 3],
    /// Start, ms from the schedule's start.
    pub start_ms: u32,
    /// How long it is shown (ms).
    pub duration_ms: u32,
}

/// A colour schedule for the app's screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LightChallenge {
    /// The nonce it was derived from, hex.
    pub nonce_hex: String,
    /// Derivation version (`liveface/light/v1`).
    pub version: &'static str,
    /// The colours in order, the black lead-in first.
    pub steps: Vec<LightStep>,
}

const VERSION: &str = "liveface/light/v1";

/// Relative luminance (WCAG 2.x) of an 8-bit sRGB colour.
pub fn relative_luminance(rgb: [u8; 3]) -> f32 {
    let lin = |v: u8| {
        let c = v as f32 / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// Whether a colour is a saturated red in WCAG's sense (R / (R + G + B) >= 0.8).
pub fn is_saturated_red(rgb: [u8; 3]) -> bool {
    let sum = rgb.iter().map(|v| *v as u32).sum::<u32>();
    sum > 0 && rgb[0] as f32 / sum as f32 >= 0.8
}

/// The most luminance transitions of a schedule in any one-second window (a general
/// flash is two of them), as WCAG 2.3.1 counts them.
pub fn max_transitions_per_second(steps: &[LightStep]) -> usize {
    let mut at: Vec<u32> = Vec::new();
    for w in steps.windows(2) {
        let (a, b) = (relative_luminance(w[0].rgb), relative_luminance(w[1].rgb));
        if (a - b).abs() >= 0.1 && a.min(b) < 0.8 {
            at.push(w[1].start_ms);
        }
    }
    (0..at.len()).map(|i| at[i..].iter().take_while(|t| **t < at[i] + 1000).count()).max().unwrap_or(0)
}

impl LightChallenge {
    /// The schedule for a nonce (server bytes, or [`LightChallenge::random`]).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for an empty nonce or a configuration that could break the
    /// photosensitivity rule (saturated red in the palette, colours shorter than 250 ms,
    /// more than three flashes in a second), fewer than 3 colours or 2..=32 steps.
    pub fn from_nonce(nonce: &[u8], cfg: &LightChallengeConfig) -> Result<LightChallenge> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, m));
        if nonce.is_empty() || nonce.len() > 1024 {
            return bad(format!("a light challenge nonce has 1 to 1024 bytes, got {}", nonce.len()));
        }
        if !(2..=32).contains(&cfg.steps) {
            return bad(format!("a light challenge has 2 to 32 colours, got {}", cfg.steps));
        }
        if cfg.palette.len() < 3 {
            return bad(format!("a light palette needs at least 3 colours, got {}", cfg.palette.len()));
        }
        if let Some(red) = cfg.palette.iter().find(|c| is_saturated_red(**c)) {
            return bad(format!("{red:?} is a saturated red: not allowed in a flashing palette (WCAG 2.3.1)"));
        }
        if cfg.step_ms < 250 || cfg.jitter_ms > 2_000 || cfg.lead_ms > 5_000 {
            return bad(format!(
                "light timing out of range: step {} ms (>= 250), jitter {} ms (<= 2000), lead-in {} ms (<= 5000)",
                cfg.step_ms, cfg.jitter_ms, cfg.lead_ms
            ));
        }
        let mut prf = Prf::new(nonce);
        // Draw until every channel is both on and off somewhere (the decoder needs each
        // channel to move); the PRF stream makes the retry deterministic.
        for _ in 0..64 {
            let mut steps = vec![LightStep { index: 0, rgb: [0, 0, 0], start_ms: 0, duration_ms: cfg.lead_ms }];
            let mut t = cfg.lead_ms;
            for i in 1..=cfg.steps {
                let prev = steps[i - 1].rgb;
                let rgb = loop {
                    let c = cfg.palette[prf.below(cfg.palette.len() as u32) as usize];
                    if c != prev {
                        break c;
                    }
                };
                let duration_ms = cfg.step_ms + prf.below(cfg.jitter_ms + 1);
                steps.push(LightStep { index: i, rgb, start_ms: t, duration_ms });
                t += duration_ms;
            }
            let varied =
                (0..3).all(|c| steps[1..].iter().any(|s| s.rgb[c] >= 128) && steps[1..].iter().any(|s| s.rgb[c] < 128));
            if !varied {
                continue;
            }
            if max_transitions_per_second(&steps) > 6 {
                return bad("this timing allows more than three flashes in a second (WCAG 2.3.1)".into());
            }
            return Ok(LightChallenge { nonce_hex: hex(nonce), version: VERSION, steps });
        }
        bad("this palette cannot vary every colour channel".into())
    }

    /// As [`LightChallenge::from_nonce`] with the nonce given as hex.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for bad hex, and as `from_nonce`.
    pub fn from_hex(nonce_hex: &str, cfg: &LightChallengeConfig) -> Result<LightChallenge> {
        let s = nonce_hex.trim();
        if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::new(ErrorKind::Config, format!("challenge nonce {s:?} is not hex")));
        }
        let bytes: Vec<u8> =
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_default()).collect();
        LightChallenge::from_nonce(&bytes, cfg)
    }

    /// A challenge from 16 fresh random bytes (the operating system's generator, for a
    /// session without a server nonce).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when no randomness can be read, and as `from_nonce`.
    pub fn random(cfg: &LightChallengeConfig) -> Result<LightChallenge> {
        LightChallenge::from_nonce(&os_random_16()?, cfg)
    }

    /// Whole schedule length (ms), lead-in included.
    pub fn total_ms(&self) -> u32 {
        self.steps.last().map_or(0, |s| s.start_ms + s.duration_ms)
    }

    /// The step shown at `ms` from the start (`None` outside the schedule).
    pub fn step_at(&self, ms: f64) -> Option<&LightStep> {
        if ms < 0.0 {
            return None;
        }
        self.steps.iter().find(|s| ms < (s.start_ms + s.duration_ms) as f64 && ms >= s.start_ms as f64)
    }
}

/// HMAC-SHA256 in counter mode: block k = HMAC(key, nonce || k).
struct Prf {
    nonce: Vec<u8>,
    counter: u32,
    block: Vec<u8>,
    pos: usize,
}

impl Prf {
    fn new(nonce: &[u8]) -> Prf {
        Prf { nonce: nonce.to_vec(), counter: 0, block: Vec::new(), pos: 0 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.pos + 4 > self.block.len() {
            let mut msg = self.nonce.clone();
            msg.extend_from_slice(&self.counter.to_be_bytes());
            self.block = crate::crypto::hmac_sha256(VERSION.as_bytes(), &msg);
            self.counter += 1;
            self.pos = 0;
        }
        let b = &self.block[self.pos..self.pos + 4];
        self.pos += 4;
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Uniform in 0..n (rejection sampling, no modulo bias).
    fn below(&mut self, n: u32) -> u32 {
        let n = n.max(1);
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let v = self.next_u32();
            if v < zone {
                return v % n;
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn os_random_16() -> Result<[u8; 16]> {
    use std::io::Read;
    let mut out = [0u8; 16];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut out)).map(|_| out).or_else(|_| {
        // No /dev/urandom (Windows): the standard library's randomly keyed hasher, seeded
        // from the operating system, mixed with the time.
        use std::hash::{BuildHasher, Hasher};
        let mut v = [0u8; 16];
        for (k, chunk) in v.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(k);
            h.write_u128(
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        Ok(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_nonce_gives_the_same_schedule_and_another_does_not() {
        let cfg = LightChallengeConfig::default();
        let a = LightChallenge::from_nonce(b"session-42", &cfg).unwrap();
        assert_eq!(a, LightChallenge::from_nonce(b"session-42", &cfg).unwrap());
        assert_eq!(a, LightChallenge::from_hex(&hex(b"session-42"), &cfg).unwrap());
        let b = LightChallenge::from_nonce(b"session-43", &cfg).unwrap();
        assert_ne!(a.steps, b.steps);
        assert_eq!(a.steps.len(), 11);
        assert_eq!(a.steps[0].rgb, [0, 0, 0]);
        for w in a.steps.windows(2) {
            assert_ne!(w[0].rgb, w[1].rgb);
            assert_eq!(w[1].start_ms, w[0].start_ms + w[0].duration_ms);
            assert!((250..=350).contains(&w[1].duration_ms));
        }
        assert!((2_900..=3_900).contains(&a.total_ms()), "{}", a.total_ms());
    }

    #[test]
    fn fixed_vectors() {
        // Pinned: a change to the derivation must change the version string. The timing
        // is given (the defaults may change; the derivation may not).
        let cfg = LightChallengeConfig { steps: 8, step_ms: 300, jitter_ms: 100, ..Default::default() };
        let c = LightChallenge::from_hex("00112233445566778899aabbccddeeff", &cfg).unwrap();
        let got: Vec<([u8; 3], u32)> = c.steps.iter().map(|s| (s.rgb, s.duration_ms)).collect();
        assert_eq!(got, FIXED_VECTOR.to_vec(), "{got:?}");
    }

    /// Recomputed independently with Python's `hmac` (HMAC-SHA256, key
    /// `liveface/light/v1`, message nonce || big-endian block counter, 4-byte big-endian
    /// draws, rejection sampling) from the default palette, 8 colours of 300-400 ms.
    const FIXED_VECTOR: [([u8; 3], u32); 9] = [
        ([0, 0, 0], 400),
        ([0, 0, 255], 324),
        ([255, 0, 255], 339),
        ([255, 255, 255], 396),
        ([0, 0, 0], 341),
        ([255, 0, 255], 362),
        ([0, 0, 0], 339),
        ([255, 0, 255], 325),
        ([255, 255, 255], 398),
    ];

    #[test]
    fn the_photosensitivity_rule_is_enforced() {
        let mut cfg = LightChallengeConfig::default();
        for seed in 0u32..200 {
            let c = LightChallenge::from_nonce(&seed.to_be_bytes(), &cfg).unwrap();
            assert!(max_transitions_per_second(&c.steps) <= 4, "{c:?}");
            assert!(c.steps.iter().all(|s| !is_saturated_red(s.rgb)));
        }
        cfg.palette.push([255, 0, 0]);
        let e = LightChallenge::from_nonce(b"x", &cfg).unwrap_err();
        assert!(e.to_string().contains("saturated red"), "{e}");
        let fast = LightChallengeConfig { step_ms: 100, ..LightChallengeConfig::default() };
        assert!(LightChallenge::from_nonce(b"x", &fast).is_err());
        assert!(LightChallenge::from_hex("abc", &LightChallengeConfig::default()).is_err());
        assert!(LightChallenge::from_nonce(b"", &LightChallengeConfig::default()).is_err());
        // Black <-> white every 250 ms would be 4 changes a second: allowed (2 flashes).
        let steps: Vec<LightStep> = (0..12)
            .map(|i| LightStep { index: i, rgb: [(i % 2) as u8 * 255; 3], start_ms: i as u32 * 250, duration_ms: 250 })
            .collect();
        assert_eq!(max_transitions_per_second(&steps), 4);
        assert!(relative_luminance([255, 255, 255]) > 0.99 && relative_luminance([0, 0, 0]) == 0.0);
    }

    #[test]
    fn random_challenges_differ() {
        let cfg = LightChallengeConfig::default();
        let a = LightChallenge::random(&cfg).unwrap();
        let b = LightChallenge::random(&cfg).unwrap();
        assert_ne!(a.nonce_hex, b.nonce_hex);
        assert_eq!(a.nonce_hex.len(), 32);
    }
}
