//! Wire types for dependencies: what a task waits for, what waits for it, and the blocked
//! tasks `status` and `start` list apart from the ready ones.

use crate::model::Document;
use crate::model::deps::{Deps, Wait};
use serde::Serialize;

/// One thing a task waits for (the model's view of a wait).
pub use crate::model::deps::WaitView as WaitWire;

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
    WaitWire::of(doc, deps, w)
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
