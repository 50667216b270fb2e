//! Test-only pause points: a process stops at a named point until a test lets it go, so a
//! test can act (save "as an editor", start a second command) at exactly that moment, every
//! run. Inert unless `BATON_TEST_PAUSE` is set.
//!
//! `BATON_TEST_PAUSE=<point>[,<point>...]:<dir>`: on reaching a listed point the process
//! creates `<dir>/<point>.reached` and waits until `<dir>/<point>.go` exists (at most a
//! minute, then it goes on). Once `.go` exists, later visits pass straight through.

use std::path::Path;
use std::time::{Duration, Instant};

pub const PAUSE_ENV: &str = "BATON_TEST_PAUSE";

/// After reading the files a transaction changes, before writing the first of them.
pub const BEFORE_WRITE: &str = "before-write";
/// After a swap displaced a save baton had not read, before swapping it back.
pub const BEFORE_SWAP_BACK: &str = "before-swap-back";

/// Stop at `point` if `BATON_TEST_PAUSE` names it.
pub fn pause(point: &str) {
    let Some(v) = std::env::var_os(PAUSE_ENV) else {
        return;
    };
    let v = v.to_string_lossy();
    let Some((points, dir)) = v.split_once(':') else {
        return;
    };
    if !points.split(',').any(|p| p == point) {
        return;
    }
    let dir = Path::new(dir);
    let go = dir.join(format!("{point}.go"));
    if go.exists() {
        return;
    }
    let _ = std::fs::write(
        dir.join(format!("{point}.reached")),
        std::process::id().to_string(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !go.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
}
