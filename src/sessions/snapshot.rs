//! The session-start snapshot under `.baton/sessions/`: when the session started, the git
//! HEAD, and every task's state by ref, so that `ess` knows what happened since.

use crate::atomic;
use crate::model::Document;
use crate::workspace::Workspace;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TaskState {
    #[serde(rename = "ref")]
    pub reference: String,
    pub label: String,
    pub done: bool,
    pub claimed_by: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub version: u32,
    pub instance: u32,
    pub started_at: DateTime<FixedOffset>,
    pub git_head: Option<String>,
    pub tasks: Vec<TaskState>,
    /// The session number of the entry `ess` wrote in this session, if it ran: a second
    /// `ess` before the next `start` replaces that entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ess_session: Option<u32>,
}

impl Snapshot {
    pub fn take(
        doc: &Document,
        instance: u32,
        now: DateTime<FixedOffset>,
        git_head: Option<String>,
    ) -> Snapshot {
        let tasks = (0..doc.tasks.len())
            .map(|i| TaskState {
                reference: doc.tasks[i].reference.to_string(),
                label: doc.label(i),
                done: doc.tasks[i].done,
                claimed_by: doc.claimants(i),
            })
            .collect();
        Snapshot {
            version: 1,
            instance,
            started_at: now,
            git_head,
            tasks,
            ess_session: None,
        }
    }

    /// Where instance `n`'s snapshot lives.
    pub fn path(ws: &Workspace, n: u32) -> PathBuf {
        ws.state_dir()
            .join("sessions")
            .join(format!("instance_{n:03}.json"))
    }

    /// The path shown to users, relative to the root.
    pub fn rel(n: u32) -> String {
        format!(
            "{}/sessions/instance_{n:03}.json",
            crate::workspace::STATE_DIR
        )
    }

    /// Instance `n`'s snapshot; None when there is none or it cannot be read.
    pub fn load(ws: &Workspace, n: u32) -> Option<Snapshot> {
        let b = atomic::read_nofollow(&Self::path(ws, n)).ok()?;
        serde_json::from_slice(&b).ok()
    }

    pub fn save(&self, ws: &Workspace) -> anyhow::Result<()> {
        let p = Self::path(ws, self.instance);
        // State files are never written through links.
        let state = ws.state_dir();
        if let Some(link) = [state.clone(), state.join("sessions"), p.clone()]
            .into_iter()
            .find(|x| atomic::is_link(x))
        {
            return Err(crate::error::invalid(format!(
                "{} is a symbolic link; baton never follows a link for its state files, and changed nothing",
                ws.show(&link)
            ))
            .hint(format!("remove the link (`rm {}`), then run the command again", ws.show(&link)))
            .into());
        }
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| anyhow::Error::new(e).context(format!("creating {}", d.display())))?;
        }
        let data = serde_json::to_vec_pretty(self)?;
        atomic::write(&p, &data, None).map_err(|e| match e {
            atomic::WriteError::Io(e) => {
                anyhow::Error::new(e).context(format!("writing {}", Self::rel(self.instance)))
            }
            atomic::WriteError::Changed => anyhow::anyhow!("internal: unexpected conflict"),
        })
    }

    pub fn remove(ws: &Workspace, n: u32) {
        let _ = std::fs::remove_file(Self::path(ws, n));
    }

    pub fn task(&self, reference: &str) -> Option<&TaskState> {
        self.tasks.iter().find(|t| t.reference == reference)
    }
}
