//! The workspace lock: `std::fs::File::lock` on the workspace's root folder (and on the
//! folder of a linked tasks file's target), which no `rm -rf .baton` or `git clean` can
//! delete while it is held; waited on for a bounded time. `.baton/lock` only names the
//! holder's pid for the waiting message, and, like every state file, is never followed
//! through a link.
//!
//! Layer: a primitive. How a wait that runs out ends is the caller's (`Waiting`).

use crate::error::{busy, invalid};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub const LOCK_FILE: &str = "lock";

/// State files that must be plain files, never links.
const STATE_FILES: [&str; 3] = [LOCK_FILE, "claims.json", crate::intent::FILE];

/// Held for as long as this value lives; the OS releases it if the process dies.
pub struct Lock {
    _held: Vec<File>,
}

/// What to do if the wait runs out: print the busy error and exit (never returns).
pub type OnTimeout = Box<dyn FnOnce(crate::error::BatonError) + Send>;

/// How a wait for the lock ends when it runs out.
#[derive(Clone, Copy)]
pub enum Waiting<'a> {
    /// Block on the lock; at the deadline a watchdog thread runs the callback this makes
    /// (a command-line process: print the busy error and exit).
    Exit(&'a dyn Fn() -> OnTimeout),
    /// Try the lock every 2 ms and return the busy error at the deadline (a process that
    /// goes on serving, `baton mcp`).
    Return,
}

/// Take the workspace lock: each folder of `dirs` in turn (the root first), each for at
/// most `wait`. A message goes to stderr once the wait passes a second; at the
/// deadline the wait ends as `waiting` says. Then refuses a state folder or state file
/// that is a link, and records the pid in `<state_dir>/lock`.
pub fn acquire(
    dirs: &[PathBuf],
    state_dir: &Path,
    wait: Duration,
    waiting: Waiting<'_>,
) -> anyhow::Result<Lock> {
    let pid_file = state_dir.join(LOCK_FILE);
    let mut held = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let file = lock_dir(dir, &pid_file, wait, waiting)?;
        held.push(file);
    }
    check_state(state_dir)?;
    std::fs::create_dir_all(state_dir)
        .map_err(|e| anyhow::Error::new(e).context(format!("creating {}", state_dir.display())))?;
    // Record the holder for the waiting message (best effort), padded to one width and
    // written over the last one: truncating the file first cost 0.6 ms inside the lock.
    match crate::atomic::open_nofollow(
        &pid_file,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    ) {
        Ok(mut f) => {
            let _ = f.rewind();
            // One write (the padding is part of it).
            let _ = f.write_all(format!("{:<20}\n", std::process::id()).as_bytes());
        }
        Err(e) if crate::atomic::is_link_error(&e) => return Err(link_error(state_dir, LOCK_FILE)),
        Err(_) => {}
    }
    crate::faults::pause(crate::faults::LOCKED);
    Ok(Lock { _held: held })
}

fn lock_dir(
    dir: &Path,
    pid_file: &Path,
    wait: Duration,
    waiting: Waiting<'_>,
) -> anyhow::Result<File> {
    let file = File::open(dir)
        .map_err(|e| anyhow::Error::new(e).context(format!("opening {}", dir.display())))?;
    let start = std::time::Instant::now();
    match (file.try_lock(), waiting) {
        (Ok(()), _) => Ok(file),
        (Err(std::fs::TryLockError::WouldBlock), Waiting::Return) => loop {
            if start.elapsed() >= wait {
                return Err(timed_out(pid_file, wait).into());
            }
            std::thread::sleep(Duration::from_millis(2));
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(anyhow::Error::new(e).context(format!("locking {}", dir.display())));
                }
            }
        },
        (Err(std::fs::TryLockError::WouldBlock), Waiting::Exit(on_timeout)) => {
            let done = Arc::new(AtomicBool::new(false));
            let watcher = {
                let done = done.clone();
                let path = pid_file.to_path_buf();
                let on_timeout = on_timeout();
                std::thread::spawn(move || watchdog(&path, wait, &done, on_timeout))
            };
            let r = file.lock();
            done.store(true, Ordering::SeqCst);
            drop(watcher);
            r.map_err(|e| anyhow::Error::new(e).context("locking the workspace"))?;
            Ok(file)
        }
        (Err(std::fs::TryLockError::Error(e)), _) => {
            Err(anyhow::Error::new(e).context(format!("locking {}", dir.display())))
        }
    }
}

/// Refuse a state folder or state file that is a symbolic link.
fn check_state(state_dir: &Path) -> anyhow::Result<()> {
    let is_link = crate::atomic::is_link;
    let dir = dir_name(state_dir);
    if is_link(state_dir) {
        return Err(invalid(format!(
            "{dir} is a symbolic link; baton keeps its state only in a real folder and never follows a link there"
        ))
        .hint(format!(
            "remove the link (`rm {dir}`), then run the command again"
        ))
        .into());
    }
    for f in STATE_FILES {
        if is_link(&state_dir.join(f)) {
            return Err(link_error(state_dir, f));
        }
    }
    Ok(())
}

fn dir_name(state_dir: &Path) -> String {
    state_dir.file_name().map_or_else(
        || state_dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn link_error(state_dir: &Path, file: &str) -> anyhow::Error {
    let rel = format!("{}/{file}", dir_name(state_dir));
    invalid(format!(
        "{rel} is a symbolic link; baton never follows a link for its state files, and changed nothing"
    ))
    .hint(format!(
        "remove the link (`rm {rel}`), then run the command again"
    ))
    .into()
}

fn watchdog(path: &Path, wait: Duration, done: &AtomicBool, on_timeout: OnTimeout) {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    let mut told = false;
    while waited < wait {
        std::thread::sleep(step.min(wait - waited));
        waited += step;
        if done.load(Ordering::SeqCst) {
            return;
        }
        if !told && waited >= Duration::from_secs(1) {
            told = true;
            eprintln!(
                "baton: waiting for the workspace lock ({}{}), up to {}s ...",
                path.display(),
                holder(path)
                    .map(|p| format!(", held by pid {p}"))
                    .unwrap_or_default(),
                wait.as_secs_f64()
            );
        }
    }
    if done.load(Ordering::SeqCst) {
        return;
    }
    on_timeout(timed_out(path, wait));
}

/// The busy error of a wait for the lock that ran out.
fn timed_out(path: &Path, wait: Duration) -> crate::error::BatonError {
    busy(format!(
        "the workspace is locked by {} and stayed locked for {}s",
        holder(path)
            .map(|p| format!("another baton command (pid {p})"))
            .unwrap_or_else(|| "another process".into()),
        wait.as_secs_f64()
    ))
    .hint("try again, or wait longer with `--wait SECS`")
}

fn holder(path: &Path) -> Option<String> {
    let mut s = String::new();
    crate::atomic::open_nofollow(path, OpenOptions::new().read(true))
        .ok()?
        .read_to_string(&mut s)
        .ok()?;
    let s = s.trim().to_string();
    (!s.is_empty() && still_baton(&s)).then_some(s)
}

/// Whether the recorded holder is a running baton: the pid stays in the file after its
/// run, and another program may hold the lock now. Without `/proc`, trust the record.
fn still_baton(pid: &str) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "baton")
}
