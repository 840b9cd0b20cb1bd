//! The C ABI of liveface: an engine handle, session handles, frames described exactly as
//! [`liveface::FrameRef`] is, events, the outcome and the upload package.
//!
//! The header `include/liveface.h` is generated from this file by cbindgen (a test keeps
//! it current). Rules for every function: a status code, a last-error message, NULL
//! checks, no panic across the boundary; see the header's preamble.
#![allow(clippy::missing_safety_doc)] // the safety rules are the header's conventions
#![warn(missing_docs)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

use liveface::checks::AudioChunk;
use liveface::package::{Api, Packager, PackagerConfig, RequestTarget};
use liveface::session::{Event, EventKind, Prompt, Reason};
use liveface::{Engine, ErrorKind, FrameRef, Mode, Outcome, PixelFormat, Rotation, Session, SessionConfig, YuvRange};

/// The ABI version: bumped on any incompatible change of a function or struct.
pub const LF_ABI_VERSION: u32 = 1;

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

fn status_of(kind: ErrorKind) -> LfStatus {
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
    /// A reason this ABI version does not name.
    Other = 99,
}

fn prompt_code(p: Prompt) -> i32 {
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
        _ => LfPrompt::Other,
    }) as i32
}

fn reason_code(r: Option<Reason>) -> i32 {
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
    fn empty() -> LfBuffer {
        LfBuffer { data: std::ptr::null_mut(), len: 0 }
    }

    fn from_vec(v: Vec<u8>) -> LfBuffer {
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

/// The engine: loaded, validated models. Opaque.
pub struct LfEngine {
    engine: Engine,
}

/// One liveness attempt. Opaque.
pub struct LfSession {
    session: Session,
    packager: Option<Packager>,
    index: usize,
    events: VecDeque<Event>,
    outcome: Option<Outcome>,
    last_error: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

fn set_thread_error(msg: &str) {
    LAST_ERROR.with(|e| *e.borrow_mut() = cstring(msg));
}

/// Static, NUL-terminated copies of the library's static texts (a bounded set: prompts,
/// reasons, API codes), made once and kept for the life of the process.
fn static_c(s: &'static str) -> *const c_char {
    static TEXTS: Mutex<Vec<(&'static str, Box<CStr>)>> = Mutex::new(Vec::new());
    let mut texts = TEXTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, c)) = texts.iter().find(|(k, _)| std::ptr::eq(*k, s) || *k == s) {
        return c.as_ptr();
    }
    let c = cstring(s).into_boxed_c_str();
    let p = c.as_ptr();
    texts.push((s, c));
    p
}

/// Runs `f`, turning errors and panics into a status and a message for `err`.
fn guard(err: impl FnOnce(&str), f: impl FnOnce() -> Result<(), (LfStatus, String)>) -> LfStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => LfStatus::Ok,
        Ok(Err((status, msg))) => {
            err(&msg);
            status
        }
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            err(&format!("internal error (panic): {msg}"));
            LfStatus::Panic
        }
    }
}

fn lf(e: liveface::Error) -> (LfStatus, String) {
    (status_of(e.kind()), e.to_string())
}

fn null(what: &str) -> (LfStatus, String) {
    (LfStatus::NullArgument, format!("{what} is NULL"))
}

fn invalid(msg: String) -> (LfStatus, String) {
    (LfStatus::InvalidArgument, msg)
}

/// An optional UTF-8 C string.
unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, (LfStatus, String)> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p).to_str().map(Some).map_err(|_| invalid(format!("{what} is not valid UTF-8")))
}

/// Runs `f` on a session handle, recording errors on it.
unsafe fn with_session(
    s: *mut LfSession,
    f: impl FnOnce(&mut LfSession) -> Result<(), (LfStatus, String)>,
) -> LfStatus {
    if s.is_null() {
        set_thread_error("session is NULL");
        return LfStatus::NullArgument;
    }
    let s = &mut *s;
    let mut msg = None;
    let status = guard(|m| msg = Some(m.to_string()), || f(s));
    if let Some(m) = msg {
        s.last_error = cstring(&m);
    }
    status
}

/// The ABI version ([`LF_ABI_VERSION`]); compare it with the header's `LF_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn lf_abi_version() -> u32 {
    LF_ABI_VERSION
}

