//! Dependencies: what a task waits for. `(after: 1.3, T012, qd4zg)` on a task or heading
//! line; the prose spellings `depends on`, `depends:` and `blocked by` when every name after
//! them is a task number of the file; and spec-kit's phase order. Which tasks are blocked
//! now, by what, and what `check` reports (missing targets, cycles). Reads the document
//! model; changes nothing.

use super::spots::{self, Spots};
use super::tasks::Document;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// A task or a heading (its whole section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Task(usize),
    Section(usize),
}

/// What something waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    Task(usize),
    /// Every task of the section (and its subsections) finished.
    Section(usize),
    /// A name in `(after: …)` that names nothing in the file.
    Missing(String),
}

/// One dependency as written (or, for spec-kit phases, as the template states it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub waiter: Node,
    pub wait: Wait,
    /// The line the dependency is written on (the phase heading for spec-kit's order).
    pub line: usize,
    /// Where it is written: the `(` of `(after:`, the first letter of a prose spelling.
    pub at: usize,
}

/// The dependencies of one document.
pub struct Deps {
    /// Sorted by waiter.
    deps: Vec<Dep>,
    /// Spec-kit phases in document order: (section, is a user-story phase).
    phases: Vec<(usize, bool)>,
    /// Tasks not finished in each section, its subsections included (only when a section
    /// is waited for).
    unfinished: Vec<u32>,
}

/// `(after: …)` removed from a title's source text (for titles and headings).
pub fn strip_after(s: &str) -> Cow<'_, str> {
    match after_group(s, 0) {
        None => Cow::Borrowed(s),
        Some((g, _)) => {
            let mut out = String::with_capacity(s.len());
            let mut at = 0;
            let mut g = Some(g);
            while let Some(r) = g {
                out.push_str(s[at..r.start].trim_end());
                at = r.end;
                g = after_group(s, at).map(|(r, _)| r);
            }
            out.push_str(&s[at..]);
            Cow::Owned(out.trim_end().to_string())
        }
    }
}

/// The first `(after: names)` group in `s` from `from`: its range and the names' range.
fn after_group(s: &str, from: usize) -> Option<(Range<usize>, Range<usize>)> {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(k) = memchr::memchr(b'(', &b[i..]) {
        let open = i + k;
        let rest = &b[open + 1..];
        if rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"after:") && !set_aside(s, open) {
            let names = open + 7;
            // The group closes on its line.
            let eol = memchr::memchr(b'\n', &b[names..]).map_or(b.len(), |k| names + k);
            if let Some(close) = memchr::memchr(b')', &b[names..eol]) {
                return Some((open..names + close + 1, names..names + close));
            }
        }
        i = open + 1;
    }
    None
}

/// Whether byte `at` of `s` is text its line sets aside: quoted as code, inside an HTML
/// comment (`<!-- (after: 1.2) -->`), or struck through (`~~depends on 1.2~~`). A
/// dependency written there is not in effect.
fn set_aside(s: &str, at: usize) -> bool {
    let b = s.as_bytes();
    let start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |k| k + 1);
    let before = &s[start..at];
    let comment = before
        .rfind("<!--")
        .is_some_and(|open| !before[open..].contains("-->"));
    let struck =
        before.matches("~~").count() % 2 == 1 && s[at..crate::text::line_end(s, at)].contains("~~");
    comment || struck || in_code_span(s, at)
}

/// Whether byte `at` of `s` is inside a code span of its line (a run of backticks up to
/// the next run of the same length): text quoted as code is not a dependency.
fn in_code_span(s: &str, at: usize) -> bool {
    let b = s.as_bytes();
    let start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |k| k + 1);
    let mut i = start;
    let mut open: Option<usize> = None;
    while i < at {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let run = b[i..].iter().take_while(|&&c| c == b'`').count();
        open = match open {
            None => Some(run),
            Some(n) if n == run => None,
            still => still,
        };
        i += run;
    }
    // Open before `at`: inside only if the span closes later on the line.
    open.is_some_and(|n| {
        let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |k| at + k);
        let mut j = at;
        while j < end {
            if b[j] == b'`' {
                let run = b[j..end].iter().take_while(|&&c| c == b'`').count();
                if run == n {
                    return true;
                }
                j += run;
            } else {
                j += 1;
            }
        }
        false
    })
}

/// The names of a list: `1.3, T012 and qd4zg`, markup (`**`, backticks) removed.
fn names(s: &str) -> Vec<&str> {
    s.split(',')
        .flat_map(|p| p.split(" and "))
        .map(|n| n.trim().trim_matches(['*', '`', '_']).trim())
        .filter(|n| !n.is_empty())
        .collect()
}

/// A task-number shape: `4.0.3`, `T012`, `G-1.3`, `12a` (letters, digits and dots, with a
/// digit).
fn number_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &s[letters..];
    let rest = rest
        .strip_prefix('-')
        .filter(|_| letters > 0)
        .unwrap_or(rest);
    letters <= 4
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// The prose spellings: after one of these, a list of task numbers.
const PROSE: [&str; 3] = ["depends on", "depends:", "blocked by"];

