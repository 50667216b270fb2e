//! The store on a git remote: one ref per task, `refs/baton/claims/<id>`, each a chain of
//! commits, one per event (the commit message is the event's JSON, the tree empty), in
//! the manner of git-bug. The chains are the journal; the last event of a chain says who
//! holds the task. Claims on different tasks never contend on one ref.
//!
//! Reading is one `git fetch` of `refs/baton/claims/*` into `refs/baton-remote/NAME/…`
//! and one `git for-each-ref` of the tips; every change is a compare-and-swap: a commit
//! on the tip read, pushed with `--force-with-lease=REF:TIP` (an empty TIP: the ref must
//! not exist yet). A rejected push means someone else changed that task: read again,
//! decide again. All through the user's own `git`.

use super::git::{self, Out};
use super::{Entry, Event, JournalRead, Place};
use crate::error::{busy, invalid};
use chrono::{DateTime, FixedOffset};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where every task's chain lives on the remote (a plan in a subfolder of the
/// repository: `refs/baton/in/<path>/claims/`).
pub const PREFIX: &str = "refs/baton/claims/";
/// The empty tree every event commit carries.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
/// Events that leave the task held by the event's instance.
const HOLDING: &[&str] = &["claimed", "stolen", "forced"];

/// A configured remote, seen from one checkout.
pub struct Remote<'a> {
    pub name: &'a str,
    place: &'a Place,
    dir: PathBuf,
}

/// The tip of one task's chain.
#[derive(Debug, Clone)]
pub struct Tip {
    pub sha: String,
    pub event: Event,
}

/// The remote's state as last read: each task's tip, by ref id.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub tips: BTreeMap<String, Tip>,
}

impl State {
    /// The claims the tips hold, as store entries.
    pub fn entries(&self) -> Vec<Entry> {
        self.tips
            .values()
            .filter(|t| HOLDING.contains(&t.event.event.as_str()))
            .filter_map(|t| {
                let task = t.event.task.as_ref()?;
                Some(Entry {
                    instance: t.event.instance?,
                    task: task.reference.clone(),
                    key: task.key.clone(),
                    number: task.number.clone(),
                    title: task.title.clone(),
                    claimed_at: t.event.at,
                    checkout: Some(std::rc::Rc::new(t.event.checkout.clone())),
                    adopted: false,
                })
            })
            .collect()
    }

    pub fn tip(&self, key: &str) -> Option<&Tip> {
        self.tips.get(&ref_id(key))
    }
}

/// Why a push did not happen.
#[derive(Debug)]
pub enum PushError {
    /// The lease failed (someone changed the ref) or the server declined.
    Rejected(String),
    /// The remote could not be reached.
    Unreachable(String),
}

/// The id of a task's ref (`refs/baton/claims/<id>`): `n-2.3` for task number 2.3,
/// `r-<ref>` for an unnumbered task, `s-<ref>` for a heading; anything git would not
/// take in a ref name is hex-encoded (`x-…`).
pub fn ref_id(key: &str) -> String {
    let (prefix, rest) = if let Some(n) = key.strip_prefix('#') {
        ("n-", n)
    } else if let Some(s) = key.strip_prefix("s:") {
        ("s-", s)
    } else {
        ("r-", key)
    };
    let plain = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !rest.contains("..")
        && !rest.starts_with('.')
        && !rest.ends_with('.')
        && !rest.ends_with(".lock");
    if plain {
        format!("{prefix}{rest}")
    } else {
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        format!("x-{hex}")
    }
}

