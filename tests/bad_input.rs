//! Bad input never panics: it is a typed error, or (for pictures without a face) an empty
//! report.

mod common;

use liveface::source::load_image;
use liveface::{ErrorKind, FrameRef, PixelFormat};

fn tmp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("liveface-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A PNG whose header claims `w x h` pixels, with a tiny (invalid) body.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(&ihdr);
    v.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let mut idat = b"IDAT".to_vec();
    idat.extend_from_slice(&[0x78, 0x9c, 0x03, 0x00]);
    v.extend_from_slice(&4u32.to_be_bytes());
    v.extend_from_slice(&idat);
    v.extend_from_slice(&crc32(&idat).to_be_bytes());
    v
}

#[test]
fn truncated_corrupt_empty_and_huge_images_are_decode_errors() {
    let good = common::read(&common::asset("astronaut.png"));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.png", vec![]),
        ("truncated.png", good[..good.len() / 3].to_vec()),
        ("garbage.png", (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761u32) >> 24) as u8).collect()),
        ("huge.png", png_claiming(100_000, 100_000)),
        ("zero.png", png_claiming(0, 0)),
        ("text.jpg", b"this is not a jpeg".to_vec()),
    ];
    for (name, bytes) in cases {
        let p = tmp(name, &bytes);
        let e = load_image(&p).expect_err(name);
        assert!(matches!(e.kind(), ErrorKind::Decode | ErrorKind::Io), "{name}: {e}");
        assert!(e.to_string().contains(name), "error names the file: {e}");
    }
    let e = load_image(&tmp("empty2.png", b"")).unwrap_err();
    assert!(e.to_string().contains("empty file"), "{e}");
    let e = load_image(&tmp("text2.jpg", b"this is not a jpeg")).unwrap_err();
    assert!(e.to_string().contains("not a video or image we recognise"), "{e}");
    let e = load_image(std::path::Path::new("/no/such/file.png")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
}

#[test]
fn frame_descriptions_that_do_not_fit_the_buffer_are_errors() {
    let buf = vec![0u8; 640 * 480 * 3];
    let cases = [
        (0, 480, PixelFormat::Rgb8, 0),             // zero width
        (640, 0, PixelFormat::Rgb8, 1920),          // zero height
        (640, 480, PixelFormat::Rgb8, 1000),        // stride below one row
        (640, 481, PixelFormat::Rgb8, 1920),        // buffer too short
        (641, 480, PixelFormat::Nv12, 641),         // odd NV12 width
        (640, 479, PixelFormat::Nv21, 640),         // odd NV21 height
        (100_000, 10, PixelFormat::Gray8, 100_000), // huge
        (640, 480, PixelFormat::Rgba8, 2560),       // RGBA needs 4 bytes a pixel
    ];
    for (w, h, fmt, stride) in cases {
        let e = FrameRef::with_stride(&buf, w, h, fmt, stride).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidFrame, "{w}x{h} {fmt:?} stride {stride}: {e}");
    }
}

#[test]
fn pictures_without_a_face_report_zero_faces() {
    let engine = common::engine();
    let mut tracker = engine.tracker();
    let coffee = load_image(&common::asset("coffee.png")).unwrap();
    let r = tracker.process(&coffee.as_frame().unwrap()).unwrap();
    assert_eq!(r.faces_detected, 0);
    assert!(r.face.is_none() && r.detector_ran);
    // Flat frames in every format: black, white, mid grey; tiny frames too.
    for (w, h) in [(640u32, 480u32), (2, 2), (1, 1)] {
        for v in [0u8, 255, 128] {
            let rgb = vec![v; (w * h * 3) as usize];
            let r = tracker.process(&FrameRef::new(&rgb, w, h, PixelFormat::Rgb8).unwrap()).unwrap();
            assert_eq!(r.faces_detected, 0, "{w}x{h} value {v}");
        }
    }
    let nv12 = vec![16u8; 640 * 480 * 3 / 2];
    let r = tracker.process(&FrameRef::new(&nv12, 640, 480, PixelFormat::Nv12).unwrap()).unwrap();
    assert!(r.face.is_none());
    let i420 = vec![200u8; 64 * 48 * 3 / 2];
    let r = tracker.process(&FrameRef::new(&i420, 64, 48, PixelFormat::I420).unwrap()).unwrap();
    assert!(r.face.is_none());
}

#[test]
fn extreme_aspect_ratios_do_not_panic() {
    let engine = common::engine();
    let mut tracker = engine.tracker();
    for (w, h) in [(4000u32, 1u32), (1, 4000), (16384, 2)] {
        let g = vec![90u8; (w * h) as usize];
        let r = tracker.process(&FrameRef::new(&g, w, h, PixelFormat::Gray8).unwrap()).unwrap();
        assert!(r.face.is_none(), "{w}x{h}");
    }
}
