//! Claim rules: duplicate_claim, too_many_claims, done_but_claimed, unknown_instance,
//! stale_claim, coordination_drift, coordination_unknown_instance.

use super::{Checker, Diagnostic, Location, words};
use crate::edit::Edit;
use crate::model::Document;
use crate::model::coord::{self, CoordRow};
use crate::model::edits;
use crate::model::tasks::ClaimUnit;
use std::collections::BTreeSet;

pub fn check(c: &mut Checker) {
    duplicate_claim(c);
    too_many_claims(c);
    done_but_claimed(c);
    unknown_instance(c);
    stale_claim(c);
    store_disagrees(c);
    coordination(c);
}

/// `task 2.3 `Title``, shortened for messages.
pub(super) fn task_name(doc: &Document, i: usize) -> String {
    let t = &doc.tasks[i];
    let title = short(&t.title);
    match &t.number {
        Some(n) if title.is_empty() => format!("task {n}"),
        Some(n) => format!("task {n} `{title}`"),
        None => format!("task `{title}`"),
    }
}

pub(super) fn short(s: &str) -> String {
    if s.chars().count() > 60 {
        let mut t: String = s.chars().take(57).collect();
        t.push_str("...");
        t
    } else {
        s.to_string()
    }
}

fn instances(v: &[u32]) -> String {
    let names: Vec<String> = v.iter().map(|n| format!("Instance {n}")).collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        _ => format!(
            "{} and {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
    }
}

fn distinct(it: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut v: Vec<u32> = Vec::new();
    for n in it {
        if !v.contains(&n) {
            v.push(n);
        }
    }
    v
}

/// Whether section `s` (with its subsections) holds an open task.
fn has_open_task(doc: &Document, s: usize) -> bool {
    let sec = &doc.sections[s];
    doc.tasks
        .iter()
        .any(|t| !t.state.finished() && t.item.start >= sec.range.start && t.item.start < sec.end)
}

fn duplicate_claim(c: &mut Checker) {
    if !c.on("duplicate_claim") {
        return;
    }
    let doc = &c.docs.tasks;
    // Headings: two tags, or a tag under another instance's heading.
    for (si, s) in doc.sections.iter().enumerate() {
        if s.claims.is_empty() || !has_open_task(doc, si) {
            continue;
        }
        let mut all: Vec<u32> = s.claims.iter().map(|c| c.instance).collect();
        let mut p = s.parent;
        while let Some(pi) = p {
            all.extend(doc.sections[pi].claims.iter().map(|c| c.instance));
            p = doc.sections[pi].parent;
        }
        let all = distinct(all);
        if all.len() > 1 {
            let d = Diagnostic::new(
                "duplicate_claim",
                Location::span(doc, s.claims[0].range.start..s.claims[s.claims.len() - 1].range.end),
                format!("section `{}` is claimed by {}", short(&s.title), instances(&all)),
            )
            .help("one instance keeps it: the others release it with `baton release REF --instance N`");
            c.push(d);
        }
    }
    // Tasks with a tag of their own that conflicts with another tag, heading or parent task.
    for (i, t) in doc.tasks.iter().enumerate() {
        if t.done || t.claims.is_empty() {
            continue;
        }
        let mut all: Vec<u32> = t.claims.iter().map(|c| c.instance).collect();
        for a in doc.ancestors(i) {
            all.extend(doc.tasks[a].claims.iter().map(|c| c.instance));
        }
        all.extend(doc.heading_claims(i));
        let all = distinct(all);
        if all.len() > 1 {
            let how =
                if t.claims.len() > 1 && distinct(t.claims.iter().map(|c| c.instance)).len() > 1 {
                    String::new()
                } else {
                    " (through a heading or a parent task)".to_string()
                };
            let span = t.claims[0].range.start..t.claims[t.claims.len() - 1].range.end;
            let d = Diagnostic::new(
                "duplicate_claim",
                Location::span(doc, span),
                format!(
                    "{} is claimed by {}{how}",
                    task_name(doc, i),
                    instances(&all)
                ),
            )
            .help(format!(
                "one instance keeps it: the others release it with `baton release {} --instance N`",
                t.reference
            ));
            c.push(d);
        }
    }
}

