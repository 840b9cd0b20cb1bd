//! The two ways a crop row is sampled, as plain data: shared by the scalar code
//! (`pixels.rs`) and the vector kernels (`avx2.rs`), which must compute the same values.

use crate::geometry::Affine;

/// One output row's walk: pixel `u` samples the frame at `(x0 + a u, y0 + c u)` (the
/// bilinear grid's coordinates, half pixel taken off), for `u` in `[lo, hi)`; values are
/// `p * mul + add`.
pub(crate) struct RowWalk {
    pub(crate) x0: f32,
    pub(crate) y0: f32,
    pub(crate) a: f32,
    pub(crate) c: f32,
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) mul: f32,
    pub(crate) add: f32,
    /// Largest source x and y (frame width and height less one).
    pub(crate) xmax: f32,
    pub(crate) ymax: f32,
}

/// A supersampled crop row: output pixel `u` of row `v` averages `n`² bilinear taps at
/// `m.apply(u + (a + 0.5) / n, v + (b + 0.5) / n)`, then `* mul + add`.
pub(crate) struct TapRow {
    pub(crate) m: Affine,
    pub(crate) n: usize,
    pub(crate) v: usize,
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) mul: f32,
    pub(crate) add: f32,
    /// Largest source x and y (frame width and height less one).
    pub(crate) xmax: f32,
    pub(crate) ymax: f32,
}
