//! Pixel access per format and bilinear sampling: the inner loops behind
//! [`super::FrameRef::sample_rgb`] and [`super::FrameRef::gather_rgb`].

#[cfg(target_arch = "x86_64")]
use super::avx2;
use super::walk::{RowSpan, RowWalk, TapRow};
use crate::geometry::Affine;

/// Work done with a frame's pixel accessor.
pub(super) trait PixelVisitor {
    fn visit<P: Pixels>(self, px: &P);
}

/// Exact pixels at integer upright positions (see [`FrameRef::gather_rgb`]).
pub(super) struct Gather<'a> {
    pub(super) m: Affine,
    pub(super) xs: &'a [u32],
    pub(super) ys: &'a [u32],
    pub(super) out: &'a mut Vec<u8>,
}

impl PixelVisitor for Gather<'_> {
    fn visit<P: Pixels>(self, px: &P) {
        let (fw, fh) = px.size();
        for &y in self.ys {
            for &x in self.xs {
                let (bx, by) = self.m.apply(x as f32 + 0.5, y as f32 + 0.5);
                let bx = (fast_floor(bx).max(0.0) as usize).min(fw - 1);
                let by = (fast_floor(by).max(0.0) as usize).min(fh - 1);
                let p = px.rgb(bx, by);
                self.out.extend(p.iter().map(|v| v.round().clamp(0.0, 255.0) as u8));
            }
        }
    }
}

/// Fetches one RGB pixel (0..255) at clamped integer buffer coordinates.
pub(super) trait Pixels {
    fn size(&self) -> (usize, usize);
    fn rgb(&self, x: usize, y: usize) -> [f32; 3];

    /// Bilinear blend of the four pixels (xa|xb, ya|yb) with weights fx, fy.
    #[inline(always)]
    fn blend(&self, xa: usize, xb: usize, ya: usize, yb: usize, fx: f32, fy: f32) -> [f32; 3] {
        blend_scalar(self, xa, xb, ya, yb, fx, fy)
    }

    /// The eight-at-a-time sampler for this layout, if it has one.
    #[cfg(target_arch = "x86_64")]
    type Simd: avx2::Taps;

    /// This frame's eight-at-a-time sampler (`None`: the layout has none, or the frame is
    /// too large for 32-bit offsets).
    #[cfg(target_arch = "x86_64")]
    fn simd(&self) -> Option<Self::Simd>;
}

#[inline(always)]
fn blend_scalar<P: Pixels + ?Sized>(px: &P, xa: usize, xb: usize, ya: usize, yb: usize, fx: f32, fy: f32) -> [f32; 3] {
    let (p00, p10, p01, p11) = (px.rgb(xa, ya), px.rgb(xb, ya), px.rgb(xa, yb), px.rgb(xb, yb));
    let mut o = [0.0; 3];
    for c in 0..3 {
        let top = p00[c] + (p10[c] - p00[c]) * fx;
        let bot = p01[c] + (p11[c] - p01[c]) * fx;
        o[c] = top + (bot - top) * fy;
    }
    o
}

