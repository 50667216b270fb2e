//! A compact binary form of a `Document`'s model, for the parse cache (`crate::cache`).
//!
//! Decoding needs the text the model was parsed from: strings that occur in the source
//! near where they were parsed (titles, numbers, link targets) are stored as offsets into
//! it rather than copied, which keeps an entry small and quick to read back. Fixed-width
//! little-endian integers; every read is bounds-checked, and any inconsistency makes
//! `decode` return `None` (the caller then parses).

use super::coord::{CoordRow, CoordTable};
use super::links::{Link, LinkKind, Target};
use super::tasks::{Claim, CodeCheckbox, Document, Section, Task, TaskKind};
use crate::text::LineIndex;
use std::ops::Range;
use std::path::PathBuf;

const NONE: u32 = u32::MAX;

struct Enc<'t> {
    text: &'t str,
    out: Vec<u8>,
}

impl Enc<'_> {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u32(&mut self, v: usize) -> Option<()> {
        let v = u32::try_from(v).ok().filter(|&v| v != NONE)?;
        self.out.extend_from_slice(&v.to_le_bytes());
        Some(())
    }
    fn opt(&mut self, v: Option<usize>) -> Option<()> {
        match v {
            Some(v) => self.u32(v),
            None => {
                self.out.extend_from_slice(&NONE.to_le_bytes());
                Some(())
            }
        }
    }
    fn range(&mut self, r: &Range<usize>) -> Option<()> {
        self.u32(r.start)?;
        self.u32(r.end)
    }
    fn opt_range(&mut self, r: &Option<Range<usize>>) -> Option<()> {
        match r {
            Some(r) => {
                self.u8(1);
                self.range(r)
            }
            None => {
                self.u8(0);
                Some(())
            }
        }
    }
    /// A string: as an offset into the text when it occurs within `near`, else inline.
    fn str(&mut self, s: &str, near: Range<usize>) -> Option<()> {
        let hay = self.text.get(near.clone()).unwrap_or("");
        match find(hay.as_bytes(), s.as_bytes()) {
            Some(at) => {
                self.u32(near.start + at)?;
                self.u32(s.len())
            }
            None => {
                self.out.extend_from_slice(&NONE.to_le_bytes());
                self.u32(s.len())?;
                self.out.extend_from_slice(s.as_bytes());
                Some(())
            }
        }
    }
    fn claims(&mut self, c: &[Claim]) -> Option<()> {
        self.u32(c.len())?;
        for c in c {
            self.u32(c.instance as usize)?;
            self.range(&c.range)?;
        }
        Some(())
    }
    fn link(&mut self, l: &Link) -> Option<()> {
        self.u8(match l.kind {
            LinkKind::Spec => 0,
            LinkKind::Research => 1,
            LinkKind::Other => 2,
        });
        self.str(&l.target, l.range.clone())?;
        self.range(&l.range)?;
        self.opt_range(&l.dest_range)?;
        self.opt_range(&l.removal)?;
        match &l.resolved {
            Target::Local(p) => {
                self.u8(0);
                self.str(p.to_str()?, l.range.clone())?;
            }
            Target::Outside => self.u8(1),
            Target::Absolute => self.u8(2),
            Target::External => self.u8(3),
        }
        self.u32(l.line)
    }
    fn links(&mut self, ls: &[Link]) -> Option<()> {
        self.u32(ls.len())?;
        ls.iter().try_for_each(|l| self.link(l))
    }
}

/// Where `needle` occurs in `hay`, trying the end first (titles end their line, targets
/// end their link). Haystacks are one line, so a plain scan beats building a searcher.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let n = needle.len();
    if hay.ends_with(needle) {
        return Some(hay.len() - n);
    }
    if hay.len() > n && hay[..hay.len() - 1].ends_with(needle) {
        return Some(hay.len() - 1 - n);
    }
    let last_start = hay.len().checked_sub(n)?;
    (0..=last_start).find(|&i| hay[i] == first && &hay[i..i + n] == needle)
}

