//! The intent record of a multi-file transaction (`.baton/txn.json`): made durable before
//! the first step, removed after the last. It holds every step with the content hash of
//! each touched file before and after, and the old content of every edited file. The next
//! command under the workspace lock finds an interrupted transaction and settles it: when
//! every step was applied it is complete, otherwise the steps that were applied are undone
//! (so the workspace is exactly as before it). `check` reports one it finds.

use crate::atomic;
use crate::text::slash_path;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE: &str = "txn.json";

/// One step as recorded; paths relative to the root, `/`-separated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Entry {
    /// `path` gets content hashing to `after`; `before` is its old content (None: created).
    Write {
        path: String,
        before: Option<String>,
        after: String,
    },
    Move {
        from: String,
        to: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// The command that began it, for messages (`baton archive`).
    pub command: String,
    pub pid: u32,
    /// Folders the transaction creates (parents first), removed again on undo.
    pub dirs: Vec<String>,
    /// The hash of every touched path before the first step (None: absent).
    pub initial: BTreeMap<String, Option<String>>,
    pub steps: Vec<Entry>,
}

pub fn hash(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

fn path_of(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE)
}

fn current(root: &Path, rel: &str) -> Option<String> {
    std::fs::read(root.join(rel)).ok().map(|b| hash(&b))
}

impl Record {
    pub fn new(root: &Path, command: &str, steps: Vec<Entry>, dirs: Vec<PathBuf>) -> Record {
        let mut initial = BTreeMap::new();
        for s in &steps {
            let paths: Vec<&String> = match s {
                Entry::Write { path, .. } => vec![path],
                Entry::Move { from, to } => vec![from, to],
            };
            for p in paths {
                initial.entry(p.clone()).or_insert_with(|| current(root, p));
            }
        }
        Record {
            version: 1,
            command: command.to_string(),
            pid: std::process::id(),
            dirs: dirs.iter().map(|d| slash_path(d)).collect(),
            initial,
            steps,
        }
    }

    /// The hash of every touched path once the first `k` steps are applied.
    fn state_after(&self, k: usize) -> BTreeMap<String, Option<String>> {
        let mut m = self.initial.clone();
        for s in &self.steps[..k] {
            match s {
                Entry::Write { path, after, .. } => {
                    m.insert(path.clone(), Some(after.clone()));
                }
                Entry::Move { from, to } => {
                    let h = m.get(from).cloned().flatten();
                    m.insert(from.clone(), None);
                    m.insert(to.clone(), h);
                }
            }
        }
        m
    }

    /// Write the record durably (fsync of the file and of `.baton/`) before the first step.
    pub fn begin(&self, state_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(state_dir)?;
        let data = serde_json::to_vec(self)?;
        atomic::write(&path_of(state_dir), &data, None).map_err(|e| match e {
            atomic::WriteError::Io(e) => {
                anyhow::Error::new(e).context("writing the transaction record .baton/txn.json")
            }
            atomic::WriteError::Changed => anyhow::anyhow!("internal: unexpected conflict"),
        })
    }
}

/// The last step is done: the record goes.
pub fn end(state_dir: &Path) {
    let _ = std::fs::remove_file(path_of(state_dir));
}

/// The command of an interrupted transaction, if one is recorded (for `check`).
pub fn pending(state_dir: &Path) -> Option<String> {
    let bytes = atomic::read_nofollow(&path_of(state_dir)).ok()?;
    Some(
        serde_json::from_slice::<Record>(&bytes)
            .map(|r| r.command)
            .unwrap_or_else(|_| "a baton command".into()),
    )
}

/// Settle an interrupted transaction, if there is one: call under the workspace lock,
/// before reading anything. Returns what was done, for a warning.
pub fn recover(root: &Path, state_dir: &Path) -> Option<String> {
    let bytes = atomic::read_nofollow(&path_of(state_dir)).ok()?;
    let rec = serde_json::from_slice::<Record>(&bytes).ok().filter(|r| {
        // A record naming a path outside the root is not baton's (a cloned `.baton/`?).
        r.dirs
            .iter()
            .chain(r.initial.keys())
            .all(|p| crate::text::stays_inside(Path::new(p)))
            && r.steps.iter().all(|s| match s {
                Entry::Write { path, .. } => r.initial.contains_key(path),
                Entry::Move { from, to } => {
                    r.initial.contains_key(from) && r.initial.contains_key(to)
                }
            })
    });
    let Some(rec) = rec else {
        end(state_dir);
        return Some(format!(
            "a transaction record that is unreadable or names paths outside the workspace ({}) was removed, nothing else touched; run `baton check` to see the state of the workspace",
            path_of(state_dir).display()
        ));
    };
    let now: BTreeMap<String, Option<String>> = rec
        .initial
        .keys()
        .map(|p| (p.clone(), current(root, p)))
        .collect();
    let n = rec.steps.len();
    let applied = (0..=n).rev().find(|&k| rec.state_after(k) == now);
    let mut dirs: Vec<PathBuf> = rec
        .initial
        .keys()
        .filter_map(|p| root.join(p).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    let msg = match applied {
        Some(k) if k == n => format!(
            "`{}` (pid {}) was interrupted after its last step; it is complete",
            rec.command, rec.pid
        ),
        Some(k) => {
            undo(root, &rec, k);
            format!(
                "`{}` (pid {}) was interrupted after {k} of its {n} steps; they were undone, the workspace is as it was before it: run it again",
                rec.command, rec.pid
            )
        }
        None => format!(
            "`{}` (pid {}) was interrupted, and its files changed since; they were left as they are: run `baton check` and compare {}",
            rec.command,
            rec.pid,
            rec.initial.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    };
    // What the killed process left: temp files, and folders it made that stay empty.
    for d in &dirs {
        atomic::sweep(d, true);
        let _ = atomic::sync_dir(d);
    }
    if applied.is_some_and(|k| k < n) {
        for d in rec.dirs.iter().rev() {
            let _ = std::fs::remove_dir(root.join(d));
        }
    }
    end(state_dir);
    let _ = atomic::sync_dir(state_dir);
    Some(msg)
}

/// Undo the first `k` steps of `rec`, last first.
fn undo(root: &Path, rec: &Record, k: usize) {
    for s in rec.steps[..k].iter().rev() {
        match s {
            Entry::Write {
                path,
                before: Some(b),
                ..
            } => {
                let _ = atomic::write(&root.join(path), b.as_bytes(), None);
            }
            Entry::Write {
                path, before: None, ..
            } => {
                let _ = std::fs::remove_file(root.join(path));
            }
            Entry::Move { from, to } => {
                let _ = std::fs::rename(root.join(to), root.join(from));
            }
        }
    }
}
