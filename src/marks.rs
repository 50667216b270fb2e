//! The mark table: what the character in a task's box means (open, done, cancelled, ...).
//! The defaults follow GFM, Obsidian Tasks and the files of the corpus; `.baton.yaml`'s
//! `marks` overrides them one character at a time. Nothing here reads or writes a file.

use serde::{Deserialize, Serialize};

/// The state a box's character gives a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkState {
    /// Work to do: the only state `next` offers.
    Open,
    /// Someone is on it, or it is partly done: still to finish, not offered.
    InProgress,
    /// Put off (rescheduled, forwarded): still to do, not offered.
    Deferred,
    /// Finished: counts as done for the archive rules and for dependencies.
    Done,
    /// Dropped: neither open nor done; a dependency on it is met.
    Cancelled,
    /// A character the table does not name: not offered; `check` warns.
    Unknown,
}

impl MarkState {
    /// Every state, in the order the README lists them.
    pub const ALL: [MarkState; 6] = [
        MarkState::Open,
        MarkState::InProgress,
        MarkState::Deferred,
        MarkState::Done,
        MarkState::Cancelled,
        MarkState::Unknown,
    ];

    /// The name used in `.baton.yaml` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            MarkState::Open => "open",
            MarkState::InProgress => "in_progress",
            MarkState::Deferred => "deferred",
            MarkState::Done => "done",
            MarkState::Cancelled => "cancelled",
            MarkState::Unknown => "unknown",
        }
    }

    /// A one-byte code (the parse cache stores it).
    pub fn code(self) -> u8 {
        match self {
            MarkState::Open => 0,
            MarkState::InProgress => 1,
            MarkState::Deferred => 2,
            MarkState::Done => 3,
            MarkState::Cancelled => 4,
            MarkState::Unknown => 5,
        }
    }

    pub fn from_code(c: u8) -> Option<MarkState> {
        MarkState::ALL.get(c as usize).copied()
    }

    /// Finished one way or the other: done or cancelled. A dependency on a finished task
    /// is met, and a heading claim no longer covers it.
    pub fn finished(self) -> bool {
        matches!(self, MarkState::Done | MarkState::Cancelled)
    }
}

/// The default state of a box's character.
///
/// - ` ` open, `x` `X` done: GFM's task lists, and nearly every file of the corpus.
/// - `✅` `✔` `☑` `✓` done: written by hand as a tick (`[✅]` in the corpus).
/// - `/` in progress: Obsidian Tasks' default "In Progress".
/// - `~` in progress: every corpus use means partly done ("PARTIAL", "ЧАСТИЧНО", a legend
///   `[~] In progress`), not cancelled.
/// - `-` cancelled: Obsidian Tasks' default "Cancelled" (Kiro writes `[-]` for a task in
///   progress; map `-` to `in_progress` there).
/// - `>` `<` deferred: Obsidian's "forwarded/rescheduled" and "scheduling".
/// - anything else (`!`, `?`, `*`, `I`, ...) unknown: themes and files disagree on them
///   (`!` is "important" in one theme, "blocked" in a corpus legend, "rolled back" in
///   another file), so baton does not guess.
pub fn default_state(c: char) -> MarkState {
    match c {
        ' ' => MarkState::Open,
        'x' | 'X' | '✅' | '✔' | '☑' | '✓' => MarkState::Done,
        '/' | '~' => MarkState::InProgress,
        '-' => MarkState::Cancelled,
        '>' | '<' => MarkState::Deferred,
        _ => MarkState::Unknown,
    }
}

/// The characters the default table names, in README order.
pub const DEFAULT_MARKS: &[char] = &[' ', 'x', 'X', '✅', '✔', '☑', '✓', '/', '~', '>', '<', '-'];

/// The mark `done` writes on a task of a file with no done mark yet (GFM's).
pub const DONE_MARK: char = 'x';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_mark_has_its_state() {
        let table = [
            (' ', MarkState::Open),
            ('x', MarkState::Done),
            ('X', MarkState::Done),
            ('✅', MarkState::Done),
            ('✔', MarkState::Done),
            ('☑', MarkState::Done),
            ('✓', MarkState::Done),
            ('/', MarkState::InProgress),
            ('~', MarkState::InProgress),
            ('>', MarkState::Deferred),
            ('<', MarkState::Deferred),
            ('-', MarkState::Cancelled),
            ('!', MarkState::Unknown),
            ('?', MarkState::Unknown),
            ('P', MarkState::Unknown),
            ('*', MarkState::Unknown),
        ];
        for (c, s) in table {
            assert_eq!(default_state(c), s, "{c:?}");
        }
        for &c in DEFAULT_MARKS {
            assert_ne!(default_state(c), MarkState::Unknown, "{c:?}");
        }
    }

    #[test]
    fn codes_and_names_round_trip() {
        for s in MarkState::ALL {
            assert_eq!(MarkState::from_code(s.code()), Some(s));
            let yaml: MarkState = serde_norway::from_str(s.name()).unwrap();
            assert_eq!(yaml, s);
        }
        assert_eq!(MarkState::from_code(6), None);
        assert!(MarkState::Cancelled.finished() && MarkState::Done.finished());
        assert!(!MarkState::InProgress.finished() && !MarkState::Open.finished());
    }
}