/// The library version, e.g. "0.1.0" (static).
#[no_mangle]
pub extern "C" fn lf_version() -> *const c_char {
    static V: &CStr = c"0.1.0";
    V.as_ptr()
}

/// The last error of a call without a handle on this thread (engine creation, NULL
/// handles); empty when none. Valid until the next such call on this thread.
#[no_mangle]
pub extern "C" fn lf_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Default engine settings: embedded models, the build's runtime, no anti-spoof models,
/// one thread.
#[no_mangle]
pub extern "C" fn lf_engine_options_default() -> LfEngineOptions {
    LfEngineOptions {
        models_dir: std::ptr::null(),
        runtime_library: std::ptr::null(),
        antispoof_dir: std::ptr::null(),
        threads: 1,
        allow_unpinned_models: 0,
    }
}

/// Loads the runtime and models (checksums and shapes checked) into `*out`. `options`
/// may be NULL for the defaults. Errors: [`lf_last_error`].
#[no_mangle]
pub unsafe extern "C" fn lf_engine_new(options: *const LfEngineOptions, out: *mut *mut LfEngine) -> LfStatus {
    guard(set_thread_error, || {
        if out.is_null() {
            return Err(null("out"));
        }
        *out = std::ptr::null_mut();
        let o = if options.is_null() { lf_engine_options_default() } else { *options };
        let mut b =
            Engine::builder().intra_threads(o.threads as usize).allow_unpinned_models(o.allow_unpinned_models != 0);
        if let Some(d) = opt_str(o.models_dir, "models_dir")? {
            b = b.models_dir(PathBuf::from(d));
        }
        if let Some(r) = opt_str(o.runtime_library, "runtime_library")? {
            b = b.runtime_library(PathBuf::from(r));
        }
        if let Some(d) = opt_str(o.antispoof_dir, "antispoof_dir")? {
            b = b.antispoof_dir(PathBuf::from(d));
        }
        let engine = b.build().map_err(lf)?;
        *out = Box::into_raw(Box::new(LfEngine { engine }));
        Ok(())
    })
}

/// Frees an engine (NULL is ignored). Sessions made from it stay valid.
#[no_mangle]
pub unsafe extern "C" fn lf_engine_free(engine: *mut LfEngine) {
    if !engine.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(engine))));
    }
}

/// Default session settings: action mode "1,2", 10 s timeout, no package.
#[no_mangle]
pub extern "C" fn lf_session_options_default() -> LfSessionOptions {
    LfSessionOptions {
        mode: LfMode::Action as u32,
        actions: c"1,2".as_ptr(),
        timeout_ms: 0,
        silent_ms: 0,
        keep_package: 0,
    }
}

/// Starts a session on `engine` into `*out`. Errors: [`lf_last_error`].
#[no_mangle]
pub unsafe extern "C" fn lf_session_new(
    engine: *const LfEngine,
    options: *const LfSessionOptions,
    out: *mut *mut LfSession,
) -> LfStatus {
    guard(set_thread_error, || {
        if out.is_null() {
            return Err(null("out"));
        }
        *out = std::ptr::null_mut();
        if engine.is_null() {
            return Err(null("engine"));
        }
        let o = if options.is_null() { lf_session_options_default() } else { *options };
        let mut config = match o.mode {
            m if m == LfMode::Action as u32 => {
                let actions = opt_str(o.actions, "actions")?.ok_or_else(|| null("actions"))?;
                SessionConfig::action(liveface::parse_actions(actions).map_err(lf)?)
            }
            m if m == LfMode::Silent as u32 => SessionConfig::silent(),
            m => return Err(invalid(format!("unknown mode {m} (0 action, 1 silent)"))),
        };
        if o.timeout_ms != 0 {
            config = config.with_timeout_ms(o.timeout_ms);
        }
        if o.silent_ms != 0 && config.mode == Mode::Silent {
            config = config.with_silent_ms(o.silent_ms);
        }
        let session = Session::new(&(*engine).engine, config).map_err(lf)?;
        let packager =
            if o.keep_package != 0 { Some(Packager::new(PackagerConfig::default()).map_err(lf)?) } else { None };
        *out = Box::into_raw(Box::new(LfSession {
            session,
            packager,
            index: 0,
            events: VecDeque::new(),
            outcome: None,
            last_error: CString::default(),
        }));
        Ok(())
    })
}

