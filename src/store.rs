//! The claim store: when each claim was taken. TASKS.md stays the source of truth for
//! who holds what; this ledger under `.baton/` only adds ages. A tag added by hand is a
//! claim of unknown age, and an entry whose tag is gone is dropped.
//!
//! Everything about where claim times live is behind this module, so that a later store
//! (shared across worktrees through git) can replace it.

use crate::atomic;
use crate::workspace::Workspace;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

const FILE: &str = "claims.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub instance: u32,
    /// The task's ref (`s:` refs for heading claims).
    pub task: String,
    pub title: String,
    pub claimed_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClaimStore {
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub claims: Vec<Entry>,
    #[serde(skip)]
    dirty: bool,
}

impl ClaimStore {
    fn path(ws: &Workspace) -> PathBuf {
        ws.state_dir().join(FILE)
    }

    /// Load the ledger; a missing or unreadable ledger is empty (ages become unknown).
    pub fn load(ws: &Workspace) -> ClaimStore {
        atomic::read_nofollow(&Self::path(ws))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn since(&self, instance: u32, task: &str) -> Option<DateTime<FixedOffset>> {
        self.claims
            .iter()
            .find(|e| e.instance == instance && e.task == task)
            .map(|e| e.claimed_at)
    }

    pub fn record(&mut self, instance: u32, task: &str, title: &str, at: DateTime<FixedOffset>) {
        self.remove(instance, task);
        self.claims.push(Entry {
            instance,
            task: task.to_string(),
            title: title.to_string(),
            claimed_at: at,
        });
        self.dirty = true;
    }

    pub fn remove(&mut self, instance: u32, task: &str) {
        let before = self.claims.len();
        self.claims
            .retain(|e| !(e.instance == instance && e.task == task));
        self.dirty |= self.claims.len() != before;
    }

    /// Drop entries whose claim no longer exists; `held(instance, task)` says whether it does.
    pub fn reconcile(&mut self, held: impl Fn(u32, &str) -> bool) {
        let before = self.claims.len();
        self.claims.retain(|e| held(e.instance, &e.task));
        self.dirty |= self.claims.len() != before;
    }

    /// Write the ledger if it changed. Call while holding the workspace lock.
    pub fn save(&mut self, ws: &Workspace) -> anyhow::Result<()> {
        if let Some(old) = self.save_aside(ws)? {
            let _ = std::fs::remove_file(old);
        }
        Ok(())
    }

    /// `save`, leaving the ledger it replaces under another name, returned for the caller
    /// to remove after the lock is released.
    pub fn save_aside(&mut self, ws: &Workspace) -> anyhow::Result<Option<std::path::PathBuf>> {
        if !self.dirty {
            return Ok(None);
        }
        self.version = 1;
        crate::faults::fail("ledger")
            .map_err(|e| anyhow::Error::new(e).context("writing .baton/claims.json"))?;
        let dir = ws.state_dir();
        std::fs::create_dir_all(&dir)?;
        let data = serde_json::to_vec_pretty(self)?;
        // Claim ages are advisory (TASKS.md holds the claims): no fsync, never torn, and the
        // old ledger is renamed aside before the new one is renamed in (a rename over it
        // costs an ext4 flush). Commands that change claims read it under the lock, where
        // it is always there; `status`, reading without the lock, may find it missing for
        // that instant and show ages as unknown.
        let old = atomic::replace_unsynced(&Self::path(ws), &data)
            .map_err(|e| anyhow::Error::new(e).context("writing .baton/claims.json"))?;
        self.dirty = false;
        Ok(old)
    }
}
