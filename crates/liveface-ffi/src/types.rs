//! The C-visible types: statuses, pixel formats, frames, options, events, outcome,
//! buffers and package, and the mapping of the library's enums onto their codes.

use std::ffi::c_char;

use liveface::session::{Prompt, Reason};
use liveface::ErrorKind;

/// Result of every call.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfStatus {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument is out of range or not valid UTF-8.
    InvalidArgument = 2,
    /// ONNX Runtime missing, unloadable or too old.
    Runtime = 3,
    /// A model file is missing, altered or has the wrong shape.
    Model = 4,
    /// Inference failed.
    Inference = 5,
    /// The frame description does not match its buffer.
    InvalidFrame = 6,
    /// A file could not be decoded.
    Decode = 7,
    /// A file or directory could not be read or written.
    Io = 8,
    /// A setting is out of range.
    Config = 9,
    /// No camera, or the camera went away.
    Camera = 10,
    /// Valid input this build cannot handle.
    Unsupported = 11,
    /// Encoding output failed.
    Encode = 12,
    /// A documented API limit is exceeded (e.g. the best face is under 100 px).
    Limit = 13,
    /// The session has not finished yet (or has no package).
    NotReady = 14,
    /// A bug: a Rust panic was caught at the boundary.
    Panic = 15,
    /// Any other error.
    Other = 16,
}

pub(crate) fn status_of(kind: ErrorKind) -> LfStatus {
    match kind {
        ErrorKind::Runtime => LfStatus::Runtime,
        ErrorKind::Model => LfStatus::Model,
        ErrorKind::Inference => LfStatus::Inference,
        ErrorKind::InvalidFrame => LfStatus::InvalidFrame,
        ErrorKind::Decode => LfStatus::Decode,
        ErrorKind::Io => LfStatus::Io,
        ErrorKind::Config => LfStatus::Config,
        ErrorKind::Camera => LfStatus::Camera,
        ErrorKind::Unsupported => LfStatus::Unsupported,
        ErrorKind::Encode => LfStatus::Encode,
        ErrorKind::Limit => LfStatus::Limit,
        _ => LfStatus::Other,
    }
}

/// Pixel layouts of [`LfFrame::format`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfPixelFormat {
    /// Packed R, G, B.
    Rgb8 = 0,
    /// Packed B, G, R.
    Bgr8 = 1,
    /// Packed R, G, B, A.
    Rgba8 = 2,
    /// Packed B, G, R, A (iOS BGRA).
    Bgra8 = 3,
    /// 8-bit grey.
    Gray8 = 4,
    /// Y plane then interleaved U, V (stride bytes per row in both planes).
    Nv12 = 5,
    /// Y plane then interleaved V, U (Android camera default).
    Nv21 = 6,
    /// Y, then U, then V planes (chroma rows stride / 2 bytes).
    I420 = 7,
}

/// One camera frame over caller memory, read only during the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfFrame {
    /// The pixels.
    pub data: *const u8,
    /// Bytes readable at `data`.
    pub len: usize,
    /// Buffer width in pixels.
    pub width: u32,
    /// Buffer height in pixels.
    pub height: u32,
    /// An [`LfPixelFormat`] value.
    pub format: u32,
    /// Bytes per row of the first plane; 0 for tightly packed rows.
    pub stride: usize,
    /// Clockwise rotation that makes the picture upright: 0, 90, 180 or 270.
    pub rotation_degrees: u32,
    /// Non-zero: mirror after rotating (front cameras).
    pub mirror: u8,
    /// Non-zero: YUV in limited (video) range; zero: full range.
    pub yuv_limited_range: u8,
    /// Capture time in microseconds, increasing.
    pub timestamp_us: i64,
}

/// Engine settings; start from [`lf_engine_options_default`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfEngineOptions {
    /// Directory with the three face models (NULL: the embedded ones).
    pub models_dir: *const c_char,
    /// ONNX Runtime shared library to load (NULL: ORT_DYLIB_PATH, beside the program, or the build's).
    pub runtime_library: *const c_char,
    /// Directory with the MiniFASNet anti-spoof pair (NULL: silent mode on its cues alone).
    pub antispoof_dir: *const c_char,
    /// Threads per inference (1..=64).
    pub threads: u32,
    /// Non-zero: accept anti-spoof files that differ from the pinned conversion.
    pub allow_unpinned_models: u8,
}

