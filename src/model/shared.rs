//! `Str`, the string type of the model: a span of a shared buffer (the document's text,
//! or the string pool of a cache entry) rather than a copy. Building, cloning and
//! deriving a model of 100k tasks then costs no allocation per title, number, ref or link
//! target, which is most of what reading a model back from the parse cache used to cost.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::path::Path;
use std::rc::Rc;

/// An immutable string: `src[start..start + len]`, with the bounds checked (on char
/// boundaries) when it is made, so reading it back cannot fail. 16 bytes: a model holds
/// several per task.
#[derive(Clone)]
pub struct Str {
    src: Rc<String>,
    start: u32,
    len: u32,
}

thread_local! {
    static EMPTY: Rc<String> = Rc::new(String::new());
}

impl Str {
    /// `src[range]`, or `None` when the range is out of bounds, splits a character, or
    /// lies beyond 4 GiB.
    pub fn span(src: &Rc<String>, range: Range<usize>) -> Option<Str> {
        src.get(range.clone())?;
        Some(Str {
            src: Rc::clone(src),
            start: u32::try_from(range.start).ok()?,
            len: u32::try_from(range.len()).ok()?,
        })
    }

    /// `s`, as a span of `src` when it occurs in `src[near]` (a title in its line, a
    /// target in its link), else as a copy.
    pub fn find_in(src: &Rc<String>, near: Range<usize>, s: String) -> Str {
        let hay = src.get(near.clone()).unwrap_or("");
        match find(hay.as_bytes(), s.as_bytes()) {
            Some(at) => Str::span(src, near.start + at..near.start + at + s.len())
                .unwrap_or_else(|| Str::from(s)),
            None => Str::from(s),
        }
    }

    /// The whole of `src`. (A single model string of more than 4 GiB, which no real
    /// file holds, is cut at the last character boundary that fits.)
    pub fn whole(src: Rc<String>) -> Str {
        let mut len = src
            .len()
            .min(usize::try_from(u32::MAX).unwrap_or(usize::MAX));
        while !src.is_char_boundary(len) {
            len -= 1;
        }
        Str {
            src,
            start: 0,
            len: len as u32,
        }
    }

    pub fn as_str(&self) -> &str {
        let start = self.start as usize;
        &self.src[start..start + self.len as usize]
    }

    /// The length in bytes, without reading the buffer.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_path(&self) -> &Path {
        Path::new(self.as_str())
    }

    /// Where this string lies in `src`, when it is a span of that very buffer.
    pub fn range_in(&self, src: &Rc<String>) -> Option<Range<usize>> {
        let start = self.start as usize;
        Rc::ptr_eq(&self.src, src).then_some(start..start + self.len as usize)
    }

    /// The buffer this string is a span of.
    pub fn source(&self) -> &Rc<String> {
        &self.src
    }
}

/// Where `needle` occurs in `hay`, trying the end first (titles end their line, targets
/// end their link). Haystacks are one line, so a plain scan beats building a searcher.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
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

impl Default for Str {
    fn default() -> Str {
        EMPTY.with(|e| Str::whole(Rc::clone(e)))
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<Path> for Str {
    fn as_ref(&self) -> &Path {
        Path::new(self.as_str())
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        if s.is_empty() {
            return Str::default();
        }
        Str::whole(Rc::new(s))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str::from(s.to_string())
    }
}

// Lengths are compared first: they are in the `Str` itself, the bytes are not.
impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.len == other.len && self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.len() == other.len() && self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Str> for str {
    fn eq(&self, other: &Str) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Str> for &str {
    fn eq(&self, other: &Str) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Str> for String {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Str {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_check_bounds_and_compare_as_text() {
        let src = Rc::new("a ✅ b".to_string());
        assert_eq!(Str::span(&src, 0..1).unwrap(), "a");
        assert!(Str::span(&src, 2..3).is_none(), "splits the check mark");
        assert!(Str::span(&src, 0..99).is_none());
        let b = Str::span(&src, 6..7).unwrap();
        assert_eq!(b.as_str(), "b");
        assert_eq!(b.range_in(&src), Some(6..7));
        assert_eq!(Str::from("b"), b);
        assert_eq!(Str::from("b").range_in(&src), None);
        let line = 0..src.len();
        assert_eq!(
            Str::find_in(&src, line.clone(), "b".into()).range_in(&src),
            Some(6..7)
        );
        assert_eq!(Str::find_in(&src, line, "x".into()).range_in(&src), None);
        assert_eq!(
            (b.len(), b.is_empty(), Str::default().is_empty()),
            (1, false, true)
        );
        assert_eq!(Str::default(), "");
        assert_eq!(format!("{b} {b:?}"), "b \"b\"");
    }
}
