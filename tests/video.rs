//! Video in and out: encode -> decode round trips, container metadata, and bad files.
#![cfg(feature = "video")]

mod common;

use std::path::Path;

use liveface::video::{encode_best_frame, psnr_i420, BestFrameConfig, EvidenceConfig, EvidenceEncoder, VideoReader};
use liveface::{ErrorKind, FrameRef, PixelFormat, Rotation};

/// 640x480 frame `i` of a synthetic clip: the astronaut frame panned 2 px per frame.
fn frame_i(base: &[u8], i: usize) -> Vec<u8> {
    let dx = (i * 2) % 120;
    let mut out = vec![128u8; base.len()];
    for y in 0..480 {
        let row = &base[y * 640 * 3..(y + 1) * 640 * 3];
        out[(y * 640 + dx) * 3..(y + 1) * 640 * 3].copy_from_slice(&row[..(640 - dx) * 3]);
    }
    out
}

/// Encodes `n` frames at `fps` into an evidence MP4; returns the video and the encoder's
/// downscaled reference pictures.
fn encode_clip(n: usize, fps: f64, config: EvidenceConfig) -> (liveface::video::EvidenceVideo, Vec<Vec<u8>>) {
    let base = common::astronaut_640x480();
    let mut enc = EvidenceEncoder::new(config).unwrap();
    for i in 0..n {
        let px = frame_i(&base, i);
        let t = (i as f64 * 1e6 / fps).round() as i64;
        enc.push(&FrameRef::new(&px, 640, 480, PixelFormat::Rgb8).unwrap().at_us(t)).unwrap();
    }
    let refs: Vec<Vec<u8>> = enc.pictures().iter().map(|p| p.1.clone()).collect();
    (enc.finish().unwrap(), refs)
}

#[test]
fn evidence_video_round_trip_keeps_count_duration_and_quality() {
    // 6 s at 25 fps, the API's recommended shape.
    let (video, refs) = encode_clip(150, 25.0, EvidenceConfig::default());
    assert_eq!((video.width, video.height), (320, 240));
    assert_eq!(video.frames, 150);
    assert_eq!(video.duration_us, 6_000_000);
    assert!(video.mp4.len() <= 1_000_000, "6 s evidence video is {} bytes", video.mp4.len());
    assert!(video.mp4.len() as u64 <= EvidenceConfig::default().max_bytes);

    let mut reader = VideoReader::from_bytes(video.mp4.clone()).unwrap();
    assert_eq!(reader.info().frame_count, 150);
    assert_eq!(reader.info().codec, "h264");
    let (mut n, mut worst, mut last_pts) = (0usize, f64::MAX, -1i64);
    while let Some(f) = reader.next_frame().unwrap() {
        assert_eq!((f.width, f.height, f.format), (320, 240, PixelFormat::I420));
        assert!(f.timestamp_us > last_pts);
        assert!((f.timestamp_us - n as i64 * 40_000).abs() <= 1, "frame {n} at {} us", f.timestamp_us);
        last_pts = f.timestamp_us;
        worst = worst.min(psnr_i420(&f.data, &refs[n]));
        n += 1;
    }
    assert_eq!(n, 150);
    assert!(worst >= 35.0, "worst frame PSNR {worst:.2} dB");
    eprintln!("evidence video: {} bytes, worst PSNR {worst:.2} dB, bitrate {}", video.mp4.len(), video.bitrate_bps);
}

#[test]
fn byte_budget_is_met_by_lowering_the_bitrate() {
    let config = {
        let mut c = EvidenceConfig::default();
        c.max_bytes = 40_000;
        c.bitrate_bps = 2_000_000;
        c
    };
    let (video, _) = encode_clip(75, 25.0, config);
    assert!(video.mp4.len() <= 40_000, "{} bytes", video.mp4.len());
    assert!(video.bitrate_bps < 2_000_000);
    // Frames outside the evidence window are dropped.
    let config = {
        let mut c = EvidenceConfig::default();
        c.start_us = Some(1_000_000);
        c.end_us = Some(2_000_000);
        c
    };
    let (video, _) = encode_clip(75, 25.0, config);
    assert_eq!(video.frames, 26);
}

