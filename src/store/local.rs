//! The store's claims as a file, `claims.json` under the store folder: who holds which
//! task, in which checkout, since when. Written under the store lock only.
//!
//! A checkout's TASKS.md is the projection of its own entries: an entry of this checkout
//! whose tag is gone is dropped (the tag was removed by hand), and a tag with no entry is
//! a claim of unknown age. Entries of other checkouts are theirs: this checkout only
//! drops them when it takes a claim over (`--steal`, `--force`).

use super::{Checkout, Place, TaskId};
use crate::atomic;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::rc::Rc;

pub const FILE: &str = "claims.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub instance: u32,
    /// The task's ref (`s:` refs for heading claims) in the claimer's file.
    pub task: String,
    /// The task's identity across checkouts (`TaskId::key`); older ledgers lack it.
    #[serde(default)]
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub title: String,
    #[serde(with = "crate::clock::rfc3339")]
    pub claimed_at: DateTime<FixedOffset>,
    /// Where the claim was made; older ledgers lack it (they were this checkout's).
    /// Version 2 wrote it in each entry; now the entry's group names it (see `File`).
    /// Shared by the entries of one checkout (one copy, not one a claim).
    #[serde(default, skip_serializing)]
    pub checkout: Option<Rc<Checkout>>,
    /// A tag found in a checkout's file with no entry (written by hand, merged in, or
    /// from before the store): a claim of unknown age, recorded so that other checkouts
    /// see it. `claimed_at` is when it was found.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
}

impl Entry {
    pub fn key(&self) -> &str {
        if self.key.is_empty() {
            &self.task
        } else {
            &self.key
        }
    }

    pub fn checkout(&self) -> Option<&Checkout> {
        self.checkout.as_deref()
    }

