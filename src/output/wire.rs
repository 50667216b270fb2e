//! The JSON wire types (schema version 1). Separate from the model so that refactors
//! cannot change the schema; within a version, fields are only ever added.

use crate::model::links::{Link, LinkKind, Target};
use crate::model::{Document, Str, TaskKind};
use crate::text::{slash_path, slash_str};
use serde::Serialize;
use std::path::Path;

/// Checks link targets once each.
pub struct LinkChecker<'r> {
    disk: crate::exists::Exists<'r>,
}

impl<'r> LinkChecker<'r> {
    pub fn new(root: &'r Path) -> Self {
        LinkChecker {
            disk: crate::exists::Exists::new(root),
        }
    }
    /// Whether a link's target exists; each target is looked up once (`crate::exists`).
    pub fn exists(&mut self, l: &Link) -> bool {
        match &l.resolved {
            Target::Local(p) => self.disk.check(p.as_path()),
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
    #[serde(serialize_with = "ser_slash_path")]
    pub path: Option<&'a Path>,
    /// `task` for the task's own links, `section` for inherited section-level links.
    pub from: &'static str,
}

fn ser_slash_path<S: serde::Serializer>(p: &Option<&Path>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_str(&slash_str(p)),
        None => s.serialize_none(),
    }
}

#[derive(Serialize)]
pub struct TaskWire<'a> {
    #[serde(rename = "ref")]
    pub reference: &'a str,
    pub number: Option<&'a str>,
    pub title: &'a str,
    pub done: bool,
    pub mark: char,
    /// What the mark means: `open`, `in_progress`, `deferred`, `done`, `cancelled`, `unknown`.
    pub state: &'static str,
    pub claimed_by: Vec<u32>,
    pub kind: TaskKind,
    pub file: &'a str,
    pub line: usize,
    pub section: &'a [Str],
    pub links: Vec<LinkWire<'a>>,
    pub parent: Option<&'a str>,
}

pub fn link<'a>(l: &'a Link, from: &'static str, check: &mut LinkChecker) -> LinkWire<'a> {
    LinkWire {
        kind: l.kind,
        target: &l.target,
        exists: check.exists(l),
        path: l.local(),
        from,
    }
}

pub fn task<'a>(
    doc: &'a Document,
    file: &'a str,
    i: usize,
    check: &mut LinkChecker,
) -> TaskWire<'a> {
    let mut t = task_own(doc, file, i, check, Vec::new());
    t.links
        .extend(doc.inherited_links(i).map(|l| link(l, "section", check)));
    t
}

/// `task` without the inherited section links (`links` holds only the task's own), reusing
/// the allocation of `links`.
fn task_own<'a>(
    doc: &'a Document,
    file: &'a str,
    i: usize,
    check: &mut LinkChecker,
    mut links: Vec<LinkWire<'a>>,
) -> TaskWire<'a> {
    links.clear();
    links.extend(doc.tasks[i].links.iter().map(|l| link(l, "task", check)));
    task_with(doc, file, i, links)
}

/// Task `i` without its links, for output that does not show them (the lines of a human
/// `list`): no link target is looked up.
pub fn task_row<'a>(doc: &'a Document, file: &'a str, i: usize) -> TaskWire<'a> {
    task_with(doc, file, i, Vec::new())
}

fn task_with<'a>(
    doc: &'a Document,
    file: &'a str,
    i: usize,
    links: Vec<LinkWire<'a>>,
) -> TaskWire<'a> {
    let t = &doc.tasks[i];
    const EMPTY: &[Str] = &[];
    TaskWire {
        reference: &t.reference,
        number: t.number.as_deref(),
        title: &t.title,
        done: t.done,
        mark: t.mark,
        state: t.state.name(),
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

impl LinkWire<'_> {
    /// The same bytes as `serde_json::to_writer`, written by hand (the hot path of `list`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"kind\":");
        out.extend_from_slice(link_kind_json(self.kind));
        out.extend_from_slice(b",\"target\":");
        json::str(out, self.target);
        out.extend_from_slice(b",\"exists\":");
        json::bool(out, self.exists);
        out.extend_from_slice(b",\"path\":");
        match self.path {
            Some(p) => json::str(out, &slash_str(p)),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"from\":");
        json::str(out, self.from);
        out.push(b'}');
    }
}

