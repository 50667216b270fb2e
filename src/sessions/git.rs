//! What git knows about the session: the HEAD, and the files created, modified and
//! deleted since a commit (untracked files included). git runs as a subprocess; no git,
//! or no repository, is not an error.

use std::path::Path;
use std::process::{Command, Stdio};

fn git(root: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// Whether `root` is inside a git work tree.
pub fn is_repo(root: &Path) -> bool {
    git(root, &["rev-parse", "--is-inside-work-tree"]).is_some_and(|o| o.starts_with(b"true"))
}

/// The commit HEAD points at; None outside a repository or before the first commit.
pub fn head(root: &Path) -> Option<String> {
    let o = git(root, &["rev-parse", "--verify", "-q", "HEAD"])?;
    let s = String::from_utf8(o).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Files changed in the work tree, relative to the root, `/`-separated and sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChanges {
    pub created: Vec<String>,
    pub modified: Vec<String>,
    pub deleted: Vec<String>,
    /// How they were found, e.g. `git diff 1a2b3c4 + untracked files`.
    pub source: String,
}

impl FileChanges {
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.created
            .iter()
            .chain(&self.modified)
            .chain(&self.deleted)
    }

    /// Drop paths for which `skip` is true.
    pub fn retain(&mut self, skip: impl Fn(&str) -> bool) {
        self.created.retain(|p| !skip(p));
        self.modified.retain(|p| !skip(p));
        self.deleted.retain(|p| !skip(p));
    }
}

fn nul_fields(b: &[u8]) -> Vec<String> {
    b.split(|&c| c == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// The changes between `base` (a commit; the current HEAD when None) and the work tree,
/// plus untracked files. None when `root` is not in a git repository or git is missing.
pub fn changes_since(root: &Path, base: Option<&str>) -> Option<FileChanges> {
    if !is_repo(root) {
        return None;
    }
    let mut c = FileChanges::default();
    let base = base.map(str::to_string).or_else(|| head(root));
    match &base {
        Some(b) => {
            let out = git(
                root,
                &[
                    "diff",
                    "--relative",
                    "--name-status",
                    "--no-renames",
                    "-z",
                    b.as_str(),
                    "--",
                ],
            )?;
            let f = nul_fields(&out);
            for pair in f.chunks(2) {
                let [status, path] = pair else { continue };
                match status.chars().next() {
                    Some('A') => c.created.push(path.clone()),
                    Some('D') => c.deleted.push(path.clone()),
                    _ => c.modified.push(path.clone()),
                }
            }
            c.source = format!("git diff {} and untracked files", &b[..b.len().min(12)]);
        }
        None => {
            let out = git(root, &["ls-files", "--cached", "-z"])?;
            c.created.extend(nul_fields(&out));
            c.source = "git ls-files (no commit yet)".into();
        }
    }
    let out = git(root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    c.created.extend(nul_fields(&out));
    for v in [&mut c.created, &mut c.modified, &mut c.deleted] {
        v.sort();
        v.dedup();
    }
    c.retain(|p| p.starts_with(".baton/"));
    Some(c)
}
