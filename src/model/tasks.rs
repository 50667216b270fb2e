//! The TASKS.md document model: sections, tasks, claims and links, all as byte ranges
//! into the original text, which is kept verbatim.

use super::coord::{self, CoordTable};
use super::links::{self, Link, LinkKind, Target};
use super::refs;
use super::shared::Str;
use crate::config::Config;
use crate::marks::MarkState;
use crate::text::{self, LineIndex};
use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// An `[Instance N]` tag in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub instance: u32,
    /// The tag itself, `[Instance N]`.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    Research,
    Spec,
    Implementation,
}

impl TaskKind {
    pub fn parse(s: &str) -> Option<TaskKind> {
        match s.to_ascii_lowercase().as_str() {
            "research" => Some(TaskKind::Research),
            "spec" => Some(TaskKind::Spec),
            "implementation" | "impl" | "code" => Some(TaskKind::Implementation),
            _ => None,
        }
    }
}

/// A heading and what hangs off it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub level: u8,
    /// Plain heading text, claim tags removed.
    pub title: Str,
    /// Titles from the outermost heading down to this one.
    pub path: Vec<Str>,
    pub parent: Option<usize>,
    /// The heading line(s).
    pub range: Range<usize>,
    /// Where ` [Instance N]` is appended: the end of the heading text.
    pub claim_at: usize,
    pub claims: Vec<Claim>,
    /// `**Spec**: [..](..)`-style links that every task in the section inherits.
    pub links: Vec<Link>,
    /// A checklist-template section (or inside one).
    pub template: bool,
    pub line: usize,
    /// End of the section: the next heading of the same or a higher level, or EOF.
    pub end: usize,
    pub reference: Str,
}

/// One checkbox list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub section: Option<usize>,
    /// The whole list item (including children).
    pub item: Range<usize>,
    /// The `[ ]` box.
    pub mark_range: Range<usize>,
    pub mark: char,
    /// What the mark means (`crate::marks`, overridden by `.baton.yaml`).
    pub state: MarkState,
    /// `state` is done.
    pub done: bool,
    /// `[Instance N]` tags on the task line.
    pub claims: Vec<Claim>,
    pub number: Option<Str>,
    pub title: Str,
    pub kind: TaskKind,
    /// The task's own links (same line, continuation lines, non-task sub-bullets).
    pub links: Vec<Link>,
    pub parent: Option<usize>,
    pub line: usize,
    /// Where `[Instance N] ` is inserted.
    pub claim_at: usize,
    /// Whether the claim insertion needs a leading space (empty task text).
    pub claim_at_eol: bool,
    pub reference: Str,
}

/// A fenced-code line that looks like a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCheckbox {
    pub offset: usize,
    pub line: usize,
}

/// Inputs needed to resolve links while parsing.
pub struct ParseEnv<'a> {
    pub config: &'a Config,
    /// The file's path relative to the root.
    pub rel_path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub text: Rc<String>,
    pub rel_path: PathBuf,
    pub lines: LineIndex,
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub coordination: Option<CoordTable>,
    pub code_checkboxes: Vec<CodeCheckbox>,
    /// The local links that are neither a task's nor a section's own (prose, tables,
    /// headings); `all_links` gives every link of the file.
    pub prose_links: Vec<Link>,
    /// Where dependency spellings and conflict markers may start.
    pub spots: super::spots::Spots,
}

struct Frame {
    task: Option<usize>,
}

impl Document {
    pub fn parse(text: String, env: &ParseEnv) -> Document {
        let threaded = text.len() >= text::PIPELINE_BYTES;
        Document::parse_on(text, env, threaded)
    }