#[test]
fn variable_frame_rate_input_is_resampled_to_the_output_rate() {
    // 30 fps with every third frame missing, jittered: the output is a steady 25 fps.
    let base = common::astronaut_640x480();
    let mut enc = EvidenceEncoder::new(EvidenceConfig::default()).unwrap();
    let mut t = 0i64;
    for i in 0..90 {
        t += if i % 3 == 0 { 66_666 } else { 33_333 } + (i as i64 % 5) * 1000;
        let px = frame_i(&base, i);
        enc.push(&FrameRef::new(&px, 640, 480, PixelFormat::Rgb8).unwrap().at_us(t)).unwrap();
    }
    let video = enc.finish().unwrap();
    let reader = VideoReader::from_bytes(video.mp4).unwrap();
    let expect = ((t - 66_666) as f64 / 40_000.0).floor() as u64 + 1;
    assert_eq!(reader.info().frame_count, expect);
}

/// Writes H.264 pictures with the given presentation times straight through muxide,
/// so the demuxer sees a genuinely variable frame rate.
fn vfr_mp4(times_s: &[f64]) -> Vec<u8> {
    use openh264::encoder::Encoder;
    use openh264::formats::YUVBuffer;
    let (w, h) = (160usize, 120usize);
    let mut enc = Encoder::new().unwrap();
    let mut out = Vec::new();
    {
        let mut mux = muxide::api::MuxerBuilder::new(&mut out)
            .video(muxide::api::VideoCodec::H264, w as u32, h as u32, 15.0)
            .with_fast_start(true)
            .build()
            .unwrap();
        for (i, t) in times_s.iter().enumerate() {
            let mut yuv = vec![0u8; w * h * 3 / 2];
            for (k, v) in yuv.iter_mut().enumerate().take(w * h) {
                *v = ((k % w + i * 7) % 256) as u8;
            }
            for v in yuv.iter_mut().skip(w * h) {
                *v = 128;
            }
            if i == 0 {
                enc.force_intra_frame();
            }
            let bs = enc.encode(&YUVBuffer::from_vec(yuv, w, h)).unwrap();
            let data = bs.to_vec();
            let key = i == 0;
            mux.write_video(*t, &data, key).unwrap();
        }
        mux.finish().unwrap();
    }
    out
}

#[test]
fn container_timestamps_survive_variable_frame_rate() {
    let times = [0.0, 0.070, 0.120, 0.200, 0.260, 0.400, 0.433, 0.500];
    let mp4 = vfr_mp4(&times);
    let reader = VideoReader::from_bytes(mp4).unwrap();
    let got: Vec<i64> = reader.map(|f| f.unwrap().timestamp_us).collect();
    assert_eq!(got.len(), times.len());
    for (g, t) in got.iter().zip(times) {
        assert!((*g - (t * 1e6) as i64).abs() <= 1500, "pts {g} us vs {t} s");
    }
}

