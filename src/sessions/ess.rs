//! The end-of-session plan: task rows and released claims in TASKS.md, the archive sweep,
//! the new entry with its checks and verification, rotation; as one changeset that the
//! `ess` command commits under the workspace lock.

use super::checks::CheckResult;
use super::git::FileChanges;
use super::snapshot::Snapshot;
use super::verify::{self, Answer, Verdict};
use crate::edit::Edit;
use crate::model::Document;
use crate::model::edits;
use crate::model::session::{self, InstanceDoc, NewEntry, TaskRow};
use crate::model::tasks::ClaimUnit;
use crate::store::ClaimStore;
use crate::text;
use crate::txn::{Changeset, Step};
use crate::workspace::Workspace;
use chrono::{DateTime, FixedOffset};
use std::path::Path;

pub const COMPLETE: &str = "✅ Complete";
pub const IN_PROGRESS: &str = "In Progress";

/// What the caller gathered before taking the lock.
pub struct Input {
    pub instance: u32,
    pub title: String,
    pub summary: String,
    pub decisions: Vec<String>,
    pub keep_claims: bool,
    pub no_archive: bool,
    pub snapshot: Option<Snapshot>,
    /// The session whose entry (the newest in the file) this one replaces: `ess` ran
    /// already since `start`.
    pub replace: Option<u32>,
    /// None outside git.
    pub files: Option<FileChanges>,
    pub checks: Vec<CheckResult>,
    pub check_timeout: std::time::Duration,
    pub now: DateTime<FixedOffset>,
    /// What the journal says happened since the instance's last entry.
    pub acted: Acted,
    /// Said in the entry under its files: other instances worked in this folder meanwhile.
    pub shared_note: Option<String>,
}

/// The journal's account of the tasks finished since an instance's last entry, by task
/// identity (`store::TaskId::key`): who finished what is credited to whoever did it.
#[derive(Debug, Clone, Default)]
pub struct Acted {
    /// Finished by this instance.
    pub done_by_me: std::collections::HashSet<String>,
    /// Finished by another instance (which one).
    pub done_by_others: std::collections::HashMap<String, u32>,
}

impl Acted {
    /// From the journal: the events since `instance`'s last `session` event.
    pub fn from_journal(events: &[crate::store::Event], instance: u32) -> Acted {
        let start = events
            .iter()
            .rposition(|e| e.event == "session" && e.instance == Some(instance))
            .map_or(0, |p| p + 1);
        let mut a = Acted::default();
        for e in &events[start..] {
            let Some(t) = &e.task else { continue };
            match (e.event.as_str(), e.instance) {
                ("done", Some(m)) if m == instance => {
                    a.done_by_others.remove(&t.key);
                    a.done_by_me.insert(t.key.clone());
                }
                ("done", Some(m)) => {
                    a.done_by_me.remove(&t.key);
                    a.done_by_others.insert(t.key.clone(), m);
                }
                ("reopened", _) => {
                    a.done_by_me.remove(&t.key);
                    a.done_by_others.remove(&t.key);
                }
                _ => {}
            }
        }
        a
    }
}

/// A row of the session's task table, with where it came from.
#[derive(Debug, Clone)]
pub struct Row {
    /// The task or section ref.
    pub reference: String,
    pub label: String,
    /// `✅ Complete` or `In Progress`.
    pub status: &'static str,
    /// Whether ess removes the instance's tag from it.
    pub released: bool,
}

/// The archive sweep's result.
#[derive(Debug, Clone, Default)]
pub struct Sweep {
    pub changes: Changeset,
    pub notes: Vec<String>,
}

/// The archive sweep: the single call site of the archive lifecycle (research that became
/// a spec, specs of completed tasks, links removed). `tasks` is TASKS.md as it will be after
/// ess's own task edits; the sweep's write of TASKS.md takes `tasks.text` as its original
/// (ess folds it into its own write). Link rewrites in other instances' files are left out:
/// an instance never writes another instance's file (`baton check --fix` repoints them).
pub fn archive_sweep(ws: &Workspace, tasks: &Document, own: &Path) -> anyhow::Result<Sweep> {
    let (mut changes, plan) = crate::lifecycle::sweep(ws, tasks)?;
    let mut notes: Vec<String> = plan
        .archived
        .iter()
        .map(|a| {
            format!(
                "archived {} → {} ({})",
                text::slash_path(&a.from),
                text::slash_path(&a.to),
                a.reason
            )
        })
        .collect();
    notes.extend(plan.skipped.iter().map(|k| {
        format!(
            "not followed: {}:{} `{}` ({})",
            text::slash_path(&k.file),
            k.line,
            k.target,
            k.reason
        )
    }));
    notes.extend(plan.warnings.iter().cloned());
    changes.steps.retain(|step| match step {
        Step::Write { rel, .. }
            if rel != own && verify::instance_file(ws, &text::slash_path(rel)) =>
        {
            notes.push(format!(
                "left the links in {} to its instance (run `baton check --fix` there)",
                text::slash_path(rel)
            ));
            false
        }
        _ => true,
    });
    Ok(Sweep { changes, notes })
}

