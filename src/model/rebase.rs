//! The model of a document after claim edits, derived from the model before them instead
//! of a whole re-parse: claim and release keep a large file's cached model warm
//! (see the parse cache).
//!
//! Only edits of the kind claims make are accepted: each stays on one line (no line break
//! removed or inserted) and falls on a task's first line, a heading, or the coordination
//! table. Every offset after an edit moves by what the edit added or removed; the heads of
//! the tasks and headings that were edited, and the coordination table, are read again
//! from the new text; titles, numbers and marks must come back unchanged. Anything else
//! returns `None`, and the caller parses.

use super::coord;
use super::links::Link;
use super::shared::Str;
use super::spots::Spots;
use super::tasks::{Claim, Document};
use crate::edit::Edit;
use crate::text::line_end;
use std::ops::Range;
use std::rc::Rc;

/// Maps offsets of the old text to the new one.
struct Shift<'e> {
    /// Sorted, non-overlapping.
    edits: Vec<&'e Edit>,
    old_len: usize,
    old: &'e Rc<String>,
    new: &'e Rc<String>,
}

impl Shift<'_> {
    /// `end`: the offset closes a range, so text inserted exactly there stays after it
    /// (except at the end of the file, where everything ends).
    fn map(&self, p: usize, end: bool) -> usize {
        let mut q = p as isize;
        for e in &self.edits {
            let (a, b, k) = (e.range.start, e.range.end, e.text.len());
            let delta = k as isize - (b - a) as isize;
            if a == b {
                if p > a || (p == a && (!end || p == self.old_len)) {
                    q += delta;
                } else {
                    break;
                }
            } else if p >= b {
                q += delta;
            } else if p > a {
                // Inside replaced text: only the replaced element itself, re-read later.
                return (a as isize + (q - p as isize)) as usize + if end { k } else { 0 };
            } else {
                break;
            }
        }
        q as usize
    }
    fn range(&self, r: &Range<usize>) -> Range<usize> {
        let s = self.map(r.start, false);
        s..self.map(r.end, true).max(s)
    }
    /// Move a string that is a span of the old text onto the new one (where it reads the
    /// same), so that the model holds no stale text and spans stay cheap to encode.
    fn str(&self, s: &mut Str) {
        if let Some(r) = s.range_in(self.old) {
            let at = self.map(r.start, false);
            if let Some(moved) = Str::span(self.new, at..at + r.len()).filter(|m| m == s) {
                *s = moved;
            }
        }
    }
    fn claims(&self, cs: &mut [Claim]) {
        for c in cs {
            c.range = self.range(&c.range);
        }
    }
    fn links(&self, ls: &mut [Link]) {
        for l in ls {
            l.range = self.range(&l.range);
            l.dest_range = l.dest_range.as_ref().map(|r| self.range(r));
            l.removal = l.removal.as_ref().map(|r| self.range(r));
            self.str(&mut l.target);
        }
    }
}

/// `rebase_onto` the text the edits make (or, when they do not even apply, the old text
/// back).
#[cfg(test)]
pub fn rebase(doc: Document, edits: &[Edit]) -> Result<Document, String> {
    match crate::edit::apply(&doc.text, edits) {
        Ok(t) => rebase_onto(doc, edits, Rc::new(t)),
        Err(_) => Err(Rc::unwrap_or_clone(doc.text)),
    }
}

/// The document `edits` make of `doc`, given the text they make (the one a changeset
/// wrote, not made twice); when they are not claim-shaped, or `new` is not what they
/// make, that text to parse instead.
pub fn rebase_onto(doc: Document, edits: &[Edit], new: Rc<String>) -> Result<Document, String> {
    let grown = edits.iter().try_fold(doc.text.len(), |n, e| {
        (n + e.text.len()).checked_sub(e.range.len())
    });
    let mut doc = doc;
    let old = std::mem::replace(&mut doc.text, new);
    if grown == Some(doc.text.len())
        && let Some(()) = derive(&mut doc, &old, edits)
    {
        return Ok(doc);
    }
    Err(Rc::unwrap_or_clone(doc.text))
}