    /// `parse`, with pulldown-cmark on a second thread or not.
    fn parse_on(text: String, env: &ParseEnv, threaded: bool) -> Document {
        let src = Rc::new(text);
        let text = src.as_str();
        let bom = if text.starts_with(text::BOM) {
            text::BOM.len()
        } else {
            0
        };
        let lines = LineIndex::new(text);
        let doc_dir = env
            .rel_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let specs = [
            env.config.specs_dir.as_str(),
            env.config.archive.specs.as_str(),
        ];
        let research = [
            env.config.research_dir.as_str(),
            env.config.archive.research.as_str(),
        ];

        let mut sections: Vec<Section> = Vec::new();
        let mut tasks: Vec<Task> = Vec::new();
        let mut code_checkboxes = Vec::new();
        let mut prose_links = Vec::new();
        let mut tables: Vec<(Range<usize>, Option<usize>)> = Vec::new();
        let mut heading_stack: Vec<usize> = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut in_heading = false;
        let mut table_depth = 0usize;

        // Claim tags on otherwise empty tasks are blanked for pulldown-cmark, so that a
        // claim never changes how the lines around it parse.
        let masked = mask_tags_of_empty_tasks(text);
        let body = &masked.as_deref().unwrap_or(text)[bom..];
        std::thread::scope(|scope| {
            // A large file is parsed by pulldown-cmark on a second thread while this one
            // recognises its task lines and then builds the model from the events.
            let (events, mut heads): (Box<Events>, _) = if threaded {
                (
                    Box::new(events_from_thread(scope, body)),
                    line_item_heads(text),
                )
            } else {
                let events = Parser::new_ext(body, OPTIONS).into_offset_iter();
                (
                    Box::new(events.filter(|(e, _)| builds_model(e))),
                    Vec::new(),
                )
            };
            let mut head_at = 0;
            let mut line_at = 0;
            for (event, r) in events {
                let r = r.start + bom..r.end + bom;
                match event {
                    Event::Start(Tag::Heading { level, .. }) => {
                        in_heading = true;
                        let level = level as u8;
                        while let Some(&top) = heading_stack.last() {
                            if sections[top].level >= level {
                                heading_stack.pop();
                            } else {
                                break;
                            }
                        }
                        let parent = heading_stack.last().copied();
                        let (title, claim_at, claims) = parse_heading(text, r.clone());
                        let title = Str::find_in(&src, r.clone(), title);
                        let mut path = parent.map(|p| sections[p].path.clone()).unwrap_or_default();
                        path.push(title.clone());
                        let template = env.config.is_template_heading(&title)
                            || parent.is_some_and(|p| sections[p].template);
                        sections.push(Section {
                            level,
                            title,
                            path,
                            parent,
                            range: r.clone(),
                            claim_at,
                            claims,
                            links: Vec::new(),
                            template,
                            line: lines.line_near(r.start, &mut line_at),
                            end: text.len(),
                            reference: Str::default(),
                        });
                        heading_stack.push(sections.len() - 1);
                    }
                    Event::End(TagEnd::Heading(_)) => in_heading = false,
                    Event::Start(Tag::Item) => {
                        let section = heading_stack.last().copied();
                        // Items under checklist headings are parsed too; `drop_templates`
                        // removes them unless the checklist turns out to be used as work.
                        let bullet = item_bullet(text, r.start);
                        // Bullets come in document order: the recognised heads are walked
                        // once.
                        while heads.get(head_at).is_some_and(|h| h.0 < bullet) {
                            head_at += 1;
                        }
                        let head = match heads.get_mut(head_at) {
                            Some(h) if h.0 == bullet => h.1.take(),
                            _ => item_head_at(text, bullet),
                        };
                        // A box holding spec-kit's `[P]` is its legend ("[P] tasks = different
                        // files"), not a task, unless the mark table names `P`.
                        let head = head.filter(|h| {
                            h.mark != 'P' || env.config.mark_state('P') != MarkState::Unknown
                        });
                        let task = {
                            head.map(|head| {
                                let near = r.start..text::line_end(text, head.mark_range.start);
                                let parent = frames.iter().rev().find_map(|f| f.task);
                                // The marker's line: an item's range can start at the
                                // line break before an indented bullet.
                                let line = lines.line_near(head.mark_range.start, &mut line_at);
                                let state = env.config.mark_state(head.mark);
                                tasks.push(Task {
                                    section,
                                    item: r.clone(),
                                    mark_range: head.mark_range,
                                    mark: head.mark,
                                    state,
                                    done: state == MarkState::Done,
                                    claims: head.claims,
                                    number: head
                                        .number
                                        .map(|n| Str::find_in(&src, near.clone(), n)),
                                    title: Str::find_in(&src, near, head.title),
                                    kind: TaskKind::Implementation,
                                    links: Vec::new(),
                                    parent,
                                    line,
                                    claim_at: head.claim_at,
                                    claim_at_eol: head.claim_at_eol,
                                    reference: Str::default(),
                                });
                                tasks.len() - 1
                            })
                        };
                        frames.push(Frame { task });
                    }
                    Event::End(TagEnd::Item) => {
                        frames.pop();
                    }
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                        let mut off = r.start;
                        for l in text[r.clone()].split_inclusive('\n') {
                            if looks_like_checkbox(l) {
                                code_checkboxes.push(CodeCheckbox {
                                    offset: off,
                                    line: lines.line_near(off, &mut line_at),
                                });
                            }
                            off += l.len();
                        }
                    }
                    Event::Start(Tag::Table(_)) => {
                        table_depth += 1;
                        tables.push((r.clone(), heading_stack.last().copied()));
                    }
                    Event::End(TagEnd::Table) => table_depth = table_depth.saturating_sub(1),
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        ..
                    }) => {
                        // `<user@example.com>` is an e-mail address, not a file.
                        if link_type == LinkType::Email {
                            continue;
                        }
                        let resolved = match links::resolve(&dest_url, &doc_dir) {
                            Target::External => continue,
                            // Most resolved paths read as written (a plan at the root): then
                            // they are spans of the text too.
                            Target::Local(p) => {
                                Target::Local(Str::find_in(&src, r.clone(), p.to_string()))
                            }
                            other => other,
                        };
                        let label = links::label_before(text, r.start);
                        let kind = label.unwrap_or_else(|| match &resolved {
                            Target::Local(p) => {
                                links::kind_from_path(p.as_ref(), &specs, &research)
                            }
                            _ => LinkKind::Other,
                        });
                        let link = Link {
                            kind,
                            target: Str::find_in(&src, r.clone(), dest_url.into_string()),
                            range: r.clone(),
                            dest_range: inline_dest_range(text, r.clone()),
                            removal: links::removal_span(text, r.clone()),
                            resolved,
                            line: lines.line_near(r.start, &mut line_at),
                        };
                        if let Some(t) = frames.iter().rev().find_map(|f| f.task) {
                            tasks[t].links.push(link);
                        } else if frames.is_empty()
                            && !in_heading
                            && table_depth == 0
                            && label.is_some()
                            && let Some(&s) = heading_stack.last()
                        {
                            sections[s].links.push(link);
                        } else {
                            prose_links.push(link);
                        }
                    }
                    _ => {}
                }
            }
        });

        // Section ends.
        for i in 0..sections.len() {
            let level = sections[i].level;
            sections[i].end = sections[i + 1..]
                .iter()
                .find(|s| s.level <= level)
                .map_or(text.len(), |s| s.range.start);
        }
        drop_templates(&mut sections, &mut tasks, env.config);
        for t in &mut tasks {
            t.kind = infer_kind(t);
        }
        let coordination = tables.iter().find_map(|(r, sec)| {
            let heading = sec.map(|s| sections[s].title.as_str()).unwrap_or("");
            coord::parse(text, r.clone(), heading, &lines)
        });
        let spots = super::spots::Spots::find(text);
        let mut doc = Document {
            text: src,
            rel_path: env.rel_path.clone(),
            lines,
            sections,
            tasks,
            coordination,
            code_checkboxes,
            prose_links,
            spots,
        };
        refs::assign(&mut doc);
        doc
    }

    /// The lines of git's merge-conflict markers (`text::conflict_lines`); no search of
    /// the text when it holds no marker.
    pub fn conflict_lines(&self) -> Vec<usize> {
        if !self.spots.conflict {
            return Vec::new();
        }
        text::conflict_lines(&self.text)
    }

    /// Parse with the default configuration (tests and tools).
    pub fn parse_default(text: &str, rel_path: &str) -> Document {
        Document::parse(
            text.to_string(),
            &ParseEnv {
                config: &Config::default(),
                rel_path: rel_path.into(),
            },
        )
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    /// Whether this file tags the task or heading `reference` for `instance` (its own tag,
    /// not a heading's above it).
    pub fn tags(&self, reference: &str, instance: u32) -> bool {
        let has = |claims: &[Claim]| claims.iter().any(|c| c.instance == instance);
        self.tasks
            .iter()
            .any(|t| *t.reference == *reference && has(&t.claims))
            || self
                .sections
                .iter()
                .any(|s| *s.reference == *reference && has(&s.claims))
    }

    /// Instances claiming task `i`: its own tags, then the claims of enclosing headings
    /// (which cover only open tasks).
    pub fn claimants(&self, i: usize) -> Vec<u32> {
        let t = &self.tasks[i];
        let mut out: Vec<u32> = t.claims.iter().map(|c| c.instance).collect();
        if !t.state.finished() {
            for s in self.heading_claims(i) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Instances claiming an enclosing heading of task `i`.
    pub fn heading_claims(&self, i: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let mut s = self.tasks[i].section;
        while let Some(si) = s {
            for c in &self.sections[si].claims {
                if !out.contains(&c.instance) {
                    out.push(c.instance);
                }
            }
            s = self.sections[si].parent;
        }
        out
    }

    /// Section-level links task `i` inherits, innermost section first.
    pub fn inherited_links(&self, i: usize) -> impl Iterator<Item = &Link> {
        let mut chain = Vec::new();
        let mut s = self.tasks[i].section;
        while let Some(si) = s {
            chain.push(si);
            s = self.sections[si].parent;
        }
        chain
            .into_iter()
            .flat_map(|si| self.sections[si].links.iter())
    }

    /// Ancestor tasks of task `i`, nearest first.
    pub fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.tasks[i].parent, |&p| self.tasks[p].parent)
    }

    /// Open (by the mark table), unclaimed, not under anyone's heading claim, no ancestor
    /// claimed by someone else. With `for_instance`, tasks under that instance's own heading
    /// claim count as ready. Dependencies are `deps::Deps`'s business.
    pub fn is_ready(&self, i: usize, for_instance: Option<u32>) -> bool {
        let t = &self.tasks[i];
        if t.state != MarkState::Open || !t.claims.is_empty() {
            return false;
        }
        let hc = self.heading_claims(i);
        if hc.iter().any(|&c| Some(c) != for_instance) {
            return false;
        }
        !self.ancestors(i).any(|a| {
            self.tasks[a]
                .claims
                .iter()
                .any(|c| Some(c.instance) != for_instance)
        })
    }

    /// The claims an instance holds as units: each tagged task, and each tagged heading
    /// (counted once) — what `max_claims` limits.
    pub fn claim_units(&self, instance: u32) -> Vec<ClaimUnit> {
        self.claim_units_all().remove(&instance).unwrap_or_default()
    }

    /// `claim_units` of every instance that holds any, in one pass.
    pub fn claim_units_all(&self) -> std::collections::BTreeMap<u32, Vec<ClaimUnit>> {
        let mut out: std::collections::BTreeMap<u32, Vec<ClaimUnit>> = Default::default();
        for (si, s) in self.sections.iter().enumerate() {
            for c in &s.claims {
                let units = out.entry(c.instance).or_default();
                if units.last() != Some(&ClaimUnit::Section(si)) {
                    units.push(ClaimUnit::Section(si));
                }
            }
        }
        for (ti, t) in self.tasks.iter().enumerate() {
            for c in &t.claims {
                let units = out.entry(c.instance).or_default();
                if units.last() != Some(&ClaimUnit::Task(ti)) {
                    units.push(ClaimUnit::Task(ti));
                }
            }
        }
        out
    }

    /// The outermost section from `s` upwards whose heading names `instance`.
    pub fn enclosing_claimed_section(&self, s: usize, instance: u32) -> Option<usize> {
        let mut cur = Some(s);
        let mut found = None;
        while let Some(si) = cur {
            if self.sections[si]
                .claims
                .iter()
                .any(|c| c.instance == instance)
            {
                found = Some(si);
            }
            cur = self.sections[si].parent;
        }
        found
    }

    /// Record that a task or heading now carries the claims of `instances`, after an edit
    /// verified elsewhere (`edits::verify_claims_local`). The text is not changed, so the
    /// byte ranges of these claims are left empty: use the model for reporting only.
    pub fn set_claims(&mut self, target: super::refs::Target, instances: &[u32]) {
        let claims = instances
            .iter()
            .map(|&instance| Claim {
                instance,
                range: 0..0,
            })
            .collect();
        match target {
            super::refs::Target::Task(i) => self.tasks[i].claims = claims,
            super::refs::Target::Section(s) => self.sections[s].claims = claims,
        }
    }

    /// Every instance the document names: in task tags, heading tags and coordination rows.
    pub fn instances_named(&self) -> std::collections::BTreeSet<u32> {
        let mut ids = std::collections::BTreeSet::new();
        for t in &self.tasks {
            ids.extend(t.claims.iter().map(|c| c.instance));
        }
        for s in &self.sections {
            ids.extend(s.claims.iter().map(|c| c.instance));
        }
        if let Some(c) = &self.coordination {
            ids.extend(c.rows.iter().map(|r| r.instance));
        }
        ids
    }

    /// Every local link in the file, in no particular order: the tasks', the sections' and
    /// the prose's.
    pub fn links(&self) -> impl Iterator<Item = &Link> {
        self.tasks
            .iter()
            .flat_map(|t| &t.links)
            .chain(self.sections.iter().flat_map(|s| &s.links))
            .chain(&self.prose_links)
    }

    /// `links` in document order (for link rewriting and checks that report them).
    pub fn all_links(&self) -> Vec<&Link> {
        let mut all: Vec<&Link> = self.links().collect();
        all.sort_unstable_by_key(|l| l.range.start);
        all
    }

    /// A task's `number title` label, as shown in the coordination table.
    pub fn label(&self, i: usize) -> String {
        let t = &self.tasks[i];
        match &t.number {
            Some(n) => format!("{n} {}", t.title),
            None => t.title.to_string(),
        }
    }

    /// The source line of `offset`, without its line break.
    pub fn source_line(&self, offset: usize) -> &str {
        let s = text::line_start(&self.text, offset);
        let e = text::line_end(&self.text, offset);
        let s = if s == 0 && self.text.starts_with(text::BOM) {
            text::BOM.len()
        } else {
            s
        };
        &self.text[s..e.max(s)]
    }
}

