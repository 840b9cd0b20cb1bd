//! Small PNG charts for benchmark reports: a histogram with marked quantiles and a
//! timeline of per-frame series. Text uses the overlay's built-in font (upper case).

use imageproc::drawing::{draw_filled_rect_mut, draw_line_segment_mut};
use imageproc::rect::Rect;

use super::draw_text;
use crate::error::{Error, ErrorKind, Result};

const W: u32 = 640;
const H: u32 = 400;
const COLOURS: [[u8; 3]; 4] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

fn png(img: image::RgbImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| Error::new(ErrorKind::Encode, format!("plot: {e}")))?;
    Ok(out)
}

/// A nice upper bound for an axis.
fn nice_max(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 || v.is_infinite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

fn fmt_tick(v: f64) -> String {
    if v >= 100.0 || (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Plot area: margins, axes with 5 ticks on each, labels, title.
struct Frame {
    img: image::RgbImage,
    x0: f32,
    y0: f32,
    w: f32,
    h: f32,
    xmax: f64,
    ymax: f64,
}

impl Frame {
    fn new(title: &str, x_label: &str, y_label: &str, xmax: f64, ymax: f64) -> Frame {
        let mut img = image::RgbImage::from_pixel(W, H, image::Rgb([255, 255, 255]));
        let (x0, y0, w, h) = (60.0f32, 30.0f32, W as f32 - 80.0, H as f32 - 80.0);
        let grey = image::Rgb([225, 225, 225]);
        let black = image::Rgb([0, 0, 0]);
        for i in 0..=5 {
            let f = i as f32 / 5.0;
            draw_line_segment_mut(&mut img, (x0 + f * w, y0), (x0 + f * w, y0 + h), grey);
            draw_line_segment_mut(&mut img, (x0, y0 + h - f * h), (x0 + w, y0 + h - f * h), grey);
            let xt = fmt_tick(xmax * f as f64);
            draw_text(&mut img, &xt, (x0 + f * w) as i32 - 3 * xt.len() as i32, (y0 + h) as i32 + 4, 1, black, false);
            let yt = fmt_tick(ymax * f as f64);
            draw_text(&mut img, &yt, x0 as i32 - 6 * yt.len() as i32 - 4, (y0 + h - f * h) as i32 - 3, 1, black, false);
        }
        draw_line_segment_mut(&mut img, (x0, y0 + h), (x0 + w, y0 + h), black);
        draw_line_segment_mut(&mut img, (x0, y0), (x0, y0 + h), black);
        let xl = x_label.to_uppercase();
        draw_text(&mut img, &xl, (x0 + w / 2.0) as i32 - 3 * xl.len() as i32, (y0 + h) as i32 + 18, 1, black, false);
        let yl = y_label.to_uppercase();
        draw_text(&mut img, &yl, 6, (y0 + h / 2.0) as i32 + 3 * yl.len() as i32, 1, black, true);
        let t = title.to_uppercase();
        draw_text(&mut img, &t, (W / 2) as i32 - 6 * t.len() as i32, 8, 2, black, false);
        Frame { img, x0, y0, w, h, xmax, ymax }
    }

    fn at(&self, x: f64, y: f64) -> (f32, f32) {
        let fx = (x / self.xmax).clamp(0.0, 1.0) as f32;
        let fy = (y / self.ymax).clamp(0.0, 1.0) as f32;
        (self.x0 + fx * self.w, self.y0 + self.h - fy * self.h)
    }

    fn legend(&mut self, k: usize, name: &str) {
        let c = image::Rgb(COLOURS[k % COLOURS.len()]);
        let (lx, ly) = (self.x0 as i32 + self.w as i32 - 170, self.y0 as i32 + 6 + 12 * k as i32);
        draw_filled_rect_mut(&mut self.img, Rect::at(lx, ly).of_size(10, 7), c);
        draw_text(&mut self.img, &name.to_uppercase(), lx + 14, ly, 1, image::Rgb([0, 0, 0]), false);
    }
}

/// A histogram of `values` in `bins` bins from 0 to a rounded maximum, with vertical
/// lines at `marks` (value, name), e.g. the p50/p95/p99 of a latency.
///
/// # Errors
/// [`ErrorKind::Encode`] if PNG encoding fails.
pub fn histogram_png(
    title: &str,
    x_label: &str,
    values: &[f64],
    bins: usize,
    marks: &[(f64, &str)],
) -> Result<Vec<u8>> {
    let bins = bins.clamp(1, 200);
    let top = values.iter().cloned().chain(marks.iter().map(|m| m.0)).fold(0.0f64, f64::max);
    let xmax = nice_max(top * 1.05);
    let mut counts = vec![0usize; bins];
    for v in values.iter().filter(|v| v.is_finite()) {
        let b = ((v / xmax) * bins as f64).floor().clamp(0.0, bins as f64 - 1.0) as usize;
        counts[b] += 1;
    }
    let ymax = nice_max(counts.iter().copied().max().unwrap_or(0) as f64);
    let mut f = Frame::new(title, x_label, "frames", xmax, ymax);
    let c = image::Rgb(COLOURS[0]);
    for (b, n) in counts.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let (a, top) = f.at(b as f64 * xmax / bins as f64, *n as f64);
        let (e, base) = f.at((b + 1) as f64 * xmax / bins as f64, 0.0);
        let w = ((e - a).max(1.0) - 1.0).max(1.0) as u32;
        draw_filled_rect_mut(&mut f.img, Rect::at(a as i32, top as i32).of_size(w, (base - top).max(1.0) as u32), c);
    }
    for (k, (v, name)) in marks.iter().enumerate() {
        let colour = image::Rgb(COLOURS[(k + 1) % COLOURS.len()]);
        let (x, y0) = f.at(*v, ymax);
        let (_, y1) = f.at(*v, 0.0);
        for d in [-1.0f32, 0.0, 1.0] {
            draw_line_segment_mut(&mut f.img, (x + d, y0), (x + d, y1), colour);
        }
        f.legend(k + 1, &format!("{name} {v:.1}"));
    }
    png(f.img)
}

/// Per-frame series over time: `series` are (name, points (x, y)); drawn as lines, in
/// the colours of the legend.
///
/// # Errors
/// [`ErrorKind::Encode`] if PNG encoding fails.
pub fn timeline_png(title: &str, x_label: &str, y_label: &str, series: &[(&str, &[(f64, f64)])]) -> Result<Vec<u8>> {
    let xmax = nice_max(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)).fold(0.0, f64::max));
    let ymax = nice_max(series.iter().flat_map(|s| s.1.iter().map(|p| p.1)).fold(0.0, f64::max) * 1.05);
    let mut f = Frame::new(title, x_label, y_label, xmax, ymax);
    for (k, (name, pts)) in series.iter().enumerate() {
        let c = image::Rgb(COLOURS[k % COLOURS.len()]);
        for w in pts.windows(2) {
            let (a, b) = (f.at(w[0].0, w[0].1), f.at(w[1].0, w[1].1));
            draw_line_segment_mut(&mut f.img, a, b, c);
        }
        if pts.len() == 1 {
            let p = f.at(pts[0].0, pts[0].1);
            draw_filled_rect_mut(&mut f.img, Rect::at(p.0 as i32 - 1, p.1 as i32 - 1).of_size(3, 3), c);
        }
        f.legend(k, name);
    }
    png(f.img)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_pngs_with_their_colours() {
        let values: Vec<f64> = (0..100).map(|i| 10.0 + (i % 7) as f64).collect();
        let h = histogram_png("latency", "ms", &values, 30, &[(13.0, "p50"), (16.0, "p95")]).unwrap();
        let img = image::load_from_memory(&h).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (W, H));
        assert!(img.pixels().any(|p| p.0 == COLOURS[0]), "bars drawn");
        assert!(img.pixels().any(|p| p.0 == COLOURS[1]), "p50 mark drawn");
        let pts: Vec<(f64, f64)> = (0..50).map(|i| (i as f64 * 0.1, (i % 5) as f64)).collect();
        let t = timeline_png("timeline", "s", "ms", &[("latency", &pts)]).unwrap();
        let img = image::load_from_memory(&t).unwrap().into_rgb8();
        assert!(img.pixels().any(|p| p.0 == COLOURS[0]));
        // Degenerate input draws an empty chart, no panic.
        histogram_png("x", "y", &[], 10, &[]).unwrap();
        timeline_png("x", "y", "z", &[("none", &[])]).unwrap();
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.3), 10.0);
        assert_eq!(nice_max(23.0), 25.0);
    }
}
