//! Presentation-attack-detection metrics after ISO/IEC 30107-3: APCER per attack species,
//! BPCER, ACER, AUC, EER, BPCER at a fixed APCER, and a ROC plot.
//!
//! Scores are live scores: higher means more likely bona fide; a presentation is accepted
//! as live when its score is at or above the threshold.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};

mod plot;
pub use plot::{histogram_png, timeline_png};

/// One scored presentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// `None` for bona fide, else the attack species (e.g. `print`, `replay`).
    pub species: Option<String>,
    /// Live score.
    pub score: f32,
    /// The system's own decision (accepted as live).
    pub accepted: bool,
}

/// Error rates at the system's own decisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    /// Bona fide presentations.
    pub bona_fide: usize,
    /// Attack presentations.
    pub attacks: usize,
    /// APCER per species: (accepted, total, rate).
    pub apcer_per_species: BTreeMap<String, (usize, usize, f64)>,
    /// Worst species' APCER (ISO/IEC 30107-3 reports the maximum).
    pub apcer: f64,
    /// Bona fide rejected / bona fide.
    pub bpcer: f64,
    /// Bona fide presentations rejected.
    pub bpcer_count: usize,
    /// (APCER + BPCER) / 2.
    pub acer: f64,
}

/// Threshold-free summaries of one score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreStats {
    /// Area under the ROC curve (probability a bona fide outscores an attack; ties half).
    pub auc: f64,
    /// Equal error rate.
    pub eer: f64,
    /// BPCER at the lowest threshold with APCER <= 1 %.
    pub bpcer_at_apcer_1pct: f64,
    /// That threshold.
    pub threshold_at_apcer_1pct: f32,
    /// ROC points (APCER, 1 - BPCER) from the strictest to the loosest threshold.
    pub roc: Vec<(f64, f64)>,
}

/// Rates at the decisions made.
pub fn rates(samples: &[Scored]) -> Rates {
    let bona: Vec<&Scored> = samples.iter().filter(|s| s.species.is_none()).collect();
    let mut per: BTreeMap<String, (usize, usize, f64)> = BTreeMap::new();
    for s in samples {
        if let Some(sp) = &s.species {
            let e = per.entry(sp.clone()).or_default();
            e.1 += 1;
            if s.accepted {
                e.0 += 1;
            }
        }
    }
    for v in per.values_mut() {
        v.2 = v.0 as f64 / v.1.max(1) as f64;
    }
    let apcer = per.values().map(|v| v.2).fold(0.0, f64::max);
    let rejected = bona.iter().filter(|s| !s.accepted).count();
    let bpcer = rejected as f64 / bona.len().max(1) as f64;
    Rates {
        bona_fide: bona.len(),
        attacks: samples.len() - bona.len(),
        apcer_per_species: per,
        apcer,
        bpcer,
        bpcer_count: rejected,
        acer: (apcer + bpcer) / 2.0,
    }
}

/// AUC, EER, BPCER at APCER = 1 % and the ROC of `(is_bona_fide, score)` pairs. `None`
/// unless both classes are present.
pub fn score_stats(samples: &[(bool, f32)]) -> Option<ScoreStats> {
    let live: Vec<f32> = samples.iter().filter(|s| s.0).map(|s| s.1).collect();
    let att: Vec<f32> = samples.iter().filter(|s| !s.0).map(|s| s.1).collect();
    if live.is_empty() || att.is_empty() {
        return None;
    }
    let (nl, na) = (live.len() as f64, att.len() as f64);
    let mut wins = 0.0;
    for l in &live {
        for a in &att {
            wins += if l > a {
                1.0
            } else if l == a {
                0.5
            } else {
                0.0
            };
        }
    }
    // Thresholds: every distinct score, plus one above all (accept nothing).
    let mut th: Vec<f32> = samples.iter().map(|s| s.1).collect();
    th.sort_by(f32::total_cmp);
    th.dedup();
    th.push(f32::INFINITY);
    th.reverse();
    let at = |t: f32| {
        let apcer = att.iter().filter(|&&s| s >= t).count() as f64 / na;
        let bpcer = live.iter().filter(|&&s| s < t).count() as f64 / nl;
        (apcer, bpcer)
    };
    let roc: Vec<(f64, f64)> = th.iter().map(|&t| at(t)).map(|(a, b)| (a, 1.0 - b)).collect();
    // Lowest threshold (most accepting) that keeps APCER <= 1 %.
    let (mut best_t, mut best_b) = (f32::INFINITY, 1.0);
    for &t in &th {
        let (a, b) = at(t);
        if a <= 0.01 {
            best_t = t;
            best_b = b;
        }
    }
    let eer = th
        .iter()
        .map(|&t| at(t))
        .min_by(|x, y| (x.0 - x.1).abs().total_cmp(&(y.0 - y.1).abs()))
        .map(|(a, b)| (a + b) / 2.0)
        .unwrap_or(0.0);
    Some(ScoreStats { auc: wins / (nl * na), eer, bpcer_at_apcer_1pct: best_b, threshold_at_apcer_1pct: best_t, roc })
}

