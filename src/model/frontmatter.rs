//! YAML front matter (`---` … `---` at the top of a markdown file): read with serde through
//! `serde_norway`, changed only by splicing one value in place, so that comments, key
//! order and keys nobody predicted survive byte for byte.

use crate::edit::Edit;
use crate::text;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct FrontMatter {
    /// The whole block: the opening `---` line through the closing line and its line break.
    pub range: Range<usize>,
    /// The YAML text between the delimiter lines.
    pub body: Range<usize>,
    /// The parsed YAML (None when it does not parse; `error` says why).
    pub value: Option<serde_norway::Value>,
    pub error: Option<String>,
}

/// Find and parse the front matter at the top of `src` (after an optional BOM).
pub fn parse(src: &str) -> Option<FrontMatter> {
    let start = if src.starts_with(text::BOM) {
        text::BOM.len()
    } else {
        0
    };
    let first_end = text::line_end(src, start);
    if &src[start..first_end] != "---" {
        return None;
    }
    let body_start = first_end + text::newline_len_at(src, first_end);
    if body_start == first_end {
        return None;
    }
    let mut off = body_start;
    while off < src.len() {
        let end = text::line_end(src, off);
        let line = &src[off..end];
        let next = end + text::newline_len_at(src, end);
        if line == "---" || line == "..." {
            let body = body_start..off;
            let (value, error) =
                match serde_norway::from_str::<serde_norway::Value>(&src[body.clone()]) {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(e.to_string())),
                };
            return Some(FrontMatter {
                range: start..next,
                body,
                value,
                error,
            });
        }
        if next == end {
            break;
        }
        off = next;
    }
    None
}

impl FrontMatter {
    /// A top-level scalar field as text (numbers and booleans rendered, dates as written).
    pub fn get(&self, key: &str) -> Option<String> {
        let map = self.value.as_ref()?.as_mapping()?;
        let v = map.get(serde_norway::Value::String(key.to_string()))?;
        match v {
            serde_norway::Value::String(s) => Some(s.clone()),
            serde_norway::Value::Number(n) => Some(n.to_string()),
            serde_norway::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The byte range of `key`'s value on its own top-level line (inside quotes when quoted,
    /// before any trailing comment), or None when the key is not written as `key: value`.
    pub fn value_range(&self, src: &str, key: &str) -> Option<Range<usize>> {
        let mut off = self.body.start;
        while off < self.body.end {
            let end = text::line_end(src, off);
            let line = &src[off..end];
            let next = (end + text::newline_len_at(src, end)).max(end + 1);
            if let Some(rest) = line.strip_prefix(key)
                && let Some(after) = rest.strip_prefix(':')
            {
                let vstart = off
                    + key.len()
                    + 1
                    + (after.len() - after.trim_start_matches([' ', '\t']).len());
                let v = &src[vstart..end];
                let r = match v.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let close = v[1..].find(q)?;
                        vstart + 1..vstart + 1 + close
                    }
                    _ => {
                        // a comment starts at ` #`
                        let b = v.as_bytes();
                        let cut = (0..b.len())
                            .find(|&i| b[i] == b'#' && i > 0 && matches!(b[i - 1], b' ' | b'\t'))
                            .unwrap_or(b.len());
                        let t = v[..cut].trim_end();
                        vstart..vstart + t.len()
                    }
                };
                return Some(r);
            }
            off = next;
        }
        None
    }

    /// The edit setting `key` to `value` in place, or None when the key is absent.
    /// With no space after the colon (`key:`), one is added.
    pub fn set(&self, src: &str, key: &str, value: &str) -> Option<Edit> {
        let r = self.value_range(src, key)?;
        if r.is_empty() && src.as_bytes().get(r.start.wrapping_sub(1)) == Some(&b':') {
            return Some(Edit::insert(r.start, format!(" {value}")));
        }
        Some(Edit::replace(r, value))
    }
}

/// `value` formatted like `old`: a date stays a date, anything else becomes RFC 3339.
pub fn timestamp_like(old: &str, now: chrono::DateTime<chrono::FixedOffset>) -> String {
    let o = old.trim();
    if o.len() == 10 && o.as_bytes().get(4) == Some(&b'-') {
        now.format("%Y-%m-%d").to_string()
    } else if o.len() == 16 && o.as_bytes().get(10) == Some(&b' ') {
        now.format("%Y-%m-%d %H:%M").to_string()
    } else if o.len() == 19 && o.as_bytes().get(10) == Some(&b' ') {
        now.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "---\nid: instance-001\n# a comment\nupdated_at: 2025-12-28   # touched by baton\nzz_unknown: [1, 2]\ncreated_at: \"2025-12-20\"\nempty:\n---\n# Body\n";

    #[test]
    fn parses_and_reads_fields() {
        let fm = parse(SRC).unwrap();
        assert_eq!(fm.get("id").as_deref(), Some("instance-001"));
        assert_eq!(fm.get("updated_at").as_deref(), Some("2025-12-28"));
        assert_eq!(&SRC[fm.range.end..], "# Body\n");
        assert!(fm.error.is_none());
    }

    #[test]
    fn set_splices_the_value_only() {
        let fm = parse(SRC).unwrap();
        let e = fm.set(SRC, "updated_at", "2026-01-15").unwrap();
        let out = crate::edit::apply(SRC, &[e]).unwrap();
        assert_eq!(
            out,
            SRC.replace("updated_at: 2025-12-28 ", "updated_at: 2026-01-15 ")
        );
        let e = fm.set(SRC, "created_at", "2026-01-01").unwrap();
        let out = crate::edit::apply(SRC, &[e]).unwrap();
        assert!(out.contains("created_at: \"2026-01-01\"\n"));
        let e = fm.set(SRC, "empty", "x").unwrap();
        assert!(
            crate::edit::apply(SRC, &[e])
                .unwrap()
                .contains("empty: x\n")
        );
        assert!(fm.set(SRC, "missing", "x").is_none());
    }

    #[test]
    fn crlf_bom_and_bad_yaml() {
        let s = "\u{feff}---\r\nupdated_at: 2025-01-01\r\n---\r\nx";
        let fm = parse(s).unwrap();
        let e = fm.set(s, "updated_at", "2026-01-15").unwrap();
        assert_eq!(
            crate::edit::apply(s, &[e]).unwrap(),
            "\u{feff}---\r\nupdated_at: 2026-01-15\r\n---\r\nx"
        );
        let bad = parse("---\n: : [\n---\n").unwrap();
        assert!(bad.value.is_none() && bad.error.is_some());
        assert!(parse("--- \nno\n").is_none());
        assert!(parse("---\nnever closed\n").is_none());
        assert!(parse("# no front matter\n").is_none());
    }

    #[test]
    fn timestamps_keep_their_shape() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-15T10:00:00+00:00").unwrap();
        assert_eq!(timestamp_like("2025-12-28", now), "2026-01-15");
        assert_eq!(
            timestamp_like("2025-12-28T09:00:00Z", now),
            "2026-01-15T10:00:00Z"
        );
        assert_eq!(timestamp_like("2025-12-28 09:00", now), "2026-01-15 10:00");
    }
}
