//! The crops' inner loops eight output pixels at a time in AVX2 (checked at run time;
//! every x86-64 CPU since 2013 has it), for packed 3- and 4-byte RGB/BGR(A) frames and
//! 4:2:0 YUV. The same operations in the same order as the scalar code in
//! `pixels.rs`, so a crop is bit-identical with or without them.

use std::arch::x86_64::*;

use super::walk::{RowSpan, RowWalk, TapRow};

/// Largest frame buffer the kernels take (1 GiB): their offsets, and the sums of an
/// offset and a row or plane start, stay within 32 bits. Larger frames take the scalar
/// path.
pub(super) const MAX_BYTES: usize = 1 << 30;

/// Whether this CPU runs the kernels (std caches the answer).
#[inline(always)]
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

/// Bilinear samples of a frame at eight points at once.
pub(super) trait Taps {
    /// The blends at `(sx, sy)` (the bilinear grid's coordinates: pixel centres at
    /// integers), RGB 0..255 as the scalar `Pixels::blend` gives them, or `None`
    /// when a point's 2x2 neighbourhood is not inside the frame (`sx < xmax`, `sy < ymax`,
    /// both >= 0) or its bytes are not all readable.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    unsafe fn taps(&self, sx: __m256, sy: __m256, xmax: __m256, ymax: __m256) -> Option<[__m256; 3]>;
}

#[target_feature(enable = "avx2")]
fn inside(sx: __m256, sy: __m256, xmax: __m256, ymax: __m256) -> bool {
    let zero = _mm256_setzero_ps();
    let ok = _mm256_and_ps(
        _mm256_and_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(sx, zero), _mm256_cmp_ps::<_CMP_GE_OQ>(sy, zero)),
        _mm256_and_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(sx, xmax), _mm256_cmp_ps::<_CMP_LT_OQ>(sy, ymax)),
    );
    _mm256_movemask_ps(ok) == 0xff
}

/// Whether every lane of `off` is at most `last`.
#[target_feature(enable = "avx2")]
fn within(off: __m256i, last: i32) -> bool {
    _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(off, _mm256_set1_epi32(last)))) == 0
}

#[target_feature(enable = "avx2")]
fn lerp(a: __m256, b: __m256, t: __m256) -> __m256 {
    _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(b, a), t))
}

/// A packed frame: `BPP` bytes a pixel, red at byte `R` (0: RGB, 2: BGR).
pub(super) struct PackedTaps<'a, const R: usize, const BPP: usize> {
    /// Under [`MAX_BYTES`].
    pub d: &'a [u8],
    pub stride: usize,
}

impl<const R: usize, const BPP: usize> Taps for PackedTaps<'_, R, BPP> {
    #[target_feature(enable = "avx2")]
    unsafe fn taps(&self, sx: __m256, sy: __m256, xmax: __m256, ymax: __m256) -> Option<[__m256; 3]> {
        if !inside(sx, sy, xmax, ymax) {
            return None;
        }
        let (vstride, vbpp) = (_mm256_set1_epi32(self.stride as i32), _mm256_set1_epi32(BPP as i32));
        let (xi, yi) = (_mm256_cvttps_epi32(sx), _mm256_cvttps_epi32(sy));
        let top = _mm256_add_epi32(_mm256_mullo_epi32(yi, vstride), _mm256_mullo_epi32(xi, vbpp));
        let bot = _mm256_add_epi32(top, vstride);
        // A gather reads 4 bytes at a pixel: the right-hand one's must be readable.
        if !within(bot, self.d.len() as i32 - BPP as i32 - 4) {
            return None;
        }
        let (fx, fy) = (_mm256_sub_ps(sx, _mm256_cvtepi32_ps(xi)), _mm256_sub_ps(sy, _mm256_cvtepi32_ps(yi)));
        let base = self.d.as_ptr() as *const i32;
        // SAFETY: every lane's neighbourhood is inside the frame and its last 4-byte read
        // (`bot + BPP`) ends inside `d`, checked above.
        let (p00, p10, p01, p11) = unsafe {
            (
                _mm256_i32gather_epi32::<1>(base, top),
                _mm256_i32gather_epi32::<1>(base, _mm256_add_epi32(top, vbpp)),
                _mm256_i32gather_epi32::<1>(base, bot),
                _mm256_i32gather_epi32::<1>(base, _mm256_add_epi32(bot, vbpp)),
            )
        };
        let byte = _mm256_set1_epi32(0xff);
        let channel = |shift: i32| {
            let shift = _mm_cvtsi32_si128(shift);
            let f = |p: __m256i| _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(p, shift), byte));
            let (t, b) = (lerp(f(p00), f(p10), fx), lerp(f(p01), f(p11), fx));
            lerp(t, b, fy)
        };
        Some([channel(8 * R as i32), channel(8), channel(8 * (2 - R) as i32)])
    }
}

