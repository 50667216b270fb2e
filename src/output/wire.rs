//! The JSON wire types (schema version 1). Separate from the model so that refactors
//! cannot change the schema; within a version, fields are only ever added.

use crate::model::links::{Link, LinkKind, Target};
use crate::model::{Document, TaskKind};
use crate::text::FastMap;
use crate::text::slash_path;
use serde::Serialize;
use std::path::Path;

/// Checks link targets once each.
pub struct LinkChecker<'r> {
    root: &'r Path,
    cache: FastMap<String, bool>,
}

impl<'r> LinkChecker<'r> {
    pub fn new(root: &'r Path) -> Self {
        LinkChecker {
            root,
            cache: FastMap::default(),
        }
    }
    pub fn exists(&mut self, l: &Link) -> bool {
        match &l.resolved {
            Target::Local(p) => {
                let owned;
                let key: &str = match p.to_str() {
                    Some(k) => k,
                    None => {
                        owned = p.to_string_lossy().into_owned();
                        &owned
                    }
                };
                match self.cache.get(key) {
                    Some(&e) => e,
                    None => {
                        let e = self.root.join(p).exists();
                        self.cache.insert(key.to_string(), e);
                        e
                    }
                }
            }
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

pub fn task<'a>(
    doc: &'a Document,
    file: &'a str,
    i: usize,
    check: &mut LinkChecker,
) -> TaskWire<'a> {
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
        section: t
            .section
            .map(|s| doc.sections[s].path.as_slice())
            .unwrap_or(EMPTY),
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

/// One diagnostic of `check`.
#[derive(Serialize, Clone)]
pub struct DiagnosticWire {
    /// The rule's stable snake_case code.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    pub file: String,
    /// 1-based; null for a diagnostic about a whole file.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    /// Exclusive end column of the span on its line.
    pub end_column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    /// What the fix does: null when there is none. See `fixable`.
    pub fix: Option<String>,
    /// Whether `check --fix` applies the fix by itself (else `fix` names the command to run).
    pub fixable: bool,
    /// The source line, for human output.
    #[serde(skip)]
    pub source: Option<String>,
}

#[derive(Serialize, Clone, Copy)]
pub struct CheckSummary {
    pub errors: usize,
    pub warnings: usize,
    /// Diagnostics `check --fix` can fix by itself.
    pub fixable: usize,
}

#[derive(Serialize)]
pub struct CheckData {
    /// With `--fix`: what remains after the fixes (with `--dry-run`: everything found).
    pub diagnostics: Vec<DiagnosticWire>,
    pub summary: CheckSummary,
    pub strict: bool,
    pub fix: bool,
    pub dry_run: bool,
    /// With `--fix`: the diagnostics fixed (or, with `--dry-run`, that would be).
    pub fixed: Vec<DiagnosticWire>,
    pub changes: crate::txn::Preview,
}

pub fn diagnostic(d: &crate::check::Diagnostic) -> DiagnosticWire {
    use crate::config::Severity;
    DiagnosticWire {
        code: d.code,
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning | Severity::Off => "warning",
        },
        file: slash_path(&d.location.file),
        line: d.location.line,
        column: d.location.column,
        end_column: d.location.end_column,
        message: d.message.clone(),
        help: d.help.clone(),
        fix: d.fix.as_ref().map(|f| f.description.clone()),
        fixable: d.fix.as_ref().is_some_and(|f| f.is_automatic()),
        source: d.location.source.clone(),
    }
}

// --- init, start, ess -------------------------------------------------------------------

#[derive(Serialize)]
pub struct InitData {
    pub instances: u32,
    pub dry_run: bool,
    /// Files created (or that would be), relative to the root.
    pub created: Vec<String>,
    /// Existing files changed (`.gitignore`).
    pub modified: Vec<String>,
}

#[derive(Serialize, Clone)]
pub struct TaskRowWire {
    pub task: String,
    pub status: String,
}

/// A session entry as read from an instance file.
#[derive(Serialize, Clone)]
pub struct EntryWire {
    pub session: Option<u32>,
    pub date: Option<String>,
    pub title: String,
    pub line: usize,
    pub tasks: Vec<TaskRowWire>,
    pub summary: Option<String>,
    pub files_created: Vec<String>,
    pub files_modified: Vec<String>,
    pub files_deleted: Vec<String>,
    pub key_decisions: Vec<String>,
}

pub fn entry(e: &crate::model::session::Entry) -> EntryWire {
    EntryWire {
        session: e.session,
        date: e.date.clone(),
        title: e.title.clone(),
        line: e.line,
        tasks: e
            .tasks
            .iter()
            .map(|t| TaskRowWire {
                task: t.task.clone(),
                status: t.status.clone(),
            })
            .collect(),
        summary: e.summary.clone(),
        files_created: e.files_created.clone(),
        files_modified: e.files_modified.clone(),
        files_deleted: e.files_deleted.clone(),
        key_decisions: e.key_decisions.clone(),
    }
}

#[derive(Serialize)]
pub struct OtherInstance {
    pub instance: u32,
    pub file: Option<String>,
    pub latest: Option<EntryWire>,
    pub claims: Vec<HeldClaim>,
    pub coordination: Option<String>,
}

#[derive(Serialize)]
pub struct RuleWire {
    pub rule: &'static str,
    pub message: String,
    pub hint: String,
}

#[derive(Serialize)]
pub struct SnapshotWire {
    pub path: String,
    pub started_at: String,
    pub git_head: Option<String>,
    pub tasks: usize,
    /// When a snapshot of an unfinished session was replaced: its start time.
    pub replaced: Option<String>,
}

#[derive(Serialize)]
pub struct StartData<'a> {
    pub instance: u32,
    pub file: Option<String>,
    pub claims: Vec<HeldClaim>,
    pub last_session: Option<EntryWire>,
    pub others: Vec<OtherInstance>,
    pub next: Vec<TaskWire<'a>>,
    pub rules: Vec<RuleWire>,
    pub snapshot: SnapshotWire,
}

