//! Whether files exist, for many paths under one root: a folder that does not exist
//! answers for everything in it with one `stat`, and on Linux a folder asked about many
//! times is listed once instead of `stat`-ing each name (a 100k-task plan links some 30k
//! spec files). Answers are those of `Path::exists`: symlinks are followed.

use crate::text::FastMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Distinct names looked up in one folder after which it is listed instead.
const LIST_AFTER: u32 = 16;

enum Folder {
    Missing,
    /// Names looked up so far, and whether each exists.
    Asked(FastMap<OsString, bool>),
    /// Entry name → whether it is a symlink (then its target is checked).
    Listed(FastMap<OsString, bool>),
}

pub struct Exists<'r> {
    root: &'r Path,
    folders: FastMap<PathBuf, Folder>,
    /// The folder of the last path asked about, when it is missing: links come in runs
    /// into one folder, and this answers them without taking the path apart.
    last_missing: Option<Vec<u8>>,
}

impl<'r> Exists<'r> {
    pub fn new(root: &'r Path) -> Self {
        Exists {
            root,
            folders: FastMap::default(),
            last_missing: None,
        }
    }

    /// Whether `rel` (relative to the root, lexically normalised) exists.
    pub fn check(&mut self, rel: &Path) -> bool {
        let bytes = rel.as_os_str().as_encoded_bytes();
        let folder = bytes
            .iter()
            .rposition(|&b| b == b'/')
            .filter(|&cut| !bytes[cut..].contains(&b'\\'))
            .map(|cut| &bytes[..cut]);
        if folder.is_some() && folder == self.last_missing.as_deref() {
            return false;
        }
        let (exists, folder_missing) = self.check_slow(rel);
        self.last_missing = folder.filter(|_| folder_missing).map(<[u8]>::to_vec);
        exists
    }

    /// Whether `rel` exists, and whether that is because its folder does not.
    fn check_slow(&mut self, rel: &Path) -> (bool, bool) {
        let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
            return (self.root.join(rel).exists(), false);
        };
        let root = self.root;
        if !self.folders.contains_key(parent) {
            let f = if root.join(parent).is_dir() {
                Folder::Asked(FastMap::default())
            } else {
                Folder::Missing
            };
            self.folders.insert(parent.to_path_buf(), f);
        }
        let folder = self.folders.get_mut(parent).expect("just inserted");
        let exists = match folder {
            Folder::Missing => return (false, true),
            Folder::Listed(names) => match names.get(name) {
                Some(false) => true,
                Some(true) => root.join(rel).exists(),
                None => false,
            },
            Folder::Asked(seen) => {
                if let Some(&e) = seen.get(name) {
                    return (e, false);
                }
                if seen.len() + 1 >= LIST_AFTER as usize
                    && cfg!(target_os = "linux")
                    && let Some(names) = list(&root.join(parent))
                {
                    *folder = Folder::Listed(names);
                    return self.check_slow(rel);
                }
                let e = root.join(rel).exists();
                seen.insert(name.to_os_string(), e);
                e
            }
        };
        (exists, false)
    }
}

fn list(dir: &Path) -> Option<FastMap<OsString, bool>> {
    let mut names = FastMap::default();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        let symlink = e.file_type().ok()?.is_symlink();
        names.insert(e.file_name(), symlink);
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_like_path_exists() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("docs/specs")).unwrap();
        for i in 0..40 {
            if i % 3 == 0 {
                std::fs::write(root.join(format!("docs/specs/{i}.md")), "x").unwrap();
            }
        }
        std::fs::create_dir(root.join("docs/specs/sub")).unwrap();
        std::fs::write(root.join("top.md"), "x").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("0.md", root.join("docs/specs/good-link.md")).unwrap();
            std::os::unix::fs::symlink("nowhere.md", root.join("docs/specs/bad-link.md")).unwrap();
        }
        std::fs::write(root.join("file"), "x").unwrap();
        let mut names: Vec<String> = (0..40).map(|i| format!("docs/specs/{i}.md")).collect();
        names.extend(
            [
                "docs/specs/sub",
                "docs/specs/good-link.md",
                "docs/specs/bad-link.md",
                "docs/specs/0.MD",
                "top.md",
                "nope.md",
                "missing/dir/x.md",
                "missing/dir/y.md",
                "missing/dir/sub/z.md",
                "missing/dirx.md",
                "file/x.md",
                "file/y.md",
                "docs/specs/3.md",
                "docs",
                "",
            ]
            .map(String::from),
        );
        let mut e = Exists::new(root);
        // Twice over, so that the folder is listed for the second half.
        for _ in 0..2 {
            for n in &names {
                assert_eq!(e.check(Path::new(n)), root.join(n).exists(), "{n}");
            }
        }
        assert!(
            matches!(
                e.folders.get(Path::new("docs/specs")),
                Some(Folder::Listed(_))
            ) || !cfg!(target_os = "linux")
        );
    }
}