/// [`blend_scalar`] for two horizontally adjacent 3- or 4-byte pixels in each of two rows
/// (`top`, `bot`: byte offsets of the left pixels, 8 readable bytes from each), all three
/// channels at once in SSE2 (part of the x86-64 baseline). The same operations in the
/// same order as the scalar blend, so the results are bit-identical.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn blend_sse2<const R: usize, const BPP: usize>(d: &[u8], top: usize, bot: usize, fx: f32, fy: f32) -> [f32; 3] {
    use std::arch::x86_64::*;
    debug_assert!(top + 8 <= d.len() && bot + 8 <= d.len() && (BPP == 3 || BPP == 4));
    // SAFETY: SSE2 is always present on x86-64; the caller checked that 8 bytes from
    // `top` and from `bot` lie inside `d` (`_mm_loadl_epi64` reads 8 unaligned bytes).
    unsafe {
        let z = _mm_setzero_si128();
        let t = _mm_unpacklo_epi8(_mm_loadl_epi64(d.as_ptr().add(top) as *const __m128i), z);
        let b = _mm_unpacklo_epi8(_mm_loadl_epi64(d.as_ptr().add(bot) as *const __m128i), z);
        // The right-hand pixel starts BPP 16-bit lanes further on.
        let (t1, b1) = if BPP == 3 {
            (_mm_srli_si128::<6>(t), _mm_srli_si128::<6>(b))
        } else {
            (_mm_srli_si128::<8>(t), _mm_srli_si128::<8>(b))
        };
        let f = |x: __m128i| _mm_cvtepi32_ps(_mm_unpacklo_epi16(x, z));
        let (p00, p10, p01, p11) = (f(t), f(t1), f(b), f(b1));
        let (fx, fy) = (_mm_set1_ps(fx), _mm_set1_ps(fy));
        let top = _mm_add_ps(p00, _mm_mul_ps(_mm_sub_ps(p10, p00), fx));
        let bot = _mm_add_ps(p01, _mm_mul_ps(_mm_sub_ps(p11, p01), fx));
        let r = _mm_add_ps(top, _mm_mul_ps(_mm_sub_ps(bot, top), fy));
        let mut o = [0.0f32; 4];
        _mm_storeu_ps(o.as_mut_ptr(), r);
        if R == 0 {
            [o[0], o[1], o[2]]
        } else {
            [o[2], o[1], o[0]]
        }
    }
}

pub(super) struct Packed<'a, const R: usize, const G: usize, const B: usize, const BPP: usize> {
    pub(super) d: &'a [u8],
    pub(super) s: usize,
    pub(super) w: usize,
    pub(super) h: usize,
}

impl<'a, const R: usize, const G: usize, const B: usize, const BPP: usize> Pixels for Packed<'a, R, G, B, BPP> {
    #[inline(always)]
    fn size(&self) -> (usize, usize) {
        (self.w, self.h)
    }
    #[inline(always)]
    fn rgb(&self, x: usize, y: usize) -> [f32; 3] {
        let i = y * self.s + x * BPP;
        debug_assert!(x < self.w && y < self.h && i + BPP <= self.d.len());
        // SAFETY: callers clamp x < w and y < h, and `FrameRef::with_stride` checked that
        // `d` holds `stride * (h - 1) + w * BPP` bytes, so `i + BPP <= d.len()`; R, G, B < BPP.
        unsafe {
            [
                *self.d.get_unchecked(i + R) as f32,
                *self.d.get_unchecked(i + G) as f32,
                *self.d.get_unchecked(i + B) as f32,
            ]
        }
    }

    #[inline(always)]
    fn blend(&self, xa: usize, xb: usize, ya: usize, yb: usize, fx: f32, fy: f32) -> [f32; 3] {
        #[cfg(target_arch = "x86_64")]
        {
            // RGB/BGR(A) with the right-hand pixel next to the left one (not a clamped
            // border column) and 8 bytes readable in both rows.
            let (top, bot) = (ya * self.s + xa * BPP, yb * self.s + xa * BPP);
            if BPP >= 3
                && (R == 0 || R == 2)
                && G == 1
                && B == 2 - R
                && xb == xa + 1
                && top.max(bot) + 8 <= self.d.len()
            {
                return blend_sse2::<R, BPP>(self.d, top, bot, fx, fy);
            }
        }
        blend_scalar(self, xa, xb, ya, yb, fx, fy)
    }

    #[cfg(target_arch = "x86_64")]
    type Simd = avx2::PackedTaps<'a, R, BPP>;

    #[cfg(target_arch = "x86_64")]
    fn simd(&self) -> Option<Self::Simd> {
        let layout = BPP >= 3 && (R == 0 || R == 2) && G == 1 && B == 2 - R;
        (layout && self.d.len() < avx2::MAX_BYTES).then_some(avx2::PackedTaps { d: self.d, stride: self.s })
    }
}

pub(super) struct Yuv<'a> {
    pub(super) d: &'a [u8],
    pub(super) s: usize,
    pub(super) w: usize,
    pub(super) h: usize,
    pub(super) u_off: usize,
    pub(super) v_off: usize,
    pub(super) cstride: usize,
    pub(super) cstep: usize,
    pub(super) limited: bool,
}

