//! The C ABI called as C would call it: NULLs, bad frames, bad settings, a whole session
//! over real frames with events, outcome, JSON and package, and buffers freed.

use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

use liveface_ffi::*;

fn astronaut_rgb(k: usize) -> (Vec<u8>, u32) {
    let a = liveface::source::load_image(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/astronaut.png"),
    )
    .expect("asset");
    let w = a.width as usize;
    let n = w * k;
    let mut out = vec![0u8; n * n * 3];
    for y in 0..n {
        for x in 0..n {
            let s = ((y / k) * w + x / k) * 3;
            out[(y * n + x) * 3..(y * n + x) * 3 + 3].copy_from_slice(&a.data[s..s + 3]);
        }
    }
    (out, n as u32)
}

/// An upright `n x n` frame over `data`.
fn square_frame(data: &[u8], n: u32, format: LfPixelFormat, stride: usize, t_us: i64) -> LfFrame {
    LfFrame {
        data: data.as_ptr(),
        len: data.len(),
        width: n,
        height: n,
        format: format as u32,
        stride,
        rotation_degrees: 0,
        mirror: 0,
        yuv_limited_range: 0,
        timestamp_us: t_us,
    }
}

fn engine() -> *mut LfEngine {
    let mut e = null_mut();
    assert_eq!(unsafe { lf_engine_new(null(), &mut e) }, LfStatus::Ok, "{:?}", last());
    e
}

fn last() -> String {
    unsafe { CStr::from_ptr(lf_last_error()) }.to_string_lossy().into_owned()
}

fn session_error(s: *const LfSession) -> String {
    unsafe { CStr::from_ptr(lf_session_last_error(s)) }.to_string_lossy().into_owned()
}

#[test]
fn nulls_and_bad_arguments_are_statuses_with_messages() {
    unsafe {
        assert_eq!(lf_abi_version(), LF_ABI_VERSION);
        assert_eq!(CStr::from_ptr(lf_version()).to_str().unwrap(), "0.1.0");
        assert_eq!(lf_engine_new(null(), null_mut()), LfStatus::NullArgument);
        assert!(last().contains("out is NULL"));
        let mut s = null_mut();
        assert_eq!(lf_session_new(null(), null(), &mut s), LfStatus::NullArgument);
        assert!(s.is_null());
        assert_eq!(lf_session_push_frame(null_mut(), null(), null_mut()), LfStatus::NullArgument);
        assert_eq!(lf_session_is_finished(null()), -1);
        lf_session_free(null_mut());
        lf_engine_free(null_mut());
        lf_buffer_free(null_mut());
        lf_package_free(null_mut());

        // A models directory that does not exist: a model error, said.
        let mut o = lf_engine_options_default();
        let dir = CString::new("/nonexistent/models").unwrap();
        o.models_dir = dir.as_ptr();
        let mut e = null_mut();
        assert_eq!(lf_engine_new(&o, &mut e), LfStatus::Model);
        assert!(e.is_null());
        assert!(last().contains("/nonexistent/models"), "{}", last());
        o = lf_engine_options_default();
        o.threads = 0;
        assert_eq!(lf_engine_new(&o, &mut e), LfStatus::Config);

        let e = engine();
        let mut so = lf_session_options_default();
        so.mode = 7;
        assert_eq!(lf_session_new(e, &so, &mut s), LfStatus::InvalidArgument);
        assert!(last().contains("unknown mode 7"));
        so = lf_session_options_default();
        let bad = CString::new("1,9").unwrap();
        so.actions = bad.as_ptr();
        assert_eq!(lf_session_new(e, &so, &mut s), LfStatus::Config);

        assert_eq!(lf_session_new(e, null(), &mut s), LfStatus::Ok);
        // Frames that do not fit their buffer, unknown formats and rotations.
        let px = [0u8; 100];
        let mut f = LfFrame {
            data: px.as_ptr(),
            len: px.len(),
            width: 640,
            height: 480,
            format: LfPixelFormat::Rgb8 as u32,
            stride: 0,
            rotation_degrees: 0,
            mirror: 0,
            yuv_limited_range: 0,
            timestamp_us: 0,
        };
        assert_eq!(lf_session_push_frame(s, &f, null_mut()), LfStatus::InvalidFrame);
        assert!(session_error(s).contains("640"), "{}", session_error(s));
        f.format = 42;
        assert_eq!(lf_session_push_frame(s, &f, null_mut()), LfStatus::InvalidArgument);
        f.format = LfPixelFormat::Gray8 as u32;
        f.width = 10;
        f.height = 10;
        f.rotation_degrees = 45;
        assert_eq!(lf_session_push_frame(s, &f, null_mut()), LfStatus::InvalidFrame);
        f.data = null();
        assert_eq!(lf_session_push_frame(s, &f, null_mut()), LfStatus::NullArgument);
        let mut out = LfBuffer { data: null_mut(), len: 0 };
        assert_eq!(lf_session_outcome_json(s, &mut out), LfStatus::NotReady);
        assert_eq!(lf_session_push_audio(s, null(), 10, 1, 16_000, 0), LfStatus::NullArgument);
        let audio = [0.0f32; 320];
        assert_eq!(lf_session_push_audio(s, audio.as_ptr(), 160, 2, 16_000, 0), LfStatus::Ok);
        assert_eq!(lf_session_push_audio(s, audio.as_ptr(), 160, 0, 16_000, 0), LfStatus::InvalidArgument);
        lf_session_free(s);
        lf_engine_free(e);
    }
}

