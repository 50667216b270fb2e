//! Rules about instance session files: next_steps_in_session_file, too_many_sessions,
//! session_numbering, missing_session_history.

use super::{Checker, Diagnostic, Docs, Fix, FixAction, Location, words};
use crate::model::Document;
use crate::model::session::parse_entry_heading;
use crate::text::slash_path;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// A dated entry of a `## Session History` section.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub session: Option<u32>,
    pub date: String,
    pub line: usize,
    /// The heading line.
    pub heading: Range<usize>,
    /// The heading and everything up to the next entry or section.
    pub body: Range<usize>,
}

fn is_history_heading(title: &str) -> bool {
    title.to_lowercase().contains("session history")
}

/// The entries of a parsed instance (or archived session) file: dated headings inside its
/// `Session History` section, or anywhere when it has none.
pub fn entries_of(doc: &Document) -> Vec<HistoryEntry> {
    let history = doc.sections.iter().find(|s| is_history_heading(&s.title));
    let within =
        |r: &Range<usize>| history.is_none_or(|h| r.start > h.range.start && r.start < h.end);
    doc.sections
        .iter()
        .filter(|s| within(&s.range) && history.is_none_or(|h| s.level > h.level))
        .filter_map(|s| {
            let (date, session, _) = parse_entry_heading(&s.title)?;
            let first_line = s.range.start..crate::text::line_end(&doc.text, s.range.start);
            Some(HistoryEntry {
                session,
                date,
                line: s.line,
                heading: first_line,
                body: s.range.start..s.end,
            })
        })
        .collect()
}

/// Entries of raw text (an archived session file).
pub fn history_entries(text: &str) -> Vec<HistoryEntry> {
    let cfg = crate::config::Config::default();
    let doc = Document::parse(
        text.to_string(),
        &crate::model::ParseEnv {
            config: &cfg,
            rel_path: "session.md".into(),
        },
    );
    entries_of(&doc)
}

/// The highest session number in the instance files.
pub fn latest_session(docs: &Docs) -> Option<u32> {
    docs.instances
        .iter()
        .flat_map(|i| entries_of(&i.doc))
        .filter_map(|e| e.session)
        .max()
}

pub fn check(c: &mut Checker) {
    let docs = c.docs;
    let kept = c.ws.config.sessions_kept;
    let mut all: Vec<(&Document, HistoryEntry)> = Vec::new();
    for inst in &docs.instances {
        let doc = &inst.doc;
        let entries = entries_of(doc);
        if c.on("missing_session_history")
            && !doc.sections.iter().any(|s| is_history_heading(&s.title))
        {
            c.push(
                Diagnostic::new(
                    "missing_session_history",
                    Location::file(&doc.rel_path),
                    format!(
                        "{} has no `## Session History` section",
                        slash_path(&doc.rel_path)
                    ),
                )
                .help(
                    "add a `## Session History` heading; session entries go under it, newest first",
                ),
            );
        }
        if c.on("next_steps_in_session_file") {
            next_steps(c, doc);
        }
        if c.on("too_many_sessions") && entries.len() > kept {
            let e = &entries[kept];
            let command = "baton check --fix".to_string();
            c.push(
                Diagnostic::new(
                    "too_many_sessions",
                    Location::span(doc, e.heading.clone()),
                    format!(
                        "{} holds {} session entries; only the last {kept} are kept",
                        slash_path(&doc.rel_path),
                        entries.len()
                    ),
                )
                .help(format!(
                    "move this entry and the older ones to {}/ (`{command}` rotates them, as `ess` does)",
                    c.ws.config.archive.sessions.trim_end_matches('/')
                ))
                .fix(Fix {
                    description: format!(
                        "move the entries past the newest {kept} to {}/, verbatim",
                        c.ws.config.archive.sessions.trim_end_matches('/')
                    ),
                    action: FixAction::Rotate(inst.instance),
                }),
            );
        }
        all.extend(entries.into_iter().map(|e| (doc, e)));
    }
    if c.on("session_numbering") {
        numbering(c, &all);
    }
}