/// Liveness modes of [`LfSessionOptions::mode`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfMode {
    /// Actions in order (`actions`).
    Action = 0,
    /// Look at the camera: passive anti-spoofing and cues.
    Silent = 1,
}

/// Session settings; start from [`lf_session_options_default`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfSessionOptions {
    /// An [`LfMode`] value.
    pub mode: u32,
    /// Action sequence, e.g. "2,1" (1 open mouth, 2 blink, 3 nod, 4 shake head); action mode.
    pub actions: *const c_char,
    /// Session timeout from the first frame (ms); 0 keeps the default (10 s).
    pub timeout_ms: i64,
    /// Silent mode: good-quality video before deciding (ms); 0 keeps the default (3 s).
    pub silent_ms: i64,
    /// Non-zero: keep what an upload package needs (evidence video, best frame).
    pub keep_package: u8,
}

/// Kinds of [`LfEvent`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfEventKind {
    /// Show `en`/`zh` to the person; `code` is an [`LfPrompt`].
    Prompt = 0,
    /// The neutral face was learned.
    Calibrated = 1,
    /// A step began; `code` is its index.
    StepStarted = 2,
    /// A step was done; `code` is its index.
    StepDone = 3,
    /// A step restarted; `code` is its index.
    StepRestarted = 4,
    /// Progress; `code` is the number of steps done.
    Progress = 5,
    /// Little time left; `code` is the milliseconds left.
    TimeoutWarning = 6,
    /// The session ended; `passed` says how, `code` is an [`LfReason`] (-1 when passed).
    Finished = 7,
    /// Light mode: fill the screen with step `code`'s colour now (see
    /// `lf_session_light_schedule`), then acknowledge it (`lf_session_acknowledge`).
    LightColor = 8,
    /// An event this ABI version does not name.
    Other = 99,
}

/// Prompt codes of an [`LfEventKind::Prompt`] event.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfPrompt {
    /// Move closer.
    MoveCloser = 0,
    /// Move back.
    MoveBack = 1,
    /// Centre your face.
    CentreFace = 2,
    /// Too dark.
    TooDark = 3,
    /// Too bright.
    TooBright = 4,
    /// Hold still.
    HoldStill = 5,
    /// One face only.
    OneFaceOnly = 6,
    /// Put your face in view.
    NoFace = 7,
    /// Keep your whole face in view.
    FaceIncomplete = 8,
    /// Look straight at the camera.
    LookAtCamera = 9,
    /// Blink.
    Blink = 10,
    /// Open your mouth.
    OpenMouth = 11,
    /// Nod.
    Nod = 12,
    /// Turn your head.
    ShakeHead = 13,
    /// Hold still and look at the screen (light mode).
    LookAtScreen = 14,
    /// Digit mode: read the digits aloud.
    ReadDigits = 15,
    /// A prompt this ABI version does not name.
    Other = 99,
}

