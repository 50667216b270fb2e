//! The workflow rules behind `baton check`: a registry of rules with stable codes and
//! default severities, the `Diagnostic` they produce, and the safe fixes they plan.
//!
//! `run_rules` is the entry point for every command that wants to know whether a
//! workspace follows the workflow (`check`, `ess`, `start`); `plan_fixes` turns the
//! fixable diagnostics into one `Changeset` for `txn::transact`.

mod claims;
mod deps;
mod docs;
mod fs;
mod links;
mod sessions;
mod structure;

use crate::edit::Edit;
use crate::model::{Document, ParseEnv};
pub use crate::rules::{RULES, Rule, Severity, find_rule};
use crate::store::ClaimStore;
use crate::text;
use crate::txn::Changeset;
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A byte span in a file, turned into what a reader needs: line, columns, the line itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based; None for a whole-file diagnostic.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    /// Exclusive end column of the span on its first line, in characters.
    pub end_column: Option<usize>,
    /// The source line, without its line break.
    pub source: Option<String>,
}

impl Location {
    /// The whole file, no line.
    pub fn file(rel: &Path) -> Location {
        Location {
            file: rel.to_path_buf(),
            line: None,
            column: None,
            end_column: None,
            source: None,
        }
    }

    /// `span` of `doc`'s text (clipped to its first line).
    pub fn span(doc: &Document, span: Range<usize>) -> Location {
        let t = &doc.text;
        let start = span.start.min(t.len());
        let line = doc.lines.line(start);
        let mut ls = text::line_start(t, start);
        if ls == 0 && t.starts_with(text::BOM) {
            ls = text::BOM.len().min(start);
        }
        let le = text::line_end(t, start);
        let column = t[ls..start].chars().count() + 1;
        let end = span.end.clamp(start, le.max(start));
        let width = t[start..end].chars().count().max(1);
        Location {
            file: doc.rel_path.clone(),
            line: Some(line),
            column: Some(column),
            end_column: Some(column + width),
            source: Some(t[ls..le.max(ls)].to_string()),
        }
    }
}

/// What an automatic fix does.
#[derive(Debug, Clone)]
pub enum FixAction {
    /// Byte splices in one file.
    Edits {
        file: PathBuf,
        edits: Vec<Edit>,
        /// Task indexes (in TASKS.md) whose line the edits change, for verification.
        tasks: Vec<usize>,
    },
    /// A baton command that makes the fix; `check --fix` does not run it.
    Command(String),
    /// The archive sweep of the lifecycle (`baton archive`): moves the file, rewrites links.
    Archive,
    /// Rotation of an instance file's oldest session entries into the sessions archive.
    Rotate(u32),
}

#[derive(Debug, Clone)]
pub struct Fix {
    /// What the fix does, in words (the JSON `fix` field).
    pub description: String,
    pub action: FixAction,
}

impl Fix {
    pub fn is_automatic(&self) -> bool {
        !matches!(self.action, FixAction::Command(_))
    }
}

/// One departure from the workflow.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(code: &'static str, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: find_rule(code).map_or(Severity::Error, |r| r.default),
            location,
            message: message.into(),
            help: None,
            fix: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// A fix that splices `edits` into `doc`.
    pub fn edits(
        self,
        doc: &Document,
        description: impl Into<String>,
        edits: Vec<Edit>,
        tasks: Vec<usize>,
    ) -> Self {
        self.fix(Fix {
            description: description.into(),
            action: FixAction::Edits {
                file: doc.rel_path.clone(),
                edits,
                tasks,
            },
        })
    }
}

/// An instance session file, parsed.
#[derive(Debug, Clone)]
pub struct InstanceDoc {
    pub instance: u32,
    pub doc: Document,
}

/// Everything the rules read: TASKS.md, the instance files, the claim ledger, the time.
#[derive(Debug, Clone)]
pub struct Docs {
    pub tasks: Document,
    pub instances: Vec<InstanceDoc>,
    pub ledger: ClaimStore,
    /// Now, in seconds since the epoch (for claim ages).
    pub now: i64,
}

impl Docs {
    /// Read and parse TASKS.md and every instance file.
    pub fn load(ws: &Workspace, now: i64) -> anyhow::Result<Docs> {
        let tasks = ws.load_tasks()?;
        let mut instances = Vec::new();
        for f in ws.instance_files()? {
            let text = ws.read_text(&f.rel)?;
            instances.push(InstanceDoc {
                instance: f.instance,
                doc: Document::parse(
                    text,
                    &ParseEnv {
                        config: &ws.config,
                        rel_path: f.rel,
                    },
                ),
            });
        }
        Ok(Docs {
            tasks,
            instances,
            ledger: ws.claims(),
            now,
        })
    }