/// Frees a session (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn lf_session_free(session: *mut LfSession) {
    if !session.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(session))));
    }
}

/// The session's last error message (empty when none); valid until the next call on it.
#[no_mangle]
pub unsafe extern "C" fn lf_session_last_error(session: *const LfSession) -> *const c_char {
    if session.is_null() {
        return c"session is NULL".as_ptr();
    }
    (*session).last_error.as_ptr()
}

fn frame_of(f: &LfFrame) -> Result<FrameRef<'_>, (LfStatus, String)> {
    if f.data.is_null() {
        return Err(null("frame.data"));
    }
    let format = match f.format {
        0 => PixelFormat::Rgb8,
        1 => PixelFormat::Bgr8,
        2 => PixelFormat::Rgba8,
        3 => PixelFormat::Bgra8,
        4 => PixelFormat::Gray8,
        5 => PixelFormat::Nv12,
        6 => PixelFormat::Nv21,
        7 => PixelFormat::I420,
        x => return Err(invalid(format!("unknown pixel format {x}"))),
    };
    let rotation = Rotation::from_degrees(f.rotation_degrees as i32).map_err(lf)?;
    // SAFETY: the caller promises `len` readable bytes at `data` for the call.
    let data = unsafe { std::slice::from_raw_parts(f.data, f.len) };
    let stride = if f.stride == 0 { f.width as usize * format.bytes_per_pixel() } else { f.stride };
    let frame = FrameRef::with_stride(data, f.width, f.height, format, stride).map_err(lf)?;
    let range = if f.yuv_limited_range != 0 { YuvRange::Limited } else { YuvRange::Full };
    Ok(frame.rotated(rotation).mirrored(f.mirror != 0).at_us(f.timestamp_us).yuv_range(range))
}

/// Tracks one frame and advances the session; new events queue up for
/// [`lf_session_next_event`]. `finished` (may be NULL) is set to 1 once the session has
/// ended. Frames after the end are ignored.
#[no_mangle]
pub unsafe extern "C" fn lf_session_push_frame(
    session: *mut LfSession,
    frame: *const LfFrame,
    finished: *mut u8,
) -> LfStatus {
    with_session(session, |s| {
        if frame.is_null() {
            return Err(null("frame"));
        }
        let view = frame_of(&*frame)?;
        if !s.session.is_finished() {
            let (_, events) = s.session.push(&view).map_err(lf)?;
            s.events.extend(events);
            if let Some(p) = s.packager.as_mut() {
                p.push_frame(&view, s.index, s.session.best_frames()).map_err(lf)?;
            }
            s.index += 1;
        }
        if !finished.is_null() {
            *finished = s.session.is_finished() as u8;
        }
        Ok(())
    })
}

/// Audio on the frames' clock: `frames` sample frames of `channels` interleaved f32
/// samples (-1..1) at `sample_rate`, the first at `t_us`. Goes to the checks that listen
/// and to the package's evidence video.
#[no_mangle]
pub unsafe extern "C" fn lf_session_push_audio(
    session: *mut LfSession,
    samples: *const f32,
    frames: usize,
    channels: u32,
    sample_rate: u32,
    t_us: i64,
) -> LfStatus {
    with_session(session, |s| {
        if samples.is_null() && frames > 0 {
            return Err(null("samples"));
        }
        if channels == 0 || sample_rate == 0 {
            return Err(invalid(format!("{channels} channels at {sample_rate} Hz")));
        }
        let n = frames.checked_mul(channels as usize).ok_or_else(|| invalid("audio length overflows".into()))?;
        let data = if n == 0 { &[][..] } else { std::slice::from_raw_parts(samples, n) };
        let mono: Vec<f32> =
            data.chunks_exact(channels as usize).map(|c| c.iter().sum::<f32>() / c.len() as f32).collect();
        s.session.push_audio(&AudioChunk { samples: &mono, sample_rate, t_us });
        if let Some(p) = s.packager.as_mut() {
            p.push_audio(&mono, sample_rate, t_us).map_err(lf)?;
        }
        Ok(())
    })
}

