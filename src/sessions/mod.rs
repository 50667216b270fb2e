//! Sessions across the workspace: start snapshots, global session numbers, rotating old
//! entries into `archive/sessions/`, and the end-of-session plan `ess` commits.
//!
//! Entry points for other commands:
//! - [`plan_rotation`]: the changes that bring an instance file back to `sessions_kept`
//!   entries (for `baton check --fix`).
//! - [`next_session_number`]: one more than the highest session number, across instances
//!   or per instance (`session_numbering`).
//! - [`ess::archive_sweep`]: the single call site of the archive lifecycle sweep.

pub mod brief;
pub mod checks;
pub mod ess;
pub mod git;
pub mod init;
pub mod snapshot;
pub mod verify;

use crate::edit::Edit;
use crate::model::session::{self, InstanceDoc, Moved};
use crate::text;
use crate::txn::Changeset;
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};

/// Instance `n`'s file, parsed; None when it does not exist.
pub fn load_instance(ws: &Workspace, n: u32) -> anyhow::Result<Option<InstanceDoc>> {
    let rel = ws.instance_rel(n);
    if !ws.abs(&rel).is_file() {
        return Ok(None);
    }
    Ok(Some(InstanceDoc::parse(ws.read_text(&rel)?)))
}

/// The highest session number in an archived-sessions file: from its entries' headings
/// (`### DATE (Session N - TITLE)`), never from its name, which may hold a date.
pub fn archived_max(content: &str) -> Option<u32> {
    session::entries(content)
        .iter()
        .filter_map(|e| e.session)
        .max()
}

/// The instance an archived-sessions file belongs to, from its name
/// (`instance_002_session_...`).
fn archived_instance(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let rest = &lower[lower.find("instance_")? + "instance_".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Every session number in the instance files and in `archive/sessions/`, with the
/// instance it belongs to (None for an archived file whose name names none).
fn session_numbers(ws: &Workspace) -> anyhow::Result<Vec<(Option<u32>, u32)>> {
    let mut out = Vec::new();
    for f in ws.instance_files()? {
        let d = InstanceDoc::parse(ws.read_text(&f.rel)?);
        let pointer = d
            .pointer
            .as_ref()
            .and_then(|p| p.number.as_ref().map(|n| n.0));
        for n in d.entries.iter().filter_map(|e| e.session).chain(pointer) {
            out.push((Some(f.instance), n));
        }
    }
    let dir = ws.abs(&ws.config.archive.sessions);
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".md") {
                continue;
            }
            let Ok(bytes) = std::fs::read(e.path()) else {
                continue;
            };
            let content = String::from_utf8_lossy(&bytes);
            let inst = archived_instance(&name);
            for entry in session::entries(&content) {
                if let Some(n) = entry.session {
                    out.push((inst, n));
                }
            }
        }
    }
    Ok(out)
}

/// Whether sessions are numbered per instance: the setting, or with `auto`, whether two
/// instances each have a Session 1 entry.
fn per_instance(ws: &Workspace, seen: &[(Option<u32>, u32)]) -> bool {
    use crate::config::SessionNumbering as S;
    match ws.config.session_numbering {
        S::Global => false,
        S::PerInstance => true,
        S::Auto => {
            let firsts: std::collections::BTreeSet<u32> = seen
                .iter()
                .filter(|(_, n)| *n == 1)
                .filter_map(|(i, _)| *i)
                .collect();
            firsts.len() >= 2
        }
    }
}

/// The number of `instance`'s next session: one more than the highest session number
/// anywhere (global numbering) or in its own entries (per instance).
pub fn next_session_number(ws: &Workspace, instance: u32) -> anyhow::Result<u32> {
    let seen = session_numbers(ws)?;
    let own = per_instance(ws, &seen);
    let max = seen
        .iter()
        .filter(|(i, _)| !own || *i == Some(instance))
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    Ok(max + 1)
}

/// An archived entry: where it goes and what it holds.
#[derive(Debug, Clone)]
pub struct Archived {
    pub moved: Moved,
    pub rel: PathBuf,
    /// False when an identical file is already there (nothing to create).
    pub create: bool,
}

/// Where moved entries go: `archive/sessions/instance_NNN_session_S_DATE.md`, with a `_2`
/// suffix when a different file already has that name.
pub fn archive_targets(ws: &Workspace, instance_rel: &Path, moved: &[Moved]) -> Vec<Archived> {
    let stem = instance_rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "instance".into());
    let dir = PathBuf::from(&ws.config.archive.sessions);
    let mut taken: Vec<PathBuf> = Vec::new();
    moved
        .iter()
        .map(|m| {
            let base = format!("{stem}_session_{}_{}", m.session, m.date);
            let mut k = 1;
            loop {
                let name = if k == 1 {
                    format!("{base}.md")
                } else {
                    format!("{base}_{k}.md")
                };
                let rel = dir.join(name);
                k += 1;
                if taken.contains(&rel) {
                    continue;
                }
                match std::fs::read(ws.abs(&rel)) {
                    Ok(b) if b == m.text.as_bytes() => {
                        taken.push(rel.clone());
                        return Archived {
                            moved: m.clone(),
                            rel,
                            create: false,
                        };
                    }
                    Ok(_) => continue,
                    Err(_) if ws.abs(&rel).exists() => continue,
                    Err(_) => {
                        taken.push(rel.clone());
                        return Archived {
                            moved: m.clone(),
                            rel,
                            create: true,
                        };
                    }
                }
            }
        })
        .collect()
}

