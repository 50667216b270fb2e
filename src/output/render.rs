//! Human output for every command, in one place.

use super::Style;
use super::wire::{ClaimData, ListData, StatusData, TaskData, TaskWire};
use crate::clock;
use crate::model::Document;
use crate::txn::Preview;
use std::fmt::Write;

fn claim_tag(t: &TaskWire, s: &Style) -> String {
    if t.claimed_by.is_empty() {
        String::new()
    } else {
        let v: Vec<String> = t.claimed_by.iter().map(|n| format!("@{n}")).collect();
        format!("  {}", s.cyan(&v.join(",")))
    }
}

fn task_line(t: &TaskWire, s: &Style) -> String {
    let mark = if t.done { s.green(&format!("[{}]", t.mark)) } else { format!("[{}]", t.mark) };
    let num = t.number.map(|n| format!("{n} ")).unwrap_or_default();
    let title = if t.done { s.dim(t.title) } else { t.title.to_string() };
    format!("{}  {mark} {num}{title}{}", s.bold(&format!("{:<7}", t.reference)), claim_tag(t, s))
}

pub fn list(d: &ListData, s: &Style) -> String {
    let mut out = String::new();
    let mut last: Option<&[String]> = None;
    for t in &d.tasks {
        if last != Some(t.section) {
            if !t.section.is_empty() {
                let _ = writeln!(out, "{}", s.dim(&format!("§ {}", t.section.join(" › "))));
            }
            last = Some(t.section);
        }
        let _ = writeln!(out, "  {}", task_line(t, s));
    }
    if d.tasks.is_empty() {
        out.push_str("no tasks match\n");
    }
    out
}

fn task_detail(t: &TaskWire, s: &Style, doc: Option<&Document>) -> String {
    let mut out = String::new();
    let num = t.number.map(|n| format!("{n} ")).unwrap_or_default();
    let _ = writeln!(out, "{} {num}{}", s.bold(t.reference), s.bold(t.title));
    let state = if t.done { "done".to_string() } else if t.mark != " " { format!("open (mark `{}`)", t.mark) } else { "open".into() };
    let _ = writeln!(out, "  state:    {state}");
    let _ = writeln!(out, "  kind:     {}", serde_json::to_value(t.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default());
    let claim = if t.claimed_by.is_empty() {
        "unclaimed".to_string()
    } else {
        t.claimed_by.iter().map(|n| format!("Instance {n}")).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "  claim:    {claim}");
    let _ = writeln!(out, "  section:  {}", if t.section.is_empty() { "-".into() } else { t.section.join(" › ") });
    let _ = writeln!(out, "  at:       {}:{}", t.file, t.line);
    if let Some(p) = t.parent {
        let _ = writeln!(out, "  parent:   {p}");
    }
    for l in &t.links {
        let kind = serde_json::to_value(l.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let exists = if l.exists { s.green("exists") } else { s.red("missing") };
        let from = if l.from == "section" { " (from section)" } else { "" };
        let _ = writeln!(
            out,
            "  {kind:<9} {} → {} [{exists}]{from}",
            l.target,
            l.path.as_deref().unwrap_or("outside the workspace")
        );
    }
    if let Some(doc) = doc {
        let line = doc.source_line(doc.lines.start_of(t.line).unwrap_or(0));
        let _ = writeln!(out, "  {}", s.dim(&format!("| {line}")));
    }
    out
}

pub fn show(d: &TaskData, s: &Style, doc: &Document) -> String {
    d.task.as_ref().map(|t| task_detail(t, s, Some(doc))).unwrap_or_default()
}

pub fn next(d: &TaskData, s: &Style) -> String {
    match &d.task {
        Some(t) => {
            let mut out = task_line(t, s);
            out.push('\n');
            let _ = writeln!(out, "  {}", s.dim(&format!("{}:{}  {}", t.file, t.line, t.section.join(" › "))));
            let _ = writeln!(out, "claim it: baton claim {} --instance N", t.reference);
            out
        }
        None => "no ready task: every open task is claimed or none is left\n".into(),
    }
}

pub fn status(d: &StatusData, s: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {} open, {} done", s.bold(d.file), d.open, d.done);
    let _ = writeln!(out);
    if d.instances.is_empty() {
        let _ = writeln!(out, "no instances yet (no instance files, claims or coordination rows)");
    }
    for i in &d.instances {
        let who = format!("Instance {}", i.instance);
        let session = i
            .last_session
            .as_ref()
            .map(|e| {
                let n = e.session.map(|n| format!("Session {n}, ")).unwrap_or_default();
                format!("last: {n}{} {}", e.date, e.title)
            })
            .unwrap_or_else(|| if i.file.is_some() { "no session yet".into() } else { "no instance file".into() });
        let _ = writeln!(out, "{}  {}", s.bold(&who), s.dim(&session));
        if i.claims.is_empty() {
            let _ = writeln!(out, "  available");
        }
        for c in &i.claims {
            let age = match c.age_secs {
                Some(a) => format!("{} ago", clock::age(a)),
                None => "age unknown".into(),
            };
            let stale = if c.stale { format!(" {}", s.yellow("STALE")) } else { String::new() };
            let scope = if c.scope == "section" { "section " } else { "" };
            let _ = writeln!(out, "  {} {scope}{}  ({age}){stale}", s.cyan(&c.reference), c.label);
        }
    }
    if !d.sections.is_empty() {
        let _ = writeln!(out);
        let width = d.sections.iter().map(|c| c.section.chars().count()).max().unwrap_or(0).min(48);
        for c in &d.sections {
            let name: String = c.section.chars().take(48).collect();
            let pad = width.saturating_sub(name.chars().count());
            let _ = writeln!(out, "  {name}{}  {:>4} open {:>4} done", " ".repeat(pad), c.open, c.done);
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
        (Some(t), _) => format!("{} {}{}", t.reference, t.number.map(|n| format!("{n} ")).unwrap_or_default(), t.title),
        (None, Some(p)) => format!("section `{}`", p.last().map(String::as_str).unwrap_or("")),
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
        let v: Vec<String> = d.took_over.iter().map(|n| format!("Instance {n}")).collect();
        let _ = writeln!(out, "  took over from {}", v.join(", "));
    }
    if d.dry_run {
        out.push_str(&preview(&d.changes, s));
    }
    out
}

fn archived_lines(out: &mut String, a: &[super::wire::ArchivedWire], dry_run: bool, s: &Style) {
    let verb = if dry_run { "would archive" } else { "archived" };
    for x in a {
        let _ = writeln!(out, "  {verb} {} → {}  {}", x.from, x.to, s.dim(&format!("({})", x.reason)));
    }
}

pub fn new_doc(d: &super::wire::NewDocData, s: &Style) -> String {
    let mut out = String::new();
    let verb = if d.dry_run { "would create" } else { "created" };
    let _ = writeln!(out, "{verb} {}", s.bold(&d.path));
    if let Some(r) = &d.research {
        let _ = writeln!(out, "  linking the research {r}");
    }
    let sec = if d.section_created { format!("{} (new section)", d.section) } else { d.section.clone() };
    let _ = writeln!(out, "{} under {sec}:", if d.dry_run { "would add" } else { "added" });
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
        .map(|t| format!("{} {}{}", t.reference, t.number.map(|n| format!("{n} ")).unwrap_or_default(), t.title))
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
        let _ = writeln!(out, "  {}", s.dim("archived files stay archived; new work gets a new spec (`baton spec new`)"));
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