/// The model of `doc` (not its text); `None` when it cannot be encoded (a file over
/// 4 GiB, a link path that is not UTF-8).
pub fn encode(doc: &Document) -> Option<Vec<u8>> {
    let text = doc.text.as_str();
    let mut e = Enc {
        text,
        out: Vec::with_capacity(128 * (doc.tasks.len() + doc.sections.len()) + 256),
    };
    let line_of = |start: usize| start..crate::text::line_end(text, start.min(text.len()));
    e.u32(doc.sections.len())?;
    for s in &doc.sections {
        e.u8(s.level);
        e.str(&s.title, s.range.clone())?;
        e.opt(s.parent)?;
        e.range(&s.range)?;
        e.u32(s.claim_at)?;
        e.claims(&s.claims)?;
        e.links(&s.links)?;
        e.u8(s.template as u8);
        e.u32(s.line)?;
        e.u32(s.end)?;
        e.str(&s.reference, 0..0)?;
    }
    e.u32(doc.tasks.len())?;
    for t in &doc.tasks {
        let head = line_of(t.mark_range.start);
        e.opt(t.section)?;
        e.range(&t.item)?;
        e.range(&t.mark_range)?;
        e.u32(t.mark as usize)?;
        e.u8(t.done as u8);
        e.claims(&t.claims)?;
        match &t.number {
            Some(n) => {
                e.u8(1);
                e.str(n, head.clone())?;
            }
            None => e.u8(0),
        }
        e.str(&t.title, head)?;
        e.u8(match t.kind {
            TaskKind::Research => 0,
            TaskKind::Spec => 1,
            TaskKind::Implementation => 2,
        });
        e.links(&t.links)?;
        e.opt(t.parent)?;
        e.u32(t.line)?;
        e.u32(t.claim_at)?;
        e.u8(t.claim_at_eol as u8);
        e.str(&t.reference, 0..0)?;
    }
    match &doc.coordination {
        Some(c) => {
            e.u8(1);
            e.range(&c.range)?;
            e.u32(c.line)?;
            e.u32(c.rows.len())?;
            for r in &c.rows {
                e.u32(r.instance as usize)?;
                e.str(&r.task, r.cell.clone())?;
                e.range(&r.cell)?;
                e.u32(r.line)?;
            }
        }
        None => e.u8(0),
    }
    e.u32(doc.code_checkboxes.len())?;
    for c in &doc.code_checkboxes {
        e.u32(c.offset)?;
        e.u32(c.line)?;
    }
    e.links(&doc.all_links)?;
    Some(e.out)
}

struct Dec<'a> {
    text: &'a str,
    buf: &'a [u8],
    at: usize,
}

impl<'a> Dec<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }
    fn raw(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<usize> {
        self.raw().filter(|&v| v != NONE).map(|v| v as usize)
    }
    fn opt(&mut self) -> Option<Option<usize>> {
        Some(match self.raw()? {
            NONE => None,
            v => Some(v as usize),
        })
    }
    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn range(&mut self) -> Option<Range<usize>> {
        Some(self.u32()?..self.u32()?)
    }
    fn opt_range(&mut self) -> Option<Option<Range<usize>>> {
        Some(if self.bool()? {
            Some(self.range()?)
        } else {
            None
        })
    }
    fn str(&mut self) -> Option<String> {
        match self.raw()? {
            NONE => {
                let len = self.u32()?;
                Some(std::str::from_utf8(self.bytes(len)?).ok()?.to_string())
            }
            start => {
                let start = start as usize;
                let len = self.u32()?;
                Some(self.text.get(start..start.checked_add(len)?)?.to_string())
            }
        }
    }
    /// A count, bounded by what the remaining bytes could hold.
    fn count(&mut self, min_size: usize) -> Option<usize> {
        let n = self.u32()?;
        (n.checked_mul(min_size)? <= self.buf.len() - self.at).then_some(n)
    }
    fn claims(&mut self) -> Option<Vec<Claim>> {
        let n = self.count(12)?;
        (0..n)
            .map(|_| {
                Some(Claim {
                    instance: u32::try_from(self.u32()?).ok()?,
                    range: self.range()?,
                })
            })
            .collect()
    }
    fn link(&mut self) -> Option<Link> {
        let kind = match self.u8()? {
            0 => LinkKind::Spec,
            1 => LinkKind::Research,
            2 => LinkKind::Other,
            _ => return None,
        };
        let target = self.str()?;
        let range = self.range()?;
        let dest_range = self.opt_range()?;
        let removal = self.opt_range()?;
        let resolved = match self.u8()? {
            0 => Target::Local(PathBuf::from(self.str()?)),
            1 => Target::Outside,
            2 => Target::Absolute,
            3 => Target::External,
            _ => return None,
        };
        Some(Link {
            kind,
            target,
            range,
            dest_range,
            removal,
            resolved,
            line: self.u32()?,
        })
    }
    fn links(&mut self) -> Option<Vec<Link>> {
        let n = self.count(20)?;
        (0..n).map(|_| self.link()).collect()
    }
}