fn next_steps(c: &mut Checker, doc: &Document) {
    let mut hits: Vec<(Range<usize>, String)> = Vec::new();
    for s in &doc.sections {
        if is_next_steps(&s.title) {
            let end = crate::text::line_end(&doc.text, s.range.start);
            hits.push((s.range.start..end, s.title.to_string()));
        }
    }
    // Bold labels used as headings: `**Next Steps**:`, `- **Next session**: ...`.
    let mut fence: Option<&str> = None;
    let mut off = 0;
    for line in doc.text.split_inclusive('\n') {
        let start = off;
        off += line.len();
        let t = line.trim_start();
        for f in ["```", "~~~"] {
            if t.starts_with(f) {
                fence = match fence {
                    None => Some(f),
                    Some(open) if open == f => None,
                    other => other,
                };
            }
        }
        if fence.is_some() || t.starts_with("```") || t.starts_with("~~~") {
            continue;
        }
        let body = t.trim_start_matches(['>', ' ']);
        let body = body
            .strip_prefix("- ")
            .or_else(|| body.strip_prefix("* "))
            .or_else(|| body.strip_prefix("+ "))
            .unwrap_or(body);
        for m in ["**", "__"] {
            if let Some(rest) = body.strip_prefix(m)
                && let Some(close) = rest.find(m)
                && is_next_steps(&rest[..close])
            {
                let s = start + (line.len() - body.len());
                let e = s + m.len() * 2 + close;
                hits.push((s..e, rest[..close].trim().to_string()));
            }
        }
    }
    hits.sort_by_key(|h| h.0.start);
    hits.dedup_by_key(|h| crate::text::line_start(&doc.text, h.0.start));
    let tasks = slash_path(&c.docs.tasks.rel_path);
    for (span, title) in hits {
        c.push(
            Diagnostic::new(
                "next_steps_in_session_file",
                Location::span(doc, span),
                format!("`{title}` is a next-steps section in a session file; next steps belong in {tasks}"),
            )
            .help(format!(
                "turn each item into a task in {tasks}, then delete this section (session files hold history only)"
            )),
        );
    }
}