/// Move `out` (the model of `old`, already holding the new text) onto the new text.
fn derive(out: &mut Document, old_src: &Rc<String>, edits: &[Edit]) -> Option<()> {
    let old = old_src.as_str();
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    if sorted
        .iter()
        .any(|e| old.get(e.range.clone()).is_none_or(|old| !one_line(old)) || !one_line(&e.text))
    {
        return None;
    }
    let new_src = Rc::clone(&out.text);
    let text = new_src.as_str();
    let sh = Shift {
        edits: sorted,
        old_len: old.len(),
        old: old_src,
        new: &new_src,
    };
    // An edit near a dependency spelling or a conflict marker could make or break one:
    // then the text is parsed. Elsewhere the spots only move.
    fn window(t: &str, r: Range<usize>) -> &[u8] {
        let b = t.as_bytes();
        let end = (r.end + Spots::REACH).min(b.len());
        &b[r.start.saturating_sub(Spots::REACH).min(end)..end]
    }
    // Where each edit's text starts in the new text: its old start, moved by the edits
    // before it (sorted, not overlapping).
    let mut moved = 0isize;
    for e in &sh.edits {
        let at = e.range.start.checked_add_signed(moved)?;
        if Spots::touched_by(window(old, e.range.clone()))
            || Spots::touched_by(window(text, at..at + e.text.len()))
        {
            return None;
        }
        moved += e.text.len() as isize - e.range.len() as isize;
    }
    out.spots.moved(|p| sh.map(p, false));
    // Whether any edit falls within `r` (the old text), marking those that do.
    let mut claimed = vec![false; sh.edits.len()];
    let mut touches = |r: Range<usize>| {
        let mut any = false;
        for (k, e) in sh.edits.iter().enumerate() {
            if e.range.start >= r.start && e.range.end <= r.end {
                claimed[k] = true;
                any = true;
            }
        }
        any
    };

    // Whether an edit starts in `r` (cheap: edits are few), before looking for a line end.
    let near = |r: Range<usize>| sh.edits.iter().any(|e| r.contains(&e.range.start));
    for s in &mut out.sections {
        let edited =
            near(s.range.start..s.end + 1) && touches(s.range.start..line_end(old, s.range.start));
        s.range = sh.range(&s.range);
        s.claim_at = sh.map(s.claim_at, false);
        s.end = sh.map(s.end, false);
        sh.str(&mut s.title);
        sh.claims(&mut s.claims);
        sh.links(&mut s.links);
        if edited {
            let (title, claim_at, claims) = super::tasks::parse_heading(text, s.range.clone());
            if title != s.title {
                return None;
            }
            s.claim_at = claim_at;
            s.claims = claims;
        }
    }
    for t in &mut out.tasks {
        let edited = near(t.mark_range.start..t.item.end + 1)
            && touches(t.mark_range.start..line_end(old, t.mark_range.start));
        t.item = sh.range(&t.item);
        t.mark_range = sh.range(&t.mark_range);
        t.claim_at = sh.map(t.claim_at, false);
        sh.str(&mut t.title);
        if let Some(n) = &mut t.number {
            sh.str(n);
        }
        sh.claims(&mut t.claims);
        sh.links(&mut t.links);
        if edited {
            let h = super::tasks::parse_item_head(text, t.item.start)?;
            if t.title != h.title || t.number.as_deref() != h.number.as_deref() || h.mark != t.mark
            {
                return None;
            }
            t.mark_range = h.mark_range;
            t.claims = h.claims;
            t.claim_at = h.claim_at;
            t.claim_at_eol = h.claim_at_eol;
        }
    }
    for c in &mut out.code_checkboxes {
        c.offset = sh.map(c.offset, false);
    }
    sh.links(&mut out.prose_links);
    out.lines = out.lines.mapped(|p| sh.map(p, false));
    if let Some(table) = &out.coordination {
        if touches(table.range.clone()) {
            let heading = out
                .sections
                .iter()
                .rev()
                .find(|s| s.range.start < sh.map(table.range.start, false))
                .map_or("", |s| s.title.as_str());
            let after = coord::parse(text, sh.range(&table.range), heading, &out.lines)?;
            let ids = |t: &coord::CoordTable| t.rows.iter().map(|r| r.instance).collect::<Vec<_>>();
            if ids(&after) != ids(table) {
                return None;
            }
            out.coordination = Some(after);
        } else if let Some(c) = &mut out.coordination {
            c.range = sh.range(&c.range);
            for r in &mut c.rows {
                r.cell = sh.range(&r.cell);
            }
        }
    }
    claimed.iter().all(|&c| c).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::edits;
    use crate::model::refs::Target;

    fn parse(s: &str) -> Document {
        Document::parse_default(s, "TASKS.md")
    }

    /// Claim then release every open task and heading of `text` for instance 9, with the
    /// coordination cell, checking the derived model against a parse at each step. Each
    /// step parses the whole file, so a long file (the corpus has some of thousands of
    /// lines) has 64 of its tasks and 64 of its headings tried, spread over it, to keep the suite fast.
    fn check_all(text: &str) {
        let doc = parse(text);
        let stride = doc.tasks.len().div_ceil(64).max(1);
        for i in (0..doc.tasks.len()).step_by(stride) {
            if doc.tasks[i].done || !doc.claimants(i).is_empty() {
                continue;
            }
            let mut es = vec![edits::claim_task(&doc, i, 9)];
            let mid = parse(&crate::edit::apply(&doc.text, &es).unwrap());
            es.extend(edits::coordination_edit(&doc, &mid, 9));
            step(&doc, &es, &format!("claim task {i}"));
            let Ok(after) = rebase(doc.clone(), &es) else {
                continue; // beside a dependency spelling: parsed (`step` checked why)
            };
            // Titles written plainly in the text are spans of the new text, edited or not.
            assert_eq!(
                after
                    .tasks
                    .iter()
                    .filter(|t| t.title.range_in(&after.text).is_some())
                    .count(),
                doc.tasks
                    .iter()
                    .filter(|t| t.title.range_in(&doc.text).is_some())
                    .count(),
                "claim task {i}"
            );
            // Given a text that is not what the edits make, it refuses.
            let wrong = Rc::new(format!("{}x", after.text));
            assert!(rebase_onto(doc.clone(), &es, wrong).is_err());
            let mut rs = edits::release_task(&after, i, Some(9));
            let mid = parse(&crate::edit::apply(&after.text, &rs).unwrap());
            rs.extend(edits::coordination_edit(&after, &mid, 9));
            step(&after, &rs, &format!("release task {i}"));
            let _ = Target::Task(i);
        }
        let stride = doc.sections.len().div_ceil(64).max(1);
        for s in (0..doc.sections.len()).step_by(stride) {
            if !doc.sections[s].claims.is_empty() {
                continue;
            }
            let es = vec![edits::claim_section(&doc, s, 9)];
            step(&doc, &es, &format!("claim section {s}"));
            let Ok(after) = rebase(doc.clone(), &es) else {
                continue;
            };
            let rs = edits::release_section(&after, s, Some(9));
            step(&after, &rs, &format!("release section {s}"));
        }
    }

    fn step(doc: &Document, es: &[Edit], what: &str) {
        let new = crate::edit::apply(&doc.text, es).unwrap();
        let parsed = parse(&new);
        if parsed.tasks.len() != doc.tasks.len() || parsed.sections.len() != doc.sections.len() {
            return; // the claim commands refuse such edits before they are written
        }
        match rebase(doc.clone(), es) {
            Ok(derived) => assert_eq!(derived, parsed, "{what} in {:?}", doc.text),
            // Only an edit beside a dependency spelling or a conflict marker is parsed.
            Err(_) => assert!(
                es.iter().any(|e| Spots::touched_by(e.text.as_bytes())
                    || Spots::touched_by(
                        &doc.text.as_bytes()[e.range.start.saturating_sub(Spots::REACH)
                            ..(e.range.end + Spots::REACH).min(doc.text.len())]
                    )),
                "{what}: not derived in {:?}",
                doc.text
            ),
        }
    }

    /// Dependency spellings move with the claims made around them; a claim written right
    /// beside one (which could make or break a spelling) has the text parsed.
    #[test]
    fn spots_move_or_the_text_is_parsed() {
        let text = "# P\n\n- [ ] 1.1 One\n- [ ] 1.2 Two, depends on 1.1\n- [ ] (after: 1.2) 1.3 Three\n<<<<<<< a\n";
        check_all(text);
        // A coordination cell that comes to hold a title with a spelling is parsed too.
        check_all(&format!(
            "| Instance | Task |\n|--|--|\n| 9 | x |\n\n{text}"
        ));
        let doc = parse(text);
        let far = [edits::claim_task(&doc, 0, 9)];
        let derived = rebase(doc.clone(), &far).unwrap();
        assert_eq!(derived.spots, parse(&derived.text).spots);
        assert_ne!(derived.spots, doc.spots, "the spots after the claim moved");
        let near = [edits::claim_task(&doc, 2, 9)];
        assert!(rebase(doc, &near).is_err());
    }

    #[test]
    fn claims_and_releases_match_a_parse() {
        check_all(
            "\u{feff}# P\r\n\r\n## Instance Coordination\r\n\r\n| Instance | Current Task |\r\n|---|---|\r\n| 9 | Available |\r\n| 2 | |\r\n\r\n## 1 Part\r\n**Spec**: [s](docs/specs/1.md)\r\n\r\n- [ ] 1.1 Do `x` (spec: [a](docs/specs/a.md))\r\n  - [ ] 1.1.1 **Nested** é\r\n- [~] Other [Instance 3]\r\n- [ ] [link first](docs/x.md) then\r\n\r\n```\r\n- [ ] not a task\r\n```\r\n### Tail ##\r\n- [ ]",
        );
        check_all("## A [x](y.md)\n- [ ] a\n\t- [ ] b\n## B\n1. [ ] c\n* [ ] d");
        check_all("# T\n\n| Instance | Task |\n|--|--|\n| 9 | x |\n\n- [ ] one\n- [ ] two\n");
        check_all("## Only heading");
    }

    /// Every markdown fixture of the test suite, and the corpus that `.ci/run` names in
    /// `BATON_CORPUS_DIR` (`for_each_fixture`).
    #[test]
    fn fixtures_match_a_parse() {
        let n = crate::model::for_each_fixture(|_, text| check_all(&text));
        assert!(n > 20, "{n} fixtures");
    }

    #[test]
    fn other_edits_are_not_derived() {
        let doc = parse("## A\n- [ ] a\n- [ ] b\n\nprose\n");
        let prose = doc.text.find("prose").unwrap();
        let other = |e: Edit| rebase(doc.clone(), &[e]).err().unwrap();
        assert_eq!(
            other(Edit::replace(prose..prose + 5, "text")),
            doc.text.replace("prose", "text")
        );
        let a = doc.tasks[0].claim_at;
        assert_eq!(
            other(Edit::replace(a..a, "x\n")),
            doc.text.replacen("a\n", "x\na\n", 1)
        );
        assert_eq!(
            other(Edit::replace(a..a + 1, "b")),
            doc.text.replacen("] a", "] b", 1)
        );
    }
}
