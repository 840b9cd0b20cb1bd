//! Texture cues on one frame: the spectrum (moiré, pixel grid) and straight edges
//! (paper, bezel) around the face.

use serde::Serialize;

use super::{quantile, CueVerdict};
use crate::frame::FrameRef;

/// Spectrum cue settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SpectrumConfig {
    /// Peak-to-ring-median power ratio (log10) above which the texture looks recaptured.
    pub peak_above: f32,
}

impl Default for SpectrumConfig {
    fn default() -> Self {
        SpectrumConfig { peak_above: 2.6 }
    }
}

/// Result of the spectrum cue on one face texture patch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpectrumCue {
    /// Patch side (px, native resolution).
    pub patch: usize,
    /// Share of the AC power above a quarter of the sampling frequency.
    pub high_freq_ratio: f32,
    /// Strongest isolated peak in the upper frequencies: log10 of its power over the
    /// median power of its frequency ring.
    pub peak_log10: f32,
    /// Spoof when a strong regular peak is present; otherwise Unknown (a clean spectrum
    /// is not proof of life).
    pub verdict: CueVerdict,
}

fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * std::f32::consts::PI / len as f32;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f32).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let (tr, ti) = (re[b] * c - im[b] * s, re[b] * s + im[b] * c);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Power spectrum (`n × n`, DC at index 0) of a Hann-windowed grey patch.
fn power_spectrum(grey: &[f32], n: usize) -> Vec<f32> {
    let mean = grey.iter().sum::<f32>() / grey.len() as f32;
    let w: Vec<f32> =
        (0..n).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * (i as f32 + 0.5) / n as f32).cos()).collect();
    let mut re: Vec<f32> = (0..n * n).map(|k| (grey[k] - mean) * w[k / n] * w[k % n]).collect();
    let mut im = vec![0.0f32; n * n];
    for r in 0..n {
        fft(&mut re[r * n..(r + 1) * n], &mut im[r * n..(r + 1) * n]);
    }
    let (mut cr, mut ci) = (vec![0.0f32; n], vec![0.0f32; n]);
    for c in 0..n {
        for r in 0..n {
            cr[r] = re[r * n + c];
            ci[r] = im[r * n + c];
        }
        fft(&mut cr, &mut ci);
        for r in 0..n {
            re[r * n + c] = cr[r];
            im[r * n + c] = ci[r];
        }
    }
    re.iter().zip(&im).map(|(a, b)| a * a + b * b).collect()
}

/// The spectrum cue on the face texture of one frame: a square patch at native
/// resolution centred on the face box `[x0, y0, x1, y1]` (upright pixels), 64 px or
/// 32 px for small faces. `None` when the face is too small (< 40 px).
pub(crate) fn spectrum_cue(frame: &FrameRef, bbox: [f32; 4], c: &SpectrumConfig) -> Option<SpectrumCue> {
    let side = (bbox[2] - bbox[0]).min(bbox[3] - bbox[1]);
    let n = if side >= 80.0 {
        64
    } else if side >= 40.0 {
        32
    } else {
        return None;
    };
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let (w, h) = frame.upright_size();
    let x0 = ((cx - n as f32 / 2.0).max(0.0) as u32).min(w.saturating_sub(n as u32));
    let y0 = ((cy - n as f32 / 2.0).max(0.0) as u32).min(h.saturating_sub(n as u32));
    let xs: Vec<u32> = (x0..x0 + n as u32).collect();
    let ys: Vec<u32> = (y0..y0 + n as u32).collect();
    let mut rgb = Vec::new();
    frame.gather_rgb(&xs, &ys, &mut rgb);
    let grey: Vec<f32> =
        rgb.chunks_exact(3).map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect();
    let p = power_spectrum(&grey, n);
    // Rings by integer radius; the axes (|u| or |v| <= 1) carry window leakage and
    // 8-px block-coding edges, so they are left out.
    let half = n / 2;
    let mut rings: Vec<Vec<f32>> = vec![Vec::new(); half + 1];
    let (mut total, mut high) = (0.0f64, 0.0f64);
    let mut cells = Vec::new();
    for r in 0..n {
        for col in 0..n {
            let (v, u) = (
                if r > half { r as i32 - n as i32 } else { r as i32 },
                if col > half { col as i32 - n as i32 } else { col as i32 },
            );
            let rad = ((u * u + v * v) as f32).sqrt().round() as usize;
            if rad == 0 || rad > half {
                continue;
            }
            let pw = p[r * n + col];
            total += pw as f64;
            if rad >= n / 4 {
                high += pw as f64;
            }
            if u.abs() <= 1 || v.abs() <= 1 {
                continue;
            }
            rings[rad].push(pw);
            cells.push((rad, pw));
        }
    }
    let medians: Vec<f32> = rings.iter_mut().map(|v| quantile(v, 0.5).max(1e-12)).collect();
    let peak = cells
        .iter()
        .filter(|(rad, _)| *rad >= n / 8)
        .map(|(rad, pw)| (pw / medians[*rad]).max(1e-12).log10())
        .fold(0.0f32, f32::max);
    let verdict = if peak > c.peak_above { CueVerdict::Spoof } else { CueVerdict::Unknown };
    Some(SpectrumCue {
        patch: n,
        high_freq_ratio: if total > 0.0 { (high / total) as f32 } else { 0.0 },
        peak_log10: peak,
        verdict,
    })
}