    /// When the claim was taken, if known.
    pub fn since(&self) -> Option<DateTime<FixedOffset>> {
        (!self.adopted).then_some(self.claimed_at)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClaimStore {
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub claims: Vec<Entry>,
    /// With a remote: when its state was last read (read-only commands say how old it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<DateTime<FixedOffset>>,
    #[serde(skip)]
    dirty: bool,
    #[serde(skip)]
    place: Option<Place>,
    /// A checkout's own `.baton/claims.json` taken over by a store kept elsewhere: removed
    /// once the store is written.
    #[serde(skip)]
    adopted: Option<PathBuf>,
    /// The file exists but does not parse: never written over.
    #[serde(skip)]
    damaged: Option<String>,
}

/// The file as written since version 3: the claims grouped by the checkout that made
/// them, so that a checkout's path, branch and host are read once, not once a claim.
/// Versions 1 and 2 (`claims`, each entry with its own checkout) are still read.
#[derive(Deserialize)]
struct File {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    claims: Vec<Entry>,
    #[serde(default)]
    checkouts: Vec<Group>,
    #[serde(default)]
    fetched_at: Option<DateTime<FixedOffset>>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    checkout: Option<Rc<Checkout>>,
    claims: Vec<Entry>,
}

/// The store's version written now.
const VERSION: u32 = 3;

impl ClaimStore {
    /// Read the file's text (any version).
    fn parse(bytes: &[u8]) -> serde_json::Result<ClaimStore> {
        let f: File = serde_json::from_slice(bytes)?;
        let mut claims = f.claims;
        for g in f.checkouts {
            let mut entries = g.claims;
            for e in &mut entries {
                e.checkout = g.checkout.clone();
            }
            if claims.is_empty() {
                claims = entries;
            } else {
                claims.append(&mut entries);
            }
        }
        Ok(ClaimStore {
            version: f.version,
            claims,
            fetched_at: f.fetched_at,
            ..Default::default()
        })
    }

    fn path(&self) -> Option<PathBuf> {
        self.place.as_ref().map(|p| p.dir.join(FILE))
    }

    /// Load the store; a missing or unreadable file is empty (ages become unknown). A
    /// checkout's own older ledger (`.baton/claims.json`) is taken over when the store
    /// lives elsewhere (under the common git dir).
    pub fn load(place: &Place) -> ClaimStore {
        let path = place.dir.join(FILE);
        let mut damaged = None;
        let mut s: ClaimStore = match atomic::read_nofollow(&path) {
            Ok(b) => ClaimStore::parse(&b).unwrap_or_else(|e| {
                damaged = Some(format!("{}: {e}", path.display()));
                ClaimStore::default()
            }),
            Err(_) => ClaimStore::default(),
        };
        s.damaged = damaged;
        if let Some(legacy) = &place.legacy {
            let old = legacy.join(FILE);
            if let Some(o) = atomic::read_nofollow(&old)
                .ok()
                .and_then(|b| ClaimStore::parse(&b).ok())
            {
                for mut e in o.claims {
                    e.checkout = Some(Rc::new(place.here.clone()));
                    if !s.claims.iter().any(|x| {
                        x.instance == e.instance
                            && x.task == e.task
                            && place.here.same(x.checkout())
                    }) {
                        s.claims.push(e);
                    }
                }
                s.dirty = true;
                s.adopted = Some(old);
            }
        }
        let here = Rc::new(place.here.clone());
        for e in &mut s.claims {
            if e.key.is_empty() {
                e.key = e.task.clone();
            }
            if e.checkout.is_none() {
                e.checkout = Some(Rc::clone(&here));
            }
        }
        // A checkout of this machine that no longer exists (a worktree removed) holds
        // nothing: its claims lapse.
        let before = s.claims.len();
        let mut gone: std::collections::HashMap<String, bool> = Default::default();
        s.claims.retain(|e| {
            let Some(k) = e.checkout() else { return true };
            if k.host != place.here.host || k.path == place.here.path {
                return true;
            }
            !*gone
                .entry(k.path.clone())
                .or_insert_with(|| !std::path::Path::new(&k.path).exists())
        });
        s.dirty |= s.claims.len() != before;
        s.place = Some(place.clone());
        s
    }

    /// A clear error when the store's file is damaged (changing commands stop: nothing is
    /// decided on, or written over, a store not understood).
    pub fn check_damaged(&self) -> anyhow::Result<()> {
        match &self.damaged {
            None => Ok(()),
            Some(why) => Err(crate::error::invalid(format!(
                "the claim store is damaged and was left as it is ({why})"
            ))
            .hint(
                "move the file aside (`mv` it to a backup name) and run the command again: tags in TASKS.md become claims of unknown age",
            )
            .into()),
        }
    }

    /// Whether `e` was made in this checkout.
    pub fn is_here(&self, e: &Entry) -> bool {
        self.place
            .as_ref()
            .is_none_or(|p| p.here.same(e.checkout()))
    }

    /// Whether other checkouts read this store (it lives under a git repository's common
    /// dir, and on its remote when one is set).
    pub fn shared(&self) -> bool {
        self.place.as_ref().is_some_and(|p| p.git.is_some())
    }

    pub fn here(&self) -> Option<&Checkout> {
        self.place.as_ref().map(|p| &p.here)
    }

    /// When this checkout's claim of `task` (a ref) by `instance` was taken.
    pub fn since(&self, instance: u32, task: &str) -> Option<DateTime<FixedOffset>> {
        self.claims
            .iter()
            .find(|e| e.instance == instance && e.task == task && self.is_here(e))
            .and_then(Entry::since)
    }

    /// Claims of the task `key` made in other checkouts.
    pub fn elsewhere(&self, key: &str) -> Vec<&Entry> {
        self.claims
            .iter()
            .filter(|e| e.key() == key && !self.is_here(e))
            .collect()
    }

    /// Every claim made in another checkout.
    pub fn all_elsewhere(&self) -> impl Iterator<Item = &Entry> {
        self.claims.iter().filter(|e| !self.is_here(e))
    }

    pub fn record(&mut self, instance: u32, id: &TaskId, at: DateTime<FixedOffset>) {
        self.remove(instance, &id.reference);
        self.claims.push(Entry {
            instance,
            task: id.reference.clone(),
            key: id.key.clone(),
            number: id.number.clone(),
            title: id.title.clone(),
            claimed_at: at,
            checkout: self.here().cloned().map(Rc::new),
            adopted: false,
        });
        self.dirty = true;
    }

    /// Bring this checkout's entries in line with its tags: `ids(ref)` gives the identity
    /// of a tagged task or heading by its ref. An entry learns its task's identity (older
    /// ledgers keyed by ref only), and a tag with no entry becomes one of unknown age.
    pub fn adopt_tags<'t>(
        &mut self,
        tags: impl Iterator<Item = (u32, &'t str)>,
        ids: impl Fn(&str) -> Option<TaskId>,
        found_at: DateTime<FixedOffset>,
    ) {
        let Some(here) = self.here().cloned() else {
            return;
        };
        let shared = Rc::new(here.clone());
        // This checkout's entries by (instance, ref): one pass, not one per tag.
        let mut mine: std::collections::HashMap<(u32, &str), usize> = Default::default();
        for (k, e) in self.claims.iter().enumerate() {
            if here.same(e.checkout()) {
                mine.entry((e.instance, e.task.as_str())).or_insert(k);
            }
        }
        let mut learned = Vec::new();
        let mut found = Vec::new();
        for (instance, reference) in tags {
            let Some(id) = ids(reference) else { continue };
            match mine.get(&(instance, reference)) {
                Some(&k) if self.claims[k].key != id.key => learned.push((k, id)),
                Some(_) => {}
                // Never a second holder: a tag for a task held in another checkout stays
                // a tag (`check` reports it).
                None if self
                    .claims
                    .iter()
                    .any(|e| e.key() == id.key && !here.same(e.checkout())) => {}
                None => found.push(Entry {
                    instance,
                    task: id.reference.clone(),
                    key: id.key,
                    number: id.number,
                    title: id.title,
                    claimed_at: found_at,
                    checkout: Some(Rc::clone(&shared)),
                    adopted: true,
                }),
            }
        }
        self.dirty |= !learned.is_empty() || !found.is_empty();
        for (k, id) in learned {
            self.claims[k].key = id.key;
            self.claims[k].number = id.number;
        }
        self.claims.extend(found);
    }

    /// Drop this checkout's claim of `task` (a ref) by `instance`.
    pub fn remove(&mut self, instance: u32, task: &str) {
        let here = self.here().cloned();
        let before = self.claims.len();
        self.claims.retain(|e| {
            !(e.instance == instance
                && e.task == task
                && here.as_ref().is_none_or(|h| h.same(e.checkout())))
        });
        self.dirty |= self.claims.len() != before;
    }

    /// Drop the claims of `key` made in other checkouts (taken over here); returns them.
    pub fn take_elsewhere(&mut self, key: &str) -> Vec<Entry> {
        let (gone, kept): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut self.claims)
            .into_iter()
            .partition(|e| e.key() == key && !self.is_here(e));
        self.claims = kept;
        self.dirty |= !gone.is_empty();
        gone
    }

    /// Drop this checkout's entries whose claim no longer exists; `held(instance, task)`
    /// says whether it does. Other checkouts' entries stay.
    pub fn reconcile(&mut self, held: impl Fn(u32, &str) -> bool) {
        let here = self.here().cloned();
        let before = self.claims.len();
        self.claims.retain(|e| {
            !here.as_ref().is_none_or(|h| h.same(e.checkout())) || held(e.instance, &e.task)
        });
        self.dirty |= self.claims.len() != before;
    }

    /// Replace every entry with `claims` (the state a remote holds).
    pub fn replace_all(&mut self, claims: Vec<Entry>, fetched: DateTime<FixedOffset>) {
        self.claims = claims;
        self.fetched_at = Some(fetched);
        self.dirty = true;
    }

    /// The file's text: the claims grouped by checkout, one a line, so that it stays
    /// small to write and to read on every command, and still reads by eye.
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let mut groups: Vec<(Option<&Checkout>, Vec<&Entry>)> = Vec::new();
        for e in &self.claims {
            match groups.iter_mut().find(|(k, _)| *k == e.checkout()) {
                Some((_, g)) => g.push(e),
                None => groups.push((e.checkout(), vec![e])),
            }
        }
        let mut out = Vec::with_capacity(64 + 160 * self.claims.len());
        out.extend_from_slice(format!("{{\"version\":{VERSION},\"checkouts\":[").as_bytes());
        for (i, (checkout, entries)) in groups.into_iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n{" } else { b",\n{" });
            if let Some(k) = checkout {
                out.extend_from_slice(b"\"checkout\":");
                serde_json::to_writer(&mut out, k)?;
                out.push(b',');
            }
            out.extend_from_slice(b"\"claims\":[");
            for (j, e) in entries.into_iter().enumerate() {
                out.extend_from_slice(if j == 0 { b"\n" } else { b",\n" });
                serde_json::to_writer(&mut out, e)?;
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"\n]");
        if let Some(t) = &self.fetched_at {
            out.extend_from_slice(b",\"fetched_at\":");
            serde_json::to_writer(&mut out, t)?;
        }
        out.extend_from_slice(b"}\n");
        Ok(out)
    }

    /// Write the store if it changed. Call while holding the store lock.
    pub fn save(&mut self) -> anyhow::Result<()> {
        if let Some(old) = self.save_aside()? {
            let _ = std::fs::remove_file(old);
        }
        Ok(())
    }

    /// `save`, leaving the file it replaces under another name, returned for the caller
    /// to remove after the lock is released.
    pub fn save_aside(&mut self) -> anyhow::Result<Option<PathBuf>> {
        if !self.dirty {
            return Ok(None);
        }
        self.check_damaged()?;
        let Some(path) = self.path() else {
            return Ok(None);
        };
        self.version = VERSION;
        crate::faults::fail("ledger")
            .map_err(|e| anyhow::Error::new(e).context(format!("writing {}", path.display())))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let data = self.to_json()?;
        // Claim ages are advisory for this checkout's tags; the entries of other checkouts
        // are kept in the journal too. No fsync, never torn, and the old file is renamed
        // aside before the new one is renamed in (a rename over it costs an ext4 flush).
        // Commands that change claims read it under the lock, where it is always there;
        // `status`, reading without the lock, may find it missing for that instant.
        let old = atomic::replace_unsynced(&path, &data)
            .map_err(|e| anyhow::Error::new(e).context(format!("writing {}", path.display())))?;
        if let Some(adopted) = self.adopted.take() {
            let _ = std::fs::remove_file(adopted);
        }
        self.dirty = false;
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(instance: u32, task: &str, at: &str) -> Entry {
        Entry {
            instance,
            task: task.into(),
            key: format!("#{task}"),
            number: Some(task.into()),
            title: format!("Task \"{task}\"\n"),
            claimed_at: crate::clock::rfc3339::parse(at).unwrap(),
            checkout: Some(Rc::new(Checkout {
                path: "/w/a".into(),
                branch: Some("main".into()),
                host: "h".into(),
            })),
            adopted: instance == 3,
        }
    }

    /// A version 2 file (each entry with its checkout) reads as before.
    #[test]
    fn version_2_reads() {
        let v2 = r##"{"version":2,"claims":[
{"instance":2,"task":"b9pb5","key":"#1.1.1","number":"1.1.1","title":"Task 1","claimed_at":"2026-12-06T21:53:14.538632359Z","checkout":{"path":"/tmp/a","branch":null,"host":"vm"}},
{"instance":3,"task":"rckju","title":"Task 2","claimed_at":"2026-12-06T21:53:14Z"}
]}"##;
        let s = ClaimStore::parse(v2.as_bytes()).unwrap();
        assert_eq!(s.claims.len(), 2);
        assert_eq!(s.claims[0].checkout().unwrap().path, "/tmp/a");
        assert_eq!(s.claims[0].key(), "#1.1.1");
        assert_eq!(s.claims[1].checkout(), None);
        assert_eq!(s.claims[1].key(), "rckju");
    }

    /// The file is written a line an entry, grouped by checkout (entries of two checkouts
    /// interleaved come back each with its own), and reads back as the same store.
    #[test]
    fn the_file_reads_back_as_written() {
        let mut s = ClaimStore {
            version: VERSION,
            claims: vec![
                entry(1, "1.1", "2026-01-15T10:00:00Z"),
                entry(2, "1.2", "2026-01-15T10:00:00.25+01:00"),
                entry(3, "1.3", "1970-01-01T00:00:00Z"),
            ],
            ..Default::default()
        };
        s.claims[1].checkout = Some(Rc::new(Checkout {
            path: "/w/b".into(),
            branch: None,
            host: "h".into(),
        }));
        for fetched in [None, Some(s.claims[1].claimed_at)] {
            s.fetched_at = fetched;
            let text = String::from_utf8(s.to_json().unwrap()).unwrap();
            assert_eq!(text.lines().count(), 7, "{text}");
            let back = ClaimStore::parse(text.as_bytes()).unwrap();
            assert_eq!(back.version, VERSION);
            let mut want = s.claims.clone();
            want.swap(1, 2); // grouped: /w/a's two claims, then /w/b's
            assert_eq!(back.claims, want);
            assert_eq!(back.fetched_at, s.fetched_at);
        }
        s.claims.clear();
        let back = ClaimStore::parse(&s.to_json().unwrap()).unwrap();
        assert!(back.claims.is_empty());
    }
}