/// A heading or label about what to do next ("Next Steps", "IMMEDIATE NEXT SESSION TASK",
/// "What's next", "Notes for next session"), but not a sentence mentioning them
/// ("NEVER WRITE NEXT STEPS IN THIS FILE") and not a dated session entry.
pub fn is_next_steps(title: &str) -> bool {
    if parse_entry_heading(&crate::text::plain(title)).is_some() {
        return false;
    }
    let w = words(title);
    let toks: Vec<&str> = w.split(' ').filter(|t| !t.is_empty()).collect();
    const LEAD: &[&str] = &[
        "immediate",
        "recommended",
        "suggested",
        "planned",
        "proposed",
        "potential",
        "possible",
        "the",
        "for",
        "plan",
        "plans",
        "planning",
        "notes",
        "note",
        "todo",
        "todos",
        "critical",
        "important",
        "urgent",
        "priority",
        "priorities",
        "what",
        "s",
        "whats",
        "up",
        "and",
        "my",
        "our",
        "to",
        "do",
        "list",
        "of",
    ];
    const AFTER: &[&str] = &[
        "step",
        "steps",
        "session",
        "sessions",
        "task",
        "tasks",
        "action",
        "actions",
        "priorities",
        "priority",
        "up",
        "work",
        "items",
        "todo",
        "todos",
        "instance",
        "move",
        "moves",
        "phase",
    ];
    let Some(k) = toks.iter().position(|&t| t == "next") else {
        return false;
    };
    if k > 4
        || !toks[..k]
            .iter()
            .all(|t| LEAD.contains(t) || t.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    match toks.get(k + 1) {
        Some(a) => AFTER.contains(a),
        None => toks[..k]
            .iter()
            .any(|t| matches!(*t, "what" | "whats" | "up" | "s")),
    }
}

fn numbering(c: &mut Checker, all: &[(&Document, HistoryEntry)]) {
    let mut ds: Vec<Diagnostic> = Vec::new();
    let mut reported: HashSet<(String, usize)> = HashSet::new();
    let mut push =
        |doc: &Document, e: &HistoryEntry, msg: String, help: &str, ds: &mut Vec<Diagnostic>| {
            if reported.insert((slash_path(&doc.rel_path), e.line)) {
                ds.push(
                    Diagnostic::new(
                        "session_numbering",
                        Location::span(doc, e.heading.clone()),
                        msg,
                    )
                    .help(help.to_string()),
                );
            }
        };
    let at = |doc: &Document, e: &HistoryEntry| format!("{}:{}", slash_path(&doc.rel_path), e.line);
    // Duplicates, anywhere (or within one file, when each instance counts on its own).
    let per_instance = {
        use crate::config::SessionNumbering as S;
        match c.ws.config.session_numbering {
            S::Global => false,
            S::PerInstance => true,
            S::Auto => {
                let mut ones: Vec<*const Document> = all
                    .iter()
                    .filter(|(_, e)| e.session == Some(1))
                    .map(|(d, _)| *d as *const Document)
                    .collect();
                ones.dedup();
                ones.len() >= 2
            }
        }
    };
    let mut first: HashMap<(usize, u32), usize> = HashMap::new();
    for (k, (doc, e)) in all.iter().enumerate() {
        let Some(n) = e.session else { continue };
        let file = if per_instance {
            *doc as *const Document as usize
        } else {
            0
        };
        match first.get(&(file, n)) {
            Some(&j) => {
                let (d0, e0) = &all[j];
                push(
                    doc,
                    e,
                    format!("Session {n} is numbered twice: also at {}", at(d0, e0)),
                    "give this entry the number it had (`session_numbering` in .baton.yaml says whether numbers are global or per instance)",
                    &mut ds,
                );
            }
            None => {
                first.insert((file, n), k);
            }
        }
    }
    // Newest first within a file: the first entry that is newer than the one above it.
    let mut k = 0;
    while k < all.len() {
        let doc = all[k].0;
        let mut j = k;
        let mut flagged = false;
        while j < all.len() && std::ptr::eq(all[j].0, doc) {
            if !flagged
                && j > k
                && let (Some(a), Some(b)) = (all[j - 1].1.session, all[j].1.session)
                && b > a
            {
                push(
                    doc,
                    &all[j].1,
                    format!("Session {b} is listed below Session {a}; entries go newest first"),
                    "move the entry above the older ones",
                    &mut ds,
                );
                flagged = true;
            }
            j += 1;
        }
        k = j;
    }
    // Across files: a higher session number with an earlier date.
    let mut by_number: Vec<&(&Document, HistoryEntry)> =
        all.iter().filter(|(_, e)| e.session.is_some()).collect();
    by_number.sort_by_key(|(_, e)| e.session);
    for w in by_number.windows(2) {
        let ((d0, e0), (d1, e1)) = (w[0], w[1]);
        if e1.session != e0.session && e1.date < e0.date {
            push(
                d1,
                e1,
                format!(
                    "Session {} ({}) is dated before Session {} ({}, {})",
                    e1.session.unwrap_or(0),
                    e1.date,
                    e0.session.unwrap_or(0),
                    e0.date,
                    at(d0, e0)
                ),
                "session numbers increase with time across all instances: check the number and the date",
                &mut ds,
            );
        }
    }
    ds.into_iter().for_each(|d| c.push(d));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_steps_wording() {
        for yes in [
            "Next Steps",
            "NEXT STEPS",
            "🎯 Next steps:",
            "IMMEDIATE NEXT SESSION TASK",
            "Next Session Tasks",
            "What's Next",
            "Notes for next session",
            "5. Next steps",
            "Up next",
            "Recommended Next Steps",
        ] {
            assert!(is_next_steps(yes), "{yes}");
        }
        for no in [
            "NEVER WRITE \"NEXT STEPS\" IN THIS FILE",
            "2025-12-27 (Session 36 - Next steps planning)",
            "Session History",
            "Next.js migration",
            "Context for the next reader",
            "Nextcloud setup",
        ] {
            assert!(!is_next_steps(no), "{no}");
        }
    }

    #[test]
    fn entries_inside_history_only() {
        let e = history_entries(
            "# I\n## Session History\n### 2025-12-27 (Session 35 - A)\nx\n### 2025-12-26 (Session 34 - B)\n## Archived Sessions\n### 2025-12-01 (Session 10 - C)\n",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].session, Some(34));
        assert_eq!(e[0].line, 3);
    }
}