/// Why a session failed (`api_code` in [`LfOutcome`] names the cloud API's code).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfReason {
    /// Blink step not done.
    ActionCloseEye = 0,
    /// Open-mouth step not done.
    ActionOpenMouth = 1,
    /// Nod or head-shake step not done.
    ActionFirstAction = 2,
    /// Face too close.
    ActionFaceClose = 3,
    /// Face too far.
    ActionFaceFar = 4,
    /// Face left of centre.
    ActionFaceLeft = 5,
    /// Face right of centre.
    ActionFaceRight = 6,
    /// Too dark.
    ActionLightDark = 7,
    /// Too bright.
    ActionLightStrong = 8,
    /// No complete face.
    ActionNodetectFace = 9,
    /// More than one face.
    SilentMultiFaceFail = 10,
    /// Poor face quality.
    SilentFaceQualityFail = 11,
    /// A different face appeared.
    FaceChanged = 12,
    /// Timestamps did not increase.
    TimestampsNotIncreasing = 13,
    /// Not enough good video.
    SilentTooShort = 14,
    /// Suspected photo or screen.
    SilentPictureLiveFail = 15,
    /// The analysis failed.
    EngineError = 16,
    /// Light mode: too few frames while the colours were shown.
    LightTooShort = 17,
    /// Light mode: the face does not reflect the screen's colours.
    LightNoResponse = 18,
    /// Light mode: the face reflects another colour sequence.
    LightWrongSequence = 19,
    /// Light mode: the background changes colour with the face (a digital tint).
    LightWholeFrame = 20,
    /// Light mode: the face responds like a flat surface.
    LightFlatSurface = 21,
    /// Digit mode: no voice heard.
    LipVoiceDetect = 22,
    /// Digit mode: the voice is too quiet.
    LipVoiceLow = 23,
    /// Digit mode: the speech is too short or too long for four digits.
    LipSizeError = 24,
    /// Digit mode: the mouth was not in view while speaking.
    LipFaceIncomplete = 25,
    /// Digit mode: the lips barely moved while the voice sounded.
    LipMoveSmall = 26,
    /// Digit mode: the voice is not in step with the lips.
    LipOutOfSync = 27,
    /// Digit mode: the voice does not follow these lips.
    LipVoiceNotFromFace = 28,
    /// A reason this ABI version does not name.
    Other = 99,
}

pub(crate) fn prompt_code(p: Prompt) -> i32 {
    (match p {
        Prompt::MoveCloser => LfPrompt::MoveCloser,
        Prompt::MoveBack => LfPrompt::MoveBack,
        Prompt::CentreFace => LfPrompt::CentreFace,
        Prompt::TooDark => LfPrompt::TooDark,
        Prompt::TooBright => LfPrompt::TooBright,
        Prompt::HoldStill => LfPrompt::HoldStill,
        Prompt::OneFaceOnly => LfPrompt::OneFaceOnly,
        Prompt::NoFace => LfPrompt::NoFace,
        Prompt::FaceIncomplete => LfPrompt::FaceIncomplete,
        Prompt::LookAtCamera => LfPrompt::LookAtCamera,
        Prompt::Blink => LfPrompt::Blink,
        Prompt::OpenMouth => LfPrompt::OpenMouth,
        Prompt::Nod => LfPrompt::Nod,
        Prompt::ShakeHead => LfPrompt::ShakeHead,
        Prompt::LookAtScreen => LfPrompt::LookAtScreen,
        Prompt::ReadDigits => LfPrompt::ReadDigits,
        _ => LfPrompt::Other,
    }) as i32
}

pub(crate) fn reason_code(r: Option<Reason>) -> i32 {
    let Some(r) = r else { return -1 };
    (match r {
        Reason::ActionCloseEye => LfReason::ActionCloseEye,
        Reason::ActionOpenMouth => LfReason::ActionOpenMouth,
        Reason::ActionFirstAction => LfReason::ActionFirstAction,
        Reason::ActionFaceClose => LfReason::ActionFaceClose,
        Reason::ActionFaceFar => LfReason::ActionFaceFar,
        Reason::ActionFaceLeft => LfReason::ActionFaceLeft,
        Reason::ActionFaceRight => LfReason::ActionFaceRight,
        Reason::ActionLightDark => LfReason::ActionLightDark,
        Reason::ActionLightStrong => LfReason::ActionLightStrong,
        Reason::ActionNodetectFace => LfReason::ActionNodetectFace,
        Reason::SilentMultiFaceFail => LfReason::SilentMultiFaceFail,
        Reason::SilentFaceQualityFail => LfReason::SilentFaceQualityFail,
        Reason::FaceChanged => LfReason::FaceChanged,
        Reason::TimestampsNotIncreasing => LfReason::TimestampsNotIncreasing,
        Reason::SilentTooShort => LfReason::SilentTooShort,
        Reason::SilentPictureLiveFail => LfReason::SilentPictureLiveFail,
        Reason::EngineError => LfReason::EngineError,
        Reason::LightTooShort => LfReason::LightTooShort,
        Reason::LightNoResponse => LfReason::LightNoResponse,
        Reason::LightWrongSequence => LfReason::LightWrongSequence,
        Reason::LightWholeFrame => LfReason::LightWholeFrame,
        Reason::LightFlatSurface => LfReason::LightFlatSurface,
        Reason::LipVoiceDetect => LfReason::LipVoiceDetect,
        Reason::LipVoiceLow => LfReason::LipVoiceLow,
        Reason::LipSizeError => LfReason::LipSizeError,
        Reason::LipFaceIncomplete => LfReason::LipFaceIncomplete,
        Reason::LipMoveSmall => LfReason::LipMoveSmall,
        Reason::LipOutOfSync => LfReason::LipOutOfSync,
        Reason::LipVoiceNotFromFace => LfReason::LipVoiceNotFromFace,
        _ => LfReason::Other,
    }) as i32
}

