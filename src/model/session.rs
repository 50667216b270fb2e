//! Instance session files (`instance_NNN.md`): front matter, preamble, the
//! `## Session History` entries, the archived-sessions pointer and trailing sections, all
//! as byte ranges over the text, which is kept verbatim. Writing is done by splicing:
//! prepending an entry, rotating old entries out.

use super::frontmatter::{self, FrontMatter};
use crate::edit::Edit;
use crate::text::{self, LineIndex};
use std::ops::Range;

/// One `### YYYY-MM-DD (Session S - Title)` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHead {
    pub date: String,
    pub session: Option<u32>,
    pub title: String,
    pub line: usize,
    pub offset: usize,
}

/// Parse an entry heading's text: `2025-12-27 (Session 35 - Phase 4.0 Database Concurrency)`.
pub fn parse_entry_heading(h: &str) -> Option<(String, Option<u32>, String)> {
    let h = h.trim();
    if h.len() >= 8
        && h.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("session"))
    {
        return parse_session_first(h);
    }
    let date: String = h.chars().take(10).collect();
    let b = date.as_bytes();
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !date
            .chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let rest = h[10..].trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest);
    let lower = inner.to_ascii_lowercase();
    if let Some(p) = lower.find("session") {
        let after = &inner[p + 7..];
        let digits: String = after
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let n = digits.parse().ok();
        let title_start = after.trim_start()[digits.len()..].trim_start();
        let title = title_start
            .trim_start_matches(['-', '–', '—', ':'])
            .trim()
            .to_string();
        return Some((date, n, title));
    }
    Some((date, None, inner.trim().to_string()))
}

/// The session entries of an instance file, newest first as written.
pub fn entries(src: &str) -> Vec<EntryHead> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut offset = 0;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        let l = line.trim_end();
        if l.trim_start().starts_with("```") || l.trim_start().starts_with("~~~") {
            in_code = !in_code;
        }
        if !in_code
            && let Some(h) = l.strip_prefix("### ")
            && let Some((date, session, title)) = parse_entry_heading(&text::plain(h))
        {
            out.push(EntryHead {
                date,
                session,
                title,
                line: i + 1,
                offset,
            });
        }
        offset += line.len();
    }
    out
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars().filter(|c| *c != '-').all(|c| c.is_ascii_digit())
}

/// `Session 35 (2025-12-27) - Title`, `Session 35 - 2025-12-27 - Title`.
fn parse_session_first(h: &str) -> Option<(String, Option<u32>, String)> {
    let after = h[7..].trim_start();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    let rest = &after[digits.len()..];
    let ds = rest
        .char_indices()
        .find(|&(i, _)| rest.get(i..i + 10).is_some_and(is_date))?
        .0;
    let date = rest[ds..ds + 10].to_string();
    let title = format!("{} {}", &rest[..ds], &rest[ds + 10..]);
    let title = title
        .trim_matches(|c: char| c.is_whitespace() || "()-–—:".contains(c))
        .replace("()", "")
        .trim()
        .to_string();
    Some((date, Some(n), title))
}

// ---------------------------------------------------------------------------------------
// The whole instance file.

/// A row of an entry's `| Task | Status |` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub task: String,
    pub status: String,
}

/// A `**Label**:` block that is not one of the known ones, kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub label: String,
    pub text: String,
}

/// One `### …` entry under `## Session History`.
#[derive(Debug, Clone)]
pub struct Entry {
    /// From the heading line to the next entry, the pointer line or the end of the section
    /// (so a trailing `---` separator belongs to the entry above it).
    pub range: Range<usize>,
    /// The heading line, without its line break.
    pub heading: Range<usize>,
    pub line: usize,
    pub date: Option<String>,
    pub session: Option<u32>,
    pub title: String,
    pub tasks: Vec<TaskRow>,
    pub summary: Option<String>,
    pub files_created: Vec<String>,
    pub files_modified: Vec<String>,
    pub files_deleted: Vec<String>,
    pub key_decisions: Vec<String>,
    /// Other bold-labelled blocks, as written (trimmed).
    pub blocks: Vec<Block>,
    /// Why the entry does not parse; such an entry is kept as written and never moved.
    pub problem: Option<String>,
}

impl Entry {
    pub fn parsed(&self) -> bool {
        self.problem.is_none()
    }
}

