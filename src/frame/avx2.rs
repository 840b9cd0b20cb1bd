//! The bilinear crop's inner loop for packed 3- and 4-byte RGB/BGR(A) frames, eight
//! output pixels at a time in AVX2 (checked at run time; every x86-64 CPU since 2013
//! has it). The same operations in the same order as the scalar walk in
//! [`super::pixels`], so the crop is bit-identical with or without it.

use std::arch::x86_64::*;

/// One output row's walk: pixel `u` samples the frame at `(x0 + a u, y0 + c u)` (bilinear
/// grid, half pixel already taken off), for `u` in `[lo, hi)`; values are `p * mul + add`.
pub(super) struct RowWalk {
    pub x0: f32,
    pub y0: f32,
    pub a: f32,
    pub c: f32,
    pub lo: usize,
    pub hi: usize,
    pub mul: f32,
    pub add: f32,
    /// Largest source x and y (frame width and height less one).
    pub xmax: f32,
    pub ymax: f32,
}

/// Whether this CPU runs [`row`] (std caches the answer).
#[inline(always)]
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

/// Writes pixels `[w.lo, w.hi)` of `out` (3 values each) for a frame `d` with `stride`
/// bytes per row, `BPP` bytes per pixel and red at byte `R` (0: RGB, 2: BGR). A block of
/// eight whose 2x2 neighbourhoods do not all lie inside the frame and its readable bytes,
/// and the row's last pixels, go to `scalar(u)` one by one.
///
/// # Safety
/// The CPU must have AVX2 ([`available`]); `d.len() < i32::MAX`; `xmax`, `ymax` and
/// `stride` describe `d` (the frame's last row may be short of `stride`).
#[target_feature(enable = "avx2")]
pub(super) unsafe fn row<const R: usize, const BPP: usize>(
    d: &[u8],
    stride: usize,
    w: &RowWalk,
    out: &mut [f32],
    scalar: &mut dyn FnMut(usize) -> [f32; 3],
) {
    debug_assert!(d.len() < i32::MAX as usize && (BPP == 3 || BPP == 4) && (R == 0 || R == 2));
    // A gather reads 4 bytes at a pixel: the right-hand one's end must be readable.
    let last = d.len() as i32 - BPP as i32 - 4;
    let lanes = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    let (x0, y0, a, c) = (_mm256_set1_ps(w.x0), _mm256_set1_ps(w.y0), _mm256_set1_ps(w.a), _mm256_set1_ps(w.c));
    let (xmax, ymax, zero) = (_mm256_set1_ps(w.xmax), _mm256_set1_ps(w.ymax), _mm256_setzero_ps());
    let (mul, add) = (_mm256_set1_ps(w.mul), _mm256_set1_ps(w.add));
    let (vstride, vbpp, byte) =
        (_mm256_set1_epi32(stride as i32), _mm256_set1_epi32(BPP as i32), _mm256_set1_epi32(0xff));
    let shifts = [_mm_cvtsi32_si128(8 * R as i32), _mm_cvtsi32_si128(8), _mm_cvtsi32_si128(8 * (2 - R) as i32)];
    let mut u = w.lo;
    while u + 8 <= w.hi {
        let uf = _mm256_add_ps(_mm256_set1_ps(u as f32), lanes);
        let sx = _mm256_add_ps(x0, _mm256_mul_ps(a, uf));
        let sy = _mm256_add_ps(y0, _mm256_mul_ps(c, uf));
        let inside = _mm256_and_ps(
            _mm256_and_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(sx, zero), _mm256_cmp_ps::<_CMP_GE_OQ>(sy, zero)),
            _mm256_and_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(sx, xmax), _mm256_cmp_ps::<_CMP_LT_OQ>(sy, ymax)),
        );
        let (xi, yi) = (_mm256_cvttps_epi32(sx), _mm256_cvttps_epi32(sy));
        let top = _mm256_add_epi32(_mm256_mullo_epi32(yi, vstride), _mm256_mullo_epi32(xi, vbpp));
        let bot = _mm256_add_epi32(top, vstride);
        let readable = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(bot, _mm256_set1_epi32(last)))) == 0;
        if _mm256_movemask_ps(inside) != 0xff || !readable {
            for k in u..u + 8 {
                out[k * 3..k * 3 + 3].copy_from_slice(&scalar(k));
            }
            u += 8;
            continue;
        }
        let (fx, fy) = (_mm256_sub_ps(sx, _mm256_cvtepi32_ps(xi)), _mm256_sub_ps(sy, _mm256_cvtepi32_ps(yi)));
        let base = d.as_ptr() as *const i32;
        // SAFETY (gathers): every lane is inside the frame (xi + 1 <= xmax, yi + 1 <= ymax)
        // and `bot + BPP + 4 <= d.len()` for every lane, so the 4 bytes at each offset
        // below lie in `d`.
        let p00 = _mm256_i32gather_epi32::<1>(base, top);
        let p10 = _mm256_i32gather_epi32::<1>(base, _mm256_add_epi32(top, vbpp));
        let p01 = _mm256_i32gather_epi32::<1>(base, bot);
        let p11 = _mm256_i32gather_epi32::<1>(base, _mm256_add_epi32(bot, vbpp));
        let mut ch = [[0.0f32; 8]; 3];
        for (o, shift) in ch.iter_mut().zip(shifts) {
            let f = |p: __m256i| _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(p, shift), byte));
            let (q00, q10, q01, q11) = (f(p00), f(p10), f(p01), f(p11));
            let t = _mm256_add_ps(q00, _mm256_mul_ps(_mm256_sub_ps(q10, q00), fx));
            let b = _mm256_add_ps(q01, _mm256_mul_ps(_mm256_sub_ps(q11, q01), fx));
            let r = _mm256_add_ps(t, _mm256_mul_ps(_mm256_sub_ps(b, t), fy));
            _mm256_storeu_ps(o.as_mut_ptr(), _mm256_add_ps(_mm256_mul_ps(r, mul), add));
        }
        for (k, dst) in out[u * 3..(u + 8) * 3].chunks_exact_mut(3).enumerate() {
            dst.copy_from_slice(&[ch[0][k], ch[1][k], ch[2][k]]);
        }
        u += 8;
    }
    for k in u..w.hi {
        out[k * 3..k * 3 + 3].copy_from_slice(&scalar(k));
    }
}
