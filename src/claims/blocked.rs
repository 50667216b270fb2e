//! The rule that only work waiting for nothing unfinished is claimed: a task or heading
//! that waits is refused (exit 3), naming what it waits for (`next` never offers one).
//! `--force` claims it anyway.

use crate::error::refused;
use crate::model::Document;
use crate::model::deps::{self, Deps, Wait, WaitView};
use crate::model::refs::Target;

/// Refuse a claim of `target` by `instance` while it waits for unfinished work; a claim the
/// instance already holds, a finished task and `force` are let through.
pub fn refuse(doc: &Document, target: Target, instance: u32, force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    match target {
        Target::Task(i) if !doc.tasks[i].done && !doc.claimants(i).contains(&instance) => {
            task(doc, i)
        }
        Target::Section(s)
            if !doc.sections[s]
                .claims
                .iter()
                .any(|c| c.instance == instance) =>
        {
            section(doc, s)
        }
        _ => Ok(()),
    }
}

/// Refuse (exit 3) a claim of task `i` while it waits for unfinished work, naming it.
fn task(doc: &Document, i: usize) -> anyhow::Result<()> {
    let deps = Deps::build_for(doc, i);
    let blockers = deps.blockers(doc, i);
    let t = &doc.tasks[i];
    blocked(
        doc,
        &deps,
        format!("task {} `{}`", t.reference, doc.label(i)),
        &format!("baton show {}", t.reference),
        &blockers,
    )
}

/// Refuse (exit 3) a heading claim while the open tasks under it wait for unfinished work
/// outside it (waits between its own tasks are the order to do them in, not a block).
fn section(doc: &Document, s: usize) -> anyhow::Result<()> {
    let deps = Deps::build(doc);
    let inside: Vec<usize> = deps::tasks_in(doc, s).collect();
    let within = |w: &Wait| match w {
        Wait::Task(t) => inside.contains(t),
        Wait::Section(x) => deps::tasks_in(doc, *x).all(|t| inside.contains(&t)),
        Wait::Missing(_) => false,
    };
    let mut blockers: Vec<Wait> = Vec::new();
    for &i in inside.iter().filter(|&&i| !doc.tasks[i].done) {
        for w in deps.blockers(doc, i) {
            if !within(&w) && !blockers.contains(&w) {
                blockers.push(w);
            }
        }
    }
    let sec = &doc.sections[s];
    blocked(
        doc,
        &deps,
        format!("section `{}`", sec.title),
        &format!("baton list --blocked --section \"{}\"", sec.title),
        &blockers,
    )
}

/// The refusal of a claim on `what` (`see` shows what blocks it) that waits for `blockers`.
fn blocked(
    doc: &Document,
    deps: &Deps,
    what: String,
    see: &str,
    blockers: &[Wait],
) -> anyhow::Result<()> {
    if blockers.is_empty() {
        return Ok(());
    }
    let views: Vec<WaitView> = blockers
        .iter()
        .map(|w| WaitView::of(doc, deps, w))
        .collect();
    let names: Vec<String> = views.iter().take(5).map(WaitView::describe).collect();
    let more = views.len().saturating_sub(5);
    Err(refused(format!(
        "{what} is blocked: it waits for {}{}",
        names.join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    ))
    .hint(format!(
        "pick a ready task with `baton next`; see what blocks it with `{see}`; claim it anyway with `--force`"
    ))
    .detail(serde_json::json!({ "blocked_by": views }))
    .into())
}
