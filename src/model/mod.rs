//! The document model: TASKS.md and instance files parsed into spans over their text.
//!
//! Layer: above `config` and the primitives. It is handed text and never reads the disk
//! or the cache; its binary form for the cache lives in `cache::codec`.

pub mod coord;
pub mod deps;
pub mod edits;
pub mod frontmatter;
pub mod links;
pub mod rebase;
pub mod refs;
pub mod session;
pub mod shared;
pub mod spots;
pub mod stamp;
pub mod tasks;

pub use shared::Str;
pub use tasks::{Document, ParseEnv, Task, TaskKind};

/// Every markdown fixture of the test suite and the example workspace (and the corpus,
/// when `BATON_CORPUS_DIR` names it): `f(path, text)` for each; returns how many.
#[cfg(test)]
pub fn for_each_fixture(mut f: impl FnMut(&std::path::Path, String)) -> usize {
    fn walk(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path, String), n: &mut usize) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, f, n);
            } else if p.extension().is_some_and(|x| x == "md")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                f(&p, text);
                *n += 1;
            }
        }
    }
    let mut n = 0;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    walk(&root.join("tests/fixtures"), &mut f, &mut n);
    walk(&root.join("examples"), &mut f, &mut n);
    match std::env::var_os("BATON_CORPUS_DIR") {
        // A corpus asked for must be there.
        Some(dir) => {
            let before = n;
            walk(std::path::Path::new(&dir), &mut f, &mut n);
            assert!(
                n > before,
                "BATON_CORPUS_DIR={dir:?} holds no markdown file"
            );
        }
        None => assert!(
            std::env::var("CI").map_or(true, |v| v != "true" && v != "1"),
            "CI=true but BATON_CORPUS_DIR is not set: point it at the task-file corpus"
        ),
    }
    n
}