/// The task numbers at the start of `s` (what follows a prose spelling): `T1, T2`,
/// `4.0.3 and 4.0.4`. `None` when the first word is not number-shaped: then the phrase is
/// prose (`depends on the API`), not a dependency. The list ends at the first other word.
fn prose_names(s: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut want_name = true;
    for w in s.split_whitespace().flat_map(|w| w.split_inclusive(',')) {
        let comma = w.ends_with(',');
        let w = w.trim_end_matches(',').trim_matches(['*', '`', '_']);
        let w = w.trim_end_matches(['.', ';', ':', ')']);
        if w.is_empty() || w.eq_ignore_ascii_case("and") || w == "&" {
            want_name = true;
            continue;
        }
        if !want_name || !number_shaped(w) {
            break;
        }
        out.push(w);
        want_name = comma;
    }
    (!out.is_empty()).then_some(out)
}

impl Deps {
    /// Find every dependency of `doc`.
    pub fn build(doc: &Document) -> Deps {
        Deps::build_in(doc, std::slice::from_ref(&(0..doc.text.len())))
    }

    /// The dependencies that can block task `i`: those written on it, its ancestor tasks
    /// and its headings, and spec-kit's order (`claim` asks about one task).
    pub fn build_for(doc: &Document, i: usize) -> Deps {
        let mut regions: Vec<Range<usize>> = std::iter::once(i)
            .chain(doc.ancestors(i))
            .map(|t| own_range(doc, t))
            .collect();
        let mut s = doc.tasks[i].section;
        while let Some(si) = s {
            regions.push(doc.sections[si].range.clone());
            s = doc.sections[si].parent;
        }
        Deps::build_in(doc, &regions)
    }