/// Edge cue settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EdgeConfig {
    /// Region searched: the face box scaled by this about its centre.
    pub region_scale: f32,
    /// A line counts when its edge pixels cover at least this share of the face side.
    pub min_length: f32,
    /// Sides of the face (left, right, top, bottom) with a line for a Spoof verdict.
    pub spoof_sides: u8,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig { region_scale: 2.7, min_length: 0.9, spoof_sides: 3 }
    }
}

/// Result of the edge cue on one frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EdgeCue {
    /// Sides of the face (left, right, top, bottom) with a long straight edge.
    pub sides: u8,
    /// Longest straight edge found outside the face, as a share of the face side.
    pub longest: f32,
    /// Spoof when the face is framed on `spoof_sides` or more sides; otherwise Unknown
    /// (door frames and furniture make single lines common in live scenes).
    pub verdict: CueVerdict,
}

/// The edge cue on one frame for the face box `[x0, y0, x1, y1]` (upright pixels):
/// a Hough transform over near-vertical and near-horizontal lines (±20°) of strong,
/// consistently oriented edges, on a grid where the face is 64 px wide. `None` for a
/// degenerate box.
pub(crate) fn edge_cue(frame: &FrameRef, bbox: [f32; 4], c: &EdgeConfig) -> Option<EdgeCue> {
    let side = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
    if side < 16.0 || !side.is_finite() {
        return None;
    }
    let (fw, fh) = frame.upright_size();
    let k = side / 64.0; // source pixels per grid pixel
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let half = side * c.region_scale / 2.0;
    let (rx0, ry0) = ((cx - half).max(0.0), (cy - half).max(0.0));
    let (rx1, ry1) = ((cx + half).min(fw as f32 - 1.0), (cy + half).min(fh as f32 - 1.0));
    let (gw, gh) = (((rx1 - rx0) / k) as usize, ((ry1 - ry0) / k) as usize);
    if gw < 8 || gh < 8 {
        return None;
    }
    let xs: Vec<u32> = (0..gw).map(|i| (rx0 + (i as f32 + 0.5) * k) as u32).collect();
    let ys: Vec<u32> = (0..gh).map(|i| (ry0 + (i as f32 + 0.5) * k) as u32).collect();
    let mut rgb = Vec::new();
    frame.gather_rgb(&xs, &ys, &mut rgb);
    let g: Vec<f32> =
        rgb.chunks_exact(3).map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect();
    // Sobel gradients.
    let at = |x: usize, y: usize| g[y * gw + x];
    let mut edges = Vec::new();
    let mut mags = Vec::new();
    for y in 1..gh - 1 {
        for x in 1..gw - 1 {
            let gx = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x - 1, y)
                - at(x - 1, y + 1);
            let gy = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x, y - 1)
                - at(x + 1, y - 1);
            let m = (gx * gx + gy * gy).sqrt();
            mags.push(m);
            edges.push((x as f32, y as f32, gx, gy, m));
        }
    }
    // Strong edges: above both an absolute floor and the 85th percentile.
    let thr = quantile(&mut mags, 0.85).max(60.0);
    // Face box in grid pixels.
    let fb = [(bbox[0] - rx0) / k, (bbox[1] - ry0) / k, (bbox[2] - rx0) / k, (bbox[3] - ry0) / k];
    let diag = ((gw * gw + gh * gh) as f32).sqrt();
    let nr = (2.0 * diag) as usize + 1;
    let angles: Vec<f32> = (-10..=10).map(|i| (i as f32 * 2.0).to_radians()).collect();
    // Line normals: (cos a, sin a) for near-vertical lines, (-sin a, cos a) for horizontal.
    let normals = |vertical: bool| -> Vec<(f32, f32)> {
        angles.iter().map(|a| if vertical { (a.cos(), a.sin()) } else { (-a.sin(), a.cos()) }).collect()
    };
    let mut sides = [false; 4];
    let mut longest = 0.0f32;
    for vertical in [true, false] {
        let mut acc = vec![0u32; angles.len() * nr];
        let ns = normals(vertical);
        for &(x, y, gx, gy, m) in &edges {
            if m < thr {
                continue;
            }
            for (ai, &(nx, ny)) in ns.iter().enumerate() {
                // The gradient must be along the normal (within ~15°).
                if (gx * nx + gy * ny).abs() < 0.96 * m {
                    continue;
                }
                let rho = x * nx + y * ny + diag;
                acc[ai * nr + rho as usize] += 1;
            }
        }
        for (ai, &(nx, ny)) in ns.iter().enumerate() {
            for r in 0..nr {
                let votes = acc[ai * nr + r];
                let len = votes as f32 / 64.0;
                if len < 0.3 {
                    continue;
                }
                // Where the line passes the face centre's row (vertical) or column.
                let rho = r as f32 - diag;
                let (fcx, fcy) = ((fb[0] + fb[2]) / 2.0, (fb[1] + fb[3]) / 2.0);
                let side_idx = if vertical {
                    let x = (rho - fcy * ny) / nx;
                    if x < fb[0] - 4.0 {
                        Some(0)
                    } else if x > fb[2] + 4.0 {
                        Some(1)
                    } else {
                        None
                    }
                } else {
                    let y = (rho - fcx * nx) / ny;
                    if y < fb[1] - 4.0 {
                        Some(2)
                    } else if y > fb[3] + 4.0 {
                        Some(3)
                    } else {
                        None
                    }
                };
                if let Some(si) = side_idx {
                    longest = longest.max(len);
                    if len >= c.min_length {
                        sides[si] = true;
                    }
                }
            }
        }
    }
    let n = sides.iter().filter(|s| **s).count() as u8;
    Some(EdgeCue {
        sides: n,
        longest,
        verdict: if n >= c.spoof_sides { CueVerdict::Spoof } else { CueVerdict::Unknown },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectrum_finds_a_grid() {
        let n = 64;
        let fft2 = |grey: &[f32]| power_spectrum(grey, n);
        let smooth: Vec<f32> = (0..n * n).map(|k| ((k % n) as f32 * 0.1).sin() * 20.0 + 128.0).collect();
        let grid: Vec<f32> =
            smooth.iter().enumerate().map(|(k, v)| v + 10.0 * (((k % n) + (k / n)) as f32 * 2.1).cos()).collect();
        let peak = |p: Vec<f32>| p.iter().cloned().fold(0.0f32, f32::max);
        assert!(peak(fft2(&grid)) > peak(fft2(&smooth)));
    }

    #[test]
    fn edges_find_a_sheet_around_the_face() {
        let (w, h) = (400usize, 400usize);
        let bbox = [160.0f32, 160.0, 240.0, 240.0];
        // A bright sheet from 110 to 290 (inside the 2.7x region) on a dark background.
        let mut sheet = vec![40u8; w * h * 3];
        let mut plain = vec![40u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let v = 40 + ((x * 7 + y * 13) % 11) as u8; // mild texture
                plain[(y * w + x) * 3..(y * w + x) * 3 + 3].fill(v);
                let inside = (110..290).contains(&x) && (110..290).contains(&y);
                sheet[(y * w + x) * 3..(y * w + x) * 3 + 3].fill(if inside { 210 } else { v });
            }
        }
        let c = EdgeConfig::default();
        let f = FrameRef::new(&sheet, w as u32, h as u32, crate::PixelFormat::Rgb8).unwrap();
        let e = edge_cue(&f, bbox, &c).unwrap();
        assert_eq!(e.sides, 4, "{e:?}");
        assert_eq!(e.verdict, CueVerdict::Spoof);
        let f = FrameRef::new(&plain, w as u32, h as u32, crate::PixelFormat::Rgb8).unwrap();
        let e = edge_cue(&f, bbox, &c).unwrap();
        assert_eq!(e.sides, 0, "{e:?}");
        assert!(edge_cue(&f, [0.0, 0.0, 2.0, 2.0], &c).is_none());
    }
}
