//! Where a text spells what dependencies and merge-conflict markers begin with: found once
//! when the file is parsed, kept by the parse cache and moved by `rebase`, so that a warm
//! command reads them instead of searching the whole text again (four passes over a
//! 100k-task plan cost more than a `status` answers in otherwise).
//!
//! A spot is only a place to look: `deps` and `text::conflict_lines` read the text there
//! and decide.

/// The stem of an explicit group, `(after: ...)`.
pub const AFTER: &[u8] = b"fter:";
/// The stem of the prose spellings `depends on` and `depends:`.
pub const DEPENDS: &[u8] = b"epends";
/// The stem of the prose spelling `blocked by`.
pub const BLOCKED: &[u8] = b"locked by";
/// What every merge-conflict block starts with.
pub const CONFLICT: &[u8] = b"<<<<<<<";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spots {
    /// Offsets of `AFTER`, ascending.
    pub after: Vec<usize>,
    /// Offsets of `DEPENDS`, ascending.
    pub depends: Vec<usize>,
    /// Offsets of `BLOCKED`, ascending.
    pub blocked: Vec<usize>,
    /// Whether `CONFLICT` occurs anywhere.
    pub conflict: bool,
}

impl Spots {
    pub fn find(text: &str) -> Spots {
        let b = text.as_bytes();
        let all = |stem| memchr::memmem::find_iter(b, stem).collect();
        Spots {
            after: all(AFTER),
            depends: all(DEPENDS),
            blocked: all(BLOCKED),
            conflict: memchr::memmem::find(b, CONFLICT).is_some(),
        }
    }

    /// Whether `window` (the bytes around an edit) holds a stem: then the edit may have
    /// made or broken a spot, and the spots are found again.
    pub fn touched_by(window: &[u8]) -> bool {
        [AFTER, DEPENDS, BLOCKED, CONFLICT]
            .iter()
            .any(|stem| memchr::memmem::find(window, stem).is_some())
    }

    /// Every offset moved by `map` (text was inserted or removed before it).
    pub fn moved(&mut self, map: impl Fn(usize) -> usize) {
        for p in self
            .after
            .iter_mut()
            .chain(&mut self.depends)
            .chain(&mut self.blocked)
        {
            *p = map(*p);
        }
    }

    /// The spots of `spots` (ascending) where a stem `len` bytes long lies wholly in
    /// `region`.
    pub fn within(spots: &[usize], len: usize, region: std::ops::Range<usize>) -> &[usize] {
        let s = spots.partition_point(|&p| p < region.start);
        let e = spots.partition_point(|&p| p + len <= region.end);
        &spots[s..e.max(s)]
    }

    /// The widest stem, less one: how far a stem can reach into an edit from outside it.
    pub const REACH: usize = 8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_stem_in_order() {
        let t = "a (after: 1) depends on 2, blocked by 3\n<<<<<<< HEAD\nDepends: 4\n";
        let s = Spots::find(t);
        assert_eq!(s.after, [t.find("fter:").unwrap()]);
        let depends = [t.find("epends on").unwrap(), t.find("epends: 4").unwrap()];
        assert_eq!(s.depends, depends);
        assert_eq!(s.blocked, [t.find("locked by").unwrap()]);
        assert!(s.conflict);
        assert_eq!(Spots::find("plain text"), Spots::default());
        assert_eq!(Spots::within(&s.depends, 6, 0..depends[1] + 6), depends);
        assert_eq!(
            Spots::within(&s.depends, 6, 0..depends[1] + 5),
            &depends[..1]
        );
        assert_eq!(
            Spots::within(&s.depends, 6, depends[0] + 1..t.len()),
            &depends[1..]
        );
        assert!(Spots::touched_by(b"x blocked by") && !Spots::touched_by(b"[Instance 2] "));
    }
}
