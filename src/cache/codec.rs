//! A compact binary form of a `Document`'s model, for the parse cache (the module above).
//!
//! Decoding needs the text the model was parsed from: strings that occur in the source
//! near where they were parsed (titles, numbers, link targets) are stored as offsets into
//! it rather than copied, and offsets are stored as varint distances from a nearby offset
//! (the previous task, the task's own start), which keeps an entry small and quick to
//! read back. Every read is bounds-checked, and any inconsistency makes `decode` give the
//! text back (the caller then parses).

use crate::marks::MarkState;
use crate::model::coord::{CoordRow, CoordTable};
use crate::model::links::{Link, LinkKind, Target};
use crate::model::shared::{Str, find};
use crate::model::tasks::{Claim, CodeCheckbox, Document, Section, Task, TaskKind};
use crate::text::LineIndex;
use std::ops::Range;
use std::path::PathBuf;
use std::rc::Rc;

struct Enc<'t> {
    text: &'t str,
    src: &'t Rc<String>,
    out: Vec<u8>,
    /// Strings that are not in the text (refs, resolved paths, titles without their
    /// markup), written after the records.
    pool: String,
    /// The buffer the pool starts as a copy of (the pool of the entry the model was read
    /// from), so that the strings it holds are not copied one by one; and how many of
    /// its bytes are still used.
    base: Option<Rc<String>>,
    base_len: usize,
    base_used: usize,
    pool_end: usize,
}

impl Enc<'_> {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    /// LEB128.
    fn v(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }
    fn n(&mut self, v: usize) {
        self.v(v as u64);
    }
    /// An offset, as the zigzag-coded distance from `base` (a nearby offset).
    fn off(&mut self, p: usize, base: usize) {
        let d = p as i64 - base as i64;
        self.v(((d << 1) ^ (d >> 63)) as u64);
    }
    fn opt(&mut self, v: Option<usize>) {
        self.n(v.map_or(0, |v| v + 1));
    }
    fn range(&mut self, r: &Range<usize>, base: usize) {
        self.off(r.start, base);
        self.n(r.end.saturating_sub(r.start));
    }
    fn opt_range(&mut self, r: &Option<Range<usize>>, base: usize) {
        match r {
            Some(r) => {
                self.u8(1);
                self.range(r, base);
            }
            None => self.u8(0),
        }
    }
    /// A string: as an offset from `near.start` in the text when it is a span of the text
    /// there (or occurs in `near`), else as a span of the pool.
    fn str(&mut self, s: &Str, near: Range<usize>) {
        // A string that is not a span of the text was not found in it when it was parsed
        // (a title without its markup, a ref): it goes to the pool without a search.
        let at = match s.range_in(self.src) {
            Some(r) if r.start >= near.start => Some(r.start - near.start),
            Some(_) => {
                let hay = self.text.get(near).unwrap_or("");
                find(hay.as_bytes(), s.as_bytes())
            }
            None => None,
        };
        match at {
            Some(at) => {
                self.n(at + 1);
                self.n(s.len());
            }
            None => {
                let at = match s.range_in(self.base.as_ref().unwrap_or(self.src)) {
                    Some(r) if self.base.is_some() => {
                        self.base_used += r.len();
                        r.start
                    }
                    _ => {
                        self.pool.push_str(s);
                        self.base_len + self.pool.len() - s.len()
                    }
                };
                // Pool strings mostly follow one another: the offset is written as the
                // distance from the end of the previous one.
                self.n(0);
                self.off(at, self.pool_end);
                self.n(s.len());
                self.pool_end = at + s.len();
            }
        }
    }
    fn claims(&mut self, c: &[Claim], base: usize) {
        self.n(c.len());
        for c in c {
            self.n(c.instance as usize);
            self.range(&c.range, base);
        }
    }
    fn link(&mut self, l: &Link, base: usize) {
        let b = l.range.start;
        self.range(&l.range, base);
        self.u8(match l.kind {
            LinkKind::Spec => 0,
            LinkKind::Research => 1,
            LinkKind::Other => 2,
        });
        self.str(&l.target, l.range.clone());
        self.opt_range(&l.dest_range, b);
        self.opt_range(&l.removal, b);
        match &l.resolved {
            Target::Local(p) => {
                self.u8(0);
                self.str(p, l.range.clone());
            }
            Target::Outside => self.u8(1),
            Target::Absolute => self.u8(2),
            Target::External => self.u8(3),
        }
        self.n(l.line);
    }
    fn links(&mut self, ls: &[Link], base: usize) {
        self.n(ls.len());
        for l in ls {
            self.link(l, base);
        }
    }
}

