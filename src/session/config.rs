//! Session settings and the liveness modes.

use serde::Serialize;

use crate::checks::action::{Action, ActionThresholds};
use crate::checks::light::{LightChallenge, LightThresholds};
use crate::checks::lip::LipThresholds;
use crate::checks::silent::SilentConfig;
use crate::checks::{ActionCheck, Check, LightCheck, LipCheck, SilentCheck};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::quality::QualityConfig;
use crate::track::TrackerConfig;

/// Liveness modes (the API's `LivenessType` and the app SDK's extra modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// `ACTION`: blink, open mouth, nod, shake head, in a given order.
    Action,
    /// `SILENT`: look at the camera for 2-3 s; passive anti-spoofing and temporal cues.
    Silent,
    /// Light (the app SDK's 光线): the screen shows a random colour sequence that the face
    /// must reflect. Packaged as `SILENT` (the compare API has no light type).
    Light,
    /// Flash (the app SDK's 一闪): a blink, then the light sequence. Packaged as `SILENT`.
    Flash,
    /// `LIP`: read a 4-digit code aloud (voice, lips in step with it).
    Lip,
}

impl Mode {
    /// The API's `LivenessType` for this mode.
    pub fn liveness_type(self) -> &'static str {
        match self {
            Mode::Action => "ACTION",
            Mode::Lip => "LIP",
            Mode::Silent | Mode::Light | Mode::Flash => "SILENT",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Mode> {
        match s.to_ascii_lowercase().as_str() {
            "action" => Ok(Mode::Action),
            "silent" => Ok(Mode::Silent),
            "light" => Ok(Mode::Light),
            "flash" => Ok(Mode::Flash),
            "lip" | "digit" => Ok(Mode::Lip),
            other => Err(Error::new(
                ErrorKind::Config,
                format!("unknown mode {other:?} (action, silent, light, flash or lip)"),
            )),
        }
    }
}

/// Session settings. Start from [`SessionConfig::action`] or [`SessionConfig::silent`]
/// and change what you need (fields are public; the struct may gain fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The mode.
    pub mode: Mode,
    /// Actions in order (action mode).
    pub actions: Vec<Action>,
    /// Whole-session limit from the first frame (ms). Default 10 s, as the API's SDK.
    pub timeout_ms: i64,
    /// Limit for each step from its start (ms); `None` leaves only the session timeout.
    pub step_timeout_ms: Option<i64>,
    /// Good frames needed to learn the neutral face before the first step (ms).
    pub calibration_ms: i64,
    /// A track lost for longer than this mid-step restarts the step (ms).
    pub max_face_gap_ms: i64,
    /// Action thresholds.
    pub thresholds: ActionThresholds,
    /// Quality limits.
    pub quality: QualityConfig,
    /// Tracker settings.
    pub tracker: TrackerConfig,
    /// Best frames to keep (1..=10).
    pub best_frames: usize,
    /// Silent-mode settings.
    pub silent: SilentConfig,
    /// Light and flash modes: the colour schedule (required there).
    pub light: Option<LightChallenge>,
    /// Light and flash modes: decision limits.
    pub light_thresholds: LightThresholds,
    /// Digit mode: the 4-digit code to read (required there; the request's `ValidateData`).
    pub lip_code: Option<String>,
    /// Digit mode: decision limits.
    pub lip_thresholds: LipThresholds,
}

impl SessionConfig {
    /// An action session with default limits.
    pub fn action(actions: Vec<Action>) -> SessionConfig {
        SessionConfig {
            mode: Mode::Action,
            actions,
            timeout_ms: 10_000,
            step_timeout_ms: None,
            calibration_ms: 400,
            max_face_gap_ms: 400,
            thresholds: ActionThresholds::default(),
            quality: QualityConfig::default(),
            tracker: TrackerConfig { detect_interval: 5, ..TrackerConfig::default() },
            best_frames: 5,
            silent: SilentConfig::default(),
            light: None,
            light_thresholds: LightThresholds::default(),
            lip_code: None,
            lip_thresholds: LipThresholds::default(),
        }
    }

    /// A light session: `challenge`'s colours on the app's screen, reflected by the face.
    /// Landmark smoothing is off: the colour is read at the mesh points, and smoothed
    /// points lag behind a moving face.
    pub fn light(challenge: LightChallenge) -> SessionConfig {
        let mut c = SessionConfig { mode: Mode::Light, light: Some(challenge), ..SessionConfig::action(Vec::new()) };
        c.tracker.smoothing = None;
        c
    }