#[derive(Serialize)]
pub struct EssTaskWire {
    #[serde(rename = "ref")]
    pub reference: String,
    pub label: String,
    /// `complete` or `in_progress`.
    pub status: &'static str,
    /// Whether ess removed the instance's tag.
    pub released: bool,
}

#[derive(Serialize)]
pub struct FilesWire {
    pub created: Vec<String>,
    pub modified: Vec<String>,
    pub deleted: Vec<String>,
    pub source: String,
}

#[derive(Serialize)]
pub struct CheckWire {
    pub command: String,
    /// `passed`, `failed`, `timed_out`, `error` or `skipped`.
    pub status: crate::sessions::checks::CheckStatus,
    pub exit_code: Option<i32>,
    pub output_tail: Vec<String>,
}

#[derive(Serialize)]
pub struct AnswerWire {
    pub id: &'static str,
    pub question: &'static str,
    /// `pass`, `warn` or `fail`.
    pub verdict: crate::sessions::verify::Verdict,
    pub details: Vec<String>,
    pub fix: Option<String>,
}

#[derive(Serialize)]
pub struct RotatedWire {
    pub session: u32,
    pub file: String,
}

#[derive(Serialize)]
pub struct SessionStartWire {
    pub started_at: String,
    pub git_head: Option<String>,
}

#[derive(Serialize)]
pub struct EssData {
    pub instance: u32,
    pub session: u32,
    pub date: String,
    pub title: String,
    pub dry_run: bool,
    /// Whether the files were written (false for a dry run).
    pub written: bool,
    pub file: String,
    /// The start snapshot used; null when there was none.
    pub snapshot: Option<SessionStartWire>,
    pub tasks: Vec<EssTaskWire>,
    /// Null outside a git repository.
    pub files: Option<FilesWire>,
    pub checks: Vec<CheckWire>,
    pub archive_skipped: bool,
    pub archive_notes: Vec<String>,
    pub rotated: Vec<RotatedWire>,
    pub verification: Vec<AnswerWire>,
    /// The entry's text as written.
    pub entry: String,
    pub notes: Vec<String>,
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