/// Edits plus a rotation on one instance file, checked: the archive receives every byte
/// removed, kept entries stay byte for byte. Returns the new text, the archive files, and
/// the edits that produce the text.
pub fn apply_with_rotation(
    ws: &Workspace,
    rel: &Path,
    doc: &InstanceDoc,
    mut edits: Vec<Edit>,
    keep: usize,
) -> anyhow::Result<(String, Vec<Archived>, Vec<Edit>)> {
    let rot = session::rotate(doc, keep, &ws.config.archive.sessions);
    edits.extend(rot.edits);
    let edits = merge_touching(edits);
    let new = crate::edit::apply(&doc.text, &edits).map_err(|e| {
        anyhow::anyhow!(
            "internal: planning an edit of {}: {e}",
            text::slash_path(rel)
        )
    })?;
    let archived = archive_targets(ws, rel, &rot.moved);
    let after = InstanceDoc::parse(new.clone());
    let contents: Vec<String> = archived.iter().map(|a| a.moved.text.clone()).collect();
    session::verify_rotation(doc, &after, &rot.moved, &contents)?;
    Ok((new, archived, edits))
}

/// Fold an insertion into an edit that starts at the same place (the engine refuses the
/// pair): the inserted text goes first.
fn merge_touching(mut edits: Vec<Edit>) -> Vec<Edit> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        if let Some(last) = out.last_mut()
            && last.range.start == e.range.start
            && last.range.is_empty()
        {
            let text = format!("{}{}", last.text, e.text);
            *last = Edit::replace(e.range.clone(), text);
            continue;
        }
        out.push(e);
    }
    out
}

/// Add the writes of a rotated instance file and its archive files to `cs`.
pub fn add_rotation(
    cs: &mut Changeset,
    rel: &Path,
    original: Option<&str>,
    (new, archived, edits): (String, Vec<Archived>, Vec<Edit>),
) -> anyhow::Result<()> {
    for a in archived.iter().filter(|a| a.create) {
        cs.create(&a.rel, a.moved.text.clone());
    }
    match original {
        // The edits were planned on `o`, or on a text already changed from it (the archive
        // sweep's link rewrites): then one splice covers the difference.
        Some(o) => {
            let edits = if crate::edit::apply(o, &edits).ok().as_deref() == Some(new.as_str()) {
                edits
            } else {
                vec![single_edit(o, &new)]
            };
            cs.edit(rel, &std::rc::Rc::new(o.to_string()), edits)?
        }
        None => cs.create(rel, new),
    }
    Ok(())
}

/// One edit turning `old` into `new`: the span between their common prefix and suffix.
pub fn single_edit(old: &str, new: &str) -> Edit {
    let mut p = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(p) || !new.is_char_boundary(p) {
        p -= 1;
    }
    let max_s = old.len().min(new.len()) - p;
    let mut s = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_s)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - s) || !new.is_char_boundary(new.len() - s) {
        s -= 1;
    }
    Edit::replace(p..old.len() - s, &new[p..new.len() - s])
}

/// The changes that bring instance `n`'s file back to `sessions_kept` entries, moving older
/// entries verbatim to `archive/sessions/` and updating the pointer line. Empty when the
/// file keeps no more than that (or does not exist). Used by `ess` and `check --fix`.
pub fn plan_rotation(ws: &Workspace, instance: u32) -> anyhow::Result<Changeset> {
    let mut cs = Changeset::default();
    let Some(doc) = load_instance(ws, instance)? else {
        return Ok(cs);
    };
    let rel = ws.instance_rel(instance);
    let keep = ws.config.sessions_kept.max(1);
    if doc.parsed_entries().count() <= keep {
        return Ok(cs);
    }
    let planned = apply_with_rotation(ws, &rel, &doc, Vec::new(), keep)?;
    add_rotation(&mut cs, &rel, Some(&doc.text), planned)?;
    Ok(cs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_numbers_come_from_entries_and_instances_from_names() {
        assert_eq!(archived_max("### 2025-01-01 (Session 7 - A)\n"), Some(7));
        assert_eq!(archived_max("no entries\n"), None);
        assert_eq!(
            archived_instance("instance_002_session_2025-12-25_2.md"),
            Some(2)
        );
        assert_eq!(archived_instance("notes.md"), None);
    }

    #[test]
    fn single_edits() {
        let e = single_edit("abcXdef", "abcYYdef");
        assert_eq!(e, Edit::replace(3..4, "YY"));
        assert_eq!(
            crate::edit::apply("aé", &[single_edit("aé", "aè")]).unwrap(),
            "aè"
        );
        assert_eq!(
            crate::edit::apply("aa", &[single_edit("aa", "aaa")]).unwrap(),
            "aaa"
        );
    }

    #[test]
    fn plan_rotation_moves_entries_beyond_sessions_kept() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("TASKS.md"), "# T\n").unwrap();
        let seed = include_str!("../../tests/fixtures/sessions/seed_instance.md");
        std::fs::write(d.path().join("instance_001.md"), seed).unwrap();
        let mut ws = Workspace::discover(Some(d.path()), d.path()).unwrap();
        assert!(
            plan_rotation(&ws, 1).unwrap().is_empty(),
            "3 entries, 3 kept"
        );
        ws.config.sessions_kept = 2;
        let cs = plan_rotation(&ws, 1).unwrap();
        let p = crate::txn::preview(&cs);
        assert_eq!(
            p.creates,
            vec!["archive/sessions/instance_001_session_33_2025-12-27.md"]
        );
        assert_eq!(p.hunks.len(), 1);
        assert!(
            plan_rotation(&ws, 2).unwrap().is_empty(),
            "no file, nothing to do"
        );
    }
}
