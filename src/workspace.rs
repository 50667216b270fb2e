//! Finding a workspace and its files: the root, the config, TASKS.md, instance files.
//!
//! Layer: above the model, the cache and `txn`; below the store and the services. It
//! knows nothing of commands or output.

use crate::cache::Cache;
use crate::config::{self, Config};
use crate::error::{invalid, not_found};
use crate::model::{Document, ParseEnv};
use crate::text;
use anyhow::Context as _;
use std::path::{Path, PathBuf};

pub use crate::config::STATE_DIR;

#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
}

/// An instance session file.
#[derive(Debug, Clone)]
pub struct InstanceFile {
    pub instance: u32,
    /// Path relative to the root.
    pub rel: PathBuf,
}

impl Workspace {
    /// `--root DIR`, or walk up from `cwd` to the first directory holding `.baton.yaml`,
    /// `TASKS.md` or `docs/tasks/TASKS.md`.
    pub fn discover(root: Option<&Path>, cwd: &Path) -> anyhow::Result<Workspace> {
        let root = match root {
            Some(r) => {
                let r = if r.is_absolute() { r.to_path_buf() } else { cwd.join(r) };
                if !r.is_dir() {
                    return Err(not_found(format!("--root {} is not a directory", r.display()))
                        .hint("pass the folder that holds TASKS.md")
                        .into());
                }
                r
            }
            None => cwd
                .ancestors()
                .find(|d| {
                    d.join(config::FILE_NAME).is_file()
                        || d.join("TASKS.md").is_file()
                        || d.join("docs/tasks/TASKS.md").is_file()
                })
                .map(Path::to_path_buf)
                .ok_or_else(|| {
                    not_found(format!(
                        "no baton workspace here: no .baton.yaml, TASKS.md or docs/tasks/TASKS.md in {} or above",
                        cwd.display()
                    ))
                    .hint("run `baton init` to create one, or pass `--root DIR`")
                })?,
        };
        let config = Config::load(&root)?;
        Ok(Workspace { root, config })
    }

    /// TASKS.md relative to the root.
    pub fn tasks_rel(&self) -> PathBuf {
        if let Some(t) = &self.config.tasks_file {
            return PathBuf::from(t);
        }
        if self.root.join("TASKS.md").is_file() || !self.root.join("docs/tasks/TASKS.md").is_file()
        {
            PathBuf::from("TASKS.md")
        } else {
            PathBuf::from("docs/tasks/TASKS.md")
        }
    }