fn event_of(e: &Event) -> LfEvent {
    let (kind, code, passed) = match &e.kind {
        EventKind::Prompt { prompt } => (LfEventKind::Prompt, prompt_code(*prompt), 0),
        EventKind::Calibrated { .. } => (LfEventKind::Calibrated, 0, 0),
        EventKind::StepStarted { index, .. } => (LfEventKind::StepStarted, *index as i32, 0),
        EventKind::StepDone { index, .. } => (LfEventKind::StepDone, *index as i32, 0),
        EventKind::StepRestarted { index } => (LfEventKind::StepRestarted, *index as i32, 0),
        EventKind::Progress { done, .. } => (LfEventKind::Progress, *done as i32, 0),
        EventKind::TimeoutWarning { remaining_ms } => {
            (LfEventKind::TimeoutWarning, (*remaining_ms).clamp(0, i32::MAX as i64) as i32, 0)
        }
        EventKind::Finished { passed, reason } => (LfEventKind::Finished, reason_code(*reason), *passed as u8),
        _ => (LfEventKind::Other, 0, 0),
    };
    LfEvent { t_us: e.t_us, kind: kind as u32, code, passed, en: static_c(e.en), zh: static_c(e.zh) }
}

/// Takes the oldest queued event into `*event`; `*has_event` is 1 when there was one,
/// 0 when the queue is empty.
#[no_mangle]
pub unsafe extern "C" fn lf_session_next_event(
    session: *mut LfSession,
    event: *mut LfEvent,
    has_event: *mut u8,
) -> LfStatus {
    with_session(session, |s| {
        if event.is_null() || has_event.is_null() {
            return Err(null("event or has_event"));
        }
        *has_event = 0;
        if let Some(e) = s.events.pop_front() {
            *event = event_of(&e);
            *has_event = 1;
        }
        Ok(())
    })
}

/// Takes every queued event as a JSON array (the Rust API's `Event` objects) into `*out`;
/// free it with [`lf_buffer_free`].
#[no_mangle]
pub unsafe extern "C" fn lf_session_take_events_json(session: *mut LfSession, out: *mut LfBuffer) -> LfStatus {
    with_session(session, |s| {
        if out.is_null() {
            return Err(null("out"));
        }
        *out = LfBuffer::empty();
        let events: Vec<Event> = s.events.drain(..).collect();
        let json = serde_json::to_vec(&events).map_err(|e| (LfStatus::Other, e.to_string()))?;
        *out = LfBuffer::from_vec(json);
        Ok(())
    })
}

/// 1 when the session has ended, 0 when not, -1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn lf_session_is_finished(session: *const LfSession) -> i32 {
    if session.is_null() {
        return -1;
    }
    (*session).session.is_finished() as i32
}

fn outcome_of(o: &Outcome) -> LfOutcome {
    LfOutcome {
        passed: o.passed as u8,
        reason: reason_code(o.reason),
        api_code: o.api_code.map(static_c).unwrap_or(std::ptr::null()),
        en: static_c(o.en),
        zh: static_c(o.zh),
        frames: o.frames as u64,
        duration_ms: o.duration_ms,
    }
}

/// Ends the session now if it has not ended (the current check decides with what it
/// has) and fills `*outcome`. Calling it again gives the same outcome.
#[no_mangle]
pub unsafe extern "C" fn lf_session_finish(session: *mut LfSession, outcome: *mut LfOutcome) -> LfStatus {
    with_session(session, |s| {
        if outcome.is_null() {
            return Err(null("outcome"));
        }
        let o = s.session.finish();
        *outcome = outcome_of(&o);
        s.outcome = Some(o);
        Ok(())
    })
}

/// The outcome as JSON (every component, as the Rust API's `Outcome`) into `*out`, after
/// [`lf_session_finish`]; free it with [`lf_buffer_free`]. `LF_STATUS_NOT_READY` before.
#[no_mangle]
pub unsafe extern "C" fn lf_session_outcome_json(session: *mut LfSession, out: *mut LfBuffer) -> LfStatus {
    with_session(session, |s| {
        if out.is_null() {
            return Err(null("out"));
        }
        *out = LfBuffer::empty();
        let o = s.outcome.as_ref().ok_or_else(|| (LfStatus::NotReady, "call lf_session_finish first".into()))?;
        *out = LfBuffer::from_vec(serde_json::to_vec(o).map_err(|e| (LfStatus::Other, e.to_string()))?);
        Ok(())
    })
}

