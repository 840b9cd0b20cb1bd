//! Light and flash sessions through the C ABI: the challenge from the server's nonce, its
//! schedule for the app to show, and the app's word on when each colour was on screen.

use liveface::checks::light::{LightChallenge, LightChallengeConfig};
use liveface::checks::DisplayAck;
use liveface::SessionConfig;

use crate::boundary::{guard, invalid, lf, null, set_thread_error, with_session};
use crate::{open_session, session_out, LfEngine, LfSession, LfSessionOptions, LfStatus};

/// One colour of a light challenge's schedule.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LfLightStep {
    /// Index in the schedule: the `code` of its `LF_EVENT_KIND_LIGHT_COLOR` event.
    pub index: u32,
    /// Red, 8-bit sRGB.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Planned start after the schedule's start (ms).
    pub start_ms: u32,
    /// How long it is shown (ms).
    pub duration_ms: u32,
}

/// Starts a light session (`flash` non-zero: a blink first, then the colours) into
/// `*out`. The challenge comes from `nonce` (`nonce_len` bytes, e.g. from the server, so
/// that it can check the same schedule); NULL or 0 bytes: a random one. `options` as for
/// `lf_session_new` (its `mode` and `actions` are not used; NULL: defaults). The session
/// emits an `LF_EVENT_KIND_LIGHT_COLOR` event (code: step index) when each colour should
/// fill the screen; `lf_session_light_schedule` gives the colours and times.
#[no_mangle]
pub unsafe extern "C" fn lf_session_new_light(
    engine: *const LfEngine,
    options: *const LfSessionOptions,
    nonce: *const u8,
    nonce_len: usize,
    flash: u8,
    out: *mut *mut LfSession,
) -> LfStatus {
    guard(set_thread_error, || {
        let engine = session_out(engine, out)?;
        let cfg = LightChallengeConfig::default();
        let challenge = if nonce.is_null() || nonce_len == 0 {
            LightChallenge::random(&cfg)
        } else {
            LightChallenge::from_nonce(std::slice::from_raw_parts(nonce, nonce_len), &cfg)
        }
        .map_err(lf)?;
        let config =
            if flash != 0 { SessionConfig::flash(challenge.clone()) } else { SessionConfig::light(challenge.clone()) };
        let mut session = open_session(engine, config, options)?;
        session.light = Some(challenge);
        *out = Box::into_raw(Box::new(session));
        Ok(())
    })
}

/// Copies up to `capacity` steps of a light session's schedule into `steps` and sets
/// `*count` to the number of steps (call with `capacity` 0 and `steps` NULL to learn it).
/// `LF_STATUS_INVALID_ARGUMENT` for a session that is not a light or flash one.
#[no_mangle]
pub unsafe extern "C" fn lf_session_light_schedule(
    session: *mut LfSession,
    steps: *mut LfLightStep,
    capacity: usize,
    count: *mut usize,
) -> LfStatus {
    with_session(session, |s| {
        if count.is_null() {
            return Err(null("count"));
        }
        if steps.is_null() && capacity > 0 {
            return Err(null("steps"));
        }
        let ch = s.light.as_ref().ok_or_else(|| invalid("not a light or flash session".into()))?;
        *count = ch.steps.len();
        for (i, st) in ch.steps.iter().take(capacity).enumerate() {
            *steps.add(i) = LfLightStep {
                index: st.index as u32,
                r: st.rgb[0],
                g: st.rgb[1],
                b: st.rgb[2],
                start_ms: st.start_ms,
                duration_ms: st.duration_ms,
            };
        }
        Ok(())
    })
}

/// Tells a light session when step `index` was really on screen, from `from_us` to
/// `to_us` on the frames' clock (AWS's `ColorDisplayed`); without it the planned times are
/// used and the display lag estimated.
#[no_mangle]
pub unsafe extern "C" fn lf_session_acknowledge(
    session: *mut LfSession,
    index: u32,
    from_us: i64,
    to_us: i64,
) -> LfStatus {
    with_session(session, |s| {
        let steps = s.light.as_ref().ok_or_else(|| invalid("not a light or flash session".into()))?.steps.len();
        if index as usize >= steps {
            return Err(invalid(format!("step {index} of a {steps}-step schedule")));
        }
        if to_us <= from_us {
            return Err(invalid(format!("shown from {from_us} to {to_us} us")));
        }
        s.session.acknowledge(&DisplayAck { index: index as usize, from_us, to_us });
        Ok(())
    })
}