/// The open claims instance `n` holds as units, in document order: heading tags, and task
/// tags not already covered by the same instance's heading.
fn held_units(doc: &Document, n: u32) -> Vec<ClaimUnit> {
    let mut v: Vec<(usize, ClaimUnit)> = doc
        .claim_units(n)
        .into_iter()
        .filter_map(|u| match u {
            ClaimUnit::Task(i) => {
                let t = &doc.tasks[i];
                let covered = t
                    .section
                    .is_some_and(|s| doc.enclosing_claimed_section(s, n).is_some());
                (!t.done && !covered).then_some((t.item.start, u))
            }
            ClaimUnit::Section(s) => Some((doc.sections[s].range.start, u)),
        })
        .collect();
    v.sort_by_key(|(o, _)| *o);
    v.into_iter().map(|(_, u)| u).collect()
}

fn unit_label(doc: &Document, u: ClaimUnit) -> String {
    match u {
        ClaimUnit::Task(i) => task_name(doc, i),
        ClaimUnit::Section(s) => format!("section `{}`", short(&doc.sections[s].title)),
    }
}

fn unit_ref(doc: &Document, u: ClaimUnit) -> &str {
    match u {
        ClaimUnit::Task(i) => &doc.tasks[i].reference,
        ClaimUnit::Section(s) => &doc.sections[s].reference,
    }
}

fn unit_tag(doc: &Document, u: ClaimUnit, n: u32) -> std::ops::Range<usize> {
    let claims = match u {
        ClaimUnit::Task(i) => &doc.tasks[i].claims,
        ClaimUnit::Section(s) => &doc.sections[s].claims,
    };
    claims
        .iter()
        .find(|c| c.instance == n)
        .map(|c| c.range.clone())
        .unwrap_or(0..0)
}

/// Every instance named by a tag in the document.
fn claiming_instances(doc: &Document) -> BTreeSet<u32> {
    let mut ids = BTreeSet::new();
    for t in &doc.tasks {
        ids.extend(t.claims.iter().map(|c| c.instance));
    }
    for s in &doc.sections {
        ids.extend(s.claims.iter().map(|c| c.instance));
    }
    ids
}

fn too_many_claims(c: &mut Checker) {
    if !c.on("too_many_claims") {
        return;
    }
    let doc = &c.docs.tasks;
    let max = c.ws.config.max_claims;
    for n in claiming_instances(doc) {
        let units = held_units(doc, n);
        if units.len() <= max {
            continue;
        }
        let names: Vec<String> = units.iter().map(|&u| unit_label(doc, u)).collect();
        let extra = units[max];
        let d = Diagnostic::new(
            "too_many_claims",
            Location::span(doc, unit_tag(doc, extra, n)),
            format!(
                "Instance {n} holds {} claims (max_claims is {max}): {}",
                units.len(),
                names.join(", ")
            ),
        )
        .help(format!(
            "finish or release the extra ones (`baton release {} --instance {n}`), or raise max_claims in .baton.yaml",
            unit_ref(doc, extra)
        ));
        c.push(d);
    }
}

fn done_but_claimed(c: &mut Checker) {
    if !c.on("done_but_claimed") {
        return;
    }
    let doc = &c.docs.tasks;
    for (i, t) in doc.tasks.iter().enumerate() {
        if !t.done || t.claims.is_empty() {
            continue;
        }
        let who = distinct(t.claims.iter().map(|c| c.instance));
        let tags: Vec<String> = t
            .claims
            .iter()
            .map(|c| doc.text[c.range.clone()].to_string())
            .collect();
        let edits: Vec<Edit> = t
            .claims
            .iter()
            .map(|c| edits::remove_tag(&doc.text, c.range.clone()))
            .collect();
        let span = t.claims[0].range.start..t.claims[t.claims.len() - 1].range.end;
        let d = Diagnostic::new(
            "done_but_claimed",
            Location::span(doc, span),
            format!(
                "{} is done but still claimed by {}",
                task_name(doc, i),
                instances(&who)
            ),
        )
        .help(format!("remove `{}` from the line", tags.join(" ")))
        .edits(doc, format!("remove `{}`", tags.join(" ")), edits, vec![i]);
        c.push(d);
    }
}

