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

/// The store of the workspace rooted at `root` (canonical) inside a git checkout:
/// `<common>/baton/` for a workspace at the top of the checkout, and
/// `<common>/baton/in/<path--from--top>/` for one in a subfolder (each plan of a
/// repository has its own store; every worktree's copy of one plan shares it).
/// Also the plan's namespace of refs on a remote (`Place::ns`).
pub fn git_store_dir(g: &git::GitDirs, root: &std::path::Path) -> (PathBuf, String) {
    let base = g.common_dir.join(GIT_SUBDIR);
    let top = std::fs::canonicalize(&g.top).unwrap_or_else(|_| g.top.clone());
    match root.strip_prefix(&top) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let name: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let name = name.join("--");
            // Ref names take a narrower alphabet than folders.
            let ns: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (base.join("in").join(name), format!("in/{ns}/"))
        }
        _ => (base, String::new()),
    }
}

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
    /// The plan's namespace under `refs/baton/` on a remote: empty for a plan at the top
    /// of the repository, `in/<path--from--top>/` for one in a subfolder.
    pub ns: String,
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
    /// `number title`, or the title alone (as `list` labels a task).
    pub fn label(&self) -> String {
        label(self.number.as_deref(), &self.title)
    }

    pub fn new(number: Option<&str>, reference: &str, title: &str) -> TaskId {
        TaskId {
            key: key(number, reference),
            reference: reference.to_string(),
            number: number.map(str::to_string),
            title: title.to_string(),
        }
    }
}

/// `number title`, or the title alone: a task of the store as `list` labels it.
pub fn label(number: Option<&str>, title: &str) -> String {
    match number {
        Some(n) => format!("{n} {title}"),
        None => title.to_string(),
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

/// The remote as a changing command sees it under the store lock: the tips it read, to
/// lease its pushes on.
pub struct Synced<'a> {
    pub remote: remote::Remote<'a>,
    pub state: remote::State,
}

/// What a push left behind until TASKS.md is written: if the process dies in between,
/// the next command finds it and converges (see `load_locked`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Intent {
    remote: String,
    key: String,
    commit: String,
    instance: Option<u32>,
    reference: String,
    holding: bool,
}

const INTENT: &str = "intent.json";

/// Load the store under its lock to change it. With a remote: fetch it first (exit 4 when
/// it cannot be reached: never a silent local-only claim), and its claims become the
/// store's. A push whose TASKS.md write never happened (the process died in between) is
/// undone first: `tagged(reference, instance)` says whether this checkout's file carries
/// the claim.
pub fn load_locked<'a>(
    place: &'a Place,
    remote: Option<&'a str>,
    now: chrono::DateTime<chrono::FixedOffset>,
    tagged: impl Fn(&str, u32) -> bool,
) -> anyhow::Result<(ClaimStore, Option<Synced<'a>>)> {
    let mut store = ClaimStore::load(place);
    store.check_damaged()?;
    let Some(name) = remote else {
        return Ok((store, None));
    };
    let r = remote::Remote::new(place, name)?;
    if let Err(why) = r.fetch()? {
        return Err(remote::unreachable(name, &why));
    }
    let mut state = r.state()?;
    let intent_path = place.dir.join(INTENT);
    if let Some(intent) = std::fs::read(&intent_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Intent>(&b).ok())
        .filter(|i| i.remote == name)
    {
        let landed = state
            .tip(&intent.key)
            .is_some_and(|t| t.sha == intent.commit);
        let projected = intent
            .instance
            .is_some_and(|n| tagged(&intent.reference, n));
        if landed && intent.holding && !projected {
            // The claim reached the remote but never this checkout's file: undo it.
            let tip = state.tip(&intent.key).expect("landed").clone();
            let undo = Event {
                event: "released".into(),
                at: now,
                command: "recover".into(),
                detail: Some("the claiming command died before writing TASKS.md".into()),
                from: Vec::new(),
                ..tip.event.clone()
            };
            match r.push(&intent.key, Some(&tip.sha), &undo, |_| Ok(()))? {
                Ok(_) => {}
                Err(remote::PushError::Unreachable(why)) => {
                    return Err(remote::unreachable(name, &why));
                }
                Err(remote::PushError::Rejected(_)) => {}
            }
            if let Err(why) = r.fetch()? {
                return Err(remote::unreachable(name, &why));
            }
            state = r.state()?;
        }
        let _ = std::fs::remove_file(&intent_path);
    }
    store.replace_all(state.entries(), now);
    Ok((store, Some(Synced { remote: r, state })))
}