/// A claim an instance holds: a task tag or a heading tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimUnit {
    Task(usize),
    Section(usize),
}

/// Remove the items of checklist-template sections. A section named like a template
/// (and everything under it) holds a checklist to run, unless one of its items is ticked:
/// then it is a list of work that merely has "Checklist" in its name.
fn drop_templates(sections: &mut [Section], tasks: &mut Vec<Task>, config: &Config) {
    if !sections.iter().any(|s| s.template) {
        return;
    }
    // The template root of each section: the outermost heading whose own name matches.
    let root_of = |sections: &[Section], mut s: usize| -> Option<usize> {
        let mut root = None;
        loop {
            if config.is_template_heading(&sections[s].title) {
                root = Some(s);
            }
            match sections[s].parent {
                Some(p) => s = p,
                None => return root,
            }
        }
    };
    let mut used = vec![false; sections.len()];
    for t in tasks.iter() {
        if t.done
            && let Some(r) = t.section.and_then(|s| root_of(sections, s))
        {
            used[r] = true;
        }
    }
    for i in 0..sections.len() {
        if sections[i].template {
            sections[i].template = root_of(sections, i).is_some_and(|r| !used[r]);
        }
    }
    let keep: Vec<bool> = tasks
        .iter()
        .map(|t| !t.section.is_some_and(|s| sections[s].template))
        .collect();
    if keep.iter().all(|&k| k) {
        return;
    }
    let mut new_index = vec![None; tasks.len()];
    let mut n = 0;
    for (i, &k) in keep.iter().enumerate() {
        if k {
            new_index[i] = Some(n);
            n += 1;
        }
    }
    let old = std::mem::take(tasks);
    for (i, mut t) in old.into_iter().enumerate() {
        if keep[i] {
            t.parent = t.parent.and_then(|p| new_index[p]);
            tasks.push(t);
        }
    }
}

