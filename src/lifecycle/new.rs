//! New research notes and specs: file names, spec numbering, templates, and the tasks that
//! link them, inserted into a section of TASKS.md.

use super::paths::{self, Dirs, occupied, relative, symlink_free, under};
use super::{nl, parent};
use crate::edit::Edit;
use crate::error::{invalid, not_found, refused, usage};
use crate::model::Document;
use crate::model::links::{self, LinkKind, Target};
use crate::model::refs;
use crate::text::{self, slash_path};
use crate::txn::Changeset;
use crate::workspace::Workspace;
use chrono::{DateTime, FixedOffset};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A planned creation: the new file, and the tasks added to TASKS.md.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub changes: Changeset,
    /// The created file, root-relative.
    pub path: PathBuf,
    /// TASKS.md once the tasks are added.
    pub tasks_text: String,
    /// Where the added tasks sit in `tasks_text`.
    pub inserted: Range<usize>,
    /// The section the tasks went to.
    pub section: String,
    pub section_created: bool,
    /// The research a spec links (`--from-research`).
    pub research: Option<PathBuf>,
}

/// Where new tasks go: a section by index, or by name (created when missing).
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    Section(usize),
    Named(&'a str),
}

fn check_title<'t>(title: &'t str, command: &str) -> anyhow::Result<&'t str> {
    let t = title.trim();
    if t.is_empty() {
        return Err(usage("the title is empty")
            .hint(format!(
                "pass a title, e.g. `baton {command} \"Proxy rotation\"`"
            ))
            .into());
    }
    if t.contains(['\n', '\r']) {
        return Err(usage("the title must be one line").into());
    }
    Ok(t)
}

/// The title as it reads inside a task sentence: `Proxy rotation` → `proxy rotation`
/// (acronyms like `API gateway` stay).
fn in_sentence(title: &str) -> String {
    let mut c = title.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            let mut s: String = a.to_lowercase().collect();
            s.push_str(&title[a.len_utf8()..]);
            s
        }
        _ => title.to_string(),
    }
}

/// The number a spec file name starts with (`106A_SPLIT.md` → 106).
pub fn spec_number(name: &str) -> Option<u32> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    digits.parse().ok()
}

/// The next spec number: one more than every spec in the specs folder and its archive, from 101.
pub fn next_spec_number(root: &Path, dirs: &Dirs) -> u32 {
    let mut max = 100;
    for d in [&dirs.specs, &dirs.archive_specs].into_iter().flatten() {
        let Ok(rd) = std::fs::read_dir(root.join(d)) else {
            continue;
        };
        for e in rd.flatten() {
            if let Some(n) = spec_number(&e.file_name().to_string_lossy()) {
                max = max.max(n);
            }
        }
    }
    max + 1
}

/// A new file's path, refused when it exists or would be written through a symlink.
fn check_new(ws: &Workspace, rel: &Path) -> anyhow::Result<()> {
    if let Err(why) = symlink_free(&ws.root, rel) {
        return Err(refused(format!("cannot create {}: {why}", slash_path(rel)))
            .hint("baton never writes through symbolic links; replace the link with a folder")
            .into());
    }
    if occupied(&ws.root, rel) {
        return Err(refused(format!("{} already exists", slash_path(rel)))
            .hint("pick another title, or link the existing file from a task by hand")
            .into());
    }
    Ok(())
}