    /// The dependencies written in `regions` of the text.
    fn build_in(doc: &Document, regions: &[Range<usize>]) -> Deps {
        let text = doc.text.as_str();
        let mut found: Vec<(Node, usize, &str, bool)> = Vec::new();
        // Where each stem occurs in the regions (found when the text was parsed).
        fn hits<'s>(
            regions: &'s [Range<usize>],
            spots: &'s [usize],
            len: usize,
        ) -> impl Iterator<Item = usize> + 's {
            regions
                .iter()
                .flat_map(move |r| Spots::within(spots, len, r.clone()).iter().copied())
        }
        let spots = &doc.spots;
        // Explicit groups, on task and heading lines.
        for hit in hits(regions, &spots.after, spots::AFTER.len()) {
            let Some(open) = hit.checked_sub(2) else {
                continue;
            };
            if text.as_bytes()[open] != b'(' || !matches!(text.as_bytes()[open + 1], b'a' | b'A') {
                continue;
            }
            let Some(node) = owner(doc, open) else {
                continue;
            };
            // The group that opens here (`after_group` looks further on past a quoted one).
            if let Some((g, names)) = after_group(text, open)
                && g.start == open
            {
                found.push((node, open, &text[names], true));
            }
        }
        // Prose spellings, on task lines and the lines of a task's item above its subtasks.
        // One pass per stem: `epends` (then ` on` or `:`) and `locked by`.
        for (at, stem) in [
            (&spots.depends, spots::DEPENDS),
            (&spots.blocked, spots::BLOCKED),
        ] {
            for hit in hits(regions, at, stem.len()) {
                let Some(at) = hit.checked_sub(1) else {
                    continue;
                };
                let b = text.as_bytes();
                let Some(kw) = PROSE.iter().find(|kw| {
                    text[at..].len() >= kw.len()
                        && b[at].eq_ignore_ascii_case(&kw.as_bytes()[0])
                        && b[at + 1..at + kw.len()] == kw.as_bytes()[1..]
                }) else {
                    continue;
                };
                if at > 0 && b[at - 1].is_ascii_alphanumeric() || set_aside(text, at) {
                    continue;
                }
                let Some(node @ Node::Task(_)) = owner(doc, at) else {
                    continue;
                };
                let line_end = crate::text::line_end(text, at);
                found.push((node, at, &text[at + kw.len()..line_end], false));
            }
        }
        let mut deps = Vec::new();
        if !found.is_empty() {
            let index = Index::new(doc);
            for (waiter, at, s, explicit) in found {
                let line = doc.line_of(at);
                if explicit {
                    for name in names(s) {
                        let targets = index.resolve(doc, name, waiter);
                        if targets.is_empty() {
                            deps.push(Dep {
                                waiter,
                                wait: Wait::Missing(name.to_string()),
                                line,
                                at,
                            });
                        }
                        deps.extend(targets.into_iter().map(|wait| Dep {
                            waiter,
                            wait,
                            line,
                            at,
                        }));
                    }
                } else if let Some(ns) = prose_names(s.trim_start_matches([' ', ':'])) {
                    let resolved: Vec<Vec<usize>> = ns.iter().map(|n| index.numbered(n)).collect();
                    if resolved.iter().all(|r| !r.is_empty()) {
                        deps.extend(resolved.into_iter().flatten().map(|t| Dep {
                            waiter,
                            wait: Wait::Task(t),
                            line,
                            at,
                        }));
                    }
                }
            }
        }
        deps.sort_by_key(|d| d.waiter);
        deps.dedup_by(|a, b| a.waiter == b.waiter && a.wait == b.wait);
        let phases = spec_kit_phases(doc);
        let unfinished =
            if !phases.is_empty() || deps.iter().any(|d| matches!(d.wait, Wait::Section(_))) {
                unfinished_per_section(doc)
            } else {
                Vec::new()
            };
        Deps {
            deps,
            phases,
            unfinished,
        }
    }

    /// Every dependency as written, by waiter.
    pub fn all(&self) -> &[Dep] {
        &self.deps
    }

    fn of(&self, n: Node) -> &[Dep] {
        let s = self.deps.partition_point(|d| d.waiter < n);
        let e = self.deps[s..].partition_point(|d| d.waiter == n);
        &self.deps[s..s + e]
    }

    /// What task `i` waits for, met or not: its own dependencies, its ancestor tasks',
    /// its headings', and the phases before its spec-kit phase.
    pub fn waits_for(&self, doc: &Document, i: usize) -> Vec<Wait> {
        let mut out = Vec::new();
        self.each_wait(doc, i, |w| {
            if !out.contains(w) {
                out.push(w.clone());
            }
            false
        });
        out
    }

    /// The waits of task `i` not met now.
    pub fn blockers(&self, doc: &Document, i: usize) -> Vec<Wait> {
        let mut out = self.waits_for(doc, i);
        out.retain(|w| !self.met(doc, w));
        out
    }

    /// Whether task `i` waits for anything not finished.
    pub fn is_blocked(&self, doc: &Document, i: usize) -> bool {
        self.each_wait(doc, i, |w| !self.met(doc, w))
    }

    /// Ready: open and unclaimed (`Document::is_ready`) and not blocked.
    pub fn is_ready(&self, doc: &Document, i: usize, for_instance: Option<u32>) -> bool {
        doc.is_ready(i, for_instance) && !self.is_blocked(doc, i)
    }

    /// The tasks that name task `i` (or a heading above it) as what they wait for.
    pub fn waited_by(&self, doc: &Document, i: usize) -> Vec<usize> {
        let mut sections = Vec::new();
        let mut s = doc.tasks[i].section;
        while let Some(si) = s {
            sections.push(si);
            s = doc.sections[si].parent;
        }
        let mut out: Vec<usize> = Vec::new();
        for d in &self.deps {
            let hit = match d.wait {
                Wait::Task(t) => t == i,
                Wait::Section(s) => sections.contains(&s),
                Wait::Missing(_) => false,
            };
            if !hit {
                continue;
            }
            match d.waiter {
                Node::Task(t) => out.push(t),
                Node::Section(s) => out.extend(tasks_in(doc, s)),
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&t| t != i);
        out
    }

    /// Whether a wait is met: the task finished (done or cancelled), every task of the
    /// section finished.
    pub fn met(&self, doc: &Document, w: &Wait) -> bool {
        match w {
            Wait::Task(t) => doc.tasks[*t].state.finished(),
            Wait::Section(s) => self.unfinished.get(*s).is_none_or(|&n| n == 0),
            Wait::Missing(_) => false,
        }
    }

    /// Call `f` on each wait of task `i` until it returns true; whether it did.
    fn each_wait(&self, doc: &Document, i: usize, mut f: impl FnMut(&Wait) -> bool) -> bool {
        if self.deps.is_empty() && self.phases.is_empty() {
            return false;
        }
        let tasks = std::iter::once(i).chain(doc.ancestors(i));
        for t in tasks {
            if self.of(Node::Task(t)).iter().any(|d| f(&d.wait)) {
                return true;
            }
        }
        let mut s = doc.tasks[i].section;
        while let Some(si) = s {
            if self.of(Node::Section(si)).iter().any(|d| f(&d.wait)) {
                return true;
            }
            if let Some(k) = self.phases.iter().position(|p| p.0 == si) {
                let story = self.phases[k].1;
                for &(p, p_story) in &self.phases[..k] {
                    if (!story || !p_story) && f(&Wait::Section(p)) {
                        return true;
                    }
                }
            }
            s = doc.sections[si].parent;
        }
        false
    }

    /// The dependencies spec-kit's phase order adds: each phase waits for the phases before
    /// it, except that a user-story phase does not wait for other user-story phases.
    pub fn phase_deps(&self, doc: &Document) -> Vec<Dep> {
        let mut out = Vec::new();
        for (k, &(s, story)) in self.phases.iter().enumerate() {
            for &(p, p_story) in &self.phases[..k] {
                if !story || !p_story {
                    out.push(Dep {
                        waiter: Node::Section(s),
                        wait: Wait::Section(p),
                        line: doc.sections[s].line,
                        at: doc.sections[s].range.start,
                    });
                }
            }
        }
        out
    }

    /// Whether the file has spec-kit's shape (its phases are ordered).
    pub fn spec_kit(&self) -> bool {
        !self.phases.is_empty()
    }

    /// Every cycle of waits, each as the nodes on it (each cycle once), for `check`.
    /// A section stands for all its tasks: waiting for it means waiting for each of them.
    pub fn cycles(&self, doc: &Document) -> Vec<Vec<Node>> {
        let deps: Vec<Dep> = self
            .deps
            .iter()
            .cloned()
            .chain(self.phase_deps(doc))
            .collect();
        if deps.is_empty() {
            return Vec::new();
        }
        let nt = doc.tasks.len();
        let id = |n: Node| match n {
            Node::Task(t) => t,
            Node::Section(s) => nt + s,
        };
        let node = |k: usize| {
            if k < nt {
                Node::Task(k)
            } else {
                Node::Section(k - nt)
            }
        };
        let total = nt + doc.sections.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); total];
        let mut section_waited = vec![false; doc.sections.len()];
        for d in &deps {
            let to = match d.wait {
                Wait::Task(t) => id(Node::Task(t)),
                Wait::Section(s) => {
                    section_waited[s] = true;
                    id(Node::Section(s))
                }
                Wait::Missing(_) => continue,
            };
            match d.waiter {
                Node::Task(t) => edges[t].push(to),
                // A heading's wait is each of its tasks' wait.
                Node::Section(s) => {
                    for t in tasks_in(doc, s) {
                        edges[t].push(to);
                    }
                }
            }
        }
        // A section is finished when each of its tasks is; a task waits for what its
        // ancestors wait for.
        for (s, _) in section_waited.iter().enumerate().filter(|w| *w.1) {
            edges[nt + s] = tasks_in(doc, s).collect();
        }
        for (t, e) in edges.iter_mut().enumerate().take(nt) {
            if let Some(p) = doc.tasks[t].parent {
                e.push(p);
            }
        }
        // Iterative DFS; a back edge closes a cycle.
        let mut color = vec![0u8; total];
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        let mut seen: std::collections::HashSet<Vec<usize>> = Default::default();
        let mut out = Vec::new();
        for start in 0..total {
            if color[start] != 0 {
                continue;
            }
            stack.push((start, 0));
            path.push(start);
            color[start] = 1;
            while let Some(&mut (v, ref mut k)) = stack.last_mut() {
                if let Some(&w) = edges[v].get(*k) {
                    *k += 1;
                    match color[w] {
                        0 => {
                            color[w] = 1;
                            stack.push((w, 0));
                            path.push(w);
                        }
                        1 => {
                            let from = path.iter().rposition(|&x| x == w).expect("on the path");
                            let cycle: Vec<usize> = path[from..].to_vec();
                            let mut key = cycle.clone();
                            key.sort_unstable();
                            if seen.insert(key) {
                                out.push(cycle.into_iter().map(node).collect());
                            }
                        }
                        _ => {}
                    }
                } else {
                    color[v] = 2;
                    stack.pop();
                    path.pop();
                }
            }
        }
        // A parent-child link alone is no cycle: keep those with a written dependency.
        out.retain(|c: &Vec<Node>| {
            c.iter()
                .zip(c.iter().cycle().skip(1))
                .any(|(&a, &b)| match (a, b) {
                    (Node::Task(x), Node::Task(y)) => doc.tasks[x].parent != Some(y),
                    _ => true,
                })
        });
        out
    }
}

