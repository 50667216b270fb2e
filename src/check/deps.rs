//! Rules about dependencies: missing_dependency, dependency_cycle.

use super::claims::task_name;
use super::{Checker, Diagnostic, Location};
use crate::model::Document;
use crate::model::deps::{Deps, Node, Wait};

pub fn check(c: &mut Checker) {
    let doc = &c.docs.tasks;
    if !c.on("missing_dependency") && !c.on("dependency_cycle") {
        return;
    }
    let deps = Deps::build(doc);
    let mut ds = Vec::new();
    if c.on("missing_dependency") {
        for d in deps.all() {
            let Wait::Missing(name) = &d.wait else {
                continue;
            };
            ds.push(
                Diagnostic::new(
                    "missing_dependency",
                    Location::span(doc, d.at..crate::text::line_end(&doc.text, d.at)),
                    format!(
                        "{} waits for `{name}`, which is no task number, ref or heading of {}",
                        node_name(doc, d.waiter),
                        crate::text::slash_path(&doc.rel_path)
                    ),
                )
                .help("name a task by its number or ref (`baton list`), or a heading by its title; it stays blocked until then"),
            );
        }
    }
    if c.on("dependency_cycle") {
        for cycle in deps.cycles(doc) {
            let first = cycle[0];
            let at = match first {
                Node::Task(t) => doc.tasks[t].mark_range.clone(),
                Node::Section(s) => doc.sections[s].range.clone(),
            };
            let names: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&first))
                .map(|&n| format!("{} (line {})", node_name(doc, n), node_line(doc, n)))
                .collect();
            let (message, help) = if cycle.len() == 1 {
                (
                    format!("{} waits for itself, so it cannot start", names[0]),
                    "remove its own name from its `(after: …)` group",
                )
            } else {
                (
                    format!(
                        "these wait for each other, so none can start: {}",
                        names.join(" → ")
                    ),
                    "remove one of the `(after: …)` links of the cycle",
                )
            };
            ds.push(
                Diagnostic::new("dependency_cycle", Location::span(doc, at), message).help(help),
            );
        }
    }
    ds.into_iter().for_each(|d| c.push(d));
}

fn node_name(doc: &Document, n: Node) -> String {
    match n {
        Node::Task(t) => task_name(doc, t),
        Node::Section(s) => format!("the heading `{}`", doc.sections[s].title),
    }
}

fn node_line(doc: &Document, n: Node) -> usize {
    match n {
        Node::Task(t) => doc.tasks[t].line,
        Node::Section(s) => doc.sections[s].line,
    }
}
