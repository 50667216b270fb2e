//! Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync dir.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

const TMP_MARK: &str = ".baton-tmp.";
/// The name of a kept displaced file starts with this (see `dispose`).
const SAVED_MARK: &str = "saved.";
/// How long a kept displaced file waits for a writer that still had it open.
const SAVED_KEEP: std::time::Duration = std::time::Duration::from_secs(120);
/// The nanoseconds of the modification time baton gives the files it writes, so that a
/// file written by anyone else (whose time has arbitrary nanoseconds) is told apart.
pub const MARK_NANOS: u32 = 1;

/// Whether baton wrote this file and nobody has written it since.
#[cfg(unix)]
pub fn marked(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.mtime_nsec() == i64::from(MARK_NANOS)
}

#[cfg(not(unix))]
pub fn marked(_meta: &fs::Metadata) -> bool {
    true
}

fn mark(f: &File) -> std::io::Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::new(now, MARK_NANOS))
}

/// The file a path names: a link is followed to the file it points to (which is then
/// edited in place of the link, in its own folder).
pub fn resolve(path: &Path) -> std::io::Result<std::borrow::Cow<'_, Path>> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Ok(fs::canonicalize(path)?.into()),
        _ => Ok(path.into()),
    }
}

/// Whether `path` is a symbolic link (not followed).
pub fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Open a file without following a link at its last component.
pub fn open_nofollow(path: &Path, opts: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    opts.open(path)
}

/// Read a state file without following links; a link reads as an error.
pub fn read_nofollow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = open_nofollow(path, OpenOptions::new().read(true))?;
    let mut v = Vec::new();
    f.read_to_end(&mut v)?;
    Ok(v)
}

/// Whether an error is the refusal to follow a link (`O_NOFOLLOW` on a link).
pub fn is_link_error(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

/// Why an atomic write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// The file no longer holds what was read: someone else wrote it meanwhile.
    Changed,
    Io(std::io::Error),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.join(format!(".{name}{TMP_MARK}{}", std::process::id()))
}

/// Replace `path` with `data` atomically. With `expect`, the file must still hold what was
/// read, else nothing of ours stays and `Changed` is returned (the caller reads again and
/// re-applies). The file keeps its permissions.
///
/// Where the system can swap two names atomically (Linux `renameat2(RENAME_EXCHANGE)`),
/// the check happens after the swap, on the content the swap displaced, so that no window
/// remains in which an editor's save could be overwritten unseen: if the displaced content
/// is not what was read, it is swapped back in. Elsewhere the file is compared right before
/// a plain rename.
pub fn write(path: &Path, data: &[u8], expect: Option<&[u8]>) -> Result<(), WriteError> {
    write_deferring(path, data, expect, None)
}

/// `write`, but with `later` the fsync of the folder (which makes the rename durable) is
/// left to the caller: the folder is pushed onto `later`, to be synced with `sync_dirs`
/// once the workspace lock is released. The file's own content is synced before the
/// rename either way, so a crash never leaves a renamed but empty file.
pub fn write_deferring(
    path: &Path,
    data: &[u8],
    expect: Option<&[u8]>,
    mut later: Option<&mut Deferred>,
) -> Result<(), WriteError> {
    let path = &*resolve(path)?;
    let tmp = tmp_path(path);
    let _ = fs::remove_file(&tmp);
    let dir = path.parent().unwrap_or(Path::new("."));
    let deferring = later.is_some();
    let mut sync_dir = |dir: &Path, displaced: Option<&Path>| match later.as_deref_mut() {
        Some(d) => {
            d.dirs.push(dir.to_path_buf());
            d.displaced.extend(displaced.map(Path::to_path_buf));
            Ok(())
        }
        None => {
            if let Some(t) = displaced {
                dispose(t);
            }
            sync_dir(dir)
        }
    };
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        if let Ok(meta) = fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        mark(&f)?;
        f.sync_all()?;
        drop(f);
        crate::faults::point();
        let Some(expect) = expect else {
            fs::rename(&tmp, path)?;
            return sync_dir(dir, None).map_err(WriteError::Io);
        };
        match exchange(&tmp, path) {
            Ok(()) => {
                if holds(&tmp, expect)? {
                    // The displaced original goes after the lock, with the folder fsync
                    // (freeing its blocks takes a while); without a deferral, just below.
                    return sync_dir(dir, Some(&tmp)).map_err(WriteError::Io);
                }
                restore_displaced(&tmp, path, data)?;
                Err(WriteError::Changed)
            }
            Err(e) if exchange_unsupported(&e) => {
                if !holds(path, expect)? {
                    return Err(WriteError::Changed);
                }
                fs::rename(&tmp, path)?;
                sync_dir(dir, None).map_err(WriteError::Io)
            }
            // The file is gone: it changed; the caller reads it again and reports.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(WriteError::Changed),
            Err(e) => Err(WriteError::Io(e)),
        }
    })();
    if !(result.is_ok() && (deferring || expect.is_some())) {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// What writes leave to do once the workspace lock is released: folders to fsync, and
/// displaced originals to remove.
#[derive(Debug, Default)]
pub struct Deferred {
    pub dirs: Vec<PathBuf>,
    pub garbage: Vec<PathBuf>,
    /// Originals displaced by swaps: removed, or kept when someone else wrote them.
    pub displaced: Vec<PathBuf>,
}

impl Deferred {
    /// Remove `path` later.
    pub fn remove(&mut self, path: Option<PathBuf>) {
        self.garbage.extend(path);
    }

    pub fn run(&mut self) {
        for g in self.garbage.drain(..) {
            let _ = fs::remove_file(g);
        }
        for d in self.displaced.drain(..) {
            dispose(&d);
        }
        sync_dirs(&mut self.dirs);
    }
}

/// Whether the file at `path` holds exactly `expect`: compared a block at a time, so that
/// checking a large file costs no copy of it.
pub fn holds(path: &Path, expect: &[u8]) -> std::io::Result<bool> {
    use std::io::Read;
    let mut f = fs::File::open(path)?;
    if f.metadata()?.len() != expect.len() as u64 {
        return Ok(false);
    }
    let mut buf = vec![0u8; (64 << 10).min(expect.len() + 1)];
    let mut at = 0;
    loop {
        let n = match f.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(at == expect.len());
        }
        if expect.get(at..at + n) != Some(&buf[..n]) {
            return Ok(false);
        }
        at += n;
    }
}