/// The line pointing at archived entries: `*(Sessions 32 and earlier archived to …)*`.
#[derive(Debug, Clone)]
pub struct Pointer {
    /// The line, without its line break.
    pub range: Range<usize>,
    /// The session number in it and its digits' range.
    pub number: Option<(u32, Range<usize>)>,
    pub line: usize,
}

/// A level-2 section after the session history (`## Quick Links`, `## Archived Sessions`).
#[derive(Debug, Clone)]
pub struct Trailing {
    pub title: String,
    pub range: Range<usize>,
    pub line: usize,
}

/// Something in the file that breaks the "no next steps in this file" rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSteps {
    pub line: usize,
    pub text: String,
}

/// An instance session file, parsed into spans over its text (which is kept verbatim).
#[derive(Debug, Clone)]
pub struct InstanceDoc {
    pub text: String,
    pub front_matter: Option<FrontMatter>,
    /// The first `#` heading's text.
    pub title: Option<String>,
    /// From after the front matter to the session history heading (or the end).
    pub preamble: Range<usize>,
    /// The `## Session History` heading line (without its line break).
    pub history: Option<Range<usize>>,
    /// The end of the history section: the next level-1/2 heading, or the end of the file.
    pub history_end: usize,
    pub entries: Vec<Entry>,
    pub pointer: Option<Pointer>,
    /// A `*(no sessions yet)*` placeholder line, with its line break.
    pub placeholder: Option<Range<usize>>,
    pub trailing: Vec<Trailing>,
    pub next_steps: Vec<NextSteps>,
    lines: LineIndex,
}

struct Line {
    start: usize,
    /// End of the content, before the line break.
    end: usize,
    /// Start of the next line.
    next: usize,
    in_code: bool,
}

fn split_lines(src: &str, from: usize) -> Vec<Line> {
    let mut out = Vec::new();
    let mut off = from;
    let mut fence: Option<&str> = None;
    while off < src.len() {
        let end = text::line_end(src, off);
        let next = (end + text::newline_len_at(src, end)).max(end);
        let next = if next == end {
            src.len().min(end + 1).max(end)
        } else {
            next
        };
        let t = src[off..end].trim_start();
        let was_code = fence.is_some();
        let marker = if t.starts_with("```") {
            Some("```")
        } else if t.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            _ => {}
        }
        out.push(Line {
            start: off,
            end,
            next,
            in_code: was_code || marker.is_some(),
        });
        if next <= off {
            break;
        }
        off = next;
    }
    out
}

/// An ATX heading: its level and text.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &line[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim_end()))
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3
        && (t.bytes().all(|b| b == b'-')
            || t.bytes().all(|b| b == b'*')
            || t.bytes().all(|b| b == b'_'))
}

/// `**Label**:` or `**Label:**` at the start of a line: the label and the text after it.
fn bold_label(line: &str) -> Option<(String, &str)> {
    let rest = line.trim_start().strip_prefix("**")?;
    let close = rest.find("**")?;
    let label = &rest[..close];
    let after = &rest[close + 2..];
    let (label, after) = if let Some(l) = label.strip_suffix(':') {
        (l, after)
    } else {
        (label, after.strip_prefix(':')?)
    };
    if label.trim().is_empty() || label.len() > 60 {
        return None;
    }
    Some((label.trim().to_string(), after.trim()))
}

fn is_pointer(line: &str) -> bool {
    let l = line.to_lowercase();
    !line.trim_start().starts_with('#') && l.contains("archived") && l.contains("session")
}

fn is_placeholder(line: &str) -> bool {
    let l = text::plain(line).to_lowercase();
    l.contains("no sessions yet") || l.contains("no session yet")
}

fn mentions_next_steps(s: &str) -> bool {
    let l = s.to_lowercase();
    l.contains("next step") || l.contains("next session") || l.contains("todo next")
}

fn table_cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| text::plain(c.trim())).collect()
}

/// The path of a files-list item: `` `data/x.py` - what changed`` → `data/x.py`.
fn item_path(item: &str) -> String {
    if let Some(r) = item.strip_prefix('`')
        && let Some(e) = r.find('`')
    {
        return r[..e].to_string();
    }
    let cut = [" - ", " — ", " – ", ": "]
        .iter()
        .filter_map(|p| item.find(p))
        .min()
        .unwrap_or(item.len());
    text::plain(&item[..cut])
}

fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    t.strip_prefix("- ")
        .or_else(|| t.strip_prefix("* "))
        .or_else(|| t.strip_prefix("+ "))
        .map(str::trim)
}

impl InstanceDoc {
    pub fn parse(src: String) -> InstanceDoc {
        let front_matter = frontmatter::parse(&src);
        let body_start = match &front_matter {
            Some(f) => f.range.end,
            None if src.starts_with(text::BOM) => text::BOM.len(),
            None => 0,
        };
        let lines = split_lines(&src, body_start);
        let index = LineIndex::new(&src);
        let mut title = None;
        let mut history: Option<(usize, Range<usize>)> = None; // (line idx, heading range)
        let mut history_end = src.len();
        let mut trailing = Vec::new();
        let mut next_steps = Vec::new();
        for (k, l) in lines.iter().enumerate() {
            if l.in_code {
                continue;
            }
            let s = &src[l.start..l.end];
            if let Some((level, h)) = heading(s) {
                let plain = text::plain(h);
                if level == 1 && title.is_none() {
                    title = Some(plain.clone());
                }
                if mentions_next_steps(&plain) {
                    next_steps.push(NextSteps {
                        line: index.line(l.start),
                        text: s.to_string(),
                    });
                }
                if level <= 2 {
                    if history.is_some() && history_end == src.len() {
                        history_end = l.start;
                    }
                    if history.is_none()
                        && level == 2
                        && plain.to_lowercase().contains("session history")
                    {
                        history = Some((k, l.start..l.end));
                        continue;
                    }
                    if history.is_some() && level == 2 {
                        trailing.push(Trailing {
                            title: plain,
                            range: l.start..src.len(),
                            line: index.line(l.start),
                        });
                    }
                }
            } else if let Some((label, _)) = bold_label(s)
                && mentions_next_steps(&label)
            {
                next_steps.push(NextSteps {
                    line: index.line(l.start),
                    text: s.to_string(),
                });
            }
        }
        for i in 0..trailing.len() {
            if let Some(n) = trailing.get(i + 1).map(|t| t.range.start) {
                trailing[i].range.end = n;
            }
        }
        let preamble = body_start..history.as_ref().map_or(src.len(), |h| h.1.start);

        let mut entries = Vec::new();
        let mut pointer = None;
        let mut placeholder = None;
        if let Some((hk, _)) = &history {
            // Boundaries inside the history section.
            let mut starts: Vec<(usize, bool)> = Vec::new(); // (line idx, is entry)
            for (k, l) in lines.iter().enumerate().skip(hk + 1) {
                if l.start >= history_end {
                    break;
                }
                if l.in_code {
                    continue;
                }
                let s = &src[l.start..l.end];
                if let Some((3, _)) = heading(s) {
                    starts.push((k, true));
                } else if heading(s).is_none() && pointer.is_none() && is_pointer(s) {
                    pointer = Some(Pointer {
                        range: l.start..l.end,
                        number: pointer_number(&src, l.start..l.end),
                        line: index.line(l.start),
                    });
                    starts.push((k, false));
                } else if heading(s).is_none() && placeholder.is_none() && is_placeholder(s) {
                    placeholder = Some(l.start..l.next);
                    starts.push((k, false));
                }
            }
            for (j, &(k, is_entry)) in starts.iter().enumerate() {
                if !is_entry {
                    continue;
                }
                let end = starts
                    .get(j + 1)
                    .map_or(history_end, |&(n, _)| lines[n].start);
                entries.push(parse_entry(&src, &lines, k, end, &index));
            }
        }
        InstanceDoc {
            front_matter,
            title,
            preamble,
            history: history.map(|h| h.1),
            history_end,
            entries,
            pointer,
            placeholder,
            trailing,
            next_steps,
            lines: index,
            text: src,
        }
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    /// Entries that parse, in file order (newest first).
    pub fn parsed_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.parsed())
    }

    /// The newest entry: the highest session number, else the first that parses.
    pub fn latest(&self) -> Option<&Entry> {
        self.parsed_entries()
            .max_by_key(|e| e.session)
            .or_else(|| self.parsed_entries().next())
    }

    /// The highest session number written in this file (entries and the pointer).
    pub fn max_session(&self) -> Option<u32> {
        let e = self.entries.iter().filter_map(|e| e.session).max();
        let p = self
            .pointer
            .as_ref()
            .and_then(|p| p.number.as_ref().map(|n| n.0));
        e.max(p)
    }

    /// The `\n` or `\r\n` this file uses.
    pub fn newline(&self) -> &'static str {
        text::newline_of(&self.text)
    }
}

