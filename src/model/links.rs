//! Links in markdown files: what they point at, resolved against the workspace.

use super::shared::Str;
use crate::text::{percent_decode, slash_path};
use serde::Serialize;
use std::ops::Range;
use std::path::{Component, Path};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    Spec,
    Research,
    Other,
}

/// Where a link destination leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A path inside the workspace, relative to the root (lexically normalised).
    Local(Str),
    /// A relative path that climbs out of the workspace.
    Outside,
    /// An absolute path (`/etc/hosts`, `C:\x`).
    Absolute,
    /// A URL or an in-page anchor: not a file baton tracks.
    External,
}

/// One link as written in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    /// The destination exactly as written in the source.
    pub target: Str,
    /// Byte range of the whole link `[text](dest)` in the source.
    pub range: Range<usize>,
    /// Byte range of the destination inside the source, when it is an inline link.
    pub dest_range: Option<Range<usize>>,
    /// The span to delete to drop the link with its label, e.g. ` (spec: [..](..))`.
    pub removal: Option<Range<usize>>,
    pub resolved: Target,
    pub line: usize,
}

impl Link {
    pub fn local(&self) -> Option<&Path> {
        match &self.resolved {
            Target::Local(p) => Some(Path::new(p.as_str())),
            _ => None,
        }
    }
}

/// Resolve a link destination written in a file that lives in `doc_dir` (relative to the root).
pub fn resolve(dest: &str, doc_dir: &Path) -> Target {
    let dest = dest.trim();
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with("mailto:") || has_scheme(dest) {
        return Target::External;
    }
    let no_frag = dest.split('#').next().unwrap_or("");
    let no_query = no_frag.split('?').next().unwrap_or("");
    let decoded = percent_decode(no_query);
    if decoded.is_empty() {
        return Target::External;
    }
    let bytes = decoded.as_bytes();
    if decoded.starts_with('/')
        || decoded.starts_with('\\')
        || (bytes.len() > 2 && bytes[1] == b':' && (bytes[2] == b'\\' || bytes[2] == b'/'))
    {
        return Target::Absolute;
    }
    // Normalise lexically on a `/`-joined string: `..` drops the last component.
    let mut out = String::with_capacity(decoded.len() + 16);
    for c in doc_dir.components() {
        if let Component::Normal(s) = c {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(&s.to_string_lossy());
        }
    }
    for part in decoded.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return Target::Outside;
                }
                out.truncate(out.rfind('/').unwrap_or(0));
            }
            p => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(p);
            }
        }
    }
    Target::Local(Str::from(out))
}

fn has_scheme(dest: &str) -> bool {
    match dest.find(':') {
        Some(i) if i > 1 => dest[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'),
        _ => false,
    }
}

/// The label written just before a link (`(spec: `, `**Spec**: `, `> **Research**: `).
pub fn label_before(src: &str, link_start: usize) -> Option<LinkKind> {
    let ls = crate::text::line_start(src, link_start);
    let mut p = src[ls..link_start].trim_end();
    p = p.trim_end_matches(':').trim_end();
    p = p.trim_end_matches('*').trim_end_matches('_');
    p = p.trim_end_matches(':').trim_end();
    let lower = p.to_ascii_lowercase();
    let word_end = |w: &str| {
        lower.ends_with(w) && {
            let before = &lower[..lower.len() - w.len()];
            before
                .chars()
                .last()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        }
    };
    if word_end("spec") || word_end("specs") || word_end("specification") {
        Some(LinkKind::Spec)
    } else if word_end("research") {
        Some(LinkKind::Research)
    } else {
        None
    }
}

/// Kind of a link from where it points, when no label says.
pub fn kind_from_path(rel: &Path, specs: &[&str], research: &[&str]) -> LinkKind {
    let s = slash_path(rel);
    let under = |d: &&str| {
        let d = d.trim_end_matches('/');
        s.starts_with(d) && s.as_bytes().get(d.len()) == Some(&b'/')
    };
    if specs.iter().any(under) {
        LinkKind::Spec
    } else if research.iter().any(under) {
        LinkKind::Research
    } else {
        LinkKind::Other
    }
}

/// The span to remove so that a labelled link disappears with its label:
/// ` (spec: [..](..))` or a continuation line holding only that.
pub fn removal_span(src: &str, link: Range<usize>) -> Option<Range<usize>> {
    let ls = crate::text::line_start(src, link.start);
    let before = &src[ls..link.start];
    let open = before.rfind('(')?;
    let label = before[open + 1..].trim();
    let l = label.trim_end_matches(':').trim().to_ascii_lowercase();
    if !(l == "spec" || l == "research" || l == "specs") {
        return None;
    }
    let after = &src[link.end..];
    let close_rel = after.find(|c: char| !c.is_whitespace() || c == '\n')?;
    if !after[close_rel..].starts_with(')') {
        return None;
    }
    let mut start = ls + open;
    let mut end = link.end + close_rel + 1;
    let le = crate::text::line_end(src, end);
    if src[ls..start].trim().is_empty() && src[end..le].trim().is_empty() {
        // The link is alone on a continuation line: remove the whole line.
        start = ls;
        end = if le < src.len() {
            le + crate::text::newline_len_at(src, le)
        } else {
            le
        };
        // If the removed line is the last one without final newline, eat the previous newline.
        if le == src.len() && start > 0 {
            let prev = if src[..start].ends_with("\r\n") { 2 } else { 1 };
            start -= prev;
        }
    } else {
        // Eat the space before the parenthesis.
        while start > ls && matches!(src.as_bytes()[start - 1], b' ' | b'\t') {
            start -= 1;
        }
    }
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_the_file() {
        let d = Path::new("docs/tasks");
        assert_eq!(
            resolve("../specs/101_X.md", d),
            Target::Local("docs/specs/101_X.md".into())
        );
        assert_eq!(
            resolve("../../archive/specs/101_X.md#goal", d),
            Target::Local("archive/specs/101_X.md".into())
        );
        assert_eq!(resolve("../../../../etc/passwd", d), Target::Outside);
        assert_eq!(resolve("..%2f..%2f..%2fetc/passwd", d), Target::Outside);
        assert_eq!(resolve("/etc/hosts", d), Target::Absolute);
        assert_eq!(resolve("https://x.org/a.md", d), Target::External);
        assert_eq!(resolve("#anchor", d), Target::External);
    }

    #[test]
    fn labels() {
        let s = "- [ ] x (spec: [a](b))";
        assert_eq!(
            label_before(s, s.find("[a]").unwrap()),
            Some(LinkKind::Spec)
        );
        let s = "> **Research**: [a](b)";
        assert_eq!(
            label_before(s, s.find("[a]").unwrap()),
            Some(LinkKind::Research)
        );
        let s = "see the prospec [a](b)";
        assert_eq!(label_before(s, s.find("[a]").unwrap()), None);
    }

    #[test]
    fn removal_spans() {
        let s = "- [x] Implement (spec: [a](b.md))\n";
        let l = s.find("[a]").unwrap()..s.find(")").unwrap() + 1;
        let r = removal_span(s, l).unwrap();
        assert_eq!(
            format!("{}{}", &s[..r.start], &s[r.end..]),
            "- [x] Implement\n"
        );
        let s = "- [x] Implement\n  (spec: [a](b.md))\n- [ ] y\n";
        let l = s.find("[a]").unwrap()..s.find(".md)").unwrap() + 4;
        let r = removal_span(s, l).unwrap();
        assert_eq!(
            format!("{}{}", &s[..r.start], &s[r.end..]),
            "- [x] Implement\n- [ ] y\n"
        );
    }
}