impl TaskWire<'_> {
    /// The same bytes as `serde_json::to_writer`, written by hand (the hot path of `list`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.write_with(
            out,
            |out| json::strs(out, self.section),
            |out| write_links(out, &self.links),
        );
    }

    /// `write_json` with the contents of the `section` and `links` arrays written by the
    /// closures.
    fn write_with(
        &self,
        out: &mut Vec<u8>,
        section: impl FnOnce(&mut Vec<u8>),
        links: impl FnOnce(&mut Vec<u8>),
    ) {
        out.extend_from_slice(b"{\"ref\":");
        json::str(out, self.reference);
        out.extend_from_slice(b",\"number\":");
        json::opt_str(out, self.number);
        out.extend_from_slice(b",\"title\":");
        json::str(out, self.title);
        out.extend_from_slice(b",\"done\":");
        json::bool(out, self.done);
        out.extend_from_slice(b",\"mark\":");
        match self.mark {
            ' ' => out.extend_from_slice(b"\" \""),
            'x' => out.extend_from_slice(b"\"x\""),
            m => json::str(out, m.encode_utf8(&mut [0; 4])),
        }
        out.extend_from_slice(b",\"state\":\"");
        out.extend_from_slice(self.state.as_bytes());
        out.extend_from_slice(b"\",\"claimed_by\":[");
        for (k, &n) in self.claimed_by.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            json::uint(out, n.into());
        }
        out.extend_from_slice(b"],\"kind\":");
        out.extend_from_slice(task_kind_json(self.kind));
        out.extend_from_slice(b",\"file\":");
        json::str(out, self.file);
        out.extend_from_slice(b",\"line\":");
        json::uint(out, self.line as u64);
        out.extend_from_slice(b",\"section\":[");
        section(out);
        out.extend_from_slice(b"],\"links\":[");
        links(out);
        out.extend_from_slice(b"],\"parent\":");
        json::opt_str(out, self.parent);
        out.push(b'}');
    }
}

/// `kind` as serde writes it.
fn link_kind_json(kind: LinkKind) -> &'static [u8] {
    match kind {
        LinkKind::Spec => b"\"spec\"",
        LinkKind::Research => b"\"research\"",
        LinkKind::Other => b"\"other\"",
    }
}

/// `kind` as serde writes it.
fn task_kind_json(kind: TaskKind) -> &'static [u8] {
    match kind {
        TaskKind::Research => b"\"research\"",
        TaskKind::Spec => b"\"spec\"",
        TaskKind::Implementation => b"\"implementation\"",
    }
}

/// The links, comma-separated (the inside of a JSON array).
fn write_links(out: &mut Vec<u8>, links: &[LinkWire]) {
    for (k, l) in links.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        l.write_json(out);
    }
}