fn pointer_number(src: &str, r: Range<usize>) -> Option<(u32, Range<usize>)> {
    let s = &src[r.clone()];
    // ASCII lowercasing keeps byte offsets, so `p` is an offset into `s` too.
    let lower = s.to_ascii_lowercase();
    let p = lower.find("session")?;
    let after = &s[p..];
    let ds = after.find(|c: char| c.is_ascii_digit())?;
    // only `Sessions 32 and earlier`-like: digits soon after the word
    if ds > 12 {
        return None;
    }
    let digits: String = after[ds..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n = digits.parse().ok()?;
    let start = r.start + p + ds;
    Some((n, start..start + digits.len()))
}

fn parse_entry(src: &str, lines: &[Line], k: usize, end: usize, index: &LineIndex) -> Entry {
    let h = &lines[k];
    let head_src = &src[h.start..h.end];
    let head_text = heading(head_src).map(|x| x.1).unwrap_or("");
    let parsed = parse_entry_heading(&text::plain(head_text));
    let mut e = Entry {
        range: h.start..end,
        heading: h.start..h.end,
        line: index.line(h.start),
        date: None,
        session: None,
        title: text::plain(head_text),
        tasks: Vec::new(),
        summary: None,
        files_created: Vec::new(),
        files_modified: Vec::new(),
        files_deleted: Vec::new(),
        key_decisions: Vec::new(),
        blocks: Vec::new(),
        problem: None,
    };
    match parsed {
        Some((date, Some(session), title)) => {
            e.date = Some(date);
            e.session = Some(session);
            e.title = title;
        }
        Some((date, None, title)) => {
            e.date = Some(date);
            e.title = title;
            e.problem = Some(
                "the heading has no session number (`### YYYY-MM-DD (Session S - Title)`)".into(),
            );
        }
        None => {
            e.problem = Some("the heading is not `### YYYY-MM-DD (Session S - Title)`".into());
        }
    }
    // Body: tables, labelled blocks.
    let body: Vec<&Line> = lines[k + 1..]
        .iter()
        .take_while(|l| l.start < end)
        .collect();
    let mut current: Option<(String, Vec<String>)> = None;
    let mut in_table = false;
    let mut table_is_tasks = false;
    let mut table_row = 0;
    let flush = |cur: Option<(String, Vec<String>)>, e: &mut Entry| {
        let Some((label, content)) = cur else { return };
        let trimmed: Vec<&str> = {
            let mut v: Vec<&str> = content.iter().map(|s| s.as_str()).collect();
            while v.last().is_some_and(|l| l.trim().is_empty()) {
                v.pop();
            }
            v
        };
        let items = || -> Vec<String> {
            trimmed
                .iter()
                .filter_map(|l| list_item(l))
                .map(String::from)
                .collect()
        };
        let paths = || -> Vec<String> {
            trimmed
                .iter()
                .filter_map(|l| list_item(l))
                .map(item_path)
                .collect()
        };
        match label.to_lowercase().as_str() {
            "summary" => {
                let t: Vec<&str> = trimmed
                    .iter()
                    .map(|l| l.trim())
                    .filter(|l| !l.is_empty())
                    .collect();
                e.summary = Some(t.join(" "));
            }
            "files created" | "files added" | "new files" => e.files_created = paths(),
            "files modified" | "files changed" => e.files_modified = paths(),
            "files deleted" | "files removed" => e.files_deleted = paths(),
            "key decisions" | "decisions" => e.key_decisions = items(),
            _ => e.blocks.push(Block {
                label,
                text: trimmed
                    .iter()
                    .map(|l| l.trim_end())
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim()
                    .to_string(),
            }),
        }
    };
    for l in body {
        let s = &src[l.start..l.end];
        if !l.in_code && s.trim_start().starts_with('|') {
            if !in_table {
                in_table = true;
                table_row = 0;
                let cells = table_cells(s);
                table_is_tasks = cells
                    .first()
                    .is_some_and(|c| c.to_lowercase().contains("task"));
            } else {
                table_row += 1;
                if table_is_tasks && table_row >= 2 {
                    let cells = table_cells(s);
                    if cells.len() >= 2 {
                        e.tasks.push(TaskRow {
                            task: cells[0].clone(),
                            status: cells[cells.len() - 1].clone(),
                        });
                    }
                }
            }
            continue;
        }
        in_table = false;
        if !l.in_code
            && let Some((label, rest)) = bold_label(s)
        {
            flush(current.take(), &mut e);
            current = Some((
                label,
                if rest.is_empty() {
                    Vec::new()
                } else {
                    vec![rest.to_string()]
                },
            ));
            continue;
        }
        if !l.in_code && is_separator(s) {
            flush(current.take(), &mut e);
            continue;
        }
        if let Some((_, content)) = current.as_mut() {
            content.push(s.to_string());
        }
    }
    flush(current.take(), &mut e);
    e
}

// ---------------------------------------------------------------------------------------
// Writing: a new entry, prepending it, rotating old ones out.

/// A session entry to write.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    pub date: String,
    pub session: u32,
    pub title: String,
    pub tasks: Vec<TaskRow>,
    pub summary: String,
    pub files_created: Vec<String>,
    pub files_modified: Vec<String>,
    pub files_deleted: Vec<String>,
    pub key_decisions: Vec<String>,
    /// Further `**Label**:` lists (checks, verification), in order.
    pub extra: Vec<(String, Vec<String>)>,
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl NewEntry {
    /// The entry's text, lines joined with `nl`, ending with one line break.
    pub fn render(&self, nl: &str) -> String {
        let mut l: Vec<String> = Vec::new();
        l.push(format!(
            "### {} (Session {} - {})",
            self.date,
            self.session,
            one_line(&self.title)
        ));
        l.push(String::new());
        if !self.tasks.is_empty() {
            l.push("| Task | Status |".into());
            l.push("|------|--------|".into());
            for t in &self.tasks {
                l.push(format!("| {} | {} |", cell(&t.task), cell(&t.status)));
            }
            l.push(String::new());
        }
        l.push(format!("**Summary**: {}", one_line(&self.summary)));
        l.push(String::new());
        let mut list = |label: &str, items: &[String], code: bool| {
            if items.is_empty() {
                return;
            }
            l.push(format!("**{label}**:"));
            for i in items {
                if code {
                    l.push(format!("- `{i}`"));
                } else {
                    l.push(format!("- {}", one_line(i)));
                }
            }
            l.push(String::new());
        };
        list("Files Created", &self.files_created, true);
        list("Files Modified", &self.files_modified, true);
        list("Files Deleted", &self.files_deleted, true);
        list("Key Decisions", &self.key_decisions, false);
        for (label, items) in &self.extra {
            list(label, items, false);
        }
        while l.last().is_some_and(String::is_empty) {
            l.pop();
        }
        let mut out = l.join(nl);
        out.push_str(nl);
        out
    }
}

/// The edit that puts `entry` (rendered, ending with a line break) first under
/// `## Session History`, followed by a `---` separator; adds the section when missing and
/// replaces a `*(no sessions yet)*` placeholder.
pub fn prepend(doc: &InstanceDoc, entry: &str) -> Edit {
    let nl = doc.newline();
    let src = &doc.text;
    let Some(h) = &doc.history else {
        let lead = if src.is_empty() || src.ends_with('\n') {
            ""
        } else {
            nl
        };
        let gap = if src.is_empty()
            || src.ends_with(&format!("{nl}{nl}"))
            || lead.is_empty() && src.ends_with("\n\n")
        {
            ""
        } else {
            nl
        };
        return Edit::insert(
            src.len(),
            format!("{lead}{gap}## Session History{nl}{nl}{entry}"),
        );
    };
    let sep = format!("{nl}---{nl}{nl}");
    if let Some(first) = doc.entries.first() {
        return Edit::insert(first.range.start, format!("{entry}{sep}"));
    }
    if let Some(p) = &doc.placeholder {
        return Edit::replace(p.clone(), entry.to_string());
    }
    if let Some(p) = &doc.pointer {
        return Edit::insert(p.range.start, format!("{entry}{sep}"));
    }
    // An empty history: after the heading and the blank lines that follow it.
    let after_heading = h.end + text::newline_len_at(src, h.end);
    let mut at = after_heading;
    while at < doc.history_end {
        let e = text::line_end(src, at);
        if !src[at..e].trim().is_empty() {
            break;
        }
        at = e + text::newline_len_at(src, e);
        if at == e {
            break;
        }
    }
    let lead = if after_heading == h.end {
        format!("{nl}{nl}")
    } else if at == after_heading {
        nl.to_string()
    } else {
        String::new()
    };
    let next = &src[at..text::line_end(src, at.min(src.len()))];
    let tail = if at >= src.len() {
        String::new()
    } else if is_separator(next) {
        nl.to_string()
    } else {
        sep.clone()
    };
    Edit::insert(at, format!("{lead}{entry}{tail}"))
}

/// An entry moved out of the instance file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub session: u32,
    pub date: String,
    /// The removed bytes, verbatim.
    pub text: String,
    pub range: Range<usize>,
}

