//! The coordination store: who holds which task, in which checkout, and the journal of
//! who did what. Inside a git repository it lives under the common git dir
//! (`<common>/baton/`), so every worktree of the repository sees one store; outside git,
//! under the checkout's `.baton/`. With a remote, the remote's refs decide
//! (`remote.rs`). The `[Instance N]` tags of a checkout's TASKS.md are the projection of
//! its own claims.
//!
//! Architecture invariant: this module knows nothing of commands or the workspace; it is
//! given a `Place` (where the store is, who is asking).

pub mod git;
pub mod journal;
pub mod local;
pub mod remote;

pub use journal::Event;
pub use local::{ClaimStore, Entry};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The folder of the store inside the common git dir.
pub const GIT_SUBDIR: &str = "baton";

/// Where a claim was made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkout {
    /// The checkout's root folder, absolute.
    pub path: String,
    /// The branch checked out there (none on a detached HEAD or outside git).
    #[serde(default)]
    pub branch: Option<String>,
    pub host: String,
}

impl Checkout {
    /// The same checkout (branches change; the folder and the machine do not).
    pub fn same(&self, other: Option<&Checkout>) -> bool {
        other.is_none_or(|o| o.path == self.path && o.host == self.host)
    }

    /// `path (branch, host)` for messages.
    pub fn describe(&self) -> String {
        match &self.branch {
            Some(b) => format!("{} (branch {b}, host {})", self.path, self.host),
            None => format!("{} (host {})", self.path, self.host),
        }
    }
}

/// Where the store lives and who is asking.
#[derive(Debug, Clone)]
pub struct Place {
    /// The store's folder (lock, claims, journal).
    pub dir: PathBuf,
    /// This checkout's own `.baton/` when the store lives elsewhere (to adopt its ledger).
    pub legacy: Option<PathBuf>,
    pub here: Checkout,
    /// The checkout's git dirs, when it is in a git repository.
    pub git: Option<git::GitDirs>,
}

/// A task (or a heading) as the store knows it.
///
/// Identity across checkouts (`key`): the task's number when its line has one (`#2.3`),
/// else its content-derived ref (the heading path and title, normalised). A title edited
/// on one branch keeps a numbered task the same task; an unnumbered task whose title
/// differs between branches is a different task (so number the tasks that several
/// checkouts work on). Heading claims use the heading's `s:` ref.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TaskId {
    pub key: String,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub title: String,
}

impl TaskId {
    pub fn new(number: Option<&str>, reference: &str, title: &str) -> TaskId {
        TaskId {
            key: key(number, reference),
            reference: reference.to_string(),
            number: number.map(str::to_string),
            title: title.to_string(),
        }
    }
}

/// The identity of a task across checkouts: `#NUMBER` when it has one, else its ref.
pub fn key(number: Option<&str>, reference: &str) -> String {
    match number.map(|n| n.trim().trim_end_matches('.')) {
        Some(n) if !n.is_empty() => format!("#{n}"),
        _ => reference.to_string(),
    }
}

/// The journal as read for `baton log` and `ess`.
pub struct JournalRead {
    pub events: Vec<Event>,
    /// `local` (the journal file) or `remote` (the remote's refs, as last fetched).
    pub source: &'static str,
    /// Lines or commits that could not be read.
    pub skipped: usize,
    /// With a remote: when its state was read.
    pub fetched_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Said on stderr: the remote could not be reached, the answer is older.
    pub warning: Option<String>,
}

/// Every event, oldest first: from the remote's refs when a remote is configured, else
/// from the journal file.
pub fn read_journal(place: &Place, remote: Option<&str>) -> anyhow::Result<JournalRead> {
    if let Some(name) = remote {
        return remote::read_journal(place, name);
    }
    let (events, skipped) = journal::read(&place.dir)?;
    Ok(JournalRead {
        events,
        source: "local",
        skipped,
        fetched_at: None,
        warning: None,
    })
}
