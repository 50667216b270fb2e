//! The journal: one line of JSON per event (claimed, released, done, reopened, stolen,
//! forced, archived, session), appended under the store lock to `journal.jsonl` in the
//! store folder. With a remote, the commit chains of its refs are the journal instead.

use super::{Checkout, TaskId};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub const FILE: &str = "journal.jsonl";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// `claimed`, `released`, `done`, `reopened`, `stolen`, `forced`, `archived`, `session`.
    pub event: String,
    /// The instance that acted (none for `reopen` and `archive`, which take no instance).
    pub instance: Option<u32>,
    #[serde(with = "crate::clock::rfc3339")]
    pub at: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    pub checkout: Checkout,
    /// The command that did it (`claim`, `next`, `done`, ...).
    pub command: String,
    /// The instances whose claims this event ended (a steal, a forced release, a done).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<u32>,
    /// Free detail: the session file written, the file a spec was archived to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Event {
    pub fn new(
        event: &str,
        instance: Option<u32>,
        at: DateTime<FixedOffset>,
        task: Option<TaskId>,
        place: &super::Place,
        command: &str,
    ) -> Event {
        Event {
            event: event.to_string(),
            instance,
            at,
            task,
            checkout: place.here.clone(),
            command: command.to_string(),
            from: Vec::new(),
            detail: None,
        }
    }

    /// The instances whose claims this event ended.
    pub fn from(mut self, from: Vec<u32>) -> Event {
        self.from = from;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }
}

/// `archived` events for the files a lifecycle sweep moved.
pub fn archived(
    moves: impl IntoIterator<Item = (String, String)>,
    instance: Option<u32>,
    at: DateTime<FixedOffset>,
    place: &super::Place,
    command: &str,
) -> Vec<Event> {
    moves
        .into_iter()
        .map(|(from, to)| {
            Event::new("archived", instance, at, None, place, command)
                .detail(format!("{from} → {to}"))
        })
        .collect()
}

/// Append `events` to the journal in `dir` (one write; call under the store lock).
pub fn append(dir: &Path, events: &[Event]) -> anyhow::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut buf = Vec::new();
    for e in events {
        serde_json::to_writer(&mut buf, e)?;
        buf.push(b'\n');
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join(FILE);
    // Read too: a torn last line is looked for before appending.
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(|e| anyhow::Error::new(e).context(format!("opening {}", path.display())))?;
    // A killed run may have left a torn last line: start on a line of our own.
    if needs_newline(&mut f) {
        buf.insert(0, b'\n');
    }
    f.write_all(&buf)
        .map_err(|e| anyhow::Error::new(e).context(format!("writing {}", path.display())))?;
    Ok(())
}

fn needs_newline(f: &mut std::fs::File) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1)).is_ok() && f.read_exact(&mut last).is_ok() && last[0] != b'\n'
}

/// Every event in the journal in `dir`, oldest first. A line that does not parse (a torn
/// last line of a killed run, a hand edit) is skipped and counted.
pub fn read(dir: &Path) -> anyhow::Result<(Vec<Event>, usize)> {
    let text = match std::fs::read_to_string(dir.join(FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => {
            return Err(
                anyhow::Error::new(e).context(format!("reading {}", dir.join(FILE).display()))
            );
        }
    };
    let mut bad = 0;
    let events = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| match serde_json::from_str(l) {
            Ok(e) => Some(e),
            Err(_) => {
                bad += 1;
                None
            }
        })
        .collect();
    Ok((events, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_append_after_a_torn_line_starts_a_line_of_its_own() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(FILE), "{\"event\":\"claim").unwrap();
        let place = super::super::Place {
            dir: d.path().to_path_buf(),
            legacy: None,
            here: super::super::Checkout {
                path: "/w".into(),
                branch: None,
                host: "h".into(),
            },
            git: None,
            ns: String::new(),
        };
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-15T10:00:00+00:00").unwrap();
        append(
            d.path(),
            &[Event::new("done", Some(1), at, None, &place, "done")],
        )
        .unwrap();
        let (events, skipped) = read(d.path()).unwrap();
        assert_eq!(events.len(), 1, "the new event reads back");
        assert_eq!(events[0].event, "done");
        assert_eq!(skipped, 1, "the torn line is skipped, not merged");
    }
}