impl<'a> Remote<'a> {
    pub fn new(place: &'a Place, name: &'a str) -> anyhow::Result<Remote<'a>> {
        let Some(g) = &place.git else {
            return Err(invalid(format!(
                "a remote (`{name}`) is configured, but this workspace is not in a git repository"
            ))
            .hint("remove `remote:` from .baton.yaml (or unset BATON_REMOTE), or run `git init` and add the remote")
            .into());
        };
        Ok(Remote {
            name,
            place,
            dir: g.top.clone(),
        })
    }

    /// This plan's refs on the remote.
    fn prefix(&self) -> String {
        format!("refs/baton/{}claims/", self.place.ns)
    }

    /// This plan's refs as last fetched.
    fn tracking(&self) -> String {
        format!("refs/baton-remote/{}/{}claims/", self.name, self.place.ns)
    }

    fn git(&self, args: &[&str]) -> anyhow::Result<Out> {
        git::run(&self.dir, args, None)
    }

    /// Fetch every task's chain (one `git fetch`). Err: the remote could not be reached.
    pub fn fetch(&self) -> anyhow::Result<Result<(), String>> {
        let spec = format!("+{}*:{}*", self.prefix(), self.tracking());
        let out = self.git(&["fetch", "--quiet", "--no-tags", "--prune", self.name, &spec])?;
        Ok(if out.ok {
            Ok(())
        } else {
            Err(first_line(&out.stderr))
        })
    }

    /// The tips as last fetched (one `git for-each-ref`). A ref whose tip is not an event
    /// (a damaged ref) is an error naming it: nothing is decided on a state not understood.
    pub fn state(&self) -> anyhow::Result<State> {
        let out = self.git(&[
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(objecttype)%00%(contents)%00%1e",
            &self.tracking(),
        ])?;
        if !out.ok {
            return Err(anyhow::anyhow!(
                "git for-each-ref failed: {}",
                out.stderr.trim()
            ));
        }
        let mut state = State::default();
        for rec in out.stdout.split('\u{1e}') {
            let rec = rec.trim_start_matches('\n');
            if rec.is_empty() {
                continue;
            }
            let mut f = rec.split('\0');
            let (Some(name), Some(sha), Some(kind), Some(msg)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let id = name.trim_start_matches(&self.tracking()).to_string();
            let event = (kind == "commit")
                .then(|| serde_json::from_str::<Event>(msg.trim()).ok())
                .flatten();
            let Some(event) = event else {
                return Err(invalid(format!(
                    "the remote `{}` holds a damaged claim ref {}{id} ({sha}): its tip is not a baton event",
                    self.name,
                    self.prefix()
                ))
                .hint(format!(
                    "inspect it with `git show {sha}`; remove it with `git push {} :{}{id}` once that task is known to be free",
                    self.name,
                    self.prefix()
                ))
                .into());
            };
            state.tips.insert(
                id,
                Tip {
                    sha: sha.to_string(),
                    event,
                },
            );
        }
        Ok(state)
    }

    /// Append `event` to the chain of task `key`, whose tip was read as `old`: a commit on
    /// `old`, pushed with `old` as the lease. On success the tracking ref follows.
    pub fn push(
        &self,
        key: &str,
        old: Option<&str>,
        event: &Event,
        before: impl FnOnce(&str) -> anyhow::Result<()>,
    ) -> anyhow::Result<Result<String, PushError>> {
        let id = ref_id(key);
        let json = serde_json::to_string(event)?;
        let commit = self.commit(old, &json, event.at)?;
        before(&commit)?;
        let target = format!("{}{id}", self.prefix());
        let lease = format!("--force-with-lease={target}:{}", old.unwrap_or(""));
        let refspec = format!("{commit}:{target}");
        crate::faults::abort_at("before-push");
        let out = self.git(&[
            "push",
            "--porcelain",
            "--quiet",
            &lease,
            self.name,
            &refspec,
        ])?;
        crate::faults::abort_at("after-push");
        if out.ok {
            let _ = self.git(&["update-ref", &format!("{}{id}", self.tracking()), &commit]);
            return Ok(Ok(commit));
        }
        let all = format!("{}\n{}", out.stdout, out.stderr);
        Ok(Err(
            if all.contains("[rejected]")
                || all.contains("[remote rejected]")
                || all.contains("stale info")
            {
                PushError::Rejected(first_line(&all.replace('\t', " ")))
            } else {
                PushError::Unreachable(first_line(&out.stderr))
            },
        ))
    }

    fn commit(
        &self,
        parent: Option<&str>,
        message: &str,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<String> {
        let mut args = vec!["commit-tree", EMPTY_TREE];
        if let Some(p) = parent {
            args.extend(["-p", p]);
        }
        args.extend(["-m", message]);
        let date = at.to_rfc3339();
        let run = || {
            let mut cmd = std::process::Command::new("git");
            cmd.args(&args)
                .current_dir(&self.dir)
                .env("GIT_AUTHOR_NAME", "baton")
                .env("GIT_AUTHOR_EMAIL", "baton@localhost")
                .env("GIT_COMMITTER_NAME", "baton")
                .env("GIT_COMMITTER_EMAIL", "baton@localhost")
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date)
                .stdin(std::process::Stdio::null())
                .output()
        };
        let mut out = run()?;
        if !out.status.success() {
            // The empty tree is not stored in this repository yet: store it, then retry.
            let _ = git::run(
                &self.dir,
                &["hash-object", "-w", "-t", "tree", "--stdin"],
                Some(""),
            );
            out = run()?;
        }
        if !out.status.success() {
            return Err(anyhow::anyhow!(
                "git commit-tree failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Every event of every chain, oldest first (one `git log` over the tracking refs).
    pub fn events(&self) -> anyhow::Result<(Vec<Event>, usize)> {
        let glob = format!("--glob={}*", self.tracking());
        let out = self.git(&["log", "--reverse", "--topo-order", "--format=%B%x1e", &glob])?;
        if !out.ok {
            return Err(anyhow::anyhow!("git log failed: {}", out.stderr.trim()));
        }
        let mut bad = 0;
        let mut events: Vec<Event> = out
            .stdout
            .split('\u{1e}')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .filter_map(|m| match serde_json::from_str(m) {
                Ok(e) => Some(e),
                Err(_) => {
                    bad += 1;
                    None
                }
            })
            .collect();
        events.sort_by_key(|e: &Event| e.at);
        Ok((events, bad))
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message")
        .to_string()
}

/// The error of a changing command while the remote cannot be reached (exit 4).
pub fn unreachable(name: &str, why: &str) -> anyhow::Error {
    busy(format!(
        "the remote `{name}` that keeps the claims cannot be reached ({why}); nothing was changed"
    ))
    .hint(format!(
        "check the connection (`git fetch {name}`), then run the command again; read-only commands still answer from the last state read"
    ))
    .into()
}

/// The journal for `baton log` and `ess` with a remote: the chains as fetched now (or as
/// last fetched, when the remote cannot be reached), with this store's own events that
/// belong to no task (sessions written, files archived).
pub fn read_journal(place: &Place, name: &str) -> anyhow::Result<JournalRead> {
    let remote = Remote::new(place, name)?;
    let warning = match remote.fetch()? {
        Ok(()) => None,
        Err(why) => Some(format!(
            "the remote `{name}` cannot be reached ({why}): the journal as last fetched"
        )),
    };
    let (mut events, skipped) = remote.events()?;
    let (local, _) = super::journal::read(&place.dir)?;
    events.extend(local.into_iter().filter(|e| e.task.is_none()));
    events.sort_by_key(|e| e.at);
    let fetched_at = super::ClaimStore::load(place).fetched_at;
    Ok(JournalRead {
        events,
        source: "remote",
        skipped,
        fetched_at,
        warning,
    })
}
