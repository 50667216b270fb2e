//! The research → spec → code lifecycle: which research and spec files finished tasks free
//! for the archive, the moves that archive them with every link following, and the task
//! edits that go with it (done, reopen). Commands, `check --fix` and `ess` call in here;
//! nothing in this module writes: it returns plans that `txn` commits.
//!
//! The rules, from the instance files' workflow:
//! - a spec is archived once a finished implementation task links it and no open task does;
//!   the finished tasks' `(spec: ..)` links are then removed;
//! - a research file is archived once a finished task links it, no open task does, and a
//!   spec links it (or it hangs off a finished section);
//! - a section-level `**Spec**:`/`**Research**:` link of a finished section is rewritten to
//!   the archive and marked `(archived)`;
//! - every other relative link to a moved file, anywhere in the workspace's markdown, follows
//!   the move, and so do the relative links inside the moved file.

pub mod new;
pub mod paths;
pub mod scan;

use crate::edit::Edit;
use crate::error::refused;
use crate::model::links::{LinkKind, Target};
use crate::model::{Document, TaskKind};
use crate::text::{self, slash_path};
use crate::txn::Changeset;
use crate::workspace::Workspace;
use paths::{Dirs, occupied, symlink_free, under};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Which lifecycle folder a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Research,
    Spec,
}

/// A file the plan moves to the archive.
#[derive(Debug, Clone)]
pub struct Archived {
    pub from: PathBuf,
    pub to: PathBuf,
    pub kind: FileKind,
    pub reason: &'static str,
}

/// A link that would have led to a move but was not followed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: PathBuf,
    pub line: usize,
    pub target: String,
    pub reason: String,
}

/// Splices to one markdown file other than TASKS.md.
#[derive(Debug, Clone)]
pub struct FileEdit {
    pub rel: PathBuf,
    pub original: String,
    pub edits: Vec<Edit>,
}

/// What a sweep considers.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Tasks to count as done although the document still shows them open (the tasks being
    /// ticked in the same transaction).
    pub assume_done: Vec<usize>,
    /// Only files linked (directly or through their section) by these tasks; None: every task.
    pub only_tasks: Option<Vec<usize>>,
}

impl SweepOptions {
    /// The sweep that ticking task `i` triggers: its own files, with `i` counted as done.
    pub fn finishing(i: usize) -> SweepOptions {
        SweepOptions {
            assume_done: vec![i],
            only_tasks: Some(vec![i]),
        }
    }
}

/// The planned archive moves and the link edits that go with them.
#[derive(Debug, Clone, Default)]
pub struct SweepPlan {
    pub archived: Vec<Archived>,
    pub skipped: Vec<Skipped>,
    /// Files that could not be read for links (not UTF-8, unreadable).
    pub warnings: Vec<String>,
    /// Edits to TASKS.md, against the document's text.
    pub tasks_edits: Vec<Edit>,
    /// Tasks whose links the edits remove or rewrite.
    pub touched_tasks: Vec<usize>,
    /// Sections whose links the edits rewrite.
    pub touched_sections: Vec<usize>,
    /// Edits to other markdown files (instance files, docs/**, archive/**, moved files).
    pub files: Vec<FileEdit>,
}

impl SweepPlan {
    /// The changeset: TASKS.md written with `tasks_edits` (this plan's edits, plus whatever
    /// the caller adds, all against `tasks_text`), the other files, then the moves.
    pub fn changeset(
        &self,
        tasks_rel: &Path,
        tasks_text: &std::rc::Rc<String>,
        tasks_edits: Vec<Edit>,
    ) -> anyhow::Result<Changeset> {
        let mut cs = Changeset::default();
        cs.edit(tasks_rel, tasks_text, tasks_edits)?;
        for f in &self.files {
            cs.edit(
                &f.rel,
                &std::rc::Rc::new(f.original.clone()),
                f.edits.clone(),
            )?;
        }
        for a in &self.archived {
            cs.rename(&a.from, &a.to);
        }
        Ok(cs)
    }

    pub fn skipped_messages(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .skipped
            .iter()
            .map(|s| {
                format!(
                    "{}:{}: not archiving `{}`: {}",
                    slash_path(&s.file),
                    s.line,
                    s.target,
                    s.reason
                )
            })
            .collect();
        v.extend(self.warnings.iter().cloned());
        v
    }
}