/// A 4:2:0 frame's planes as the scalar code reads them (NV12, NV21, I420); Y, U and V
/// are blended first and converted once, as the scalar path does.
pub(super) struct YuvTaps<'a> {
    /// Under [`MAX_BYTES`].
    pub d: &'a [u8],
    /// Luma stride.
    pub s: usize,
    pub u_off: usize,
    pub v_off: usize,
    pub cstride: usize,
    pub cstep: usize,
    /// Limited (video) range rather than full.
    pub limited: bool,
}

impl Taps for YuvTaps<'_> {
    #[target_feature(enable = "avx2")]
    unsafe fn taps(&self, sx: __m256, sy: __m256, xmax: __m256, ymax: __m256) -> Option<[__m256; 3]> {
        if !inside(sx, sy, xmax, ymax) {
            return None;
        }
        let one = _mm256_set1_epi32(1);
        let (vs, vcs, vstep) = (
            _mm256_set1_epi32(self.s as i32),
            _mm256_set1_epi32(self.cstride as i32),
            _mm256_set1_epi32(self.cstep as i32),
        );
        let (uo, vo) = (_mm256_set1_epi32(self.u_off as i32), _mm256_set1_epi32(self.v_off as i32));
        let (xi, yi) = (_mm256_cvttps_epi32(sx), _mm256_cvttps_epi32(sy));
        let top = _mm256_add_epi32(_mm256_mullo_epi32(yi, vs), xi);
        let bot = _mm256_add_epi32(top, vs);
        // Chroma rows and columns of the four taps.
        let (cxa, cxb) = (_mm256_srli_epi32::<1>(xi), _mm256_srli_epi32::<1>(_mm256_add_epi32(xi, one)));
        let (cya, cyb) = (_mm256_srli_epi32::<1>(yi), _mm256_srli_epi32::<1>(_mm256_add_epi32(yi, one)));
        let at =
            |cy: __m256i, cx: __m256i| _mm256_add_epi32(_mm256_mullo_epi32(cy, vcs), _mm256_mullo_epi32(cx, vstep));
        let (c00, c10, c01, c11) = (at(cya, cxa), at(cya, cxb), at(cyb, cxa), at(cyb, cxb));
        let far = _mm256_max_epi32(bot, _mm256_add_epi32(c11, _mm256_max_epi32(uo, vo)));
        if !within(far, self.d.len() as i32 - 4) {
            return None;
        }
        let (fx, fy) = (_mm256_sub_ps(sx, _mm256_cvtepi32_ps(xi)), _mm256_sub_ps(sy, _mm256_cvtepi32_ps(yi)));
        let base = self.d.as_ptr() as *const i32;
        // SAFETY: every lane is inside the frame and its farthest 4-byte read (luma row
        // below, chroma tap below right) ends inside `d`, checked above.
        let g = |off: __m256i| unsafe { _mm256_i32gather_epi32::<1>(base, off) };
        let byte = _mm256_set1_epi32(0xff);
        let low = |v: __m256i| _mm256_cvtepi32_ps(_mm256_and_si256(v, byte));
        let (yt, yb) = (g(top), g(bot));
        let yy = lerp(
            lerp(low(yt), low(_mm256_srli_epi32::<8>(yt)), fx),
            lerp(low(yb), low(_mm256_srli_epi32::<8>(yb)), fx),
            fy,
        );
        let half = _mm256_set1_ps(128.0);
        let chroma = |o: __m256i| {
            let t = |c: __m256i| _mm256_sub_ps(low(g(_mm256_add_epi32(o, c))), half);
            lerp(lerp(t(c00), t(c10), fx), lerp(t(c01), t(c11), fx), fy)
        };
        let (cu, cv) = (chroma(uo), chroma(vo));
        let k = |v: f32| _mm256_set1_ps(v);
        let (r, g, b) = if self.limited {
            let l = _mm256_mul_ps(_mm256_sub_ps(yy, k(16.0)), k(1.164_383));
            (
                _mm256_add_ps(l, _mm256_mul_ps(k(1.596_027), cv)),
                _mm256_sub_ps(_mm256_sub_ps(l, _mm256_mul_ps(k(0.391_762), cu)), _mm256_mul_ps(k(0.812_968), cv)),
                _mm256_add_ps(l, _mm256_mul_ps(k(2.017_232), cu)),
            )
        } else {
            (
                _mm256_add_ps(yy, _mm256_mul_ps(k(1.402), cv)),
                _mm256_sub_ps(_mm256_sub_ps(yy, _mm256_mul_ps(k(0.344_136), cu)), _mm256_mul_ps(k(0.714_136), cv)),
                _mm256_add_ps(yy, _mm256_mul_ps(k(1.772), cu)),
            )
        };
        // f32::clamp(0, 255): max and min return their second operand on ties, so -0.0
        // stays -0.0 as in the scalar clamp.
        let clamp = |x: __m256| _mm256_min_ps(k(255.0), _mm256_max_ps(_mm256_setzero_ps(), x));
        Some([clamp(r), clamp(g), clamp(b)])
    }
}

