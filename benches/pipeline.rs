//! One criterion group per pipeline stage on a real 640x480 frame (the astronaut photo
//! on grey, as in the golden tests), single-threaded ONNX Runtime.
//!
//!     cargo bench --bench pipeline

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use liveface::{Engine, FrameRef, LandmarkModel, PixelFormat, Roi, TrackerConfig};

fn frame_640x480() -> Vec<u8> {
    let a =
        liveface::source::load_image(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/astronaut.png"))
            .expect("assets/astronaut.png");
    let mut out = vec![128u8; 640 * 480 * 3];
    for y in 0..480 {
        out[(y * 640 + 64) * 3..(y * 640 + 576) * 3].copy_from_slice(&a.data[y * 512 * 3..(y + 1) * 512 * 3]);
    }
    out
}

/// The same picture as 4:2:0 planar (I420, full-range BT.601), as a video decoder gives it.
fn to_i420(rgb: &[u8], w: usize, h: usize) -> Vec<u8> {
    let px = |x: usize, y: usize| {
        let p = &rgb[(y * w + x) * 3..][..3];
        (p[0] as f32, p[1] as f32, p[2] as f32)
    };
    let mut out: Vec<u8> = (0..w * h)
        .map(|i| {
            let (r, g, b) = px(i % w, i / w);
            (0.299 * r + 0.587 * g + 0.114 * b).round() as u8
        })
        .collect();
    let chroma = |f: fn(f32, f32, f32) -> f32| -> Vec<u8> {
        (0..(w / 2) * (h / 2))
            .map(|i| {
                let (r, g, b) = px((i % (w / 2)) * 2, (i / (w / 2)) * 2);
                (f(r, g, b) + 128.0).round().clamp(0.0, 255.0) as u8
            })
            .collect()
    };
    out.extend(chroma(|r, g, b| -0.168_736 * r - 0.331_264 * g + 0.5 * b));
    out.extend(chroma(|r, g, b| 0.5 * r - 0.418_688 * g - 0.081_312 * b));
    out
}

fn stages(c: &mut Criterion) {
    let t = Instant::now();
    let engine = Engine::new().expect("engine");
    eprintln!("engine load (embedded models, first in process): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let pixels = frame_640x480();
    let frame = FrameRef::new(&pixels, 640, 480, PixelFormat::Rgb8).unwrap();

    let mut g = c.benchmark_group("detector");
    g.bench_function("blazeface_640x480", |b| b.iter(|| engine.detect(&frame).unwrap()));
    // A 1280x720 I420 frame (the picture scaled up 1.5x, nearest): the letterbox shrinks
    // it 10x and averages 2x2 taps a pixel.
    let hd: Vec<u8> = (0..1280 * 720)
        .flat_map(|i| {
            let (x, y) = ((i % 1280) * 2 / 3, (i / 1280) * 2 / 3);
            let p = &pixels[(y * 640 + x.min(639)) * 3..][..3];
            [p[0], p[1], p[2]]
        })
        .collect();
    let hd_i420 = to_i420(&hd, 1280, 720);
    let hd_frame = FrameRef::new(&hd_i420, 1280, 720, PixelFormat::I420).unwrap();
    g.bench_function("blazeface_1280x720_i420", |b| b.iter(|| engine.detect(&hd_frame).unwrap()));
    g.finish();

    let det = engine.detect(&frame).unwrap()[0];
    let [x0, y0] = det.keypoints[0];
    let [x1, y1] = det.keypoints[1];
    let roi = Roi {
        cx: (det.bbox[0] + det.bbox[2]) / 2.0,
        cy: (det.bbox[1] + det.bbox[3]) / 2.0,
        side: 1.5 * (det.bbox[2] - det.bbox[0]).max(det.bbox[3] - det.bbox[1]),
        angle: (y1 - y0).atan2(x1 - x0),
    };
    let mut tracker = engine.tracker();
    let _ = tracker.stage_mesh(&frame, &roi).unwrap();

    // The default attention mesh: trunk + region heads (the eyes come with it).
    let mut g = c.benchmark_group("mesh");
    // The 192x192 input crop alone (bilinear sampling from the RGB frame).
    g.bench_function("crop_192", |b| b.iter(|| tracker.stage_crop(&frame, &roi)));
    // The same crop from the I420 planes a video decoder or camera hands over.
    let i420 = to_i420(&pixels, 640, 480);
    let yuv = FrameRef::new(&i420, 640, 480, PixelFormat::I420).unwrap();
    g.bench_function("crop_192_i420", |b| b.iter(|| tracker.stage_crop(&yuv, &roi)));
    g.bench_function("attention_trunk_and_heads", |b| b.iter(|| tracker.stage_mesh(&frame, &roi).unwrap()));
    // The mesh + iris pair: one mesh pass, then one iris pass per eye.
    let mesh_iris = Engine::builder().landmark_model(LandmarkModel::MeshIris).build().expect("mesh + iris engine");
    let mut mi_tracker = mesh_iris.tracker();
    let (_, mi_lm) = mi_tracker.stage_mesh(&frame, &roi).unwrap();
    g.bench_function("face_landmark_468", |b| b.iter(|| mi_tracker.stage_mesh(&frame, &roi).unwrap()));
    g.finish();

    let mut g = c.benchmark_group("iris");
    g.bench_function("iris_both_eyes", |b| b.iter(|| mi_tracker.stage_iris(&frame, &mi_lm).unwrap()));
    g.finish();

    let mut g = c.benchmark_group("full_frame");
    // Tracked: the region comes from the previous frame; the detector is skipped.
    let mut tracked = engine
        .tracker_with({
            let mut c = TrackerConfig::default();
            c.detect_interval = 0;
            c
        })
        .unwrap();
    let mut ts = 0i64;
    tracked.process(&frame.at_us(ts)).unwrap(); // first frame runs the detector
    g.bench_function("tracked", |b| {
        b.iter(|| {
            ts += 33_333;
            let r = tracked.process(&frame.at_us(ts)).unwrap();
            assert!(r.face.is_some() && !r.detector_ran);
        })
    });
    // Untracked: detector + mesh + eyes every frame.
    let mut fresh = engine.tracker();
    g.bench_function("untracked", |b| {
        b.iter(|| {
            fresh.reset();
            let r = fresh.process(&frame).unwrap();
            assert!(r.detector_ran);
        })
    });
    // The same tracked frame with the mesh + iris models.
    let mut mi_tracked = mesh_iris
        .tracker_with({
            let mut c = TrackerConfig::default();
            c.detect_interval = 0;
            c
        })
        .unwrap();
    mi_tracked.process(&frame.at_us(0)).unwrap();
    let mut ts2 = 0i64;
    g.bench_function("tracked_mesh_iris", |b| {
        b.iter(|| {
            ts2 += 33_333;
            let r = mi_tracked.process(&frame.at_us(ts2)).unwrap();
            assert!(r.face.is_some() && !r.detector_ran);
        })
    });
    g.finish();

    // The session's own cost per frame (quality gate, calibration, detectors, events),
    // on the tracked reports of the frame above, beyond the tracking itself.
    let mut g = c.benchmark_group("session");
    let mut tr = engine.tracker();
    let reports: Vec<liveface::FrameReport> = (0..300).map(|i| tr.process(&frame.at_us(i * 33_333)).unwrap()).collect();
    g.bench_function("action_session_300_frames", |b| {
        b.iter(|| {
            let config = liveface::SessionConfig::action(liveface::parse_actions("1,2").unwrap());
            let mut s = liveface::Session::from_reports(config).unwrap();
            for r in &reports {
                s.push_report(r);
            }
            s.finish()
        })
    });
    // Light mode beyond tracking: a whole light session (about 120 frames at 30 fps, the
    // schedule plus the lag window) on the tracked frame; divide by the frames for the
    // cost per frame (sampling 5 regions, 40 mesh points and the background, then the fit
    // and the decision at the end).
    let challenge = liveface::checks::light::LightChallenge::from_nonce(
        b"bench",
        &liveface::checks::light::LightChallengeConfig::default(),
    )
    .unwrap();
    let light_frames = ((challenge.total_ms() as i64 + 700) * 1000 / 33_333) as usize;
    eprintln!("light bench: {light_frames} frames a session");
    g.bench_function("light_session_frames", |b| {
        b.iter(|| {
            let mut s = liveface::Session::from_reports(liveface::SessionConfig::light(challenge.clone())).unwrap();
            for r in reports.iter().take(light_frames) {
                s.push_tracked(&frame.at_us(r.timestamp_us), r);
                if s.is_finished() {
                    break;
                }
            }
            s.finish()
        })
    });
    // Digit mode: a 5 s session at 30 fps (150 reports) with its sound pushed 1/30 s at a
    // time, as a phone delivers it: the voice model on every 32 ms, the mouth per frame,
    // the synchrony at the end. Divide by 150 for the cost per video frame.
    let speech = liveface::video::extract_audio(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/audio/espeak_7294_en.wav"),
    )
    .unwrap()
    .unwrap()
    .samples;
    let mut voice = vec![0.0f32; 16_000 * 5];
    voice[8_000..8_000 + speech.len().min(72_000)].copy_from_slice(&speech[..speech.len().min(72_000)]);
    let per_frame = 16_000 / 30;
    g.bench_function("lip_session_150_frames", |b| {
        b.iter(|| {
            let check: Box<dyn liveface::Check> = Box::new(liveface::checks::LipCheck::new(
                Some(&engine),
                "7294",
                liveface::checks::lip::LipThresholds::default(),
            ));
            let mut s =
                liveface::Session::with_checks(None, liveface::SessionConfig::lip("7294"), vec![check]).unwrap();
            for (k, r) in reports.iter().take(150).enumerate() {
                let a = &voice[(k * per_frame).min(voice.len())..((k + 1) * per_frame).min(voice.len())];
                s.push_audio(&liveface::checks::AudioChunk { samples: a, sample_rate: 16_000, t_us: r.timestamp_us });
                s.push_report(r);
            }
            s.finish()
        })
    });
    g.finish();

    // The silent decision after 3 s at 30 fps (90 tracked 640x480 frames, the face moving
    // a pixel per frame): detector + MiniFASNet pair on the 3 kept frames, the cues.
    // Uses ../shared/models or LIVEFACE_ANTISPOOF_DIR; cues only when absent.
    let dir = std::env::var_os("LIVEFACE_ANTISPOOF_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models"));
    let with_model = dir.join("minifasnet_v2_80x80_s2.7.onnx").is_file();
    let engine = if with_model {
        Engine::builder().antispoof_dir(&dir).build().expect("anti-spoof models")
    } else {
        eprintln!("silent bench: no MiniFASNet models in {}: measuring the cues only", dir.display());
        engine
    };
    let mut config = liveface::SessionConfig::silent();
    config.silent.good_ms = 60_000;
    let mut session = liveface::Session::new(&engine, config).unwrap();
    let mut shifted = vec![128u8; 640 * 480 * 3];
    for i in 0..90usize {
        let dx = (i % 30) * 3;
        shifted[dx..].copy_from_slice(&pixels[..pixels.len() - dx]);
        let f = FrameRef::new(&shifted, 640, 480, PixelFormat::Rgb8).unwrap().at_us(i as i64 * 33_333);
        session.push(&f).unwrap();
    }
    let probe = session.silent_decision().unwrap().expect("silent");
    eprintln!(
        "silent bench: {} good ms, model {}, planar pairs {}",
        probe.good_ms,
        probe.model.as_ref().map_or(0, |m| m.frames.len()),
        probe.planar.pairs
    );
    let mut g = c.benchmark_group("session");
    g.sample_size(20);
    let name = if with_model { "silent_decision_3s" } else { "silent_decision_3s_cues_only" };
    g.bench_function(name, |b| b.iter(|| session.silent_decision().unwrap()));
    g.finish();

    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("load_embedded", |b| b.iter(|| Engine::new().unwrap()));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = stages
}
criterion_main!(benches);