/// The document `buf` encodes, given the text it was parsed from and its path; the text
/// comes back when `buf` does not decode.
pub fn decode(buf: &[u8], text: String, rel_path: PathBuf) -> Result<Document, String> {
    let Some(mut doc) = decode_model(buf, &text) else {
        return Err(text);
    };
    doc.lines = LineIndex::new(&text);
    doc.text = text;
    doc.rel_path = rel_path;
    Ok(doc)
}

fn decode_model(buf: &[u8], text: &str) -> Option<Document> {
    let mut d = Dec { text, buf, at: 0 };
    let n = d.count(40)?;
    let mut sections: Vec<Section> = Vec::with_capacity(n);
    for _ in 0..n {
        let level = d.u8()?;
        let title = d.str()?;
        let parent = d.opt()?;
        let mut path = match parent {
            Some(p) => sections.get(p)?.path.clone(),
            None => Vec::new(),
        };
        path.push(title.clone());
        sections.push(Section {
            level,
            title,
            path,
            parent,
            range: d.range()?,
            claim_at: d.u32()?,
            claims: d.claims()?,
            links: d.links()?,
            template: d.bool()?,
            line: d.u32()?,
            end: d.u32()?,
            reference: d.str()?,
        });
    }
    let n = d.count(50)?;
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let section = d.opt()?;
        if section.is_some_and(|s| s >= sections.len()) {
            return None;
        }
        tasks.push(Task {
            section,
            item: d.range()?,
            mark_range: d.range()?,
            mark: char::from_u32(d.raw()?)?,
            done: d.bool()?,
            claims: d.claims()?,
            number: if d.bool()? { Some(d.str()?) } else { None },
            title: d.str()?,
            kind: match d.u8()? {
                0 => TaskKind::Research,
                1 => TaskKind::Spec,
                2 => TaskKind::Implementation,
                _ => return None,
            },
            links: d.links()?,
            parent: d.opt()?,
            line: d.u32()?,
            claim_at: d.u32()?,
            claim_at_eol: d.bool()?,
            reference: d.str()?,
        });
    }
    if tasks.iter().any(|t| t.parent.is_some_and(|p| p >= n)) {
        return None;
    }
    let coordination = if d.bool()? {
        let range = d.range()?;
        let line = d.u32()?;
        let n = d.count(16)?;
        let rows = (0..n)
            .map(|_| {
                Some(CoordRow {
                    instance: u32::try_from(d.u32()?).ok()?,
                    task: d.str()?,
                    cell: d.range()?,
                    line: d.u32()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CoordTable { range, rows, line })
    } else {
        None
    };
    let n = d.count(8)?;
    let code_checkboxes = (0..n)
        .map(|_| {
            Some(CodeCheckbox {
                offset: d.u32()?,
                line: d.u32()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let all_links = d.links()?;
    if d.at != buf.len() {
        return None;
    }
    Some(Document {
        text: String::new(),
        rel_path: PathBuf::new(),
        lines: LineIndex::new(""),
        sections,
        tasks,
        coordination,
        code_checkboxes,
        all_links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_shape() {
        let text = "\u{feff}# P\r\n\r\n## Instance Coordination\r\n\r\n| Instance | Current Task |\r\n|---|---|\r\n| 1 | 1.1 Do |\r\n| 2 | Available |\r\n\r\n## 1 Part [Instance 2]\r\n**Spec**: [s](docs/specs/1.md)\r\n\r\n- [ ] [Instance 1] 1.1 Do `x` (spec: [a](../out.md)) [z](/etc/hosts) <https://e.org>\r\n  - [x] 1.1.1 **Nested** é\r\n- [~] Other [Instance 3]\r\n- [ ]\r\n\r\n```\r\n- [ ] not a task\r\n```\r\n## Checklist\r\n- [ ] template\r\n";
        let doc = Document::parse_default(text, "docs/tasks/TASKS.md");
        assert!(doc.tasks.len() >= 4 && doc.coordination.is_some() && !doc.all_links.is_empty());
        let bytes = encode(&doc).unwrap();
        let back = decode(&bytes, doc.text.clone(), doc.rel_path.clone()).unwrap();
        assert_eq!(back.lines, doc.lines);
        assert_eq!(back, doc);
        // Any truncation is refused, never a panic or a wrong model.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], doc.text.clone(), doc.rel_path.clone()).is_err());
        }
        // Offsets that do not fit the text are refused.
        assert!(decode(&bytes, "short".into(), doc.rel_path.clone()).is_err());
    }
}
