//! One Euro filter (Casiez et al. 2012) driven by frame timestamps.
//!
//! Low jitter when the face is still, low lag when it moves: the cutoff frequency rises
//! with the (filtered) speed. Values are filtered in units of the face size so one tuning
//! works at any distance from the camera.

/// Filter parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct OneEuroParams {
    /// Cutoff frequency (Hz) at zero speed; lower = smoother when still.
    pub min_cutoff: f32,
    /// How fast the cutoff rises with speed; higher = less lag when moving.
    pub beta: f32,
    /// Cutoff (Hz) for the speed estimate.
    pub d_cutoff: f32,
}

impl Default for OneEuroParams {
    /// MediaPipe face mesh's landmark smoothing values.
    fn default() -> Self {
        OneEuroParams { min_cutoff: 0.05, beta: 80.0, d_cutoff: 1.0 }
    }
}

fn alpha(cutoff: f32, dt: f32) -> f32 {
    let tau = 1.0 / (2.0 * std::f32::consts::PI * cutoff);
    1.0 / (1.0 + tau / dt)
}

/// A bank of One Euro filters sharing one clock (one per landmark coordinate).
#[derive(Debug, Clone)]
pub(crate) struct OneEuroBank {
    params: OneEuroParams,
    x: Vec<f32>,
    dx: Vec<f32>,
    last_us: Option<i64>,
}

impl OneEuroBank {
    pub fn new(params: OneEuroParams) -> Self {
        OneEuroBank { params, x: Vec::new(), dx: Vec::new(), last_us: None }
    }

    pub fn reset(&mut self) {
        self.x.clear();
        self.dx.clear();
        self.last_us = None;
    }

    /// Filters `values` in place. `scale` converts to face-size units (e.g. 1/face width).
    /// A timestamp that does not increase resets the filter to the new values.
    pub fn filter(&mut self, values: &mut [f32], t_us: i64, scale: f32) {
        let dt = match self.last_us {
            Some(last) if t_us > last && self.x.len() == values.len() => (t_us - last) as f32 * 1e-6,
            _ => {
                self.x.clear();
                self.x.extend(values.iter().map(|v| v * scale));
                self.dx.clear();
                self.dx.resize(values.len(), 0.0);
                self.last_us = Some(t_us);
                return;
            }
        };
        self.last_us = Some(t_us);
        let p = self.params;
        let ad = alpha(p.d_cutoff, dt);
        for ((v, x), dx) in values.iter_mut().zip(self.x.iter_mut()).zip(self.dx.iter_mut()) {
            let raw = *v * scale;
            let d = (raw - *x) / dt;
            *dx += ad * (d - *dx);
            let a = alpha(p.min_cutoff + p.beta * dx.abs(), dt);
            *x += a * (raw - *x);
            *v = *x / scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_signal_is_smoothed_and_jumps_are_followed() {
        let mut f = OneEuroBank::new(OneEuroParams::default());
        let mut jitter = Vec::new();
        for i in 0..60 {
            let noise = if i % 2 == 0 { 0.5 } else { -0.5 };
            let mut v = [100.0 + noise];
            f.filter(&mut v, i * 33_333, 1.0 / 200.0);
            if i > 30 {
                jitter.push((v[0] - 100.0).abs());
            }
        }
        assert!(jitter.iter().all(|j| *j < 0.25), "{jitter:?}");
        // A large, fast move is followed within a few frames.
        let mut v = [0.0];
        for i in 60..66 {
            v = [160.0];
            f.filter(&mut v, i * 33_333, 1.0 / 200.0);
        }
        assert!(v[0] > 150.0, "{}", v[0]);
        // Non-increasing time resets to the raw value.
        let mut v = [5.0];
        f.filter(&mut v, 0, 1.0 / 200.0);
        assert_eq!(v[0], 5.0);
    }
}
