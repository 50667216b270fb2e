//! The store on a git remote: one ref per task, `refs/baton/claims/<id>`, each a chain of
//! commits, one per event (the commit message is the event's JSON, the tree empty). The
//! chains are the journal; the last event of a chain says who holds the task.

use super::{JournalRead, Place};

pub fn read_journal(_place: &Place, name: &str) -> anyhow::Result<JournalRead> {
    Err(anyhow::anyhow!("remote {name}: not yet"))
}