/// One thing a task waits for, as every answer names it (`show`, the blocked lists, the
/// detail of a refused claim).
#[derive(serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct WaitView {
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

impl WaitView {
    /// A short label for the wait, as `show`, `claim` and `status` name it.
    pub fn describe(&self) -> String {
        match &self.reference {
            Some(r) => format!("{r} `{}`", self.label),
            None => format!("`{}` (no such task or heading)", self.label),
        }
    }

    pub fn of(doc: &Document, deps: &Deps, w: &Wait) -> WaitView {
        let met = deps.met(doc, w);
        match w {
            Wait::Task(t) => WaitView {
                kind: "task",
                reference: Some(doc.tasks[*t].reference.to_string()),
                label: doc.label(*t),
                line: Some(doc.tasks[*t].line),
                met,
            },
            Wait::Section(s) => WaitView {
                kind: "section",
                reference: Some(doc.sections[*s].reference.to_string()),
                label: doc.sections[*s].title.to_string(),
                line: Some(doc.sections[*s].line),
                met,
            },
            Wait::Missing(n) => WaitView {
                kind: "missing",
                reference: None,
                label: n.clone(),
                line: None,
                met,
            },
        }
    }
}

/// The tasks of section `s` and its subsections.
pub fn tasks_in(doc: &Document, s: usize) -> impl Iterator<Item = usize> + '_ {
    let sec = &doc.sections[s];
    let (start, end) = (sec.range.start, sec.end);
    let first = doc.tasks.partition_point(|t| t.item.start < start);
    (first..doc.tasks.len()).take_while(move |&t| doc.tasks[t].item.start < end)
}

