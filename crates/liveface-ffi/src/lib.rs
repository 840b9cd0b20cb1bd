//! The C ABI of liveface: an engine handle, session handles, frames described exactly as
//! [`liveface::FrameRef`] is, events, the outcome and the upload package.
//!
//! The header `include/liveface.h` is generated from this file by cbindgen (a test keeps
//! it current). Rules for every function: a status code, a last-error message, NULL
//! checks, no panic across the boundary; see the header's preamble.
#![allow(clippy::missing_safety_doc)] // the safety rules are the header's conventions
#![warn(missing_docs)]

mod boundary;
mod light;
mod lip;
mod package;
mod types;

use std::collections::VecDeque;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use liveface::checks::AudioChunk;
use liveface::package::{Packager, PackagerConfig};
use liveface::session::{Event, EventKind};
use liveface::{Engine, FrameRef, Mode, Outcome, PixelFormat, Rotation, Session, SessionConfig, YuvRange};

use boundary::{guard, invalid, lf, null, opt_str, set_thread_error, static_c, with_session, LAST_ERROR};
pub use light::*;
pub use lip::*;
pub use package::*;
pub use types::*;
use types::{prompt_code, reason_code};

/// The ABI version: bumped on any incompatible change of a function or struct.
pub const LF_ABI_VERSION: u32 = 1;

/// The engine: loaded, validated models. Opaque.
pub struct LfEngine {
    engine: Engine,
}

/// One liveness attempt. Opaque.
pub struct LfSession {
    session: Session,
    pub(crate) packager: Option<Packager>,
    index: usize,
    events: VecDeque<Event>,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) last_error: CString,
    /// The challenge of a light or flash session.
    light: Option<liveface::checks::light::LightChallenge>,
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
        let engine = session_out(engine, out)?;
        let o = if options.is_null() { lf_session_options_default() } else { *options };
        let config = match o.mode {
            m if m == LfMode::Action as u32 => {
                let actions = opt_str(o.actions, "actions")?.ok_or_else(|| null("actions"))?;
                SessionConfig::action(liveface::parse_actions(actions).map_err(lf)?)
            }
            m if m == LfMode::Silent as u32 => SessionConfig::silent(),
            m => return Err(invalid(format!("unknown mode {m} (0 action, 1 silent)"))),
        };
        *out = Box::into_raw(Box::new(open_session(engine, config, options)?));
        Ok(())
    })
}

/// The start of every session constructor: `*out` cleared, the engine checked.
pub(crate) unsafe fn session_out<'a>(
    engine: *const LfEngine,
    out: *mut *mut LfSession,
) -> Result<&'a LfEngine, (LfStatus, String)> {
    if out.is_null() {
        return Err(null("out"));
    }
    *out = std::ptr::null_mut();
    engine.as_ref().ok_or_else(|| null("engine"))
}

/// A session of `config` with the options' timeout, silent length and packaging.
pub(crate) unsafe fn open_session(
    engine: &LfEngine,
    mut config: SessionConfig,
    options: *const LfSessionOptions,
) -> Result<LfSession, (LfStatus, String)> {
    let o = if options.is_null() { lf_session_options_default() } else { *options };
    if o.timeout_ms != 0 {
        config = config.with_timeout_ms(o.timeout_ms);
    }
    if o.silent_ms != 0 && config.mode == Mode::Silent {
        config = config.with_silent_ms(o.silent_ms);
    }
    let session = Session::new(&engine.engine, config).map_err(lf)?;
    let packager = if o.keep_package != 0 { Some(Packager::new(PackagerConfig::default()).map_err(lf)?) } else { None };
    Ok(LfSession {
        session,
        packager,
        index: 0,
        events: VecDeque::new(),
        outcome: None,
        last_error: CString::default(),
        light: None,
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
        EventKind::LightColor { index, .. } => (LfEventKind::LightColor, *index as i32, 0),
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
