//! The vocabulary every check and the session share: why a session failed ([`Reason`],
//! mapped onto the API's typed [`FailedOperation`] codes), what to tell the person
//! ([`Prompt`]) and what happened ([`Event`]).

use serde::Serialize;

use super::action::{Action, ActionEvent, Baseline};
use crate::codes::FailedOperation;
use crate::quality::QualityIssue;

/// Why a session failed. `api_code` gives the matching cloud API name where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The blink / close-eyes step was not done in time.
    ActionCloseEye,
    /// The open-mouth step was not done in time.
    ActionOpenMouth,
    /// A nod or head-shake step (or the first action) was not done in time.
    ActionFirstAction,
    /// The face stayed too close.
    ActionFaceClose,
    /// The face stayed too far.
    ActionFaceFar,
    /// The face stayed left of centre.
    ActionFaceLeft,
    /// The face stayed right of centre.
    ActionFaceRight,
    /// Too dark.
    ActionLightDark,
    /// Too bright.
    ActionLightStrong,
    /// No (complete) face.
    ActionNodetectFace,
    /// More than one face.
    SilentMultiFaceFail,
    /// Blurred or otherwise poor face.
    SilentFaceQualityFail,
    /// A different face appeared mid-session.
    FaceChanged,
    /// Frame timestamps did not increase.
    TimestampsNotIncreasing,
    /// Silent mode: less good-quality video than needed.
    SilentTooShort,
    /// Silent mode: suspected photo, screen or other recapture.
    SilentPictureLiveFail,
    /// The analysis itself failed (an inference error); not the person's fault.
    EngineError,
    /// Light mode: too few frames while the colours were shown (or a session without
    /// pixels).
    LightTooShort,
    /// Light mode: the face does not reflect the screen's colours (an injected or replayed
    /// video, or the screen too dim or too far).
    LightNoResponse,
    /// Light mode: the face reflects a different colour sequence (the replay of an earlier
    /// session).
    LightWrongSequence,
    /// Light mode: the background changes colour as much as the face (a digital
    /// recolouring of the whole picture, or a room light).
    LightWholeFrame,
    /// Light mode: the face responds like a flat surface (a photo or screen held up).
    LightFlatSurface,
    /// Digit mode: no voice heard.
    LipVoiceDetect,
    /// Digit mode: the voice is too quiet.
    LipVoiceLow,
    /// Digit mode: the speech is too short or too long for a 4-digit code.
    LipSizeError,
    /// Digit mode: the mouth was not in view while the voice sounded.
    LipFaceIncomplete,
    /// Digit mode: the lips barely moved while the voice sounded.
    LipMoveSmall,
    /// Digit mode: the voice follows the lips, but too early or too late, or the lips
    /// go on talking where the voice is silent (a voice shifted against the video).
    /// No API code.
    LipOutOfSync,
    /// Digit mode: the voice does not follow these lips at any offset (someone else's
    /// voice). No API code.
    LipVoiceNotFromFace,
}

impl Reason {
    /// The cloud API's `FailedOperation.*` code for this reason, where one fits.
    pub fn failed_operation(self) -> Option<FailedOperation> {
        Some(match self {
            Reason::ActionCloseEye => FailedOperation::ActionCloseEye,
            Reason::ActionOpenMouth => FailedOperation::ActionOpenMouth,
            Reason::ActionFirstAction => FailedOperation::ActionFirstAction,
            Reason::ActionFaceClose => FailedOperation::ActionFaceClose,
            Reason::ActionFaceFar => FailedOperation::ActionFaceFar,
            Reason::ActionFaceLeft => FailedOperation::ActionFaceLeft,
            Reason::ActionFaceRight => FailedOperation::ActionFaceRight,
            Reason::ActionLightDark => FailedOperation::ActionLightDark,
            Reason::ActionLightStrong => FailedOperation::ActionLightStrong,
            Reason::ActionNodetectFace => FailedOperation::ActionNodetectFace,
            Reason::SilentMultiFaceFail => FailedOperation::SilentMultiFaceFail,
            Reason::SilentFaceQualityFail => FailedOperation::SilentFaceQualityFail,
            Reason::SilentTooShort => FailedOperation::SilentTooShort,
            Reason::SilentPictureLiveFail => FailedOperation::SilentPictureLiveFail,
            Reason::LightTooShort => FailedOperation::SilentTooShort,
            Reason::LightNoResponse | Reason::LightWrongSequence | Reason::LightWholeFrame => {
                FailedOperation::LivessDetectFake
            }
            Reason::LightFlatSurface => FailedOperation::SilentPictureLiveFail,
            Reason::LipVoiceDetect => FailedOperation::LipVoiceDetect,
            Reason::LipVoiceLow => FailedOperation::LipVoiceLow,
            Reason::LipSizeError => FailedOperation::LipSizeError,
            Reason::LipFaceIncomplete => FailedOperation::LipFaceIncomplete,
            Reason::LipMoveSmall => FailedOperation::LipMoveSmall,
            Reason::LipOutOfSync | Reason::LipVoiceNotFromFace => return None,
            Reason::FaceChanged | Reason::TimestampsNotIncreasing | Reason::EngineError => return None,
        })
    }