/// The whole-workspace sweep that `baton archive`, `check --fix` and `ess` run: every
/// research and spec file the rules make eligible, archived in one changeset (TASKS.md,
/// the other markdown files, then the renames). Commit it with `txn::commit` or return it
/// from a `txn::transact` plan. Callers that edit TASKS.md too must use [`plan`] and
/// [`SweepPlan::changeset`] so that TASKS.md is written once.
pub fn sweep(ws: &Workspace, doc: &Document) -> anyhow::Result<(Changeset, SweepPlan)> {
    let p = plan(ws, doc, &SweepOptions::default())?;
    let cs = p.changeset(&doc.rel_path, &doc.text, p.tasks_edits.clone())?;
    Ok((cs, p))
}

#[derive(Default)]
struct Use {
    open: bool,
    done_any: bool,
    done_impl: bool,
    section: bool,
    scoped: bool,
    first: Option<(usize, String)>,
}

/// A markdown file read for link rewriting.
struct Md {
    rel: PathBuf,
    text: String,
    dests: Vec<scan::Dest>,
}

fn parent(p: &Path) -> &Path {
    p.parent().unwrap_or(Path::new(""))
}

/// Plan the archive moves the rules allow, and every edit that keeps links working.
/// Refuses (exit 3) when a destination already exists, naming it; nothing is planned then.
pub fn plan(ws: &Workspace, doc: &Document, opts: &SweepOptions) -> anyhow::Result<SweepPlan> {
    let root = &ws.root;
    let dirs = Dirs::new(&ws.config);
    let done = |i: usize| doc.tasks[i].done || opts.assume_done.contains(&i);
    let in_scope = |i: usize| opts.only_tasks.as_ref().is_none_or(|v| v.contains(&i));
    let tasks_rel = doc.rel_path.clone();
    let mut out = SweepPlan::default();

    // Who links what.
    let mut uses: BTreeMap<PathBuf, Use> = BTreeMap::new();
    for i in 0..doc.tasks.len() {
        let t = &doc.tasks[i];
        let own = t.links.iter().map(|l| (l, false));
        let inherited = doc.inherited_links(i).map(|l| (l, true));
        for (l, from_section) in own.chain(inherited) {
            if l.kind == LinkKind::Other {
                continue;
            }
            match &l.resolved {
                Target::Local(p) => {
                    let u = uses.entry(p.as_path().to_path_buf()).or_default();
                    if done(i) {
                        u.done_any = true;
                        u.done_impl |= t.kind == TaskKind::Implementation;
                        if in_scope(i) {
                            u.scoped = true;
                            u.first.get_or_insert((l.line, l.target.to_string()));
                        }
                    } else if !t.state.finished() {
                        // A cancelled task is neither open nor done: it keeps nothing alive.
                        u.open = true;
                    }
                    u.section |= from_section;
                }
                Target::Outside | Target::Absolute if done(i) && in_scope(i) => {
                    let reason = if l.resolved == Target::Outside {
                        "the link leaves the workspace"
                    } else {
                        "the link is an absolute path"
                    };
                    let s = Skipped {
                        file: tasks_rel.clone(),
                        line: l.line,
                        target: l.target.to_string(),
                        reason: reason.into(),
                    };
                    if !out.skipped.contains(&s) {
                        out.skipped.push(s);
                    }
                }
                _ => {}
            }
        }
    }

    // Every markdown file whose links may need to follow a move.
    let mut walk: Vec<PathBuf> = vec!["docs".into(), "archive".into()];
    walk.extend(dirs.all().into_iter().map(Path::to_path_buf));
    let walk_refs: Vec<&Path> = walk.iter().map(PathBuf::as_path).collect();
    let mut rels = paths::markdown_files(root, &walk_refs);
    for f in ws.instance_files()? {
        if symlink_free(root, &f.rel).is_ok() {
            rels.push(f.rel);
        }
    }
    rels.sort();
    rels.dedup();
    rels.retain(|r| *r != tasks_rel);
    let mut mds = vec![Md {
        dests: scan::scan(&doc.text, parent(&tasks_rel)),
        rel: tasks_rel.clone(),
        text: doc.text.to_string(),
    }];
    for rel in rels {
        match std::fs::read(root.join(&rel)).map(String::from_utf8) {
            Ok(Ok(text)) => mds.push(Md {
                dests: scan::scan(&text, parent(&rel)),
                rel,
                text,
            }),
            Ok(Err(_)) => out.warnings.push(format!(
                "{} is not UTF-8: its links were not updated",
                slash_path(&rel)
            )),
            Err(e) => out.warnings.push(format!(
                "{}: {e}: its links were not updated",
                slash_path(&rel)
            )),
        }
    }
    let in_dir = |f: &Path, d: &Option<PathBuf>| d.as_ref().is_some_and(|d| under(f, d).is_some());
    let linked_by_spec = |p: &Path| {
        mds.iter().any(|m| {
            m.rel != p
                && (in_dir(&m.rel, &dirs.specs) || in_dir(&m.rel, &dirs.archive_specs))
                && m.dests
                    .iter()
                    .any(|d| matches!(&d.resolved, Target::Local(q) if q.as_path() == p))
        })
    };

    // Eligible files.
    let mut collisions = Vec::new();
    for (p, u) in &uses {
        if !u.scoped || u.open {
            continue;
        }
        let (line, target) = u.first.clone().unwrap_or_default();
        let skip = |out: &mut SweepPlan, reason: String| {
            out.skipped.push(Skipped {
                file: tasks_rel.clone(),
                line,
                target: target.clone(),
                reason,
            })
        };
        let (kind, rest, archive) =
            if let Some(rest) = dirs.specs.as_ref().and_then(|d| under(p, d)) {
                (FileKind::Spec, rest, &dirs.archive_specs)
            } else if let Some(rest) = dirs.research.as_ref().and_then(|d| under(p, d)) {
                (FileKind::Research, rest, &dirs.archive_research)
            } else {
                if !in_dir(p, &dirs.archive_specs) && !in_dir(p, &dirs.archive_research) {
                    skip(
                        &mut out,
                        format!(
                            "{} is not inside the research or specs folder ({} or {})",
                            slash_path(p),
                            ws.config.research_dir,
                            ws.config.specs_dir
                        ),
                    );
                }
                continue;
            };
        let reason = match kind {
            FileKind::Spec if u.done_impl => "no open task links it any more",
            FileKind::Research if u.done_any && linked_by_spec(p) => {
                "a spec links it and no open task does"
            }
            FileKind::Research if u.done_any && u.section => "its section has no open task left",
            _ => continue,
        };
        let Some(archive) = archive else {
            skip(
                &mut out,
                "the archive folder is configured outside the workspace".into(),
            );
            continue;
        };
        if let Err(why) = symlink_free(root, p) {
            skip(&mut out, why);
            continue;
        }
        match std::fs::symlink_metadata(root.join(p)) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                skip(&mut out, format!("{} is not a regular file", slash_path(p)));
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                skip(&mut out, format!("{} does not exist", slash_path(p)));
                continue;
            }
            Err(e) => {
                skip(&mut out, format!("{}: {e}", slash_path(p)));
                continue;
            }
        }
        let to = archive.join(rest);
        if let Err(why) = symlink_free(root, &to) {
            skip(&mut out, format!("the destination {why}"));
            continue;
        }
        if occupied(root, &to) || out.archived.iter().any(|a| a.to == to) {
            collisions.push((p.clone(), to));
            continue;
        }
        out.archived.push(Archived {
            from: p.clone(),
            to,
            kind,
            reason,
        });
    }
    if !collisions.is_empty() {
        let list: Vec<String> = collisions
            .iter()
            .map(|(f, t)| format!("{} → {}", slash_path(f), slash_path(t)))
            .collect();
        return Err(refused(format!(
            "cannot archive: the destination already exists ({}); nothing was changed",
            list.join(", ")
        ))
        .hint("compare the two files, remove or rename one, then run the command again")
        .detail(serde_json::json!({
            "collisions": collisions.iter().map(|(f, t)| serde_json::json!({
                "from": slash_path(f), "to": slash_path(t)
            })).collect::<Vec<_>>()
        }))
        .into());
    }
    if out.archived.is_empty() {
        return Ok(out);
    }

    // Links follow the moves.
    let moves: HashMap<&Path, &Archived> =
        out.archived.iter().map(|a| (a.from.as_path(), a)).collect();
    let mut task_links: HashMap<usize, usize> = HashMap::new();
    for (i, t) in doc.tasks.iter().enumerate() {
        for l in &t.links {
            task_links.insert(l.range.start, i);
        }
    }
    let mut section_links: HashMap<usize, usize> = HashMap::new();
    for (s, sec) in doc.sections.iter().enumerate() {
        for l in &sec.links {
            section_links.insert(l.range.start, s);
        }
    }
    let mut touched_tasks = HashSet::new();
    let mut touched_sections = HashSet::new();
    let mut file_edits = Vec::new();
    for m in &mds {
        let moved_to = moves.get(m.rel.as_path()).map(|a| a.to.as_path());
        let new_dir = parent(moved_to.unwrap_or(&m.rel));
        let is_tasks = m.rel == tasks_rel;
        let mut edits = Vec::new();
        for d in &m.dests {
            let Target::Local(p) = &d.resolved else {
                continue;
            };
            let target = moves.get(p.as_path());
            if moved_to.is_none() && target.is_none() {
                continue;
            }
            if is_tasks && let Some(a) = target {
                if let Some(&i) = task_links.get(&d.range.start)
                    && a.kind == FileKind::Spec
                    && done(i)
                    && let Some(link) = doc.tasks[i]
                        .links
                        .iter()
                        .find(|l| l.range.start == d.range.start)
                    && let Some(removal) = &link.removal
                {
                    edits.push(Edit::delete(removal.clone()));
                    touched_tasks.insert(i);
                    continue;
                }
                if let Some(&s) = section_links.get(&d.range.start) {
                    let after = m.text[d.range.end..].trim_start_matches([' ', '\t']);
                    if !after.starts_with("(archived)") {
                        edits.push(Edit::insert(d.range.end, " (archived)"));
                    }
                    touched_sections.insert(s);
                }
                if let Some(&i) = task_links.get(&d.range.start) {
                    touched_tasks.insert(i);
                }
            }
            let dest_path = target.map(|a| a.to.as_path()).unwrap_or(p.as_path());
            let angle = m.text[..d.dest_range.start].ends_with('<');
            let new = format!(
                "{}{}",
                paths::relative_as(new_dir, dest_path, angle),
                d.suffix(&m.text)
            );
            if new != m.text[d.dest_range.clone()] {
                edits.push(Edit::replace(d.dest_range.clone(), new));
            }
        }
        if edits.is_empty() {
            continue;
        }
        if is_tasks {
            out.tasks_edits = edits;
        } else {
            file_edits.push(FileEdit {
                rel: m.rel.clone(),
                original: m.text.clone(),
                edits,
            });
        }
    }
    out.files = file_edits;
    out.touched_tasks = touched_tasks.into_iter().collect();
    out.touched_tasks.sort_unstable();
    out.touched_sections = touched_sections.into_iter().collect();
    out.touched_sections.sort_unstable();
    Ok(out)
}