/// The task or heading whose own text holds `at`: a heading line, or a task's item from its
/// box to its first subtask.
fn owner(doc: &Document, at: usize) -> Option<Node> {
    let k = doc.sections.partition_point(|s| s.range.start <= at);
    if k > 0 && at < doc.sections[k - 1].range.end {
        return Some(Node::Section(k - 1));
    }
    let k = doc.tasks.partition_point(|t| t.mark_range.start <= at);
    let t = k.checked_sub(1)?;
    own_range(doc, t).contains(&at).then_some(Node::Task(t))
}

/// A task's own text: from its box to its first subtask (or the end of its item).
fn own_range(doc: &Document, t: usize) -> Range<usize> {
    let task = &doc.tasks[t];
    let end = doc
        .tasks
        .get(t + 1)
        .map_or(task.item.end, |n| n.item.start.min(task.item.end));
    task.mark_range.start..end.max(task.mark_range.end)
}

/// Task numbers and refs, and heading refs, for resolving names.
struct Index<'d> {
    numbers: HashMap<String, Vec<usize>>,
    refs: HashMap<&'d str, Node>,
}

impl<'d> Index<'d> {
    fn new(doc: &'d Document) -> Index<'d> {
        let mut numbers: HashMap<String, Vec<usize>> = HashMap::new();
        let mut refs = HashMap::new();
        for (i, t) in doc.tasks.iter().enumerate() {
            if let Some(n) = &t.number {
                numbers.entry(n.to_ascii_lowercase()).or_default().push(i);
            }
            refs.insert(t.reference.as_str(), Node::Task(i));
        }
        for (s, sec) in doc.sections.iter().enumerate() {
            refs.insert(sec.reference.as_str(), Node::Section(s));
        }
        Index { numbers, refs }
    }

    /// The tasks numbered `name`.
    fn numbered(&self, name: &str) -> Vec<usize> {
        self.numbers
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// What a name in `(after: …)` names: tasks by number, a task or heading by ref, or
    /// headings by title (exact, else the headings whose title starts with it followed by
    /// a non-alphanumeric character: `Phase 1` names `Phase 1: Setup`). A heading's names
    /// look at headings first.
    fn resolve(&self, doc: &Document, name: &str, waiter: Node) -> Vec<Wait> {
        let by_ref = || match self.refs.get(name) {
            Some(Node::Task(t)) => vec![Wait::Task(*t)],
            Some(Node::Section(s)) => vec![Wait::Section(*s)],
            None => Vec::new(),
        };
        let by_number = || {
            self.numbered(name)
                .into_iter()
                .map(Wait::Task)
                .collect::<Vec<_>>()
        };
        let by_title = || {
            let exact: Vec<Wait> = (0..doc.sections.len())
                .filter(|&s| doc.sections[s].title.eq_ignore_ascii_case(name))
                .map(Wait::Section)
                .collect();
            if !exact.is_empty() {
                return exact;
            }
            (0..doc.sections.len())
                .filter(|&s| {
                    let t = doc.sections[s].title.as_str();
                    t.len() > name.len()
                        && t.is_char_boundary(name.len())
                        && t[..name.len()].eq_ignore_ascii_case(name)
                        && !t[name.len()..].starts_with(|c: char| c.is_alphanumeric())
                })
                .map(Wait::Section)
                .collect()
        };
        let order: [&dyn Fn() -> Vec<Wait>; 3] = match waiter {
            Node::Task(_) => [&by_number, &by_ref, &by_title],
            Node::Section(_) => [&by_title, &by_ref, &by_number],
        };
        order
            .iter()
            .map(|f| f())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
    }
}

/// Tasks not finished per section, subsections included.
fn unfinished_per_section(doc: &Document) -> Vec<u32> {
    let mut out = vec![0u32; doc.sections.len()];
    for t in &doc.tasks {
        if t.state.finished() {
            continue;
        }
        let mut s = t.section;
        while let Some(si) = s {
            out[si] += 1;
            s = doc.sections[si].parent;
        }
    }
    out
}

/// Spec-kit's phases, when the file has its shape: task IDs `T001`, headings `Phase N: …`
/// of one level, and the template's `Foundational`/`Blocking Prerequisites` or
/// `User Story` phases. Each: (section, is a user-story phase).
fn spec_kit_phases(doc: &Document) -> Vec<(usize, bool)> {
    let is_phase = |t: &str| {
        let Some(rest) = t.strip_prefix("Phase ") else {
            return false;
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0
            && rest[digits..]
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '.')
                .trim_start()
                .starts_with([':', '-', '—', '：'])
    };
    let Some(level) = doc
        .sections
        .iter()
        .find(|s| is_phase(&s.title))
        .map(|s| s.level)
    else {
        return Vec::new();
    };
    let phases: Vec<usize> = (0..doc.sections.len())
        .filter(|&s| doc.sections[s].level == level && is_phase(&doc.sections[s].title))
        .collect();
    let lower: Vec<String> = phases
        .iter()
        .map(|&s| doc.sections[s].title.to_lowercase())
        .collect();
    let template = lower.iter().any(|t| {
        t.contains("foundational")
            || t.contains("blocking prerequisites")
            || t.contains("user story")
    });
    let ids = doc.tasks.iter().any(|t| {
        t.number.as_deref().is_some_and(|n| {
            n.len() >= 4 && n.starts_with('T') && n[1..4].bytes().all(|c| c.is_ascii_digit())
        })
    });
    if phases.len() < 2 || !template || !ids {
        return Vec::new();
    }
    phases
        .into_iter()
        .zip(lower)
        .map(|(s, t)| (s, t.contains("user story")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Document {
        Document::parse_default(s, "TASKS.md")
    }

    /// The tasks (by number) task `n` waits for, as written.
    fn waits(doc: &Document, n: &str) -> Vec<String> {
        let deps = Deps::build(doc);
        let i = doc
            .tasks
            .iter()
            .position(|t| t.number.as_deref() == Some(n))
            .unwrap();
        deps.waits_for(doc, i)
            .iter()
            .map(|w| match w {
                Wait::Task(t) => doc.tasks[*t].number.as_deref().unwrap_or("?").to_string(),
                Wait::Section(s) => format!("§{}", doc.sections[*s].title),
                Wait::Missing(m) => format!("?{m}"),
            })
            .collect()
    }

    #[test]
    fn the_after_grammar() {
        let d = parse(
            "# P\n\n- [ ] 1.1 One\n- [ ] 1.2 Two\n- [ ] T012 Three\n\
             - [ ] 2.1 Four (after: 1.1)\n\
             - [ ] 2.2 Five (after: 1.1, T012)\n\
             - [ ] 2.3 Six (After: **1.2** and `1.1`)\n\
             - [ ] 2.4 Seven (after: 9.9) (spec: [s](docs/specs/s.md))\n\
             - [ ] 2.5 Eight (after: P)\n",
        );
        assert_eq!(waits(&d, "2.1"), ["1.1"]);
        assert_eq!(waits(&d, "2.2"), ["1.1", "T012"]);
        assert_eq!(waits(&d, "2.3"), ["1.2", "1.1"]);
        assert_eq!(waits(&d, "2.4"), ["?9.9"]);
        // A heading title names the heading.
        assert_eq!(waits(&d, "2.5"), ["§P"]);
        // The group is not part of the title.
        assert_eq!(d.tasks[4].title, "Five");
        assert_eq!(d.tasks[6].title, "Seven");
    }

    #[test]
    fn a_ref_names_a_task() {
        let d = parse("- [ ] First\n- [ ] Second\n");
        let r = d.tasks[0].reference.to_string();
        let text = format!("- [ ] First\n- [ ] Second (after: {r})\n");
        let d = parse(&text);
        assert_eq!(
            d.tasks[0].reference.as_str(),
            r,
            "the ref ignores the group"
        );
        let deps = Deps::build(&d);
        assert_eq!(deps.waits_for(&d, 1), [Wait::Task(0)]);
        assert!(deps.is_blocked(&d, 1));
        assert!(!deps.is_blocked(&d, 0));
        // A heading's ref (`s:…`) names its section.
        let d = parse("## Setup\n\n- [ ] 1.1 a\n\n## Build\n\n- [ ] 2.1 b\n");
        let s = d.sections[0].reference.to_string();
        assert!(s.starts_with("s:"), "{s}");
        let d = parse(&format!(
            "## Setup\n\n- [ ] 1.1 a\n\n## Build (after: {s})\n\n- [ ] 2.1 b\n"
        ));
        assert_eq!(Deps::build(&d).blockers(&d, 1), [Wait::Section(0)]);
    }

    #[test]
    fn prose_spellings_name_task_numbers_only() {
        let d = parse(
            "- [x] 4.0.3 Blocker\n- [ ] T01 One\n- [ ] T02 Two\n\
             - [ ] 5.1 Retry, blocked by 4.0.3\n\
             - [ ] 5.2 Depends on T01 and T02 for the schema\n\
             - [ ] 5.3 Panel\n  - Depends: T01, T02\n\
             - [ ] 5.4 Polling depends on the API\n\
             - [ ] 5.5 Run this after 4.0.3 is merged\n\
             - [ ] 5.6 Blocked by 2.5 seconds of latency\n\
             - [ ] 5.7 Depends: All polling tasks\n\
             - [ ] 5.8 Independent of T01, nothing depends on them\n\
             - [ ] 5.9 Unblocked by 4.0.3\n",
        );
        assert_eq!(waits(&d, "5.1"), ["4.0.3"]);
        assert_eq!(waits(&d, "5.2"), ["T01", "T02"]);
        assert_eq!(waits(&d, "5.3"), ["T01", "T02"]);
        // Prose that mentions "after", "depends" or "blocked by" without task numbers.
        for n in ["5.4", "5.5", "5.6", "5.7", "5.8", "5.9"] {
            assert!(waits(&d, n).is_empty(), "{n}: {:?}", waits(&d, n));
        }
        let deps = Deps::build(&d);
        assert!(!deps.is_blocked(&d, 3), "4.0.3 is done");
        assert!(deps.is_blocked(&d, 4));
    }

    #[test]
    fn a_code_span_is_found_on_its_line_only() {
        let t =
            "a `x (after: 1)` b (after: 2) ``c ` (after: 3)`` `unclosed (after: 4)\n`(after: 5)`";
        let at = |n: &str| t.find(&format!("(after: {n})")).unwrap();
        assert!(in_code_span(t, at("1")));
        assert!(!in_code_span(t, at("2")));
        assert!(in_code_span(t, at("3")));
        assert!(
            !in_code_span(t, at("4")),
            "a backtick that never closes opens nothing"
        );
        assert!(in_code_span(t, at("5")));
    }

    #[test]
    fn after_is_only_a_dependency_in_its_group() {
        let d = parse(
            "- [ ] 1.1 One\n- [ ] 1.2 Deploy after 1.1 (see notes)\n\
             - [ ] 1.3 Thereafter: 1.1\n- [ ] 1.4 Read `(after: 1.1)` in the docs\n\
             - [ ] 1.5 (afterwards: 1.1)\n- [ ] 1.6 Six\n\n## Later\n\n- [ ] 2.1 Two (after: 1.6)\n",
        );
        assert_eq!(waits(&d, "2.1"), ["1.6"]);
        // Quoted as code, the grammar is text: a plan can show how to write it (and a
        // quoted group never takes a later task's group for its own).
        for n in ["1.2", "1.3", "1.4", "1.5"] {
            assert!(waits(&d, n).is_empty(), "{n}");
        }
    }

    /// A dependency commented out or struck through is not in effect; one after the
    /// comment or the strike on the same line is.
    #[test]
    fn commented_and_struck_dependencies_are_not_in_effect() {
        let d = parse(
            "- [ ] 1.1 One\n- [ ] 1.2 Two <!-- (after: 1.1) -->\n\
             - [ ] 1.3 Three ~~(after: 1.1)~~\n- [ ] 1.4 Four ~~depends on 1.1~~\n\
             - [ ] 1.5 Five <!-- blocked by 1.1 -->\n\
             - [ ] 1.6 Six <!-- x --> (after: 1.1)\n- [ ] 1.7 Seven ~~x~~ depends on 1.1\n\
             - [ ] 1.8 Eight ~~unclosed (after: 1.1)\n",
        );
        for n in ["1.2", "1.3", "1.4", "1.5"] {
            assert!(waits(&d, n).is_empty(), "{n}");
        }
        for n in ["1.6", "1.7", "1.8"] {
            assert_eq!(waits(&d, n), ["1.1"], "{n}");
        }
    }

    #[test]
    fn a_heading_blocks_its_phase_and_subtasks_wait_with_their_parent() {
        let d = parse(
            "# Plan\n\n## Phase 4.0: Blockers\n\n- [ ] 4.0.1 Fix\n- [-] 4.0.2 Dropped\n\n\
             ## Phase 4.1 (after: Phase 4.0)\n\n- [ ] 4.1.1 Build\n  - [ ] 4.1.1.1 Sub\n\n\
             ## Later\n\n- [ ] 5.1 Parent (after: 4.0.1)\n  - [ ] 5.1.1 Child\n",
        );
        let deps = Deps::build(&d);
        let blocked: Vec<bool> = (0..d.tasks.len()).map(|i| deps.is_blocked(&d, i)).collect();
        assert_eq!(blocked, [false, false, true, true, true, true]);
        assert_eq!(d.sections[2].title, "Phase 4.1");
        assert_eq!(deps.blockers(&d, 2), [Wait::Section(1)]);
        assert_eq!(deps.waited_by(&d, 0), [2, 3, 4]);
        // Finishing 4.0.1 (4.0.2 is cancelled: finished too) unblocks everything.
        let d = parse(&d.text.replace("- [ ] 4.0.1", "- [x] 4.0.1"));
        let deps = Deps::build(&d);
        assert!((0..d.tasks.len()).all(|i| !deps.is_blocked(&d, i)));
    }

    #[test]
    fn build_for_one_task_agrees_with_build() {
        let d = parse(
            "## A\n\n- [ ] 1.1 One\n\n## B (after: A)\n\n- [ ] 2.1 Two (after: 1.1)\n  - [ ] 2.1.1 Sub\n- [ ] 2.2 Free\n",
        );
        let all = Deps::build(&d);
        for i in 0..d.tasks.len() {
            assert_eq!(
                Deps::build_for(&d, i).blockers(&d, i),
                all.blockers(&d, i),
                "{i}"
            );
        }
    }

    #[test]
    fn cycles_are_found_once_each() {
        let d = parse(
            "- [ ] 1.1 A (after: 1.2)\n- [ ] 1.2 B (after: 1.1)\n- [ ] 1.3 C (after: 1.3)\n\
             - [ ] 1.4 D (after: 1.1)\n",
        );
        let deps = Deps::build(&d);
        let cycles = deps.cycles(&d);
        assert_eq!(cycles.len(), 2, "{cycles:?}");
        assert_eq!(cycles[1], [Node::Task(2)]);
        let mut c = cycles[0].clone();
        c.sort();
        assert_eq!(c, [Node::Task(0), Node::Task(1)]);
        // A task that names itself is a cycle of one: blocked, and reported.
        assert!(deps.is_blocked(&d, 2));
        let d = parse("- [ ] 1.3 C (after: 1.3)\n- [ ] 1.4 D\n");
        assert_eq!(Deps::build(&d).cycles(&d), [vec![Node::Task(0)]]);
        // Through headings: a section waits for a task that waits for the section.
        let d = parse("## A (after: 2.1)\n\n- [ ] 1.1 One\n\n## B\n\n- [ ] 2.1 Two (after: A)\n");
        assert_eq!(Deps::build(&d).cycles(&d).len(), 1);
        // A parent and its child alone are no cycle.
        let d = parse("- [ ] 1.1 One\n  - [ ] 1.1.1 Sub\n- [ ] 1.2 Two (after: 1.1)\n");
        assert!(Deps::build(&d).cycles(&d).is_empty());
    }

    const SPEC_KIT: &str = "# Tasks: Demo\n\n## Format: `[ID] [P?] [Story] Description`\n\n\
        ## Phase 1: Setup (Shared Infrastructure)\n\n- [x] T001 Create project\n- [ ] T002 [P] Configure linting\n\n\
        ## Phase 2: Foundational (Blocking Prerequisites)\n\n- [ ] T003 Schema\n\n\
        ## Phase 3: User Story 1 - Sign in (Priority: P1)\n\n### Implementation for User Story 1\n\n- [ ] T004 [P] [US1] Model\n\n\
        ## Phase 4: User Story 2 - Sign out (Priority: P2)\n\n- [ ] T005 [US2] Endpoint\n\n\
        ## Phase 5: Polish & Cross-Cutting Concerns\n\n- [ ] T006 Docs\n\n\
        ## Notes\n\n- [P] tasks = different files, no dependencies\n- [Story] label maps task to user story\n";

    fn blocked_numbers(text: &str) -> Vec<String> {
        let d = parse(text);
        let deps = Deps::build(&d);
        (0..d.tasks.len())
            .filter(|&i| deps.is_blocked(&d, i))
            .map(|i| d.tasks[i].number.as_deref().unwrap().to_string())
            .collect()
    }

    #[test]
    fn spec_kit_phases_follow_the_template() {
        let d = parse(SPEC_KIT);
        assert!(Deps::build(&d).spec_kit());
        // The legend line is no task; the markers stay in the titles.
        assert_eq!(d.tasks.len(), 6);
        assert_eq!(d.tasks[3].number.as_deref(), Some("T004"));
        // Setup open: everything after it waits.
        assert_eq!(blocked_numbers(SPEC_KIT), ["T003", "T004", "T005", "T006"]);
        // Setup done: Foundational is next, and blocks every story.
        let setup_done = SPEC_KIT.replace("- [ ] T002", "- [x] T002");
        assert_eq!(blocked_numbers(&setup_done), ["T004", "T005", "T006"]);
        // Foundational done: the stories run in parallel; Polish waits for both.
        let found_done = setup_done.replace("- [ ] T003", "- [x] T003");
        assert_eq!(blocked_numbers(&found_done), ["T006"]);
        let one_story = found_done.replace("- [ ] T004", "- [x] T004");
        assert_eq!(blocked_numbers(&one_story), ["T006"]);
        let both = one_story.replace("- [ ] T005", "- [x] T005");
        assert!(blocked_numbers(&both).is_empty());
    }

    #[test]
    fn phases_without_spec_kit_shape_are_not_ordered() {
        // `Phase N:` headings alone (no T001 ids, no template phase) are any plan's.
        let text = "## Phase 1: Core\n\n- [ ] 1.1 A\n\n## Phase 2: More\n\n- [ ] 2.1 B\n";
        assert!(blocked_numbers(text).is_empty());
        let ids = "## Phase 1: Core\n\n- [ ] T001 A\n\n## Phase 2: More\n\n- [ ] T002 B\n";
        assert!(blocked_numbers(ids).is_empty());
    }

    #[test]
    fn strip_after_removes_only_the_group() {
        assert_eq!(
            strip_after("Phase 2 (after: Phase 1) 🎯 MVP"),
            "Phase 2 🎯 MVP"
        );
        assert_eq!(strip_after("Build (after: 1.1)"), "Build");
        assert_eq!(strip_after("Deploy after 1.1"), "Deploy after 1.1");
        assert_eq!(strip_after("Open (after: 1.1"), "Open (after: 1.1");
        assert_eq!(after_group("(after: 1.1\n2)", 0), None);
        assert!(matches!(strip_after("plain"), Cow::Borrowed(_)));
    }
}
