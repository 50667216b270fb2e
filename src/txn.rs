//! Transactions: every mutating command plans its changes against files read under the
//! workspace lock, then commits them in order, rolling back on failure. A file that
//! changed after it was read (an editor saved meanwhile) makes the whole plan run again.

use crate::atomic::{self, WriteError};
use crate::edit::Edit;
use crate::error::{busy, refused};
use crate::lock::Lock;
use crate::text;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One step of a change to the workspace.
#[derive(Debug, Clone)]
pub enum Step {
    /// Replace a file whose content was read as `original`, or create it when `original` is None.
    /// Both texts are shared (a large TASKS.md is not copied to be written, checked and
    /// then modelled).
    Write {
        rel: PathBuf,
        original: Option<Rc<String>>,
        new: Rc<String>,
        /// The splices that produced `new`, for previews.
        edits: Vec<Edit>,
    },
    /// Rename a file inside the workspace (git sees a rename).
    Move { from: PathBuf, to: PathBuf },
}

/// An ordered set of steps, applied all or nothing.
#[derive(Debug, Clone, Default)]
pub struct Changeset {
    pub steps: Vec<Step>,
}

impl Changeset {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Replace `rel` (read as `original`) by applying `edits`; no step when nothing changes.
    pub fn edit(
        &mut self,
        rel: &Path,
        original: &Rc<String>,
        edits: Vec<Edit>,
    ) -> anyhow::Result<()> {
        if edits.is_empty() {
            return Ok(());
        }
        refuse_conflicts(rel, original)?;
        let new = crate::edit::apply(original, &edits)
            .map_err(|e| anyhow::anyhow!("internal: planning an edit of {}: {e}", rel.display()))?;
        if new == **original {
            return Ok(());
        }
        self.steps.push(Step::Write {
            rel: rel.to_path_buf(),
            original: Some(Rc::clone(original)),
            new: Rc::new(new),
            edits,
        });
        Ok(())
    }

    /// Bring the `**Last Updated**:` date of `rel` to `today` when this changeset edits
    /// `rel` and leaves that line alone (`crate::model::stamp`).
    pub fn stamp_last_updated(&mut self, rel: &Path, today: &str) {
        for step in &mut self.steps {
            if let Step::Write {
                rel: r,
                original: Some(original),
                new,
                edits,
            } = step
                && r.as_path() == rel
                && let Some(e) = crate::model::stamp::last_updated_edit(original, today)
                && !edits
                    .iter()
                    .any(|x| x.range.start <= e.range.end && e.range.start <= x.range.end)
            {
                let mut all = edits.clone();
                all.push(e);
                all.sort_by_key(|x| (x.range.start, x.range.end));
                if let Ok(text) = crate::edit::apply(original, &all) {
                    *new = Rc::new(text);
                    *edits = all;
                }
            }
        }
    }

    pub fn create(&mut self, rel: &Path, content: String) {
        self.steps.push(Step::Write {
            rel: rel.to_path_buf(),
            original: None,
            new: Rc::new(content),
            edits: Vec::new(),
        });
    }

    pub fn rename(&mut self, from: &Path, to: &Path) {
        self.steps.push(Step::Move {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
        });
    }

    /// The files this changeset writes or moves, relative to the root.
    pub fn touched(&self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        for s in &self.steps {
            match s {
                Step::Write { rel, .. } => v.push(rel.clone()),
                Step::Move { from, to } => {
                    v.push(from.clone());
                    v.push(to.clone());
                }
            }
        }
        v
    }
}

/// The commit failed because a file changed after it was read.
#[derive(Debug)]
pub struct Conflict(pub PathBuf);

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} changed while baton was writing it", self.0.display())
    }
}
impl std::error::Error for Conflict {}

/// A step as plain borrowed data (no `Rc`), so that a commit can run on another thread
/// while the command derives what it needs from the same texts.
#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    Write {
        rel: &'a Path,
        original: Option<&'a str>,
        new: &'a str,
    },
    Move {
        from: &'a Path,
        to: &'a Path,
    },
}

fn ops(cs: &Changeset) -> Vec<Op<'_>> {
    cs.steps
        .iter()
        .map(|s| match s {
            Step::Write {
                rel, original, new, ..
            } => Op::Write {
                rel,
                original: original.as_deref().map(String::as_str),
                new,
            },
            Step::Move { from, to } => Op::Move { from, to },
        })
        .collect()
}