/// Take the write of `rel` out of a changeset, returning its new content.
fn take_write(cs: &mut Changeset, rel: &Path) -> Option<String> {
    let i = cs
        .steps
        .iter()
        .position(|s| matches!(s, Step::Write { rel: r, original: Some(_), .. } if r == rel))?;
    match cs.steps.remove(i) {
        Step::Write { new, .. } => Some(std::rc::Rc::unwrap_or_clone(new)),
        Step::Move { .. } => None,
    }
}

/// Everything ess decided, for the report.
pub struct Plan {
    pub changes: Changeset,
    pub session: u32,
    pub date: String,
    pub rows: Vec<Row>,
    pub entry: String,
    pub instance_file: String,
    pub archived: Vec<(u32, String)>,
    pub verification: Vec<Answer>,
    pub sweep_notes: Vec<String>,
    pub notes: Vec<String>,
    pub unparsed: Vec<(usize, String)>,
    /// TASKS.md after the plan.
    pub after: Document,
}

impl Plan {
    pub fn verification_failed(&self) -> bool {
        self.verification.iter().any(|a| a.verdict == Verdict::Fail)
    }
}

/// Which tasks the session completed and which claims it still holds.
fn rows(
    doc: &Document,
    ledger: &ClaimStore,
    input: &Input,
) -> (Vec<Row>, Vec<Edit>, Vec<usize>, Vec<usize>) {
    let n = input.instance;
    let mut rows = Vec::new();
    let mut edit_list = Vec::new();
    let mut tasks = Vec::new();
    let mut sections = Vec::new();
    let ledger_keys: Vec<&str> = ledger
        .claims
        .iter()
        .filter(|e| e.instance == n)
        .map(|e| e.task.as_str())
        .collect();
    for (i, t) in doc.tasks.iter().enumerate() {
        let mine_tag = t.claims.iter().any(|c| c.instance == n);
        let others_tag = t.claims.iter().any(|c| c.instance != n);
        let key = || crate::store::key(t.number.as_deref(), &t.reference);
        if t.done {
            // The journal credits a finished task to the instance that finished it.
            let by_me =
                !input.acted.done_by_me.is_empty() && input.acted.done_by_me.contains(&key());
            let by_other = !input.acted.done_by_others.is_empty()
                && input.acted.done_by_others.contains_key(&key());
            let ticked_now = !by_other
                && match &input.snapshot {
                    Some(s) => match s.task(&t.reference) {
                        Some(st) => {
                            !st.done
                                && (st.claimed_by.is_empty() || st.claimed_by.contains(&n))
                                && !others_tag
                        }
                        None => !others_tag,
                    },
                    None => false,
                };
            let from_ledger = ledger_keys.contains(&t.reference.as_str());
            if mine_tag || by_me || ticked_now || from_ledger {
                rows.push(Row {
                    reference: t.reference.to_string(),
                    label: doc.label(i),
                    status: COMPLETE,
                    released: mine_tag,
                });
                tasks.push(i);
                if mine_tag {
                    edit_list.extend(edits::release_task(doc, i, Some(n)));
                }
            }
        } else if mine_tag {
            rows.push(Row {
                reference: t.reference.to_string(),
                label: doc.label(i),
                status: IN_PROGRESS,
                released: !input.keep_claims,
            });
            tasks.push(i);
            if !input.keep_claims {
                edit_list.extend(edits::release_task(doc, i, Some(n)));
            }
        }
    }
    for u in doc.claim_units(n) {
        if let ClaimUnit::Section(s) = u {
            rows.push(Row {
                reference: doc.sections[s].reference.to_string(),
                label: doc.sections[s].title.to_string(),
                status: IN_PROGRESS,
                released: !input.keep_claims,
            });
            sections.push(s);
            if !input.keep_claims {
                edit_list.extend(edits::release_section(doc, s, Some(n)));
            }
        }
    }
    (rows, edit_list, tasks, sections)
}

