//! Edits the document model knows how to make: claim tags, coordination cells, and the
//! check that an edit changed only what it meant to.

use super::coord::{self, AVAILABLE};
use super::tasks::{ClaimUnit, Document};
use crate::edit::Edit;
use crate::text;

pub fn tag(instance: u32) -> String {
    format!("[Instance {instance}]")
}

/// Insert `[Instance N] ` right after task `i`'s checkbox.
pub fn claim_task(doc: &Document, i: usize, instance: u32) -> Edit {
    let t = &doc.tasks[i];
    if t.claim_at_eol {
        Edit::insert(t.claim_at, format!(" {}", tag(instance)))
    } else {
        Edit::insert(t.claim_at, format!("{} ", tag(instance)))
    }
}

/// Append ` [Instance N]` to section `s`'s heading text.
pub fn claim_section(doc: &Document, s: usize, instance: u32) -> Edit {
    Edit::insert(doc.sections[s].claim_at, format!(" {}", tag(instance)))
}

/// Remove a tag so that the line reads as it did before the claim: the tag and the space
/// after it, or (at the end of a line) the space before it.
pub fn remove_tag(text: &str, range: std::ops::Range<usize>) -> Edit {
    let b = text.as_bytes();
    if b.get(range.end) == Some(&b' ') {
        Edit::delete(range.start..range.end + 1)
    } else if range.start > 0 && matches!(b[range.start - 1], b' ' | b'\t') {
        Edit::delete(range.start - 1..range.end)
    } else {
        Edit::delete(range)
    }
}

/// Edits removing `instance`'s tags from task `i` (every instance's when `instance` is None).
pub fn release_task(doc: &Document, i: usize, instance: Option<u32>) -> Vec<Edit> {
    doc.tasks[i]
        .claims
        .iter()
        .filter(|c| instance.is_none_or(|n| c.instance == n))
        .map(|c| remove_tag(&doc.text, c.range.clone()))
        .collect()
}

pub fn release_section(doc: &Document, s: usize, instance: Option<u32>) -> Vec<Edit> {
    doc.sections[s]
        .claims
        .iter()
        .filter(|c| instance.is_none_or(|n| c.instance == n))
        .map(|c| remove_tag(&doc.text, c.range.clone()))
        .collect()
}

/// What the coordination table should say for `instance` in `doc`: its open claims, or Available.
pub fn coordination_value(doc: &Document, instance: u32) -> String {
    let labels: Vec<String> = doc
        .claim_units(instance)
        .into_iter()
        .filter_map(|u| match u {
            ClaimUnit::Task(i) if !doc.tasks[i].done => Some(doc.label(i)),
            ClaimUnit::Section(s) => Some(doc.sections[s].title.to_string()),
            _ => None,
        })
        .collect();
    if labels.is_empty() {
        AVAILABLE.to_string()
    } else {
        escape_pipes(&labels.join("; "))
    }
}