/// Finds the `tkhd` box body in an MP4 and writes a display matrix into it.
fn set_rotation_matrix(mp4: &mut [u8], m: [i32; 4]) {
    let pos = mp4.windows(4).position(|w| w == b"tkhd").expect("tkhd");
    let body = pos + 4;
    let version = mp4[body];
    let matrix = body + if version == 1 { 52 } else { 40 };
    for (k, v) in [m[0], m[1], 0, m[2], m[3], 0, 0, 0, 0x4000_0000].iter().enumerate() {
        mp4[matrix + k * 4..matrix + k * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
}

#[test]
fn rotation_matrix_is_honoured() {
    // Store the astronaut turned 90° counter-clockwise, as a phone in portrait would, and
    // declare a 90° clockwise display rotation: the tracker must see an upright face.
    let (buf, w, h) = common::astronaut_rot90_buffer();
    let mut enc = EvidenceEncoder::new({
        let mut c = EvidenceConfig::default();
        c.width = 512;
        c
    })
    .unwrap();
    for i in 0..5 {
        enc.push(&FrameRef::new(&buf, w, h, PixelFormat::Rgb8).unwrap().at_us(i * 40_000)).unwrap();
    }
    let mut mp4 = enc.finish().unwrap().mp4;
    set_rotation_matrix(&mut mp4, [0, 0x10000, -0x10000, 0]);
    let mut reader = VideoReader::from_bytes(mp4).unwrap();
    assert_eq!(reader.info().rotation, Rotation::R90);
    let f = reader.next_frame().unwrap().unwrap();
    assert_eq!(f.rotation, Rotation::R90);
    let report = common::engine().tracker().process(&f.as_frame().unwrap()).unwrap();
    let face = report.face.expect("upright face found");
    assert!(face.pose.roll.abs() < 20.0, "roll {}", face.pose.roll);
}

#[test]
fn truncated_empty_garbage_and_trackless_files_are_typed_errors() {
    let (video, _) = encode_clip(25, 25.0, EvidenceConfig::default());
    let good = video.mp4;
    // Every prefix: an error or fewer frames, never a panic.
    for cut in (0..good.len()).step_by(97) {
        match VideoReader::from_bytes(good[..cut].to_vec()) {
            Ok(r) => {
                for f in r {
                    if f.is_err() {
                        break;
                    }
                }
            }
            Err(e) => assert!(matches!(e.kind(), ErrorKind::Decode | ErrorKind::Unsupported), "cut {cut}: {e}"),
        }
    }
    let half = VideoReader::from_bytes(good[..good.len() / 2].to_vec()).unwrap_err();
    assert_eq!(half.kind(), ErrorKind::Decode, "{half}");
    let empty = VideoReader::from_bytes(Vec::new()).unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::Decode);
    assert!(empty.to_string().contains("empty file"), "{empty}");
    // Files: an empty one and one that is no video at all say so, and do not ask for FFmpeg.
    let dir = std::env::temp_dir().join(format!("liveface-badvideo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes, want) in [
        ("empty.mp4", Vec::new(), "empty file"),
        ("notes.mp4", b"just some text, not a video at all".to_vec(), "not a video or image we recognise"),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let e = VideoReader::open(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{name}: {e}");
        assert!(e.to_string().contains(want) && e.to_string().contains(name), "{name}: {e}");
        assert!(!e.to_string().contains("FFmpeg"), "{name}: {e}");
    }
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    assert!(VideoReader::from_bytes(garbage).is_err());
    // An MP4 header with a garbage body.
    let mut fake = good[..64.min(good.len())].to_vec();
    fake.extend((0..5000u32).map(|i| (i.wrapping_mul(40_503) >> 8) as u8));
    assert!(VideoReader::from_bytes(fake).is_err());

    // Zero-length track: stsz sample count set to 0.
    let mut zero = good.clone();
    let p = zero.windows(4).position(|w| w == b"stsz").unwrap() + 4;
    zero[p + 8..p + 12].copy_from_slice(&0u32.to_be_bytes());
    let e = VideoReader::from_bytes(zero).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("no samples"), "{e}");

    // Random byte flips: errors or pictures, never a panic.
    for seed in 0..40u32 {
        let mut bad = good.clone();
        for k in 0..8u32 {
            let i = (seed.wrapping_mul(7919).wrapping_add(k.wrapping_mul(104_729)) as usize) % bad.len();
            bad[i] ^= 0x5a;
        }
        if let Ok(r) = VideoReader::from_bytes(bad) {
            for f in r.take(30) {
                if f.is_err() {
                    break;
                }
            }
        }
    }

    // Files: missing, and an unsupported container named with the feature to enable.
    let e = VideoReader::open(Path::new("/no/such/clip.mp4")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    let dir = std::env::temp_dir().join(format!("liveface-video-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let avi = dir.join("clip.avi");
    std::fs::write(&avi, b"RIFF\x00\x00\x00\x00AVI LIST").unwrap();
    let e = VideoReader::open(&avi).unwrap_err();
    if cfg!(feature = "ffmpeg") {
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    } else {
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.to_string().contains("--features ffmpeg"), "{e}");
    }
}

#[test]
fn best_frame_jpeg_fits_and_decodes() {
    let a = common::astronaut();
    let jpg = encode_best_frame(&a.as_frame().unwrap(), &BestFrameConfig::default()).unwrap();
    assert!(jpg.len() < 200_000 && jpg.len() > 5_000, "{} bytes", jpg.len());
    let img = image::load_from_memory(&jpg).unwrap();
    assert_eq!((img.width(), img.height()), (512, 512));
    // A tight budget lowers the quality; an impossible one is an error.
    let small = encode_best_frame(&a.as_frame().unwrap(), &{
        let mut c = BestFrameConfig::default();
        c.max_bytes = 30_000;
        c
    })
    .unwrap();
    assert!(small.len() <= 30_000);
    let e = encode_best_frame(&a.as_frame().unwrap(), &{
        let mut c = BestFrameConfig::default();
        c.max_bytes = 100;
        c
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Encode);
    // Rotated frames come out upright.
    let (buf, w, h) = common::astronaut_rot90_buffer();
    let frame = FrameRef::new(&buf, w, h, PixelFormat::Rgb8).unwrap().rotated(Rotation::R90);
    let jpg = encode_best_frame(&frame, &BestFrameConfig::default()).unwrap();
    let img = image::load_from_memory(&jpg).unwrap().into_rgb8();
    let orig = image::load_from_memory(&std::fs::read(common::asset("astronaut.png")).unwrap()).unwrap().into_rgb8();
    let diff: f64 =
        img.pixels().zip(orig.pixels()).map(|(p, q)| (p[0] as f64 - q[0] as f64).abs()).sum::<f64>() / (512.0 * 512.0);
    assert!(diff < 6.0, "mean abs difference to the upright original {diff}");
}

#[test]
fn wav_audio_is_extracted_as_16k_mono() {
    // 1 s of a 440 Hz tone, 8 kHz stereo 16-bit PCM.
    let rate = 8000u32;
    let mut pcm = Vec::new();
    for i in 0..rate {
        let v = ((2.0 * std::f64::consts::PI * 440.0 * i as f64 / rate as f64).sin() * 16000.0) as i16;
        pcm.extend_from_slice(&v.to_le_bytes());
        pcm.extend_from_slice(&v.to_le_bytes());
    }
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 4).to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(&pcm);
    let dir = std::env::temp_dir().join(format!("liveface-audio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("tone.wav");
    std::fs::write(&p, wav).unwrap();
    let clip = liveface::video::extract_audio(&p).unwrap().expect("audio");
    assert_eq!(clip.sample_rate, 16_000);
    assert!((clip.samples.len() as i64 - 16_000).abs() <= 2, "{}", clip.samples.len());
    let rms = (clip.samples[2000..14000].iter().map(|v| v * v).sum::<f32>() / 12000.0).sqrt();
    assert!((rms - 0.488 * std::f32::consts::FRAC_1_SQRT_2).abs() < 0.02, "rms {rms}");
}

/// Clips in ../shared/data (absent: SKIPPED outside CI, a failure in CI).
fn shared(p: &str) -> Option<std::path::PathBuf> {
    common::shared(&format!("data/{p}"))
}

#[test]
fn opus_audio_track_is_aligned_with_the_video() {
    audio_track_is_aligned_with_the_video(liveface::video::AudioCodec::Opus, "Opus");
}

/// With FFmpeg, the sound can be AAC-LC (FFmpeg's native encoder), aligned the same way.
#[cfg(feature = "ffmpeg")]
#[test]
fn aac_audio_track_is_aligned_with_the_video() {
    audio_track_is_aligned_with_the_video(liveface::video::AudioCodec::Aac, "aac");
}

/// Without FFmpeg, asking for AAC is a clear error, not a silent Opus.
#[cfg(not(feature = "ffmpeg"))]
#[test]
fn aac_audio_without_ffmpeg_is_unsupported() {
    let base = common::astronaut_640x480();
    let mut c = EvidenceConfig::default();
    c.audio_codec = liveface::video::AudioCodec::Aac;
    let mut enc = EvidenceEncoder::new(c).unwrap();
    enc.push(&FrameRef::new(&base, 640, 480, PixelFormat::Rgb8).unwrap().at_us(0)).unwrap();
    enc.push_audio(&[0.0; 1600], 16_000, 0).unwrap();
    assert_eq!(enc.finish().unwrap_err().kind(), liveface::ErrorKind::Unsupported);
}

fn audio_track_is_aligned_with_the_video(codec: liveface::video::AudioCodec, name: &str) {
    // 2 s of video; audio capture started 0.5 s before the first frame and holds a
    // 1 kHz burst from 1.5 s to 1.7 s on the shared clock (1.0 s into the video).
    let base = common::astronaut_640x480();
    let mut config = EvidenceConfig::default();
    config.audio_codec = codec;
    let mut enc = EvidenceEncoder::new(config).unwrap();
    let t0 = 10_000_000i64;
    for i in 0..50 {
        let px = frame_i(&base, i);
        enc.push(&FrameRef::new(&px, 640, 480, PixelFormat::Rgb8).unwrap().at_us(t0 + i as i64 * 40_000)).unwrap();
    }
    let rate = 48_000u32;
    let audio: Vec<f32> = (0..(3 * rate) as usize)
        .map(|k| {
            let t = k as f64 / rate as f64 - 0.5; // seconds relative to the first frame
            if (1.0..1.2).contains(&t) {
                (2.0 * std::f64::consts::PI * 1000.0 * t).sin() as f32 * 0.5
            } else {
                0.0
            }
        })
        .collect();
    enc.push_audio(&audio, rate, t0 - 500_000).unwrap();
    let video = enc.finish().unwrap();
    let tracks = liveface::video::probe_tracks(&video.mp4).unwrap();
    let v = tracks.iter().find(|t| t.0 == "video").unwrap();
    let a = tracks.iter().find(|t| t.0 == "audio").expect("audio track");
    assert_eq!(a.1, name);
    assert_eq!(a.3, 0, "audio starts with the video");
    assert!((a.4 - v.4).abs() <= 40_000, "audio ends {} us, video {} us", a.4, v.4);

    #[cfg(feature = "ffmpeg")]
    {
        let dir = std::env::temp_dir().join(format!("liveface-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("evidence.mp4");
        std::fs::write(&p, &video.mp4).unwrap();
        let clip = liveface::video::extract_audio(&p).unwrap().expect("decoded audio");
        let onset = clip.samples.iter().position(|s| s.abs() > 0.1).expect("burst present");
        let onset_s = onset as f64 / clip.sample_rate as f64;
        // Opus' encoder delay is signalled in the header (pre-skip), AAC's taken off the
        // input; allow one video frame.
        assert!((onset_s - 1.0).abs() <= 0.04, "burst at {onset_s:.3} s, expected 1.000 s");
    }
}

/// Tests that need ../shared (data, models, notes): absent, they print SKIPPED, or fail when CI is set.
mod shared_data {
    #[allow(unused_imports)]
    use super::*;

    #[test]
    fn shared_h264_clips_decode_to_their_frame_counts() {
        for (name, frames) in [
            ("faces/liveportrait_d0.mp4", 78),
            ("faces/liveportrait_d3.mp4", 354),
            ("faces/liveportrait_d13.mp4", 352),
            ("talking/cap13_edit2.mp4", 765),
        ] {
            let Some(p) = shared(name) else { continue };
            let r = VideoReader::open(&p).unwrap();
            assert_eq!(r.info().backend, "native");
            let n = r.map(|f| f.map(|_| 1usize)).sum::<liveface::Result<usize>>().unwrap();
            assert_eq!(n, frames, "{name}");
        }
        if let Some(p) = shared("faces/liveportrait_d13.mp4") {
            let a = liveface::video::extract_audio(&p).unwrap();
            assert!(a.is_none_or(|a| a.duration_s() > 1.0));
        }
    }

    #[cfg(feature = "ffmpeg")]
    #[test]
    fn shared_non_h264_clips_decode_through_ffmpeg() {
        for (name, frames) in [
            ("faces/WDA_KatieHill_000.mp4", 200),
            ("blink/mahie_test_4_low_fps.avi", 1026),
            ("digits/grid/bbaf2n.mpg", 75),
        ] {
            let Some(p) = shared(name) else { continue };
            let r = VideoReader::open(&p).unwrap();
            assert_eq!(r.info().backend, "ffmpeg");
            assert_eq!(r.map(|f| f.map(|_| 1usize)).sum::<liveface::Result<usize>>().unwrap(), frames, "{name}");
        }
        if let Some(p) = shared("digits/grid/bbaf2n.mpg") {
            let a = liveface::video::extract_audio(&p).unwrap().expect("MP2 audio");
            assert!((a.duration_s() - 3.0).abs() < 0.2, "{}", a.duration_s());
        }
    }
}
