//! Decodes a clip and prints its container info, a few timestamps and the picture count
//! (used by scripts/decode_counts.sh). Optionally dumps raw I420 pictures into a folder.
//!
//!     cargo run --release --example decode_check -- CLIP [DUMP_DIR]
fn main() -> liveface::Result<()> {
    let path = std::env::args().nth(1).expect("usage: decode_check CLIP [DUMP_DIR]");
    let dump = std::env::args().nth(2);
    let mut r = liveface::video::VideoReader::open(std::path::Path::new(&path))?;
    println!("{:?}", r.info());
    let (mut n, t) = (0usize, std::time::Instant::now());
    while let Some(f) = r.next_frame()? {
        if let Some(d) = &dump {
            std::fs::write(format!("{d}/{n:06}.yuv"), &f.data).expect("write dump");
        }
        if n < 3 || n % 100 == 0 {
            println!("frame {n} pts {} {}x{}", f.timestamp_us, f.width, f.height);
        }
        n += 1;
    }
    println!("frames {n} errors {} in {:.3}s", r.decode_errors(), t.elapsed().as_secs_f64());
    Ok(())
}
