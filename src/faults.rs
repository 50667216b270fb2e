//! Test-only fault hooks: kill the process at a numbered write point, make a commit step
//! or a named write fail, pause inside the lock or at a named point. Compiled into every
//! build but inert unless its environment variable is set; the kill and fail variables
//! are read once. Only the test suite sets them.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `BATON_TEST_KILL_AT_STEP=N`: abort (no destructors, no cleanup, as a SIGKILL would)
/// at the N-th write point (0-based) this process reaches.
pub const KILL_ENV: &str = "BATON_TEST_KILL_AT_STEP";
/// `BATON_TEST_FAIL=NAME[,NAME]`: the named writes fail with an I/O error (`ledger`).
pub const FAIL_ENV: &str = "BATON_TEST_FAIL";
/// `BATON_TEST_FAIL_AT_STEP=N`: a commit fails (and rolls back) before its step N (0-based).
pub const FAIL_AT_STEP_ENV: &str = "BATON_TEST_FAIL_AT_STEP";
/// `BATON_TEST_ABORT_AT=NAME`: abort at the named point (`before-push`, `after-push`).
pub const ABORT_AT_ENV: &str = "BATON_TEST_ABORT_AT";

struct Hooks {
    kill_at: Option<usize>,
    abort_at: Option<String>,
    fail: Vec<String>,
    fail_at_step: Option<usize>,
}

fn hooks() -> &'static Hooks {
    static H: OnceLock<Hooks> = OnceLock::new();
    H.get_or_init(|| Hooks {
        kill_at: std::env::var(KILL_ENV).ok().and_then(|v| v.parse().ok()),
        abort_at: std::env::var(ABORT_AT_ENV).ok(),
        fail: std::env::var(FAIL_ENV)
            .map(|v| v.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        fail_at_step: std::env::var(FAIL_AT_STEP_ENV)
            .ok()
            .and_then(|v| v.parse().ok()),
    })
}

static POINTS: AtomicUsize = AtomicUsize::new(0);

/// A write point: with `BATON_TEST_KILL_AT_STEP=N`, the N-th one reached aborts.
pub fn point() {
    let Some(at) = hooks().kill_at else { return };
    if POINTS.fetch_add(1, Ordering::SeqCst) == at {
        std::process::abort();
    }
}

/// A named point: with `BATON_TEST_ABORT_AT=NAME`, the process dies here (as a SIGKILL
/// would), so tests can stop a command between two steps.
pub fn abort_at(point: &str) {
    if hooks().abort_at.as_deref() == Some(point) {
        std::process::abort();
    }
}

/// Whether a commit is to fail before its step `i`.
pub fn fail_at_step(i: usize) -> bool {
    hooks().fail_at_step == Some(i)
}

/// An injected I/O error for the write named `name`, when `BATON_TEST_FAIL` names it.
pub fn fail(name: &str) -> std::io::Result<()> {
    if hooks().fail.iter().any(|f| f == name) {
        return Err(std::io::Error::other(format!(
            "injected failure of the {name} write ({FAIL_ENV})"
        )));
    }
    Ok(())
}

/// `BATON_TEST_PAUSE=<point>[,<point>...]:<dir>`: on reaching a listed pause point the
/// process creates `<dir>/<point>.reached` (holding its pid) and waits until
/// `<dir>/<point>.go` exists (at most a minute, then it goes on), then removes its
/// `.reached`. While `.go` exists later visits pass straight through. A test acts at exactly that moment (saves "as an
/// editor", starts a second command), every run.
pub const PAUSE_AT_ENV: &str = "BATON_TEST_PAUSE";

/// Right after the workspace lock is taken.
pub const LOCKED: &str = "locked";
/// After reading the files a transaction changes, before writing the first of them.
pub const BEFORE_WRITE: &str = "before-write";
/// After a swap displaced a save baton had not read, before swapping it back.
pub const BEFORE_SWAP_BACK: &str = "before-swap-back";

/// Stop at `point` if `BATON_TEST_PAUSE` names it.
pub fn pause(point: &str) {
    let Some(v) = std::env::var_os(PAUSE_AT_ENV) else {
        return;
    };
    let v = v.to_string_lossy();
    let Some((points, dir)) = v.split_once(':') else {
        return;
    };
    if !points.split(',').any(|p| p == point) {
        return;
    }
    let dir = std::path::Path::new(dir);
    let go = dir.join(format!("{point}.go"));
    if go.exists() {
        return;
    }
    // Written aside and renamed: a test that sees the file reads the whole pid.
    let aside = dir.join(format!("{point}.reached.{}", std::process::id()));
    let _ = std::fs::write(&aside, std::process::id().to_string());
    let _ = std::fs::rename(&aside, dir.join(format!("{point}.reached")));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !go.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // Gone on: a test that then removes `.go` stops the next visit again.
    let _ = std::fs::remove_file(dir.join(format!("{point}.reached")));
}