/// After a swap displaced content we had not read (an editor saved meanwhile), put the
/// newest foreign content back under `path`. `tmp` holds the displaced content.
fn restore_displaced(tmp: &Path, path: &Path, ours: &[u8]) -> std::io::Result<()> {
    // Swap back: `path` gets the displaced content; `tmp` gets what `path` held, which is
    // ours unless the editor saved yet again in between (then that newer save is in `tmp`
    // and is swapped in once more, leaving the older one in `tmp`).
    crate::faults::pause(crate::faults::BEFORE_SWAP_BACK);
    exchange(tmp, path)?;
    if !holds(tmp, ours)? {
        exchange(tmp, path)?;
    }
    dispose(tmp);
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Where displaced files someone else wrote are kept (`.baton/saved/`), set once per
/// process by the workspace; without it they are removed.
static KEEP_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

pub fn keep_in(dir: PathBuf) {
    let _ = KEEP_DIR.set(dir);
}

/// Get rid of a file a swap displaced (`.NAME.baton-tmp.PID`): removed when baton wrote it
/// and nobody wrote it since. Otherwise someone wrote it in place and may still hold it
/// open and go on writing, so it is kept (replacing an older one of the same file) as
/// `saved.SIZE.SECS.NANOS.PID` (its size and modification time when displaced) with
/// `saved.SIZE.SECS.NANOS.PID.path` naming the file, for `sweep_kept` to put back if it
/// changes.
pub fn dispose(displaced: &Path) {
    let Ok(meta) = fs::symlink_metadata(displaced) else {
        return;
    };
    let (Some(dir), Some(name)) = (displaced.parent(), displaced.file_name()) else {
        return;
    };
    let name = name.to_string_lossy();
    let Some(target) = name
        .strip_prefix('.')
        .and_then(|n| n.split_once(TMP_MARK))
        .map(|(t, _)| dir.join(t))
    else {
        return;
    };
    if marked(&meta) || !meta.is_file() {
        let _ = fs::remove_file(displaced);
        return;
    }
    let Some(keep) = KEEP_DIR
        .get()
        .filter(|k| !is_link(k) && !k.parent().is_some_and(is_link))
    else {
        let _ = fs::remove_file(displaced);
        return;
    };
    let _ = fs::create_dir_all(keep);
    for data in kept(keep) {
        if kept_target(&data).is_some_and(|of| of == target) {
            let _ = fs::remove_file(&data);
            let _ = fs::remove_file(sidecar(&data));
        }
    }
    let (secs, nanos) = mtime(&meta);
    let saved = keep.join(format!(
        "{SAVED_MARK}{}.{secs}.{nanos}.{}",
        meta.len(),
        std::process::id()
    ));
    let moved = fs::write(sidecar(&saved), target.as_os_str().as_encoded_bytes()).is_ok()
        && fs::rename(displaced, &saved).is_ok();
    if !moved {
        let _ = fs::remove_file(sidecar(&saved));
        let _ = fs::remove_file(displaced);
    }
}

fn sidecar(data: &Path) -> PathBuf {
    let mut p = data.as_os_str().to_owned();
    p.push(".path");
    PathBuf::from(p)
}

/// The kept files in `keep` (a sidecar whose kept file is gone is removed once old).
fn kept(keep: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(keep) else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| {
            let n = e.file_name();
            let n = n.to_str()?;
            if !n.starts_with(SAVED_MARK) {
                return None;
            }
            if let Some(data) = n.strip_suffix(".path") {
                // Half of a pair that two commands raced for: gone once it is old enough.
                if !keep.join(data).exists() {
                    remove_if_old(&e.path());
                }
                return None;
            }
            Some(e.path())
        })
        .collect()
}