/// What rotating an instance file does.
#[derive(Debug, Clone, Default)]
pub struct Rotation {
    pub edits: Vec<Edit>,
    /// Oldest last, as in the file.
    pub moved: Vec<Moved>,
}

/// The pointer line text for sessions up to `n`.
pub fn pointer_line(n: u32, archive_dir: &str) -> String {
    format!(
        "*(Sessions {n} and earlier archived to `{}/`)*",
        archive_dir.trim_end_matches('/')
    )
}

/// Keep the first `keep` parsed entries; move every later parsed entry out, verbatim, and
/// update (or add) the pointer line. Entries that do not parse are never moved.
pub fn rotate(doc: &InstanceDoc, keep: usize, archive_dir: &str) -> Rotation {
    let nl = doc.newline();
    let moved: Vec<&Entry> = doc.parsed_entries().skip(keep).collect();
    if moved.is_empty() {
        return Rotation::default();
    }
    let max = moved.iter().filter_map(|e| e.session).max().unwrap_or(0);
    let mut r = Rotation::default();
    let has_archived_section = doc
        .trailing
        .iter()
        .any(|t| t.title.to_lowercase().contains("archived session"));
    let last = moved.len() - 1;
    for (k, e) in moved.iter().enumerate() {
        let slice = &doc.text[e.range.clone()];
        r.moved.push(Moved {
            session: e.session.unwrap_or(0),
            date: e.date.clone().unwrap_or_default(),
            text: slice.to_string(),
            range: e.range.clone(),
        });
        if k == last && doc.pointer.is_none() && !has_archived_section {
            let p = pointer_line(max, archive_dir);
            let ends_with_sep = slice
                .trim_end()
                .rsplit('\n')
                .next()
                .is_some_and(is_separator);
            let repl = if ends_with_sep {
                format!("{p}{nl}{nl}---{nl}{nl}")
            } else if e.range.end >= doc.text.len() {
                format!("{p}{nl}")
            } else {
                format!("{p}{nl}{nl}")
            };
            r.edits.push(Edit::replace(e.range.clone(), repl));
        } else {
            r.edits.push(Edit::delete(e.range.clone()));
        }
    }
    if let Some(p) = &doc.pointer
        && let Some((n, digits)) = &p.number
        && max > *n
    {
        r.edits.push(Edit::replace(digits.clone(), max.to_string()));
    }
    r
}