impl Yuv<'_> {
    #[inline(always)]
    fn luma(&self, x: usize, y: usize) -> f32 {
        let i = y * self.s + x;
        debug_assert!(i < self.d.len());
        // SAFETY: x < w and y < h (callers clamp); `with_stride` checked the luma plane
        // holds `stride * h` bytes.
        unsafe { *self.d.get_unchecked(i) as f32 }
    }

    #[inline(always)]
    fn chroma(&self, x: usize, y: usize) -> (f32, f32) {
        let c = (y / 2) * self.cstride + (x / 2) * self.cstep;
        debug_assert!(self.u_off + c < self.d.len() && self.v_off + c < self.d.len());
        // SAFETY: x < w, y < h with even w, h; `with_stride` checked the chroma plane(s)
        // cover (h/2 - 1) * cstride + w/2 * cstep bytes after their offsets.
        unsafe {
            (*self.d.get_unchecked(self.u_off + c) as f32 - 128.0, *self.d.get_unchecked(self.v_off + c) as f32 - 128.0)
        }
    }

    #[inline(always)]
    fn to_rgb(&self, yy: f32, u: f32, v: f32) -> [f32; 3] {
        let (r, g, b) = if self.limited {
            let l = (yy - 16.0) * 1.164_383;
            (l + 1.596_027 * v, l - 0.391_762 * u - 0.812_968 * v, l + 2.017_232 * u)
        } else {
            (yy + 1.402 * v, yy - 0.344_136 * u - 0.714_136 * v, yy + 1.772 * u)
        };
        [r.clamp(0.0, 255.0), g.clamp(0.0, 255.0), b.clamp(0.0, 255.0)]
    }
}

impl<'a> Pixels for Yuv<'a> {
    #[inline(always)]
    fn size(&self) -> (usize, usize) {
        (self.w, self.h)
    }
    #[inline(always)]
    fn rgb(&self, x: usize, y: usize) -> [f32; 3] {
        let (u, v) = self.chroma(x, y);
        self.to_rgb(self.luma(x, y), u, v)
    }
    /// Blends Y, U and V first and converts once (the conversion is linear up to the
    /// final clamp), four times fewer conversions than blending RGB.
    #[inline(always)]
    fn blend(&self, xa: usize, xb: usize, ya: usize, yb: usize, fx: f32, fy: f32) -> [f32; 3] {
        let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
        let yy =
            lerp(lerp(self.luma(xa, ya), self.luma(xb, ya), fx), lerp(self.luma(xa, yb), self.luma(xb, yb), fx), fy);
        let (u00, v00) = self.chroma(xa, ya);
        let (u10, v10) = self.chroma(xb, ya);
        let (u01, v01) = self.chroma(xa, yb);
        let (u11, v11) = self.chroma(xb, yb);
        let u = lerp(lerp(u00, u10, fx), lerp(u01, u11, fx), fy);
        let v = lerp(lerp(v00, v10, fx), lerp(v01, v11, fx), fy);
        self.to_rgb(yy, u, v)
    }

    #[cfg(target_arch = "x86_64")]
    type Simd = avx2::YuvTaps<'a>;

    #[cfg(target_arch = "x86_64")]
    fn simd(&self) -> Option<Self::Simd> {
        (self.d.len() < avx2::MAX_BYTES).then_some(avx2::YuvTaps {
            d: self.d,
            s: self.s,
            u_off: self.u_off,
            v_off: self.v_off,
            cstride: self.cstride,
            cstep: self.cstep,
            limited: self.limited,
        })
    }
}

pub(super) struct Job<'a> {
    pub(super) m: Affine,
    pub(super) w: usize,
    pub(super) h: usize,
    pub(super) taps: usize,
    pub(super) mul: f32,
    pub(super) add: f32,
    pub(super) valid: Option<[usize; 4]>,
    pub(super) fill: f32,
    pub(super) out: &'a mut [f32],
    /// Use the vector row kernel where there is one (off: the scalar walk, for tests).
    pub(super) simd: bool,
}

