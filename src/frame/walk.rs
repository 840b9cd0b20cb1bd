//! How a crop row is sampled, as plain data shared by the scalar code (`pixels.rs`) and
//! the vector kernels (`avx2.rs`), which must compute the same values.

use crate::geometry::Affine;

/// One crop row's output: pixels `[lo, hi)` are sampled (the rest is fill), each value
/// `p * mul + add`, from a frame whose largest x and y are `xmax` and `ymax` (width and
/// height less one).
pub(crate) struct RowSpan {
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) mul: f32,
    pub(crate) add: f32,
    pub(crate) xmax: f32,
    pub(crate) ymax: f32,
}

/// One bilinear tap a pixel: pixel `u` samples the frame at `(x0 + a u, y0 + c u)` (the
/// bilinear grid's coordinates, half pixel taken off).
pub(crate) struct RowWalk {
    pub(crate) x0: f32,
    pub(crate) y0: f32,
    pub(crate) a: f32,
    pub(crate) c: f32,
}

/// Supersampled: pixel `u` of row `v` averages `n`² bilinear taps at
/// `m.apply(u + (a + 0.5) / n, v + (b + 0.5) / n)`.
pub(crate) struct TapRow {
    pub(crate) m: Affine,
    pub(crate) n: usize,
    pub(crate) v: usize,
}
