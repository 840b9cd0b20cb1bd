//! Debug overlays: what the engine saw, drawn on the frame (box, mesh, iris, values).

use std::path::Path;

use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_circle_mut, draw_hollow_rect_mut};
use imageproc::rect::Rect;

use crate::error::{Error, ErrorKind, Result};
use crate::frame::FrameRef;
use crate::geometry::Affine;
use crate::track::FrameReport;

/// Renders `report` over the frame's buffer (buffer orientation, like the coordinates)
/// and writes a PNG.
///
/// # Errors
/// [`ErrorKind::Io`] when the file cannot be written.
pub fn write_png(frame: &FrameRef, report: &FrameReport, path: &Path) -> Result<()> {
    let img = render(frame, report);
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write overlay {}: {e}", path.display())))
}

/// Renders `report` over the frame and returns RGB8 pixels (`width * height * 3`).
pub fn render_rgb(frame: &FrameRef, report: &FrameReport) -> Vec<u8> {
    render(frame, report).into_raw()
}

fn render(frame: &FrameRef, report: &FrameReport) -> RgbImage {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let mut rgb = vec![0.0f32; w * h * 3];
    // Crop coordinates = buffer coordinates.
    let buffer_to_upright: Affine = frame.buffer_to_upright();
    frame.sample_rgb(&buffer_to_upright, w, h, 1, 1.0, 0.0, None, 0.0, &mut rgb);
    let mut img =
        RgbImage::from_raw(w as u32, h as u32, rgb.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect())
            .unwrap_or_else(|| RgbImage::new(w as u32, h as u32));

    let scale = ((w.max(h) as f32) / 640.0).max(1.0);
    let mut lines = vec![format!("FACES {}{}", report.faces_detected, if report.detector_ran { " DET" } else { "" })];
    if let Some(f) = &report.face {
        let green = Rgb([40, 255, 80]);
        let [x0, y0, x1, y1] = f.bbox;
        let r = Rect::at(x0 as i32, y0 as i32).of_size((x1 - x0).max(1.0) as u32, (y1 - y0).max(1.0) as u32);
        draw_hollow_rect_mut(&mut img, r, green);
        for p in &f.landmarks {
            dot(&mut img, p[0], p[1], Rgb([0, 220, 255]));
        }
        for eye in &f.eyes {
            for p in eye.contour.iter().take(16) {
                dot(&mut img, p[0], p[1], Rgb([255, 80, 200]));
            }
            let (cx, cy) = (eye.iris_center[0] as i32, eye.iris_center[1] as i32);
            draw_hollow_circle_mut(&mut img, (cx, cy), eye.iris_radius.max(1.0) as i32, Rgb([255, 230, 0]));
            draw_filled_circle_mut(&mut img, (cx, cy), 1, Rgb([255, 230, 0]));
        }
        lines.push(format!("ID {} P {:.2}{}", f.id, f.presence, if f.tracked { " TRK" } else { "" }));
        if f.eyes.len() == 2 {
            lines.push(format!("EYE R {:.2} L {:.2}", f.eyes[0].openness, f.eyes[1].openness));
        }
        lines.push(format!("MOUTH {:.2}", f.mouth_openness));
        lines.push(format!("YAW {:.0} PITCH {:.0} ROLL {:.0}", f.pose.yaw, f.pose.pitch, f.pose.roll));
        lines.push(format!("SIZE {:.2} OFF {:+.2} {:+.2}", f.relative_size[0], f.center_offset[0], f.center_offset[1]));
        lines.push(format!("BRI {:.0} CON {:.0} SHARP {:.0}", f.brightness, f.contrast, f.sharpness));
    }
    lines.push(format!("MS {:.1}", report.timings.total_us as f32 / 1000.0));
    let s = scale.round() as i32 * 2;
    for (i, line) in lines.iter().enumerate() {
        draw_text(&mut img, 4, 4 + i as i32 * 9 * s, s, line);
    }
    img
}

