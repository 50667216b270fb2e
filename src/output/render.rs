//! Human output for every command, in one place.

use super::wire::{
    CheckData, ClaimData, DiagnosticWire, ListData, LogData, StatusData, TaskData, TaskWire,
};
use super::{Style, waits};
use crate::clock;
use crate::model::{Document, Str};
use crate::txn::Preview;
use std::fmt::Write;

/// One task as a line: ref, box, number, title, claimants. Written into `out` (no
/// allocation per task: `list` prints thousands).
fn push_task_line(out: &mut String, t: &TaskWire, s: &Style) {
    s.push_bold(out, format_args!("{:<7}", t.reference));
    out.push_str("  ");
    if t.done {
        s.push_green(out, format_args!("[{}]", t.mark));
    } else {
        let _ = write!(out, "[{}]", t.mark);
    }
    out.push(' ');
    if let Some(n) = t.number {
        out.push_str(n);
        out.push(' ');
    }
    if t.done {
        s.push_dim(out, format_args!("{}", t.title));
    } else {
        out.push_str(t.title);
    }
    if let Some((first, rest)) = t.claimed_by.split_first() {
        out.push_str("  ");
        s.push_cyan(out, format_args!("@{first}{}", Prefixed(",@", rest)));
    }
}

fn task_line(t: &TaskWire, s: &Style) -> String {
    let mut out = String::new();
    push_task_line(&mut out, t, s);
    out
}

/// Displays each item with the prefix before it.
struct Prefixed<'a, T>(&'static str, &'a [T]);

impl<T: std::fmt::Display> std::fmt::Display for Prefixed<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.1.iter().try_for_each(|x| write!(f, "{}{x}", self.0))
    }
}

pub fn list(d: &ListData, s: &Style) -> String {
    // About 70 bytes a task: one allocation for the whole listing.
    let mut out = String::with_capacity(d.tasks.len() * 80 + 64);
    let mut last: Option<&[Str]> = None;
    for t in &d.tasks {
        if last != Some(t.section) {
            if let Some((first, rest)) = t.section.split_first() {
                s.push_dim(&mut out, format_args!("§ {first}{}", Prefixed(" › ", rest)));
                out.push('\n');
            }
            last = Some(t.section);
        }
        out.push_str("  ");
        push_task_line(&mut out, t, s);
        out.push('\n');
    }
    if d.tasks.is_empty() {
        out.push_str("no tasks match\n");
    }
    elsewhere(&mut out, &d.held_elsewhere, s);
    out
}

/// Claims made in other checkouts, below a listing or a task.
fn elsewhere(out: &mut String, claims: &[super::wire::HeldClaim], s: &Style) {
    if claims.is_empty() {
        return;
    }
    let _ = writeln!(out, "held in other checkouts (not tagged in this file):");
    for c in claims {
        let age = match c.age_secs {
            Some(a) => format!("{} ago", clock::age(a)),
            None => "age unknown".into(),
        };
        let at = c
            .elsewhere
            .as_ref()
            .map(|k| k.describe())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {}  ({age})  {}",
            s.cyan(&c.reference),
            c.label,
            s.dim(&at)
        );
    }
}