/// Writes `text` with its top-left corner at (x, y), `scale` pixels per font pixel;
/// `vertical` writes bottom to top.
fn draw_text(img: &mut image::RgbImage, text: &str, x: i32, y: i32, scale: i32, c: image::Rgb<u8>, vertical: bool) {
    for (i, ch) in text.chars().enumerate() {
        let g = crate::overlay::glyph(ch);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let (gx, gy) = (col * scale + dx, row as i32 * scale + dy);
                        let step = i as i32 * 6 * scale;
                        let (px, py) = if vertical { (x + gy, y - step - gx) } else { (x + step + gx, y + gy) };
                        if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                            img.put_pixel(px as u32, py as u32, c);
                        }
                    }
                }
            }
        }
    }
}

/// Draws ROC curves (x = APCER, y = 1 - BPCER, both 0..1) as a PNG file: a grid at
/// 0.1 steps, the chance diagonal in grey, one colour per curve (blue, orange, green,
/// red, in order), axis labels and a legend with `names`.
///
/// # Errors
/// [`ErrorKind::Encode`] if PNG encoding fails.
pub fn roc_plot(curves: &[&[(f64, f64)]], names: &[&str], size: u32) -> Result<Vec<u8>> {
    let img = roc_image(curves, names, size);
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::new(ErrorKind::Encode, format!("ROC plot: {e}")))?;
    Ok(png)
}

fn roc_image(curves: &[&[(f64, f64)]], names: &[&str], size: u32) -> image::RgbImage {
    use imageproc::drawing::draw_line_segment_mut;
    let size = size.max(100);
    let mut img = image::RgbImage::from_pixel(size, size, image::Rgb([255, 255, 255]));
    let m = size as f32 * 0.1;
    let span = size as f32 - 2.0 * m;
    let px = |x: f64, y: f64| (m + x as f32 * span, size as f32 - m - y as f32 * span);
    for i in 0..=10 {
        let v = i as f64 / 10.0;
        let c = if i == 0 || i == 10 { image::Rgb([0, 0, 0]) } else { image::Rgb([225, 225, 225]) };
        draw_line_segment_mut(&mut img, px(v, 0.0), px(v, 1.0), c);
        draw_line_segment_mut(&mut img, px(0.0, v), px(1.0, v), c);
    }
    draw_line_segment_mut(&mut img, px(0.0, 0.0), px(1.0, 1.0), image::Rgb([170, 170, 170]));
    let colours = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];
    let black = image::Rgb([0, 0, 0]);
    let sc = (size / 240).max(1) as i32;
    let (o, far) = (px(0.0, 0.0), px(1.0, 0.0));
    draw_text(&mut img, "0", o.0 as i32 - 3 * sc, o.1 as i32 + 3 * sc, sc, black, false);
    draw_text(&mut img, "1", far.0 as i32 - 3 * sc, far.1 as i32 + 3 * sc, sc, black, false);
    draw_text(&mut img, "0.5", px(0.5, 0.0).0 as i32 - 9 * sc, o.1 as i32 + 3 * sc, sc, black, false);
    draw_text(&mut img, "APCER", px(0.5, 0.0).0 as i32 - 15 * sc, o.1 as i32 + 14 * sc, sc, black, false);
    draw_text(&mut img, "1", o.0 as i32 - 9 * sc, px(0.0, 1.0).1 as i32 - 3 * sc, sc, black, false);
    draw_text(&mut img, "1-BPCER", (m * 0.25) as i32, px(0.0, 0.5).1 as i32 + 21 * sc, sc, black, true);
    draw_text(&mut img, "ROC", px(0.5, 1.0).0 as i32 - 9 * sc, (m * 0.3) as i32, sc, black, false);
    for (k, name) in names.iter().enumerate().take(curves.len()) {
        let c = image::Rgb(colours[k % colours.len()]);
        let (lx, ly) = px(0.55, 0.3 - 0.08 * k as f64);
        imageproc::drawing::draw_filled_rect_mut(
            &mut img,
            imageproc::rect::Rect::at(lx as i32, ly as i32).of_size(10 * sc as u32, 7 * sc as u32),
            c,
        );
        draw_text(&mut img, &name.to_uppercase(), lx as i32 + 14 * sc, ly as i32, sc, black, false);
    }
    for (k, curve) in curves.iter().enumerate() {
        let c = image::Rgb(colours[k % colours.len()]);
        let mut pts: Vec<(f64, f64)> = vec![(0.0, 0.0)];
        pts.extend(curve.iter().copied());
        pts.push((1.0, 1.0));
        for w in pts.windows(2) {
            // Thick line: three offsets.
            for d in [-1.0f32, 0.0, 1.0] {
                let (a, b) = (px(w[0].0, w[0].1), px(w[1].0, w[1].1));
                draw_line_segment_mut(&mut img, (a.0 + d, a.1), (b.0 + d, b.1), c);
                draw_line_segment_mut(&mut img, (a.0, a.1 + d), (b.0, b.1 + d), c);
            }
        }
    }
    img
}

