//! The same-face rule.

use crate::track::FaceReport;

/// The same-face rule: the face's proportions are learned from the first
/// `calibration_ms` of good frames; a re-acquired track with other proportions is
/// another person.
#[derive(Debug, Default)]
pub(super) struct Identity {
    samples: Vec<(i64, [f32; 2])>,
    shape: Option<[f32; 2]>,
    id: Option<u64>,
}

impl Identity {
    /// `Err(())` when a different face appeared.
    pub(super) fn check(&mut self, f: &FaceReport) -> std::result::Result<(), ()> {
        if let (Some(id), Some(reference)) = (self.id, self.shape) {
            if f.id != id {
                let sh = shape(f);
                let change =
                    ((sh[0] - reference[0]).abs() / reference[0]).max((sh[1] - reference[1]).abs() / reference[1]);
                if change > 0.15 {
                    return Err(());
                }
                self.id = Some(f.id);
            }
        }
        Ok(())
    }

    /// Learns from a frame that passed (`Some`) or failed (`None`) the gate.
    pub(super) fn learn(&mut self, t_us: i64, good: Option<&FaceReport>, calibration_ms: i64) {
        if self.shape.is_some() {
            return;
        }
        let Some(f) = good else {
            self.samples.clear();
            return;
        };
        self.samples.push((t_us, shape(f)));
        if (t_us - self.samples[0].0) / 1000 >= calibration_ms && self.samples.len() >= 3 {
            let mut shapes: Vec<[f32; 2]> = self.samples.iter().map(|c| c.1).collect();
            shapes.sort_by(|a, b| a[0].total_cmp(&b[0]));
            self.shape = Some(shapes[shapes.len() / 2]);
            self.id = Some(f.id);
        }
    }
}

/// Face proportions that do not change with pose much: eye distance over face width and
/// nose-to-chin over face height. A different person changes them.
fn shape(f: &FaceReport) -> [f32; 2] {
    let lm = &f.landmarks;
    if lm.len() < 468 {
        return [1.0, 1.0];
    }
    let d = |a: usize, b: usize| ((lm[a][0] - lm[b][0]).powi(2) + (lm[a][1] - lm[b][1]).powi(2)).sqrt();
    let w = d(234, 454).max(1.0);
    let h = d(10, 152).max(1.0);
    [d(33, 263) / w, d(1, 152) / h]
}