/// Escape `|` for a table cell, leaving pipes that are already escaped (`\|`) alone.
fn escape_pipes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = None;
    for c in s.chars() {
        if c == '|' && prev != Some('\\') {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// The edit that brings `instance`'s coordination cell in `before` in line with `after`
/// (the document once the other edits are applied). None when there is no row or it agrees.
pub fn coordination_edit(before: &Document, after: &Document, instance: u32) -> Option<Edit> {
    let row = before.coordination.as_ref()?.row(instance)?;
    let want = coordination_value(after, instance);
    let have = &before.text[row.cell.clone()];
    if have == want || (want == AVAILABLE && coord::is_available(have)) {
        return None;
    }
    Some(Edit::replace(row.cell.clone(), want))
}

/// Apply `edits` plus the coordination cells of `instances`, in one pass over the original.
pub fn with_coordination(
    doc: &Document,
    edits: Vec<Edit>,
    instances: &[u32],
    reparse: impl Fn(String) -> Document,
) -> anyhow::Result<(Vec<Edit>, Document)> {
    let first = crate::edit::apply(&doc.text, &edits)?;
    let after = reparse(first);
    let mut all = edits;
    let mut extra = false;
    for &n in instances {
        if let Some(e) = coordination_edit(doc, &after, n) {
            all.push(e);
            extra = true;
        }
    }
    if !extra {
        return Ok((all, after));
    }
    let text = crate::edit::apply(&doc.text, &all)?;
    Ok((all, reparse(text)))
}

/// The byte region a local re-parse covers for an edit at `at`: from the heading above it
/// (or the start) through the line of the next heading (or the end), so that a change that
/// would swallow the following heading is seen.
fn region(doc: &Document, at: usize) -> std::ops::Range<usize> {
    let i = doc.sections.partition_point(|s| s.range.start <= at);
    let start = if i == 0 {
        0
    } else {
        doc.sections[i - 1].range.start
    };
    let text = &doc.text;
    let through_line = |at: usize| {
        let le = crate::text::line_end(text, at);
        le + crate::text::newline_len_at(text, le)
    };
    let end = match doc.sections.get(i) {
        // The whole next heading (a setext heading's underline too) and the line after it.
        Some(next) => {
            let last = next.range.end.max(next.range.start + 1).min(text.len()) - 1;
            let e = through_line(last.max(next.range.start));
            if e < text.len() { through_line(e) } else { e }
        }
        None => text.len(),
    };
    start..end
}

/// The instances claiming each target task and each target heading after an edit.
pub type ClaimsAfter = (Vec<Vec<u32>>, Vec<Vec<u32>>);

/// Verify claim-tag edits by re-parsing only the regions they touch, before and after:
/// the same tasks and headings must come back, unchanged but for the claims of `tasks`
/// and `sections` (indexes into `doc`). Returns the claims those targets have afterwards,
/// in the order given. Much cheaper than a whole re-parse on a large file.
pub fn verify_claims_local(
    doc: &Document,
    edits: &[Edit],
    tasks: &[usize],
    sections: &[usize],
    reparse: impl Fn(String) -> Document,
) -> anyhow::Result<ClaimsAfter> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    let mut regions: Vec<(std::ops::Range<usize>, Vec<&Edit>)> = Vec::new();
    for e in sorted {
        let r = region(doc, e.range.start);
        match regions.last_mut() {
            Some((last, es)) if r.start < last.end => {
                last.end = last.end.max(r.end);
                es.push(e);
            }
            _ => regions.push((r, vec![e])),
        }
    }
    let fail = |what: String| {
        bare_cr(doc).unwrap_or_else(|| {
            anyhow::anyhow!(
                "internal: the edit would have changed {what} in {}; nothing was written",
                crate::text::slash_path(&doc.rel_path)
            )
        })
    };
    let mut task_claims = vec![Vec::new(); tasks.len()];
    let mut section_claims = vec![Vec::new(); sections.len()];
    let instances = |c: &[super::tasks::Claim]| c.iter().map(|c| c.instance).collect::<Vec<u32>>();
    for (r, es) in regions {
        let local: Vec<Edit> = es
            .iter()
            .map(|e| {
                Edit::replace(
                    e.range.start - r.start..e.range.end - r.start,
                    e.text.clone(),
                )
            })
            .collect();
        let old = reparse(doc.text[r.clone()].to_string());
        let new = reparse(crate::edit::apply(&doc.text[r.clone()], &local)?);
        if old.tasks.len() != new.tasks.len() || old.sections.len() != new.sections.len() {
            return Err(fail(format!(
                "the number of tasks ({} → {}) or headings ({} → {}) near line {}",
                old.tasks.len(),
                new.tasks.len(),
                old.sections.len(),
                new.sections.len(),
                doc.line_of(r.start)
            )));
        }
        for (a, b) in old.tasks.iter().zip(&new.tasks) {
            let at = r.start + a.item.start;
            let target = tasks.iter().position(|&t| doc.tasks[t].item.start == at);
            if let Some(k) = target {
                task_claims[k] = instances(&b.claims);
            }
            if a.mark != b.mark || a.title != b.title || a.number != b.number {
                return Err(fail(format!(
                    "task `{}` (line {})",
                    a.title,
                    doc.line_of(at)
                )));
            }
            if target.is_none() && instances(&a.claims) != instances(&b.claims) {
                return Err(fail(format!(
                    "the claims of `{}` (line {})",
                    a.title,
                    doc.line_of(at)
                )));
            }
        }
        for (a, b) in old.sections.iter().zip(&new.sections) {
            let at = r.start + a.range.start;
            let target = sections
                .iter()
                .position(|&s| doc.sections[s].range.start == at);
            if let Some(k) = target {
                section_claims[k] = instances(&b.claims);
            }
            if a.title != b.title || a.level != b.level {
                return Err(fail(format!(
                    "heading `{}` (line {})",
                    a.title,
                    doc.line_of(at)
                )));
            }
            if target.is_none() && instances(&a.claims) != instances(&b.claims) {
                return Err(fail(format!("the claims of heading `{}`", a.title)));
            }
        }
    }
    Ok((task_claims, section_claims))
}

/// Why an edit of `doc` cannot be verified, when it ends lines with a bare carriage return
/// (old Mac line endings): markdown reads one as a line break, baton's edits do not.
fn bare_cr(doc: &Document) -> Option<anyhow::Error> {
    let b = doc.text.as_bytes();
    let at = memchr::memchr_iter(b'\r', b).find(|&i| b.get(i + 1) != Some(&b'\n'))?;
    let file = text::slash_path(&doc.rel_path);
    Some(
        crate::error::invalid(format!(
            "{file} ends lines with a bare carriage return (old Mac line endings, first at byte {at}); baton edits files with LF or CRLF line endings only, and changed nothing"
        ))
        .hint(format!(
            "convert the line endings, e.g. `perl -pi -e 's/\\r(?!\\n)/\\n/g' {file}`, then run the command again"
        ))
        .into(),
    )
}

/// Check that the coordination table, with `cells` replaced, reads back as written.
pub fn check_cells(doc: &Document, cells: &[(u32, Edit)]) -> anyhow::Result<()> {
    let (Some(table), false) = (&doc.coordination, cells.is_empty()) else {
        return Ok(());
    };
    let r = table.range.clone();
    let local: Vec<Edit> = cells
        .iter()
        .map(|(_, e)| {
            Edit::replace(
                e.range.start - r.start..e.range.end - r.start,
                e.text.clone(),
            )
        })
        .collect();
    let new_table = crate::edit::apply(&doc.text[r], &local)?;
    let ix = crate::text::LineIndex::new(&new_table);
    let reread = coord::parse(&new_table, 0..new_table.len(), "Instance Coordination", &ix);
    let ok = reread.is_some_and(|t| {
        t.rows.len() == table.rows.len()
            && cells
                .iter()
                .all(|(n, e)| t.row(*n).is_some_and(|row| row.task == e.text))
    });
    if ok {
        Ok(())
    } else if let Some(e) = bare_cr(doc) {
        Err(e)
    } else {
        // A title markdown cannot hold in a table cell (thousands of brackets, say).
        let cell: String = cells
            .first()
            .map_or("", |(_, e)| e.text.as_str())
            .chars()
            .take(40)
            .collect();
        Err(crate::error::invalid(format!(
            "the task's title cannot go into the coordination table of {}: its cell `{cell}…` would not read back as written; nothing was written",
            text::slash_path(&doc.rel_path)
        ))
        .hint("shorten or simplify the task's title (runs of brackets, pipes, backticks), then run the command again")
        .into())
    }
}

/// Check that between `before` and `after` only the tasks in `tasks` and the sections in
/// `sections` changed (refs, marks, claims, titles), and nothing was added or lost.
pub fn verify_only(
    before: &Document,
    after: &Document,
    tasks: &[usize],
    sections: &[usize],
) -> anyhow::Result<()> {
    let fail = |what: String| -> anyhow::Result<()> {
        Err(bare_cr(before).unwrap_or_else(|| {
            anyhow::anyhow!(
                "internal: the edit would have changed {what} in {}; nothing was written",
                text::slash_path(&before.rel_path)
            )
        }))
    };
    if before.tasks.len() != after.tasks.len() || before.sections.len() != after.sections.len() {
        return fail(format!(
            "the number of tasks ({} → {}) or headings ({} → {})",
            before.tasks.len(),
            after.tasks.len(),
            before.sections.len(),
            after.sections.len()
        ));
    }
    for (i, (a, b)) in before.tasks.iter().zip(&after.tasks).enumerate() {
        if tasks.contains(&i) {
            continue;
        }
        let ca: Vec<u32> = a.claims.iter().map(|c| c.instance).collect();
        let cb: Vec<u32> = b.claims.iter().map(|c| c.instance).collect();
        if a.reference != b.reference || a.mark != b.mark || ca != cb || a.title != b.title {
            return fail(format!("task {} (line {})", a.reference, a.line));
        }
    }
    for (i, (a, b)) in before.sections.iter().zip(&after.sections).enumerate() {
        if sections.contains(&i) {
            continue;
        }
        let ca: Vec<u32> = a.claims.iter().map(|c| c.instance).collect();
        let cb: Vec<u32> = b.claims.iter().map(|c| c.instance).collect();
        if a.title != b.title || ca != cb {
            return fail(format!("heading `{}` (line {})", a.title, a.line));
        }
    }
    Ok(())
}

#[cfg(test)]
mod local_tests {
    use super::*;

    fn parse(s: &str) -> Document {
        Document::parse_default(s, "TASKS.md")
    }

    #[test]
    fn local_verification_reports_the_new_claims() {
        let d = parse("# T\n## A\n- [ ] a\n- [ ] b\n## B [Instance 4]\n- [ ] c\n");
        let e = claim_task(&d, 1, 3);
        let (t, s) = verify_claims_local(&d, &[e], &[1], &[], |t: String| parse(&t)).unwrap();
        assert_eq!(t, vec![vec![3]]);
        assert!(s.is_empty());
        let e = remove_tag(&d.text, d.sections[2].claims[0].range.clone());
        let (_, s) = verify_claims_local(&d, &[e], &[], &[2], |t: String| parse(&t)).unwrap();
        assert_eq!(s, vec![Vec::<u32>::new()]);
    }

    #[test]
    fn local_verification_sees_a_setext_heading_swallowed() {
        let d = parse("## B\n\n- [ ]\nFoo\n---\n- [ ] x\n");
        let e = claim_task(&d, 0, 5);
        assert!(verify_claims_local(&d, &[e], &[0], &[], |t: String| parse(&t)).is_err());
    }

    #[test]
    fn local_verification_refuses_structural_changes() {
        let d = parse("## A\n- [ ] a\n- [ ] b\n## B\n- [ ] c\n");
        // An edit that opens a fence swallows the rest of the region, next heading included.
        let at = d.tasks[0].claim_at;
        let bad = Edit::insert(at, "x\n```\n");
        assert!(verify_claims_local(&d, &[bad], &[0], &[], |t: String| parse(&t)).is_err());
        // An edit that changes another task's claims is refused.
        let other = claim_task(&d, 1, 2);
        assert!(verify_claims_local(&d, &[other], &[0], &[], |t: String| parse(&t)).is_err());
    }
}
