//! Task references: short, content-derived ids, and resolution of what users type.

use super::shared::Str;
use super::tasks::Document;
use crate::error::{BatonError, Kind};
use std::rc::Rc;

const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const MIN_LEN: usize = 5;

const FNV_OFFSET: u64 = 0xcbf29ce484222325;

fn fnv_byte(h: u64, b: u8) -> u64 {
    (h ^ b as u64).wrapping_mul(0x100000001b3)
}

/// Feed `s` into the hash lower-cased with runs of whitespace folded to one space and
/// trimmed, without allocating (so that refs ignore case and spacing).
fn feed_norm(mut h: u64, s: &str) -> u64 {
    let mut pending_space = false;
    let mut started = false;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // ASCII byte by byte; anything else as a char.
        let (c, ascii) = if b[i] < 0x80 {
            i += 1;
            (b[i - 1] as char, true)
        } else {
            let c = s[i..].chars().next().expect("a char boundary");
            i += c.len_utf8();
            (c, false)
        };
        let space = if ascii {
            matches!(c, '\t'..='\r' | ' ')
        } else {
            c.is_whitespace()
        };
        if space {
            pending_space = started;
            continue;
        }
        if pending_space {
            h = fnv_byte(h, b' ');
            pending_space = false;
        }
        started = true;
        if ascii {
            h = fnv_byte(h, (c as u8).to_ascii_lowercase());
        } else {
            let mut buf = [0u8; 4];
            for l in c.to_lowercase() {
                for &b in l.encode_utf8(&mut buf).as_bytes() {
                    h = fnv_byte(h, b);
                }
            }
        }
    }
    h
}

fn encode_into(s: &mut String, mut h: u64, len: usize) {
    for _ in 0..len {
        s.push(ALPHABET[(h & 31) as usize] as char);
        h >>= 5;
    }
}

/// Give every task and section a ref derived from its heading and title (not its
/// position, claim or state); colliding refs are lengthened, exact duplicates get `-2`, `-3`.
pub fn assign(doc: &mut Document) {
    let section_heads: Vec<u64> = doc
        .sections
        .iter()
        .map(|s| feed_norm(FNV_OFFSET, &s.title))
        .collect();
    let task_hashes: Vec<u64> = doc
        .tasks
        .iter()
        .map(|t| {
            let mut h = t.section.map_or(FNV_OFFSET, |s| section_heads[s]);
            h = fnv_byte(h, 0x1e);
            h = feed_norm(h, t.number.as_deref().unwrap_or(""));
            h = fnv_byte(h, 0x1e);
            feed_norm(h, &t.title)
        })
        .collect();
    let refs = make_refs(&task_hashes, "");
    for (t, r) in doc.tasks.iter_mut().zip(refs) {
        t.reference = r;
    }
    let sec_hashes: Vec<u64> = doc
        .sections
        .iter()
        .map(|s| {
            s.path
                .iter()
                .fold(FNV_OFFSET, |h, p| fnv_byte(feed_norm(h, p), 0x1f))
        })
        .collect();
    let refs = make_refs(&sec_hashes, "s:");
    for (s, r) in doc.sections.iter_mut().zip(refs) {
        s.reference = r;
    }
}

/// For each hash, its slot among the distinct hashes, and how many characters its ref
/// shows: the fewest (at least `MIN_LEN`, at most 12) whose
/// bits, taken from the low end of the hash, no other distinct hash shares. Sorting the
/// bit-reversed hashes puts the hashes that share the most low bits side by side.
fn ref_slots(hashes: &[u64]) -> (Vec<usize>, Vec<usize>) {
    // Sorted with their positions: one pass then gives each its slot and neighbours, where
    // a binary search per hash missed the cache at every step on large plans.
    let mut order: Vec<(u64, usize)> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| (h.reverse_bits(), i))
        .collect();
    order.sort_unstable();
    let mut sorted: Vec<u64> = order.iter().map(|o| o.0).collect();
    sorted.dedup();
    let shared = |k: usize| {
        let r = sorted[k];
        let before = k
            .checked_sub(1)
            .map_or(0, |j| (r ^ sorted[j]).leading_zeros());
        let after = sorted.get(k + 1).map_or(0, |&n| (r ^ n).leading_zeros());
        before.max(after) as usize
    };
    let mut slot = vec![0; hashes.len()];
    let mut len = vec![0; hashes.len()];
    let mut k = 0;
    for &(r, i) in &order {
        if sorted[k] != r {
            k += 1;
        }
        slot[i] = k;
        len[i] = (shared(k) / 5 + 1).clamp(MIN_LEN, 12);
    }
    (slot, len)
}

