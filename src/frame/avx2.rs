//! The bilinear crop's inner loop for packed 3- and 4-byte RGB/BGR(A) frames, eight
//! output pixels at a time in AVX2 (checked at run time; every x86-64 CPU since 2013
//! has it). The same operations in the same order as the scalar walk in
//! [`super::pixels`], so the crop is bit-identical with or without it.

use std::arch::x86_64::*;

pub(super) use super::pixels::RowWalk;

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

/// A 4:2:0 frame's planes as [`super::pixels`] reads them (NV12, NV21, I420).
pub(super) struct Planes<'a> {
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

/// [`row`] for a 4:2:0 frame: Y, U and V blended first and converted once, as the
/// scalar path does.
///
/// # Safety
/// The CPU must have AVX2; `p.d.len() < i32::MAX`; `w.xmax`, `w.ymax` and the planes
/// describe `p.d`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn row_yuv(p: &Planes, w: &RowWalk, out: &mut [f32], scalar: &mut dyn FnMut(usize) -> [f32; 3]) {
    debug_assert!(p.d.len() < i32::MAX as usize);
    let last = p.d.len() as i32 - 4;
    let lanes = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    let (x0, y0, a, c) = (_mm256_set1_ps(w.x0), _mm256_set1_ps(w.y0), _mm256_set1_ps(w.a), _mm256_set1_ps(w.c));
    let (xmax, ymax, zero) = (_mm256_set1_ps(w.xmax), _mm256_set1_ps(w.ymax), _mm256_setzero_ps());
    let (mul, add, top255) = (_mm256_set1_ps(w.mul), _mm256_set1_ps(w.add), _mm256_set1_ps(255.0));
    let (one, byte, half) = (_mm256_set1_epi32(1), _mm256_set1_epi32(0xff), _mm256_set1_ps(128.0));
    let (vs, vcs, vstep) =
        (_mm256_set1_epi32(p.s as i32), _mm256_set1_epi32(p.cstride as i32), _mm256_set1_epi32(p.cstep as i32));
    let (uo, vo) = (_mm256_set1_epi32(p.u_off as i32), _mm256_set1_epi32(p.v_off as i32));
    let base = p.d.as_ptr() as *const i32;
    let lerp = |a: __m256, b: __m256, t: __m256| _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(b, a), t));
    let low = |v: __m256i| _mm256_cvtepi32_ps(_mm256_and_si256(v, byte));
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
        let top = _mm256_add_epi32(_mm256_mullo_epi32(yi, vs), xi);
        let bot = _mm256_add_epi32(top, vs);
        // Chroma rows and columns of the four taps.
        let (cxa, cxb) = (_mm256_srli_epi32::<1>(xi), _mm256_srli_epi32::<1>(_mm256_add_epi32(xi, one)));
        let (cya, cyb) = (_mm256_srli_epi32::<1>(yi), _mm256_srli_epi32::<1>(_mm256_add_epi32(yi, one)));
        let at =
            |cy: __m256i, cx: __m256i| _mm256_add_epi32(_mm256_mullo_epi32(cy, vcs), _mm256_mullo_epi32(cx, vstep));
        let (c00, c10, c01, c11) = (at(cya, cxa), at(cya, cxb), at(cyb, cxa), at(cyb, cxb));
        let far = _mm256_max_epi32(bot, _mm256_add_epi32(c11, _mm256_max_epi32(uo, vo)));
        let readable = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(far, _mm256_set1_epi32(last)))) == 0;
        if _mm256_movemask_ps(inside) != 0xff || !readable {
            for k in u..u + 8 {
                out[k * 3..k * 3 + 3].copy_from_slice(&scalar(k));
            }
            u += 8;
            continue;
        }
        let (fx, fy) = (_mm256_sub_ps(sx, _mm256_cvtepi32_ps(xi)), _mm256_sub_ps(sy, _mm256_cvtepi32_ps(yi)));
        // SAFETY (gathers): every lane is inside the frame and its farthest 4-byte read
        // (luma row below, chroma tap below right) ends inside `d` (checked above).
        let g = |off: __m256i| _mm256_i32gather_epi32::<1>(base, off);
        let (yt, yb) = (g(top), g(bot));
        let yy = lerp(
            lerp(low(yt), low(_mm256_srli_epi32::<8>(yt)), fx),
            lerp(low(yb), low(_mm256_srli_epi32::<8>(yb)), fx),
            fy,
        );
        let chroma = |o: __m256i| {
            let t = |c: __m256i| _mm256_sub_ps(low(g(_mm256_add_epi32(o, c))), half);
            lerp(lerp(t(c00), t(c10), fx), lerp(t(c01), t(c11), fx), fy)
        };
        let (cu, cv) = (chroma(uo), chroma(vo));
        let k = |v: f32| _mm256_set1_ps(v);
        let (r, gr, b) = if p.limited {
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
        // f32::clamp(0, 255): max/min return their second operand on ties (keeps -0.0).
        let clamp = |x: __m256| _mm256_min_ps(top255, _mm256_max_ps(zero, x));
        let mut ch = [[0.0f32; 8]; 3];
        for (o, x) in ch.iter_mut().zip([r, gr, b]) {
            _mm256_storeu_ps(o.as_mut_ptr(), _mm256_add_ps(_mm256_mul_ps(clamp(x), mul), add));
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