    pub fn abs(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// Read a workspace file as UTF-8 text.
    pub fn read_text(&self, rel: &Path) -> anyhow::Result<String> {
        let bytes = std::fs::read(self.abs(rel)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::Error::new(not_found(format!("{} does not exist", text::slash_path(rel))).hint(
                    "run `baton init` to create a workspace, or set `tasks_file` in .baton.yaml",
                ))
            } else {
                anyhow::Error::new(e).context(format!("reading {}", text::slash_path(rel)))
            }
        })?;
        text::decode(bytes, rel)
    }

    fn tasks_env(&self) -> ParseEnv<'_> {
        ParseEnv {
            config: &self.config,
            rel_path: self.tasks_rel(),
        }
    }

    /// Parse a text of TASKS.md that is not (yet) on disk: a planned edit's result, or an
    /// excerpt for local verification. Not cached, so that planning and `--dry-run` leave
    /// no trace.
    pub fn parse_tasks(&self, text: String) -> Document {
        Document::parse(text, &self.tasks_env())
    }

    /// Record `doc` as the model of TASKS.md, when `written` (a committed changeset)
    /// wrote exactly its text there.
    pub fn cache_tasks(&self, doc: &Document, written: &crate::txn::Changeset) {
        if let Some(entry) = self.tasks_entry(doc, written) {
            entry.write();
        }
    }

    /// The cache entry `cache_tasks` writes, made but not written: `written` may still be
    /// being committed.
    pub fn tasks_entry(
        &self,
        doc: &Document,
        written: &crate::txn::Changeset,
    ) -> Option<crate::cache::Entry> {
        let rel = self.tasks_rel();
        let wrote_it = written.steps.iter().any(|s| {
            matches!(s, crate::txn::Step::Write { rel: r, new, .. } if *r == rel && (std::rc::Rc::ptr_eq(new, &doc.text) || **new == *doc.text))
        });
        wrote_it
            .then(|| Cache::new(&self.root).entry(doc, &self.tasks_env()))
            .flatten()
    }

    /// Read and parse TASKS.md, through the parse cache (`crate::cache`).
    pub fn load_tasks(&self) -> anyhow::Result<Document> {
        let rel = self.tasks_rel();
        let cache = Cache::new(&self.root);
        let env = self.tasks_env();
        // A large file and its cache entry are read at the same time, on two threads.
        let large =
            std::fs::metadata(self.abs(&rel)).is_ok_and(|m| m.len() >= text::PARALLEL_BYTES as u64);
        if large {
            let read_entry = cache.read_entry(&env);
            let (text, entry) = std::thread::scope(|s| {
                let entry = s.spawn(read_entry);
                (self.read_text(&rel), entry.join().ok())
            });
            return Ok(cache.parse_read(text?, &env, entry).0);
        }
        let text = self.read_text(&rel)?;
        Ok(cache.parse(text, &env).0)
    }

    /// Directory instance files live in (beside TASKS.md), relative to the root.
    pub fn instance_dir(&self) -> PathBuf {
        self.tasks_rel()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The file name of instance `n`'s session file (`instance_002.md`).
    pub fn instance_rel(&self, n: u32) -> PathBuf {
        let name = self
            .config
            .instance_pattern
            .replacen('*', &format!("{n:03}"), 1);
        self.instance_dir().join(name)
    }

    /// Every instance file present, by instance number.
    pub fn instance_files(&self) -> anyhow::Result<Vec<InstanceFile>> {
        let dir_rel = self.instance_dir();
        let dir = self.abs(&dir_rel);
        let (prefix, suffix) = self
            .config
            .instance_pattern
            .split_once('*')
            .ok_or_else(|| invalid("instance_pattern needs a `*`"))?;
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        for entry in rd {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(mid) = name
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(suffix))
            else {
                continue;
            };
            if mid.is_empty() || !mid.bytes().all(|b| b.is_ascii_digit()) || mid.len() > 6 {
                continue;
            }
            out.push(InstanceFile {
                instance: mid.parse().expect("checked digits"),
                rel: dir_rel.join(name),
            });
        }
        out.sort_by_key(|f| f.instance);
        Ok(out)
    }

    /// The folders the workspace lock is taken on: the root, and when the tasks file is a
    /// link, the folder of the file it points to (another workspace sharing the same plan
    /// locks that folder too, so the two never edit it at once).
    pub fn lock_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.root.clone()];
        let tasks = self.abs(self.tasks_rel());
        if std::fs::symlink_metadata(&tasks).is_ok_and(|m| m.file_type().is_symlink())
            && let Ok(real) = std::fs::canonicalize(&tasks)
            && let Some(d) = real.parent()
            && std::fs::canonicalize(&self.root).is_ok_and(|r| r != d)
        {
            dirs.push(d.to_path_buf());
        }
        dirs
    }

    /// Tidy the folders the tasks file and the session files live in (`atomic::sweep`):
    /// `locked` when the workspace lock is held. A save that an in-place writer finished
    /// after baton had replaced the file is put back, with a warning on stderr.
    pub fn sweep(&self, locked: bool) {
        let tasks = self.abs(self.tasks_rel());
        let mut dirs = vec![self.abs(self.instance_dir())];
        if let Ok(real) = crate::atomic::resolve(&tasks)
            && let Some(d) = real.parent()
            && !dirs.iter().any(|x| x == d)
        {
            dirs.push(d.to_path_buf());
        }
        for d in dirs {
            crate::atomic::sweep(&d, locked);
        }
        for path in crate::atomic::sweep_kept() {
            eprintln!(
                "baton: warning: {} was still being written in place when baton replaced it; the finished save is back (what baton wrote there since was overwritten by it, as by any later save)",
                self.show(&path)
            );
        }
    }

    /// A task or file not found while the tasks file is being saved in place by another
    /// program (written by it within the last two seconds, and cut off mid-line) is a busy
    /// workspace, not a missing task: the rest of the file may not be there yet.
    pub fn while_saved(&self, e: anyhow::Error) -> anyhow::Error {
        if crate::error::kind_of(&e) != crate::error::Kind::NotFound {
            return e;
        }
        let rel = self.tasks_rel();
        let Ok(meta) = std::fs::metadata(self.abs(&rel)) else {
            return e;
        };
        let age = meta.modified().ok().and_then(|m| m.elapsed().ok());
        // Cut off mid-line: a finished file ends its last line.
        let unfinished = || {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8; 1];
            std::fs::File::open(self.abs(&rel))
                .and_then(|mut f| {
                    f.seek(SeekFrom::End(-1))?;
                    f.read_exact(&mut last)
                })
                .is_ok_and(|()| last[0] != b'\n')
        };
        match age {
            Some(age)
                if !crate::atomic::marked(&meta)
                    && age < std::time::Duration::from_secs(2)
                    && unfinished() =>
            {
                let file = text::slash_path(&rel);
                let message = crate::error::baton_error(&e)
                    .map_or_else(|| e.to_string(), |b| b.message.clone());
                crate::error::busy(format!(
                    "{message}; but {file} was written by another program {} ms ago and may still be being saved",
                    age.as_millis()
                ))
                .hint(format!(
                    "run the command again in a moment; if it still finds nothing, `baton list` shows what {file} holds"
                ))
                .into()
            }
            _ => e,
        }
    }

    /// Path relative to the root, `/`-separated, for messages and JSON.
    pub fn show(&self, p: &Path) -> String {
        text::slash_path(p.strip_prefix(&self.root).unwrap_or(p))
    }
}