/// The model of `doc` (not its text), after `room` zero bytes for the caller's header.
pub fn encode(doc: &Document, room: usize) -> Vec<u8> {
    // The buffer of the first ref (refs are never in the text): a decoded model's pool, or
    // a parsed one's refs. Taken over only while most of it is still used.
    let base = doc
        .sections
        .first()
        .map(|s| &s.reference)
        .or(doc.tasks.first().map(|t| &t.reference))
        .map(|r| Rc::clone(r.source()));
    base.and_then(|b| encode_with(doc, room, Some(b)))
        .unwrap_or_else(|| encode_with(doc, room, None).unwrap_or_default())
}

/// `None` when `base` turned out to be mostly unused (never without a base).
fn encode_with(doc: &Document, room: usize, base: Option<Rc<String>>) -> Option<Vec<u8>> {
    let src = &doc.text;
    let text = src.as_str();
    // An entry is about the size of the text; pages reserved but not written cost
    // nothing, a growing copy does.
    let mut out =
        Vec::with_capacity(room + text.len() + 64 * (doc.tasks.len() + doc.sections.len()) + 256);
    // After the caller's room: where the records and the pool's new strings start (16
    // bytes, filled in at the end), then the pool taken over, copied once.
    out.resize(room + LAYOUT, 0);
    let base_len = base.as_ref().map_or(0, |b| b.len());
    out.extend_from_slice(base.as_deref().map_or(&[][..], |b| b.as_bytes()));
    let mut e = Enc {
        text,
        src,
        out,
        pool: String::new(),
        base,
        base_len,
        base_used: 0,
        pool_end: 0,
    };
    e.n(doc.sections.len());
    let mut prev = 0;
    for s in &doc.sections {
        let b = s.range.start;
        e.range(&s.range, prev);
        prev = b;
        e.u8(s.level);
        e.str(&s.title, s.range.clone());
        e.opt(s.parent);
        e.off(s.claim_at, b);
        e.claims(&s.claims, b);
        e.links(&s.links, b);
        e.u8(s.template as u8);
        e.n(s.line);
        e.off(s.end, b);
        e.str(&s.reference, 0..0);
    }
    e.n(doc.tasks.len());
    let mut prev = 0;
    for t in &doc.tasks {
        let b = t.item.start;
        e.range(&t.item, prev);
        prev = b;
        e.range(&t.mark_range, b);
        e.opt(t.section);
        e.n(t.mark as usize);
        e.u8(t.state.code());
        e.claims(&t.claims, b);
        // Where the title and number are, or at least from where (no need to find the end of
        // the line: they are spans of the text, found without a search).
        let head = t.mark_range.start..t.item.end;
        match &t.number {
            Some(n) => {
                e.u8(1);
                e.str(n, head.clone());
            }
            None => e.u8(0),
        }
        e.str(&t.title, head);
        e.u8(match t.kind {
            TaskKind::Research => 0,
            TaskKind::Spec => 1,
            TaskKind::Implementation => 2,
        });
        e.links(&t.links, b);
        e.opt(t.parent);
        e.n(t.line);
        e.off(t.claim_at, b);
        e.u8(t.claim_at_eol as u8);
        e.str(&t.reference, 0..0);
    }
    match &doc.coordination {
        Some(c) => {
            e.u8(1);
            e.range(&c.range, 0);
            e.n(c.line);
            e.n(c.rows.len());
            for r in &c.rows {
                e.range(&r.cell, c.range.start);
                e.n(r.instance as usize);
                e.str(&r.task, r.cell.clone());
                e.n(r.line);
            }
        }
        None => e.u8(0),
    }
    e.n(doc.code_checkboxes.len());
    for c in &doc.code_checkboxes {
        e.n(c.offset);
        e.n(c.line);
    }
    e.links(&doc.prose_links, 0);
    for spots in [&doc.spots.after, &doc.spots.depends, &doc.spots.blocked] {
        e.n(spots.len());
        let mut at = 0;
        for &p in spots {
            e.off(p, at);
            at = p;
        }
    }
    e.u8(u8::from(doc.spots.conflict));
    if e.base.as_ref().is_some_and(|b| e.base_used * 2 < b.len()) {
        return None; // mostly garbage: the caller encodes without it
    }
    let Enc { mut out, pool, .. } = e;
    let records_at = (LAYOUT + base_len) as u64;
    let extra_at = (out.len() - room) as u64;
    out[room..room + 8].copy_from_slice(&records_at.to_le_bytes());
    out[room + 8..room + 16].copy_from_slice(&extra_at.to_le_bytes());
    out.extend_from_slice(pool.as_bytes());
    Some(out)
}