/// One event for the app to show.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfEvent {
    /// Frame time (µs).
    pub t_us: i64,
    /// An [`LfEventKind`] value.
    pub kind: u32,
    /// Detail, see [`LfEventKind`].
    pub code: i32,
    /// Finished events: 1 when the session passed.
    pub passed: u8,
    /// English text (static, NUL-terminated, never freed).
    pub en: *const c_char,
    /// Chinese text, UTF-8 (static).
    pub zh: *const c_char,
}

/// How a session ended.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfOutcome {
    /// 1 when the session passed.
    pub passed: u8,
    /// An [`LfReason`] value, -1 when passed.
    pub reason: i32,
    /// The cloud API's `FailedOperation.*` code (static), NULL when none fits or passed.
    pub api_code: *const c_char,
    /// English text (static).
    pub en: *const c_char,
    /// Chinese text (static).
    pub zh: *const c_char,
    /// Frames seen.
    pub frames: u64,
    /// Session length (ms).
    pub duration_ms: i64,
}

/// Bytes owned by the library; free with [`lf_buffer_free`].
#[repr(C)]
#[derive(Debug)]
pub struct LfBuffer {
    /// The bytes (NULL when empty).
    pub data: *mut u8,
    /// Their number.
    pub len: usize,
}

impl LfBuffer {
    pub(crate) fn empty() -> LfBuffer {
        LfBuffer { data: std::ptr::null_mut(), len: 0 }
    }

    pub(crate) fn from_vec(v: Vec<u8>) -> LfBuffer {
        if v.is_empty() {
            return LfBuffer::empty();
        }
        let b = v.into_boxed_slice();
        let len = b.len();
        LfBuffer { data: Box::into_raw(b) as *mut u8, len }
    }
}

/// Which API a package's request is for ([`LfPackageOptions::api`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfApi {
    /// LivenessCompare (video against a photo).
    Compare = 0,
    /// LivenessRecognition (video against the ID-card photo on record).
    Recognition = 1,
    /// International CompareFaceLiveness.
    Intl = 2,
}

/// What the request needs besides the video; start from [`lf_package_options_default`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfPackageOptions {
    /// An [`LfApi`] value.
    pub api: u32,
    /// Reference photo (JPEG/PNG) for the compare APIs; NULL: the best frame stands in.
    pub image: *const u8,
    /// Its length.
    pub image_len: usize,
    /// ID-card number (recognition), UTF-8.
    pub id_card: *const c_char,
    /// Name (recognition), UTF-8.
    pub name: *const c_char,
    /// BestFrameNum to ask for (2..=10); 0: not asked.
    pub best_frame_num: u8,
}

/// An upload package; free with [`lf_package_free`].
#[repr(C)]
#[derive(Debug)]
pub struct LfPackage {
    /// best.jpg.
    pub best_jpeg: LfBuffer,
    /// video.mp4 (H.264 + Opus when audio was pushed).
    pub video_mp4: LfBuffer,
    /// request.json: the exact request body.
    pub request_json: LfBuffer,
    /// package.json.
    pub manifest_json: LfBuffer,
}
