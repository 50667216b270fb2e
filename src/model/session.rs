//! Instance session files (`instance_NNN.md`): the session history entries.

use crate::text;

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

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = entries(
            "# I\n## Session History\n### 2025-12-27 (Session 35 - A)\nx\n### 2025-12-26 (Session 34 - B)\n",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].session, Some(35));
        assert_eq!(e[1].line, 5);
    }
}