    /// A flash session: a blink, then `challenge`'s colours.
    pub fn flash(challenge: LightChallenge) -> SessionConfig {
        SessionConfig { mode: Mode::Flash, actions: vec![Action::Blink], ..SessionConfig::light(challenge) }
    }

    /// A digit session: the person reads `code` (4 digits, from the API's `GetLiveCode`
    /// or your server) aloud; feed its audio with [`crate::Session::push_audio`].
    pub fn lip(code: &str) -> SessionConfig {
        SessionConfig { mode: Mode::Lip, lip_code: Some(code.to_string()), ..SessionConfig::action(Vec::new()) }
    }

    /// A silent session with default limits: 3 s of good frames (2 s at least) within 10 s.
    /// Also the [`Default`].
    pub fn silent() -> SessionConfig {
        SessionConfig { mode: Mode::Silent, actions: Vec::new(), ..SessionConfig::action(Vec::new()) }
    }

    /// Sets the whole-session timeout (ms).
    #[must_use]
    pub fn with_timeout_ms(mut self, ms: i64) -> SessionConfig {
        self.timeout_ms = ms;
        self
    }

    /// Sets the per-step timeout (ms).
    #[must_use]
    pub fn with_step_timeout_ms(mut self, ms: Option<i64>) -> SessionConfig {
        self.step_timeout_ms = ms;
        self
    }

    /// Silent mode: decide after this much good-quality video (ms); the minimum follows
    /// when it is larger.
    #[must_use]
    pub fn with_silent_ms(mut self, ms: i64) -> SessionConfig {
        self.silent.good_ms = ms;
        self.silent.min_good_ms = self.silent.min_good_ms.min(ms);
        self
    }

    /// The checks this configuration runs, in order.
    pub(super) fn checks(&self, engine: Option<&Engine>) -> Vec<Box<dyn Check>> {
        match self.mode {
            Mode::Action => vec![Box::new(ActionCheck::new(
                &self.actions,
                self.thresholds,
                self.calibration_ms,
                self.step_timeout_ms,
            ))],
            Mode::Silent => vec![Box::new(SilentCheck::new(engine.cloned(), self.silent.clone()))],
            Mode::Lip => {
                vec![Box::new(LipCheck::new(engine, self.lip_code.as_deref().unwrap_or(""), self.lip_thresholds))]
            }
            Mode::Light | Mode::Flash => {
                let mut v: Vec<Box<dyn Check>> = Vec::new();
                if self.mode == Mode::Flash {
                    v.push(Box::new(ActionCheck::new(
                        &[Action::Blink],
                        self.thresholds,
                        self.calibration_ms,
                        self.step_timeout_ms,
                    )));
                }
                if let Some(ch) = &self.light {
                    v.push(Box::new(LightCheck::new(ch.clone(), self.light_thresholds)));
                }
                v
            }
        }
    }

    pub(super) fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, m));
        self.validate_shared()?;
        if self.mode == Mode::Silent {
            let sc = &self.silent;
            if !(500..=60_000).contains(&sc.min_good_ms) || sc.good_ms < sc.min_good_ms || sc.good_ms > 60_000 {
                return bad(format!(
                    "silent good time {} ms / minimum {} ms out of range (500..=60000, minimum <= good time)",
                    sc.good_ms, sc.min_good_ms
                ));
            }
            if !(1..=10).contains(&sc.model_frames) {
                return bad(format!("silent model_frames must be 1..=10, got {}", sc.model_frames));
            }
        } else if self.mode == Mode::Lip {
            let ok = self.lip_code.as_ref().is_some_and(|c| c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                return bad(format!("a digit session needs a 4-digit code, got {:?}", self.lip_code));
            }
        } else if matches!(self.mode, Mode::Light | Mode::Flash) {
            if self.light.is_none() {
                return bad("light and flash sessions need a colour schedule (SessionConfig::light)".into());
            }
        } else if self.actions.is_empty() || self.actions.len() > 4 {
            return bad(format!("an action session needs 1 to 4 actions, got {}", self.actions.len()));
        }
        Ok(())
    }

    pub(super) fn validate_shared(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, m));
        if !(1_000..=600_000).contains(&self.timeout_ms) || !(0..=5_000).contains(&self.calibration_ms) {
            return bad(format!(
                "timeout {} ms / calibration {} ms out of range",
                self.timeout_ms, self.calibration_ms
            ));
        }
        if !(1..=10).contains(&self.best_frames) {
            return bad(format!("best_frames must be 1..=10, got {}", self.best_frames));
        }
        Ok(())
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig::silent()
    }
}