/// Median, 95th percentile and mean of a set of durations (µs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stat {
    /// How many.
    pub runs: usize,
    /// Median (µs).
    pub median_us: u32,
    /// 95th percentile (µs).
    pub p95_us: u32,
    /// Mean (µs).
    pub mean_us: f64,
}

impl Stat {
    /// From raw durations (µs).
    pub fn of(mut v: Vec<u32>) -> Stat {
        if v.is_empty() {
            return Stat::default();
        }
        v.sort_unstable();
        let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Stat {
            runs: v.len(),
            median_us: pick(0.5),
            p95_us: pick(0.95),
            mean_us: v.iter().map(|x| *x as f64).sum::<f64>() / v.len() as f64,
        }
    }
}

/// Per-stage timing summary of tracked frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageSummary {
    /// Detector runs.
    pub detect: Stat,
    /// Mesh (frames with a face or a mesh attempt).
    pub mesh: Stat,
    /// Both iris crops.
    pub iris: Stat,
    /// Signals.
    pub signals: Stat,
    /// Whole frame.
    pub total: Stat,
}

/// Collects per-stage timings of [`FrameReport`](crate::FrameReport)s.
#[derive(Debug, Clone, Default)]
pub struct StageTimings {
    det: Vec<u32>,
    mesh: Vec<u32>,
    iris: Vec<u32>,
    sig: Vec<u32>,
    total: Vec<u32>,
}

impl StageTimings {
    /// Adds one frame.
    pub fn add(&mut self, r: &crate::FrameReport) {
        let t = r.timings;
        if r.detector_ran {
            self.det.push(t.detect_us);
        }
        if r.face.is_some() || t.mesh_us > 0 {
            self.mesh.push(t.mesh_us);
        }
        if t.iris_us > 0 {
            self.iris.push(t.iris_us);
            self.sig.push(t.signals_us);
        }
        self.total.push(t.total_us);
    }

    /// Frames added.
    pub fn frames(&self) -> usize {
        self.total.len()
    }

    /// The summary.
    pub fn summary(&self) -> StageSummary {
        StageSummary {
            detect: Stat::of(self.det.clone()),
            mesh: Stat::of(self.mesh.clone()),
            iris: Stat::of(self.iris.clone()),
            signals: Stat::of(self.sig.clone()),
            total: Stat::of(self.total.clone()),
        }
    }
}

