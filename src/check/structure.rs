//! Rules about the shape of TASKS.md: duplicate_number, unknown_mark, checkbox_in_code,
//! merge_conflict.

use super::claims::task_name;
use super::{Checker, Diagnostic, Location};
use std::collections::HashMap;

pub fn check(c: &mut Checker) {
    let doc = &c.docs.tasks;
    if c.on("merge_conflict") {
        let lines = doc.conflict_lines();
        if let Some(at) = lines.first().and_then(|&l| doc.lines.start_of(l)) {
            let end = crate::text::line_end(&doc.text, at);
            c.push(
                Diagnostic::new(
                    "merge_conflict",
                    Location::span(doc, at..end),
                    format!(
                        "merge-conflict markers on lines {}",
                        crate::text::line_list(&lines)
                    ),
                )
                .help("resolve the merge: keep the lines you want and delete the markers; baton edits nothing in this file until then"),
            );
        }
    }
    if c.on("duplicate_number") {
        // Siblings only: the same section and the same parent task.
        let mut seen: HashMap<(Option<usize>, Option<usize>, &str), usize> = HashMap::new();
        let mut ds = Vec::new();
        for (i, t) in doc.tasks.iter().enumerate() {
            let Some(n) = t.number.as_deref() else {
                continue;
            };
            match seen.get(&(t.section, t.parent, n)) {
                Some(&first) => {
                    let ls = doc.lines.start_of(t.line).unwrap_or(t.item.start);
                    let le = crate::text::line_end(&doc.text, ls);
                    let line = &doc.text[ls..le];
                    let span = match line.find(n) {
                        Some(k) if ls + k >= t.mark_range.end => ls + k..ls + k + n.len(),
                        _ => t.item.start..t.mark_range.end,
                    };
                    ds.push(
                        Diagnostic::new(
                            "duplicate_number",
                            Location::span(doc, span),
                            format!(
                                "{} has the same number as {} on line {}",
                                task_name(doc, i),
                                task_name(doc, first),
                                doc.tasks[first].line
                            ),
                        )
                        .help("renumber one of them so that the number names one task"),
                    );
                }
                None => {
                    seen.insert((t.section, t.parent, n), i);
                }
            }
        }
        ds.into_iter().for_each(|d| c.push(d));
    }
    if c.on("unknown_mark") {
        let ds: Vec<Diagnostic> = doc
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.state == crate::marks::MarkState::Unknown)
            .map(|(i, t)| {
                Diagnostic::new(
                    "unknown_mark",
                    Location::span(doc, t.mark_range.clone()),
                    format!(
                        "{} has the mark `[{}]`, which the mark table does not name",
                        task_name(doc, i),
                        t.mark
                    ),
                )
                .help(format!(
                    "use `[ ]` for an open task and `[x]` for a done one, or give `{}` a state in .baton.yaml (`marks: {{\"{}\": open}}`); until then `next` never offers it",
                    t.mark, t.mark
                ))
            })
            .collect();
        ds.into_iter().for_each(|d| c.push(d));
    }
    if c.on("checkbox_in_code") {
        let ds: Vec<Diagnostic> = doc
            .code_checkboxes
            .iter()
            .map(|cb| {
                let le = crate::text::line_end(&doc.text, cb.offset);
                let line = &doc.text[cb.offset..le];
                let s = cb.offset + (line.len() - line.trim_start().len());
                Diagnostic::new(
                    "checkbox_in_code",
                    Location::span(doc, s..le),
                    "this checkbox is inside fenced code, so it is not a task",
                )
                .help("move it out of the code block if it is meant as a task")
            })
            .collect();
        ds.into_iter().for_each(|d| c.push(d));
    }
}
