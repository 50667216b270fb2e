//! The crate's layers point down only: every top-level module of `src/` has a place in
//! `LAYERS`, and a module may name (`crate::x`) only modules placed before it. A new module
//! must be placed here; an import that points up fails with the files that make it.
//! (README's "Architecture" section draws the same table.)

use std::collections::BTreeMap;
use std::path::Path;

/// Bottom first. Within a row, a module may use those listed before it in the row.
const LAYERS: &[&[&str]] = &[
    // Primitives: errors, test-only fault hooks, the process's lifetime (one command or a
    // server), text, time, byte splices, files, the intent record of a multi-file change,
    // the lock, the rule table, the mark table.
    &[
        "error", "faults", "lifetime", "text", "clock", "edit", "atomic", "intent", "lock",
        "exists", "rules", "marks",
    ],
    // Settings.
    &["config"],
    // The document model.
    &["model"],
    // What the model is stored and changed through: the parse cache and transactions.
    &["cache", "txn"],
    // The coordination store: who holds what, where and since when; the journal; the
    // remote through git refs.
    &["store"],
    // A workspace: its root, files, the parsed plan, where its store is.
    &["workspace"],
    // Services: who may claim what, the lifecycle, sessions, the rules, agent files.
    &["claims", "lifecycle", "sessions", "check", "agents"],
    // The interface: argument types, rendering, the command context, the commands, the
    // MCP server (which runs the commands).
    &["cli", "usage", "output", "context", "commands", "mcp"],
];

/// `crate::x` names in a module's files, outside their `#[cfg(test)] mod tests`.
fn imports(files: &[std::path::PathBuf]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(cut) => &text[..cut],
            None => &text[..],
        };
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let file = f.file_name().unwrap().to_string_lossy().into_owned();
            let at = out.entry(name).or_default();
            if !at.contains(&file) {
                at.push(file);
            }
        }
    }
    out
}

fn rust_files(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            rust_files(&e.path(), out);
        }
    } else if p.extension().is_some_and(|x| x == "rs") {
        out.push(p.to_path_buf());
    }
}

#[test]
fn every_import_between_top_level_modules_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank: BTreeMap<&str, usize> = LAYERS
        .iter()
        .flat_map(|row| row.iter())
        .enumerate()
        .map(|(i, m)| (*m, i))
        .collect();
    let mut modules = Vec::new();
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let module = match name.strip_suffix(".rs") {
            Some("main" | "lib") => continue,
            Some(m) => m.to_string(),
            None if e.path().is_dir() => name,
            None => continue,
        };
        let mut files = Vec::new();
        rust_files(&e.path(), &mut files);
        modules.push((module, files));
    }
    assert!(modules.len() > 10, "src/ read: {} modules", modules.len());
    let mut wrong = Vec::new();
    for (module, files) in &modules {
        let Some(&me) = rank.get(module.as_str()) else {
            wrong.push(format!(
                "src/{module} has no place in LAYERS (tests/cli/layers.rs): add it"
            ));
            continue;
        };
        for (target, from) in imports(files) {
            match rank.get(target.as_str()) {
                Some(&them) if them >= me && target != *module => wrong.push(format!(
                    "{module} -> {target} points up ({})",
                    from.join(", ")
                )),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_layer_check_sees_an_upward_import() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("model.rs");
    std::fs::write(
        &f,
        "use crate::cache::Cache;\n#[cfg(test)]\nmod tests { use crate::commands; }\n",
    )
    .unwrap();
    let found = imports(&[f]);
    assert_eq!(found.keys().collect::<Vec<_>>(), ["cache"]);
}