/// Writes eight pixels' three channels, interleaved, from `out[u * 3]` on.
#[target_feature(enable = "avx2")]
fn store(out: &mut [f32], u: usize, ch: [__m256; 3]) {
    let mut lanes = [[0.0f32; 8]; 3];
    for (l, c) in lanes.iter_mut().zip(ch) {
        // SAFETY: `l` holds 8 floats.
        unsafe { _mm256_storeu_ps(l.as_mut_ptr(), c) };
    }
    for (k, dst) in out[u * 3..(u + 8) * 3].chunks_exact_mut(3).enumerate() {
        dst.copy_from_slice(&[lanes[0][k], lanes[1][k], lanes[2][k]]);
    }
}

/// Writes pixels `[span.lo, span.hi)` of a crop row `out` (3 values each), eight at a
/// time: `block(uf)` gives the eight pixels' values from their indices `uf` (as floats),
/// or `None` to leave them, and the row's last pixels, to `scalar(u)` one by one.
#[target_feature(enable = "avx2")]
fn blocks(
    span: &RowSpan,
    out: &mut [f32],
    scalar: &mut dyn FnMut(usize) -> [f32; 3],
    mut block: impl FnMut(__m256) -> Option<[__m256; 3]>,
) {
    let lanes = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    let mut u = span.lo;
    while u + 8 <= span.hi {
        match block(_mm256_add_ps(_mm256_set1_ps(u as f32), lanes)) {
            Some(p) => store(out, u, p),
            None => (u..u + 8).for_each(|k| out[k * 3..k * 3 + 3].copy_from_slice(&scalar(k))),
        }
        u += 8;
    }
    (u..span.hi).for_each(|k| out[k * 3..k * 3 + 3].copy_from_slice(&scalar(k)));
}

/// [`blocks`] along a row walk: one bilinear tap a pixel, then `* mul + add`.
///
/// # Safety
/// The CPU must have AVX2; `span.xmax`, `span.ymax` describe the frame `src` reads.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn row<T: Taps>(
    src: &T,
    w: &RowWalk,
    span: &RowSpan,
    out: &mut [f32],
    scalar: &mut dyn FnMut(usize) -> [f32; 3],
) {
    let (x0, y0, a, c) = (_mm256_set1_ps(w.x0), _mm256_set1_ps(w.y0), _mm256_set1_ps(w.a), _mm256_set1_ps(w.c));
    let (xmax, ymax) = (_mm256_set1_ps(span.xmax), _mm256_set1_ps(span.ymax));
    let (mul, add) = (_mm256_set1_ps(span.mul), _mm256_set1_ps(span.add));
    blocks(span, out, scalar, |uf| {
        let sx = _mm256_add_ps(x0, _mm256_mul_ps(a, uf));
        let sy = _mm256_add_ps(y0, _mm256_mul_ps(c, uf));
        // SAFETY: AVX2 is present (this function's contract).
        let p = unsafe { src.taps(sx, sy, xmax, ymax) }?;
        Some(p.map(|p| _mm256_add_ps(_mm256_mul_ps(p, mul), add)))
    });
}

/// [`blocks`] of a supersampled crop row (the scalar order: taps by rows, then columns,
/// summed, times `1 / n²`, times `mul`, plus `add`).
///
/// # Safety
/// The CPU must have AVX2; `span.xmax`, `span.ymax` describe the frame `src` reads.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn supersampled_row<T: Taps>(
    src: &T,
    r: &TapRow,
    span: &RowSpan,
    out: &mut [f32],
    scalar: &mut dyn FnMut(usize) -> [f32; 3],
) {
    let m = &r.m;
    let (ma, mb, mc, md) = (_mm256_set1_ps(m.a), _mm256_set1_ps(m.b), _mm256_set1_ps(m.c), _mm256_set1_ps(m.d));
    let (tx, ty, half) = (_mm256_set1_ps(m.tx), _mm256_set1_ps(m.ty), _mm256_set1_ps(0.5));
    let (xmax, ymax) = (_mm256_set1_ps(span.xmax), _mm256_set1_ps(span.ymax));
    let inv = _mm256_set1_ps(1.0 / (r.n * r.n) as f32);
    let (mul, add) = (_mm256_set1_ps(span.mul), _mm256_set1_ps(span.add));
    blocks(span, out, scalar, |uf| {
        let mut acc = [_mm256_setzero_ps(); 3];
        for b in 0..r.n {
            let cv = _mm256_set1_ps(r.v as f32 + (b as f32 + 0.5) / r.n as f32);
            for a in 0..r.n {
                let cu = _mm256_add_ps(uf, _mm256_set1_ps((a as f32 + 0.5) / r.n as f32));
                let x = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(ma, cu), _mm256_mul_ps(mb, cv)), tx);
                let y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(mc, cu), _mm256_mul_ps(md, cv)), ty);
                // SAFETY: AVX2 is present (this function's contract).
                let p = unsafe { src.taps(_mm256_sub_ps(x, half), _mm256_sub_ps(y, half), xmax, ymax) }?;
                for (s, p) in acc.iter_mut().zip(p) {
                    *s = _mm256_add_ps(*s, p);
                }
            }
        }
        Some(acc.map(|s| _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(s, inv), mul), add)))
    });
}