/// Precision, recall and F1 of event detection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    /// Detections matched to a label.
    pub tp: usize,
    /// Detections without a label.
    pub fp: usize,
    /// Labels without a detection.
    pub fn_: usize,
    /// tp / (tp + fp); 1 when nothing was detected.
    pub precision: f64,
    /// tp / (tp + fn); 1 when nothing was labelled.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

impl Prf {
    /// From counts; an empty set of labels and detections counts as perfect.
    pub fn from_counts(tp: usize, fp: usize, fn_: usize) -> Prf {
        let precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
        let recall = if tp + fn_ == 0 { 1.0 } else { tp as f64 / (tp + fn_) as f64 };
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Prf { tp, fp, fn_, precision, recall, f1 }
    }
}

/// Matches detected intervals to labelled ones (both `[start, end]`, inclusive, in the
/// same unit): a detection matches the first unused label it overlaps within `tol`.
pub fn match_intervals(detections: &[(f64, f64)], labels: &[(f64, f64)], tol: f64) -> Prf {
    let mut used = vec![false; labels.len()];
    let mut tp = 0;
    for d in detections {
        if let Some(k) = (0..labels.len()).find(|&k| !used[k] && d.0 <= labels[k].1 + tol && d.1 >= labels[k].0 - tol) {
            used[k] = true;
            tp += 1;
        }
    }
    Prf::from_counts(tp, detections.len() - tp, labels.len() - tp)
}

/// A labelled interval of an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Interval {
    /// Frame indices, inclusive.
    Frames(f64, f64),
    /// Seconds.
    Seconds(f64, f64),
}

/// Labelled intervals per clip (file stem).
pub type IntervalLabels = BTreeMap<String, Vec<Interval>>;

/// Reads a labels CSV: a `clip` column (file stem) and either `start_frame,end_frame` or
/// `start_s,end_s`; blank lines and `#` comments are skipped.
///
/// # Errors
/// [`ErrorKind::Io`] when unreadable, [`ErrorKind::Config`] for a missing column or a bad
/// number (with the line).
pub fn read_interval_labels(path: &std::path::Path) -> Result<IntervalLabels> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot read labels {}", path.display()), e))?;
    parse_interval_labels(&text)
}

