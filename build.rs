//! Stamps the binary with a fingerprint of the sources that decide what a parsed TASKS.md
//! model holds, so that a cached model written by a different build is never read back
//! (`src/cache.rs`).

use std::hash::{Hash, Hasher};
use std::path::Path;

const MODEL_SOURCES: &[&str] = &[
    "src/model",
    "src/text.rs",
    "src/config.rs",
    "src/cache",
    "Cargo.lock",
];

fn main() {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for src in MODEL_SOURCES {
        println!("cargo:rerun-if-changed={src}");
        feed(Path::new(src), &mut h);
    }
    println!("cargo:rustc-env=BATON_MODEL_ID={:016x}", h.finish());
}

/// Hash a file, or every file under a folder in name order.
fn feed(p: &Path, h: &mut impl Hasher) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            feed(&e, h);
        }
    } else if let Ok(bytes) = std::fs::read(p) {
        p.to_string_lossy().hash(h);
        bytes.hash(h);
    }
}
