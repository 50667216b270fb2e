//! The `Instance Coordination` table: instance → current task, with cell ranges for edits.

use super::shared::Str;
use crate::text::{self, LineIndex};
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordRow {
    pub instance: u32,
    /// The current-task cell's trimmed content.
    pub task: Str,
    /// Byte range of the trimmed content of the current-task cell (empty range for an empty cell).
    pub cell: Range<usize>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordTable {
    pub range: Range<usize>,
    pub rows: Vec<CoordRow>,
    pub line: usize,
}

impl CoordTable {
    pub fn row(&self, instance: u32) -> Option<&CoordRow> {
        self.rows.iter().find(|r| r.instance == instance)
    }
}

/// The value a coordination cell shows for an idle instance.
pub const AVAILABLE: &str = "Available";

/// Whether a cell value means "no task".
pub fn is_available(cell: &str) -> bool {
    let c = text::plain(cell).to_lowercase();
    c.is_empty() || c == "available" || c == "-" || c == "—" || c == "idle" || c == "none"
}

/// Parse a table as the coordination table if its header says so: a first column named
/// `Instance` and a column about the current task (or a heading mentioning coordination).
pub fn parse(text: &str, r: Range<usize>, heading: &str, lines: &LineIndex) -> Option<CoordTable> {
    let mut rows_src = Vec::new();
    let mut off = r.start;
    for l in text[r.clone()].split_inclusive('\n') {
        rows_src.push((off, l));
        off += l.len();
    }
    let (h_off, header) = *rows_src.first()?;
    let hcells = cells(header, h_off);
    let name = |i: usize| {
        hcells
            .get(i)
            .map(|c| text::plain(&text[c.clone()]).to_lowercase())
            .unwrap_or_default()
    };
    if !name(0).starts_with("instance") {
        return None;
    }
    let task_col = (1..hcells.len())
        .find(|&i| name(i).contains("task") || name(i).contains("current"))
        .or_else(|| heading.to_lowercase().contains("coordination").then_some(1))?;
    if task_col >= hcells.len() {
        return None;
    }
    let mut rows = Vec::new();
    for &(o, l) in rows_src.iter().skip(2) {
        let cs = cells(l, o);
        let Some(first) = cs.first() else { continue };
        let digits: String = text[first.clone()]
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        let Ok(instance) = digits.parse::<u32>() else {
            continue;
        };
        let Some(cell) = cs.get(task_col) else {
            continue;
        };
        rows.push(CoordRow {
            instance,
            task: Str::from(&text[cell.clone()]),
            cell: cell.clone(),
            line: lines.line(o),
        });
    }
    Some(CoordTable {
        range: r.clone(),
        rows,
        line: lines.line(r.start),
    })
}

/// Trimmed content ranges of the cells of one table row.
fn cells(line: &str, off: usize) -> Vec<Range<usize>> {
    let body_end = line.trim_end_matches(['\n', '\r']).len();
    let b = line.as_bytes();
    let mut pipes = Vec::new();
    let mut in_code = false;
    let mut i = 0;
    while i < body_end {
        match b[i] {
            b'\\' => i += 1,
            b'`' => in_code = !in_code,
            b'|' if !in_code => pipes.push(i),
            _ => {}
        }
        i += 1;
    }
    let lead = line[..body_end].len() - line[..body_end].trim_start().len();
    let mut bounds = Vec::new();
    if pipes.first() != Some(&lead) {
        bounds.push(lead.saturating_sub(1));
    }
    bounds.extend(pipes.iter().copied());
    let trail = line[..body_end].trim_end().len();
    if pipes.last().is_none_or(|&p| p + 1 != trail) {
        bounds.push(trail);
    }
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let (s, e) = (
            if w[0] == lead.saturating_sub(1) && pipes.first() != Some(&w[0]) {
                lead
            } else {
                w[0] + 1
            },
            w[1],
        );
        let cell = &line[s..e];
        let ls = s + (cell.len() - cell.trim_start().len());
        let le = ls + cell.trim().len();
        out.push(off + ls..off + le);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_cells() {
        let t = "| Instance | Current Task |\n|---|---|\n| 1 | Available |\n| 2 | Phase 3.5 Cross-Site |\n";
        let ix = LineIndex::new(t);
        let c = parse(t, 0..t.len(), "Instance Coordination", &ix).unwrap();
        assert_eq!(c.rows.len(), 2);
        assert_eq!(c.rows[1].instance, 2);
        assert_eq!(&t[c.rows[1].cell.clone()], "Phase 3.5 Cross-Site");
        assert!(is_available(&c.rows[0].task));
    }

    #[test]
    fn ignores_other_tables() {
        let t = "| Task | Status |\n|---|---|\n| a | b |\n";
        let ix = LineIndex::new(t);
        assert!(parse(t, 0..t.len(), "Session", &ix).is_none());
    }

    #[test]
    fn pipeless_edges() {
        let t = "Instance | Current Task\n---|---\nInstance 3 | `a|b` x\n";
        let ix = LineIndex::new(t);
        let c = parse(t, 0..t.len(), "", &ix).unwrap();
        assert_eq!(c.rows[0].instance, 3);
        assert_eq!(c.rows[0].task, "`a|b` x");
    }
}