/// As [`read_interval_labels`], from text.
///
/// # Errors
/// [`ErrorKind::Config`] for a missing column or a bad number.
pub fn parse_interval_labels(text: &str) -> Result<IntervalLabels> {
    let bad = |m: String| Error::new(ErrorKind::Config, m);
    // Comment lines may come before the header too; line numbers count every line.
    let mut lines = text.lines().enumerate().filter(|(_, l)| !(l.trim().is_empty() || l.starts_with('#')));
    let header: Vec<&str> = lines.next().map_or("", |(_, l)| l).split(',').map(str::trim).collect();
    let col = |n: &str| header.iter().position(|h| *h == n);
    let clip = col("clip").ok_or_else(|| bad("labels need a `clip` column".into()))?;
    let frames = col("start_frame").zip(col("end_frame"));
    let secs = col("start_s").zip(col("end_s"));
    let mut map = IntervalLabels::new();
    for (n, line) in lines {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |i: usize| -> Result<f64> {
            f.get(i).and_then(|v| v.parse().ok()).ok_or_else(|| bad(format!("labels line {}: bad number", n + 1)))
        };
        let name = f.get(clip).ok_or_else(|| bad(format!("labels line {}: too short", n + 1)))?.to_string();
        let iv = match (frames, secs) {
            (Some((a, b)), _) => Interval::Frames(get(a)?, get(b)?),
            (None, Some((a, b))) => Interval::Seconds(get(a)?, get(b)?),
            _ => return Err(bad("labels need start_frame,end_frame or start_s,end_s columns".into())),
        };
        map.entry(name).or_default().push(iv);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(species: Option<&str>, score: f32) -> Scored {
        Scored { species: species.map(String::from), score, accepted: score >= 0.5 }
    }

    #[test]
    fn rates_follow_iso_definitions() {
        let v = vec![
            s(None, 0.9),
            s(None, 0.4), // bona fide rejected
            s(Some("print"), 0.1),
            s(Some("print"), 0.6), // print accepted
            s(Some("replay"), 0.2),
            s(Some("replay"), 0.3),
        ];
        let r = rates(&v);
        assert_eq!(r.apcer_per_species["print"], (1, 2, 0.5));
        assert_eq!(r.apcer_per_species["replay"], (0, 2, 0.0));
        assert_eq!(r.apcer, 0.5);
        assert_eq!(r.bpcer, 0.5);
        assert_eq!(r.acer, 0.5);
    }

    #[test]
    fn auc_eer_and_fixed_apcer() {
        // Perfect separation.
        let v: Vec<(bool, f32)> = vec![(true, 0.9), (true, 0.8), (false, 0.1), (false, 0.2)];
        let st = score_stats(&v).unwrap();
        assert_eq!(st.auc, 1.0);
        assert_eq!(st.eer, 0.0);
        assert_eq!(st.bpcer_at_apcer_1pct, 0.0);
        assert_eq!(st.threshold_at_apcer_1pct, 0.8);
        // One attack above one bona fide: AUC 3/4; APCER <= 1 % needs a threshold above
        // 0.7, which rejects one of two bona fide.
        let v: Vec<(bool, f32)> = vec![(true, 0.9), (true, 0.6), (false, 0.7), (false, 0.1)];
        let st = score_stats(&v).unwrap();
        assert_eq!(st.auc, 0.75);
        assert_eq!(st.bpcer_at_apcer_1pct, 0.5);
        assert!(score_stats(&[(true, 0.5)]).is_none());
    }

    #[test]
    fn intervals_match_once_within_tolerance() {
        // Two labels; one detection overlapping the first, one 2 frames after the second,
        // one far away, and a second detection on the first label (a duplicate).
        let labels = [(10.0, 14.0), (40.0, 42.0)];
        let dets = [(12.0, 13.0), (44.0, 45.0), (80.0, 81.0), (11.0, 12.0)];
        let p = match_intervals(&dets, &labels, 2.0);
        assert_eq!((p.tp, p.fp, p.fn_), (2, 2, 0));
        assert!((p.precision - 0.5).abs() < 1e-12 && (p.recall - 1.0).abs() < 1e-12);
        assert!((p.f1 - 2.0 / 3.0).abs() < 1e-12);
        let strict = match_intervals(&dets, &labels, 0.0);
        assert_eq!((strict.tp, strict.fn_), (1, 1));
        assert_eq!(Prf::from_counts(0, 0, 0).f1, 1.0);
        assert_eq!(Prf::from_counts(0, 3, 2).f1, 0.0);
    }

    #[test]
    fn labels_csv_in_frames_or_seconds() {
        let l = parse_interval_labels("clip,start_frame,end_frame\n# note\na,1,3\na,9,10\n\nb,4,4\n").unwrap();
        assert_eq!(l["a"], vec![Interval::Frames(1.0, 3.0), Interval::Frames(9.0, 10.0)]);
        assert_eq!(l["b"].len(), 1);
        let l = parse_interval_labels("clip,start_s,end_s\nx,1.5,2\n").unwrap();
        assert_eq!(l["x"], vec![Interval::Seconds(1.5, 2.0)]);
        assert!(parse_interval_labels("name,start_s,end_s\nx,1,2\n").is_err());
        let e = parse_interval_labels("clip,start_s,end_s\nx,1,oops\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_interval_labels("clip,a,b\nx,1,2\n").is_err());
        let l = parse_interval_labels("# how they were made\n\nclip,start_frame,end_frame\nx,1,2\n").unwrap();
        assert_eq!(l["x"], vec![Interval::Frames(1.0, 2.0)]);
        let e = parse_interval_labels("# a\nclip,start_s,end_s\nx,1,oops\n").unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn stage_stats() {
        let s = Stat::of(vec![5, 1, 3, 2, 4]);
        assert_eq!((s.runs, s.median_us, s.p95_us), (5, 3, 5));
        assert!((s.mean_us - 3.0).abs() < 1e-12);
        assert_eq!(Stat::of(Vec::new()).runs, 0);
    }

    #[test]
    fn plot_has_the_curve_colour() {
        let img = roc_image(&[&[(0.0, 1.0)]], &["model"], 200);
        assert!(img.pixels().any(|p| p.0 == [31, 119, 180]));
        let png = roc_plot(&[&[(0.0, 1.0)]], &["model"], 200).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