/// The `data` of `list --json` for the tasks `tasks` (indices into `doc.tasks`): the same
/// bytes as serialising the `ListData`, written to `w` in chunks as the tasks are encoded.
pub fn write_list(
    w: &mut dyn std::io::Write,
    doc: &Document,
    file: &str,
    tasks: &[usize],
    check: &mut LinkChecker,
    elsewhere: &[HeldClaim],
) -> std::io::Result<()> {
    const CHUNK: usize = 1 << 16;
    let mut out = Vec::with_capacity(CHUNK + 4096);
    out.extend_from_slice(b"{\"file\":");
    json::str(&mut out, file);
    out.extend_from_slice(b",\"tasks\":[");
    // The section path and the inherited links depend only on the task's section, and
    // consecutive tasks mostly share one: keep their JSON for the last section seen.
    let mut section: Option<Option<usize>> = None;
    let mut path_json = Vec::new();
    let mut inherited_json = Vec::new();
    let mut links = Vec::new();
    for (k, &i) in tasks.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        let t = task_own(doc, file, i, check, links);
        let s = doc.tasks[i].section;
        if section != Some(s) {
            section = Some(s);
            path_json.clear();
            json::strs(&mut path_json, t.section);
            let inherited: Vec<LinkWire> = doc
                .inherited_links(i)
                .map(|l| link(l, "section", check))
                .collect();
            inherited_json.clear();
            write_links(&mut inherited_json, &inherited);
        }
        t.write_with(
            &mut out,
            |out| out.extend_from_slice(&path_json),
            |out| {
                write_links(out, &t.links);
                if !t.links.is_empty() && !inherited_json.is_empty() {
                    out.push(b',');
                }
                out.extend_from_slice(&inherited_json);
            },
        );
        links = t.links;
        if out.len() >= CHUNK {
            w.write_all(&out)?;
            out.clear();
        }
    }
    out.extend_from_slice(b"]");
    write_elsewhere(&mut out, elsewhere);
    out.push(b'}');
    w.write_all(&out)
}

/// `,"held_elsewhere":[...]` when tasks of this file are held in other checkouts (the
/// field is left out otherwise, as serde leaves it out of `ListData` and `TaskData`).
fn write_elsewhere(out: &mut Vec<u8>, elsewhere: &[HeldClaim]) {
    if !elsewhere.is_empty() {
        out.extend_from_slice(b",\"held_elsewhere\":");
        serde_json::to_writer(&mut *out, elsewhere).expect("claims serialise");
    }
}

/// Hand-written compact JSON, byte-identical to serde_json's (tests compare the two).
pub mod json {
    /// Whether `b` holds a byte serde_json escapes: `"`, `\\` or a control character.
    fn needs_escape(b: &[u8]) -> bool {
        // Sixteen bytes at a time with no early exit inside, so that it compiles to vector
        // code; the tail is padded with spaces.
        fn any16(c: &[u8; 16]) -> bool {
            c.iter()
                .fold(false, |a, &x| a | (x < 0x20) | (x == b'"') | (x == b'\\'))
        }
        let mut chunks = b.chunks_exact(16);
        for c in &mut chunks {
            if any16(c.try_into().expect("16 bytes")) {
                return true;
            }
        }
        let rest = chunks.remainder();
        let mut pad = [b' '; 16];
        pad[..rest.len()].copy_from_slice(rest);
        any16(&pad)
    }

    /// A JSON string.
    pub fn str(out: &mut Vec<u8>, s: &str) {
        if needs_escape(s.as_bytes()) {
            // Rare: leave the escaping rules to serde_json. Writing to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, s);
        } else {
            out.reserve(s.len() + 2);
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
    }

    /// The strings, comma-separated (the inside of a JSON array).
    pub fn strs<S: AsRef<str>>(out: &mut Vec<u8>, v: &[S]) {
        for (k, s) in v.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            str(out, s.as_ref());
        }
    }

    pub fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => str(out, s),
            None => out.extend_from_slice(b"null"),
        }
    }

    pub fn bool(out: &mut Vec<u8>, b: bool) {
        out.extend_from_slice(if b { b"true" } else { b"false" });
    }

    /// An unsigned integer in decimal.
    pub fn uint(out: &mut Vec<u8>, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&buf[at..]);
    }
}

#[derive(Serialize)]
pub struct ListData<'a> {
    pub file: &'a str,
    pub tasks: Vec<TaskWire<'a>>,
    /// Claims of the listed tasks made in other checkouts (the tags are in their files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_elsewhere: Vec<HeldClaim>,
}

#[derive(Serialize)]
pub struct TaskData<'a> {
    pub task: Option<TaskWire<'a>>,
    /// Claims of the task made in other checkouts (the tags are in their files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_elsewhere: Vec<HeldClaim>,
}

