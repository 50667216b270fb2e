//! The six end-of-session questions, answered from the files and git: each passes, fails
//! or warns, with what to run to fix it.

use super::git::FileChanges;
use crate::model::Document;
use crate::model::links::LinkKind;
use crate::model::tasks::ClaimUnit;
use crate::workspace::Workspace;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub id: &'static str,
    pub question: &'static str,
    pub verdict: Verdict,
    pub details: Vec<String>,
    /// What to run or do to fix it (null on a pass).
    pub fix: Option<String>,
}

/// What the questions are asked about.
pub struct Input<'a> {
    pub ws: &'a Workspace,
    /// TASKS.md as it will be after `ess`.
    pub doc: &'a Document,
    /// Tasks the session touched (indexes into `doc`).
    pub touched: &'a [usize],
    /// Labels listed in the new entry's task table.
    pub noted: &'a [String],
    pub files: Option<&'a FileChanges>,
    /// The new session's number.
    pub session: u32,
    pub instance: u32,
    /// Every session entry's number and text, across instance files and the archive.
    pub history: &'a [(u32, String)],
    /// Files the same `ess` moves to the archive (`/`-separated, relative to the root).
    pub moved_away: &'a [String],
    /// Where the same changeset moves them (links already point there).
    pub moved_to: &'a [String],
}

fn md_files(root: &Path, dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join(dir))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".md"))
                .map(|n| format!("{}/{n}", dir.trim_end_matches('/')))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn answer(
    id: &'static str,
    question: &'static str,
    verdict: Verdict,
    details: Vec<String>,
    fix: String,
) -> Answer {
    let fix = (verdict != Verdict::Pass).then_some(fix);
    Answer {
        id,
        question,
        verdict,
        details,
        fix,
    }
}

