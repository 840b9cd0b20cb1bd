//! Evidence video quality on a real clip: decode the first N seconds, encode the
//! evidence MP4 (320 px, 25 fps), decode it back and compare every frame with the
//! downscaled source the encoder saw.
//!
//!     cargo run --release --example evidence_check -- CLIP [SECONDS] [OUT.mp4]
use liveface::video::{psnr_i420, EvidenceConfig, EvidenceEncoder, VideoReader};

fn main() -> liveface::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(args.get(1).expect("clip path"));
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(6.0);
    let mut enc = EvidenceEncoder::new({
        let mut c = EvidenceConfig::default();
        c.end_us = Some((secs * 1e6) as i64);
        c
    })?;
    for f in VideoReader::open(path)? {
        let f = f?;
        if f.timestamp_us > (secs * 1e6) as i64 {
            break;
        }
        enc.push(&f.as_frame()?)?;
    }
    if let Some(a) = liveface::video::extract_audio(path)? {
        enc.push_audio(&a.samples, a.sample_rate, 0)?;
    }
    // The picture each output tick shows, as the encoder resampled it.
    let pics: Vec<(i64, Vec<u8>)> = enc.pictures().to_vec();
    let t = std::time::Instant::now();
    let video = enc.finish()?;
    let enc_ms = t.elapsed().as_secs_f64() * 1e3;
    if let Some(out) = args.get(3) {
        std::fs::write(out, &video.mp4).expect("write");
    }
    let step = 1e6 / 25.0;
    let t0 = pics[0].0;
    let (mut n, mut sum, mut worst) = (0usize, 0.0f64, f64::MAX);
    for f in VideoReader::from_bytes(video.mp4.clone())? {
        let f = f?;
        let tick = t0 as f64 + n as f64 * step;
        let src = pics.iter().rev().find(|p| p.0 as f64 <= tick + 0.5).unwrap_or(&pics[0]);
        let p = psnr_i420(&f.data, &src.1);
        sum += p;
        worst = worst.min(p);
        n += 1;
    }
    println!(
        "{}: {} frames {}x{}, {:.2} s, {} bytes, bitrate {} bps, passes {}, encode {:.0} ms ({:.2} ms/frame), PSNR mean {:.2} dB, worst {:.2} dB",
        path.display(), video.frames, video.width, video.height, video.duration_us as f64 / 1e6, video.mp4.len(),
        video.bitrate_bps, video.passes, enc_ms, enc_ms / video.frames as f64, sum / n as f64, worst
    );
    Ok(())
}
