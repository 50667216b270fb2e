//! The edit engine: byte-range splices applied to the original text in one pass.
//!
//! Every change baton makes to a user's file is a list of `(range, replacement)`
//! edits. Bytes no edit covers are copied unchanged, so preservation of the rest of
//! the file holds by construction.

use std::ops::Range;

/// Replace `range` of the original text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit {
            range,
            text: text.into(),
        }
    }
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            text: text.into(),
        }
    }
    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            text: String::new(),
        }
    }
}

/// Why a set of edits could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    OutOfBounds(Range<usize>),
    NotCharBoundary(usize),
    Overlap(Range<usize>, Range<usize>),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::OutOfBounds(r) => write!(f, "edit {r:?} is outside the text"),
            EditError::NotCharBoundary(i) => write!(f, "edit boundary {i} splits a character"),
            EditError::Overlap(a, b) => write!(f, "edits {a:?} and {b:?} overlap"),
        }
    }
}

impl std::error::Error for EditError {}

/// Apply `edits` to `src`. Edits are sorted by position; overlapping edits (including
/// two insertions at the same point) are refused rather than guessed at.
pub fn apply(src: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    for e in &sorted {
        if e.range.start > e.range.end || e.range.end > src.len() {
            return Err(EditError::OutOfBounds(e.range.clone()));
        }
        for i in [e.range.start, e.range.end] {
            if !src.is_char_boundary(i) {
                return Err(EditError::NotCharBoundary(i));
            }
        }
    }
    for w in sorted.windows(2) {
        let (a, b) = (&w[0].range, &w[1].range);
        if b.start < a.end || (a.start == b.start && (a.is_empty() || b.is_empty())) {
            return Err(EditError::Overlap(a.clone(), b.clone()));
        }
    }
    let extra: usize = sorted.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(src.len() + extra);
    let mut pos = 0;
    for e in sorted {
        out.push_str(&src[pos..e.range.start]);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(&src[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn applies_in_order_regardless_of_input_order() {
        let src = "hello world";
        let edits = vec![Edit::replace(6..11, "there"), Edit::insert(0, ">> ")];
        assert_eq!(apply(src, &edits).unwrap(), ">> hello there");
    }

    #[test]
    fn refuses_overlaps_and_double_insertions() {
        let src = "abcdef";
        assert!(matches!(
            apply(src, &[Edit::replace(0..3, "x"), Edit::replace(2..4, "y")]),
            Err(EditError::Overlap(..))
        ));
        assert!(matches!(
            apply(src, &[Edit::insert(2, "x"), Edit::insert(2, "y")]),
            Err(EditError::Overlap(..))
        ));
        // Adjacent edits are fine.
        assert_eq!(
            apply(src, &[Edit::replace(0..2, "X"), Edit::replace(2..4, "Y")]).unwrap(),
            "XYef"
        );
    }

    #[test]
    fn refuses_out_of_bounds_and_split_chars() {
        assert!(matches!(
            apply("abc", &[Edit::delete(2..9)]),
            Err(EditError::OutOfBounds(_))
        ));
        assert!(matches!(
            apply("é", &[Edit::insert(1, "x")]),
            Err(EditError::NotCharBoundary(1))
        ));
    }

    #[test]
    fn crlf_and_bom_outside_the_edit_survive() {
        let src = "\u{feff}- [ ] a\r\n- [ ] b\r\n";
        let at = src.find("b").unwrap();
        let out = apply(src, &[Edit::insert(at, "[Instance 1] ")]).unwrap();
        assert_eq!(out, "\u{feff}- [ ] a\r\n- [ ] [Instance 1] b\r\n");
    }

    proptest! {
        #[test]
        fn no_edit_is_identity(src in "\\PC*") {
            prop_assert_eq!(apply(&src, &[]).unwrap(), src);
        }

        #[test]
        fn one_edit_changes_only_its_range(src in "[a-z\\r\\n é]{0,60}", a in 0usize..80, b in 0usize..80, text in "[A-Z]{0,5}") {
            let (mut s, mut e) = (a.min(b).min(src.len()), a.max(b).min(src.len()));
            while !src.is_char_boundary(s) { s -= 1; }
            while !src.is_char_boundary(e) { e -= 1; }
            let out = apply(&src, &[Edit::replace(s..e, text.clone())]).unwrap();
            prop_assert_eq!(&out[..s], &src[..s]);
            prop_assert_eq!(&out[s..s + text.len()], text.as_str());
            prop_assert_eq!(&out[s + text.len()..], &src[e..]);
        }
    }
}