pub(super) struct ItemHead {
    pub(super) mark_range: Range<usize>,
    pub(super) mark: char,
    pub(super) claims: Vec<Claim>,
    pub(super) number: Option<String>,
    pub(super) title: String,
    pub(super) claim_at: usize,
    pub(super) claim_at_eol: bool,
}

/// pulldown-cmark's events with their byte ranges.
type Events<'a> = dyn Iterator<Item = (Event<'a>, Range<usize>)> + 'a;

/// Whether the model is built from event `e` (the arms of `Document::parse_on`'s loop);
/// the others are dropped where they are made, on either path.
fn builds_model(e: &Event) -> bool {
    matches!(
        e,
        Event::Start(
            Tag::Heading { .. }
                | Tag::Item
                | Tag::CodeBlock(CodeBlockKind::Fenced(_))
                | Tag::Table(_)
                | Tag::Link { .. }
        ) | Event::End(TagEnd::Heading(_) | TagEnd::Item | TagEnd::Table)
    )
}

/// pulldown-cmark's options for a tasks file (the bench's bare parse uses them too).
pub const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS);

/// pulldown-cmark's events for `body`, made on a thread of `scope` and handed over in
/// batches; only the events the model is built from are kept.
fn events_from_thread<'s, 'a: 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    body: &'a str,
) -> impl Iterator<Item = (Event<'a>, Range<usize>)> + use<'a, 's> {
    const BATCH: usize = 512;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Event<'a>, Range<usize>)>>(256);
    scope.spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for (e, r) in Parser::new_ext(body, OPTIONS).into_offset_iter() {
            if builds_model(&e) {
                batch.push((e, r));
                if batch.len() == BATCH
                    && tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_err()
                {
                    return;
                }
            }
        }
        let _ = tx.send(batch);
    });
    rx.into_iter().flatten()
}

/// Recognise `- [m] [Instance N] 1.2 Title` at the start of a list item.
pub(super) fn parse_item_head(text: &str, start: usize) -> Option<ItemHead> {
    item_head_at(text, item_bullet(text, start))
}

/// Where the bullet of the list item starting at `start` is: an item's range can start
/// at the line break before an indented bullet.
fn item_bullet(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    while matches!(
        b.get(i),
        Some(b' ') | Some(b'\t') | Some(b'\r') | Some(b'\n')
    ) {
        i += 1;
    }
    i
}

/// The heads of the checkbox items whose bullet starts a line (after blanks), by bullet
/// offset: worked out while pulldown-cmark's first pass runs on the other thread. Items
/// elsewhere (in a block quote) are recognised when their event comes.
fn line_item_heads(text: &str) -> Vec<(usize, Option<ItemHead>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 0;
    while line < b.len() {
        let end = memchr::memchr(b'\n', &b[line..]).map_or(b.len(), |i| line + i + 1);
        let mut i = line;
        while i < end && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        if i < end
            && matches!(b[i], b'-' | b'*' | b'+' | b'0'..=b'9')
            && let Some(h) = item_head_at(text, i)
        {
            out.push((i, Some(h)));
        }
        line = end;
    }
    out
}

/// `text` with the `[Instance N]` tags of tasks that hold nothing else (`- [ ] [Instance 2]`)
/// replaced by spaces, or `None` when it has none. Text after the box makes the item a
/// paragraph, which changes how the next lines parse (a lazy continuation line, a list
/// that may now interrupt it): blanked, a claimed empty task parses as the unclaimed one.
/// The replacement keeps every byte offset.
fn mask_tags_of_empty_tasks(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut masked: Option<Vec<u8>> = None;
    let mut done_to = 0;
    for at in memchr::memmem::find_iter(b, b"nstance") {
        if at < 2 || at < done_to || b[at - 2] != b'[' || !matches!(b[at - 1], b'i' | b'I') {
            continue;
        }
        let start = text::line_start(text, at);
        let eol = text::line_end(text, at);
        done_to = eol;
        let mut i = start;
        while i < eol && matches!(b[i], b' ' | b'\t' | b'>') {
            i += 1;
        }
        let Some(head) = item_head_at(text, i) else {
            continue;
        };
        if head.claims.is_empty() {
            continue;
        }
        // Nothing but blanks and the tags after the box (and Kiro's `*`).
        let mut rest = head.mark_range.end;
        let mut only_tags = true;
        let mut claims = head.claims.iter().peekable();
        while rest < eol {
            if let Some(c) = claims.next_if(|c| c.range.start == rest) {
                rest = c.range.end;
            } else if matches!(b[rest], b' ' | b'\t')
                || (rest == head.mark_range.end && b[rest] == b'*')
            {
                rest += 1;
            } else {
                only_tags = false;
                break;
            }
        }
        if !only_tags {
            continue;
        }
        let m = masked.get_or_insert_with(|| b.to_vec());
        for c in &head.claims {
            m[c.range.clone()].fill(b' ');
        }
    }
    masked.map(|m| String::from_utf8(m).expect("ASCII tags replaced by ASCII spaces"))
}