impl TaskData<'_> {
    /// The same bytes as `serde_json::to_writer`, written by hand.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"task\":");
        match &self.task {
            Some(t) => t.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
        write_elsewhere(out, &self.held_elsewhere);
        out.push(b'}');
    }
}

/// `show`: the task, what it waits for and what waits for it.
#[derive(Serialize)]
pub struct ShowData<'a> {
    pub task: Option<TaskWire<'a>>,
    pub waits_for: Vec<super::waits::WaitWire>,
    pub waited_by: Vec<super::waits::WaitWire>,
    /// Claims of the task made in other checkouts (the tags are in their files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_elsewhere: Vec<HeldClaim>,
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
    /// The checkout the claim was made in, when it is not this one (its tag is in that
    /// checkout's TASKS.md, not in this file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<crate::store::Checkout>,
    /// What the claimed task waits for that is not finished (it was claimed before, or
    /// `--force`d): absent when nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<super::waits::WaitWire>,
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
    /// Open tasks that wait for unfinished work, with what they wait for.
    pub blocked: Vec<super::waits::BlockedWire>,
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
    pub section: Option<&'a [Str]>,
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
    /// Whether a workspace is made (false: `--agent` in an existing one).
    pub workspace: bool,
    /// The harness of `--agent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<&'static str>,
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
    /// Open tasks that wait for unfinished work, with what they wait for.
    pub blocked: Vec<super::waits::BlockedWire>,
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
    /// `reopen`: the archived files the task links, which stay where they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stays_archived: Vec<String>,
}