/// An encoded model is `LAYOUT` bytes (where the records start, where the rest of the pool
/// starts), the start of the pool, the records, the rest of the pool.
pub const LAYOUT: usize = 16;

struct Dec<'a> {
    src: &'a Rc<String>,
    pool: Rc<String>,
    /// Where the last string read from the pool ended.
    pool_end: usize,
    buf: &'a [u8],
    at: usize,
}

impl<'a> Dec<'a> {
    #[inline]
    fn u8(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.at)?;
        self.at += 1;
        Some(b)
    }
    #[inline]
    fn v(&mut self) -> Option<u64> {
        // Most values (distances, lengths, counts) fit one byte.
        let b = self.u8()?;
        if b < 0x80 {
            return Some(u64::from(b));
        }
        self.v_more(u64::from(b & 0x7f))
    }
    #[inline(never)]
    fn v_more(&mut self, mut v: u64) -> Option<u64> {
        let mut shift = 7;
        while shift < 64 {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
        None
    }
    #[inline]
    fn n(&mut self) -> Option<usize> {
        usize::try_from(self.v()?).ok()
    }
    #[inline]
    fn off(&mut self, base: usize) -> Option<usize> {
        let z = self.v()?;
        let d = (z >> 1) as i64 ^ -((z & 1) as i64);
        usize::try_from(i64::try_from(base).ok()?.checked_add(d)?).ok()
    }
    fn opt(&mut self) -> Option<Option<usize>> {
        Some(self.n()?.checked_sub(1))
    }
    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    #[inline]
    fn range(&mut self, base: usize) -> Option<Range<usize>> {
        let s = self.off(base)?;
        Some(s..s.checked_add(self.n()?)?)
    }
    fn opt_range(&mut self, base: usize) -> Option<Option<Range<usize>>> {
        Some(if self.bool()? {
            Some(self.range(base)?)
        } else {
            None
        })
    }
    fn str(&mut self, near: usize) -> Option<Str> {
        let tag = self.n()?;
        let start = match tag {
            0 => self.off(self.pool_end)?,
            _ => near.checked_add(tag - 1)?,
        };
        let range = start..start.checked_add(self.n()?)?;
        if tag == 0 {
            self.pool_end = range.end;
            Str::span(&self.pool, range)
        } else {
            Str::span(self.src, range)
        }
    }
    /// A count, bounded by what the remaining bytes could hold.
    fn count(&mut self, min_size: usize) -> Option<usize> {
        let n = self.n()?;
        (n.checked_mul(min_size)? <= self.buf.len() - self.at).then_some(n)
    }
    /// A list of `min_size`-byte-or-more items, sized exactly (a collect through `Option`
    /// would start at 4); an empty one (most are) without a call.
    #[inline]
    fn list<T>(
        &mut self,
        min_size: usize,
        item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        if self.buf.get(self.at) == Some(&0) {
            self.at += 1;
            return Some(Vec::new());
        }
        self.list_in(min_size, item)
    }
    fn list_in<T>(
        &mut self,
        min_size: usize,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.count(min_size)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(item(self)?);
        }
        Some(v)
    }
    fn claims(&mut self, base: usize) -> Option<Vec<Claim>> {
        self.list(3, |d| {
            Some(Claim {
                instance: u32::try_from(d.n()?).ok()?,
                range: d.range(base)?,
            })
        })
    }
    fn link(&mut self, base: usize) -> Option<Link> {
        let range = self.range(base)?;
        let b = range.start;
        let kind = match self.u8()? {
            0 => LinkKind::Spec,
            1 => LinkKind::Research,
            2 => LinkKind::Other,
            _ => return None,
        };
        let target = self.str(b)?;
        let dest_range = self.opt_range(b)?;
        let removal = self.opt_range(b)?;
        let resolved = match self.u8()? {
            0 => Target::Local(self.str(b)?),
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
            line: self.n()?,
        })
    }
    fn links(&mut self, base: usize) -> Option<Vec<Link>> {
        self.list(10, |d| d.link(base))
    }
}