    /// The full `FailedOperation.*` code as text (the `api_code` of an [`Outcome`](crate::Outcome)).
    pub fn api_code(self) -> Option<&'static str> {
        self.failed_operation().and_then(|f| f.static_code())
    }

    /// Chinese and English text.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Reason::ActionCloseEye => ("未检测到闭眼动作", "no blink detected"),
            Reason::ActionOpenMouth => ("未检测到张嘴动作", "no open mouth detected"),
            Reason::ActionFirstAction => ("未检测到动作配合", "the requested action was not detected"),
            Reason::ActionFaceClose => ("脸离屏幕太近", "face too close"),
            Reason::ActionFaceFar => ("脸离屏幕太远", "face too far"),
            Reason::ActionFaceLeft => ("脸离屏幕太左", "face too far left"),
            Reason::ActionFaceRight => ("脸离屏幕太右", "face too far right"),
            Reason::ActionLightDark => ("光线太暗", "too dark"),
            Reason::ActionLightStrong => ("光线太强", "too bright"),
            Reason::ActionNodetectFace => ("未能检测到完整人脸", "no complete face detected"),
            Reason::SilentMultiFaceFail => ("视频中有多个人脸", "more than one face"),
            Reason::SilentFaceQualityFail => ("人脸质量低", "face quality too low"),
            Reason::FaceChanged => ("中途换人", "a different person appeared"),
            Reason::TimestampsNotIncreasing => ("帧时间戳未递增", "frame timestamps did not increase"),
            Reason::SilentTooShort => ("有效视频时长不足", "not enough good-quality video"),
            Reason::SilentPictureLiveFail => ("疑似翻拍攻击", "suspected photo or screen recapture"),
            Reason::EngineError => ("分析出错", "the analysis failed"),
            Reason::LightTooShort => ("炫彩检测有效画面不足", "too few frames while the colours were shown"),
            Reason::LightNoResponse => ("未检测到屏幕反光", "the face does not reflect the screen's colours"),
            Reason::LightWrongSequence => ("反光颜色序列不符", "the reflected colours are not the ones shown"),
            Reason::LightWholeFrame => ("整个画面随颜色变化", "the whole picture changes colour, not the face"),
            Reason::LightFlatSurface => ("疑似平面翻拍", "the face reflects light like a flat surface"),
            Reason::LipVoiceDetect => ("未检测到声音", "no voice heard"),
            Reason::LipVoiceLow => ("视频声音太小", "the voice is too quiet"),
            Reason::LipSizeError => ("读数时长不合适", "the reading is too short or too long for four digits"),
            Reason::LipFaceIncomplete => ("脸部未完整露出", "the mouth was not in view while speaking"),
            Reason::LipMoveSmall => ("嘴唇动作幅度过小", "the lips barely moved while the voice sounded"),
            Reason::LipOutOfSync => ("声音与口型不同步", "the voice is not in step with the lips"),
            Reason::LipVoiceNotFromFace => ("声音与口型不匹配", "the voice does not follow these lips"),
        }
    }

    pub(crate) fn from_issue(issue: QualityIssue) -> Reason {
        match issue {
            QualityIssue::NoFace | QualityIssue::FaceIncomplete => Reason::ActionNodetectFace,
            QualityIssue::MultipleFaces => Reason::SilentMultiFaceFail,
            QualityIssue::TooFar => Reason::ActionFaceFar,
            QualityIssue::TooClose => Reason::ActionFaceClose,
            QualityIssue::OffLeft => Reason::ActionFaceLeft,
            QualityIssue::OffRight => Reason::ActionFaceRight,
            QualityIssue::OffCentre | QualityIssue::NotFrontal => Reason::ActionNodetectFace,
            QualityIssue::TooDark => Reason::ActionLightDark,
            QualityIssue::TooBright => Reason::ActionLightStrong,
            QualityIssue::Blurry => Reason::SilentFaceQualityFail,
        }
    }

    pub(crate) fn for_action(a: Action) -> Reason {
        match a {
            Action::Blink => Reason::ActionCloseEye,
            Action::OpenMouth => Reason::ActionOpenMouth,
            Action::Nod | Action::ShakeHead => Reason::ActionFirstAction,
        }
    }
}

/// Prompts for the person, with stable codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Prompt {
    /// Move closer.
    MoveCloser,
    /// Move back.
    MoveBack,
    /// Centre your face.
    CentreFace,
    /// Too dark.
    TooDark,
    /// Too bright.
    TooBright,
    /// Hold still.
    HoldStill,
    /// One face only.
    OneFaceOnly,
    /// Put your face in view.
    NoFace,
    /// Keep your whole face in view.
    FaceIncomplete,
    /// Look straight at the camera.
    LookAtCamera,
    /// Blink.
    Blink,
    /// Open your mouth.
    OpenMouth,
    /// Nod.
    Nod,
    /// Turn your head left or right.
    ShakeHead,
    /// Light mode: keep looking at the screen while it changes colour.
    LookAtScreen,
    /// Digit mode: read the digits on the screen aloud.
    ReadDigits,
}