/// Check that a rewrite of an instance file kept every entry that was not moved byte for
/// byte, and that every moved entry's bytes are exactly what goes to the archive.
pub fn verify_rotation(
    before: &InstanceDoc,
    after: &InstanceDoc,
    moved: &[Moved],
    archived: &[String],
) -> anyhow::Result<()> {
    if moved.len() != archived.len() {
        anyhow::bail!(
            "internal: {} entries moved but {} archive files planned",
            moved.len(),
            archived.len()
        );
    }
    for (m, a) in moved.iter().zip(archived) {
        if before.text[m.range.clone()] != m.text || !a.contains(m.text.as_str()) {
            anyhow::bail!(
                "internal: Session {} would not arrive in the archive byte for byte; nothing was written",
                m.session
            );
        }
    }
    let kept: Vec<&Entry> = before
        .entries
        .iter()
        .filter(|e| !moved.iter().any(|m| m.range == e.range))
        .collect();
    for e in &kept {
        let old = &before.text[e.heading.clone()];
        let Some(n) = after
            .entries
            .iter()
            .find(|x| &after.text[x.heading.clone()] == old)
        else {
            anyhow::bail!("internal: the entry `{old}` would be lost; nothing was written");
        };
        if before.text[e.range.clone()] != after.text[n.range.clone()] {
            anyhow::bail!("internal: the entry `{old}` would change; nothing was written");
        }
    }
    for m in moved {
        let head = m.text.lines().next().unwrap_or("");
        if after
            .entries
            .iter()
            .any(|x| after.text[x.heading.clone()] == *head.trim_end_matches('\r'))
        {
            anyhow::bail!(
                "internal: Session {} would be both kept and archived; nothing was written",
                m.session
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibyte_text_near_keywords_does_not_panic() {
        assert_eq!(parse_entry_heading("漢字のメモ"), None);
        let d = InstanceDoc::parse(
            "## Session History\n### 漢字のメモ\n\nȺȺȺȺȺȺȺȺ archived session漢 1\n".into(),
        );
        assert!(d.entries.len() <= 1);
    }

    #[test]
    fn entry_headings() {
        assert_eq!(
            parse_entry_heading("2025-12-27 (Session 35 - Phase 4.0 Database Concurrency)"),
            Some((
                "2025-12-27".into(),
                Some(35),
                "Phase 4.0 Database Concurrency".into()
            ))
        );
        assert_eq!(parse_entry_heading("Notes"), None);
        assert_eq!(
            parse_entry_heading("Session 12 (2025-12-01) - Setup"),
            Some(("2025-12-01".into(), Some(12), "Setup".into()))
        );
        let e = entries(
            "# I\n## Session History\n### 2025-12-27 (Session 35 - A)\nx\n### 2025-12-26 (Session 34 - B)\n",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].session, Some(35));
        assert_eq!(e[1].line, 5);
    }

    const SEED: &str = include_str!("../../tests/fixtures/sessions/seed_instance.md");

    #[test]
    fn parses_the_seed() {
        let d = InstanceDoc::parse(SEED.to_string());
        assert_eq!(d.title.as_deref(), Some("Instance 1 Session"));
        assert!(d.front_matter.is_none());
        assert_eq!(d.entries.len(), 3);
        let e = &d.entries[0];
        assert_eq!(e.session, Some(35));
        assert_eq!(e.date.as_deref(), Some("2025-12-27"));
        assert_eq!(e.title, "Phase 4.0 Database Concurrency");
        assert_eq!(e.tasks.len(), 6);
        assert_eq!(e.tasks[5].status, "✅ Complete");
        assert!(
            e.summary
                .as_deref()
                .unwrap()
                .starts_with("Implemented Phase 4.0")
        );
        assert_eq!(
            e.files_created,
            vec!["data/db_retry.py", "tests/test_db_concurrency.py"]
        );
        assert_eq!(e.files_modified.len(), 5);
        assert!(d.entries[1].files_created.is_empty());
        assert_eq!(d.entries[2].key_decisions.len(), 3);
        assert_eq!(d.pointer.as_ref().unwrap().number.as_ref().unwrap().0, 32);
        assert_eq!(d.trailing.len(), 1);
        assert_eq!(d.trailing[0].title, "Quick Links");
        assert!(d.next_steps.is_empty(), "{:?}", d.next_steps);
        assert_eq!(d.max_session(), Some(35));
        assert!(d.text[d.entries[2].range.clone()].ends_with("---\n\n"));
    }

    #[test]
    fn unknown_blocks_and_bad_entries() {
        let src = "# I\n## Session History\n### 2025-12-27 (Session 35 - A)\n**Summary**: one\ntwo\n\n**Blockers**: none\n- really\n\n### Thoughts on the weekend\nfree text\n\n## IMMEDIATE NEXT SESSION TASK\ndo it\n";
        let d = InstanceDoc::parse(src.to_string());
        assert_eq!(d.entries.len(), 2);
        assert_eq!(d.entries[0].summary.as_deref(), Some("one two"));
        assert_eq!(
            d.entries[0].blocks,
            vec![Block {
                label: "Blockers".into(),
                text: "none\n- really".into()
            }]
        );
        assert!(d.entries[1].problem.is_some());
        assert_eq!(d.parsed_entries().count(), 1);
        assert_eq!(d.next_steps.len(), 1);
        assert_eq!(d.next_steps[0].line, 13);
    }

    fn entry(n: u32) -> String {
        NewEntry {
            date: "2026-01-15".into(),
            session: n,
            title: "T".into(),
            summary: "S".into(),
            ..Default::default()
        }
        .render("\n")
    }

    #[test]
    fn prepend_and_rotate_the_seed() {
        let d = InstanceDoc::parse(SEED.to_string());
        let mut edits = vec![prepend(&d, &entry(36))];
        let r = rotate(&d, 2, "archive/sessions");
        assert_eq!(r.moved.len(), 1);
        assert_eq!(r.moved[0].session, 33);
        edits.extend(r.edits.clone());
        let out = crate::edit::apply(&d.text, &edits).unwrap();
        assert!(out.contains(
            "### 2026-01-15 (Session 36 - T)\n\n**Summary**: S\n\n---\n\n### 2025-12-27 (Session 35"
        ));
        assert!(out.contains("*(Sessions 33 and earlier archived"));
        assert!(!out.contains("Session 33 - "));
        let after = InstanceDoc::parse(out.clone());
        verify_rotation(&d, &after, &r.moved, &[r.moved[0].text.clone()]).unwrap();
        // everything removed is exactly the moved text
        let expect =
            SEED.replacen(&r.moved[0].text, "", 1)
                .replacen("Sessions 32", "Sessions 33", 1);
        assert_eq!(
            out.replacen(&format!("{}\n---\n\n", entry(36)), "", 1),
            expect
        );
    }

    #[test]
    fn rotation_without_pointer_adds_one() {
        let src = "# I\r\n\r\n## Session History\r\n\r\n### 2025-12-28 (Session 51 - B)\r\n\r\n**Summary**: b\r\n\r\n---\r\n\r\n### 2025-12-26 (Session 50 - A)\r\n\r\n**Summary**: a\r\n";
        let d = InstanceDoc::parse(src.to_string());
        let r = rotate(&d, 1, "archive/sessions");
        let out = crate::edit::apply(src, &r.edits).unwrap();
        assert_eq!(
            out,
            "# I\r\n\r\n## Session History\r\n\r\n### 2025-12-28 (Session 51 - B)\r\n\r\n**Summary**: b\r\n\r\n---\r\n\r\n*(Sessions 50 and earlier archived to `archive/sessions/`)*\r\n"
        );
        assert_eq!(
            r.moved[0].text,
            "### 2025-12-26 (Session 50 - A)\r\n\r\n**Summary**: a\r\n"
        );
    }

    #[test]
    fn prepend_into_empty_histories() {
        let cases = [
            (
                "# I\n\n## Session History\n",
                "# I\n\n## Session History\n\nE\n",
            ),
            (
                "# I\n\n## Session History",
                "# I\n\n## Session History\n\nE\n",
            ),
            (
                "# I\n\n## Session History\n\n*(no sessions yet)*\n",
                "# I\n\n## Session History\n\nE\n",
            ),
            (
                "# I\n\n## Session History\n\n---\n\n## Links\n",
                "# I\n\n## Session History\n\nE\n\n---\n\n## Links\n",
            ),
            (
                "# I\n\n## Session History\n\n## Links\n",
                "# I\n\n## Session History\n\nE\n\n---\n\n## Links\n",
            ),
            ("# I\n", "# I\n\n## Session History\n\nE\n"),
            ("# I", "# I\n\n## Session History\n\nE\n"),
        ];
        for (src, want) in cases {
            let d = InstanceDoc::parse(src.to_string());
            let out = crate::edit::apply(src, &[prepend(&d, "E\n")]).unwrap();
            assert_eq!(out, want, "for {src:?}");
        }
    }

    #[test]
    fn front_matter_and_bom() {
        let src = "\u{feff}---\nid: x\nfoo: {a: 1}\n---\n# I\n## Session History\n### 2025-01-01 (Session 1 - A)\n";
        let d = InstanceDoc::parse(src.to_string());
        assert_eq!(
            d.front_matter.as_ref().unwrap().get("id").as_deref(),
            Some("x")
        );
        assert_eq!(d.entries.len(), 1);
        assert_eq!(d.entries[0].line, 7);
    }
}
