//! Video benches: H.264 decode rate, end-to-end pre-check of a clip, evidence encoding
//! and the best-frame JPEG. Synthetic clips (the astronaut panned) are made here; the
//! real clips in ../shared/data are used when present.
//!
//!     cargo bench --bench video

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use liveface::video::{encode_best_frame, track_video, BestFrameConfig, EvidenceConfig, EvidenceEncoder, VideoReader};
use liveface::{Engine, FrameRef, PixelFormat, TrackerConfig};

fn astronaut() -> liveface::source::OwnedFrame {
    liveface::source::load_image(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/astronaut.png")).unwrap()
}

/// A `w x h` selfie-like frame: the astronaut's head and shoulders scaled so the face is
/// about 40% of the frame height (nearest neighbour), shifted `dx` pixels.
fn canvas(w: usize, h: usize, dx: usize) -> Vec<u8> {
    let a = astronaut();
    let mut out = vec![0u8; w * h * 3];
    // Source window around the face: x from 96, y 20..276 of the 512x512 picture.
    let scale = 256.0 / h as f64;
    for y in 0..h {
        for x in 0..w {
            let sx = (96.0 + (x as f64 - (w as f64 - h as f64) / 2.0 - dx as f64) * scale).clamp(0.0, 511.0) as usize;
            let sy = (20.0 + y as f64 * scale).clamp(0.0, 511.0) as usize;
            out[(y * w + x) * 3..(y * w + x) * 3 + 3]
                .copy_from_slice(&a.data[(sy * 512 + sx) * 3..(sy * 512 + sx) * 3 + 3]);
        }
    }
    out
}

/// An H.264 MP4 of `n` frames at `w x h` (Constrained Baseline, as phones record).
fn synthetic_clip(w: usize, h: usize, n: usize) -> Vec<u8> {
    let config = {
        let mut c = EvidenceConfig::default();
        c.width = w as u32;
        c.bitrate_bps = 4_000_000;
        c.max_bytes = 64 << 20;
        c
    };
    let mut enc = EvidenceEncoder::new(config).unwrap();
    for i in 0..n {
        let px = canvas(w, h, (i * 3) % 60);
        enc.push(&FrameRef::new(&px, w as u32, h as u32, PixelFormat::Rgb8).unwrap().at_us(i as i64 * 40_000)).unwrap();
    }
    enc.finish().unwrap().mp4
}

fn shared(p: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(p);
    path.exists().then_some(path)
}

/// Decodes every picture; returns how many.
fn decode_all(bytes: &[u8]) -> usize {
    VideoReader::from_bytes(bytes.to_vec())
        .unwrap()
        .map(|f| f.map(|_| 1usize))
        .sum::<liveface::Result<usize>>()
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (w, h) in [(640usize, 480usize), (1280, 720)] {
        let clip = synthetic_clip(w, h, 50);
        g.throughput(Throughput::Elements(50));
        g.bench_function(format!("h264_baseline_{w}x{h}"), |b| b.iter(|| decode_all(&clip)));
    }
    for name in ["faces/liveportrait_d3.mp4", "faces/liveportrait_d13.mp4"] {
        if let Some(p) = shared(name) {
            let bytes = std::fs::read(&p).unwrap();
            let n = decode_all(&bytes);
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(format!("real_{}", p.file_stem().unwrap().to_string_lossy()), |b| {
                b.iter(|| decode_all(&bytes))
            });
        }
    }
    g.finish();

    let engine = Engine::new().unwrap();
    let mut g = c.benchmark_group("precheck");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    // 5 s of 1280x720 at 25 fps, decoded on one thread, tracked on another.
    let dir = std::env::temp_dir().join(format!("liveface-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p720 = dir.join("synthetic_720p_5s.mp4");
    std::fs::write(&p720, synthetic_clip(1280, 720, 125)).unwrap();
    let run = track_video(&engine, &p720, TrackerConfig::default(), |_, _, _| Ok(())).unwrap();
    assert_eq!(run.frames_with_face, run.frames, "the synthetic 720p clip shows a face throughout: {run:?}");
    g.throughput(Throughput::Elements(125));
    g.bench_function("track_720p_5s_synthetic", |b| {
        b.iter(|| track_video(&engine, &p720, TrackerConfig::default(), |_, _, _| Ok(())).unwrap())
    });
    // The same with the mesh + iris landmark models (liveface 0.1's tracked frame).
    let mesh_iris =
        Engine::builder().landmark_model(liveface::LandmarkModel::MeshIris).build().expect("mesh + iris engine");
    g.bench_function("track_720p_5s_synthetic_mesh_iris", |b| {
        b.iter(|| track_video(&mesh_iris, &p720, TrackerConfig::default(), |_, _, _| Ok(())).unwrap())
    });
    if let Some(p) = shared("faces/liveportrait_d13.mp4") {
        g.throughput(Throughput::Elements(352));
        g.bench_function("track_d13_720x1280_11.7s", |b| {
            b.iter(|| track_video(&engine, &p, TrackerConfig::default(), |_, _, _| Ok(())).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("encode");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    let frames: Vec<Vec<u8>> = (0..50).map(|i| canvas(640, 480, i % 60)).collect();
    g.throughput(Throughput::Elements(50));
    let fill = || {
        let mut enc = EvidenceEncoder::new(EvidenceConfig::default()).unwrap();
        for (i, px) in frames.iter().enumerate() {
            enc.push(&FrameRef::new(px, 640, 480, PixelFormat::Rgb8).unwrap().at_us(i as i64 * 40_000)).unwrap();
        }
        enc
    };
    // Turning 640x480 RGB frames upright and into 320x240 I420 as they arrive.
    g.bench_function("push_640x480_to_320px_50_frames", |b| b.iter(fill));
    // H.264 encoding and MP4 muxing of the collected pictures.
    g.bench_function("h264_mp4_320px_50_frames", |b| {
        b.iter_batched(fill, |enc| enc.finish().unwrap(), criterion::BatchSize::LargeInput)
    });
    g.finish();

    let mut g = c.benchmark_group("jpeg");
    let px = canvas(640, 480, 0);
    let frame = FrameRef::new(&px, 640, 480, PixelFormat::Rgb8).unwrap();
    let q85 = {
        let mut c = BestFrameConfig::default();
        c.quality = 85;
        c
    };
    g.bench_function("best_frame_640x480_q85", |b| b.iter(|| encode_best_frame(&frame, &q85).unwrap()));
    g.finish();
}

criterion_group!(video, benches);
criterion_main!(video);