impl Prompt {
    /// Chinese and English text.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Prompt::MoveCloser => ("请靠近一点", "move closer"),
            Prompt::MoveBack => ("请离远一点", "move back"),
            Prompt::CentreFace => ("请把脸移到画面中央", "centre your face"),
            Prompt::TooDark => ("光线太暗", "too dark"),
            Prompt::TooBright => ("光线太强", "too bright"),
            Prompt::HoldStill => ("请保持不动", "hold still"),
            Prompt::OneFaceOnly => ("请确保画面中只有一张脸", "one face only"),
            Prompt::NoFace => ("请将脸放入画面", "put your face in view"),
            Prompt::FaceIncomplete => ("请露出完整的脸", "keep your whole face in view"),
            Prompt::LookAtCamera => ("请正对屏幕", "look straight at the camera"),
            Prompt::Blink => ("请眨眼", "blink"),
            Prompt::OpenMouth => ("请张嘴", "open your mouth"),
            Prompt::Nod => ("请点头", "nod"),
            Prompt::ShakeHead => ("请左右转头", "turn your head left or right"),
            Prompt::LookAtScreen => ("请保持不动，注视屏幕", "hold still and look at the screen"),
            Prompt::ReadDigits => ("请用正常语速读出屏幕上的数字", "read the digits on the screen aloud"),
        }
    }

    pub(crate) fn for_issue(issue: QualityIssue) -> Prompt {
        match issue {
            QualityIssue::NoFace => Prompt::NoFace,
            QualityIssue::MultipleFaces => Prompt::OneFaceOnly,
            QualityIssue::FaceIncomplete => Prompt::FaceIncomplete,
            QualityIssue::TooFar => Prompt::MoveCloser,
            QualityIssue::TooClose => Prompt::MoveBack,
            QualityIssue::OffLeft | QualityIssue::OffRight | QualityIssue::OffCentre => Prompt::CentreFace,
            QualityIssue::TooDark => Prompt::TooDark,
            QualityIssue::TooBright => Prompt::TooBright,
            QualityIssue::Blurry => Prompt::HoldStill,
            QualityIssue::NotFrontal => Prompt::LookAtCamera,
        }
    }

    pub(crate) fn for_action(a: Action) -> Prompt {
        match a {
            Action::Blink => Prompt::Blink,
            Action::OpenMouth => Prompt::OpenMouth,
            Action::Nod => Prompt::Nod,
            Action::ShakeHead => Prompt::ShakeHead,
        }
    }
}

/// What happened, for the app to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// Tell the person something (shown until the next prompt).
    Prompt {
        /// Stable code.
        prompt: Prompt,
    },
    /// The neutral face was learned.
    Calibrated {
        /// The neutral values.
        baseline: Baseline,
    },
    /// A step began.
    StepStarted {
        /// Step index.
        index: usize,
        /// The action asked for.
        action: Action,
    },
    /// A step was done.
    StepDone {
        /// Step index.
        index: usize,
        /// The action found.
        event: ActionEvent,
    },
    /// A step was restarted (face lost or changed briefly).
    StepRestarted {
        /// Step index.
        index: usize,
    },
    /// Steps done so far.
    Progress {
        /// Done.
        done: usize,
        /// Total.
        total: usize,
    },
    /// Light mode: show this colour full screen now, for `duration_ms`; acknowledge when
    /// it was really on screen ([`crate::Session::acknowledge`]).
    LightColor {
        /// Step index in the schedule.
        index: usize,
        /// Display colour, 8-bit RGB.
        rgb: [u8; 3],
        /// How long (ms).
        duration_ms: u32,
    },
    /// Little time left.
    TimeoutWarning {
        /// Milliseconds left.
        remaining_ms: i64,
    },
    /// The session ended.
    Finished {
        /// Whether it passed.
        passed: bool,
        /// Why it failed.
        reason: Option<Reason>,
    },
}

/// An event with its time and texts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Frame time, microseconds.
    pub t_us: i64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// Chinese text.
    pub zh: &'static str,
    /// English text.
    pub en: &'static str,
}

impl Event {
    pub(crate) fn new(t_us: i64, kind: EventKind) -> Event {
        let (zh, en) = match &kind {
            EventKind::Prompt { prompt } => prompt.text(),
            EventKind::Calibrated { .. } => ("已识别人脸", "face learned"),
            EventKind::StepStarted { action, .. } => Prompt::for_action(*action).text(),
            EventKind::StepDone { .. } => ("动作完成", "step done"),
            EventKind::StepRestarted { .. } => ("请重新完成当前动作", "please repeat the current step"),
            EventKind::Progress { .. } => ("进度", "progress"),
            EventKind::TimeoutWarning { .. } => ("即将超时", "time is almost up"),
            EventKind::LightColor { .. } => ("显示颜色", "show colour"),
            EventKind::Finished { passed: true, .. } => ("检测通过", "passed"),
            EventKind::Finished { reason: Some(r), .. } => r.text(),
            EventKind::Finished { .. } => ("检测失败", "failed"),
        };
        Event { t_us, kind, zh, en }
    }
}