/// The path a kept file was displaced from, as its sidecar names it.
fn kept_target(data: &Path) -> Option<PathBuf> {
    fs::read(sidecar(data))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(PathBuf::from)
}

fn remove_if_old(p: &Path) {
    if fs::symlink_metadata(p).is_ok_and(|m| kept_for(&m) > SAVED_KEEP) {
        let _ = fs::remove_file(p);
    }
}

#[cfg(unix)]
fn mtime(meta: &fs::Metadata) -> (i64, i64) {
    use std::os::unix::fs::MetadataExt;
    (meta.mtime(), meta.mtime_nsec())
}

#[cfg(not(unix))]
fn mtime(_meta: &fs::Metadata) -> (i64, i64) {
    (0, 0)
}

/// How long ago a kept file was displaced (its status change time: the rename).
#[cfg(unix)]
fn kept_for(meta: &fs::Metadata) -> std::time::Duration {
    use std::os::unix::fs::MetadataExt;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    std::time::Duration::from_secs(now.saturating_sub(meta.ctime()).max(0) as u64)
}

#[cfg(not(unix))]
fn kept_for(_meta: &fs::Metadata) -> std::time::Duration {
    std::time::Duration::ZERO
}

/// Whether the process that named a temp file is gone (so its file is stale).
fn dead(pid: &str) -> bool {
    cfg!(target_os = "linux")
        && pid.bytes().all(|b| b.is_ascii_digit())
        && !Path::new("/proc").join(pid).exists()
}

/// Tidy a folder baton writes in: temp files left by killed runs are removed (all of them
/// when the caller holds the workspace lock, else those of dead processes); a displaced
/// file someone was writing in place is kept (see `dispose`).
pub fn sweep(dir: &Path, locked: bool) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name();
        let n = name.to_string_lossy();
        let Some((_, pid)) = n.strip_prefix('.').and_then(|r| r.split_once(TMP_MARK)) else {
            continue;
        };
        if let Some(pid) = pid.strip_suffix(".old") {
            if locked || dead(pid) {
                let _ = fs::remove_file(e.path());
            }
        } else if locked || dead(pid) {
            dispose(&e.path());
        }
    }
}

/// Check the kept displaced files: one whose length changed since it was displaced (its
/// writer went on writing after baton's swap, so it holds the newest save) is put back
/// under its name; one kept unchanged for long enough is removed. Returns the paths put
/// back.
pub fn sweep_kept() -> Vec<PathBuf> {
    let mut restored = Vec::new();
    let Some(keep) = KEEP_DIR.get() else {
        return restored;
    };
    if is_link(keep) || keep.parent().is_some_and(is_link) {
        return restored;
    }
    // Only ever put back inside the workspace (`ROOT/.baton/saved` is `keep`): a `.baton/`
    // that came from elsewhere must not aim a rename anywhere.
    let root = keep.parent().and_then(Path::parent);
    for data in kept(keep) {
        let Ok(meta) = fs::symlink_metadata(&data) else {
            continue;
        };
        if !meta.is_file() {
            let _ = fs::remove_file(&data);
            let _ = fs::remove_file(sidecar(&data));
            continue;
        }
        // The writer went on writing: the kept file grew or shrank since it was displaced.
        // A new modification time alone (`touch`, a copy, a backup restored) is no proof.
        // Only then is its sidecar read (what the sweep of every command costs is a stat).
        let name = data.file_name().unwrap_or_default().to_string_lossy();
        let was_len = name
            .trim_start_matches(SAVED_MARK)
            .split('.')
            .next()
            .and_then(|l| l.parse::<u64>().ok());
        if was_len.is_some_and(|l| l != meta.len()) {
            let Some(of) = kept_target(&data) else {
                remove_if_old(&data);
                continue;
            };
            let inside = root.is_some_and(|r| {
                of.strip_prefix(r)
                    .is_ok_and(|rel| crate::text::stays_inside(rel) && rel.components().count() > 0)
            });
            if !inside {
                let _ = fs::remove_file(&data);
                let _ = fs::remove_file(sidecar(&data));
            } else if fs::rename(&data, &of).is_ok() {
                let _ = fs::remove_file(sidecar(&data));
                let _ = sync_dir(of.parent().unwrap_or(Path::new(".")));
                restored.push(of);
            }
        } else if kept_for(&meta) > SAVED_KEEP {
            let _ = fs::remove_file(&data);
            let _ = fs::remove_file(sidecar(&data));
        }
    }
    restored
}

