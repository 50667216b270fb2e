//! Small text utilities: decoding, line indexes, plain-text rendering of inline markdown.

use crate::error::invalid;
use std::path::Path;

/// From this size on, reading a file and its cache entry, or decoding a model and
/// indexing its lines, are worth a second thread.
pub const PARALLEL_BYTES: usize = 1 << 20;

/// From this size on, writing a file (with its fsync) while something else is done is
/// worth a second thread; below it, under contention, every thread started is CPU the
/// lock holder does not get.
pub const PARALLEL_WRITE_BYTES: usize = PARALLEL_BYTES / 4;

/// From this size on, a parse runs pulldown-cmark on a second thread while the first
/// recognises task lines and builds the model (`model::tasks`).
pub const PIPELINE_BYTES: usize = 512 << 10;

pub const BOM: &str = "\u{feff}";

/// Decode file bytes as UTF-8, or fail with the file and the offending byte offset.
pub fn decode(bytes: Vec<u8>, shown_path: &Path) -> anyhow::Result<String> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let off = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..off].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(invalid(format!(
                "{} is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {off}, line {line})",
                shown_path.display(),
                bytes[off]
            ))
            .hint("re-save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`), then run the command again")
            .into())
        }
    }
}

/// Byte offsets of line starts, for offset → line/column conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The same lines after an edit that moved their starts by `f` (and added none).
    pub fn mapped(&self, f: impl Fn(usize) -> usize) -> LineIndex {
        LineIndex {
            starts: self.starts.iter().map(|&s| f(s)).collect(),
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// `line`, for offsets that mostly grow (a parse's events): the search starts from
    /// `*at`, the index the last answer left there, instead of over the whole file.
    pub fn line_near(&self, offset: usize, at: &mut usize) -> usize {
        let s = &self.starts;
        let k = match s.get(*at) {
            Some(&start) if start <= offset => {
                let rest = &s[*at + 1..];
                // Mostly the same line or one a few lines on.
                match rest.iter().take(8).position(|&x| x > offset) {
                    Some(p) => *at + p,
                    None => *at + rest.partition_point(|&x| x <= offset),
                }
            }
            _ => s.partition_point(|&x| x <= offset).saturating_sub(1),
        };
        *at = k;
        k + 1
    }

    /// Byte offset where 1-based `line` starts.
    pub fn start_of(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

/// Start of the line containing `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// End of the line containing `offset`, before any `\r\n` or `\n`.
pub fn line_end(text: &str, offset: usize) -> usize {
    let end = memchr::memchr(b'\n', &text.as_bytes()[offset..]).map_or(text.len(), |i| offset + i);
    if end > offset && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Length of the line break at `offset` (`\r\n` → 2, `\n` → 1, else 0).
pub fn newline_len_at(text: &str, offset: usize) -> usize {
    let b = text.as_bytes();
    match b.get(offset) {
        Some(b'\n') => 1,
        Some(b'\r') if b.get(offset + 1) == Some(&b'\n') => 2,
        _ => 0,
    }
}

/// The line ending a file uses (`\r\n` if its first line ends so).
pub fn newline_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Render inline markdown as plain text: drop emphasis, strikethrough and code markers,
/// keep link text, collapse whitespace.
pub fn plain(s: &str) -> String {
    // Text without markup is one run of ordinary bytes below: no separate fast path.
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = b[i];
        match c {
            b'*' | b'_' if is_emphasis(b, i) => {
                i += 1;
            }
            b'~' if b.get(i + 1) == Some(&b'~') => i += 2,
            b'`' => i += 1,
            b'!' if b.get(i + 1) == Some(&b'[') => i += 1,
            b']' if b.get(i + 1) == Some(&b'(') => {
                // end of link text: skip the destination
                match s[i..].find(')') {
                    Some(close) => i += close + 1,
                    None => i += 1,
                }
            }
            b'[' if s[i..].starts_with("[ ]") || s[i..].starts_with("[x]") => {
                out.push_str(&s[i..i + 3]);
                i += 3;
            }
            b'[' => i += 1,
            b']' => i += 1,
            b' ' | b'\t' | b'\n' | b'\r' => {
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
                i += 1;
            }
            _ => {
                // A run of ordinary bytes; every markup byte is ASCII, so the run ends on a
                // character boundary. A single space between ordinary bytes stays in the run:
                // the whitespace arm would push exactly that space (the run ends in a
                // non-space), and the next byte would start a new run.
                let start = i;
                i += 1;
                while i < b.len() {
                    if !is_markup(b[i]) {
                        i += 1;
                    } else if b[i] == b' ' && b.get(i + 1).is_some_and(|&n| !is_markup(n)) {
                        i += 2;
                    } else {
                        break;
                    }
                }
                out.push_str(&s[start..i]);
            }
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Bytes `plain` treats specially: inline markup and ASCII whitespace.
fn is_markup(c: u8) -> bool {
    // A table: a `match` compiles to a jump table, an indirect branch per byte.
    static MARKUP: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            t[c] = matches!(
                c as u8,
                b'*' | b'_' | b'~' | b'`' | b'[' | b']' | b'!' | b' ' | b'\t' | b'\n' | b'\r'
            );
            c += 1;
        }
        t
    };
    MARKUP[c as usize]
}

/// `*`/`_` used as emphasis rather than as a literal (e.g. `snake_case`, `2 * 3`).
fn is_emphasis(b: &[u8], i: usize) -> bool {
    let c = b[i];
    let prev = if i > 0 { b[i - 1] } else { b' ' };
    let next = b.get(i + 1).copied().unwrap_or(b' ');
    if c == b'_' && prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric() {
        return false;
    }
    !(prev == b' ' && next == b' ')
}

/// Decode `%XX` escapes in a link destination.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file-name slug: lowercase words joined by `_` (`Proxy rotation!` → `proxy_rotation`).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // Keep file names well under every filesystem's limit (255 bytes).
        if out.len() + word.len() > 60 {
            if out.is_empty() {
                let mut end = 60;
                while !word.is_char_boundary(end) {
                    end -= 1;
                }
                out.extend(word[..end].chars().flat_map(char::to_lowercase));
            }
            break;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    if out.is_empty() {
        out.push_str("untitled");
    }
    out
}

/// Relative path text with `/` separators, for output.
pub fn slash_path(p: &Path) -> String {
    slash_str(p).into_owned()
}

/// `slash_path`, borrowing when the path is already valid UTF-8 with `/` separators.
pub fn slash_str(p: &Path) -> std::borrow::Cow<'_, str> {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/").into()
    }
}

/// Whether a path relative to a root stays inside it (not absolute, no `..` past the top).
pub fn stays_inside(p: &std::path::Path) -> bool {
    use std::path::Component;
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return false,
            Component::ParentDir if depth == 0 => return false,
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn line_near_answers_as_line(
            text in "[a\n]{0,200}",
            offsets in proptest::collection::vec(0usize..220, 0..40),
        ) {
            let lines = LineIndex::new(&text);
            let mut at = 0;
            for o in offsets {
                let o = o.min(text.len());
                proptest::prop_assert_eq!(lines.line_near(o, &mut at), lines.line(o));
            }
            // Growing offsets, the case it is made for.
            let mut at = 0;
            for o in 0..=text.len() {
                proptest::prop_assert_eq!(lines.line_near(o, &mut at), lines.line(o));
            }
        }
    }

    #[test]
    fn plain_strips_inline_markup() {
        assert_eq!(
            plain("**0.2** Test the `watch` flag"),
            "0.2 Test the watch flag"
        );
        assert_eq!(
            plain("~~Update the validator~~ (deleted)"),
            "Update the validator (deleted)"
        );
        assert_eq!(plain("see [spec](../specs/101_X.md) now"), "see spec now");
        assert_eq!(
            plain("keep snake_case and 2 * 3"),
            "keep snake_case and 2 * 3"
        );
        assert_eq!(plain("Ünïcödé ✅  done"), "Ünïcödé ✅ done");
    }

    #[test]
    fn line_index_maps_offsets() {
        let t = "a\r\nbc\nd";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line(0), 1);
        assert_eq!(ix.line(3), 2);
        assert_eq!(ix.line(7), 3);
        assert_eq!(ix.start_of(3), Some(6));
        assert_eq!(line_end(t, 0), 1);
        assert_eq!(line_end(t, 3), 5);
    }

    #[test]
    fn decodes_percent_forms() {
        assert_eq!(percent_decode("..%2f..%2Fetc"), "../../etc");
        assert_eq!(percent_decode("a%20b%"), "a b%");
    }

    #[test]
    fn non_utf8_names_the_offset() {
        let err = decode(vec![b'a', b'\n', 0xff], Path::new("T.md")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("byte offset 2"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Proxy rotation!"), "proxy_rotation");
        assert_eq!(slug("  "), "untitled");
        assert!(slug(&"é".repeat(200)).len() <= 64);
        assert!(slug(&"word ".repeat(100)).len() <= 60);
    }
}

/// FNV-1a, a fast non-cryptographic hasher for small in-process maps.
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf29ce484222325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
        self.0 = h;
    }
}

pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// The 1-based lines of git's merge-conflict markers: each `<<<<<<<` line that a `=======`
/// and then a `>>>>>>>` line follow, with those two (and a `|||||||` base marker between).
/// Markers inside a fenced code block are text.
pub fn conflict_lines(text: &str) -> Vec<usize> {
    if memchr::memmem::find(text.as_bytes(), b"<<<<<<<").is_none() {
        return Vec::new();
    }
    let marker = |l: &str, m: &str| {
        l.strip_prefix(m)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    };
    let mut out = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut fence: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_end_matches('\r');
        let t = l.trim_start();
        if open.is_empty() {
            for f in ["```", "~~~"] {
                if t.starts_with(f) {
                    fence = match fence {
                        Some(o) if o == f => None,
                        None => Some(f),
                        other => other,
                    };
                }
            }
        }
        if fence.is_some() {
            continue;
        }
        match open.len() {
            0 if marker(l, "<<<<<<<") => open.push(i + 1),
            1.. if marker(l, "<<<<<<<") => open = vec![i + 1],
            1.. if marker(l, "|||||||") || l == "=======" => open.push(i + 1),
            2.. if marker(l, ">>>>>>>") => {
                out.append(&mut open);
                out.push(i + 1);
            }
            _ => {}
        }
    }
    out
}

/// `lines` as `3, 5, 7`.
pub fn line_list(lines: &[usize]) -> String {
    lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