/// `parse_item_head` with the bullet at `i`.
fn item_head_at(text: &str, mut i: usize) -> Option<ItemHead> {
    let b = text.as_bytes();
    // bullet
    match b.get(i)? {
        b'-' | b'*' | b'+' => i += 1,
        c if c.is_ascii_digit() => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'.') | Some(b')')) {
                return None;
            }
            i += 1;
        }
        _ => return None,
    }
    let ws_start = i;
    while matches!(b.get(i), Some(b' ') | Some(b'\t')) {
        i += 1;
    }
    if i == ws_start || b.get(i) != Some(&b'[') {
        return None;
    }
    let mark_start = i;
    let mark = text[i + 1..].chars().next()?;
    if mark == '\n' || mark == '\r' || mark == ']' {
        return None;
    }
    let close = i + 1 + mark.len_utf8();
    if b.get(close) != Some(&b']') {
        return None;
    }
    let mut after = close + 1;
    // Kiro's optional-task marker: `- [ ]* 6.3 Write tests`.
    if b.get(after) == Some(&b'*') {
        after += 1;
    }
    let eol = text::line_end(text, after);
    if after != eol && !matches!(b.get(after), Some(b' ') | Some(b'\t')) {
        return None;
    }
    // claims right after the box
    let mut j = after;
    while matches!(b.get(j), Some(b' ') | Some(b'\t')) {
        j += 1;
    }
    let claim_at_eol = j >= eol;
    let claim_at = if claim_at_eol { eol } else { j.min(after + 1) };
    let mut claims = Vec::new();
    while let Some((inst, len)) = instance_tag(&text[j..eol]) {
        claims.push(Claim {
            instance: inst,
            range: j..j + len,
        });
        j += len;
        while j < eol && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
    }
    let mut rest = &text[j..eol];
    // trailing tags at the end of the line
    let mut tail_end = eol;
    loop {
        let trimmed = text[j..tail_end].trim_end();
        let te = j + trimmed.len();
        if let Some(open) = trimmed.rfind('[')
            && let Some((inst, len)) = instance_tag(&trimmed[open..])
            && open + len == trimmed.len()
        {
            claims.push(Claim {
                instance: inst,
                range: j + open..te,
            });
            tail_end = j + open;
            rest = &text[j..tail_end];
            continue;
        }
        break;
    }
    let (number, title) = split_number(&super::deps::strip_after(strip_link_labels(rest)));
    Some(ItemHead {
        mark_range: mark_start..close + 1,
        mark,
        claims,
        number,
        title,
        claim_at,
        claim_at_eol,
    })
}

/// `[Instance N]` (case-insensitive) at the start of `s`: the instance and the tag length.
pub fn instance_tag(s: &str) -> Option<(u32, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'[') || b.len() < 11 || !b[1..9].eq_ignore_ascii_case(b"instance") {
        return None;
    }
    let mut i = 9;
    let sp = i;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    if i == sp {
        return None;
    }
    let ds = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == ds || i - ds > 6 || b.get(i) != Some(&b']') {
        return None;
    }
    let n = s[ds..i].parse().ok()?;
    Some((n, i + 1))
}

/// Remove `(spec: [..](..))`/`(research: ..)` groups from a title's source text.
fn strip_link_labels(s: &str) -> &str {
    let b = s.as_bytes();
    let cut = memchr_iter(b'(', b).find(|&i| {
        let rest = &b[i + 1..];
        ["spec:", "research:", "specs:"]
            .iter()
            .any(|p| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
    });
    match cut {
        Some(c) => s[..c].trim_end(),
        None => s,
    }
}

fn memchr_iter(needle: u8, hay: &[u8]) -> impl Iterator<Item = usize> + '_ {
    hay.iter()
        .enumerate()
        .filter_map(move |(i, &c)| (c == needle).then_some(i))
}

/// Split a leading task number (`4.0.2`, `**0.2**`, `6.`, `1.3-1.5`, `T001`) from the title.
fn split_number(raw: &str) -> (Option<String>, String) {
    let t = raw.trim_start();
    let (inner, bold) = match t.strip_prefix("**") {
        Some(r) => match r.find("**") {
            Some(e) => (&r[..e], Some(e + 4)),
            None => (t, None),
        },
        None => (t, None),
    };
    let tok_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let tok = &inner[..tok_end];
    if let Some(n) = number_token(tok)
        && (bold.is_none() || tok_end == inner.len())
    {
        let rest = match bold {
            Some(e) => &t[e..],
            None => &inner[tok_end..],
        };
        return (
            Some(n),
            text::plain(rest.trim_start_matches([':', ' ', '-'])),
        );
    }
    (None, text::plain(t))
}

fn number_token(tok: &str) -> Option<String> {
    let tok = tok.trim_end_matches([':', ')']);
    let had_dot = tok.ends_with('.');
    let core = tok.trim_end_matches('.');
    if core.is_empty() {
        return None;
    }
    let valid_part = |p: &str| {
        let b = p.as_bytes();
        let (prefix, rest) = if b.first().is_some_and(u8::is_ascii_uppercase) {
            (true, &p[1..])
        } else {
            (false, p)
        };
        // Dot-separated digit runs; only the last may end in capital letters.
        let (init, last) = match rest.rsplit_once('.') {
            Some((init, last)) => (Some(init), last),
            None => (None, rest),
        };
        let seg_ok =
            |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|c| c.is_ascii_digit());
        let digits_ok = init.is_none_or(|init| init.split('.').all(seg_ok))
            && seg_ok(last.trim_end_matches(|c: char| c.is_ascii_uppercase()));
        if !digits_ok {
            return false;
        }
        if prefix {
            init.is_some() || rest.len() >= 2
        } else {
            true
        }
    };
    let dashes = core.bytes().filter(|&c| c == b'-').count();
    if dashes > 1 || !core.split('-').all(valid_part) {
        return None;
    }
    let suffixed = core.len() >= 3
        && core.ends_with(|c: char| c.is_ascii_uppercase())
        && core[..core.len() - 1].bytes().all(|c| c.is_ascii_digit());
    let dotted =
        core.contains('.') || core.starts_with(|c: char| c.is_ascii_uppercase()) || suffixed;
    let tail = tok.len() != core.len() || tok.len() != tok.trim_end_matches([':', ')']).len();
    if !dotted && !had_dot && !tail && dashes == 0 {
        return None;
    }
    Some(core.to_string())
}

