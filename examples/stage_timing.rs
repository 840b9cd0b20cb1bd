//! Quick per-stage timing split: preprocessing vs inference (development aid).
use std::time::Instant;
fn main() -> liveface::Result<()> {
    let f = liveface::source::load_image(std::path::Path::new("assets/astronaut.png"))?;
    let frame = f.as_frame()?;
    let engine = liveface::Engine::new()?;
    let mut t = engine.tracker();
    for _ in 0..20 {
        t.process(&frame)?;
    }
    let n = 200;
    let s = Instant::now();
    let mut sum = liveface::Timings::default();
    for i in 0..n {
        let fr = frame.at_us(i * 33_000);
        let r = t.process(&fr)?;
        sum.mesh_us += r.timings.mesh_us;
        sum.iris_us += r.timings.iris_us;
        sum.total_us += r.timings.total_us;
        sum.detect_us += r.timings.detect_us;
    }
    println!(
        "per frame: total {:.0} mesh {:.0} iris {:.0} det {:.0} us; wall {:.2} ms",
        sum.total_us as f64 / n as f64,
        sum.mesh_us as f64 / n as f64,
        sum.iris_us as f64 / n as f64,
        sum.detect_us as f64 / n as f64,
        s.elapsed().as_secs_f64() * 1e3 / n as f64
    );
    Ok(())
}
