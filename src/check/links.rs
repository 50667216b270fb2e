//! Link rules: broken_link, unsafe_link, done_links_active_spec, open_task_links_archive,
//! implementation_without_spec.

use super::claims::{short, task_name};
use super::fs::PathState;
use super::{Checker, Diagnostic, Fix, FixAction, Location, under};
use crate::edit::Edit;
use crate::model::Document;
use crate::model::links::{Link, LinkKind, Target};
use crate::text::slash_path;
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

pub fn check(c: &mut Checker) {
    let files: Vec<&Document> = std::iter::once(&c.docs.tasks)
        .chain(c.docs.instances.iter().map(|i| &i.doc))
        .collect();
    if c.on("broken_link") || c.on("unsafe_link") {
        for doc in files {
            for l in doc.all_links() {
                link_target(c, doc, l);
            }
        }
    }
    spec_lifecycle(c);
    implementation_without_spec(c);
}

/// `to` (relative to the root) as written from a file in `from_dir`.
pub(super) fn relative(from_dir: &Path, to: &Path) -> String {
    let a: Vec<Component> = from_dir.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn doc_dir(doc: &Document) -> PathBuf {
    doc.rel_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The archive counterpart of an active spec or research path, if it has one.
fn archived_counterpart(c: &Checker, p: &Path) -> Option<PathBuf> {
    let cfg = &c.ws.config;
    for (active, archive) in [
        (&cfg.specs_dir, &cfg.archive.specs),
        (&cfg.research_dir, &cfg.archive.research),
    ] {
        if under(p, active) {
            let rest = p.strip_prefix(active.trim_end_matches('/')).ok()?;
            return Some(Path::new(archive.trim_end_matches('/')).join(rest));
        }
    }
    None
}

fn link_target(c: &mut Checker, doc: &Document, l: &Link) {
    let loc = || Location::span(doc, l.range.clone());
    match &l.resolved {
        Target::External => {}
        Target::Outside => c.push(
            Diagnostic::new(
                "unsafe_link",
                loc(),
                format!("link `{}` leads outside the workspace", l.target),
            )
            .help("link only to files inside the workspace; baton never follows links out of it"),
        ),
        Target::Absolute => c.push(
            Diagnostic::new(
                "unsafe_link",
                loc(),
                format!("link `{}` is an absolute path", l.target),
            )
            .help("use a path relative to this file"),
        ),
        Target::Local(p) => match c.fs.state(p.as_path()) {
            PathState::Exists => {}
            PathState::Symlink(at) => c.push(
                Diagnostic::new(
                    "unsafe_link",
                    loc(),
                    format!(
                        "link `{}` goes through the symlink {}",
                        l.target,
                        slash_path(&at)
                    ),
                )
                .help("link to the real file instead of through the symlink"),
            ),
            PathState::Missing => {
                let mut d = Diagnostic::new(
                    "broken_link",
                    loc(),
                    format!(
                        "link `{}` points to {}, which does not exist",
                        l.target,
                        slash_path(p.as_path())
                    ),
                );
                let moved = archived_counterpart(c, p.as_path())
                    .filter(|a| c.fs.state(a) == PathState::Exists);
                match (moved, &l.dest_range) {
                    (Some(a), Some(dr)) => {
                        let written = &doc.text[dr.clone()];
                        let suffix = written.find(['#', '?']).map_or("", |i| &written[i..]);
                        let new = format!("{}{suffix}", relative(&doc_dir(doc), &a));
                        d = d
                            .help(format!("it was archived: link `{new}` instead"))
                            .edits(
                                doc,
                                format!("point the link to `{new}`"),
                                vec![Edit::replace(dr.clone(), new)],
                                vec![],
                            );
                    }
                    _ => {
                        d = d.help("fix the path, or remove the link if the file is gone for good")
                    }
                }
                c.push(d);
            }
        },
    }
}

/// Links of task `i`: its own, its parent tasks', and its sections'.
fn effective_links(doc: &Document, i: usize) -> impl Iterator<Item = &Link> {
    doc.tasks[i]
        .links
        .iter()
        .chain(doc.ancestors(i).flat_map(|a| doc.tasks[a].links.iter()))
        .chain(doc.inherited_links(i))
}

/// Task indexes inside section `s` (and its subsections).
fn tasks_in(doc: &Document, s: usize) -> impl Iterator<Item = usize> + '_ {
    let sec = &doc.sections[s];
    (0..doc.tasks.len()).filter(move |&i| {
        let t = &doc.tasks[i];
        t.item.start >= sec.range.start && t.item.start < sec.end
    })
}

fn spec_lifecycle(c: &mut Checker) {
    let doc = &c.docs.tasks;
    let cfg = &c.ws.config;
    let (specs, arch_specs, arch_research) =
        (&cfg.specs_dir, &cfg.archive.specs, &cfg.archive.research);

    if c.on("done_links_active_spec") {
        // A spec an open task still uses stays active (a cancelled one keeps nothing alive,
        // as in the archive rules).
        let in_use: HashSet<&Path> = (0..doc.tasks.len())
            .filter(|&i| !doc.tasks[i].state.finished())
            .flat_map(|i| effective_links(doc, i).filter_map(Link::local))
            .collect();
        let mut found: Vec<(&Link, String)> = Vec::new();
        for (i, t) in doc.tasks.iter().enumerate() {
            if t.done {
                found.extend(t.links.iter().map(|l| (l, task_name(doc, i))));
            }
        }
        for (si, s) in doc.sections.iter().enumerate() {
            if s.links.is_empty() {
                continue;
            }
            let mut any = false;
            if tasks_in(doc, si).all(|i| {
                any = true;
                doc.tasks[i].done
            }) && any
            {
                found.extend(
                    s.links
                        .iter()
                        .map(|l| (l, format!("the completed section `{}`", short(&s.title)))),
                );
            }
        }
        let mut ds = Vec::new();
        for (l, what) in found {
            let Some(p) = l.local() else { continue };
            if !under(p, specs) || in_use.contains(p) || c.fs.state(p) != PathState::Exists {
                continue;
            }
            let path = slash_path(p);
            let verb = if what.starts_with("task") {
                "is done but still links"
            } else {
                "still links"
            };
            let command = "baton archive".to_string();
            ds.push(
                Diagnostic::new(
                    "done_links_active_spec",
                    Location::span(doc, l.range.clone()),
                    format!("{what} {verb} the active spec {path}"),
                )
                .help(format!(
                    "archive the spec: `{command}` (or `baton check --fix`)"
                ))
                .fix(Fix {
                    description: format!("archive {path} and rewrite the links to it"),
                    action: FixAction::Archive,
                }),
            );
        }
        ds.into_iter().for_each(|d| c.push(d));
    }

    if c.on("open_task_links_archive") {
        let archived = |p: &Path| under(p, arch_specs) || under(p, arch_research);
        let mut ds = Vec::new();
        for (i, t) in doc.tasks.iter().enumerate() {
            if t.state.finished() {
                continue;
            }
            for l in &t.links {
                if let Some(p) = l.local().filter(|p| archived(p)) {
                    ds.push(archive_diag(doc, l, p, &task_name(doc, i)));
                }
            }
        }
        for (si, s) in doc.sections.iter().enumerate() {
            if !tasks_in(doc, si).any(|i| !doc.tasks[i].state.finished()) {
                continue;
            }
            for l in &s.links {
                if let Some(p) = l.local().filter(|p| archived(p)) {
                    ds.push(archive_diag(
                        doc,
                        l,
                        p,
                        &format!("section `{}` (with open tasks)", short(&s.title)),
                    ));
                }
            }
        }
        ds.into_iter().for_each(|d| c.push(d));
    }
}

fn archive_diag(doc: &Document, l: &Link, p: &Path, what: &str) -> Diagnostic {
    let kind = if l.kind == LinkKind::Research {
        "research"
    } else {
        "spec"
    };
    Diagnostic::new(
        "open_task_links_archive",
        Location::span(doc, l.range.clone()),
        format!("{what} links the archived {kind} {}", slash_path(p)),
    )
    .help("archived files are history: new work gets a new spec in the specs folder (do not edit the archived one)")
}

fn implementation_without_spec(c: &mut Checker) {
    if !c.on("implementation_without_spec") {
        return;
    }
    let doc = &c.docs.tasks;
    let cfg = &c.ws.config;
    // Only a workspace that works with specs is held to this rule.
    let uses_specs = doc.links().any(|l| l.kind == LinkKind::Spec)
        || c.fs.exists(Path::new(cfg.specs_dir.trim_end_matches('/')))
        || c.fs
            .exists(Path::new(cfg.archive.specs.trim_end_matches('/')));
    if !uses_specs {
        return;
    }
    let has_children: HashSet<usize> = doc.tasks.iter().filter_map(|t| t.parent).collect();
    let example = relative(
        &doc_dir(doc),
        &Path::new(cfg.specs_dir.trim_end_matches('/')).join("NNN_NAME.md"),
    );
    let mut ds = Vec::new();
    for (i, t) in doc.tasks.iter().enumerate() {
        if t.state.finished()
            || t.kind != crate::model::TaskKind::Implementation
            || has_children.contains(&i)
        {
            continue;
        }
        if effective_links(doc, i).any(|l| l.kind == LinkKind::Spec) {
            continue;
        }
        let start = t.mark_range.end;
        let end = crate::text::line_end(&doc.text, start);
        let s = start + (doc.text[start..end].len() - doc.text[start..end].trim_start().len());
        ds.push(
            Diagnostic::new(
                "implementation_without_spec",
                Location::span(doc, s..end),
                format!("{} is an implementation task with no spec", task_name(doc, i)),
            )
            .help(format!(
                "write a spec and link it on the task (`(spec: [NNN_NAME.md]({example}))`) or on its section (`**Spec**: ...`)"
            )),
        );
    }
    ds.into_iter().for_each(|d| c.push(d));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("docs/tasks"), Path::new("archive/specs/a.md")),
            "../../archive/specs/a.md"
        );
        assert_eq!(
            relative(Path::new(""), Path::new("archive/specs/a.md")),
            "archive/specs/a.md"
        );
        assert_eq!(
            relative(Path::new("docs/tasks"), Path::new("docs/specs/a.md")),
            "../specs/a.md"
        );
    }
}