#[test]
fn a_session_through_the_abi_gives_events_an_outcome_and_a_package() {
    let (rgb, n) = astronaut_rgb(2);
    // NV12 as a phone would hand it over.
    let nv12 = rgb_to_nv12(&rgb, n as usize);
    unsafe {
        let e = engine();
        let mut so = lf_session_options_default();
        so.mode = LfMode::Silent as u32;
        so.silent_ms = 2_000;
        so.keep_package = 1;
        let mut s = null_mut();
        assert_eq!(lf_session_new(e, &so, &mut s), LfStatus::Ok, "{}", last());
        let mut finished = 0u8;
        let mut events = Vec::new();
        let mut i = 0i64;
        while finished == 0 && i < 150 {
            let f = square_frame(&nv12, n, LfPixelFormat::Nv12, n as usize, i * 33_333);
            assert_eq!(lf_session_push_frame(s, &f, &mut finished), LfStatus::Ok, "{}", session_error(s));
            let mut ev = std::mem::zeroed::<LfEvent>();
            let mut has = 0u8;
            while lf_session_next_event(s, &mut ev, &mut has) == LfStatus::Ok && has == 1 {
                events.push((ev.kind, ev.code, CStr::from_ptr(ev.en).to_str().unwrap().to_string()));
            }
            i += 1;
        }
        assert_eq!(finished, 1, "a silent session over a still picture decides within 150 frames");
        assert_eq!(lf_session_is_finished(s), 1);
        assert!(events.iter().any(|e| e.0 == LfEventKind::Prompt as u32 && e.2 == "hold still"), "{events:?}");
        assert_eq!(events.last().unwrap().0, LfEventKind::Finished as u32);
        let mut o = std::mem::zeroed::<LfOutcome>();
        assert_eq!(lf_session_finish(s, &mut o), LfStatus::Ok);
        assert_eq!(o.frames, i as u64);
        let mut json = LfBuffer { data: null_mut(), len: 0 };
        assert_eq!(lf_session_outcome_json(s, &mut json), LfStatus::Ok);
        let v: serde_json::Value = serde_json::from_slice(std::slice::from_raw_parts(json.data, json.len)).unwrap();
        lf_buffer_free(&mut json);
        assert!(json.data.is_null());
        assert_eq!(v["passed"].as_bool().unwrap(), o.passed == 1);
        assert_eq!(v["frames"].as_u64().unwrap(), o.frames);
        assert_eq!(v["mode"], "silent");
        if o.passed == 1 {
            assert_eq!(o.reason, -1);
            assert!(o.api_code.is_null());
            let mut p = std::mem::zeroed::<LfPackage>();
            assert_eq!(lf_session_package(s, null(), &mut p), LfStatus::Ok, "{}", session_error(s));
            assert_eq!(std::slice::from_raw_parts(p.best_jpeg.data, 2), &[0xFF, 0xD8]);
            let m: serde_json::Value =
                serde_json::from_slice(std::slice::from_raw_parts(p.manifest_json.data, p.manifest_json.len)).unwrap();
            assert_eq!(m["liveness_type"], "SILENT");
            assert_eq!(m["files"]["video.mp4"].as_u64().unwrap() as usize, p.video_mp4.len);
            lf_package_free(&mut p);
            // One package per session.
            assert_eq!(lf_session_package(s, null(), &mut p), LfStatus::NotReady);
        } else {
            assert!(o.reason >= 0);
        }
        lf_session_free(s);
        lf_engine_free(e);
    }
}

