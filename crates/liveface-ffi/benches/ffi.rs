//! Cost of the C ABI over the Rust API per tracked frame: the same frames through
//! `Session::push` and through `lf_session_push_frame` (+ draining events), one run.

use std::ptr::{null, null_mut};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use liveface_ffi::*;

fn frames() -> (Vec<u8>, u32, u32) {
    let a = liveface::source::load_image(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/astronaut.png"),
    )
    .unwrap();
    // The astronaut in a 640x480 grey frame.
    let mut out = vec![128u8; 640 * 480 * 3];
    for y in 0..480 {
        out[(y * 640 + 64) * 3..(y * 640 + 576) * 3].copy_from_slice(&a.data[y * 512 * 3..(y + 1) * 512 * 3]);
    }
    (out, 640, 480)
}

fn bench(c: &mut Criterion) {
    let (px, w, h) = frames();
    let mut g = c.benchmark_group("tracked_frame");
    // Rust: a long silent session (60 s of good time), so every frame is tracked.
    let engine = liveface::Engine::new().unwrap();
    let mut config = liveface::SessionConfig::silent().with_timeout_ms(600_000);
    config.silent.good_ms = 60_000;
    let mut session = liveface::Session::new(&engine, config).unwrap();
    let mut t = 0i64;
    g.bench_function("rust_session_push", |b| {
        b.iter(|| {
            t += 1_000;
            let f = liveface::FrameRef::new(&px, w, h, liveface::PixelFormat::Rgb8).unwrap().at_us(t);
            session.push(&f).unwrap()
        })
    });
    unsafe {
        let mut e = null_mut();
        assert_eq!(lf_engine_new(null(), &mut e), LfStatus::Ok);
        let mut so = lf_session_options_default();
        so.mode = LfMode::Silent as u32;
        so.silent_ms = 60_000;
        so.timeout_ms = 600_000;
        let mut s = null_mut();
        assert_eq!(lf_session_new(e, &so, &mut s), LfStatus::Ok);
        let mut t = 0i64;
        g.bench_function("c_abi_push_frame", |b| {
            b.iter(|| {
                t += 1_000;
                let f = LfFrame {
                    data: px.as_ptr(),
                    len: px.len(),
                    width: w,
                    height: h,
                    format: LfPixelFormat::Rgb8 as u32,
                    stride: 0,
                    rotation_degrees: 0,
                    mirror: 0,
                    yuv_limited_range: 0,
                    timestamp_us: t,
                };
                let st = lf_session_push_frame(s, &f, null_mut());
                let mut ev = std::mem::zeroed::<LfEvent>();
                let mut has = 0u8;
                while lf_session_next_event(s, &mut ev, &mut has) == LfStatus::Ok && has == 1 {}
                st
            })
        });
        lf_session_free(s);
        lf_engine_free(e);
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(6)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