/// Default package settings: LivenessCompare, the best frame as the reference photo.
#[no_mangle]
pub extern "C" fn lf_package_options_default() -> LfPackageOptions {
    LfPackageOptions {
        api: LfApi::Compare as u32,
        image: std::ptr::null(),
        image_len: 0,
        id_card: std::ptr::null(),
        name: std::ptr::null(),
        best_frame_num: 0,
    }
}

unsafe fn build_package(
    s: &mut LfSession,
    options: *const LfPackageOptions,
) -> Result<liveface::package::Package, (LfStatus, String)> {
    let o = s.outcome.clone().ok_or_else(|| (LfStatus::NotReady, "call lf_session_finish first".into()))?;
    let packager = s.packager.take().ok_or_else(|| {
        (LfStatus::NotReady, "no package: start the session with keep_package = 1 (a package is made once)".into())
    })?;
    let opts = if options.is_null() { lf_package_options_default() } else { *options };
    let mut target = match opts.api {
        0 => RequestTarget::compare(),
        2 => RequestTarget::international(),
        1 => RequestTarget::recognition(
            opt_str(opts.id_card, "id_card")?.ok_or_else(|| null("id_card"))?,
            opt_str(opts.name, "name")?.ok_or_else(|| null("name"))?,
        ),
        x => return Err(invalid(format!("unknown api {x} (0 compare, 1 recognition, 2 intl)"))),
    };
    debug_assert!(matches!(target.api, Api::LivenessCompare | Api::CompareFaceLiveness | Api::LivenessRecognition));
    if opts.best_frame_num != 0 {
        target = target.with_best_frame_num(Some(opts.best_frame_num));
    }
    let image = if opts.image.is_null() { None } else { Some(std::slice::from_raw_parts(opts.image, opts.image_len)) };
    packager.finish(&o, &target, image).map_err(lf)
}

/// The upload package of a passed, finished session into `*out` (free with
/// [`lf_package_free`]). `options` may be NULL. A package is made once per session.
#[no_mangle]
pub unsafe extern "C" fn lf_session_package(
    session: *mut LfSession,
    options: *const LfPackageOptions,
    out: *mut LfPackage,
) -> LfStatus {
    with_session(session, |s| {
        if out.is_null() {
            return Err(null("out"));
        }
        *out = LfPackage {
            best_jpeg: LfBuffer::empty(),
            video_mp4: LfBuffer::empty(),
            request_json: LfBuffer::empty(),
            manifest_json: LfBuffer::empty(),
        };
        let p = build_package(s, options)?;
        let manifest = serde_json::to_vec_pretty(&p.manifest).map_err(|e| (LfStatus::Other, e.to_string()))?;
        *out = LfPackage {
            best_jpeg: LfBuffer::from_vec(p.best_jpeg),
            video_mp4: LfBuffer::from_vec(p.video_mp4),
            request_json: LfBuffer::from_vec(p.request_json),
            manifest_json: LfBuffer::from_vec(manifest),
        };
        Ok(())
    })
}

/// Writes the package of a passed, finished session into directory `dir` (best.jpg,
/// video.mp4, request.json, package.json). `options` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn lf_session_write_package(
    session: *mut LfSession,
    dir: *const c_char,
    options: *const LfPackageOptions,
) -> LfStatus {
    with_session(session, |s| {
        let dir = opt_str(dir, "dir")?.ok_or_else(|| null("dir"))?;
        let p = build_package(s, options)?;
        p.write(std::path::Path::new(dir)).map_err(lf)
    })
}

/// Frees a buffer the library filled (NULL or empty is fine) and empties it.
#[no_mangle]
pub unsafe extern "C" fn lf_buffer_free(buffer: *mut LfBuffer) {
    if buffer.is_null() {
        return;
    }
    let b = &mut *buffer;
    if !b.data.is_null() {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(b.data, b.len)));
    }
    *b = LfBuffer::empty();
}

/// Frees the four buffers of a package (NULL is fine).
#[no_mangle]
pub unsafe extern "C" fn lf_package_free(package: *mut LfPackage) {
    if package.is_null() {
        return;
    }
    let p = &mut *package;
    for b in [&mut p.best_jpeg, &mut p.video_mp4, &mut p.request_json, &mut p.manifest_json] {
        lf_buffer_free(b);
    }
}
