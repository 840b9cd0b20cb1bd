//! Sample-rate conversion of mono audio: a windowed-sinc resampler of our own.

/// Resamples mono audio with a Blackman-windowed sinc (cutoff at 95% of the lower
/// Nyquist frequency, 16 zero crossings a side).
pub fn resample_mono(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    let ratio = to as f64 / from as f64;
    let fc = 0.5 * ratio.min(1.0) * 0.95; // cycles per input sample
    let zeros = 16.0;
    let half = (zeros / (2.0 * fc)).ceil() as i64;
    let n_out = ((input.len() as f64) * ratio).floor() as usize;
    let mut out = Vec::with_capacity(n_out);
    let len = input.len() as i64;
    for n in 0..n_out {
        let t = n as f64 / ratio;
        let center = t.floor() as i64;
        let (mut acc, mut wsum) = (0.0f64, 0.0f64);
        for k in (center - half + 1)..=(center + half) {
            let x = t - k as f64;
            let u = x / half as f64; // -1..1
            if u.abs() >= 1.0 {
                continue;
            }
            let arg = 2.0 * fc * x;
            let sinc =
                if arg.abs() < 1e-9 { 1.0 } else { (std::f64::consts::PI * arg).sin() / (std::f64::consts::PI * arg) };
            let w = 0.42 + 0.5 * (std::f64::consts::PI * u).cos() + 0.08 * (2.0 * std::f64::consts::PI * u).cos();
            let h = 2.0 * fc * sinc * w;
            wsum += h;
            if (0..len).contains(&k) {
                acc += input[k as usize] as f64 * h;
            }
        }
        out.push(if wsum.abs() > 1e-12 { (acc / wsum) as f32 } else { 0.0 });
    }
    out
}