fn infer_kind(t: &Task) -> TaskKind {
    let title = t.title.as_str();
    let first = title.split_whitespace().next().unwrap_or("");
    let first_is = |ws: &[&str]| ws.iter().any(|w| first.eq_ignore_ascii_case(w));
    let has_word = |w: &str| {
        title
            .split(|c: char| !c.is_alphanumeric())
            .any(|x| x.eq_ignore_ascii_case(w))
    };
    if first_is(&["research", "investigate", "explore"]) {
        return TaskKind::Research;
    }
    if first_is(&["write", "draft", "create", "author", "spec"])
        && (has_word("spec") || has_word("specs") || has_word("specification"))
    {
        return TaskKind::Spec;
    }
    let own_spec = t.links.iter().any(|l| l.kind == LinkKind::Spec);
    let own_research = t.links.iter().any(|l| l.kind == LinkKind::Research);
    if own_research && !own_spec && has_word("research") {
        return TaskKind::Research;
    }
    TaskKind::Implementation
}

/// Heading text (plain, tags removed), the claim insertion point, and heading claims.
pub(super) fn parse_heading(text: &str, r: Range<usize>) -> (String, usize, Vec<Claim>) {
    let first_end = text::line_end(text, r.start);
    let line = &text[r.start..first_end];
    let (content_start, atx) = if line.starts_with('#') {
        let hashes = line.bytes().take_while(|&c| c == b'#').count();
        let mut s = r.start + hashes;
        while s < first_end && matches!(text.as_bytes()[s], b' ' | b'\t') {
            s += 1;
        }
        (s, true)
    } else {
        (r.start, false)
    };
    let mut end = first_end;
    let mut content = text[content_start..end].trim_end();
    end = content_start + content.len();
    if atx {
        // closing #s preceded by a space
        let without = content.trim_end_matches('#');
        if without.len() != content.len() && (without.is_empty() || without.ends_with([' ', '\t']))
        {
            content = without.trim_end();
            end = content_start + content.len();
        }
    }
    let claim_at = end;
    let mut claims = Vec::new();
    let mut cend = end;
    loop {
        let c = text[content_start..cend].trim_end();
        let ce = content_start + c.len();
        match c.rfind('[') {
            Some(open) => match instance_tag(&c[open..]) {
                Some((inst, len)) if open + len == c.len() => {
                    claims.push(Claim {
                        instance: inst,
                        range: content_start + open..ce,
                    });
                    cend = content_start + open;
                }
                _ => break,
            },
            None => break,
        }
    }
    claims.reverse();
    let title = text::plain(&super::deps::strip_after(&text[content_start..cend]));
    (title, claim_at, claims)
}

fn looks_like_checkbox(line: &str) -> bool {
    let t = line.trim_start();
    let t = t
        .strip_prefix("- ")
        .or_else(|| t.strip_prefix("* "))
        .or_else(|| t.strip_prefix("+ "));
    matches!(t, Some(r) if r.starts_with("[ ]") || r.starts_with("[x]") || r.starts_with("[X]"))
}

/// The byte range of `dest` in an inline link `[text](dest "title")`.
pub fn inline_dest_range(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    let s = &text[r.clone()];
    if !s.ends_with(')') {
        return None;
    }
    // find the `](` that opens the destination: the last one whose parens balance to the end
    let open = s.rfind("](")? + 2;
    let inner = &s[open..s.len() - 1];
    let lead = inner.len() - inner.trim_start().len();
    let inner_t = inner.trim_start();
    let (ds, dl) = if let Some(rest) = inner_t.strip_prefix('<') {
        (lead + 1, rest.find('>')?)
    } else {
        (
            lead,
            inner_t.find([' ', '\t', '\n']).unwrap_or(inner_t.len()),
        )
    };
    let start = r.start + open + ds;
    Some(start..start + dl)
}

#[cfg(test)]
mod tests {

    #[test]
    fn claim_units_all_follows_the_definition() {
        let mut held = 0;
        let n = crate::model::for_each_fixture(|p, text| {
            let doc = Document::parse_default(&text, "TASKS.md");
            let all = doc.claim_units_all();
            for n in doc.instances_named() {
                // The definition: tagged headings, then tagged tasks, each once.
                let tagged = |c: &[Claim]| c.iter().any(|c| c.instance == n);
                let sections = (0..doc.sections.len())
                    .filter(|&s| tagged(&doc.sections[s].claims))
                    .map(ClaimUnit::Section);
                let tasks = (0..doc.tasks.len())
                    .filter(|&t| tagged(&doc.tasks[t].claims))
                    .map(ClaimUnit::Task);
                let one: Vec<ClaimUnit> = sections.chain(tasks).collect();
                assert_eq!(doc.claim_units(n), one);
                held += one.len();
                assert_eq!(
                    all.get(&n).cloned().unwrap_or_default(),
                    one,
                    "{}",
                    p.display()
                );
            }
            assert!(all.keys().all(|n| doc.instances_named().contains(n)));
        });
        assert!(n > 20 && held > 10, "{n} fixtures, {held} claims");
    }

    use super::*;

    fn parse(s: &str) -> Document {
        Document::parse_default(s, "docs/tasks/TASKS.md")
    }

    fn parse_on(s: &str, threaded: bool) -> Document {
        let env = ParseEnv {
            config: &Config::default(),
            rel_path: "docs/tasks/TASKS.md".into(),
        };
        Document::parse_on(s.to_string(), &env, threaded)
    }