/// Fold `more` into `cs`: a write of a file `cs` already writes, whose original is what `cs`
/// writes, becomes part of that write.
pub fn fold(cs: &mut Changeset, more: Changeset) {
    for step in more.steps {
        if let Step::Write {
            rel,
            original: Some(o),
            new,
            ..
        } = &step
            && let Some(Step::Write {
                original: first,
                new: prev,
                edits: e,
                ..
            }) = cs
                .steps
                .iter_mut()
                .find(|s| matches!(s, Step::Write { rel: r, .. } if r == rel))
            && prev == o
        {
            *prev = new.clone();
            *e = match first {
                Some(f) => vec![super::single_edit(f, new)],
                None => Vec::new(),
            };
            continue;
        }
        cs.steps.push(step);
    }
}

/// Every session entry's number and text, in instance files and the archive.
fn history(ws: &Workspace) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    if let Ok(files) = ws.instance_files() {
        for f in files {
            if let Ok(t) = ws.read_text(&f.rel) {
                let d = InstanceDoc::parse(t);
                for e in d.parsed_entries() {
                    out.push((e.session.unwrap_or(0), d.text[e.range.clone()].to_string()));
                }
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(ws.abs(&ws.config.archive.sessions)) {
        for e in rd.flatten() {
            let content = std::fs::read(e.path())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            if let Some(s) = super::archived_max(&content) {
                out.push((s, content));
            }
        }
    }
    out
}

/// Plan the end of instance `input.instance`'s session. Reads every file it changes itself:
/// call it inside `txn::transact`.
pub fn plan(ws: &Workspace, input: &Input) -> anyhow::Result<Plan> {
    let n = input.instance;
    let mut notes = Vec::new();
    let doc = ws.load_tasks()?;
    let ledger = ws.claims();
    let tasks_rel = ws.tasks_rel();

    // 1. Tasks.
    let (rows, task_edits, touched_tasks, touched_sections) = rows(&doc, &ledger, input);
    let (all, after) = edits::with_coordination(&doc, task_edits, &[n], |t| ws.parse_tasks(t))?;
    edits::verify_only(&doc, &after, &touched_tasks, &touched_sections)?;
    let mut tasks_cs = Changeset::default();
    tasks_cs.edit(&tasks_rel, &doc.text, all)?;

    // 2. Archive.
    let own_rel = ws.instance_rel(n);
    let mut sweep = if input.no_archive {
        notes.push("archive sweep skipped (--no-archive)".to_string());
        Sweep::default()
    } else {
        archive_sweep(ws, &after, &own_rel)?
    };
    // The sweep's link rewrites in this instance's own file become the base of its entry.
    let own_swept = take_write(&mut sweep.changes, &own_rel);
    let after = match sweep.changes.steps.iter().find_map(|s| match s {
        Step::Write { rel, new, .. } if *rel == tasks_rel => Some(new.to_string()),
        _ => None,
    }) {
        Some(t) => ws.parse_tasks(t),
        None => after,
    };

    // 4. The entry (its number first: verification needs it).
    let replacing = input.replace.filter(|&s| {
        super::load_instance(ws, n)
            .ok()
            .flatten()
            .is_some_and(|d| d.entries.first().and_then(|e| e.session) == Some(s))
    });
    let session_no = match replacing {
        Some(s) => s,
        None => super::next_session_number(ws, n)?,
    };
    let date = input.now.format("%Y-%m-%d").to_string();
    let own = text::slash_path(&own_rel);
    let mut files = input.files.clone();
    if let Some(f) = files.as_mut() {
        f.retain(|p| verify::instance_file(ws, p));
    }

    // 6. Verification, on the state after the plan.
    let touched_after: Vec<usize> = rows
        .iter()
        .filter_map(|r| after.tasks.iter().position(|t| t.reference == r.reference))
        .collect();
    let noted: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let hist = history(ws);
    let moved_away: Vec<String> = sweep
        .changes
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Move { from, .. } => Some(text::slash_path(from)),
            _ => None,
        })
        .collect();
    let moved_to: Vec<String> = sweep
        .changes
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Move { to, .. } => Some(text::slash_path(to)),
            _ => None,
        })
        .collect();
    let verification = verify::verify(&verify::Input {
        ws,
        doc: &after,
        touched: &touched_after,
        noted: &noted,
        files: files.as_ref(),
        session: session_no,
        instance: n,
        history: &hist,
        moved_away: &moved_away,
        moved_to: &moved_to,
    });

    let mut entry = NewEntry {
        date: date.clone(),
        session: session_no,
        title: input.title.clone(),
        tasks: rows
            .iter()
            .map(|r| TaskRow {
                task: r.label.clone(),
                status: r.status.to_string(),
            })
            .collect(),
        summary: input.summary.clone(),
        key_decisions: input.decisions.clone(),
        ..Default::default()
    };
    if let Some(f) = &files {
        entry.files_created = f.created.clone();
        entry.files_modified = f.modified.clone();
        entry.files_deleted = f.deleted.clone();
    }
    if let (Some(note), Some(_)) = (&input.shared_note, &files) {
        entry
            .extra
            .push(("Files by others".into(), vec![note.clone()]));
    }
    if !input.checks.is_empty() {
        entry.extra.push((
            "Checks".into(),
            input
                .checks
                .iter()
                .map(|c| c.entry_line(input.check_timeout))
                .collect(),
        ));
    }
    let problems: Vec<String> = verification
        .iter()
        .filter(|a| a.verdict != Verdict::Pass)
        .flat_map(|a| {
            let tag = if a.verdict == Verdict::Fail {
                "FAIL"
            } else {
                "WARN"
            };
            a.details
                .iter()
                .map(move |d| format!("{tag}: {} {d}", a.question))
        })
        .collect();
    if !problems.is_empty() {
        entry.extra.push(("Verification".into(), problems));
    }

    // 5. The instance file: prepend, update `updated_at`, rotate.
    let existing = super::load_instance(ws, n)?;
    let original = existing.as_ref().map(|d| d.text.clone());
    let doc_i = match existing {
        Some(_) if own_swept.is_some() => InstanceDoc::parse(own_swept.expect("checked")),
        Some(d) => d,
        None => {
            notes.push(format!("{own} did not exist: created it"));
            InstanceDoc::parse(super::init::instance_file(n, &[n], &ws.config))
        }
    };
    let nl = doc_i.newline();
    let entry_text = entry.render(nl);
    let mut i_edits = vec![match (replacing, doc_i.entries.first()) {
        (Some(_), Some(first)) => replace_entry(&doc_i.text, first.range.clone(), &entry_text),
        _ => session::prepend(&doc_i, &entry_text),
    }];
    if let Some(fm) = &doc_i.front_matter
        && let Some(old) = fm.get("updated_at")
        && let Some(e) = fm.set(
            &doc_i.text,
            "updated_at",
            &crate::model::frontmatter::timestamp_like(&old, input.now),
        )
    {
        i_edits.push(e);
    }
    let keep = ws.config.sessions_kept.max(1);
    // The new entry counts as one of the kept.
    // A replaced entry is neither kept nor rotated: it is rewritten.
    let mut base = doc_i.clone();
    if replacing.is_some() && !base.entries.is_empty() {
        base.entries.remove(0);
    }
    let planned = super::apply_with_rotation(ws, &own_rel, &base, i_edits, keep - 1)?;
    let check = InstanceDoc::parse(planned.0.clone());
    if check.entries.first().and_then(|e| e.session) != Some(session_no) {
        anyhow::bail!(
            "internal: the new entry would not read back as Session {session_no}; nothing was written"
        );
    }
    let unparsed: Vec<(usize, String)> = doc_i
        .entries
        .iter()
        .filter_map(|e| {
            e.problem
                .as_ref()
                .map(|p| (e.line, format!("{}: {p}", &doc_i.text[e.heading.clone()])))
        })
        .collect();

    let archived: Vec<(u32, String)> = planned
        .1
        .iter()
        .map(|a| (a.moved.session, text::slash_path(&a.rel)))
        .collect();
    let mut changes = Changeset::default();
    super::add_rotation(&mut changes, &own_rel, original.as_deref(), planned)?;
    fold(&mut changes, tasks_cs);
    fold(&mut changes, sweep.changes);
    guard_instance_files(ws, &changes, &own_rel)?;

    Ok(Plan {
        changes,
        session: session_no,
        date,
        rows,
        entry: entry_text,
        instance_file: own,
        archived,
        verification,
        sweep_notes: sweep.notes,
        notes,
        unparsed,
        after,
    })
}

/// An instance never writes another instance's file.
fn guard_instance_files(ws: &Workspace, cs: &Changeset, own: &Path) -> anyhow::Result<()> {
    for p in cs.touched() {
        let s = text::slash_path(&p);
        if p != own && verify::instance_file(ws, &s) {
            anyhow::bail!(
                "internal: the plan would write {s}, another instance's file; nothing was written"
            );
        }
    }
    Ok(())
}

/// The edit that puts `entry` in place of the entry at `range`, keeping the `---`
/// separator (and blank lines) that close it.
fn replace_entry(text: &str, range: std::ops::Range<usize>, entry: &str) -> crate::edit::Edit {
    let old = &text[range.clone()];
    let trimmed = old.trim_end();
    let body_end = match trimmed.strip_suffix("---") {
        Some(b) if b.ends_with('\n') => b.trim_end().len(),
        _ => trimmed.len(),
    };
    crate::edit::Edit::replace(range, format!("{}{}", entry.trim_end(), &old[body_end..]))
}