fn make_refs(hashes: &[u64], prefix: &str) -> Vec<Str> {
    let (slot, len) = ref_slots(hashes);
    // Exact duplicates get `-2`, `-3` in document order.
    let mut seen = vec![0usize; hashes.len()];
    // All refs in one buffer, each a span of it.
    let mut pool = String::with_capacity(hashes.len() * (prefix.len() + 6));
    let mut ends = Vec::with_capacity(hashes.len());
    for (i, &h) in hashes.iter().enumerate() {
        let n = &mut seen[slot[i]];
        *n += 1;
        let start = pool.len();
        pool.push_str(prefix);
        encode_into(&mut pool, h, len[i]);
        if *n > 1 {
            pool.push('-');
            pool.push_str(&n.to_string());
        }
        ends.push(start..pool.len());
    }
    let pool = Rc::new(pool);
    ends.into_iter()
        .map(|r| Str::span(&pool, r).unwrap_or_default())
        .collect()
}

/// What a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Task(usize),
    Section(usize),
}

/// Resolve a user's reference: a ref (or unique ref prefix), `L<line>`, a unique number,
/// or a unique case-insensitive title fragment. Sections are named by `s:` refs, by
/// `L<line>` of their heading, or by a fragment when no task matches.
pub fn resolve(doc: &Document, input: &str) -> Result<Target, BatonError> {
    let q = input.trim();
    if q.is_empty() {
        return Err(BatonError::new(Kind::Usage, "empty task reference"));
    }
    // exact ref
    if let Some(i) = doc.tasks.iter().position(|t| t.reference == q) {
        return Ok(Target::Task(i));
    }
    if let Some(i) = doc.sections.iter().position(|s| s.reference == q) {
        return Ok(Target::Section(i));
    }
    // L<line>
    if let Some(n) = q
        .strip_prefix(['L', 'l'])
        .and_then(|n| n.parse::<usize>().ok())
    {
        if let Some(i) = doc.tasks.iter().position(|t| t.line == n) {
            return Ok(Target::Task(i));
        }
        if let Some(i) = doc.sections.iter().position(|s| s.line == n) {
            return Ok(Target::Section(i));
        }
        return Err(
            BatonError::new(Kind::NotFound, format!("no task or heading on line {n}"))
                .hint("run `baton list` to see tasks with their lines"),
        );
    }
    // unique ref prefix (refs are `[a-z0-9]`, with `s:` and `-N`)
    if q.len() >= 3
        && q.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b':' || b == b'-')
    {
        let c: Vec<usize> = (0..doc.tasks.len())
            .filter(|&i| doc.tasks[i].reference.starts_with(q))
            .collect();
        if c.len() == 1 {
            return Ok(Target::Task(c[0]));
        } else if c.len() > 1 {
            return Err(ambiguous(doc, q, &c));
        }
    }
    // number
    let num = q.trim_end_matches('.');
    let c: Vec<usize> = (0..doc.tasks.len())
        .filter(|&i| doc.tasks[i].number.as_ref().is_some_and(|n| *n == *num))
        .collect();
    if c.len() == 1 {
        return Ok(Target::Task(c[0]));
    } else if c.len() > 1 {
        return Err(ambiguous(doc, q, &c));
    }
    // exact title (or `number title`), then title fragment
    let lq = q.to_lowercase();
    let exact: Vec<usize> = (0..doc.tasks.len())
        .filter(|&i| doc.tasks[i].title.to_lowercase() == lq || doc.label(i).to_lowercase() == lq)
        .collect();
    if exact.len() == 1 {
        return Ok(Target::Task(exact[0]));
    }
    let exact: Vec<usize> = (0..doc.sections.len())
        .filter(|&i| doc.sections[i].title.to_lowercase() == lq)
        .collect();
    if exact.len() == 1 {
        return Ok(Target::Section(exact[0]));
    }
    let c: Vec<usize> = (0..doc.tasks.len())
        .filter(|&i| {
            doc.tasks[i].title.to_lowercase().contains(&lq)
                || doc.label(i).to_lowercase().contains(&lq)
        })
        .collect();
    if c.len() == 1 {
        return Ok(Target::Task(c[0]));
    } else if c.len() > 1 {
        return Err(ambiguous(doc, q, &c));
    }
    let s: Vec<usize> = (0..doc.sections.len())
        .filter(|&i| doc.sections[i].title.to_lowercase().contains(&lq))
        .collect();
    if s.len() == 1 {
        return Ok(Target::Section(s[0]));
    } else if s.len() > 1 {
        return Err(BatonError::new(
            Kind::NotFound,
            format!(
                "`{q}` matches {} headings:\n{}",
                s.len(),
                heading_list(doc, &s)
            ),
        )
        .hint("name one by its ref or `L<line>`"));
    }
    Err(
        BatonError::new(Kind::NotFound, format!("no task matches `{q}`"))
            .hint("run `baton list` to see every task with its ref"),
    )
}