/// The document `buf` encodes, given the text it was parsed from and its path; the text
/// comes back when `buf` does not decode.
pub fn decode(buf: &[u8], text: String, rel_path: PathBuf) -> Result<Document, String> {
    let split = layout(buf).and_then(|(records, extra)| {
        let mut pool = std::str::from_utf8(buf.get(LAYOUT..records)?)
            .ok()?
            .to_string();
        pool.push_str(std::str::from_utf8(buf.get(extra..)?).ok()?);
        Some((buf.get(records..extra)?, pool))
    });
    match split {
        Some((records, pool)) => decode_parts(records, pool, text, rel_path),
        None => Err(text),
    }
}

/// Where the records and the rest of the pool start in an encoded model (its first
/// `LAYOUT` bytes say), checked to be in order.
pub fn layout(buf: &[u8]) -> Option<(usize, usize)> {
    let at = |i: usize| -> Option<usize> {
        let b: [u8; 8] = buf.get(i..i + 8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    };
    let (records, extra) = (at(0)?, at(8)?);
    (LAYOUT <= records && records <= extra).then_some((records, extra))
}

/// `decode`, given the records and the pool apart (read apart from a file, so that the
/// pool is not copied).
pub fn decode_parts(
    records: &[u8],
    pool: String,
    text: String,
    rel_path: PathBuf,
) -> Result<Document, String> {
    let src = Rc::new(text);
    // A large text's lines are indexed on another thread meanwhile.
    let (model, lines) = if src.len() >= crate::text::PARALLEL_BYTES {
        let text: &str = &src;
        std::thread::scope(|s| {
            let lines = s.spawn(|| LineIndex::new(text));
            let model = decode_model(records, Rc::new(pool), &src);
            (model, lines.join().ok())
        })
    } else {
        (decode_model(records, Rc::new(pool), &src), None)
    };
    let Some(mut doc) = model else {
        // Every span made before the failure is gone: the text is not copied back.
        return Err(Rc::unwrap_or_clone(src));
    };
    doc.lines = lines.unwrap_or_else(|| LineIndex::new(&src));
    doc.text = src;
    doc.rel_path = rel_path;
    Ok(doc)
}

fn decode_model(buf: &[u8], pool: Rc<String>, src: &Rc<String>) -> Option<Document> {
    let mut d = Dec {
        src,
        pool,
        pool_end: 0,
        buf,
        at: 0,
    };
    let n = d.count(12)?;
    let mut sections: Vec<Section> = Vec::with_capacity(n);
    let mut prev = 0;
    for _ in 0..n {
        let range = d.range(prev)?;
        let b = range.start;
        prev = b;
        let level = d.u8()?;
        let title = d.str(b)?;
        let parent = d.opt()?;
        let above: &[Str] = match parent {
            Some(p) => &sections.get(p)?.path,
            None => &[],
        };
        let mut path = Vec::with_capacity(above.len() + 1);
        path.extend_from_slice(above);
        path.push(title.clone());
        sections.push(Section {
            level,
            title,
            path,
            parent,
            range,
            claim_at: d.off(b)?,
            claims: d.claims(b)?,
            links: d.links(b)?,
            template: d.bool()?,
            line: d.n()?,
            end: d.off(b)?,
            reference: d.str(0)?,
        });
    }
    let n = d.count(16)?;
    let mut tasks = Vec::with_capacity(n);
    let mut prev = 0;
    for _ in 0..n {
        let item = d.range(prev)?;
        let b = item.start;
        prev = b;
        let mark_range = d.range(b)?;
        let section = d.opt()?;
        if section.is_some_and(|s| s >= sections.len()) {
            return None;
        }
        let head = mark_range.start;
        let mark = char::from_u32(u32::try_from(d.n()?).ok()?)?;
        let state = MarkState::from_code(d.u8()?)?;
        tasks.push(Task {
            section,
            item,
            mark_range,
            mark,
            state,
            done: state == MarkState::Done,
            claims: d.claims(b)?,
            number: if d.bool()? { Some(d.str(head)?) } else { None },
            title: d.str(head)?,
            kind: match d.u8()? {
                0 => TaskKind::Research,
                1 => TaskKind::Spec,
                2 => TaskKind::Implementation,
                _ => return None,
            },
            links: d.links(b)?,
            parent: d.opt()?,
            line: d.n()?,
            claim_at: d.off(b)?,
            claim_at_eol: d.bool()?,
            reference: d.str(0)?,
        });
    }
    if tasks.iter().any(|t| t.parent.is_some_and(|p| p >= n)) {
        return None;
    }
    let coordination = if d.bool()? {
        let range = d.range(0)?;
        let line = d.n()?;
        let n = d.count(5)?;
        let rows = (0..n)
            .map(|_| {
                let cell = d.range(range.start)?;
                Some(CoordRow {
                    instance: u32::try_from(d.n()?).ok()?,
                    task: d.str(cell.start)?,
                    cell,
                    line: d.n()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CoordTable { range, rows, line })
    } else {
        None
    };
    let n = d.count(2)?;
    let code_checkboxes = (0..n)
        .map(|_| {
            Some(CodeCheckbox {
                offset: d.n()?,
                line: d.n()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let prose_links = d.links(0)?;
    let mut spots = [Vec::new(), Vec::new(), Vec::new()];
    for list in &mut spots {
        let mut at = 0;
        *list = d.list(1, |d| {
            at = d.off(at)?;
            Some(at)
        })?;
    }
    let [after, depends, blocked] = spots;
    let spots = crate::model::spots::Spots {
        after,
        depends,
        blocked,
        conflict: d.bool()?,
    };
    if d.at != buf.len() {
        return None;
    }
    Some(Document {
        text: Rc::default(),
        rel_path: PathBuf::new(),
        lines: LineIndex::new(""),
        sections,
        tasks,
        coordination,
        code_checkboxes,
        prose_links,
        spots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_shape() {
        let text = "\u{feff}# P\r\n\r\nSee [n](docs/n.md).\r\n\r\n## Instance Coordination\r\n\r\n| Instance | Current Task |\r\n|---|---|\r\n| 1 | 1.1 Do |\r\n| 2 | Available |\r\n\r\n## 1 Part [Instance 2]\r\n**Spec**: [s](docs/specs/1.md)\r\n\r\n- [ ] [Instance 1] 1.1 Do `x` (spec: [a](../out.md)) [z](/etc/hosts) <https://e.org>\r\n  - [x] 1.1.1 **Nested** é\r\n- [~] Other [Instance 3]\r\n- [ ]\r\n\r\n```\r\n- [ ] not a task\r\n```\r\n## Checklist\r\n- [ ] template\r\n";
        let doc = Document::parse_default(text, "docs/tasks/TASKS.md");
        assert!(doc.tasks.len() >= 4 && doc.coordination.is_some());
        // Links of every kind: a task's, a section's, and one of neither.
        assert!(!doc.prose_links.is_empty() && doc.sections.iter().any(|s| !s.links.is_empty()));
        assert!(doc.all_links().len() >= 4);
        let bytes = encode(&doc, 0);
        let back = decode(&bytes, doc.text.to_string(), doc.rel_path.clone()).unwrap();
        assert_eq!(back.lines, doc.lines);
        assert_eq!(back, doc);
        // Titles and targets written in the text come back as spans of it, not copies.
        let spans = |d: &Document| {
            d.tasks
                .iter()
                .map(|t| &t.title)
                .chain(d.all_links().into_iter().map(|l| &l.target))
                .filter(|s| s.range_in(&d.text).is_some())
                .count()
        };
        assert!(spans(&doc) >= 4, "{}", spans(&doc));
        assert_eq!(spans(&back), spans(&doc));
        // A decoded model takes its pool over whole: from then on, an entry read back
        // encodes to the same bytes.
        let again = encode(&back, 0);
        let back2 = decode(&again, doc.text.to_string(), doc.rel_path.clone()).unwrap();
        assert_eq!(back2, doc);
        assert_eq!(encode(&back2, 0), again);
        // A pool mostly unused is not taken over (it would only grow).
        let mut owned = back.clone();
        for t in &mut owned.tasks {
            t.reference = Str::from(t.reference.as_str());
            t.title = Str::from(t.title.as_str());
        }
        for s in &mut owned.sections {
            s.reference = Str::from(s.reference.as_str());
        }
        let again = encode(&owned, 0);
        assert!(
            again.len() <= bytes.len() + 16,
            "{} > {}",
            again.len(),
            bytes.len()
        );
        assert_eq!(
            decode(&again, doc.text.to_string(), doc.rel_path.clone()).unwrap(),
            doc
        );
        // Any truncation is refused, never a panic or a wrong model.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], doc.text.to_string(), doc.rel_path.clone()).is_err());
        }
        // Offsets that do not fit the text are refused.
        assert!(decode(&bytes, "short".into(), doc.rel_path.clone()).is_err());
    }

    #[test]
    fn round_trips_every_state() {
        // The states are encoded, not derived again from the marks on decoding: a mark
        // table in `.baton.yaml` decides them (and is part of the cache key).
        let text = "- [ ] a\n- [x] b\n- [/] c\n- [>] d\n- [-] e\n- [!] f\n- [✅] g (after: a)\n";
        let config = crate::config::Config::parse("marks:\n  \"!\": open\n").unwrap();
        let env = crate::model::ParseEnv {
            config: &config,
            rel_path: "TASKS.md".into(),
        };
        let doc = Document::parse(text.to_string(), &env);
        let states: Vec<MarkState> = doc.tasks.iter().map(|t| t.state).collect();
        assert_eq!(
            states,
            [
                MarkState::Open,
                MarkState::Done,
                MarkState::InProgress,
                MarkState::Deferred,
                MarkState::Cancelled,
                MarkState::Open,
                MarkState::Done
            ]
        );
        let back = decode(&encode(&doc, 0), text.to_string(), doc.rel_path.clone()).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn round_trips_every_fixture() {
        let n = crate::model::for_each_fixture(|p, text| {
            let doc = Document::parse_default(&text, "docs/tasks/TASKS.md");
            let bytes = encode(&doc, 0);
            let back = decode(&bytes, text, doc.rel_path.clone()).unwrap();
            assert_eq!(back, doc, "{}", p.display());
        });
        assert!(n > 20, "{n} fixtures");
    }

    proptest::proptest! {
        /// Damaged or foreign bytes never panic: they decode to some model or are refused.
        #[test]
        fn any_bytes_decode_without_panic(
            flips in proptest::collection::vec((0usize..4096, 0u8..=255), 0..8),
            junk in proptest::collection::vec(0u8..=255, 0..64),
        ) {
            let text = "# P\n\n## A [Instance 2]\n\n- [ ] 1 Do [x](docs/specs/a.md)\n  - [x] 1.1 Sub\n";
            let doc = Document::parse_default(text, "TASKS.md");
            let mut bytes = encode(&doc, 0);
            for (at, b) in flips {
                let at = at % bytes.len();
                bytes[at] ^= b;
            }
            let _ = decode(&bytes, text.to_string(), "TASKS.md".into());
            let _ = decode(&junk, text.to_string(), "TASKS.md".into());
        }
    }
}
