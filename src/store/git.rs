//! Where git keeps a checkout's data, found by reading files (no `git` process on the hot
//! path), and the `git` process calls of the remote store (the user's own `git`, so that
//! credentials, ssh config and proxies just work).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A checkout's git directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitDirs {
    /// The checkout's own git dir (`.git`, or `.git/worktrees/NAME` for a worktree).
    pub git_dir: PathBuf,
    /// The directory every worktree of the repository shares.
    pub common_dir: PathBuf,
    /// The top of the checkout (the folder holding `.git`).
    pub top: PathBuf,
}

/// Find the git dirs of the checkout holding `dir`: walk up to the first `.git`, a folder
/// (a main checkout) or a file `gitdir: X` (a worktree or submodule), whose `X/commondir`
/// names the common dir relative to X.
pub fn find(dir: &Path) -> Option<GitDirs> {
    for d in dir.ancestors() {
        let dot = d.join(".git");
        let Ok(meta) = std::fs::metadata(&dot) else {
            continue;
        };
        if meta.is_dir() {
            return Some(GitDirs {
                git_dir: dot.clone(),
                common_dir: dot,
                top: d.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(&dot).ok()?;
        let x = text.trim().strip_prefix("gitdir:")?.trim();
        let git_dir = d.join(x);
        let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
            Ok(c) => git_dir.join(c.trim()),
            Err(_) => git_dir.clone(),
        };
        return Some(GitDirs {
            git_dir,
            common_dir,
            top: d.to_path_buf(),
        });
    }
    None
}

/// The branch checked out (from `HEAD`), or None on a detached HEAD.
pub fn branch(dirs: &GitDirs) -> Option<String> {
    let head = std::fs::read_to_string(dirs.git_dir.join("HEAD")).ok()?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_string)
}

/// This machine's name, for the checkout a claim was made in (`uname`'s node name: one
/// system call, on every Unix).
pub fn host() -> String {
    Some(rustix::system::uname())
        .map(|u| u.nodename().to_string_lossy().trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The outcome of one `git` call.
pub struct Out {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run the user's `git` in `dir` with `args`, feeding `input` on stdin. No prompts: a
/// remote asking for a password fails instead of hanging an agent.
pub fn run(dir: &Path, args: &[&str], input: Option<&str>) -> anyhow::Result<Out> {
    use std::io::Write;
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow::Error::new(e).context("running git (is it installed?)"))?;
    if let Some(text) = input
        && let Some(mut stdin) = child.stdin.take()
    {
        let _ = stdin.write_all(text.as_bytes());
    }
    let out = child.wait_with_output()?;
    Ok(Out {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_main_and_worktree_dirs() {
        let d = tempfile::tempdir().unwrap();
        let main = d.path().join("m");
        std::fs::create_dir_all(main.join(".git/worktrees/w")).unwrap();
        std::fs::write(main.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        let w = d.path().join("w");
        std::fs::create_dir_all(w.join("sub")).unwrap();
        std::fs::write(
            w.join(".git"),
            format!("gitdir: {}\n", main.join(".git/worktrees/w").display()),
        )
        .unwrap();
        std::fs::write(main.join(".git/worktrees/w/commondir"), "../..\n").unwrap();
        std::fs::write(
            main.join(".git/worktrees/w/HEAD"),
            "ref: refs/heads/feature/x\n",
        )
        .unwrap();
        let m = find(&main).unwrap();
        assert_eq!(m.common_dir, main.join(".git"));
        assert_eq!(branch(&m).as_deref(), Some("main"));
        let x = find(&w.join("sub")).unwrap();
        assert_eq!(
            x.common_dir.canonicalize().unwrap(),
            main.join(".git").canonicalize().unwrap()
        );
        assert_eq!(x.top, w);
        assert_eq!(branch(&x).as_deref(), Some("feature/x"));
        assert!(find(Path::new("/")).is_none() || std::path::Path::new("/.git").exists());
    }
}