/// Candidate headings, one per line (`  s:ref  L12  Title`), at most ten.
pub fn heading_list(doc: &Document, sections: &[usize]) -> String {
    sections
        .iter()
        .take(10)
        .map(|&i| {
            let s = &doc.sections[i];
            format!("  {}  L{}  {}", s.reference, s.line, s.title)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ambiguous(doc: &Document, q: &str, c: &[usize]) -> BatonError {
    let mut list: Vec<String> = c
        .iter()
        .take(10)
        .map(|&i| {
            format!(
                "  {}  L{}  {}",
                doc.tasks[i].reference,
                doc.tasks[i].line,
                doc.label(i)
            )
        })
        .collect();
    if c.len() > 10 {
        list.push(format!("  … and {} more", c.len() - 10));
    }
    BatonError::new(
        Kind::NotFound,
        format!("`{q}` matches {} tasks:\n{}", c.len(), list.join("\n")),
    )
    .hint("name one by its ref or `L<line>`")
    .detail(serde_json::json!({
        "candidates": c.iter().map(|&i| serde_json::json!({
            "ref": doc.tasks[i].reference, "line": doc.tasks[i].line, "title": doc.label(i)
        })).collect::<Vec<_>>()
    }))
}

#[cfg(test)]
mod tests {

    /// The definition `ref_lengths` computes: lengthen every ref whose visible bits collide
    /// with a different hash's at the same length, until none does.
    fn lengths_by_rounds(hashes: &[u64]) -> Vec<usize> {
        let mask = |len: usize| {
            if len >= 12 {
                u64::MAX >> 4
            } else {
                (1u64 << (5 * len)) - 1
            }
        };
        let mut len = vec![MIN_LEN; hashes.len()];
        loop {
            let mut groups: std::collections::HashMap<(usize, u64), (u64, bool)> =
                Default::default();
            for (i, &h) in hashes.iter().enumerate() {
                let e = groups
                    .entry((len[i], h & mask(len[i])))
                    .or_insert((h, false));
                if e.0 != h {
                    e.1 = true;
                }
            }
            let mut changed = false;
            for (i, &h) in hashes.iter().enumerate() {
                if len[i] < 12 && groups[&(len[i], h & mask(len[i]))].1 {
                    len[i] += 1;
                    changed = true;
                }
            }
            if !changed {
                return len;
            }
        }
    }

    /// The definition `feed_norm` follows, one char at a time.
    fn feed_norm_chars(mut h: u64, s: &str) -> u64 {
        let mut pending_space = false;
        let mut started = false;
        for c in s.chars() {
            if c.is_whitespace() {
                pending_space = started;
                continue;
            }
            if pending_space {
                h = fnv_byte(h, b' ');
                pending_space = false;
            }
            started = true;
            let mut buf = [0u8; 4];
            for l in c.to_lowercase() {
                for &b in l.encode_utf8(&mut buf).as_bytes() {
                    h = fnv_byte(h, b);
                }
            }
        }
        h
    }

    proptest::proptest! {
        #[test]
        fn feed_norm_matches_the_definition(s in "[ \t\n\x0b\x0c\rA-Za-z0-9.é\u{85}\u{a0}\u{2003}İẞ]{0,40}") {
            proptest::prop_assert_eq!(feed_norm(FNV_OFFSET, &s), feed_norm_chars(FNV_OFFSET, &s));
        }
    }

    proptest::proptest! {
        #[test]
        fn ref_lengths_match_the_definition(
            seeds in proptest::collection::vec(proptest::num::u64::ANY, 1..300),
            shared_bits in 0u32..64,
        ) {
            // Force long shared low-bit runs: keep `shared_bits` low bits of one seed.
            let keep = if shared_bits == 0 { 0 } else { u64::MAX >> (64 - shared_bits) };
            let base = seeds[0] & keep;
            let hashes: Vec<u64> = seeds
                .iter()
                .enumerate()
                .map(|(i, &s)| if i % 3 == 0 { s } else { (s & !keep) | base })
                .chain(seeds.iter().take(5).copied())
                .collect();
            let (slot, len) = ref_slots(&hashes);
            proptest::prop_assert_eq!(len, lengths_by_rounds(&hashes));
            // One slot per distinct hash.
            for i in 0..hashes.len() {
                for j in 0..hashes.len() {
                    proptest::prop_assert_eq!(slot[i] == slot[j], hashes[i] == hashes[j]);
                }
            }
        }
    }

    use super::*;

    fn parse(s: &str) -> Document {
        Document::parse_default(s, "TASKS.md")
    }

    #[test]
    fn refs_survive_claims_ticks_and_other_edits() {
        let a = parse("## P\n- [ ] 1.1 Alpha\n- [ ] 1.2 Beta\n");
        let b = parse(
            "# New title\n\nintro\n## P\n- [x] [Instance 2] 1.1 Alpha\n- [ ] 1.0 Zero\n- [ ] [Instance 1] 1.2 Beta\n",
        );
        assert_eq!(a.tasks[0].reference, b.tasks[0].reference);
        assert_eq!(a.tasks[1].reference, b.tasks[2].reference);
    }

    #[test]
    fn duplicates_get_suffixes() {
        let d = parse("## P\n- [ ] same\n- [ ] same\n");
        assert_ne!(d.tasks[0].reference, d.tasks[1].reference);
        assert!(d.tasks[1].reference.ends_with("-2"));
    }

    #[test]
    fn resolves_every_form() {
        let d = parse("## P\n- [ ] 1.1 Alpha task\n- [ ] 1.2 Beta task\n## Q\n- [ ] 1.1 Gamma\n");
        assert_eq!(resolve(&d, &d.tasks[1].reference).unwrap(), Target::Task(1));
        assert_eq!(resolve(&d, "L3").unwrap(), Target::Task(1));
        assert_eq!(resolve(&d, "1.2").unwrap(), Target::Task(1));
        assert_eq!(resolve(&d, "gamma").unwrap(), Target::Task(2));
        assert_eq!(resolve(&d, "L4").unwrap(), Target::Section(1));
        let e = resolve(&d, "1.1").unwrap_err();
        assert_eq!(e.kind, Kind::NotFound);
        assert!(e.message.contains("matches 2 tasks"));
        assert!(
            resolve(&d, "task")
                .unwrap_err()
                .message
                .contains("matches 2")
        );
        assert!(resolve(&d, "zzz-nothing").is_err());
    }
}
