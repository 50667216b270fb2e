//! The workspace lock: one file under `.baton/` that is never renamed, locked with
//! `std::fs::File::lock`, waited on for a bounded time.

use crate::error::busy;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub const LOCK_FILE: &str = "lock";

/// Held for as long as this value lives; the OS releases it if the process dies.
pub struct Lock {
    _file: File,
}

/// What to do if the wait runs out: print the busy error and exit (never returns).
pub type OnTimeout = Box<dyn FnOnce(crate::error::BatonError) + Send>;

/// Take the lock on `<state_dir>/lock`, waiting at most `wait`. A message goes to stderr
/// once the wait passes a second; at the deadline `on_timeout` runs with a busy error.
pub fn acquire(state_dir: &Path, wait: Duration, on_timeout: OnTimeout) -> anyhow::Result<Lock> {
    std::fs::create_dir_all(state_dir)
        .map_err(|e| anyhow::Error::new(e).context(format!("creating {}", state_dir.display())))?;
    let path = state_dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| anyhow::Error::new(e).context(format!("opening {}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let done = Arc::new(AtomicBool::new(false));
            let watcher = {
                let done = done.clone();
                let path = path.clone();
                std::thread::spawn(move || watchdog(&path, wait, &done, on_timeout))
            };
            let r = file.lock();
            done.store(true, Ordering::SeqCst);
            drop(watcher);
            r.map_err(|e| anyhow::Error::new(e).context("locking the workspace"))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(anyhow::Error::new(e).context(format!("locking {}", path.display())));
        }
    }
    // Record the holder for the waiting message (best effort), padded to one width and
    // written over the last one: truncating the file first cost 0.6 ms inside the lock.
    let _ = file.rewind();
    let _ = writeln!(file, "{:<20}", std::process::id());
    Ok(Lock { _file: file })
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
    on_timeout(
        busy(format!(
            "the workspace is locked by {} and stayed locked for {}s",
            holder(path)
                .map(|p| format!("another baton command (pid {p})"))
                .unwrap_or_else(|| "another process".into()),
            wait.as_secs_f64()
        ))
        .hint("try again, or wait longer with `--wait SECS`"),
    );
}

fn holder(path: &Path) -> Option<String> {
    let mut s = String::new();
    File::open(path).ok()?.read_to_string(&mut s).ok()?;
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