    pub fn has_instance_file(&self, n: u32) -> bool {
        self.instances.iter().any(|i| i.instance == n)
    }

    /// The parsed file at `rel` (TASKS.md or an instance file).
    pub fn file(&self, rel: &Path) -> Option<&Document> {
        if self.tasks.rel_path == rel {
            return Some(&self.tasks);
        }
        self.instances
            .iter()
            .map(|i| &i.doc)
            .find(|d| d.rel_path == rel)
    }
}

/// Collects diagnostics, applying the configured severity (or dropping rules turned off).
pub struct Checker<'a> {
    pub ws: &'a Workspace,
    pub docs: &'a Docs,
    pub fs: fs::FsCache,
    out: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn severity(&self, code: &str) -> Severity {
        self.ws
            .config
            .rules
            .get(code)
            .copied()
            .or_else(|| find_rule(code).map(|r| r.default))
            .unwrap_or(Severity::Error)
    }

    /// Whether `code` is on: rules turned off are not even run.
    pub fn on(&self, code: &str) -> bool {
        self.severity(code) != Severity::Off
    }

    pub fn push(&mut self, mut d: Diagnostic) {
        let sev = self.severity(d.code);
        if sev == Severity::Off {
            return;
        }
        d.severity = sev;
        self.out.push(d);
    }
}

/// Run every enabled rule over the workspace; diagnostics come sorted by file and line.
pub fn run_rules(ws: &Workspace, docs: &Docs) -> Vec<Diagnostic> {
    let mut c = Checker {
        ws,
        docs,
        fs: fs::FsCache::new(&ws.root),
        out: Vec::new(),
    };
    claims::check(&mut c);
    links::check(&mut c);
    docs::check(&mut c);
    structure::check(&mut c);
    deps::check(&mut c);
    sessions::check(&mut c);
    if let Some(command) = crate::intent::pending(&ws.state_dir()) {
        let rel = Path::new(crate::workspace::STATE_DIR).join(crate::intent::FILE);
        c.out.push(
            Diagnostic::new(
                "interrupted_transaction",
                Location::file(&rel),
                format!("`{command}` was interrupted part way through its changes"),
            )
            .help("run `baton check --fix` (or any command that edits): it completes the change or undoes it, leaving every file as before or after it"),
        );
    }
    let order = |code: &str| {
        RULES
            .iter()
            .position(|r| r.code == code)
            .unwrap_or(usize::MAX)
    };
    let tasks_rel = docs.tasks.rel_path.clone();
    let mut out = c.out;
    out.sort_by(|a, b| {
        let fa = (a.location.file != tasks_rel, &a.location.file);
        let fb = (b.location.file != tasks_rel, &b.location.file);
        fa.cmp(&fb)
            .then(a.location.line.cmp(&b.location.line))
            .then(a.location.column.cmp(&b.location.column))
            .then(order(a.code).cmp(&order(b.code)))
    });
    out
}

/// Error and warning counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// Diagnostics `check --fix` can fix by itself.
    pub fixable: usize,
}

pub fn summarize(diags: &[Diagnostic]) -> Summary {
    let mut s = Summary::default();
    for d in diags {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Off => {}
        }
        if d.fix.as_ref().is_some_and(Fix::is_automatic) {
            s.fixable += 1;
        }
    }
    s
}

/// The changes that apply every automatic fix in `diags`, and the diagnostics they fix.
/// Fixes whose edits would overlap an earlier fix are left for the next run.
fn wanted(diags: &[Diagnostic], f: impl Fn(&FixAction) -> bool) -> Vec<Diagnostic> {
    diags
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|x| f(&x.action)))
        .cloned()
        .collect()
}

/// The archive sweep (for `done_links_active_spec`), planned as its own transaction after
/// the splices, on the state they left.
pub fn plan_archive_fix(
    ws: &Workspace,
    docs: &Docs,
    diags: &[Diagnostic],
) -> anyhow::Result<(Changeset, Vec<Diagnostic>)> {
    let archive = wanted(diags, |a| matches!(a, FixAction::Archive));
    if archive.is_empty() {
        return Ok((Changeset::default(), Vec::new()));
    }
    let (cs, plan) = crate::lifecycle::sweep(ws, &docs.tasks)?;
    if plan.archived.is_empty() {
        return Ok((Changeset::default(), Vec::new()));
    }
    Ok((cs, archive))
}