/// `floor` without a libm call (the x86-64 baseline has no SSE4.1 `roundss`).
#[inline(always)]
fn fast_floor(v: f32) -> f32 {
    let t = v as i32 as f32;
    if t > v {
        t - 1.0
    } else {
        t
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn bilinear<P: Pixels>(px: &P, x: f32, y: f32, fw: usize, fh: usize, maxx: i32, maxy: i32) -> [f32; 3] {
    // Coordinates far outside the frame are clamped before the integer cast.
    let (px_, py_) = ((x - 0.5).clamp(-2.0, fw as f32 + 1.0), (y - 0.5).clamp(-2.0, fh as f32 + 1.0));
    let (x0, y0) = (fast_floor(px_), fast_floor(py_));
    let (fx, fy) = (px_ - x0, py_ - y0);
    let (x0, y0) = (x0 as i32, y0 as i32);
    let xa = x0.clamp(0, maxx) as usize;
    let xb = (x0 + 1).clamp(0, maxx) as usize;
    let ya = y0.clamp(0, maxy) as usize;
    let yb = (y0 + 1).clamp(0, maxy) as usize;
    px.blend(xa, xb, ya, yb, fx, fy)
}

impl PixelVisitor for Job<'_> {
    fn visit<P: Pixels>(self, px: &P) {
        let (m, n) = (self.m, self.taps);
        if n <= 1 {
            // One bilinear tap per output pixel (every model crop but a strongly shrinking
            // one), walking each row along the map: the source point of pixel u's centre,
            // less the bilinear grid's half pixel, is (x0 + a u, y0 + c u).
            self.rows(px, |v| {
                let (x0, y0) = m.apply(0.5, v as f32 + 0.5);
                RowWalk { x0: x0 - 0.5, y0: y0 - 0.5, a: m.a, c: m.c }
            });
        } else {
            // `n`² bilinear taps averaged per output pixel (a crop that shrinks the picture).
            self.rows(px, |v| TapRow { m, n, v });
        }
    }
}

/// Writes `fill` into the pixels of output row `v` (3 values each) outside the `valid`
/// window [u0, v0, u1, v1) and returns the span [lo, hi) of the pixels left to sample.
#[inline(always)]
fn fill_outside(row: &mut [f32], v: usize, valid: Option<[usize; 4]>, fill: f32) -> (usize, usize) {
    let w = row.len() / 3;
    let (lo, hi) = match valid {
        None => (0, w),
        Some([u0, v0, u1, v1]) if v >= v0 && v < v1 => (u0.min(w), u1.clamp(u0.min(w), w)),
        Some(_) => (0, 0),
    };
    row[..lo * 3].fill(fill);
    row[hi * 3..].fill(fill);
    (lo, hi)
}

/// How one crop row is sampled ([`RowWalk`], [`TapRow`]): pixel by pixel, or eight at a
/// time by a vector kernel giving the same bits.
trait RowSampler {
    /// Output pixel `u`.
    fn pixel<P: Pixels>(&self, px: &P, span: &RowSpan, u: usize) -> [f32; 3];

    /// Pixels `[span.lo, span.hi)` of `out` through the vector kernel, `scalar(u)` for
    /// those it leaves.
    ///
    /// # Safety
    /// The CPU must have AVX2; `span`'s bounds are those of the frame `t` reads.
    #[cfg(target_arch = "x86_64")]
    unsafe fn simd<T: avx2::Taps>(
        &self,
        t: &T,
        span: &RowSpan,
        out: &mut [f32],
        scalar: &mut dyn FnMut(usize) -> [f32; 3],
    );
}

impl RowSampler for RowWalk {
    /// The plain blend where the 2x2 neighbourhood lies inside the frame (most of a face
    /// crop), the border-clamped bilinear elsewhere.
    #[inline(always)]
    fn pixel<P: Pixels>(&self, px: &P, span: &RowSpan, u: usize) -> [f32; 3] {
        let uf = u as f32;
        let (sx, sy) = (self.x0 + self.a * uf, self.y0 + self.c * uf);
        let p = if sx >= 0.0 && sy >= 0.0 && sx < span.xmax && sy < span.ymax {
            // `as` truncation is floor for non-negative values.
            let (xi, yi) = (sx as usize, sy as usize);
            px.blend(xi, xi + 1, yi, yi + 1, sx - xi as f32, sy - yi as f32)
        } else {
            let (fw, fh) = px.size();
            bilinear(px, sx + 0.5, sy + 0.5, fw, fh, fw as i32 - 1, fh as i32 - 1)
        };
        [p[0] * span.mul + span.add, p[1] * span.mul + span.add, p[2] * span.mul + span.add]
    }

    #[cfg(target_arch = "x86_64")]
    unsafe fn simd<T: avx2::Taps>(
        &self,
        t: &T,
        span: &RowSpan,
        out: &mut [f32],
        scalar: &mut dyn FnMut(usize) -> [f32; 3],
    ) {
        // SAFETY: the caller's contract is the kernel's.
        unsafe { avx2::row(t, self, span, out, scalar) }
    }
}

impl RowSampler for TapRow {
    /// Taps by rows, then columns, summed, times `1 / n²`, times `mul`, plus `add`. A tap
    /// whose 2x2 neighbourhood lies inside the frame skips the border clamps (the same
    /// values: the clamps do nothing there and truncation is floor).
    #[inline(always)]
    fn pixel<P: Pixels>(&self, px: &P, span: &RowSpan, u: usize) -> [f32; 3] {
        let n = self.n;
        let mut acc = [0.0f32; 3];
        for b in 0..n {
            let cv = self.v as f32 + (b as f32 + 0.5) / n as f32;
            for a in 0..n {
                let cu = u as f32 + (a as f32 + 0.5) / n as f32;
                let (x, y) = self.m.apply(cu, cv);
                let (sx, sy) = (x - 0.5, y - 0.5);
                let p = if sx >= 0.0 && sy >= 0.0 && sx < span.xmax && sy < span.ymax {
                    let (xi, yi) = (sx as usize, sy as usize);
                    px.blend(xi, xi + 1, yi, yi + 1, sx - xi as f32, sy - yi as f32)
                } else {
                    let (fw, fh) = px.size();
                    bilinear(px, x, y, fw, fh, fw as i32 - 1, fh as i32 - 1)
                };
                acc[0] += p[0];
                acc[1] += p[1];
                acc[2] += p[2];
            }
        }
        let inv = 1.0 / (n * n) as f32;
        let (mul, add) = (span.mul, span.add);
        [acc[0] * inv * mul + add, acc[1] * inv * mul + add, acc[2] * inv * mul + add]
    }

    #[cfg(target_arch = "x86_64")]
    unsafe fn simd<T: avx2::Taps>(
        &self,
        t: &T,
        span: &RowSpan,
        out: &mut [f32],
        scalar: &mut dyn FnMut(usize) -> [f32; 3],
    ) {
        // SAFETY: the caller's contract is the kernel's.
        unsafe { avx2::supersampled_row(t, self, span, out, scalar) }
    }
}

impl Job<'_> {
    /// Every output row: the fill outside `valid` written without testing every pixel,
    /// the rest sampled by `sampler(v)`, eight pixels at a time where the CPU and the
    /// layout allow.
    fn rows<P: Pixels, S: RowSampler>(self, px: &P, sampler: impl Fn(usize) -> S) {
        #[cfg(target_arch = "x86_64")]
        let simd = if self.simd && avx2::available() { px.simd() } else { None };
        let (fw, fh) = px.size();
        let (xmax, ymax) = ((fw - 1) as f32, (fh - 1) as f32);
        let (mul, add) = (self.mul, self.add);
        for (v, row) in self.out.chunks_exact_mut(self.w * 3).take(self.h).enumerate() {
            let (lo, hi) = fill_outside(row, v, self.valid, self.fill);
            let span = RowSpan { lo, hi, mul, add, xmax, ymax };
            let s = sampler(v);
            #[cfg(target_arch = "x86_64")]
            if let Some(t) = &simd {
                // SAFETY: AVX2 is present (`simd` is `None` otherwise); the span's bounds
                // are this frame's.
                unsafe { s.simd(t, &span, row, &mut |u| s.pixel(px, &span, u)) };
                continue;
            }
            for (u, dst) in row[lo * 3..hi * 3].chunks_exact_mut(3).enumerate() {
                let p = s.pixel(px, &span, u + lo);
                dst[0] = p[0];
                dst[1] = p[1];
                dst[2] = p[2];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` bytes of a linear congruential sequence from `seed`.
    fn noise(n: usize, seed: u32) -> Vec<u8> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect()
    }

    #[test]
    fn supersampled_crop_equals_the_clamped_reference_inside_and_at_borders() {
        // A rotated 3x3-tap crop that reaches past every border of a noisy RGB frame,
        // with a `valid` window: the fast interior taps give the same bits as clamped
        // bilinear taps everywhere, and pixels outside `valid` get the fill.
        let (fw, fh) = (23usize, 17usize);
        let d: Vec<u8> = (0..fw * fh * 3).map(|i| ((i * 7919) % 251) as u8).collect();
        let px = Packed::<0, 1, 2, 3> { d: &d, s: fw * 3, w: fw, h: fh };
        let m = Affine { a: 1.7, b: -0.4, c: 0.4, d: 1.7, tx: -3.0, ty: -2.0 };
        let (w, h, n) = (16usize, 14usize, 3usize);
        let valid = [1, 2, 15, 13];
        let mut out = vec![0.0f32; w * h * 3];
        Job { m, w, h, taps: n, mul: 0.5, add: 1.0, valid: Some(valid), fill: -7.0, out: &mut out, simd: true }
            .visit(&px);
        for v in 0..h {
            for u in 0..w {
                let got = &out[(v * w + u) * 3..][..3];
                if u < valid[0] || u >= valid[2] || v < valid[1] || v >= valid[3] {
                    assert_eq!(got, [-7.0; 3]);
                    continue;
                }
                let mut acc = [0.0f32; 3];
                for b in 0..n {
                    let cv = v as f32 + (b as f32 + 0.5) / n as f32;
                    for a in 0..n {
                        let (x, y) = m.apply(u as f32 + (a as f32 + 0.5) / n as f32, cv);
                        let p = bilinear(&px, x, y, fw, fh, fw as i32 - 1, fh as i32 - 1);
                        (0..3).for_each(|c| acc[c] += p[c]);
                    }
                }
                let want = acc.map(|a| a * (1.0 / (n * n) as f32) * 0.5 + 1.0);
                assert_eq!(got, want, "({u},{v})");
            }
        }
    }

    #[test]
    fn vector_blend_equals_the_scalar_one_everywhere() {
        // Every 2x2 neighbourhood of a small noisy frame, in each packed layout, with
        // fractional weights: the SSE2 path (where 8 bytes are readable) and the scalar
        // fallback (the last pixels of the buffer, clamped columns) give identical bits.
        let (w, h) = (7usize, 5usize);
        let rgba = noise(w * h * 4, 12345);
        let rgb: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        fn check<const R: usize, const G: usize, const B: usize, const BPP: usize>(d: &[u8], w: usize, h: usize) {
            let px = Packed::<R, G, B, BPP> { d, s: w * BPP, w, h };
            for y in 0..h {
                for x in 0..w {
                    let (xb, yb) = ((x + 1).min(w - 1), (y + 1).min(h - 1));
                    for (fx, fy) in [(0.0, 0.0), (0.3, 0.7), (0.999, 0.125)] {
                        let a = px.blend(x, xb, y, yb, fx, fy);
                        let b = blend_scalar(&px, x, xb, y, yb, fx, fy);
                        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "BPP {BPP} R {R} at ({x},{y})");
                    }
                }
            }
        }
        check::<0, 1, 2, 3>(&rgb, w, h);
        check::<2, 1, 0, 3>(&rgb, w, h);
        check::<0, 1, 2, 4>(&rgba, w, h);
        check::<2, 1, 0, 4>(&rgba, w, h);
    }

    #[test]
    fn vector_crops_equal_the_scalar_walk_in_every_packed_layout() {
        // Rotated and scaled crops (1, 2x2 and 3x3 taps a pixel) of a noisy frame whose rows
        // are padded (stride > width) and whose last row ends the buffer, reaching past
        // every border, with a `valid` window: the AVX2 rows (where the CPU has AVX2) give
        // the scalar code's bits.
        let (fw, fh) = (61usize, 43usize);
        let noise = noise((fw * 4 + 5) * fh, 99);
        fn crop<P: Pixels>(px: &P, m: Affine, taps: usize, simd: bool) -> Vec<u32> {
            let (w, h) = (57usize, 41usize);
            let mut out = vec![0.0f32; w * h * 3];
            let valid = Some([2, 1, 53, 39]);
            Job { m, w, h, taps, mul: 1.0 / 255.0, add: -0.5, valid, fill: 3.0, out: &mut out, simd }.visit(px);
            out.iter().map(|v| v.to_bits()).collect()
        }
        fn check<const R: usize, const G: usize, const B: usize, const BPP: usize>(noise: &[u8], fw: usize, fh: usize) {
            let s = fw * BPP + 5;
            let px = Packed::<R, G, B, BPP> { d: &noise[..s * (fh - 1) + fw * BPP], s, w: fw, h: fh };
            for m in [
                Affine { a: 0.9, b: -0.35, c: 0.35, d: 0.9, tx: 8.0, ty: -3.0 },
                Affine { a: 1.3, b: 0.2, c: -0.2, d: 1.3, tx: -6.0, ty: 4.0 },
                Affine { a: 0.5, b: 0.0, c: 0.0, d: 0.5, tx: 40.0, ty: 30.0 },
                Affine { a: 1.05, b: 0.0, c: 0.0, d: 1.05, tx: 0.3, ty: 0.2 },
            ] {
                for taps in [1, 2, 3] {
                    assert!(crop(&px, m, taps, true) == crop(&px, m, taps, false), "BPP {BPP} R {R} {taps} taps {m:?}");
                }
            }
        }
        check::<0, 1, 2, 3>(&noise, fw, fh);
        check::<2, 1, 0, 3>(&noise, fw, fh);
        check::<0, 1, 2, 4>(&noise, fw, fh);
        check::<2, 1, 0, 4>(&noise, fw, fh);
    }

    #[test]
    fn vector_crops_equal_the_scalar_walk_in_yuv() {
        // NV12, NV21 and I420 (padded luma rows, the last chroma row ending the buffer),
        // full and limited range, crops of 1, 2x2 and 3x3 taps a pixel past every border:
        // the AVX2 rows give the scalar code's bits.
        let (fw, fh, s) = (62usize, 44usize, 68usize);
        let noise = noise(s * fh * 2, 7);
        let y_len = s * fh;
        let cs = s.div_ceil(2);
        // (u_off, v_off, cstride, cstep, length)
        let layouts = [
            (y_len, y_len + 1, s, 2, y_len + s * (fh / 2 - 1) + fw),
            (y_len + 1, y_len, s, 2, y_len + s * (fh / 2 - 1) + fw),
            (y_len, y_len + cs * (fh / 2), cs, 1, y_len + cs * (fh / 2) + cs * (fh / 2 - 1) + fw / 2),
        ];
        for (u_off, v_off, cstride, cstep, len) in layouts {
            for limited in [false, true] {
                let px = Yuv { d: &noise[..len], s, w: fw, h: fh, u_off, v_off, cstride, cstep, limited };
                for m in [
                    Affine { a: 0.9, b: -0.35, c: 0.35, d: 0.9, tx: 8.0, ty: -3.0 },
                    Affine { a: 1.3, b: 0.2, c: -0.2, d: 1.3, tx: -6.0, ty: 4.0 },
                    Affine { a: 1.05, b: 0.0, c: 0.0, d: 1.05, tx: 0.3, ty: 0.2 },
                ] {
                    let crop = |taps: usize, simd: bool| {
                        let (w, h) = (57usize, 41usize);
                        let mut out = vec![0.0f32; w * h * 3];
                        let valid = Some([2, 1, 53, 39]);
                        Job { m, w, h, taps, mul: 1.0 / 255.0, add: 0.0, valid, fill: 3.0, out: &mut out, simd }
                            .visit(&px);
                        out.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
                    };
                    for taps in [1, 2, 3] {
                        let what =
                            format!("chroma at {u_off}/{v_off} step {cstep} limited {limited} {taps} taps {m:?}");
                        assert!(crop(taps, true) == crop(taps, false), "{what}");
                    }
                }
            }
        }
    }
}