/// `archive`.
#[derive(Serialize)]
pub struct ArchiveData {
    pub dry_run: bool,
    pub archived: Vec<ArchivedWire>,
    pub skipped: Vec<SkippedWire>,
    pub changes: crate::txn::Preview,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_str_matches_serde_json() {
        let mut cases: Vec<String> = (0u8..128).map(|b| format!("a{}b", b as char)).collect();
        cases.extend(
            [
                "",
                "plain",
                "ünïcödé ✅ — done",
                "a\"b\\c",
                "\u{7f}\u{80}\u{2028}",
                "sixteen bytes!!!",
                "a run of more than sixteen bytes, then a quote: \"",
                "0123456789abcdef\n",
            ]
            .map(String::from),
        );
        for s in &cases {
            let mut out = Vec::new();
            json::str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
        for n in [0, 7, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            json::uint(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    #[test]
    fn kinds_match_serde() {
        for k in [LinkKind::Spec, LinkKind::Research, LinkKind::Other] {
            assert_eq!(link_kind_json(k), serde_json::to_vec(&k).unwrap());
        }
        for k in [TaskKind::Research, TaskKind::Spec, TaskKind::Implementation] {
            assert_eq!(task_kind_json(k), serde_json::to_vec(&k).unwrap());
        }
    }

    #[test]
    fn hand_written_tasks_match_serde() {
        let text = "- [ ] 0.1 before any heading\n# Tasks \"quoted\" \\ back\n\n## Phase 4 [Instance 2]\n\
**Spec**: [116](docs/specs/116.md) and [r](docs/research/r1.md)\n\n\
### 4.3 Celery — ünïcode ✅ [Instance 3]\n**Spec**: [x](../../outside.md)\n\n\
- [ ] [Instance 2] 4.3.1 Create the \"retry\" queue \\\\ back\n\
- [x] 1.2 Delete unused facades (~25 lines)\n\
- [ ] [Instance 3] [Instance 5] **0.2** Test the watch flag\n\
- [ ] Write cache spec\n\x20 (spec: [101_CACHE.md](../specs/101_CACHE.md))\n\
\x20 - [ ] T001 child [abs](/etc/hosts) [url](https://x.y/\"q\") [sp](a%20b.md)\n\
- [~] 2.2 Odd mark\n\
- [ ] 2.5 ctrl\u{1}char and del\u{7f} end\n\
- [✓] 2.6 check mark\n\n## Other\n- [ ] plain task [Instance 7]\n";
        let doc = Document::parse_default(text, "docs/tasks/TASKS.md");
        assert_eq!(doc.tasks.len(), 10);
        let root = std::env::temp_dir();
        let mut check = LinkChecker::new(&root);
        let all: Vec<usize> = (0..doc.tasks.len()).collect();
        let tasks: Vec<TaskWire> = all
            .iter()
            .map(|&i| task(&doc, "docs/tasks/TASKS.md", i, &mut check))
            .collect();
        for (i, t) in tasks.iter().enumerate() {
            let mut out = Vec::new();
            t.write_json(&mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(t).unwrap(),
                "task {i}"
            );
        }
        let mut out = Vec::new();
        // With a claim held in another checkout, written by hand as serde writes it.
        let far = vec![HeldClaim {
            scope: "task",
            reference: "abcde".into(),
            label: "1.2 \"Quoted\"".into(),
            line: 3,
            since: None,
            age_secs: None,
            stale: false,
            elsewhere: Some(crate::store::Checkout {
                path: "/w/t".into(),
                branch: Some("b".into()),
                host: "h".into(),
            }),
            blocked_by: Vec::new(),
        }];
        write_list(
            &mut out,
            &doc,
            "docs/tasks/TASKS.md",
            &all,
            &mut check,
            &far,
        )
        .unwrap();
        let data = ListData {
            file: "docs/tasks/TASKS.md",
            tasks,
            held_elsewhere: far,
        };
        assert_eq!(out, serde_json::to_vec(&data).unwrap());
        // Subsets, out of order: sections come and go and come back.
        for subset in [vec![], vec![9, 0, 4, 1, 5, 3, 9, 0]] {
            let mut out = Vec::new();
            write_list(&mut out, &doc, "f", &subset, &mut check, &[]).unwrap();
            let data = ListData {
                file: "f",
                tasks: subset
                    .iter()
                    .map(|&i| task(&doc, "f", i, &mut check))
                    .collect(),
                held_elsewhere: Vec::new(),
            };
            assert_eq!(out, serde_json::to_vec(&data).unwrap());
        }
        // Large enough to be written in several chunks.
        let mut big = String::from("# Big\n");
        for k in 0..600 {
            if k % 7 == 0 {
                big.push_str(&format!("## Part {k}\n**Spec**: [s](docs/specs/{k}.md)\n"));
            }
            big.push_str(&format!("- [ ] {k}.1 Task \"{k}\" [l](x/{k}.md)\n"));
        }
        let big = Document::parse_default(&big, "TASKS.md");
        let all: Vec<usize> = (0..big.tasks.len()).collect();
        let mut out = Vec::new();
        write_list(&mut out, &big, "TASKS.md", &all, &mut check, &[]).unwrap();
        assert!(out.len() > 3 << 16);
        let data = ListData {
            file: "TASKS.md",
            tasks: all
                .iter()
                .map(|&i| task(&big, "TASKS.md", i, &mut check))
                .collect(),
            held_elsewhere: Vec::new(),
        };
        assert_eq!(out, serde_json::to_vec(&data).unwrap());
        for task in [None, Some(super::task(&doc, "f", 2, &mut check))] {
            let data = TaskData {
                task,
                held_elsewhere: Vec::new(),
            };
            let mut out = Vec::new();
            data.write_json(&mut out);
            assert_eq!(out, serde_json::to_vec(&data).unwrap());
        }
    }
}

#[derive(Serialize)]
pub struct LogData {
    /// Oldest first; each has an `event` field (`claimed`, `released`, `done`, ...).
    pub events: Vec<crate::store::Event>,
    /// `local` (the store's journal file) or `remote` (the remote's refs).
    pub source: &'static str,
    /// Journal lines or commits that could not be read.
    pub skipped: usize,
    /// With a remote: when its state was read.
    pub fetched_at: Option<String>,
}
