//! The layering ARCHITECTURE.md describes, checked on the source: no two modules
//! depend on each other (directly or round a cycle), at the crate's top level and
//! inside each folder, and no source file grows past 700 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/checks/silent.rs` -> ["checks", "silent"]; `src/checks/mod.rs` -> ["checks"].
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// Module paths a file refers to through `crate::` and `super::` (code, not comments).
fn references(text: &str, me: &[String], is_mod_rs: bool) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (prefix, base) in [
            ("crate::", Vec::new()),
            ("super::", {
                // `super` of a mod.rs file is its folder's parent; of a leaf file, its folder.
                let mut b = me.to_vec();
                b.pop();
                if is_mod_rs {
                    // me is the folder itself: super is its parent, already popped once
                }
                b
            }),
        ] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                let tail = &rest[i + prefix.len()..];
                let path: Vec<String> = tail
                    .split("::")
                    .map(|seg| seg.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
                    .take_while(|seg| !seg.is_empty() && seg.chars().next().is_some_and(|c| c.is_lowercase()))
                    .collect();
                let mut full = base.clone();
                full.extend(path);
                out.insert(full);
                rest = &rest[i + prefix.len()..];
            }
        }
    }
    out
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn modules_form_layers_without_cycles() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    // Library files only (the CLI is a client of the public API).
    files.retain(|f| {
        let m = module_path(&src, f);
        !(m.first().is_some_and(|s| s == "cli" || s == "main" || s == "lib"))
    });
    let mut modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for f in &files {
        modules.insert(module_path(&src, f));
    }
    // Edges between files (mod.rs files only declare and re-export: left out), then
    // grouped by level: the crate's top-level modules, and each folder's children.
    let mut per_level: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut edges = 0;
    for f in &files {
        if f.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        let me = module_path(&src, f);
        let text = std::fs::read_to_string(f).unwrap();
        for r in references(&text, &me, false) {
            // Resolve to the longest known module prefix.
            let Some(target) = (1..=r.len()).rev().map(|k| r[..k].to_vec()).find(|p| modules.contains(p)) else {
                continue;
            };
            // The level where the two paths part.
            let common = me.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common >= me.len().min(target.len()) {
                continue; // a module and its own parent or child
            }
            let level = me[..common].to_vec();
            per_level.entry(level).or_default().entry(me[common].clone()).or_default().insert(target[common].clone());
            edges += 1;
        }
    }
    assert!(edges > 50, "the scanner found only {edges} references: it is broken");
    for (level, graph) in &per_level {
        if let Some(c) = find_cycle(graph) {
            panic!(
                "import cycle in {}: {}",
                if level.is_empty() { "crate".into() } else { level.join("::") },
                c.join(" -> ")
            );
        }
    }
    // The layers the architecture names hold.
    let top = &per_level[&Vec::new()];
    for (low, high) in [("models", "track"), ("track", "engine"), ("engine", "session"), ("checks", "session")] {
        assert!(!top.get(low).is_some_and(|d| d.contains(high)), "{low} must not depend on {high}");
    }
}

#[test]
fn no_source_file_is_over_700_lines() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut long: Vec<(usize, PathBuf)> = files
        .into_iter()
        .map(|f| (std::fs::read_to_string(&f).unwrap().lines().count(), f))
        .filter(|(n, _)| *n > 700)
        .collect();
    long.sort();
    assert!(long.is_empty(), "files over 700 lines: {long:?}");
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert!(find_cycle(&g).is_none());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g).unwrap(), vec!["a", "b", "c", "a"]);
}
