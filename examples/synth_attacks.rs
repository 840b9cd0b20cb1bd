//! Writes simulated print and replay attacks ([`liveface::simulate`]) as H.264 MP4 clips
//! plus a `manifest.csv` for `liveface eval spoof`. Face pictures come from images or the
//! first frame of clips.
//!
//! `cargo run --release --example synth_attacks -- OUT_DIR [SECONDS] PICTURE_OR_CLIP...`

use liveface::simulate::{PlanarAttack, Species};
use liveface::video::{EvidenceConfig, EvidenceEncoder, VideoReader};

fn picture(path: &std::path::Path) -> Result<(Vec<u8>, usize, usize), Box<dyn std::error::Error>> {
    let frame = if liveface::video::is_video_path(path) {
        VideoReader::open(path)?.next().ok_or("empty clip")??
    } else {
        liveface::source::load_image(path)?
    };
    let view = frame.as_frame()?;
    let (w, h) = view.upright_size();
    Ok((view.to_upright_rgb(), w as usize, h as usize))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if args.len() < 2 {
        return Err("usage: synth_attacks OUT_DIR [SECONDS] PICTURE_OR_CLIP...".into());
    }
    let out = args.remove(0);
    let secs: f32 = match args[0].to_str().and_then(|s| s.parse().ok()) {
        Some(s) => {
            args.remove(0);
            s
        }
        None => 3.5,
    };
    std::fs::create_dir_all(&out)?;
    let mut manifest = String::from("file,label\n");
    for (k, src) in args.iter().enumerate() {
        let (rgb, pw, ph) = picture(src)?;
        let stem = src.file_stem().and_then(|s| s.to_str()).unwrap_or("picture");
        for species in [Species::Print, Species::Replay] {
            let attack = PlanarAttack { species, seed: k as u64 + 1, ..Default::default() };
            let cfg = {
                let mut c = EvidenceConfig::default();
                c.width = attack.width;
                c.fps = 30.0;
                c.bitrate_bps = 2_500_000;
                c
            };
            let mut enc = EvidenceEncoder::new(cfg)?;
            let n = (secs * 30.0) as usize;
            for i in 0..n {
                let t = i as f32 / 30.0;
                let px = attack.render(&rgb, pw, ph, t);
                let f = liveface::FrameRef::new(&px, attack.width, attack.height, liveface::PixelFormat::Rgb8)?
                    .at_us((t * 1e6) as i64);
                enc.push(&f)?;
            }
            let video = enc.finish()?;
            let name = format!("{stem}_{species:?}.mp4").to_lowercase();
            std::fs::write(out.join(&name), &video.mp4)?;
            let label = match species {
                Species::Print => "spoof_synthetic_print",
                Species::Replay => "spoof_synthetic_replay",
            };
            manifest.push_str(&format!("{name},{label}\n"));
            println!("{name}: {} frames, {} bytes", video.frames, video.mp4.len());
        }
    }
    std::fs::write(out.join("manifest.csv"), manifest)?;
    Ok(())
}