/// Apply a changeset: validate every destination first, then apply in order; on any failure
/// undo the steps already applied, leaving the workspace as it was.
pub fn commit(root: &Path, cs: &Changeset) -> anyhow::Result<PendingSync> {
    commit_ops(root, &ops(cs), None)
}

static WROTE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process committed changes to the workspace (so that a failure to print
/// the report afterwards does not turn a change that was made into a failure).
pub fn wrote_files() -> bool {
    WROTE.load(std::sync::atomic::Ordering::SeqCst)
}

/// Where a multi-file commit records its intent (`crate::intent`): the state folder and
/// the command, for messages.
#[derive(Clone, Copy)]
struct Intent<'a> {
    state_dir: &'a Path,
    command: &'a str,
}

/// Whether a commit needs an intent record: one atomic write of one file does not.
fn needs_record(ops: &[Op]) -> bool {
    ops.len() > 1
        || ops
            .iter()
            .any(|o| matches!(o, Op::Move { .. } | Op::Write { original: None, .. }))
}

/// The folders the steps will create, parents first.
fn missing_dirs(root: &Path, ops: &[Op]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for o in ops {
        let dest = match *o {
            Op::Write {
                rel,
                original: None,
                ..
            } => rel,
            Op::Move { to, .. } => to,
            _ => continue,
        };
        for d in missing_parents(root, dest) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

fn record(root: &Path, ops: &[Op], command: &str) -> crate::intent::Record {
    use crate::intent::{Entry, hash};
    let steps = ops
        .iter()
        .map(|o| match *o {
            Op::Write { rel, original, new } => Entry::Write {
                path: text::slash_path(rel),
                before: original.map(str::to_string),
                after: hash(new.as_bytes()),
            },
            Op::Move { from, to } => Entry::Move {
                from: text::slash_path(from),
                to: text::slash_path(to),
            },
        })
        .collect();
    crate::intent::Record::new(root, command, steps, missing_dirs(root, ops))
}

/// Whether this process may write `path` in place, as the kernel decides for an editor
/// (`access(W_OK)`: the permission bits for a user, everything for root). baton replaces
/// files by renaming, which the bits alone would not stop; it honours them all the same.
fn writable(path: &Path) -> bool {
    use rustix::fs::{Access, access};
    match access(path, Access::WRITE_OK) {
        Ok(()) => true,
        // A missing file is the conflict path's to report.
        Err(e) => e == rustix::io::Errno::NOENT,
    }
}

fn commit_ops(root: &Path, ops: &[Op], intent: Option<Intent>) -> anyhow::Result<PendingSync> {
    // Validate.
    for s in ops {
        match *s {
            Op::Write {
                rel,
                original: Some(_),
                ..
            } if !writable(&root.join(rel)) => {
                let shown = text::slash_path(rel);
                return Err(crate::error::invalid(format!(
                    "{shown} is read-only; baton does not edit a file you may not write, and changed nothing"
                ))
                .hint(format!(
                    "make it writable with `chmod u+w {shown}`, then run the command again"
                ))
                .into());
            }
            Op::Write {
                rel,
                original: None,
                ..
            } if root.join(rel).exists() => {
                return Err(refused(format!("{} already exists", text::slash_path(rel)))
                    .hint("move or rename it, then run the command again")
                    .into());
            }
            Op::Move { from, to } => {
                if root.join(to).exists() {
                    return Err(refused(format!(
                        "cannot move {} to {}: the destination already exists",
                        text::slash_path(from),
                        text::slash_path(to)
                    ))
                    .hint("compare the two files, remove or rename one, then run the command again")
                    .into());
                }
                if !root.join(from).is_file() {
                    return Err(crate::error::not_found(format!(
                        "cannot move {}: it does not exist",
                        text::slash_path(from)
                    ))
                    .into());
                }
            }
            _ => {}
        }
    }
    let intent = intent.filter(|_| needs_record(ops));
    if let Some(i) = intent {
        crate::faults::point();
        record(root, ops, i.command).begin(i.state_dir)?;
    }
    let mut done: Vec<(usize, Vec<PathBuf>)> = Vec::new();
    let mut pending = PendingSync::default();
    for (i, s) in ops.iter().enumerate() {
        crate::faults::point();
        let r = if crate::faults::fail_at_step(i) {
            Err(anyhow::anyhow!(
                "injected failure before step {i} ({})",
                crate::faults::FAIL_AT_STEP_ENV
            ))
        } else {
            apply_step(root, *s, &mut pending.0)
        };
        match r {
            Ok(dirs) => done.push((i, dirs)),
            Err(e) => {
                rollback(root, ops, &done);
                if let Some(i) = intent {
                    crate::intent::end(i.state_dir);
                }
                return Err(e);
            }
        }
    }
    crate::faults::point();
    if let Some(i) = intent {
        crate::intent::end(i.state_dir);
    }
    WROTE.store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(pending)
}

/// Folder fsyncs that make committed renames durable, run when this value is dropped:
/// after the workspace lock is released (a `Committed` declares the lock first), so other
/// instances do not wait on them. The command still returns only after they ran.
#[derive(Debug, Default)]
pub struct PendingSync(atomic::Deferred);

impl PendingSync {
    /// Files to remove once the lock is released.
    pub fn later(&mut self) -> &mut atomic::Deferred {
        &mut self.0
    }
}

impl Drop for PendingSync {
    fn drop(&mut self) {
        self.0.run();
    }
}

/// Undo a committed changeset of file edits (a claim whose ledger could not follow it):
/// each file gets its original back, by swapping back the displaced original while it is
/// still there (no disk space needed), else by writing it again.
pub fn undo(root: &Path, cs: &Changeset, pending: &mut PendingSync) -> anyhow::Result<()> {
    for s in cs.steps.iter().rev() {
        let Step::Write {
            rel,
            original: Some(o),
            new,
            ..
        } = s
        else {
            continue;
        };
        let path = atomic::resolve(&root.join(rel))?.into_owned();
        let mut done = false;
        for d in &pending.0.displaced {
            if d.parent() == path.parent() && atomic::swap_back(d, &path, o.as_bytes())? {
                done = true;
                break;
            }
        }
        if !done {
            match atomic::write(&path, o.as_bytes(), Some(new.as_bytes())) {
                Ok(()) => {}
                Err(WriteError::Changed) => return Err(Conflict(rel.clone()).into()),
                Err(WriteError::Io(e)) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// The folders above `rel` that do not exist yet, parents first.
fn missing_parents(root: &Path, rel: &Path) -> Vec<PathBuf> {
    let mut missing = Vec::new();
    if let Some(parent) = rel.parent() {
        for a in parent.ancestors() {
            if a.as_os_str().is_empty() || root.join(a).is_dir() {
                break;
            }
            missing.push(a.to_path_buf());
        }
    }
    missing.reverse();
    missing
}

fn create_dirs(root: &Path, rel: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut made = Vec::new();
    for d in missing_parents(root, rel) {
        std::fs::create_dir(root.join(&d))?;
        made.push(d);
    }
    Ok(made)
}

fn apply_step(root: &Path, s: Op, later: &mut atomic::Deferred) -> anyhow::Result<Vec<PathBuf>> {
    match s {
        Op::Write {
            rel,
            original: Some(o),
            new,
        } => match atomic::write_deferring(
            &root.join(rel),
            new.as_bytes(),
            Some(o.as_bytes()),
            Some(later),
        ) {
            Ok(()) => Ok(Vec::new()),
            Err(WriteError::Changed) => Err(Conflict(rel.to_path_buf()).into()),
            Err(WriteError::Io(e)) => {
                Err(anyhow::Error::new(e).context(format!("writing {}", text::slash_path(rel))))
            }
        },
        Op::Write {
            rel,
            original: None,
            new,
        } => {
            let dirs = create_dirs(root, rel)?;
            atomic::create(&root.join(rel), new.as_bytes()).map_err(|e| {
                anyhow::Error::new(e).context(format!("creating {}", text::slash_path(rel)))
            })?;
            Ok(dirs)
        }
        Op::Move { from, to } => {
            let dirs = create_dirs(root, to)?;
            let (f, t) = (root.join(from), root.join(to));
            if t.exists() {
                return Err(refused(format!("{} already exists", text::slash_path(to))).into());
            }
            std::fs::rename(&f, &t).map_err(|e| {
                anyhow::Error::new(e).context(format!(
                    "moving {} to {}",
                    text::slash_path(from),
                    text::slash_path(to)
                ))
            })?;
            atomic::sync_dir(t.parent().unwrap_or(root))?;
            atomic::sync_dir(f.parent().unwrap_or(root))?;
            Ok(dirs)
        }
    }
}

fn rollback(root: &Path, ops: &[Op], done: &[(usize, Vec<PathBuf>)]) {
    for (i, dirs) in done.iter().rev() {
        match ops[*i] {
            Op::Write {
                rel,
                original: Some(o),
                ..
            } => {
                let _ = atomic::write(&root.join(rel), o.as_bytes(), None);
            }
            Op::Write {
                rel,
                original: None,
                ..
            } => {
                let _ = std::fs::remove_file(root.join(rel));
            }
            Op::Move { from, to } => {
                let _ = std::fs::rename(root.join(to), root.join(from));
            }
        }
        for d in dirs.iter().rev() {
            let _ = std::fs::remove_dir(root.join(d));
        }
    }
}

/// What a plan produced: the changes and the command's result.
pub struct Planned<T> {
    pub changes: Changeset,
    pub value: T,
}

/// The outcome of a transaction.
pub struct Committed<T> {
    pub value: T,
    pub changes: Changeset,
    /// False for a dry run or when there was nothing to change.
    pub written: bool,
    /// The workspace lock, still held: follow-up writes that depend on what was committed
    /// (the claim ledger) must happen before it is dropped.
    pub lock: Lock,
    /// Folder fsyncs still to run; dropped (and so run) after `lock`.
    pub durable: PendingSync,
}

const MAX_ATTEMPTS: usize = 8;

/// What a transaction needs from the command that runs it (`context::Ctx` is one): the
/// workspace lock, the root every path is relative to, the state folder (for the intent
/// record), the command's name, and a sweep of what killed runs left beside the files.
pub trait Scope {
    fn lock(&self) -> anyhow::Result<Lock>;
    fn root(&self) -> &Path;
    fn state_dir(&self) -> PathBuf;
    fn command(&self) -> &str;
    /// Remove (or put back) what killed runs left; called under the lock.
    fn sweep(&self);
    /// The tasks file and today's date, for its `**Last Updated**:` line.
    fn last_updated(&self) -> (PathBuf, String);
}

/// A file holding git's merge-conflict markers is never edited: the markers are what the
/// user must resolve, and an edit could land on either side of them.
pub fn refuse_conflicts(rel: &Path, text: &str) -> anyhow::Result<()> {
    let lines = text::conflict_lines(text);
    if lines.is_empty() {
        return Ok(());
    }
    Err(refused(format!(
        "{} holds merge-conflict markers on lines {}",
        text::slash_path(rel),
        text::line_list(&lines)
    ))
    .hint("resolve the merge (keep the lines you want, delete the markers), then run `baton check`")
    .into())
}

/// Run `plan` under the workspace lock and commit what it returns. `plan` must read every
/// file it changes itself (so that it sees the state under the lock). When a file changed
/// between the read and the write, the plan runs again on the new content.
pub fn transact<T>(
    ctx: &impl Scope,
    dry_run: bool,
    plan: impl FnMut() -> anyhow::Result<Planned<T>>,
) -> anyhow::Result<Committed<T>> {
    transact_with(ctx, dry_run, plan, None::<fn(&Changeset, &mut T)>, true)
}

/// `transact` for claims, leaving the `**Last Updated**:` date alone (a release gives back
/// the bytes its claim found), running `during` on this thread while the changes are committed on another
/// (writing and syncing a large file takes as long as deriving its new model from the old
/// one). `during` sees the changes and the plan's value; the value it leaves is the one
/// returned once the commit succeeds.
pub fn transact_overlapping<T>(
    ctx: &impl Scope,
    dry_run: bool,
    plan: impl FnMut() -> anyhow::Result<Planned<T>>,
    during: impl FnMut(&Changeset, &mut T),
) -> anyhow::Result<Committed<T>> {
    transact_with(ctx, dry_run, plan, Some(during), false)
}

fn transact_with<T>(
    ctx: &impl Scope,
    dry_run: bool,
    mut plan: impl FnMut() -> anyhow::Result<Planned<T>>,
    mut during: Option<impl FnMut(&Changeset, &mut T)>,
    stamp: bool,
) -> anyhow::Result<Committed<T>> {
    let lock = ctx.lock()?;
    let (root, state_dir) = (ctx.root(), ctx.state_dir());
    if let Some(msg) = crate::intent::recover(root, &state_dir) {
        eprintln!("baton: warning: {msg}");
    }
    atomic::cleanup(&state_dir);
    ctx.sweep();
    for attempt in 0..MAX_ATTEMPTS {
        let Planned {
            mut changes,
            mut value,
        } = plan()?;
        if stamp {
            let (tasks, today) = ctx.last_updated();
            changes.stamp_last_updated(&tasks, &today);
        }
        if dry_run || changes.is_empty() {
            return Ok(Committed {
                value,
                changes,
                written: false,
                lock,
                durable: PendingSync::default(),
            });
        }
        crate::faults::pause(crate::faults::BEFORE_WRITE);
        let ops = ops(&changes);
        let command = format!("baton {}", ctx.command());
        let intent = Some(Intent {
            state_dir: &state_dir,
            command: &command,
        });
        // A second thread pays for itself on large files only.
        let large = ops.iter().any(|o| match o {
            Op::Write { new, .. } => new.len() >= text::PARALLEL_WRITE_BYTES,
            Op::Move { .. } => false,
        });
        let committed = match during.as_mut() {
            None => commit_ops(root, &ops, intent),
            Some(during) if !large => {
                let committed = commit_ops(root, &ops, intent);
                if committed.is_ok() {
                    during(&changes, &mut value);
                }
                committed
            }
            Some(during) => std::thread::scope(|s| {
                let writer = s.spawn(|| commit_ops(root, &ops, intent));
                during(&changes, &mut value);
                writer
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("internal: the commit thread failed")))
            }),
        };
        match committed {
            Ok(durable) => {
                return Ok(Committed {
                    value,
                    changes,
                    written: true,
                    lock,
                    durable,
                });
            }
            Err(e) if e.downcast_ref::<Conflict>().is_some() && attempt + 1 < MAX_ATTEMPTS => {
                std::thread::sleep(std::time::Duration::from_millis(5 << attempt.min(5)));
                continue;
            }
            Err(e) if e.downcast_ref::<Conflict>().is_some() => {
                return Err(busy(format!("{e}, {MAX_ATTEMPTS} times in a row"))
                    .hint("wait until the file is saved, then run the command again")
                    .into());
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// Lines before and after each edit of a write, for `--dry-run`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hunk {
    pub file: String,
    pub line: usize,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// The preview of a changeset: moved files, created files, and changed lines.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Preview {
    pub moves: Vec<(String, String)>,
    pub creates: Vec<String>,
    pub hunks: Vec<Hunk>,
}

pub fn preview(cs: &Changeset) -> Preview {
    let mut p = Preview::default();
    for s in &cs.steps {
        match s {
            Step::Move { from, to } => p.moves.push((text::slash_path(from), text::slash_path(to))),
            Step::Write {
                rel,
                original: None,
                ..
            } => p.creates.push(text::slash_path(rel)),
            Step::Write {
                rel,
                original: Some(o),
                new,
                edits,
            } => {
                p.hunks.extend(hunks(&text::slash_path(rel), o, new, edits));
            }
        }
    }
    p
}

fn hunks(file: &str, old: &str, new: &str, edits: &[Edit]) -> Vec<Hunk> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    let mut regions: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut delta: isize = 0;
    for e in sorted {
        let os = text::line_start(old, e.range.start);
        let oe = line_end_incl(old, e.range.end);
        let ns = text::line_start(new, (e.range.start as isize + delta) as usize);
        let new_end = (e.range.end as isize + delta + e.text.len() as isize
            - e.range.len() as isize) as usize;
        let ne = line_end_incl(new, new_end);
        delta += e.text.len() as isize - e.range.len() as isize;
        match regions.last_mut() {
            Some(last) if os <= last.1 => {
                last.1 = last.1.max(oe);
                last.3 = last.3.max(ne);
            }
            _ => regions.push((os, oe, ns, ne)),
        }
    }
    let split = |s: &str| -> Vec<String> {
        s.split('\n')
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect()
    };
    regions
        .into_iter()
        .map(|(os, oe, ns, ne)| Hunk {
            file: file.to_string(),
            line: old[..os].matches('\n').count() + 1,
            before: if os == oe && oe == old.len() {
                Vec::new()
            } else {
                split(&old[os..oe])
            },
            after: split(&new[ns..ne]),
        })
        .collect()
}

fn line_end_incl(s: &str, off: usize) -> usize {
    text::line_end(s, off.min(s.len()))
}