/// Plan `baton research new TITLE`: the research note and its `Research TITLE` task.
pub fn plan_research(
    ws: &Workspace,
    doc: &Document,
    title: &str,
    section: Option<&str>,
    task: Option<&str>,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<NewPlan> {
    let title = check_title(title, "research new")?;
    let adopt = task.map(|r| adopted_task(doc, r)).transpose()?;
    let dirs = Dirs::new(&ws.config);
    let rdir = dirs.research.clone().ok_or_else(|| {
        refused("research_dir is configured outside the workspace")
            .hint("fix research_dir in .baton.yaml")
    })?;
    let name = format!("{}.md", text::slug(title));
    let path = rdir.join(&name);
    check_new(ws, &path)?;
    let n = nl(&doc.text);
    let content = [
        format!("# Research: {title}"),
        String::new(),
        format!("**Date**: {}", now.format("%Y-%m-%d")),
        String::new(),
        "## Question".into(),
        String::new(),
        String::new(),
        "## Findings".into(),
        String::new(),
        String::new(),
        "## Leads to spec".into(),
        "Not yet.".into(),
        String::new(),
    ]
    .join(n);
    let link = relative(parent(&doc.rel_path), &path);
    let item = vec![
        format!("- [ ] Research {}", in_sentence(title)),
        format!("  (research: [{name}]({link}))"),
    ];
    if let Some(i) = adopt {
        let ins = link_task(doc, i, &format!("(research: [{name}]({link}))"));
        return finish(ws, doc, path, content, ins, None, Added::Linked(i));
    }
    let place = Place::Named(section.unwrap_or(&ws.config.backlog_section));
    let ins = insert_tasks(doc, place, &[item])?;
    finish(ws, doc, path, content, ins, None, Added::Tasks(1))
}

/// The task `--task REF` names.
fn adopted_task(doc: &Document, reference: &str) -> anyhow::Result<usize> {
    match crate::model::refs::resolve(doc, reference)? {
        crate::model::refs::Target::Task(i) => Ok(i),
        crate::model::refs::Target::Section(s) => Err(usage(format!(
            "`{reference}` names the heading `{}`, not a task",
            doc.sections[s].title
        ))
        .hint("pass a task's ref, number or `L<line>` to --task")
        .into()),
    }
}

/// The edit that adds `link` to task `i` on a continuation line under its first line.
fn link_task(doc: &Document, i: usize, link: &str) -> Insertion {
    let text = doc.text.as_str();
    let t = &doc.tasks[i];
    let ls = text::line_start(text, t.mark_range.start);
    let indent: String = text[ls..t.mark_range.start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let n = nl(text);
    let eol = text::line_end(text, t.mark_range.start);
    let nlen = text::newline_len_at(text, eol);
    let edit = if nlen == 0 {
        Edit::insert(eol, format!("{n}{indent}{link}"))
    } else {
        Edit::insert(eol + nlen, format!("{indent}{link}{n}"))
    };
    Insertion {
        edit,
        section: t
            .section
            .map(|s| doc.sections[s].title.to_string())
            .unwrap_or_default(),
        created: false,
    }
}

/// What `finish` expects the tasks edit to have done.
enum Added {
    /// Added this many tasks.
    Tasks(usize),
    /// Linked the file from this existing task (which the plan then reports).
    Linked(usize),
}

/// Plan `baton spec new TITLE [--from-research REF|FILE]`: the numbered spec and its
/// spec-writing and implementation tasks. `cwd` resolves a relative FILE.
#[allow(clippy::too_many_arguments)] // the command's options, each one plain
pub fn plan_spec(
    ws: &Workspace,
    doc: &Document,
    title: &str,
    from_research: Option<&str>,
    section: Option<&str>,
    task: Option<&str>,
    now: DateTime<FixedOffset>,
    cwd: &Path,
) -> anyhow::Result<NewPlan> {
    let title = check_title(title, "spec new")?;
    let adopt = task.map(|r| adopted_task(doc, r)).transpose()?;
    let dirs = Dirs::new(&ws.config);
    let sdir = dirs.specs.clone().ok_or_else(|| {
        refused("specs_dir is configured outside the workspace")
            .hint("fix specs_dir in .baton.yaml")
    })?;
    let research = match from_research {
        Some(arg) => Some(resolve_research(ws, doc, arg, cwd)?),
        None => None,
    };
    let number = next_spec_number(&ws.root, &dirs);
    let name = format!("{number:03}_{}.md", text::slug(title).to_uppercase());
    let path = sdir.join(&name);
    check_new(ws, &path)?;
    let n = nl(&doc.text);
    let mut lines = vec![
        format!("# {number}: {title}"),
        String::new(),
        format!("**Created**: {}", now.format("%Y-%m-%d")),
        String::new(),
    ];
    if let Some((r, _)) = &research {
        let rname = r
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        lines.push(format!("**Research**: [{rname}]({})", relative(&sdir, r)));
        lines.push(String::new());
    }
    lines.extend([
        "## Goal".to_string(),
        String::new(),
        String::new(),
        "## Design".into(),
        String::new(),
        String::new(),
        "## Tasks".into(),
        String::new(),
        format!(
            "Tracked in [{}]({}).",
            doc.rel_path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            relative(&sdir, &doc.rel_path)
        ),
        String::new(),
        "## Acceptance".into(),
        String::new(),
    ]);
    let content = lines.join(n);
    let link = relative(parent(&doc.rel_path), &path);
    let t = in_sentence(title);
    let items = vec![
        vec![
            format!("- [ ] Write {t} spec"),
            format!("  (spec: [{name}]({link}))"),
        ],
        vec![
            format!("- [ ] Implement {t}"),
            format!("  (spec: [{name}]({link}))"),
        ],
    ];
    if let Some(i) = adopt {
        let ins = link_task(doc, i, &format!("(spec: [{name}]({link}))"));
        return finish(
            ws,
            doc,
            path,
            content,
            ins,
            research.map(|(r, _)| r),
            Added::Linked(i),
        );
    }
    let place = match (section, research.as_ref().and_then(|(_, s)| *s)) {
        (Some(s), _) => Place::Named(s),
        (None, Some(s)) => Place::Section(s),
        (None, None) => Place::Named(&ws.config.backlog_section),
    };
    let ins = insert_tasks(doc, place, &items)?;
    finish(
        ws,
        doc,
        path,
        content,
        ins,
        research.map(|(r, _)| r),
        Added::Tasks(2),
    )
}

fn finish(
    ws: &Workspace,
    doc: &Document,
    path: PathBuf,
    content: String,
    ins: Insertion,
    research: Option<PathBuf>,
    want: Added,
) -> anyhow::Result<NewPlan> {
    let expect = match want {
        Added::Tasks(k) => k,
        Added::Linked(_) => 0,
    };
    let mut changes = Changeset::default();
    changes.create(&path, content);
    let start = ins.edit.range.start;
    let len = ins.edit.text.len();
    let tasks_text = crate::edit::apply(&doc.text, std::slice::from_ref(&ins.edit))
        .map_err(|e| anyhow::anyhow!("internal: adding the tasks: {e}"))?;
    let after = ws.parse_tasks(tasks_text.clone());
    let added = added_tasks(&after, &(start..start + len));
    if added.len() != expect || after.tasks.len() != doc.tasks.len() + expect {
        return Err(anyhow::anyhow!(
            "internal: adding {expect} task(s) to {} would not have produced them; nothing was written",
            slash_path(&doc.rel_path)
        ));
    }
    changes.edit(&doc.rel_path, &doc.text, vec![ins.edit])?;
    Ok(NewPlan {
        changes,
        path,
        tasks_text,
        // A linked task is reported as the one the file went to (its start is before the
        // edit, so the same in both texts).
        inserted: match want {
            Added::Tasks(_) => start..start + len,
            Added::Linked(i) => doc.tasks[i].item.start..doc.tasks[i].item.start + 1,
        },
        section: ins.section,
        section_created: ins.created,
        research,
    })
}

/// The tasks of `after` that start inside `inserted`.
pub fn added_tasks(after: &Document, inserted: &Range<usize>) -> Vec<usize> {
    (0..after.tasks.len())
        .filter(|&i| inserted.contains(&after.tasks[i].item.start))
        .collect()
}

/// The research file `--from-research` names (a file path, or a task whose research link
/// leads to it), and the section of the research task that links it.
fn resolve_research(
    ws: &Workspace,
    doc: &Document,
    arg: &str,
    cwd: &Path,
) -> anyhow::Result<(PathBuf, Option<usize>)> {
    let dirs = Dirs::new(&ws.config);
    let local = |s: &str, base: &Path| match links::resolve(s, base) {
        Target::Local(p) => Some(p.as_path().to_path_buf()),
        _ => None,
    };
    let p = Path::new(arg);
    let mut cands: Vec<PathBuf> = Vec::new();
    if p.is_absolute() {
        if let Ok(r) = p.strip_prefix(&ws.root)
            && let Some(r) = local(&slash_path(r), Path::new(""))
        {
            cands.push(r);
        }
    } else {
        cands.extend(local(arg, Path::new("")));
        if let Ok(c) = cwd.strip_prefix(&ws.root) {
            cands.extend(local(arg, c));
        }
        if let Some(r) = &dirs.research {
            cands.extend(local(arg, r));
        }
    }
    let found = cands.into_iter().find(|c| {
        symlink_free(&ws.root, c).is_ok()
            && std::fs::symlink_metadata(ws.root.join(c)).is_ok_and(|m| m.is_file())
    });
    let file = match found {
        Some(f) => f,
        None => match refs::resolve(doc, arg) {
            Ok(refs::Target::Task(i)) => {
                let t = &doc.tasks[i];
                let l = t
                    .links
                    .iter()
                    .chain(doc.inherited_links(i))
                    .find(|l| l.kind == LinkKind::Research && l.local().is_some())
                    .ok_or_else(|| {
                        invalid(format!("task {} `{}` links no research file", t.reference, doc.label(i)))
                            .hint("pass the research file instead: `--from-research docs/research/NAME.md`")
                    })?;
                l.local().expect("filtered on local links").to_path_buf()
            }
            Ok(refs::Target::Section(_)) => {
                return Err(usage(format!(
                    "`{arg}` names a section, not a research task or file"
                ))
                .hint("pass a research task's ref or a research file")
                .into());
            }
            Err(e) if arg.contains(['/', '\\']) || paths::is_markdown(p) => {
                let _ = e;
                return Err(not_found(format!("no research file `{arg}`"))
                    .hint("pass a file in the research folder, or a research task's ref")
                    .into());
            }
            Err(e) => return Err(e.into()),
        },
    };
    let inside = [&dirs.research, &dirs.archive_research]
        .into_iter()
        .flatten()
        .any(|d| under(&file, d).is_some());
    if !inside {
        return Err(refused(format!(
            "{} is not inside the research folder ({})",
            slash_path(&file),
            ws.config.research_dir
        ))
        .hint("move the notes into the research folder first, or create them with `baton research new TITLE`")
        .into());
    }
    if let Err(why) = symlink_free(&ws.root, &file) {
        return Err(refused(format!("cannot link {}: {why}", slash_path(&file))).into());
    }
    let section = doc
        .tasks
        .iter()
        .find(|t| t.links.iter().any(|l| l.local() == Some(file.as_path())))
        .and_then(|t| t.section);
    Ok((file, section))
}

/// An insertion of task lines into TASKS.md.
#[derive(Debug, Clone)]
pub struct Insertion {
    pub edit: Edit,
    pub section: String,
    pub created: bool,
}

fn find_section(doc: &Document, want: &str) -> anyhow::Result<Option<usize>> {
    let lw = want.trim().to_lowercase();
    let pick = |exact: bool| -> Vec<usize> {
        (0..doc.sections.len())
            .filter(|&i| {
                let t = doc.sections[i].title.to_lowercase();
                !doc.sections[i].template && if exact { t == lw } else { t.contains(&lw) }
            })
            .collect()
    };
    for exact in [true, false] {
        let c = pick(exact);
        match c.len() {
            0 => continue,
            1 => return Ok(Some(c[0])),
            _ => {
                return Err(invalid(format!(
                    "`{want}` matches {} headings:\n{}",
                    c.len(),
                    crate::model::refs::heading_list(doc, &c)
                ))
                .hint("pass more of the heading's text to --section")
                .into());
            }
        }
    }
    Ok(None)
}

/// Insert `items` (each a task's lines, the first `- [ ] ...`) at the end of a section's own
/// list, or in a new `## NAME` section placed before the checklist template (or at the end).
pub fn insert_tasks(
    doc: &Document,
    place: Place,
    items: &[Vec<String>],
) -> anyhow::Result<Insertion> {
    let text = &doc.text;
    let n = nl(text);
    let s = match place {
        Place::Section(s) => Some(s),
        Place::Named(w) => find_section(doc, w)?,
    };
    let Some(s) = s else {
        let want = match place {
            Place::Named(w) => w.trim(),
            Place::Section(_) => unreachable!("a section index always exists"),
        };
        if want.is_empty() || want.contains(['\n', '\r']) {
            return Err(usage("the section name must be one non-empty line").into());
        }
        let body: String = items.iter().flatten().map(|l| format!("{l}{n}")).collect();
        let edit = match doc.sections.iter().find(|x| x.template && x.level <= 2) {
            Some(t) => {
                let at = text::line_start(text, t.range.start);
                Edit::insert(at, format!("## {want}{n}{n}{body}{n}"))
            }
            None if footer_start(text).is_some() => {
                // Before a closing `---` and `**Last Updated**` footer.
                let at = footer_start(text).expect("just found");
                Edit::insert(at, format!("## {want}{n}{n}{body}{n}"))
            }
            None => {
                let prefix = if text.is_empty()
                    || text.as_str() == text::BOM
                    || text.ends_with(&format!("{n}{n}"))
                {
                    String::new()
                } else if text.ends_with('\n') {
                    n.to_string()
                } else {
                    format!("{n}{n}")
                };
                let body = if text.is_empty() || text.ends_with('\n') {
                    body
                } else {
                    body[..body.len() - n.len()].to_string()
                };
                Edit::insert(text.len(), format!("{prefix}## {want}{n}{n}{body}"))
            }
        };
        return Ok(Insertion {
            edit,
            section: want.to_string(),
            created: true,
        });
    };
    let sec = &doc.sections[s];
    let own_end = doc
        .sections
        .get(s + 1)
        .map(|x| x.range.start)
        .filter(|&x| x < sec.end)
        .unwrap_or(sec.end);
    let last = doc
        .tasks
        .iter()
        .filter(|t| t.section == Some(s) && t.parent.is_none() && t.item.start < own_end)
        .max_by_key(|t| t.item.start);
    let (anchor, indent, bullet, blank) = match last {
        Some(t) => {
            let ls = text::line_start(text, t.item.start);
            let indent = &text[ls..t.item.start];
            let indent = if indent.chars().all(|c| c == ' ' || c == '\t' || c == '>') {
                indent
            } else {
                ""
            };
            let b = text[t.item.start..].chars().next().unwrap_or('-');
            let bullet = if matches!(b, '-' | '*' | '+') { b } else { '-' };
            let end = (t.item.start + text[t.item.clone()].trim_end().len()).min(own_end);
            (end, indent.to_string(), bullet, false)
        }
        None => {
            // The section's own text ends before a closing `---` (the rule between
            // sections, or above a footer).
            let from = sec.range.start;
            let own_end = rule_after(text, sec.range.end, own_end).unwrap_or(own_end);
            let end = from + text[from..own_end].trim_end().len();
            (end, String::new(), '-', true)
        }
    };
    let lines: Vec<String> = items
        .iter()
        .flat_map(|item| {
            item.iter().enumerate().map(|(k, l)| {
                let l = if k == 0 && bullet != '-' {
                    format!("{bullet}{}", &l[1..])
                } else {
                    l.clone()
                };
                format!("{indent}{l}")
            })
        })
        .collect();
    let pos = text::line_end(text, anchor);
    let nlen = text::newline_len_at(text, pos);
    let edit = if nlen == 0 {
        let lead = if blank {
            format!("{n}{n}")
        } else {
            n.to_string()
        };
        Edit::insert(pos, format!("{lead}{}", lines.join(n)))
    } else {
        let at = pos + nlen;
        let lead = if blank { n } else { "" };
        let next_line = &text[at..text::line_end(text, at)];
        let trail = if blank && !next_line.trim().is_empty() {
            n
        } else {
            ""
        };
        let body: String = lines.iter().map(|l| format!("{l}{n}")).collect();
        Edit::insert(at, format!("{lead}{body}{trail}"))
    };
    Ok(Insertion {
        edit,
        section: sec.title.to_string(),
        created: false,
    })
}

/// Whether `line` is a thematic break: three or more `-`, `*` or `_` (one of them), with
/// blanks between, indented less than four columns.
fn is_rule(line: &str) -> bool {
    let l = line.trim_end_matches(['\r', '\n']);
    let body = l.trim_start_matches(' ');
    if l.len() - body.len() > 3 {
        return false;
    }
    let Some(c) = body.chars().next().filter(|c| matches!(c, '-' | '*' | '_')) else {
        return false;
    };
    body.chars().all(|x| x == c || x == ' ' || x == '\t') && body.matches(c).count() >= 3
}

/// The start of the first thematic break line in `text[from..to]` that follows a blank
/// line (a rule, not a setext underline), outside code fences.
fn rule_after(text: &str, from: usize, to: usize) -> Option<usize> {
    let mut at = from;
    let mut blank_before = false;
    let mut fenced = false;
    for line in text[from..to].split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
        }
        if !fenced && blank_before && is_rule(line) {
            return Some(at);
        }
        blank_before = t.is_empty();
        at += line.len();
    }
    None
}