/// Research files (in the research folder) that task `i` links, itself or through its section.
fn research_links(ws: &Workspace, doc: &Document, i: usize) -> Vec<PathBuf> {
    let dirs = Dirs::new(&ws.config);
    let Some(rdir) = &dirs.research else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = doc.tasks[i]
        .links
        .iter()
        .chain(doc.inherited_links(i))
        .filter(|l| l.kind == LinkKind::Research)
        .filter_map(|l| l.local())
        .filter(|p| under(p, rdir).is_some())
        .map(Path::to_path_buf)
        .collect();
    v.dedup();
    v
}

/// Spec files (active or archived) that link `research`.
pub fn specs_linking(ws: &Workspace, research: &Path) -> Vec<PathBuf> {
    let dirs = Dirs::new(&ws.config);
    let spec_dirs: Vec<&Path> = [&dirs.specs, &dirs.archive_specs]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    paths::markdown_files(&ws.root, &spec_dirs)
        .into_iter()
        .filter(|f| {
            std::fs::read(ws.root.join(f))
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .is_some_and(|t| {
                    scan::scan(&t, parent(f))
                        .iter()
                        .any(|d| matches!(&d.resolved, Target::Local(q) if q.as_path() == research))
                })
        })
        .collect()
}

/// A research task can only be done once a spec links its research: refuse (exit 3) otherwise.
pub fn research_gate(
    ws: &Workspace,
    doc: &Document,
    i: usize,
    instance: u32,
) -> anyhow::Result<()> {
    if doc.tasks[i].kind != TaskKind::Research {
        return Ok(());
    }
    let missing: Vec<String> = research_links(ws, doc, i)
        .into_iter()
        .filter(|r| specs_linking(ws, r).is_empty())
        .map(|r| slash_path(&r))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let t = &doc.tasks[i];
    let title = t
        .title
        .strip_prefix("Research ")
        .or_else(|| t.title.strip_prefix("research "))
        .unwrap_or(&t.title);
    Err(refused(format!(
        "research task {} `{}` cannot be done yet: no spec links {}",
        t.reference,
        doc.label(i),
        missing.join(", ")
    ))
    .hint(format!(
        "write its spec first: `baton spec new \"{title}\" --from-research {}`; or tick it without the lifecycle: `baton done {} --instance {instance} --no-archive`",
        t.reference, t.reference
    ))
    .into())
}