fn unknown_instance(c: &mut Checker) {
    // Only a workspace that keeps instance files says which instances exist.
    if !c.on("unknown_instance") || c.docs.instances.is_empty() {
        return;
    }
    let doc = &c.docs.tasks;
    let known: Vec<u32> = c.docs.instances.iter().map(|i| i.instance).collect();
    let known_text = instances(&known);
    let mut found = Vec::new();
    for s in &doc.sections {
        for cl in &s.claims {
            found.push((cl.clone(), format!("section `{}`", short(&s.title))));
        }
    }
    for (i, t) in doc.tasks.iter().enumerate() {
        for cl in &t.claims {
            found.push((cl.clone(), task_name(doc, i)));
        }
    }
    for (cl, what) in found {
        if c.docs.has_instance_file(cl.instance) {
            continue;
        }
        let file = crate::text::slash_path(&c.ws.instance_rel(cl.instance));
        let d = Diagnostic::new(
            "unknown_instance",
            Location::span(doc, cl.range.clone()),
            format!(
                "{what} is claimed by Instance {}, which has no instance file ({file})",
                cl.instance
            ),
        )
        .help(format!(
            "the instances with a file are {known_text}: fix the number, or create {file} for a new instance"
        ));
        c.push(d);
    }
}

fn stale_claim(c: &mut Checker) {
    if !c.on("stale_claim") {
        return;
    }
    let doc = &c.docs.tasks;
    let limit = c.ws.config.stale_after().as_secs() as i64;
    for n in claiming_instances(doc) {
        for u in held_units(doc, n) {
            let Some(since) = c.docs.ledger.since(n, unit_ref(doc, u)) else {
                continue;
            };
            let age = c.docs.now - since.timestamp();
            if age <= limit {
                continue;
            }
            let r = unit_ref(doc, u).to_string();
            let d = Diagnostic::new(
                "stale_claim",
                Location::span(doc, unit_tag(doc, u, n)),
                format!(
                    "Instance {n} has held {} for {} (since {}; stale_after is {})",
                    unit_label(doc, u),
                    crate::clock::age(age),
                    since.format("%Y-%m-%d %H:%M"),
                    c.ws.config.stale_after
                ),
            )
            .help(format!(
                "finish it, release it (`baton release {r} --instance {n}`), or let another instance take it with `baton claim {r} --steal`"
            ));
            c.push(d);
        }
    }
}

/// A tag in this file that the coordination store contradicts: the task is held in
/// another checkout, or this checkout's claim was released there (by `release --force`,
/// `--steal`, `--force` or `done` elsewhere). The store decides: the fix removes the tag.
fn store_disagrees(c: &mut Checker) {
    if !c.on("claim_disagrees_with_store") {
        return;
    }
    let doc = &c.docs.tasks;
    let ledger = &c.docs.ledger;
    // The journal's last event per task, for claims ended elsewhere: read only when a tag
    // has no entry in the store (the journal can be long).
    let last_cell: std::cell::OnceCell<std::collections::HashMap<String, crate::store::Event>> =
        std::cell::OnceCell::new();
    let last = || {
        last_cell.get_or_init(|| {
            let events = crate::store::journal::read(&c.ws.store_dir())
                .map(|(e, _)| e)
                .unwrap_or_default();
            events
                .into_iter()
                .filter_map(|e| Some((e.task.as_ref()?.key.clone(), e)))
                .collect()
        })
    };
    for (i, t) in doc.tasks.iter().enumerate() {
        if t.done || t.claims.is_empty() {
            continue;
        }
        let key = crate::store::key(t.number.as_deref(), &t.reference);
        let far = ledger.elsewhere(&key);
        for cl in &t.claims {
            let n = cl.instance;
            let why = if let Some(e) = far.first() {
                format!(
                    "the store says Instance {} holds it in another checkout, {}",
                    e.instance,
                    e.checkout().map(|k| k.describe()).unwrap_or_default()
                )
            } else if ledger.since(n, &t.reference).is_none()
                && let Some(e) = last().get(&key)
                && matches!(e.event.as_str(), "released" | "done" | "stolen" | "forced")
                && (e.from.contains(&n) || e.instance != Some(n))
                && ledger.here().is_some_and(|h| !h.same(Some(&e.checkout)))
            {
                format!(
                    "the store has no such claim: the journal's last word on it is `{}` by {} in {}",
                    e.event,
                    e.instance
                        .map(|m| format!("Instance {m}"))
                        .unwrap_or_else(|| "baton".into()),
                    e.checkout.describe()
                )
            } else {
                continue;
            };
            let tag = doc.text[cl.range.clone()].to_string();
            let d = Diagnostic::new(
                "claim_disagrees_with_store",
                Location::span(doc, cl.range.clone()),
                format!("{} carries `{tag}`, but {why}", task_name(doc, i)),
            )
            .help(format!(
                "the store decides: remove `{tag}` (`baton check --fix`), then `baton next` for other work"
            ))
            .edits(
                doc,
                format!("remove `{tag}`"),
                vec![edits::remove_tag(&doc.text, cl.range.clone())],
                vec![i],
            );
            c.push(d);
        }
    }
}

