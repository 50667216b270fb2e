//! Rules about the spec and research folders: orphan_spec, orphan_research,
//! research_without_spec.

use super::fs::markdown_files;
use super::sessions::{entries_of, history_entries, latest_session};
use super::{Checker, Diagnostic, Location};
use crate::model::links::LinkKind;
use crate::text::slash_path;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub fn check(c: &mut Checker) {
    let docs = c.docs;
    let cfg = &c.ws.config;
    let linked: HashSet<&Path> = docs.tasks.links().filter_map(|l| l.local()).collect();
    let tasks_file = slash_path(&docs.tasks.rel_path);
    for (code, dir, what) in [
        ("orphan_spec", &cfg.specs_dir, "spec"),
        ("orphan_research", &cfg.research_dir, "research file"),
    ] {
        if !c.on(code) {
            continue;
        }
        for f in markdown_files(&c.ws.root, dir) {
            if linked.contains(f.as_path()) {
                continue;
            }
            let d = Diagnostic::new(
                code,
                Location::file(&f),
                format!(
                    "{what} {} is linked by no task in {tasks_file}",
                    slash_path(&f)
                ),
            )
            .help(if code == "orphan_spec" {
                "link it from the task that implements it, or archive it if it is done"
            } else {
                "link it from the task it informs, or archive it if it is finished"
            });
            c.push(d);
        }
    }
    if c.on("research_without_spec") {
        research_without_spec(c);
    }
}

fn research_without_spec(c: &mut Checker) {
    let docs = c.docs;
    let doc = &docs.tasks;
    let cfg = &c.ws.config;
    // Research linked by tasks, with whether every linking task is done.
    let mut linking: Vec<(PathBuf, bool, bool)> = Vec::new(); // (path, all done, has spec beside)
    let mut note =
        |p: &Path, done: bool, spec_beside: bool| match linking.iter_mut().find(|(q, ..)| q == p) {
            Some(e) => {
                e.1 &= done;
                e.2 |= spec_beside;
            }
            None => linking.push((p.to_path_buf(), done, spec_beside)),
        };
    for (i, t) in doc.tasks.iter().enumerate() {
        let links: Vec<_> = t.links.iter().chain(doc.inherited_links(i)).collect();
        let spec_beside = links.iter().any(|l| l.kind == LinkKind::Spec);
        for l in &links {
            if let Some(p) = l.local().filter(|p| super::under(p, &cfg.research_dir)) {
                note(p, t.done, spec_beside);
            }
        }
    }
    let candidates: Vec<PathBuf> = linking
        .into_iter()
        .filter(|(p, all_done, spec_beside)| *all_done && !*spec_beside && c.fs.exists(p))
        .map(|(p, ..)| p)
        .collect();
    if candidates.is_empty() {
        return;
    }
    // Session entries, live and archived, to date each research file by its first mention.
    let mut entries: Vec<(u32, String)> = Vec::new();
    for inst in &docs.instances {
        for e in entries_of(&inst.doc) {
            if let Some(n) = e.session {
                entries.push((n, inst.doc.text[e.body.clone()].to_string()));
            }
        }
    }
    for f in markdown_files(&c.ws.root, &cfg.archive.sessions) {
        if let Ok(text) = c.ws.read_text(&f) {
            for e in history_entries(&text) {
                if let Some(n) = e.session {
                    entries.push((n, text[e.body.clone()].to_string()));
                }
            }
        }
    }
    let Some(latest) = latest_session(docs).or_else(|| entries.iter().map(|e| e.0).max()) else {
        return;
    };
    let spec_texts: Vec<String> = [&cfg.specs_dir, &cfg.archive.specs]
        .iter()
        .flat_map(|d| markdown_files(&c.ws.root, d))
        .filter_map(|f| c.ws.read_text(&f).ok())
        .collect();
    for p in candidates {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if spec_texts.iter().any(|t| t.contains(&name)) {
            continue;
        }
        let Some(first) = entries
            .iter()
            .filter(|(_, body)| body.contains(&name))
            .map(|e| e.0)
            .min()
        else {
            continue;
        };
        if latest.saturating_sub(first) <= 2 {
            continue;
        }
        let d = Diagnostic::new(
            "research_without_spec",
            Location::file(&p),
            format!(
                "research {} is linked only by done tasks, dates from Session {first} ({} sessions ago), and no spec came from it",
                slash_path(&p),
                latest - first
            ),
        )
        .help(format!(
            "write a spec from it (and a task linking both), or archive it to {}/ with a note why no spec is needed",
            cfg.archive.research.trim_end_matches('/')
        ));
        c.push(d);
    }
}