/// How `done` treats claims and the lifecycle.
#[derive(Debug, Clone, Copy, Default)]
pub struct DoneOptions {
    /// Tick only: no research gate, no archiving.
    pub no_archive: bool,
    /// Finish a task another instance holds (their tag is removed), or one with open subtasks.
    pub force: bool,
}

/// The edits of finishing one task: the tick, the claim tags, and the lifecycle sweep.
#[derive(Debug, Clone, Default)]
pub struct DonePlan {
    /// TASKS.md edits (tick, tags, sweep), against the document's text; the coordination
    /// cells are not included (see `model::edits::with_coordination`).
    pub edits: Vec<Edit>,
    pub sweep: Option<SweepPlan>,
    /// Other instances whose tags were removed (with `force`).
    pub released: Vec<u32>,
    /// Tasks and sections the edits change.
    pub touched_tasks: Vec<usize>,
    pub touched_sections: Vec<usize>,
}

/// `[ ]` → `[x]` on task `i`, with the file's own done mark: the one most of its done
/// tasks carry (`[X]`, `[✅]`, ...), else `default` (the config's, `x` by default).
pub fn tick(doc: &Document, i: usize, default: char) -> Edit {
    let mut counts: Vec<(char, usize)> = Vec::new();
    for t in doc.tasks.iter().filter(|t| t.done) {
        match counts.iter_mut().find(|c| c.0 == t.mark) {
            Some(c) => c.1 += 1,
            None => counts.push((t.mark, 1)),
        }
    }
    // The most used; on a tie, the first seen.
    let mark = counts
        .iter()
        .rev()
        .max_by_key(|c| c.1)
        .map_or(default, |c| c.0);
    Edit::replace(doc.tasks[i].mark_range.clone(), format!("[{mark}]"))
}