/// Whether a coordination cell names one of the held units (or a section around one).
fn cell_names_a_claim(doc: &Document, cell: &str, units: &[ClaimUnit]) -> bool {
    let cell_w = words(cell);
    if cell_w.is_empty() {
        return false;
    }
    let padded = format!(" {cell_w} ");
    let tokens: Vec<&str> = cell
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '*' | '`' | '(' | ')' | ',' | ';' | '[' | ']' | '|')
        })
        .map(|t| t.trim_matches(|c: char| matches!(c, '.' | ':' | '-')))
        .filter(|t| !t.is_empty())
        .collect();
    let matches_title = |title: &str| {
        let w = words(title);
        !w.is_empty() && (padded.contains(&format!(" {w} ")) || format!(" {w} ").contains(&padded))
    };
    units.iter().any(|&u| match u {
        ClaimUnit::Task(i) => {
            let t = &doc.tasks[i];
            if t.number.as_deref().is_some_and(|n| tokens.contains(&n)) || matches_title(&t.title) {
                return true;
            }
            let mut s = t.section;
            while let Some(si) = s {
                if matches_title(&doc.sections[si].title) {
                    return true;
                }
                s = doc.sections[si].parent;
            }
            false
        }
        ClaimUnit::Section(s) => matches_title(&doc.sections[s].title),
    })
}

fn coordination(c: &mut Checker) {
    let doc = &c.docs.tasks;
    let Some(table) = &doc.coordination else {
        return;
    };
    if c.on("coordination_unknown_instance") && !c.docs.instances.is_empty() {
        for row in &table.rows {
            if c.docs.has_instance_file(row.instance) {
                continue;
            }
            let file = crate::text::slash_path(&c.ws.instance_rel(row.instance));
            let start = doc.lines.start_of(row.line).unwrap_or(row.cell.start);
            let d = Diagnostic::new(
                "coordination_unknown_instance",
                Location::span(doc, start..row.cell.start),
                format!(
                    "the coordination table has a row for Instance {}, which has no instance file ({file})",
                    row.instance
                ),
            )
            .help(format!("fix the instance number, remove the row, or create {file}"));
            c.push(d);
        }
    }
    if !c.on("coordination_drift") {
        return;
    }
    for row in &table.rows {
        if let Some(d) = drift(doc, row) {
            c.push(d);
        }
    }
    // Instances holding claims without a row.
    if table.rows.is_empty() {
        return;
    }
    for n in claiming_instances(doc) {
        let units = held_units(doc, n);
        if units.is_empty() || table.row(n).is_some() {
            continue;
        }
        let d = Diagnostic::new(
            "coordination_drift",
            Location::span(doc, unit_tag(doc, units[0], n)),
            format!(
                "Instance {n} holds {} but has no row in the coordination table",
                unit_label(doc, units[0])
            ),
        )
        .help(format!(
            "add `| {n} | {} |` to the coordination table (line {})",
            edits::coordination_value(doc, n),
            table.line
        ));
        c.push(d);
    }
}

fn drift(doc: &Document, row: &CoordRow) -> Option<Diagnostic> {
    let n = row.instance;
    let units = held_units(doc, n);
    let cell = &doc.text[row.cell.clone()];
    let available = coord::is_available(cell);
    let message = if units.is_empty() {
        if available {
            return None;
        }
        format!(
            "the coordination table says Instance {n} is on `{}`, but Instance {n} holds no claim",
            short(cell)
        )
    } else if available {
        format!(
            "the coordination table says Instance {n} is available, but it holds {}",
            unit_label(doc, units[0])
        )
    } else if cell_names_a_claim(doc, cell, &units) {
        return None;
    } else {
        format!(
            "the coordination table says Instance {n} is on `{}`, but it holds {}",
            short(cell),
            unit_label(doc, units[0])
        )
    };
    let want = edits::coordination_value(doc, n);
    let span = if row.cell.is_empty() {
        let s = doc.lines.start_of(row.line).unwrap_or(row.cell.start);
        s..crate::text::line_end(&doc.text, s)
    } else {
        row.cell.clone()
    };
    Some(
        Diagnostic::new("coordination_drift", Location::span(doc, span), message)
            .help(format!("set the cell to `{want}`"))
            .edits(
                doc,
                format!("set Instance {n}'s cell to `{want}`"),
                vec![Edit::replace(row.cell.clone(), want)],
                vec![],
            ),
    )
}