pub fn verify(i: &Input) -> Vec<Answer> {
    let cfg = &i.ws.config;
    let doc = i.doc;
    let root = &i.ws.root;
    let n = i.instance;
    let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let linked: Vec<String> = doc
        .links()
        .filter_map(|l| l.local().map(crate::text::slash_path))
        .collect();
    let mut out = Vec::new();

    // 1. Every task touched links its spec, and its links lead somewhere.
    let mut d = Vec::new();
    for &t in i.touched {
        let task = &doc.tasks[t];
        let mut has_spec = false;
        for l in task.links.iter().chain(doc.inherited_links(t)) {
            if l.kind == LinkKind::Spec {
                has_spec = true;
            }
            if l.kind != LinkKind::Other
                && let Some(p) = l.local()
                && !root.join(p).exists()
                && !i.moved_to.contains(&crate::text::slash_path(p))
            {
                d.push(format!(
                    "{} `{}` links {}, which does not exist",
                    task.reference,
                    doc.label(t),
                    crate::text::slash_path(p)
                ));
            }
        }
        if !task.state.finished()
            && !has_spec
            && task.kind == crate::model::TaskKind::Implementation
        {
            d.push(format!(
                "{} `{}` is an implementation task without a spec link",
                task.reference,
                doc.label(t)
            ));
        }
    }
    out.push(answer(
        "task_spec_links",
        "Does every task I touched have a spec?",
        if d.is_empty() { Verdict::Pass } else { Verdict::Fail },
        d,
        format!("see the task with `baton show REF`, then link its spec on the task line (`(spec: [NNN_NAME.md](../specs/NNN_NAME.md))`) or create it under {}/", cfg.specs_dir),
    ));

    // 2. Specs without a task (the ones created this session when git says which).
    let mut specs = md_files(root, &cfg.specs_dir);
    specs.retain(|s| !i.moved_away.contains(s));
    let created: Option<Vec<&String>> = i.files.map(|f| f.created.iter().collect());
    let d: Vec<String> = specs
        .iter()
        .filter(|s| created.as_ref().is_none_or(|c| c.contains(s)))
        .filter(|s| !linked.contains(s))
        .map(|s| {
            format!(
                "{s} is linked by no task in {}",
                crate::text::slash_path(&doc.rel_path)
            )
        })
        .collect();
    out.push(answer(
        "specs_without_task",
        "Did I create a spec without a task?",
        if d.is_empty() { Verdict::Pass } else { Verdict::Fail },
        d,
        "add a task that links it to TASKS.md, e.g. `- [ ] Implement NAME (spec: [..](..))`, or archive it if it is done (`baton archive`)".into(),
    ));

    // 3. Research older than two sessions that has no spec and no `needs spec` note.
    let spec_texts: Vec<String> = specs
        .iter()
        .chain(md_files(root, &cfg.archive.specs).iter())
        .filter_map(|s| std::fs::read(root.join(s)).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    let mut d = Vec::new();
    for r in md_files(root, &cfg.research_dir)
        .into_iter()
        .filter(|r| !i.moved_away.contains(r))
    {
        let name = file_name(&r);
        let first = i
            .history
            .iter()
            .filter(|(_, t)| t.contains(&name))
            .map(|(s, _)| *s)
            .min();
        let Some(first) = first else { continue };
        if i.session.saturating_sub(first) <= 2 {
            continue;
        }
        let text = std::fs::read(root.join(&r))
            .map(|b| String::from_utf8_lossy(&b).to_lowercase())
            .unwrap_or_default();
        if text.contains("needs spec") || spec_texts.iter().any(|s| s.contains(&name)) {
            continue;
        }
        d.push(format!(
            "{r} dates from Session {first} and no spec refers to it"
        ));
    }
    out.push(answer(
        "stale_research",
        "Is any research older than two sessions?",
        if d.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        d,
        format!(
            "write its spec under {}/ and move the research to {}/, or write `needs spec` in it",
            cfg.specs_dir, cfg.archive.research
        ),
    ));

    // 4. Completed tasks that still link an active spec.
    let specs_prefix = format!("{}/", cfg.specs_dir.trim_end_matches('/'));
    let specs_prefix = specs_prefix.as_str();
    let d: Vec<String> = i
        .touched
        .iter()
        .filter(|&&t| doc.tasks[t].done)
        .flat_map(|&t| {
            doc.tasks[t].links.iter().filter_map(move |l| {
                let p = crate::text::slash_path(l.local()?);
                (p.starts_with(specs_prefix) && root.join(&p).exists()).then(|| {
                    format!(
                        "{} `{}` is done but still links {p}",
                        doc.tasks[t].reference,
                        doc.label(t)
                    )
                })
            })
        })
        .collect();
    out.push(answer(
        "done_tasks_link_active_specs",
        "Did I complete a task that still links a spec?",
        if d.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        d,
        format!(
            "move the spec to {}/ and drop the link from the task: run `baton archive`",
            cfg.archive.specs
        ),
    ));

    // 5. Changed files no task mentions (a warning).
    let mut d = Vec::new();
    if let Some(f) = i.files {
        let mut texts = vec![doc.text.to_string()];
        for &t in i.touched {
            for l in doc.tasks[t].links.iter().chain(doc.inherited_links(t)) {
                if let Some(p) = l.local()
                    && let Ok(b) = std::fs::read(root.join(p))
                {
                    texts.push(String::from_utf8_lossy(&b).into_owned());
                }
            }
        }
        let tasks_file = crate::text::slash_path(&doc.rel_path);
        let skip = |p: &str| {
            p == tasks_file
                || p.starts_with("docs/")
                || p.starts_with(&format!("{}/", cfg.research_dir))
                || p.starts_with(&format!("{}/", cfg.specs_dir))
                || p.starts_with("archive/")
                || p == crate::config::FILE_NAME
                || p == ".gitignore"
                || is_instance_file(i.ws, p)
        };
        for p in f.created.iter().chain(&f.modified) {
            if skip(p) {
                continue;
            }
            let name = file_name(p);
            if !texts
                .iter()
                .any(|t| t.contains(p.as_str()) || t.contains(&name))
            {
                d.push(format!("{p} is mentioned by no task or linked spec"));
            }
        }
    }
    out.push(answer(
        "changes_without_task",
        "Did I write code without a task?",
        if d.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Warn
        },
        d,
        "add a task for the work to TASKS.md, or name the files in the task's spec".into(),
    ));

    // 6. Claims left without a session note.
    let d: Vec<String> = doc
        .claim_units(n)
        .into_iter()
        .map(|u| match u {
            ClaimUnit::Task(t) => (doc.tasks[t].reference.to_string(), doc.label(t)),
            ClaimUnit::Section(s) => (
                doc.sections[s].reference.to_string(),
                doc.sections[s].title.to_string(),
            ),
        })
        .filter(|(_, label)| !i.noted.contains(label))
        .map(|(r, label)| {
            format!("{r} `{label}` is still claimed by Instance {n} but not in the entry")
        })
        .collect();
    out.push(answer(
        "claims_without_note",
        "Can another instance continue from here?",
        if d.is_empty() { Verdict::Pass } else { Verdict::Fail },
        d,
        format!("release it with `baton release REF --instance {n}`, or keep it (`ess --keep-claims`) so the entry lists it"),
    ));
    out
}

fn is_instance_file(ws: &Workspace, p: &str) -> bool {
    let dir = crate::text::slash_path(&ws.instance_dir());
    let name = match p.rsplit_once('/') {
        Some((d, n)) if d == dir => n,
        None if dir.is_empty() => p,
        _ => return false,
    };
    let Some((pre, suf)) = ws.config.instance_pattern.split_once('*') else {
        return false;
    };
    name.strip_prefix(pre)
        .and_then(|r| r.strip_suffix(suf))
        .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `p` (relative, `/`-separated) is any instance's session file.
pub fn instance_file(ws: &Workspace, p: &str) -> bool {
    is_instance_file(ws, p)
}