/// Session rotations (for `too_many_sessions`), a transaction of their own after the
/// archive sweep, so that each is planned on the instance file the sweep left.
pub fn plan_rotation_fix(
    ws: &Workspace,
    _docs: &Docs,
    diags: &[Diagnostic],
) -> anyhow::Result<(Changeset, Vec<Diagnostic>)> {
    let mut changes = Changeset::default();
    let mut fixed = Vec::new();
    let mut rotated = Vec::new();
    for d in wanted(diags, |a| matches!(a, FixAction::Rotate(_))) {
        let Some(Fix {
            action: FixAction::Rotate(n),
            ..
        }) = &d.fix
        else {
            continue;
        };
        if rotated.contains(n) {
            continue;
        }
        rotated.push(*n);
        let cs = crate::sessions::plan_rotation(ws, *n)?;
        if !cs.is_empty() {
            changes.steps.extend(cs.steps);
            fixed.push(d.clone());
        }
    }
    Ok((changes, fixed))
}

pub fn plan_fixes(
    ws: &Workspace,
    docs: &Docs,
    diags: &[Diagnostic],
) -> anyhow::Result<(Changeset, Vec<Diagnostic>)> {
    let mut per_file: BTreeMap<PathBuf, (Vec<Edit>, Vec<usize>)> = BTreeMap::new();
    let mut fixed = Vec::new();
    for d in diags {
        let Some(Fix {
            action: FixAction::Edits { file, edits, tasks },
            ..
        }) = &d.fix
        else {
            continue;
        };
        let entry = per_file.entry(file.clone()).or_default();
        let overlaps = edits.iter().any(|e| {
            entry.0.iter().any(|o| {
                e.range.start < o.range.end && o.range.start < e.range.end
                    || (e.range.start == o.range.start
                        && (e.range.is_empty() || o.range.is_empty()))
            })
        });
        if overlaps {
            continue;
        }
        entry.0.extend(edits.iter().cloned());
        entry.1.extend(tasks.iter().copied());
        fixed.push(d.clone());
    }
    let mut changes = Changeset::default();
    for (file, (edits, tasks)) in per_file {
        let Some(doc) = docs.file(&file) else {
            continue;
        };
        if file == docs.tasks.rel_path {
            let new = crate::edit::apply(&doc.text, &edits).map_err(|e| {
                anyhow::anyhow!(
                    "internal: planning fixes of {}: {e}",
                    text::slash_path(&file)
                )
            })?;
            let after = ws.parse_tasks(new);
            crate::model::edits::verify_only(doc, &after, &tasks, &[])?;
        }
        changes.edit(&file, &doc.text, edits)?;
    }
    Ok((changes, fixed))
}

/// Normalise text for loose comparison: lowercase words of letters and digits, one space apart.
pub(crate) fn words(s: &str) -> String {
    let plain = text::plain(s).to_lowercase();
    plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `rel` is `dir` or below it.
pub(crate) fn under(rel: &Path, dir: &str) -> bool {
    let d = Path::new(dir.trim_end_matches('/'));
    !d.as_os_str().is_empty() && rel.starts_with(d) && rel != d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_unique_snake_case() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                r.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                r.code
            );
            assert!(
                RULES[i + 1..].iter().all(|o| o.code != r.code),
                "{}",
                r.code
            );
            assert_ne!(r.default, Severity::Off);
        }
    }

    #[test]
    fn locations_count_characters_and_skip_the_bom() {
        let cfg = crate::config::Config::default();
        let doc = Document::parse(
            "\u{feff}- [x] [Instance 2] é\n".into(),
            &ParseEnv {
                config: &cfg,
                rel_path: "TASKS.md".into(),
            },
        );
        let r = doc.tasks[0].claims[0].range.clone();
        let l = Location::span(&doc, r);
        assert_eq!(
            (l.line, l.column, l.end_column),
            (Some(1), Some(7), Some(19))
        );
        assert_eq!(l.source.as_deref(), Some("- [x] [Instance 2] é"));
    }

    #[test]
    fn words_and_under() {
        assert_eq!(
            words("Phase 3.5: **Cross-Site** Duplicates"),
            "phase 3 5 cross site duplicates"
        );
        assert!(under(Path::new("docs/specs/a.md"), "docs/specs/"));
        assert!(!under(Path::new("docs/specs"), "docs/specs"));
        assert!(!under(Path::new("docs/specsx/a.md"), "docs/specs"));
    }
}
