//! File-system facts the link rules need, each path looked at once: whether it exists and
//! whether it is reached through a symlink. One `lstat` per distinct path prefix.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    Missing,
    /// Exists, reached through the symlink at this path (relative to the root).
    Symlink(PathBuf),
    Exists,
}

pub struct FsCache {
    root: PathBuf,
    cache: HashMap<PathBuf, PathState>,
}

impl FsCache {
    pub fn new(root: &Path) -> FsCache {
        FsCache {
            root: root.to_path_buf(),
            cache: HashMap::new(),
        }
    }

    /// The state of `rel` (relative to the root, lexically normalised).
    pub fn state(&mut self, rel: &Path) -> PathState {
        if let Some(s) = self.cache.get(rel) {
            return s.clone();
        }
        let parent_state = match rel.parent() {
            Some(p) if !p.as_os_str().is_empty() => self.state(p),
            _ => PathState::Exists,
        };
        let state = match parent_state {
            PathState::Missing => PathState::Missing,
            PathState::Symlink(at) => {
                if self.root.join(rel).exists() {
                    PathState::Symlink(at)
                } else {
                    PathState::Missing
                }
            }
            PathState::Exists => match std::fs::symlink_metadata(self.root.join(rel)) {
                Err(_) => PathState::Missing,
                Ok(m) if m.file_type().is_symlink() => {
                    if self.root.join(rel).exists() {
                        PathState::Symlink(rel.to_path_buf())
                    } else {
                        PathState::Missing
                    }
                }
                Ok(_) => PathState::Exists,
            },
        };
        self.cache.insert(rel.to_path_buf(), state.clone());
        state
    }

    pub fn exists(&mut self, rel: &Path) -> bool {
        self.state(rel) != PathState::Missing
    }
}

/// Regular `.md` files under `dir` (relative to the root), recursively, sorted; hidden files
/// and `README.md`/`INDEX.md` (folder indexes) are skipped.
pub fn markdown_files(root: &Path, dir: &str) -> Vec<PathBuf> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>, depth: usize) {
        let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let Ok(ft) = e.file_type() else { continue };
            let p = rel.join(name);
            if ft.is_dir() && depth < 8 {
                walk(root, &p, out, depth + 1);
            } else if ft.is_file() {
                let lower = name.to_ascii_lowercase();
                if lower.ends_with(".md") && lower != "readme.md" && lower != "index.md" {
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    let dir = dir.trim_end_matches('/');
    if !dir.is_empty() {
        walk(root, Path::new(dir), &mut out, 0);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::fs::write(d.path().join("a/b/c.md"), "x").unwrap();
        let mut fs = FsCache::new(d.path());
        assert_eq!(fs.state(Path::new("a/b/c.md")), PathState::Exists);
        assert_eq!(fs.state(Path::new("a/x/c.md")), PathState::Missing);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.path().join("a"), d.path().join("l")).unwrap();
            assert_eq!(
                fs.state(Path::new("l/b/c.md")),
                PathState::Symlink("l".into())
            );
            assert_eq!(fs.state(Path::new("l/b/nope.md")), PathState::Missing);
        }
        assert_eq!(
            markdown_files(d.path(), "a"),
            vec![PathBuf::from("a/b/c.md")]
        );
    }
}