/// Where a closing footer starts: a last thematic break followed by nothing but blank
/// lines and `**Last Updated**` lines.
fn footer_start(text: &str) -> Option<usize> {
    let mut at = 0;
    let mut found = None;
    let mut blank_before = true;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if blank_before && is_rule(line) {
            found = Some(at);
        } else if !t.is_empty() && !t.starts_with("**Last Updated") {
            found = None;
        }
        blank_before = t.is_empty();
        at += line.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Document {
        Document::parse_default(s, "docs/tasks/TASKS.md")
    }

    fn add(s: &str, place: Place) -> String {
        let d = doc(s);
        let ins = insert_tasks(
            &d,
            place,
            &[vec!["- [ ] New".into(), "  (spec: [a](b))".into()]],
        )
        .unwrap();
        crate::edit::apply(&d.text, &[ins.edit]).unwrap()
    }

    #[test]
    fn numbers_include_suffixed_names() {
        assert_eq!(spec_number("106A_SPLIT.md"), Some(106));
        assert_eq!(spec_number("101_X.md"), Some(101));
        assert_eq!(spec_number("README.md"), None);
    }

    #[test]
    fn sentence_case() {
        assert_eq!(in_sentence("Proxy rotation"), "proxy rotation");
        assert_eq!(in_sentence("API gateway"), "API gateway");
        assert_eq!(in_sentence("x"), "x");
    }

    #[test]
    fn appends_after_the_last_task_of_the_section() {
        let out = add(
            "# T\n## Backlog\n\n- [ ] a\n  - [ ] child\n\n## Next\n- [ ] z\n",
            Place::Named("backlog"),
        );
        assert_eq!(
            out,
            "# T\n## Backlog\n\n- [ ] a\n  - [ ] child\n- [ ] New\n  (spec: [a](b))\n\n## Next\n- [ ] z\n"
        );
    }

    #[test]
    fn keeps_crlf_and_no_final_newline() {
        let out = add("# T\r\n## Backlog\r\n- [ ] a", Place::Named("Backlog"));
        assert_eq!(
            out,
            "# T\r\n## Backlog\r\n- [ ] a\r\n- [ ] New\r\n  (spec: [a](b))"
        );
    }

    #[test]
    fn empty_section_gets_a_list() {
        let out = add(
            "# T\n## Backlog\nSome prose.\n## Next\n",
            Place::Named("Backlog"),
        );
        assert_eq!(
            out,
            "# T\n## Backlog\nSome prose.\n\n- [ ] New\n  (spec: [a](b))\n\n## Next\n"
        );
    }

    #[test]
    fn missing_section_goes_before_the_checklist_or_at_the_end() {
        let out = add(
            "# T\n## Work\n- [ ] a\n\n## Phase Completion Checklist\n- [ ] run\n",
            Place::Named("Backlog"),
        );
        assert_eq!(
            out,
            "# T\n## Work\n- [ ] a\n\n## Backlog\n\n- [ ] New\n  (spec: [a](b))\n\n## Phase Completion Checklist\n- [ ] run\n"
        );
        let out = add("# T\n## Work\n- [ ] a", Place::Named("Backlog"));
        assert_eq!(
            out,
            "# T\n## Work\n- [ ] a\n\n## Backlog\n\n- [ ] New\n  (spec: [a](b))"
        );
    }

    #[test]
    fn ambiguous_sections_are_refused() {
        let d = doc("# T\n## Phase 1 a\n## Phase 1 b\n");
        assert!(insert_tasks(&d, Place::Named("phase 1"), &[vec!["- [ ] x".into()]]).is_err());
    }
}
