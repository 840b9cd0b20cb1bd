//! Digit (LIP) sessions through the C ABI: the person reads a 4-digit code aloud; the app
//! feeds the microphone with `lf_session_push_audio` alongside the frames.

use std::ffi::{c_char, CStr};

use liveface::SessionConfig;

use crate::boundary::{guard, invalid, null, set_thread_error};
use crate::{open_session, session_out, LfEngine, LfSession, LfSessionOptions, LfStatus};

/// Starts a digit session into `*out`: `code` is the NUL-terminated 4-digit code shown
/// to the person (from the API's `GetLiveCode` or your server; the package's
/// `ValidateData`). `options` as for `lf_session_new` (its `mode` and `actions` are not
/// used; NULL: defaults). Push the microphone's samples with `lf_session_push_audio` on
/// the frames' clock; the session emits an `LF_PROMPT_READ_DIGITS` prompt and ends with
/// one of the `LF_REASON_LIP_*` reasons when it fails. `LF_STATUS_INVALID_ARGUMENT` for a
/// code that is not 4 digits.
#[no_mangle]
pub unsafe extern "C" fn lf_session_new_lip(
    engine: *const LfEngine,
    options: *const LfSessionOptions,
    code: *const c_char,
    out: *mut *mut LfSession,
) -> LfStatus {
    guard(set_thread_error, || {
        let engine = session_out(engine, out)?;
        if code.is_null() {
            return Err(null("code"));
        }
        let code = CStr::from_ptr(code).to_str().map_err(|_| invalid("the code is not UTF-8".into()))?;
        if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!("the code must be 4 digits, got {code:?}")));
        }
        let session = open_session(engine, SessionConfig::lip(code), options)?;
        *out = Box::into_raw(Box::new(session));
        Ok(())
    })
}