/// Put back the original a swap displaced (`displaced`, still beside `path`) when it
/// holds `original`: a swap, which needs no disk space. Returns whether it did.
pub fn swap_back(displaced: &Path, path: &Path, original: &[u8]) -> std::io::Result<bool> {
    if !holds(displaced, original)? {
        return Ok(false);
    }
    exchange(displaced, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))?;
    Ok(true)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// The system or filesystem cannot swap names: fall back to compare-then-rename.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::Unsupported)
        || matches!(e.raw_os_error(), Some(22) | Some(38) | Some(95))
}

/// Replace `path` atomically but without fsync, for baton's own state (claim ages, cache
/// entries), where a crash may lose the latest update but must never leave a torn file,
/// and whose readers take a missing file in their stride: the old file is renamed aside
/// first, and its new name returned for the caller to remove when it suits. On ext4, renaming over a file that was
/// just written, or removing it, makes the kernel deal with its unwritten pages first
/// (0.3 to 0.8 ms): that is better done after the workspace lock is released.
pub fn replace_unsynced(path: &Path, data: &[u8]) -> std::io::Result<Option<PathBuf>> {
    let tmp = tmp_path(path);
    let _ = fs::remove_file(&tmp);
    let old = {
        let mut o = tmp.clone().into_os_string();
        o.push(".old");
        PathBuf::from(o)
    };
    let r = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        drop(f);
        let aside = fs::rename(path, &old).is_ok();
        fs::rename(&tmp, path)?;
        Ok(aside.then_some(old))
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}

/// Create a new file (refusing to replace one) with fsync; used for new specs and archives.
pub fn create(path: &Path, data: &[u8]) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d)?;
    }
    let tmp = tmp_path(path);
    let _ = fs::remove_file(&tmp);
    let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    f.write_all(data)?;
    mark(&f)?;
    f.sync_all()?;
    drop(f);
    crate::faults::point();
    // hard_link fails if the destination exists: no window where a file is overwritten.
    let r = fs::hard_link(&tmp, path).or_else(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Err(e)
        } else if path.exists() {
            Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "destination exists",
            ))
        } else {
            fs::rename(&tmp, path)
        }
    });
    let _ = fs::remove_file(&tmp);
    r?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Sync each folder once (the deferred half of `write_deferring`).
pub fn sync_dirs(dirs: &mut Vec<PathBuf>) {
    dirs.sort();
    dirs.dedup();
    for d in dirs.drain(..) {
        let _ = sync_dir(&d);
    }
}

pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

/// Remove temp files left by killed runs. Call only while holding the workspace lock (or
/// where losing a concurrent write is harmless, as for the parse cache).
pub fn cleanup(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name();
        let n = name.to_string_lossy();
        if n.starts_with('.') && n.contains(TMP_MARK) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_compares_whole_files_block_by_block() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("T.md");
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&p, &big).unwrap();
        assert!(holds(&p, &big).unwrap());
        let mut other = big.clone();
        other[150_000] ^= 1;
        assert!(
            !holds(&p, &other).unwrap(),
            "a byte in the third block differs"
        );
        assert!(!holds(&p, &big[..big.len() - 1]).unwrap());
        fs::write(&p, b"").unwrap();
        assert!(holds(&p, b"").unwrap());
        assert!(!holds(&p, b"x").unwrap());
        assert!(holds(&d.path().join("gone"), b"").is_err());
    }

    #[test]
    fn replaces_and_keeps_permissions() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("T.md");
        fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write(&p, b"new", Some(b"old")).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        assert!(matches!(
            write(&p, b"x", Some(b"old")),
            Err(WriteError::Changed)
        ));
        assert_eq!(
            fs::read(&p).unwrap(),
            b"new",
            "a refused write leaves the file as it was"
        );
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn create_refuses_existing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b.md");
        create(&p, b"1").unwrap();
        assert!(create(&p, b"2").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"1");
    }

    #[test]
    fn cleanup_removes_leftovers_only() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join(".T.md.baton-tmp.123"), "x").unwrap();
        fs::write(d.path().join("T.md"), "x").unwrap();
        cleanup(d.path());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
