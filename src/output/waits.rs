//! Wire types for dependencies: what a task waits for, what waits for it, and the blocked
//! tasks `status` and `start` list apart from the ready ones.

use crate::model::Document;
use crate::model::deps::{Deps, Wait};
use serde::Serialize;

/// One thing a task waits for.
#[derive(Serialize, Clone, PartialEq, Eq)]
pub struct WaitWire {
    /// `task`, `section` or `missing`.
    pub kind: &'static str,
    /// The task's or heading's ref; null for a missing name.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// `number title` of a task, the title of a heading, the name as written when missing.
    pub label: String,
    pub line: Option<usize>,
    /// Finished: the task done or cancelled, every task of the section finished.
    pub met: bool,
}

/// An open task that would be ready but for what it waits for.
#[derive(Serialize)]
pub struct BlockedWire {
    #[serde(rename = "ref")]
    pub reference: String,
    pub label: String,
    pub line: usize,
    pub blocked_by: Vec<WaitWire>,
}

pub fn wait(doc: &Document, deps: &Deps, w: &Wait) -> WaitWire {
    let met = deps.met(doc, w);
    match w {
        Wait::Task(t) => WaitWire {
            kind: "task",
            reference: Some(doc.tasks[*t].reference.to_string()),
            label: doc.label(*t),
            line: Some(doc.tasks[*t].line),
            met,
        },
        Wait::Section(s) => WaitWire {
            kind: "section",
            reference: Some(doc.sections[*s].reference.to_string()),
            label: doc.sections[*s].title.to_string(),
            line: Some(doc.sections[*s].line),
            met,
        },
        Wait::Missing(n) => WaitWire {
            kind: "missing",
            reference: None,
            label: n.clone(),
            line: None,
            met,
        },
    }
}

/// What task `i` waits for, and the tasks that wait for it.
pub fn of_task(doc: &Document, deps: &Deps, i: usize) -> (Vec<WaitWire>, Vec<WaitWire>) {
    let waits = deps.waits_for(doc, i);
    let waits_for = waits.iter().map(|w| wait(doc, deps, w)).collect();
    let waited_by = deps
        .waited_by(doc, i)
        .into_iter()
        .map(|t| wait(doc, deps, &Wait::Task(t)))
        .collect();
    (waits_for, waited_by)
}

/// The tasks that would be ready for `instance` but wait for something unfinished.
pub fn blocked(doc: &Document, deps: &Deps, instance: Option<u32>) -> Vec<BlockedWire> {
    (0..doc.tasks.len())
        // `is_blocked` first: without dependencies it answers at once, for every task.
        .filter(|&i| deps.is_blocked(doc, i) && doc.is_ready(i, instance))
        .map(|i| BlockedWire {
            reference: doc.tasks[i].reference.to_string(),
            label: doc.label(i),
            line: doc.tasks[i].line,
            blocked_by: deps
                .blockers(doc, i)
                .iter()
                .map(|w| wait(doc, deps, w))
                .collect(),
        })
        .collect()
}

/// A wait as the human output names it.
pub fn describe(w: &WaitWire) -> String {
    match &w.reference {
        Some(r) => format!("{r} `{}`", w.label),
        None => format!("`{}` (no such task or heading)", w.label),
    }
}
