//! C ABI vs Rust API per tracked frame, interleaved frame by frame so machine noise hits
//! both alike: `cargo run --release -p liveface-ffi --example overhead [FRAMES]`.

use std::ptr::{null, null_mut};
use std::time::Instant;

use liveface_ffi::*;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(400);
    let a = liveface::source::load_image(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/astronaut.png"),
    )
    .unwrap();
    let mut px = vec![128u8; 640 * 480 * 3];
    for y in 0..480 {
        px[(y * 640 + 64) * 3..(y * 640 + 576) * 3].copy_from_slice(&a.data[y * 512 * 3..(y + 1) * 512 * 3]);
    }
    let engine = liveface::Engine::new().unwrap();
    let mut config = liveface::SessionConfig::silent().with_timeout_ms(600_000);
    config.silent.good_ms = 60_000;
    let mut rust = liveface::Session::new(&engine, config).unwrap();
    let (mut tr, mut tc) = (Vec::with_capacity(n), Vec::with_capacity(n));
    unsafe {
        let mut e = null_mut();
        assert_eq!(lf_engine_new(null(), &mut e), LfStatus::Ok);
        let mut so = lf_session_options_default();
        so.mode = LfMode::Silent as u32;
        so.silent_ms = 60_000;
        so.timeout_ms = 600_000;
        let mut s = null_mut();
        assert_eq!(lf_session_new(e, &so, &mut s), LfStatus::Ok);
        for i in 0..n as i64 + 20 {
            let t = i * 33_333;
            let f = liveface::FrameRef::new(&px, 640, 480, liveface::PixelFormat::Rgb8).unwrap().at_us(t);
            // Alternate which goes first, so neither always finds the caches warm.
            let mut run_rust = || {
                let t0 = Instant::now();
                let r = rust.push(&f).unwrap();
                assert!(r.0.face.is_some());
                t0.elapsed()
            };
            let rust_first = i % 2 == 0;
            let mut d_rust = if rust_first { run_rust() } else { Default::default() };
            let cf = LfFrame {
                data: px.as_ptr(),
                len: px.len(),
                width: 640,
                height: 480,
                format: LfPixelFormat::Rgb8 as u32,
                stride: 0,
                rotation_degrees: 0,
                mirror: 0,
                yuv_limited_range: 0,
                timestamp_us: t,
            };
            let t1 = Instant::now();
            assert_eq!(lf_session_push_frame(s, &cf, null_mut()), LfStatus::Ok);
            let mut ev = std::mem::zeroed::<LfEvent>();
            let mut has = 0u8;
            while lf_session_next_event(s, &mut ev, &mut has) == LfStatus::Ok && has == 1 {}
            let d_c = t1.elapsed();
            if !rust_first {
                d_rust = run_rust();
            }
            if i >= 20 {
                tr.push(d_rust.as_secs_f64() * 1e3);
                tc.push(d_c.as_secs_f64() * 1e3);
            }
        }
        lf_session_free(s);
        lf_engine_free(e);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mr, mc) = (med(&mut tr), med(&mut tc));
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    println!(
        "{n} tracked 640x480 frames each, interleaved: Rust median {mr:.3} ms, C ABI median {mc:.3} ms, ratio {:.4} (totals {:.4})",
        mc / mr,
        sum(&tc) / sum(&tr)
    );
}