impl Synced<'_> {
    /// Publish `events` (each on the chain of its task key), leased on the tips read.
    /// Ok(false): a lease failed (someone else changed that task): read again, decide again.
    pub fn publish(&self, place: &Place, events: &[(String, Event)]) -> anyhow::Result<bool> {
        for (key, e) in events {
            let old = self.state.tip(key).map(|t| t.sha.clone());
            let intent = Intent {
                remote: self.remote.name.to_string(),
                key: key.clone(),
                commit: String::new(),
                instance: e.instance,
                reference: e
                    .task
                    .as_ref()
                    .map(|t| t.reference.clone())
                    .unwrap_or_default(),
                holding: matches!(e.event.as_str(), "claimed" | "stolen" | "forced"),
            };
            let path = place.dir.join(INTENT);
            let write_intent = |commit: &str| {
                let i = Intent {
                    commit: commit.to_string(),
                    ..intent.clone()
                };
                let data = serde_json::to_vec(&i).expect("an intent serialises");
                crate::atomic::replace_unsynced(&path, &data).map(|old| {
                    if let Some(o) = old {
                        let _ = std::fs::remove_file(o);
                    }
                })
            };
            let pushed = self.remote.push(key, old.as_deref(), e, |commit| {
                write_intent(commit).map_err(anyhow::Error::new)
            })?;
            match pushed {
                Ok(_) => {}
                Err(remote::PushError::Rejected(_)) => {
                    let _ = std::fs::remove_file(&path);
                    return Ok(false);
                }
                Err(remote::PushError::Unreachable(why)) => {
                    let _ = std::fs::remove_file(&path);
                    return Err(remote::unreachable(self.remote.name, &why));
                }
            }
        }
        Ok(true)
    }

    /// TASKS.md now carries what was pushed: the intent is fulfilled.
    pub fn settled(place: &Place) {
        let _ = std::fs::remove_file(place.dir.join(INTENT));
    }
}

/// How many times a changing command reads and decides again after a rejected push.
pub const MAX_PUSH_ATTEMPTS: usize = 6;

/// The error after `MAX_PUSH_ATTEMPTS` rejected pushes (exit 4).
pub fn contended(name: &str) -> anyhow::Error {
    crate::error::busy(format!(
        "the remote `{name}` rejected the change {MAX_PUSH_ATTEMPTS} times in a row (other checkouts kept changing the same task, or the server refuses pushes to refs/baton/*)"
    ))
    .hint(format!(
        "run the command again; if it keeps failing, check that `git push {name} HEAD:refs/baton/claims/test` is allowed"
    ))
    .into()
}

/// The store for a read-only command: with a remote, fetched now (under the store lock,
/// taken by `lock`), else as last read, with a warning saying how old it is.
pub fn load_for_reading<L>(
    place: &Place,
    remote: Option<&str>,
    now: chrono::DateTime<chrono::FixedOffset>,
    lock: impl FnOnce() -> anyhow::Result<L>,
) -> anyhow::Result<(ClaimStore, Option<String>)> {
    let Some(name) = remote else {
        return Ok((ClaimStore::load(place), None));
    };
    let r = remote::Remote::new(place, name)?;
    let _lock = lock()?;
    let mut store = ClaimStore::load(place);
    match r.fetch()? {
        Ok(()) => {
            let state = r.state()?;
            store.replace_all(state.entries(), now);
            store.save()?;
            Ok((store, None))
        }
        Err(why) => {
            let age = match store.fetched_at {
                Some(t) => format!(
                    "as last read {} ago ({})",
                    crate::clock::age(now.timestamp() - t.timestamp()),
                    t.to_rfc3339()
                ),
                None => "never read: only this checkout's own tags are known".to_string(),
            };
            Ok((
                store,
                Some(format!(
                    "the remote `{name}` cannot be reached ({why}): claims {age}"
                )),
            ))
        }
    }
}

/// Decide a change against the store under its lock. `decide` sees the store and returns
/// its result with the events it causes, each with its task key. With a remote the events
/// are pushed (leased on the tips read); a rejected push reads again and decides again,
/// up to `MAX_PUSH_ATTEMPTS` times, then exit 4. Without one (or on a dry run) nothing is
/// published here: the caller appends the events to the journal once TASKS.md is written.
pub fn decide<T>(
    place: &Place,
    remote: Option<&str>,
    now: chrono::DateTime<chrono::FixedOffset>,
    dry_run: bool,
    tagged: impl Fn(&str, u32) -> bool,
    mut decide: impl FnMut(&ClaimStore) -> anyhow::Result<(T, Vec<(String, Event)>)>,
) -> anyhow::Result<(ClaimStore, T)> {
    for _ in 0..MAX_PUSH_ATTEMPTS {
        let (store, synced) = load_locked(place, remote, now, &tagged)?;
        let (value, events) = decide(&store)?;
        match synced {
            Some(s) if !dry_run && !events.is_empty() => {
                if s.publish(place, &events)? {
                    return Ok((store, value));
                }
            }
            _ => return Ok((store, value)),
        }
    }
    Err(contended(remote.unwrap_or("?")))
}
