//! Helpers shared by the integration tests: the shipped assets and derived frames.
#![allow(dead_code)]

#[cfg(feature = "paas")]
pub mod https;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use liveface::source::{load_image, OwnedFrame};
use liveface::Engine;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn asset(name: &str) -> PathBuf {
    root().join("assets").join(name)
}

pub fn engine() -> Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new().expect("engine with embedded models and the fetched runtime")).clone()
}

pub fn astronaut() -> OwnedFrame {
    load_image(&asset("astronaut.png")).expect("astronaut asset")
}

/// The astronaut stored rotated 90° counter-clockwise (needs 90° clockwise to be upright),
/// as gen_golden.py's `astronaut_rot90`.
pub fn astronaut_rot90_buffer() -> (Vec<u8>, u32, u32) {
    let a = astronaut();
    let (w, h) = (a.width as usize, a.height as usize);
    // Counter-clockwise: buffer (x', y') = (y, w - 1 - x) for source (x, y); new size h x w.
    let mut out = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = (y, w - 1 - x);
            let (s, d) = ((y * w + x) * 3, (ny * h + nx) * 3);
            out[d..d + 3].copy_from_slice(&a.data[s..s + 3]);
        }
    }
    (out, h as u32, w as u32)
}

/// A 640x480 frame: grey 128 with the astronaut's first 480 rows at x = 64..576, as
/// gen_golden.py's `astronaut_640x480`.
pub fn astronaut_640x480() -> Vec<u8> {
    let a = astronaut();
    let mut out = vec![128u8; 640 * 480 * 3];
    for y in 0..480 {
        let s = y * 512 * 3;
        let d = (y * 640 + 64) * 3;
        out[d..d + 512 * 3].copy_from_slice(&a.data[s..s + 512 * 3]);
    }
    out
}

/// RGB8 -> NV12 (full-range BT.601), chroma averaged over 2x2 blocks.
pub fn rgb_to_nv12(rgb: &[u8], w: usize, h: usize) -> Vec<u8> {
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        (rgb[i] as f32, rgb[i + 1] as f32, rgb[i + 2] as f32)
    };
    let mut out = vec![0u8; w * h * 3 / 2];
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            out[y * w + x] = (0.299 * r + 0.587 * g + 0.114 * b).round().clamp(0.0, 255.0) as u8;
        }
    }
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let (mut u, mut v) = (0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (r, g, b) = px(cx * 2 + dx, cy * 2 + dy);
                u += -0.168_736 * r - 0.331_264 * g + 0.5 * b + 128.0;
                v += 0.5 * r - 0.418_688 * g - 0.081_312 * b + 128.0;
            }
            let i = w * h + cy * w + cx * 2;
            out[i] = (u / 4.0).round().clamp(0.0, 255.0) as u8;
            out[i + 1] = (v / 4.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

/// The folder with the shared data and models: `LIVEFACE_SHARED`, else `../shared`.
pub fn shared_root() -> PathBuf {
    std::env::var_os("LIVEFACE_SHARED").map(PathBuf::from).unwrap_or_else(|| root().join("../shared"))
}

/// A test that cannot run without something: with `CI` set this fails the test (CI has
/// ../shared beside the clone, so a missing file is a broken setup, not a pass);
/// otherwise it prints a `SKIPPED` line straight to the terminal (not captured by the
/// test harness, so it shows in a plain `cargo test`).
pub fn skip(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set and {what} is missing: data-dependent tests must not pass by skipping");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED ({}): {what}", std::thread::current().name().unwrap_or("?"));
}

/// A file or folder under the shared root (e.g. `data/faces/liveportrait_d3.mp4`), or
/// `None` after [`skip`].
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = shared_root().join(rel);
    if p.exists() {
        Some(p)
    } else {
        skip(&p.display().to_string());
        None
    }
}

/// The MiniFASNet pair in `LIVEFACE_ANTISPOOF_DIR` or ../shared/models, or `None` after
/// [`skip`].
pub fn antispoof_dir() -> Option<PathBuf> {
    let d =
        std::env::var_os("LIVEFACE_ANTISPOOF_DIR").map(PathBuf::from).unwrap_or_else(|| shared_root().join("models"));
    if d.join("minifasnet_v2_80x80_s2.7.onnx").is_file() {
        Some(d)
    } else {
        skip(&format!("MiniFASNet models in {}", d.display()));
        None
    }
}