/// RGB -> NV12 (full range BT.601), chroma averaged over 2x2.
fn rgb_to_nv12(rgb: &[u8], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n * n * 3 / 2];
    let px = |x: usize, y: usize| {
        let i = (y * n + x) * 3;
        (rgb[i] as f32, rgb[i + 1] as f32, rgb[i + 2] as f32)
    };
    for y in 0..n {
        for x in 0..n {
            let (r, g, b) = px(x, y);
            out[y * n + x] = (0.299 * r + 0.587 * g + 0.114 * b).round().clamp(0.0, 255.0) as u8;
        }
    }
    for cy in 0..n / 2 {
        for cx in 0..n / 2 {
            let (mut u, mut v) = (0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (r, g, b) = px(cx * 2 + dx, cy * 2 + dy);
                u += -0.168_736 * r - 0.331_264 * g + 0.5 * b + 128.0;
                v += 0.5 * r - 0.418_688 * g - 0.081_312 * b + 128.0;
            }
            let i = n * n + cy * n + cx * 2;
            out[i] = (u / 4.0).round().clamp(0.0, 255.0) as u8;
            out[i + 1] = (v / 4.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[test]
fn a_light_session_gives_its_schedule_announces_each_colour_and_fails_a_still_picture() {
    let (rgb, n) = astronaut_rgb(2);
    let nonce = b"server nonce 0001";
    let want = liveface::checks::light::LightChallenge::from_nonce(
        nonce,
        &liveface::checks::light::LightChallengeConfig::default(),
    )
    .unwrap();
    unsafe {
        let e = engine();
        let mut s = null_mut();
        assert_eq!(
            lf_session_new_light(null(), null(), nonce.as_ptr(), nonce.len(), 0, &mut s),
            LfStatus::NullArgument
        );
        assert!(s.is_null());
        assert_eq!(lf_session_new_light(e, null(), nonce.as_ptr(), nonce.len(), 0, &mut s), LfStatus::Ok, "{}", last());
        // The schedule: its length first, then the steps, as the nonce gives them.
        let mut count = 0usize;
        assert_eq!(lf_session_light_schedule(s, null_mut(), 0, &mut count), LfStatus::Ok);
        assert_eq!(count, want.steps.len());
        let mut steps = vec![LfLightStep::default(); count];
        assert_eq!(lf_session_light_schedule(s, steps.as_mut_ptr(), count, &mut count), LfStatus::Ok);
        for (got, w) in steps.iter().zip(&want.steps) {
            assert_eq!((got.index as usize, [got.r, got.g, got.b]), (w.index, w.rgb));
            assert_eq!((got.start_ms, got.duration_ms), (w.start_ms, w.duration_ms));
        }
        assert_eq!(lf_session_light_schedule(s, null_mut(), 3, &mut count), LfStatus::NullArgument);
        // Acknowledgements: a step that does not exist or an empty interval is refused.
        assert_eq!(lf_session_acknowledge(s, count as u32, 0, 10), LfStatus::InvalidArgument);
        assert!(session_error(s).contains("step"), "{}", session_error(s));
        assert_eq!(lf_session_acknowledge(s, 0, 50, 50), LfStatus::InvalidArgument);
        // A still picture under no light: every colour is announced, in order, then the
        // session fails with a light reason.
        let (mut finished, mut i) = (0u8, 0i64);
        let mut colours = Vec::new();
        let mut reason = None;
        while finished == 0 && i < 300 {
            let f = square_frame(&rgb, n, LfPixelFormat::Rgb8, 3 * n as usize, i * 33_333);
            assert_eq!(lf_session_push_frame(s, &f, &mut finished), LfStatus::Ok, "{}", session_error(s));
            let mut ev = std::mem::zeroed::<LfEvent>();
            let mut has = 0u8;
            while lf_session_next_event(s, &mut ev, &mut has) == LfStatus::Ok && has == 1 {
                if ev.kind == LfEventKind::LightColor as u32 {
                    colours.push(ev.code);
                    assert_eq!(lf_session_acknowledge(s, ev.code as u32, ev.t_us, ev.t_us + 300_000), LfStatus::Ok);
                }
                if ev.kind == LfEventKind::Finished as u32 {
                    reason = Some(ev.code);
                }
            }
            i += 1;
        }
        assert_eq!(finished, 1, "the light session decides once its schedule has run");
        assert_eq!(colours, (0..count as i32).collect::<Vec<_>>());
        let mut o = std::mem::zeroed::<LfOutcome>();
        assert_eq!(lf_session_finish(s, &mut o), LfStatus::Ok);
        assert_eq!(o.passed, 0);
        assert_eq!(reason, Some(o.reason));
        assert!(
            [LfReason::LightNoResponse as i32, LfReason::LightTooShort as i32].contains(&o.reason),
            "reason {}",
            o.reason
        );
        lf_session_free(s);
        // Any other session has no schedule.
        let mut a = null_mut();
        assert_eq!(lf_session_new(e, null(), &mut a), LfStatus::Ok);
        assert_eq!(lf_session_light_schedule(a, null_mut(), 0, &mut count), LfStatus::InvalidArgument);
        assert_eq!(lf_session_acknowledge(a, 0, 0, 10), LfStatus::InvalidArgument);
        lf_session_free(a);
        lf_engine_free(e);
    }
}

#[test]
fn a_digit_session_listens_and_fails_a_still_picture_with_a_voice() {
    let (rgb, n) = astronaut_rgb(2);
    let speech = liveface::video::extract_audio(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/audio/espeak_7294_en.wav"),
    )
    .unwrap()
    .unwrap()
    .samples;
    unsafe {
        let e = engine();
        let mut s = null_mut();
        let code = CString::new("7294").unwrap();
        assert_eq!(lf_session_new_lip(e, null(), null(), &mut s), LfStatus::NullArgument);
        for bad in ["729", "72945", "72a4"] {
            let c = CString::new(bad).unwrap();
            assert_eq!(lf_session_new_lip(e, null(), c.as_ptr(), &mut s), LfStatus::InvalidArgument, "{bad}");
            assert!(last().contains("4 digits"), "{}", last());
        }
        assert_eq!(lf_session_new_lip(e, null(), code.as_ptr(), &mut s), LfStatus::Ok, "{}", last());
        // A photo with the code read aloud: stereo at 16 kHz, one video frame's worth at a
        // time, as a phone's microphone callback would deliver it.
        let stereo: Vec<f32> = speech.iter().flat_map(|v| [*v, *v]).collect();
        let (mut finished, mut prompts) = (0u8, Vec::new());
        for i in 0..150i64 {
            let (a, b) = ((i as usize * 533).min(speech.len()), ((i as usize + 1) * 533).min(speech.len()));
            if b > a {
                let st = lf_session_push_audio(s, stereo[2 * a..].as_ptr(), b - a, 2, 16_000, i * 33_333);
                assert_eq!(st, LfStatus::Ok, "{}", session_error(s));
            }
            let f = square_frame(&rgb, n, LfPixelFormat::Rgb8, 3 * n as usize, i * 33_333);
            assert_eq!(lf_session_push_frame(s, &f, &mut finished), LfStatus::Ok, "{}", session_error(s));
            let mut ev = std::mem::zeroed::<LfEvent>();
            let mut has = 0u8;
            while lf_session_next_event(s, &mut ev, &mut has) == LfStatus::Ok && has == 1 {
                if ev.kind == LfEventKind::Prompt as u32 {
                    prompts.push(ev.code);
                }
            }
            if finished == 1 {
                break;
            }
        }
        assert!(prompts.contains(&(LfPrompt::ReadDigits as i32)), "{prompts:?}");
        let mut o = std::mem::zeroed::<LfOutcome>();
        assert_eq!(lf_session_finish(s, &mut o), LfStatus::Ok);
        assert_eq!((o.passed, o.reason), (0, LfReason::LipMoveSmall as i32), "a still mouth does not read the code");
        lf_session_free(s);
        lf_engine_free(e);
    }
}