    /// Lines of every shape the parse treats apart: tasks (nested, numbered, claimed, in
    /// a block quote, with links), headings (claimed), section links, tables, fences.
    fn line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let task = (
            prop_oneof![Just(""), Just("  "), Just("    "), Just("> "), Just("\t")],
            prop_oneof![Just("-"), Just("*"), Just("1.")],
            prop_oneof![Just(' '), Just('x'), Just('~')],
            prop_oneof![
                Just(""),
                Just("[Instance 2] "),
                Just("**1.2** "),
                Just("3.4 "),
            ],
            "[a-z `*é]{0,12}",
            prop_oneof![
                Just(""),
                Just(" (spec: [s](../specs/101_X.md))"),
                Just(" [r](../research/r.md) [Instance 3]"),
                Just(" [w](https://example.com)"),
            ],
        )
            .prop_map(|(i, b, m, c, t, l)| format!("{i}{b} [{m}] {c}{t}{l}"));
        prop_oneof![
            6 => task,
            1 => ("#{1,3}", "[A-Za-z ]{1,8}", prop_oneof![Just(""), Just(" [Instance 1]")])
                .prop_map(|(h, t, c)| format!("{h} {t}{c}")),
            1 => Just("**Spec**: [spec](../specs/102_Y.md)".to_string()),
            1 => Just("| Instance | Task |\n|---|---|\n| 1 | x |".to_string()),
            1 => Just("```\n- [ ] in a fence\n```".to_string()),
            1 => Just(String::new()),
            1 => "[a-z ]{1,12}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 128, ..proptest::prelude::ProptestConfig::default()
        })]
        /// pulldown-cmark on a second thread, with task lines recognised ahead, builds the
        /// same model as the plain loop.
        #[test]
        fn the_threaded_parse_builds_the_same_model(
            lines in proptest::collection::vec(line(), 1..40),
            bom in proptest::bool::weighted(0.2),
            crlf in proptest::bool::ANY,
        ) {
            let mut s = if bom { text::BOM.to_string() } else { String::new() };
            s.push_str(&lines.join("\n"));
            if crlf {
                s = s.replace('\n', "\r\n");
            }
            proptest::prop_assert_eq!(parse_on(&s, true), parse_on(&s, false));
        }
    }

    #[test]
    fn a_large_plan_takes_the_threaded_parse_and_matches_the_plain_one() {
        let mut s = String::from("# Plan\n\n");
        let mut k = 0;
        while s.len() < text::PIPELINE_BYTES + 1024 {
            k += 1;
            s.push_str(&format!(
                "## Phase {k} [Instance {}]\n\n**Spec**: [s](../specs/{k}.md)\n\n\
                 - [ ] **{k}.1** First (spec: [s](../specs/{k}.md))\n  - [x] {k}.1.1 Sub\n\
                 > - [ ] quoted {k}\n\n- [ ] [Instance 2] {k}.2 Second\n\n",
                k % 3 + 1
            ));
        }
        assert!(s.len() >= text::PIPELINE_BYTES);
        let auto = parse(&s);
        assert_eq!(auto, parse_on(&s, false));
        assert_eq!(auto.tasks.len(), 4 * k);
    }

    #[test]
    fn numbers() {
        let n = |s: &str| split_number(s).0;
        assert_eq!(n("4.3.1 Create the retry queue").as_deref(), Some("4.3.1"));
        assert_eq!(n("**0.2** Test the watch flag").as_deref(), Some("0.2"));
        assert_eq!(n("6. ~~Update the validator~~").as_deref(), Some("6"));
        assert_eq!(n("1.3-1.5 N/A - keeping").as_deref(), Some("1.3-1.5"));
        assert_eq!(n("T001 [P] Setup").as_deref(), Some("T001"));
        assert_eq!(n("106A Split").as_deref(), Some("106A"));
        assert_eq!(n("2 weeks of soak").as_deref(), None);
        assert_eq!(n("Backup strategy (scheduled)").as_deref(), None);
        assert_eq!(
            split_number("**0.2** Test the watch flag").1,
            "Test the watch flag"
        );
        assert_eq!(
            split_number("6. ~~Update the validator~~ (deleted)").1,
            "Update the validator (deleted)"
        );
    }

    #[test]
    fn format_shapes() {
        let d = parse(
            "# Tasks\n\n## Phase 4\n\n### 4.3 Celery\n**Spec**: [116_CACHE.md](../specs/116_CACHE.md)\n\n\
- [ ] [Instance 2] 4.3.1 Create the retry queue\n\
- [x] 1.2 Delete unused facades from the client (~25 lines)\n\
- [ ] [Instance 3] **0.2** Test the watch flag\n\
- [x] 6. ~~Update the validator~~ (deleted in Session 54)\n\
- [ ] Backup strategy (scheduled DB backups, retention policy)\n\
- [ ] Write cache spec\n  (spec: [101_CACHE.md](../specs/101_CACHE.md))\n\
- [x] 2.1 Create field parsers - Session 50\n\
- [~] 2.2 Odd mark\n",
        );
        let t = &d.tasks;
        assert_eq!(t.len(), 8);
        assert_eq!(t[0].claims[0].instance, 2);
        assert_eq!(t[0].number.as_deref(), Some("4.3.1"));
        assert_eq!(t[0].title, "Create the retry queue");
        assert!(t[1].done);
        assert_eq!(t[2].claims[0].instance, 3);
        assert_eq!(t[2].number.as_deref(), Some("0.2"));
        assert_eq!(t[4].number, None);
        assert_eq!(t[5].kind, TaskKind::Spec);
        assert_eq!(t[5].links[0].kind, LinkKind::Spec);
        assert_eq!(
            t[5].links[0].local().unwrap(),
            Path::new("docs/specs/101_CACHE.md")
        );
        assert_eq!(t[5].title, "Write cache spec");
        assert_eq!(t[7].mark, '~');
        assert!(!t[7].done);
        assert_eq!(d.inherited_links(0).count(), 1);
        assert_eq!(d.sections[2].path, vec!["Tasks", "Phase 4", "4.3 Celery"]);
    }

    #[test]
    fn every_mark_gets_its_state_and_only_open_ones_are_ready() {
        let marks = [
            ' ', 'x', 'X', '✅', '✔', '☑', '✓', '/', '~', '>', '<', '-', '!', '?', 'I',
        ];
        let text: String = marks
            .iter()
            .map(|m| format!("- [{m}] task {m}\n"))
            .collect();
        let d = parse(&text);
        assert_eq!(d.tasks.len(), marks.len());
        for (t, &m) in d.tasks.iter().zip(&marks) {
            assert_eq!(t.mark, m);
            assert_eq!(t.state, crate::marks::default_state(m), "{m:?}");
            assert_eq!(t.done, t.state == MarkState::Done, "{m:?}");
        }
        let ready: Vec<char> = (0..d.tasks.len())
            .filter(|&i| d.is_ready(i, None))
            .map(|i| d.tasks[i].mark)
            .collect();
        assert_eq!(ready, [' ']);
        // `.baton.yaml` overrides one mark; the others keep their defaults.
        let config = Config::parse("marks:\n  \"-\": in_progress\n  \"!\": open\n").unwrap();
        let env = ParseEnv {
            config: &config,
            rel_path: "TASKS.md".into(),
        };
        let d = Document::parse(text, &env);
        let state = |m: char| d.tasks.iter().find(|t| t.mark == m).unwrap().state;
        assert_eq!(state('-'), MarkState::InProgress);
        assert_eq!(state('!'), MarkState::Open);
        assert_eq!(state('~'), MarkState::InProgress);
        assert!(d.is_ready(marks.iter().position(|&m| m == '!').unwrap(), None));
    }

    #[test]
    fn a_p_box_is_spec_kits_legend_not_a_task() {
        let text = "- [ ] T001 [P] [US1] Create the model\n\n## Notes\n\n- [P] tasks = different files, no dependencies\n- [Story] label maps task to user story\n";
        let d = parse(text);
        assert_eq!(d.tasks.len(), 1);
        assert_eq!(d.tasks[0].number.as_deref(), Some("T001"));
        assert_eq!(d.tasks[0].mark, ' ');
        // Named in the mark table, `P` is a mark like any other.
        let config = Config::parse("marks:\n  P: deferred\n").unwrap();
        let env = ParseEnv {
            config: &config,
            rel_path: "TASKS.md".into(),
        };
        let d = Document::parse(text.to_string(), &env);
        assert_eq!(d.tasks.len(), 2);
        assert_eq!(d.tasks[1].state, MarkState::Deferred);
    }

    #[test]
    fn heading_claims_cover_open_tasks() {
        let d = parse(
            "#### Phase 3.5: Cross-Site Duplicates [Instance 2]\n- [ ] a\n- [x] b\n#### Next\n- [ ] c\n",
        );
        assert_eq!(d.sections[0].title, "Phase 3.5: Cross-Site Duplicates");
        assert_eq!(d.claimants(0), vec![2]);
        assert!(d.claimants(1).is_empty());
        assert!(d.claimants(2).is_empty());
        assert!(!d.is_ready(0, None));
        assert!(d.is_ready(0, Some(2)));
    }

    #[test]
    fn code_and_checklists_are_not_tasks() {
        let d = parse(
            "## Work\n```rust\n- [ ] not a task\nlet x = [x];\n```\n- [ ] real\n## Phase Completion Checklist\n- [ ] run tests\n### Sub\n- [ ] also template\n## After\n- [X] real too\n",
        );
        assert_eq!(d.tasks.len(), 2);
        assert_eq!(d.code_checkboxes.len(), 1);
        assert!(d.tasks[1].done);
    }

    #[test]
    fn a_ticked_checklist_is_work_not_a_template() {
        let d = parse(
            "## Checklist (expanded)\n- [x] W1 done\n- [ ] W2 open\n## Release Checklist\n- [ ] tag\n",
        );
        assert_eq!(d.tasks.len(), 2);
        assert!(!d.sections[0].template);
        assert!(d.sections[1].template);
    }

    #[test]
    fn tab_nested_and_kiro_optional_items() {
        let d = parse(
            "- [ ] Fill readme\n\t- [ ] Link\n- [ ]* 6.3 Write tests\n- [x]* 3.2 Done tests\n",
        );
        assert_eq!(d.tasks.len(), 4);
        assert_eq!(d.tasks[1].parent, Some(0));
        assert_eq!(d.tasks[2].number.as_deref(), Some("6.3"));
        assert!(d.tasks[3].done);
    }

    #[test]
    fn nesting_and_bullets() {
        let d = parse(
            "* [ ] parent\n  + [ ] child\n    1. [x] grandchild\n- [ ]\n- not a task\n- [link](x.md)\n",
        );
        assert_eq!(d.tasks.len(), 4);
        assert_eq!(d.tasks[1].parent, Some(0));
        assert_eq!(d.tasks[2].parent, Some(1));
        assert!(d.tasks[3].claim_at_eol);
    }

    #[test]
    fn crlf_bom_tabs() {
        let d =
            parse("\u{feff}# T\r\n\r\n- [ ]\t1.1 Tab task\r\n- [ ] [Instance 1] Ünïcode ✅\r\n");
        assert_eq!(d.sections[0].title, "T");
        assert_eq!(d.tasks.len(), 2);
        assert_eq!(d.tasks[0].title, "Tab task");
        assert_eq!(d.tasks[1].title, "Ünïcode ✅");
        assert_eq!(d.tasks[1].line, 4);
    }

    #[test]
    fn blockquote_section_links() {
        let d = parse(
            "### Cache ✅ COMPLETE\n> **Created**: Session 55\n> **Research**: [N.md](../research/N.md)\n\n- [ ] t\n",
        );
        let l: Vec<_> = d.inherited_links(0).collect();
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].kind, LinkKind::Research);
    }

    #[test]
    fn all_links_are_every_local_link_in_order() {
        let text = "# P\n\nSee [a](docs/a.md).\n\n## S\n**Spec**: [s](docs/specs/s.md)\n\n- [ ] T [b](docs/b.md)\n  - [ ] U [c](docs/c.md)\n  continued [d](docs/d.md)\n\n| x | [e](docs/e.md) |\n|---|---|\n\n- [ ] V <https://x.org> [f](https://x.org/f)\n";
        let d = Document::parse_default(text, "TASKS.md");
        let targets: Vec<&str> = d.all_links().iter().map(|l| l.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "docs/a.md",
                "docs/specs/s.md",
                "docs/b.md",
                "docs/c.md",
                "docs/d.md",
                "docs/e.md"
            ]
        );
        assert_eq!(d.prose_links.len(), 2, "the intro's and the table's");
    }
}
