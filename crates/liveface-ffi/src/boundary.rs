//! The boundary rules every entry point follows: errors become a status and a message
//! (per session, or per thread), panics are caught, C strings are checked.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use crate::types::{status_of, LfStatus};
use crate::LfSession;

thread_local! {
    pub(crate) static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

pub(crate) fn set_thread_error(msg: &str) {
    LAST_ERROR.with(|e| *e.borrow_mut() = cstring(msg));
}

/// Static, NUL-terminated copies of the library's static texts (a bounded set: prompts,
/// reasons, API codes), made once and kept for the life of the process.
pub(crate) fn static_c(s: &'static str) -> *const c_char {
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
pub(crate) fn guard(err: impl FnOnce(&str), f: impl FnOnce() -> Result<(), (LfStatus, String)>) -> LfStatus {
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

pub(crate) fn lf(e: liveface::Error) -> (LfStatus, String) {
    (status_of(e.kind()), e.to_string())
}

pub(crate) fn null(what: &str) -> (LfStatus, String) {
    (LfStatus::NullArgument, format!("{what} is NULL"))
}

pub(crate) fn invalid(msg: String) -> (LfStatus, String) {
    (LfStatus::InvalidArgument, msg)
}

/// An optional UTF-8 C string.
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, (LfStatus, String)> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p).to_str().map(Some).map_err(|_| invalid(format!("{what} is not valid UTF-8")))
}

/// Runs `f` on a session handle, recording errors on it.
pub(crate) unsafe fn with_session(
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
