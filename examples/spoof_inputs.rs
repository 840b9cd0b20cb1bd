//! Writes each image as the engine decodes it (EXIF applied, upright RGB) to a PNG, so
//! `tests/golden/gen_spoof_golden.py` can compute reference crops and scores on exactly
//! the same pixels (JPEG decoders differ by a few grey levels).
//!
//! `cargo run --release --example spoof_inputs -- OUT_DIR IMAGE...`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: spoof_inputs OUT_DIR IMAGE...")?);
    std::fs::create_dir_all(&out)?;
    for path in args {
        let path = std::path::PathBuf::from(path);
        let frame = liveface::source::load_image(&path)?;
        let view = frame.as_frame()?;
        let (w, h) = view.upright_size();
        let rgb = view.to_upright_rgb();
        let stem = path.file_stem().and_then(|s| s.to_str()).ok_or("bad file name")?;
        image::RgbImage::from_raw(w, h, rgb).ok_or("size mismatch")?.save(out.join(format!("{stem}.png")))?;
        println!("{stem} {w}x{h}");
    }
    Ok(())
}
