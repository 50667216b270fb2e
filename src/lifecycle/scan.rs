//! Every link destination in a markdown file, with its byte range: inline links and images,
//! and reference definitions. Links inside code blocks and code spans are not links.

use crate::model::links::{self, Target};
use crate::text;
use pulldown_cmark::{Event, Options, Parser, Tag};
use std::ops::Range;
use std::path::Path;

/// One link destination as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest {
    /// The whole link (`[text](dest)`) or reference definition (`[label]: dest`).
    pub range: Range<usize>,
    /// The destination's bytes in the source.
    pub dest_range: Range<usize>,
    pub resolved: Target,
}

impl Dest {
    /// The `#fragment` or `?query` written after the path, kept when the link is rewritten.
    pub fn suffix<'t>(&self, text: &'t str) -> &'t str {
        let d = &text[self.dest_range.clone()];
        match d.find(['#', '?']) {
            Some(i) => &d[i..],
            None => "",
        }
    }
}

/// Scan `text` (a file living in `doc_dir`, root-relative) for link destinations.
pub fn scan(text: &str, doc_dir: &Path) -> Vec<Dest> {
    let bom = if text.starts_with(text::BOM) {
        text::BOM.len()
    } else {
        0
    };
    let body = &text[bom..];
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let parser = Parser::new_ext(body, opts);
    let mut out = Vec::new();
    for (_, def) in parser.reference_definitions().iter() {
        let span = def.span.start + bom..def.span.end + bom;
        if let Some(dest_range) = refdef_dest(text, span.clone()) {
            out.push(Dest {
                resolved: links::resolve(&def.dest, doc_dir),
                range: span,
                dest_range,
            });
        }
    }
    for (event, r) in parser.into_offset_iter() {
        let r = r.start + bom..r.end + bom;
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event
            && let Some(dest_range) = crate::model::tasks::inline_dest_range(text, r.clone())
        {
            out.push(Dest {
                resolved: links::resolve(&dest_url, doc_dir),
                range: r,
                dest_range,
            });
        }
    }
    out.sort_by_key(|d| d.range.start);
    out.dedup_by_key(|d| d.dest_range.clone());
    out
}

/// The destination inside a reference definition `[label]: dest "title"`.
fn refdef_dest(text: &str, span: Range<usize>) -> Option<Range<usize>> {
    let s = text.get(span.clone())?;
    let colon = s.find("]:")? + 2;
    let rest = &s[colon..];
    let lead = rest.len() - rest.trim_start().len();
    let r = rest.trim_start();
    let (off, len) = if let Some(inner) = r.strip_prefix('<') {
        (lead + 1, inner.find('>')?)
    } else {
        (lead, r.find(char::is_whitespace).unwrap_or(r.len()))
    };
    if len == 0 {
        return None;
    }
    let start = span.start + colon + off;
    Some(start..start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_links_images_and_definitions_but_not_code() {
        let t = "\u{feff}# A\r\nSee [s](../specs/1.md#goal) and ![i](img.png \"t\").\r\n\r\n\
```\r\n[no](../specs/1.md)\r\n```\r\n`[no](x.md)`\r\n\r\n[ref]: <../specs/a b.md> \"T\"\r\n";
        let d = scan(t, Path::new("docs/tasks"));
        let dests: Vec<&str> = d.iter().map(|x| &t[x.dest_range.clone()]).collect();
        assert_eq!(
            dests,
            vec!["../specs/1.md#goal", "img.png", "../specs/a b.md"]
        );
        assert_eq!(d[0].resolved, Target::Local("docs/specs/1.md".into()));
        assert_eq!(d[0].suffix(t), "#goal");
        assert_eq!(d[2].resolved, Target::Local("docs/specs/a b.md".into()));
    }
}
