//! 2-D affine maps and rotated square regions: the glue between frames and model crops.

use serde::Serialize;

/// `p' = [a b; c d] p + [tx; ty]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Affine {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Affine {
    pub const IDENTITY: Affine = Affine { a: 1.0, b: 0.0, c: 0.0, d: 1.0, tx: 0.0, ty: 0.0 };

    #[inline]
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (self.a * x + self.b * y + self.tx, self.c * x + self.d * y + self.ty)
    }

    /// `self ∘ inner`: first `inner`, then `self`.
    pub fn compose(&self, inner: &Affine) -> Affine {
        Affine {
            a: self.a * inner.a + self.b * inner.c,
            b: self.a * inner.b + self.b * inner.d,
            c: self.c * inner.a + self.d * inner.c,
            d: self.c * inner.b + self.d * inner.d,
            tx: self.a * inner.tx + self.b * inner.ty + self.tx,
            ty: self.c * inner.tx + self.d * inner.ty + self.ty,
        }
    }

    /// The inverse map, or `None` when the map is singular.
    pub fn inverse(&self) -> Option<Affine> {
        let det = self.a * self.d - self.b * self.c;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (a, b, c, d) = (self.d / det, -self.b / det, -self.c / det, self.a / det);
        Some(Affine { a, b, c, d, tx: -(a * self.tx + b * self.ty), ty: -(c * self.tx + d * self.ty) })
    }

    /// Linear scale of the map (geometric mean of the axis scales).
    pub fn scale(&self) -> f32 {
        (self.a * self.d - self.b * self.c).abs().sqrt()
    }
}

/// A rotated square region of the upright frame: where a model looks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Roi {
    /// Centre x in upright-frame pixels.
    pub cx: f32,
    /// Centre y in upright-frame pixels.
    pub cy: f32,
    /// Side length in upright-frame pixels.
    pub side: f32,
    /// Rotation in radians (positive turns the crop's x axis towards +y).
    pub angle: f32,
}

impl Roi {
    /// Map from crop pixel coordinates (`0..size`, continuous) to upright-frame pixels.
    pub(crate) fn crop_to_frame(&self, size: usize) -> Affine {
        let k = self.side / size as f32;
        let (s, c) = self.angle.sin_cos();
        let h = size as f32 / 2.0;
        // R(θ)·((u - h)·k, (v - h)·k) + centre
        Affine {
            a: c * k,
            b: -s * k,
            c: s * k,
            d: c * k,
            tx: self.cx - (c * h - s * h) * k,
            ty: self.cy - (s * h + c * h) * k,
        }
    }

    /// Same as [`Roi::crop_to_frame`] with the crop mirrored left-right (`u -> size - u`).
    pub(crate) fn crop_to_frame_mirrored(&self, size: usize) -> Affine {
        let flip = Affine { a: -1.0, b: 0.0, c: 0.0, d: 1.0, tx: size as f32, ty: 0.0 };
        self.crop_to_frame(size).compose(&flip)
    }
}

/// Normalise an angle to `[-π, π)`.
pub(crate) fn normalize_angle(a: f32) -> f32 {
    let two_pi = std::f32::consts::TAU;
    a - two_pi * ((a + std::f32::consts::PI) / two_pi).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_centre_maps_to_roi_centre_and_corners_rotate() {
        let roi = Roi { cx: 100.0, cy: 50.0, side: 40.0, angle: std::f32::consts::FRAC_PI_2 };
        let m = roi.crop_to_frame(192);
        let (x, y) = m.apply(96.0, 96.0);
        assert!((x - 100.0).abs() < 1e-4 && (y - 50.0).abs() < 1e-4);
        // Crop +x axis turned by 90° points to frame +y.
        let (x, y) = m.apply(192.0, 96.0);
        assert!((x - 100.0).abs() < 1e-3 && (y - 70.0).abs() < 1e-3, "{x},{y}");
        let mm = roi.crop_to_frame_mirrored(192);
        let (x, y) = mm.apply(0.0, 96.0);
        assert!((x - 100.0).abs() < 1e-3 && (y - 70.0).abs() < 1e-3, "{x},{y}");
        assert!((m.scale() - 40.0 / 192.0).abs() < 1e-6);
    }

    #[test]
    fn normalize_wraps() {
        assert!((normalize_angle(3.0 * std::f32::consts::PI) + std::f32::consts::PI).abs() < 1e-5);
        assert!((normalize_angle(0.5) - 0.5).abs() < 1e-6);
    }
}