fn dot(img: &mut RgbImage, x: f32, y: f32, c: Rgb<u8>) {
    let (xi, yi) = (x.round() as i64, y.round() as i64);
    if xi >= 0 && yi >= 0 && (xi as u32) < img.width() && (yi as u32) < img.height() {
        img.put_pixel(xi as u32, yi as u32, c);
    }
}

/// 5×7 bitmap glyphs (rows top to bottom, bit 4 = left column) for the overlay text
/// and the evaluation plots.
pub(crate) fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        '0' => [14, 17, 19, 21, 25, 17, 14],
        '1' => [4, 12, 4, 4, 4, 4, 14],
        '2' => [14, 17, 1, 2, 4, 8, 31],
        '3' => [30, 1, 1, 14, 1, 1, 30],
        '4' => [2, 6, 10, 18, 31, 2, 2],
        '5' => [31, 16, 30, 1, 1, 17, 14],
        '6' => [6, 8, 16, 30, 17, 17, 14],
        '7' => [31, 1, 2, 4, 8, 8, 8],
        '8' => [14, 17, 17, 14, 17, 17, 14],
        '9' => [14, 17, 17, 15, 1, 2, 12],
        'A' => [14, 17, 17, 31, 17, 17, 17],
        'B' => [30, 17, 17, 30, 17, 17, 30],
        'C' => [14, 17, 16, 16, 16, 17, 14],
        'D' => [28, 18, 17, 17, 17, 18, 28],
        'E' => [31, 16, 16, 30, 16, 16, 31],
        'F' => [31, 16, 16, 30, 16, 16, 16],
        'G' => [14, 17, 16, 23, 17, 17, 15],
        'H' => [17, 17, 17, 31, 17, 17, 17],
        'I' => [14, 4, 4, 4, 4, 4, 14],
        'J' => [7, 2, 2, 2, 2, 18, 12],
        'K' => [17, 18, 20, 24, 20, 18, 17],
        'L' => [16, 16, 16, 16, 16, 16, 31],
        'M' => [17, 27, 21, 21, 17, 17, 17],
        'N' => [17, 17, 25, 21, 19, 17, 17],
        'O' => [14, 17, 17, 17, 17, 17, 14],
        'P' => [30, 17, 17, 30, 16, 16, 16],
        'Q' => [14, 17, 17, 17, 21, 18, 13],
        'R' => [30, 17, 17, 30, 20, 18, 17],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'U' => [17, 17, 17, 17, 17, 17, 14],
        'V' => [17, 17, 17, 17, 17, 10, 4],
        'W' => [17, 17, 17, 21, 21, 21, 10],
        'X' => [17, 17, 10, 4, 10, 17, 17],
        'Y' => [17, 17, 10, 4, 4, 4, 4],
        'Z' => [31, 1, 2, 4, 8, 16, 31],
        '.' => [0, 0, 0, 0, 0, 12, 12],
        '-' => [0, 0, 0, 31, 0, 0, 0],
        '+' => [0, 4, 4, 31, 4, 4, 0],
        ':' => [0, 12, 12, 0, 12, 12, 0],
        '=' => [0, 0, 31, 0, 31, 0, 0],
        '/' => [1, 2, 2, 4, 8, 8, 16],
        _ => [0; 7],
    }
}

fn draw_text(img: &mut RgbImage, x: i32, y: i32, s: i32, text: &str) {
    let s = s.max(1) / 2;
    let s = s.max(1);
    let width = text.chars().count() as i32 * 6 * s + 2 * s;
    draw_filled_rect_mut(img, Rect::at(x - s, y - s).of_size(width.max(1) as u32, (9 * s) as u32), Rgb([0, 0, 0]));
    for (i, ch) in text.chars().enumerate() {
        let g = glyph(ch);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..5 {
                if bits & (1 << (4 - col)) != 0 {
                    let (px, py) = (x + (i as i32 * 6 + col) * s, y + row as i32 * s);
                    draw_filled_rect_mut(img, Rect::at(px, py).of_size(s as u32, s as u32), Rgb([255, 255, 255]));
                }
            }
        }
    }
}
