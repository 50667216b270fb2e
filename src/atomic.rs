//! Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync dir.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

const TMP_MARK: &str = ".baton-tmp.";

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

/// Replace `path` with `data` atomically. With `expect`, the current content must still
/// equal it right before the rename, else nothing is written and `Changed` is returned.
/// The file keeps its permissions. `create_new` refuses to replace an existing file.
pub fn write(path: &Path, data: &[u8], expect: Option<&[u8]>) -> Result<(), WriteError> {
    let tmp = tmp_path(path);
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        if let Ok(meta) = fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.sync_all()?;
        drop(f);
        if let Some(expect) = expect {
            let now = fs::read(path)?;
            if now != expect {
                return Err(WriteError::Changed);
            }
        }
        fs::rename(&tmp, path)?;
        sync_dir(path.parent().unwrap_or(Path::new(".")))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Replace `path` atomically but without fsync: for baton's own advisory state (claim
/// ages), where a crash may lose the latest update but must never leave a torn file.
pub fn write_unsynced(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = tmp_path(path);
    let _ = fs::remove_file(&tmp);
    let r = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        drop(f);
        fs::rename(&tmp, path)
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
    f.sync_all()?;
    drop(f);
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

pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

/// Remove temp files left by killed runs. Call only while holding the workspace lock.
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