/// `[x]` → `[ ]` on task `i`.
pub fn untick(doc: &Document, i: usize) -> Edit {
    Edit::replace(doc.tasks[i].mark_range.clone(), "[ ]")
}

/// Plan finishing open task `i` as `instance`: refuse when someone else holds it (unless
/// forced), apply the research gate, tick, remove the tags, and sweep what it frees.
pub fn plan_done(
    ws: &Workspace,
    doc: &Document,
    i: usize,
    instance: u32,
    opts: DoneOptions,
) -> anyhow::Result<DonePlan> {
    let t = &doc.tasks[i];
    let label = doc.label(i);
    let heading_others: Vec<u32> = doc
        .heading_claims(i)
        .into_iter()
        .filter(|&m| m != instance)
        .collect();
    let tag_others: Vec<u32> = t
        .claims
        .iter()
        .map(|c| c.instance)
        .filter(|&m| m != instance)
        .collect();
    let mine = t.claims.iter().any(|c| c.instance == instance)
        || doc.heading_claims(i).contains(&instance);
    if !opts.force && !mine && (!tag_others.is_empty() || !heading_others.is_empty()) {
        let mut who = tag_others.clone();
        who.extend(heading_others.iter().filter(|m| !tag_others.contains(m)));
        let who: Vec<String> = who.iter().map(|m| format!("Instance {m}")).collect();
        return Err(refused(format!("`{label}` is held by {}, not by Instance {instance}", who.join(" and ")))
            .hint(format!(
                "only the holder finishes a task; to finish it anyway (dropping their task tag): `baton done {} --instance {instance} --force`",
                t.reference
            ))
            .into());
    }
    let open_children: Vec<usize> = (0..doc.tasks.len())
        .filter(|&c| !doc.tasks[c].state.finished() && doc.ancestors(c).any(|a| a == i))
        .collect();
    if !opts.force && !open_children.is_empty() {
        let names: Vec<String> = open_children
            .iter()
            .take(5)
            .map(|&c| format!("{} `{}`", doc.tasks[c].reference, doc.label(c)))
            .collect();
        return Err(refused(format!(
            "`{label}` has {} open subtask{}: {}",
            open_children.len(),
            if open_children.len() == 1 { "" } else { "s" },
            names.join(", ")
        ))
        .hint(format!(
            "finish the subtasks first, or tick it anyway: `baton done {} --instance {instance} --force`",
            t.reference
        ))
        .into());
    }
    if !opts.no_archive {
        research_gate(ws, doc, i, instance)?;
    }
    let mut edits = vec![tick(doc, i, ws.config.done_mark())];
    let released: Vec<u32> = if opts.force { tag_others } else { Vec::new() };
    edits.extend(crate::model::edits::release_task(
        doc,
        i,
        if opts.force { None } else { Some(instance) },
    ));
    let mut touched_tasks = vec![i];
    let mut touched_sections = Vec::new();
    // A heading claim of this instance ends with the last open task under it.
    let mut sec = t.section;
    while let Some(si) = sec {
        let s = &doc.sections[si];
        if s.claims.iter().any(|c| c.instance == instance) {
            let still_open = doc.tasks.iter().enumerate().any(|(k, o)| {
                k != i
                    && !o.state.finished()
                    && o.item.start > s.range.start
                    && o.item.start < s.end
            });
            if !still_open {
                edits.extend(crate::model::edits::release_section(
                    doc,
                    si,
                    Some(instance),
                ));
                touched_sections.push(si);
            }
        }
        sec = s.parent;
    }
    let sweep = if opts.no_archive {
        None
    } else {
        let p = plan(
            ws,
            doc,
            &SweepOptions::finishing(i),
        )
        .map_err(|e| match e.downcast::<crate::error::BatonError>() {
            Ok(be) if be.kind == crate::error::Kind::Refused => be
                .hint(format!(
                    "compare the two files, remove or rename one, then run the command again; or tick it without archiving: `baton done {} --instance {instance} --no-archive`",
                    t.reference
                ))
                .into(),
            Ok(be) => be.into(),
            Err(e) => e,
        })?;
        edits.extend(p.tasks_edits.iter().cloned());
        touched_tasks.extend(p.touched_tasks.iter().copied());
        touched_sections.extend(p.touched_sections.iter().copied());
        Some(p)
    };
    touched_tasks.sort_unstable();
    touched_tasks.dedup();
    Ok(DonePlan {
        edits,
        sweep,
        released,
        touched_tasks,
        touched_sections,
    })
}

/// The changeset of a done plan, once the caller has the final TASKS.md edits (with the
/// coordination cells).
pub fn done_changeset(
    doc: &Document,
    plan: &DonePlan,
    tasks_edits: Vec<Edit>,
) -> anyhow::Result<Changeset> {
    match &plan.sweep {
        Some(s) => s.changeset(&doc.rel_path, &doc.text, tasks_edits),
        None => {
            let mut cs = Changeset::default();
            cs.edit(&doc.rel_path, &doc.text, tasks_edits)?;
            Ok(cs)
        }
    }
}

/// The newline a file uses, for text baton adds to it.
pub(crate) fn nl(text: &str) -> &'static str {
    text::newline_of(text)
}

#[cfg(test)]
mod tests;
