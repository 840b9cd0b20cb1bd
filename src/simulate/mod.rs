//! Simulated presentation attacks for testing and QA where no recorded attacks exist: a
//! face picture held up to the camera as a flat sheet (print) or shown on a screen
//! (replay), moved by hand.
//!
//! The picture is a plane in 3-D, turned (yaw, pitch, roll) and shifted over time, seen
//! by a pinhole camera (focal length = frame width, a typical phone field of view). A
//! print gets a white paper margin; a replay gets a screen's RGB sub-pixel grid, point
//! sampled by the camera (no optical low-pass), which aliases into moiré as real
//! recaptures do. Sensor noise is added. This is a documented simulation, not a dataset:
//! it checks that the pipeline notices planar motion and screen texture, and says nothing
//! about attacks made with care.
//!
//! [`light`] renders the reflection of a light challenge onto a real clip, and the attacks
//! light mode must stop.

pub mod light;

use serde::Serialize;

/// Kind of simulated attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Species {
    /// Printed photo with a paper margin.
    Print,
    /// Photo on a screen: sub-pixel grid.
    Replay,
}

/// Motion and look of one simulated attack.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlanarAttack {
    /// Print or replay.
    pub species: Species,
    /// Output frame size.
    pub width: u32,
    /// Output frame height.
    pub height: u32,
    /// Peak yaw and pitch swing (degrees), sinusoidal.
    pub swing_deg: [f32; 2],
    /// Swing period (s).
    pub period_s: f32,
    /// Picture height as a share of the frame height when facing the camera.
    pub fill: f32,
    /// Sensor noise (grey levels, uniform ±).
    pub noise: f32,
    /// Screen pixel pitch in picture pixels (replay).
    pub screen_pitch: f32,
    /// Seed for the noise.
    pub seed: u64,
}

impl Default for PlanarAttack {
    fn default() -> Self {
        PlanarAttack {
            species: Species::Print,
            width: 640,
            height: 480,
            swing_deg: [14.0, 8.0],
            period_s: 2.0,
            fill: 0.8,
            noise: 3.0,
            screen_pitch: 1.35,
            seed: 1,
        }
    }
}

impl PlanarAttack {
    /// Renders the frame at time `t_s` of the picture `rgb` (`pw × ph`, packed RGB) into
    /// packed RGB `width × height`.
    pub fn render(&self, rgb: &[u8], pw: usize, ph: usize, t_s: f32) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = vec![0u8; w * h * 3];
        if pw == 0 || ph == 0 || rgb.len() < pw * ph * 3 {
            return out;
        }
        let tau = 2.0 * std::f32::consts::PI;
        let ph_t = tau * t_s / self.period_s.max(0.1);
        let yaw = self.swing_deg[0].to_radians() * ph_t.sin();
        let pitch = self.swing_deg[1].to_radians() * (0.7 * ph_t + 0.5).sin();
        let roll = 3f32.to_radians() * (0.4 * ph_t).sin();
        // Rotation R = Rz(roll) Ry(yaw) Rx(pitch); columns are the plane's axes.
        let (sy, cy) = yaw.sin_cos();
        let (sp, cp) = pitch.sin_cos();
        let (sr, cr) = roll.sin_cos();
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let rx = [[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]];
        let rz = [[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]];
        let mul = |a: [[f32; 3]; 3], b: [[f32; 3]; 3]| {
            let mut r = [[0.0f32; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    r[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
                }
            }
            r
        };
        let r = mul(rz, mul(ry, rx));
        let ex = [r[0][0], r[1][0], r[2][0]];
        let ey = [r[0][1], r[1][1], r[2][1]];
        let n = [r[0][2], r[1][2], r[2][2]];
        let f = w as f32;
        // Picture with margin: plane units are picture pixels; distance so that the
        // picture spans `fill` of the frame height when facing the camera.
        let margin = if self.species == Species::Print { 0.12 * ph as f32 } else { 0.04 * ph as f32 };
        let (half_w, half_h) = (pw as f32 / 2.0 + margin, ph as f32 / 2.0 + margin);
        let z = f * (2.0 * half_h) / (self.fill * h as f32);
        let p0 = [0.03 * z * (0.3 * ph_t).sin(), 0.02 * z * (0.5 * ph_t).cos(), z];
        let n_p0 = n[0] * p0[0] + n[1] * p0[1] + n[2] * p0[2];
        let mut state = self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (t_s.to_bits() as u64);
        let mut rand = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        for v in 0..h {
            for u in 0..w {
                let d = [(u as f32 + 0.5 - w as f32 / 2.0) / f, (v as f32 + 0.5 - h as f32 / 2.0) / f, 1.0];
                let nd = n[0] * d[0] + n[1] * d[1] + n[2] * d[2];
                let s = n_p0 / nd;
                let x = [s * d[0] - p0[0], s * d[1] - p0[1], s * d[2] - p0[2]];
                let a = x[0] * ex[0] + x[1] * ex[1] + x[2] * ex[2];
                let b = x[0] * ey[0] + x[1] * ey[1] + x[2] * ey[2];
                // Background: a soft horizontal gradient (a wall).
                let mut c = [70.0 + 40.0 * v as f32 / h as f32, 75.0 + 30.0 * u as f32 / w as f32, 80.0];
                if a.abs() <= half_w && b.abs() <= half_h && nd > 0.0 {
                    let (px, py) = (a + pw as f32 / 2.0 - 0.5, b + ph as f32 / 2.0 - 0.5);
                    let inside = px >= 0.0 && py >= 0.0 && px <= (pw - 1) as f32 && py <= (ph - 1) as f32;
                    c = if inside { bilinear(rgb, pw, px, py) } else { [235.0, 235.0, 230.0] };
                    if self.species == Species::Replay {
                        // Sub-pixel stripes R|G|B per screen pixel plus dark gaps between rows.
                        let sx = (a / self.screen_pitch).rem_euclid(1.0);
                        let sy = (b / self.screen_pitch).rem_euclid(1.0);
                        let k = (sx * 3.0) as usize;
                        let row = if sy > 0.8 { 0.55 } else { 1.0 };
                        for (i, ch) in c.iter_mut().enumerate() {
                            *ch *= row * if i == k.min(2) { 1.25 } else { 0.75 };
                        }
                    }
                }
                let o = (v * w + u) * 3;
                for i in 0..3 {
                    let noisy = c[i] + (rand() * 2.0 - 1.0) * self.noise;
                    out[o + i] = noisy.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        out
    }
}

fn bilinear(rgb: &[u8], w: usize, x: f32, y: f32) -> [f32; 3] {
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let h = rgb.len() / 3 / w;
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |x: usize, y: usize, c: usize| rgb[(y * w + x) * 3 + c] as f32;
    let mut o = [0.0; 3];
    for (c, v) in o.iter_mut().enumerate() {
        let top = p(x0, y0, c) + (p(x1, y0, c) - p(x0, y0, c)) * fx;
        let bot = p(x0, y1, c) + (p(x1, y1, c) - p(x0, y1, c)) * fx;
        *v = top + (bot - top) * fy;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_picture_in_the_middle() {
        let pic = vec![200u8; 100 * 100 * 3];
        let a = PlanarAttack { noise: 0.0, width: 160, height: 120, ..Default::default() };
        let f = a.render(&pic, 100, 100, 0.0);
        assert_eq!(f.len(), 160 * 120 * 3);
        let centre = (60 * 160 + 80) * 3;
        assert_eq!(f[centre], 200);
        assert!(f[0] < 120, "background in the corner");
    }
}
