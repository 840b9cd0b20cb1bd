//! Leave-one-person-out validation of the blink thresholds: for each person, the
//! thresholds are chosen from a small grid on everybody else's clips and scored on that
//! person's clips, at the native frame rate and at reduced ones. The F1 reported per
//! person is therefore measured on a face the thresholds never saw.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use liveface::checks::action::{Action, ActionThresholds};
use liveface::metrics::{IntervalLabels, Prf};
use serde::Serialize;

use super::eval::{score, Trace};
use super::write_line;

/// The grid the thresholds are chosen from (the defaults are one of its points).
fn grid() -> Vec<ActionThresholds> {
    let mut out = Vec::new();
    for k in [2.0, 2.5, 3.0, 3.5, 4.0] {
        for floor in [0.06, 0.08, 0.10, 0.12] {
            for (window, long) in [(1_000, 0), (1_000, 4_000), (2_000, 6_000)] {
                for (refractory, fall) in [(0.5, 150), (0.5, 250), (0.75, 250), (0.5, 600)] {
                    let mut th = ActionThresholds::default();
                    th.blink_fall_ms = fall;
                    th.blink_noise_k = k;
                    th.blink_min_drop = floor;
                    th.eye_window_ms = window;
                    th.eye_long_window_ms = long;
                    th.blink_refractory_depth = refractory;
                    out.push(th);
                }
            }
        }
    }
    out
}

#[derive(Serialize)]
struct Params {
    noise_k: f32,
    min_drop: f32,
    window_ms: i64,
    long_window_ms: i64,
    refractory_depth: f32,
    fall_ms: i64,
}

impl From<&ActionThresholds> for Params {
    fn from(t: &ActionThresholds) -> Self {
        Params {
            noise_k: t.blink_noise_k,
            min_drop: t.blink_min_drop,
            window_ms: t.eye_window_ms,
            long_window_ms: t.eye_long_window_ms,
            refractory_depth: t.blink_refractory_depth,
            fall_ms: t.blink_fall_ms,
        }
    }
}

/// Counts per grid point, person and rate.
type Counts = [usize; 3];

fn add(a: &mut Counts, b: Counts) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}

fn prf(c: Counts) -> Prf {
    Prf::from_counts(c[0], c[1], c[2])
}

fn read_people(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(',') {
            Some((clip, person)) if !clip.is_empty() && !person.is_empty() => {
                out.insert(clip.trim().to_string(), person.trim().to_string());
            }
            _ => bail!("{}:{}: expected `clip,person`, got {line:?}", path.display(), n + 1),
        }
    }
    Ok(out)
}

pub(crate) fn run(
    traces: &BTreeMap<String, Trace>,
    labels: &IntervalLabels,
    ignore: &IntervalLabels,
    people_csv: &Path,
    fps: &[f64],
    tol: f64,
    out_dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let people = read_people(people_csv)?;
    if let Some(c) = traces.keys().find(|c| !people.contains_key(*c)) {
        bail!("clip {c} has no person in {}", people_csv.display());
    }
    let persons: BTreeSet<&str> = traces.keys().map(|c| people[c].as_str()).collect();
    if persons.len() < 2 {
        bail!("leave-one-person-out needs clips of at least two people");
    }
    // Native rate first, then each reduced one.
    let rates: Vec<Option<f64>> = std::iter::once(None).chain(fps.iter().map(|f| Some(*f))).collect();
    let grid = grid();
    // table[g][person][rate]
    let mut table: Vec<BTreeMap<&str, Vec<Counts>>> = Vec::with_capacity(grid.len());
    for th in &grid {
        let mut per: BTreeMap<&str, Vec<Counts>> = BTreeMap::new();
        for (clip, tr) in traces {
            let gts = labels.get(clip).map(|v| v.as_slice()).unwrap_or_default();
            let skip = ignore.get(clip).map(|v| v.as_slice()).unwrap_or_default();
            let row = per.entry(people[clip].as_str()).or_insert_with(|| vec![[0; 3]; rates.len()]);
            for (r, rate) in rates.iter().enumerate() {
                let s = score(tr, *rate, Action::Blink, *th, gts, skip, tol);
                add(&mut row[r], [s.m.tp, s.m.fp, s.m.fn_]);
            }
        }
        table.push(per);
    }
    // The objective on a set of people: the mean of each person's F1 (each rate), so every
    // face counts the same whatever its number of clips or blinks: the goal is a detector
    // that works for the next person, not for the one with the most footage.
    let objective = |g: usize, skip: Option<&str>| {
        let (mut sum, mut n) = (0.0, 0);
        for (p, row) in &table[g] {
            if Some(*p) != skip {
                for c in row {
                    sum += prf(*c).f1;
                    n += 1;
                }
            }
        }
        sum / n.max(1) as f64
    };
    let best = |skip: Option<&str>| {
        (0..grid.len()).fold(0, |b, g| if objective(g, skip) > objective(b, skip) + 1e-12 { g } else { b })
    };
    let mut out = std::io::stdout();
    let mut held_out = vec![[0usize; 3]; rates.len()];
    let mut per_person = Vec::new();
    let mut worst = vec![f64::INFINITY; rates.len()];
    for p in &persons {
        let g = best(Some(p));
        let row = &table[g][p];
        let f1: Vec<f64> = row.iter().map(|c| prf(*c).f1).collect();
        for (r, c) in row.iter().enumerate() {
            add(&mut held_out[r], *c);
            worst[r] = worst[r].min(f1[r]);
        }
        let line = serde_json::json!({"person": p, "clips": traces.keys().filter(|c| people[*c] == *p).count(),
            "tuned_on_others": Params::from(&grid[g]),
            "by_rate": rates.iter().zip(row).map(|(rate, c)| { let m = prf(*c);
                serde_json::json!({"fps": rate, "tp": c[0], "fp": c[1], "fn": c[2], "f1": m.f1}) }).collect::<Vec<_>>()});
        write_line(&mut out, &line)?;
        per_person.push(line);
    }
    let all = best(None);
    let defaults = ActionThresholds::default();
    let default_g = grid.iter().position(|t| *t == defaults);
    let summary = serde_json::json!({"lopo": {
        "people": persons.len(), "clips": traces.len(), "grid_points": grid.len(), "tolerance_frames": tol,
        "by_rate": rates.iter().enumerate().map(|(r, rate)| { let m = prf(held_out[r]);
            serde_json::json!({"fps": rate, "tp": held_out[r][0], "fp": held_out[r][1], "fn": held_out[r][2],
                "f1": m.f1, "precision": m.precision, "recall": m.recall, "worst_person_f1": worst[r]}) }).collect::<Vec<_>>(),
        "chosen_on_everybody": Params::from(&grid[all]),
        "defaults_are_that_choice": default_g == Some(all),
        "in_sample_defaults_objective": default_g.map(|g| objective(g, None)),
    }});
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)?;
        // Every grid point's F1 per person and rate, to see how flat the choice is.
        let table_json: Vec<_> = grid
            .iter()
            .zip(&table)
            .map(|(th, per)| {
                let f1: BTreeMap<&str, Vec<f64>> =
                    per.iter().map(|(p, row)| (*p, row.iter().map(|c| prf(*c).f1).collect())).collect();
                serde_json::json!({"params": Params::from(th), "f1_by_person_and_rate": f1})
            })
            .collect();
        let body = serde_json::json!({"per_person": per_person, "summary": summary["lopo"], "grid": table_json});
        std::fs::write(dir.join("summary.json"), serde_json::to_vec_pretty(&body)?)?;
    }
    write_line(&mut out, &summary)?;
    Ok(ExitCode::SUCCESS)
}