fn task_detail(t: &TaskWire, s: &Style, doc: Option<&Document>) -> String {
    let mut out = String::new();
    let num = t.number.map(|n| format!("{n} ")).unwrap_or_default();
    let _ = writeln!(out, "{} {num}{}", s.bold(t.reference), s.bold(t.title));
    let state = if matches!(t.mark, ' ' | 'x') {
        t.state.replace('_', " ")
    } else {
        format!("{} (mark `{}`)", t.state.replace('_', " "), t.mark)
    };
    let _ = writeln!(out, "  state:    {state}");
    let _ = writeln!(
        out,
        "  kind:     {}",
        serde_json::to_value(t.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    );
    let claim = if t.claimed_by.is_empty() {
        "unclaimed".to_string()
    } else {
        t.claimed_by
            .iter()
            .map(|n| format!("Instance {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "  claim:    {claim}");
    let _ = writeln!(
        out,
        "  section:  {}",
        if t.section.is_empty() {
            "-".into()
        } else {
            t.section.join(" › ")
        }
    );
    let _ = writeln!(out, "  at:       {}:{}", t.file, t.line);
    if let Some(p) = t.parent {
        let _ = writeln!(out, "  parent:   {p}");
    }
    for l in &t.links {
        let kind = serde_json::to_value(l.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let exists = if l.exists {
            s.green("exists")
        } else {
            s.red("missing")
        };
        let from = if l.from == "section" {
            " (from section)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {kind:<9} {} → {} [{exists}]{from}",
            l.target,
            l.path
                .map_or("outside the workspace".into(), crate::text::slash_str)
        );
    }
    if let Some(doc) = doc {
        let line = doc.source_line(doc.lines.start_of(t.line).unwrap_or(0));
        let _ = writeln!(out, "  {}", s.dim(&format!("| {line}")));
    }
    out
}

pub fn show(d: &super::wire::ShowData, s: &Style, doc: &Document) -> String {
    let mut out = d
        .task
        .as_ref()
        .map(|t| task_detail(t, s, Some(doc)))
        .unwrap_or_default();
    for (head, list) in [("waits for", &d.waits_for), ("waited by", &d.waited_by)] {
        for w in list.iter() {
            let state = match (w.met, w.kind) {
                (_, "missing") => s.red("missing"),
                (true, _) => s.green("finished"),
                (false, _) => s.yellow("unfinished"),
            };
            let at = w.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            let state = if head == "waits for" {
                format!(" [{state}]")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {head}: {}{at}{state}", w.describe());
        }
    }
    elsewhere(&mut out, &d.held_elsewhere, s);
    out
}

/// The blocked tasks, grouped by what they wait for: a spec-kit phase can block dozens.
fn blocked(out: &mut String, list: &[waits::BlockedWire], s: &Style) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "blocked ({}):", list.len());
    let mut k = 0;
    let mut groups = 0;
    while k < list.len() {
        let n = list[k..]
            .iter()
            .take_while(|b| b.blocked_by == list[k].blocked_by)
            .count();
        groups += 1;
        if groups > 5 {
            let _ = writeln!(out, "  ... {} more: `baton list --blocked`", list.len() - k);
            break;
        }
        let first = &list[k];
        let who = if n == 1 {
            format!("{} {}", s.bold(&first.reference), first.label)
        } else {
            format!(
                "{} {} and {} more",
                s.bold(&first.reference),
                first.label,
                n - 1
            )
        };
        let mut on: Vec<String> = first
            .blocked_by
            .iter()
            .take(3)
            .map(waits::WaitWire::describe)
            .collect();
        if first.blocked_by.len() > 3 {
            on.push(format!("{} more", first.blocked_by.len() - 3));
        }
        let _ = writeln!(out, "  {who}");
        let _ = writeln!(
            out,
            "    {}",
            s.dim(&format!("waits for {}", on.join(", ")))
        );
        k += n;
    }
}

pub fn next(d: &TaskData, s: &Style) -> String {
    match &d.task {
        Some(t) => {
            let mut out = task_line(t, s);
            out.push('\n');
            let _ = writeln!(
                out,
                "  {}",
                s.dim(&format!("{}:{}  {}", t.file, t.line, t.section.join(" › ")))
            );
            let _ = writeln!(out, "claim it: baton claim {} --instance N", t.reference);
            out
        }
        None => "no ready task: every open task is claimed or blocked, or none is left (`baton list --blocked`)\n".into(),
    }
}

pub fn status(d: &StatusData, s: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {} open, {} done", s.bold(d.file), d.open, d.done);
    let _ = writeln!(out);
    if d.instances.is_empty() {
        let _ = writeln!(
            out,
            "no instances yet (no instance files, claims or coordination rows)"
        );
    }
    for i in &d.instances {
        let who = format!("Instance {}", i.instance);
        let session = i
            .last_session
            .as_ref()
            .map(|e| {
                let n = e
                    .session
                    .map(|n| format!("Session {n}, "))
                    .unwrap_or_default();
                format!("last: {n}{} {}", e.date, e.title)
            })
            .unwrap_or_else(|| {
                if i.file.is_some() {
                    "no session yet".into()
                } else {
                    "no instance file".into()
                }
            });
        let _ = writeln!(out, "{}  {}", s.bold(&who), s.dim(&session));
        held(&mut out, &i.claims, "  ", s);
    }
    if !d.sections.is_empty() {
        let _ = writeln!(out);
        let width = d
            .sections
            .iter()
            .map(|c| c.section.chars().count())
            .max()
            .unwrap_or(0)
            .min(48);
        for c in &d.sections {
            let name: String = c.section.chars().take(48).collect();
            let pad = width.saturating_sub(name.chars().count());
            let _ = writeln!(
                out,
                "  {name}{}  {:>4} open {:>4} done",
                " ".repeat(pad),
                c.open,
                c.done
            );
        }
    }
    let _ = writeln!(out);
    match &d.next {
        Some(t) => {
            let _ = writeln!(out, "next: {}", task_line(t, s));
        }
        None => {
            let _ = writeln!(out, "next: nothing ready");
        }
    }
    blocked(&mut out, &d.blocked, s);
    out
}

pub fn preview(p: &Preview, s: &Style) -> String {
    let mut out = String::new();
    for (from, to) in &p.moves {
        let _ = writeln!(out, "move   {from} → {to}");
    }
    for c in &p.creates {
        let _ = writeln!(out, "create {c}");
    }
    for h in &p.hunks {
        let _ = writeln!(out, "{}", s.dim(&format!("{}:{}", h.file, h.line)));
        for l in &h.before {
            let _ = writeln!(out, "{}", s.red(&format!("- {l}")));
        }
        for l in &h.after {
            let _ = writeln!(out, "{}", s.green(&format!("+ {l}")));
        }
    }
    out
}

pub fn claim(d: &ClaimData, s: &Style) -> String {
    let mut out = String::new();
    let what = match (&d.task, d.section) {
        (Some(t), _) => format!(
            "{} {}{}",
            t.reference,
            t.number.map(|n| format!("{n} ")).unwrap_or_default(),
            t.title
        ),
        (None, Some(p)) => format!("section `{}`", p.last().map(Str::as_str).unwrap_or("")),
        (None, None) => String::new(),
    };
    let verb = match (d.action, d.dry_run) {
        ("claimed", false) => format!("Instance {} claimed {what}", d.instance),
        ("claimed", true) => format!("would claim {what} for Instance {}", d.instance),
        ("released", false) => format!("released {what}"),
        ("released", true) => format!("would release {what}"),
        ("none", _) => "no ready task: every open task is claimed or none is left".into(),
        _ => format!("{what}: already as asked, nothing to change"),
    };
    let _ = writeln!(out, "{verb}");
    if !d.took_over.is_empty() {
        let v: Vec<String> = d
            .took_over
            .iter()
            .map(|n| format!("Instance {n}"))
            .collect();
        if d.action == "released" {
            // `release --force`: the claim was theirs, and nobody holds the task now.
            let v: Vec<String> = v.iter().map(|i| format!("{i}'s claim")).collect();
            let _ = writeln!(out, "  it was {}", v.join(", "));
        } else {
            let _ = writeln!(out, "  took over from {}", v.join(", "));
        }
    }
    if d.dry_run {
        out.push_str(&preview(&d.changes, s));
    }
    out
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// One diagnostic in the manner of rustc: header, location, source line with carets, help.
fn diagnostic(out: &mut String, d: &DiagnosticWire, s: &Style, verb: Option<&str>) {
    let head = format!("{}[{}]", verb.unwrap_or(d.severity), d.code);
    let head = match (verb, d.severity) {
        (Some(_), _) => s.green(&head),
        (None, "error") => s.red(&head),
        _ => s.yellow(&head),
    };
    let _ = writeln!(out, "{head}{} {}", s.bold(":"), s.bold(&d.message));
    let at = match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", d.file),
        (Some(l), None) => format!("{}:{l}", d.file),
        _ => d.file.clone(),
    };
    let _ = writeln!(out, " {} {at}", s.cyan("-->"));
    if verb.is_some() {
        return;
    }
    if let (Some(line), Some(src)) = (d.line, &d.source) {
        let num = line.to_string();
        let pad = " ".repeat(num.len());
        let col = d.column.unwrap_or(1).max(1);
        let end = d.end_column.unwrap_or(col + 1).max(col + 1);
        // Tabs are shown as four spaces, in the line and in the caret offset alike.
        let shown = src.replace('\t', "    ");
        let before: usize = src
            .chars()
            .take(col - 1)
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum();
        let width: usize = src
            .chars()
            .skip(col - 1)
            .take(end - col)
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum::<usize>()
            .max(1);
        let _ = writeln!(out, "{pad} {}", s.cyan("|"));
        let _ = writeln!(out, "{} {}", s.cyan(&format!("{num} |")), shown);
        let carets = "^".repeat(width);
        let carets = if d.severity == "error" {
            s.red(&carets)
        } else {
            s.yellow(&carets)
        };
        let _ = writeln!(out, "{pad} {} {}{carets}", s.cyan("|"), " ".repeat(before));
    }
    let pad = " ".repeat(d.line.map_or(1, |l| l.to_string().len()));
    if let Some(h) = &d.help {
        let _ = writeln!(out, "{pad} {} {h}", s.cyan("= help:"));
    }
    if d.fixable
        && let Some(f) = &d.fix
    {
        let _ = writeln!(out, "{pad} {} {f} (`baton check --fix`)", s.cyan("= fix:"));
    }
}

pub fn check(d: &CheckData, s: &Style) -> String {
    let mut out = String::new();
    if d.fix {
        let verb = if d.dry_run { "would fix" } else { "fixed" };
        for f in &d.fixed {
            diagnostic(&mut out, f, s, Some(verb));
        }
        if d.dry_run && !d.fixed.is_empty() {
            out.push_str(&preview(&d.changes, s));
        }
        if !d.fixed.is_empty() {
            out.push('\n');
        }
    }
    for diag in &d.diagnostics {
        diagnostic(&mut out, diag, s, None);
        out.push('\n');
    }
    let sum = &d.summary;
    let mut line = format!(
        "{}, {}",
        plural(sum.errors, "error"),
        plural(sum.warnings, "warning")
    );
    if sum.fixable > 0 && (!d.fix || d.dry_run) {
        let _ = write!(line, " ({} fixable with `baton check --fix`)", sum.fixable);
    }
    if d.fix {
        let _ = write!(
            line,
            "; {} {}",
            plural(d.fixed.len(), "problem"),
            if d.dry_run { "would be fixed" } else { "fixed" }
        );
    }
    let line = if sum.errors > 0 || (d.strict && sum.warnings > 0) {
        s.red(&line)
    } else if sum.warnings > 0 {
        s.yellow(&line)
    } else {
        s.green(&line)
    };
    let _ = writeln!(out, "{line}");
    out
}

// --- init, start, ess -------------------------------------------------------------------

pub fn init(d: &super::wire::InitData, _s: &Style) -> String {
    let mut out = String::new();
    let verb = if d.dry_run { "would create" } else { "created" };
    if d.workspace {
        let _ = writeln!(
            out,
            "{verb} a workspace for {} instance{}:",
            d.instances,
            if d.instances == 1 { "" } else { "s" }
        );
    } else if d.created.is_empty() && d.modified.is_empty() {
        let _ = writeln!(
            out,
            "nothing to change: {} is set up",
            d.agent.unwrap_or("the agent")
        );
    } else {
        let verb = if d.dry_run { "would set up" } else { "set up" };
        let _ = writeln!(out, "{verb} {}:", d.agent.unwrap_or("the agent"));
    }
    for c in &d.created {
        let _ = writeln!(out, "  + {c}");
    }
    for m in &d.modified {
        if m == ".gitignore" {
            let _ = writeln!(out, "  ~ {m} (added .baton/)");
        } else {
            let _ = writeln!(out, "  ~ {m} (baton's part only)");
        }
    }
    if !d.dry_run && d.workspace {
        let _ = writeln!(out, "next: baton start --instance 1");
    }
    out
}

fn entry_line(e: &super::wire::EntryWire) -> String {
    let n = e
        .session
        .map(|n| format!("Session {n}, "))
        .unwrap_or_default();
    format!(
        "{n}{} {}",
        e.date.as_deref().unwrap_or("????-??-??"),
        e.title
    )
}

fn held(out: &mut String, claims: &[super::wire::HeldClaim], indent: &str, s: &Style) {
    if claims.is_empty() {
        let _ = writeln!(out, "{indent}available");
    }
    for c in claims {
        let age = match c.age_secs {
            Some(a) => format!("{} ago", clock::age(a)),
            None => "age unknown".into(),
        };
        let stale = if c.stale {
            format!(" {}", s.yellow("STALE"))
        } else {
            String::new()
        };
        let scope = if c.scope == "section" { "section " } else { "" };
        let far = c
            .elsewhere
            .as_ref()
            .map(|k| {
                format!(
                    "  {}",
                    s.dim(&format!("in another checkout: {}", k.describe()))
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}{} {scope}{}  ({age}){stale}{far}",
            s.cyan(&c.reference),
            c.label
        );
        if !c.blocked_by.is_empty() {
            let on: Vec<String> = c.blocked_by.iter().map(waits::WaitWire::describe).collect();
            let _ = writeln!(
                out,
                "{indent}  {}",
                s.yellow(&format!("blocked: waits for {}", on.join(", ")))
            );
        }
    }
}

pub fn start(d: &super::wire::StartData, s: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        s.bold(&format!("Instance {}: session start", d.instance))
    );
    let _ = writeln!(out, "  your claims:");
    held(&mut out, &d.claims, "    ", s);
    match &d.last_session {
        Some(e) => {
            let _ = writeln!(out, "  your last session: {}", entry_line(e));
        }
        None => {
            let _ = writeln!(out, "  your last session: none");
        }
    }
    for o in &d.others {
        let _ = writeln!(out);
        let last = o
            .latest
            .as_ref()
            .map(entry_line)
            .unwrap_or_else(|| "no session yet".into());
        let _ = writeln!(
            out,
            "{}  {}",
            s.bold(&format!("Instance {}", o.instance)),
            s.dim(&format!("last: {last}"))
        );
        if let Some(e) = &o.latest {
            for t in &e.tasks {
                let _ = writeln!(out, "    {} — {}", t.task, t.status);
            }
            if let Some(sum) = &e.summary {
                let _ = writeln!(out, "    {}", s.dim(sum));
            }
        }
        let _ = writeln!(out, "  holds:");
        held(&mut out, &o.claims, "    ", s);
    }
    let _ = writeln!(out);
    if d.next.is_empty() {
        let _ = writeln!(out, "next: nothing ready");
    } else {
        let _ = writeln!(out, "next ready:");
        for t in &d.next {
            let _ = writeln!(out, "  {}", task_line(t, s));
        }
    }
    blocked(&mut out, &d.blocked, s);
    if !d.rules.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", s.yellow("rules you are breaking now:"));
        for r in &d.rules {
            let _ = writeln!(out, "  ! {}", r.message);
            let _ = writeln!(out, "    fix: {}", r.hint);
        }
    }
    let _ = writeln!(out);
    let head = d
        .snapshot
        .git_head
        .as_deref()
        .map(|h| format!(" at {}", &h[..h.len().min(10)]))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "snapshot: {}{head} ({} tasks)",
        d.snapshot.path, d.snapshot.tasks
    );
    if let Some(r) = &d.snapshot.replaced {
        let _ = writeln!(
            out,
            "  (replaced the snapshot of a session started {r} that never ran `ess`)"
        );
    }
    let _ = writeln!(
        out,
        "end the session with: baton ess --instance {} --title \"...\" --summary \"...\"",
        d.instance
    );
    out
}

pub fn ess(d: &super::wire::EssData, s: &Style) -> String {
    use crate::sessions::checks::CheckStatus;
    use crate::sessions::verify::Verdict;
    let mut out = String::new();
    let head = format!("Session {} ({}) - {}", d.session, d.date, d.title);
    if d.written {
        let _ = writeln!(out, "{} → {}", s.bold(&head), d.file);
    } else {
        let _ = writeln!(
            out,
            "{} → {} {}",
            s.bold(&head),
            d.file,
            s.dim("(dry run: nothing written)")
        );
    }
    if d.tasks.is_empty() {
        let _ = writeln!(out, "  tasks: none");
    }
    for t in &d.tasks {
        let status = if t.status == "complete" {
            s.green("✅ Complete ")
        } else {
            "In Progress".to_string()
        };
        let rel = if t.status == "in_progress" && !t.released {
            " (claim kept)"
        } else if t.released && t.status == "in_progress" {
            " (released)"
        } else {
            ""
        };
        let _ = writeln!(out, "  {status}  {} {}{rel}", s.cyan(&t.reference), t.label);
    }
    match &d.files {
        Some(f) => {
            let _ = writeln!(
                out,
                "  files: {} created, {} modified, {} deleted ({})",
                f.created.len(),
                f.modified.len(),
                f.deleted.len(),
                f.source
            );
        }
        None => {
            let _ = writeln!(out, "  files: not recorded (no git)");
        }
    }
    for c in &d.checks {
        let st = match c.status {
            CheckStatus::Passed => s.green("passed "),
            CheckStatus::Skipped => s.dim("skipped"),
            _ => s.red("FAILED "),
        };
        let code = c
            .exit_code
            .filter(|&x| x != 0)
            .map(|x| format!(" (exit {x})"))
            .unwrap_or_default();
        let to = if c.status == CheckStatus::TimedOut {
            " (timed out)"
        } else {
            ""
        };
        let _ = writeln!(out, "  check {st} {}{code}{to}", c.command);
        for l in &c.output_tail {
            let _ = writeln!(out, "    {}", s.dim(&format!("| {l}")));
        }
    }
    for r in &d.rotated {
        let _ = writeln!(out, "  archived Session {} → {}", r.session, r.file);
    }
    for n in &d.archive_notes {
        let _ = writeln!(out, "  archive: {n}");
    }
    let _ = writeln!(out, "  verification:");
    for a in &d.verification {
        let v = match a.verdict {
            Verdict::Pass => s.green("pass"),
            Verdict::Warn => s.yellow("warn"),
            Verdict::Fail => s.red("FAIL"),
        };
        let _ = writeln!(out, "    {v}  {}", a.question);
        for x in &a.details {
            let _ = writeln!(out, "          {x}");
        }
        if let Some(f) = &a.fix {
            let _ = writeln!(out, "          fix: {f}");
        }
    }
    for n in &d.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    if d.dry_run {
        out.push_str(&preview(&d.changes, s));
    }
    out
}

fn archived_lines(out: &mut String, a: &[super::wire::ArchivedWire], dry_run: bool, s: &Style) {
    let verb = if dry_run { "would archive" } else { "archived" };
    for x in a {
        let _ = writeln!(
            out,
            "  {verb} {} → {}  {}",
            x.from,
            x.to,
            s.dim(&format!("({})", x.reason))
        );
    }
}

pub fn new_doc(d: &super::wire::NewDocData, s: &Style) -> String {
    let mut out = String::new();
    let verb = if d.dry_run { "would create" } else { "created" };
    let _ = writeln!(out, "{verb} {}", s.bold(&d.path));
    if let Some(r) = &d.research {
        let _ = writeln!(out, "  linking the research {r}");
    }
    let sec = if d.section_created {
        format!("{} (new section)", d.section)
    } else {
        d.section.clone()
    };
    let _ = writeln!(
        out,
        "{} under {sec}:",
        if d.dry_run { "would add" } else { "added" }
    );
    for t in &d.tasks {
        let _ = writeln!(out, "  {}", task_line(t, s));
    }
    if d.dry_run {
        out.push_str(&preview(&d.changes, s));
    } else if let Some(t) = d.tasks.first() {
        let _ = writeln!(out, "next: baton claim {} --instance N", t.reference);
    }
    out
}

pub fn done(d: &super::wire::DoneData, s: &Style) -> String {
    let mut out = String::new();
    let what = d
        .task
        .as_ref()
        .map(|t| {
            format!(
                "{} {}{}",
                t.reference,
                t.number.map(|n| format!("{n} ")).unwrap_or_default(),
                t.title
            )
        })
        .unwrap_or_default();
    let line = match (d.action, d.dry_run) {
        ("done", false) => format!("done: {what}"),
        ("done", true) => format!("would tick {what}"),
        ("reopened", false) => format!("reopened {what}"),
        ("reopened", true) => format!("would reopen {what}"),
        _ => format!("{what}: already as asked, nothing to change"),
    };
    let _ = writeln!(out, "{line}");
    if !d.released.is_empty() {
        let v: Vec<String> = d.released.iter().map(|n| format!("Instance {n}")).collect();
        let _ = writeln!(out, "  dropped the claim of {}", v.join(", "));
    }
    archived_lines(&mut out, &d.archived, d.dry_run, s);
    if d.action == "reopened" {
        for f in &d.stays_archived {
            let _ = writeln!(
                out,
                "  {}",
                s.dim(&format!(
                    "{f} stays archived; new work gets a new spec (`baton spec new TITLE`)"
                ))
            );
        }
    }
    if d.dry_run {
        out.push_str(&preview(&d.changes, s));
    }
    out
}

pub fn archive(d: &super::wire::ArchiveData, s: &Style) -> String {
    let mut out = String::new();
    if d.archived.is_empty() {
        out.push_str("nothing to archive\n");
    } else {
        archived_lines(&mut out, &d.archived, d.dry_run, s);
    }
    if d.dry_run {
        out.push_str(&preview(&d.changes, s));
    }
    out
}

pub fn log(d: &LogData, s: &Style) -> String {
    let mut out = String::new();
    if d.events.is_empty() {
        let _ = writeln!(out, "no events");
    }
    for e in &d.events {
        let task = e
            .task
            .as_ref()
            .map(crate::store::TaskId::label)
            .or_else(|| e.detail.clone())
            .unwrap_or_default();
        let from = if e.from.is_empty() {
            String::new()
        } else {
            let who: Vec<String> = e.from.iter().map(|m| format!("Instance {m}")).collect();
            format!(" (from {})", who.join(", "))
        };
        let place = match &e.checkout.branch {
            Some(b) => format!("{} [{b}]", e.checkout.path),
            None => e.checkout.path.clone(),
        };
        let who = e
            .instance
            .map(|n| format!("Instance {n}"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{}  {who:<12} {:<9} {task}{from}  {}",
            e.at.format("%Y-%m-%d %H:%M"),
            e.event,
            s.dim(&place)
        );
    }
    out
}
