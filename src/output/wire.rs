//! The JSON wire types (schema version 1). Separate from the model so that refactors
//! cannot change the schema; within a version, fields are only ever added.

use crate::model::links::{Link, LinkKind, Target};
use crate::model::{Document, TaskKind};
use crate::text::slash_path;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Checks link targets once each.
pub struct LinkChecker<'r> {
    root: &'r Path,
    cache: HashMap<PathBuf, bool>,
}

impl<'r> LinkChecker<'r> {
    pub fn new(root: &'r Path) -> Self {
        LinkChecker {
            root,
            cache: HashMap::new(),
        }
    }
    pub fn exists(&mut self, l: &Link) -> bool {
        match &l.resolved {
            Target::Local(p) => *self
                .cache
                .entry(p.clone())
                .or_insert_with(|| self.root.join(p).exists()),
            _ => false,
        }
    }
}

#[derive(Serialize)]
pub struct LinkWire<'a> {
    pub kind: LinkKind,
    /// The destination as written.
    pub target: &'a str,
    pub exists: bool,
    /// Resolved path relative to the root; null when it leaves the workspace or is absolute.
    pub path: Option<String>,
    /// `task` for the task's own links, `section` for inherited section-level links.
    pub from: &'static str,
}

#[derive(Serialize)]
pub struct TaskWire<'a> {
    #[serde(rename = "ref")]
    pub reference: &'a str,
    pub number: Option<&'a str>,
    pub title: &'a str,
    pub done: bool,
    pub mark: String,
    pub claimed_by: Vec<u32>,
    pub kind: TaskKind,
    pub file: &'a str,
    pub line: usize,
    pub section: &'a [String],
    pub links: Vec<LinkWire<'a>>,
    pub parent: Option<&'a str>,
}

pub fn link<'a>(l: &'a Link, from: &'static str, check: &mut LinkChecker) -> LinkWire<'a> {
    LinkWire {
        kind: l.kind,
        target: &l.target,
        exists: check.exists(l),
        path: l.local().map(slash_path),
        from,
    }
}

pub fn task<'a>(doc: &'a Document, file: &'a str, i: usize, check: &mut LinkChecker) -> TaskWire<'a> {
    let t = &doc.tasks[i];
    let mut links: Vec<LinkWire> = t.links.iter().map(|l| link(l, "task", check)).collect();
    links.extend(doc.inherited_links(i).map(|l| link(l, "section", check)));
    const EMPTY: &[String] = &[];
    TaskWire {
        reference: &t.reference,
        number: t.number.as_deref(),
        title: &t.title,
        done: t.done,
        mark: t.mark.to_string(),
        claimed_by: doc.claimants(i),
        kind: t.kind,
        file,
        line: t.line,
        section: t.section.map(|s| doc.sections[s].path.as_slice()).unwrap_or(EMPTY),
        links,
        parent: t.parent.map(|p| doc.tasks[p].reference.as_str()),
    }
}

#[derive(Serialize)]
pub struct ListData<'a> {
    pub file: &'a str,
    pub tasks: Vec<TaskWire<'a>>,
}

#[derive(Serialize)]
pub struct TaskData<'a> {
    pub task: Option<TaskWire<'a>>,
}

#[derive(Serialize, Clone)]
pub struct SessionWire {
    pub session: Option<u32>,
    pub date: String,
    pub title: String,
}

#[derive(Serialize, Clone)]
pub struct HeldClaim {
    /// `task` or `section` (a heading claim).
    pub scope: &'static str,
    #[serde(rename = "ref")]
    pub reference: String,
    pub label: String,
    pub line: usize,
    pub since: Option<String>,
    pub age_secs: Option<i64>,
    pub stale: bool,
}

#[derive(Serialize)]
pub struct InstanceStatus {
    pub instance: u32,
    pub file: Option<String>,
    pub claims: Vec<HeldClaim>,
    /// The instance's cell in the coordination table, when it has a row.
    pub coordination: Option<String>,
    pub last_session: Option<SessionWire>,
}

#[derive(Serialize)]
pub struct SectionCount {
    pub section: String,
    pub open: usize,
    pub done: usize,
}

#[derive(Serialize)]
pub struct StatusData<'a> {
    pub file: &'a str,
    pub instances: Vec<InstanceStatus>,
    pub sections: Vec<SectionCount>,
    pub open: usize,
    pub done: usize,
    pub next: Option<TaskWire<'a>>,
}

#[derive(Serialize)]
pub struct ClaimData<'a> {
    /// `claimed`, `released`, `unchanged`, or `none` (next --claim found nothing).
    pub action: &'static str,
    pub instance: u32,
    pub dry_run: bool,
    /// The task after the change (null for a section claim or when nothing was ready).
    pub task: Option<TaskWire<'a>>,
    /// For heading claims: the section's path.
    pub section: Option<&'a [String]>,
    /// Claims this took over from other instances.
    pub took_over: Vec<u32>,
    pub changes: crate::txn::Preview,
}

/// A file moved to the archive.
#[derive(Serialize)]
pub struct ArchivedWire {
    pub from: String,
    pub to: String,
    /// `research` or `spec`.
    pub kind: crate::lifecycle::FileKind,
    pub reason: &'static str,
}

/// A link not followed for a move, and why (outside the workspace, a symlink, ...).
#[derive(Serialize)]
pub struct SkippedWire {
    pub file: String,
    pub line: usize,
    pub target: String,
    pub reason: String,
}

pub fn archived(p: &crate::lifecycle::SweepPlan) -> Vec<ArchivedWire> {
    p.archived
        .iter()
        .map(|a| ArchivedWire {
            from: slash_path(&a.from),
            to: slash_path(&a.to),
            kind: a.kind,
            reason: a.reason,
        })
        .collect()
}

pub fn skipped(p: &crate::lifecycle::SweepPlan) -> Vec<SkippedWire> {
    p.skipped
        .iter()
        .map(|s| SkippedWire {
            file: slash_path(&s.file),
            line: s.line,
            target: s.target.clone(),
            reason: s.reason.clone(),
        })
        .collect()
}

/// `research new` and `spec new`.
#[derive(Serialize)]
pub struct NewDocData<'a> {
    /// `research` or `spec`.
    pub kind: crate::lifecycle::FileKind,
    /// The created file, relative to the root.
    pub path: String,
    pub dry_run: bool,
    /// The section the tasks went under, and whether it was created.
    pub section: String,
    pub section_created: bool,
    /// For `spec new --from-research`: the research file the spec links.
    pub research: Option<String>,
    /// The tasks added.
    pub tasks: Vec<TaskWire<'a>>,
    pub changes: crate::txn::Preview,
}

/// `done` and `reopen`.
#[derive(Serialize)]
pub struct DoneData<'a> {
    /// `done`, `reopened`, or `unchanged` (already in the asked state).
    pub action: &'static str,
    pub instance: Option<u32>,
    pub dry_run: bool,
    pub task: Option<TaskWire<'a>>,
    /// Other instances whose claim `--force` removed.
    pub released: Vec<u32>,
    pub archived: Vec<ArchivedWire>,
    pub skipped: Vec<SkippedWire>,
    pub changes: crate::txn::Preview,
}

/// `archive`.
#[derive(Serialize)]
pub struct ArchiveData {
    pub dry_run: bool,
    pub archived: Vec<ArchivedWire>,
    pub skipped: Vec<SkippedWire>,
    pub changes: crate::txn::Preview,
}
