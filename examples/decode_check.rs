//! Decode a clip and print frame count, timestamps and a checksum per frame (dev aid).
fn main() {
    let p = std::env::args().nth(1).expect("path");
    let mut r = liveface::video::VideoReader::open(std::path::Path::new(&p)).unwrap();
    println!("{:?}", r.info());
    let dump = std::env::args().nth(2);
    let mut n = 0;
    let t = std::time::Instant::now();
    while let Some(f) = r.next_frame().unwrap() {
        if let Some(d) = &dump {
            std::fs::write(format!("{d}/{n:06}.yuv"), &f.data).unwrap();
        }
        if n < 3 || n % 100 == 0 {
            println!("frame {n} pts {} {}x{}", f.timestamp_us, f.width, f.height);
        }
        n += 1;
    }
    println!("frames {n} errors {} in {:.3}s", r.decode_errors(), t.elapsed().as_secs_f64());
}
