//! How long this process lives: one command and exit (the CLI), or many calls (`baton mcp`).
//! A one-shot process leaks what it would only free at exit and ends itself on a lock
//! timeout; a serving one frees everything and turns the timeout into an error.

use std::sync::atomic::{AtomicBool, Ordering};

static SERVING: AtomicBool = AtomicBool::new(false);

/// From now on this process serves many calls (set once, by `baton mcp`).
pub fn set_serving() {
    SERVING.store(true, Ordering::Relaxed);
}

/// Whether this process serves many calls.
pub fn serving() -> bool {
    SERVING.load(Ordering::Relaxed)
}
