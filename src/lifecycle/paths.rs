//! Path safety for moves and creations: the configured folders, containment, symlinks,
//! and the relative link text from one workspace path to another.

use crate::config::Config;
use crate::model::links::{self, Target};
use crate::text::slash_path;
use std::path::{Component, Path, PathBuf};

/// The configured lifecycle folders, lexically normalised; a folder configured outside the
/// workspace (absolute, or climbing out with `..`) is None, and nothing is moved to or from it.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub research: Option<PathBuf>,
    pub specs: Option<PathBuf>,
    pub archive_research: Option<PathBuf>,
    pub archive_specs: Option<PathBuf>,
}

impl Dirs {
    pub fn new(cfg: &Config) -> Dirs {
        Dirs {
            research: normal_dir(&cfg.research_dir),
            specs: normal_dir(&cfg.specs_dir),
            archive_research: normal_dir(&cfg.archive.research),
            archive_specs: normal_dir(&cfg.archive.specs),
        }
    }

    /// Every folder, for walking.
    pub fn all(&self) -> Vec<&Path> {
        [
            &self.research,
            &self.specs,
            &self.archive_research,
            &self.archive_specs,
        ]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect()
    }
}

/// A configured folder as a root-relative path, or None when it is not inside the workspace.
pub fn normal_dir(d: &str) -> Option<PathBuf> {
    match links::resolve(d, Path::new("")) {
        Target::Local(p) if !p.is_empty() => Some(p.as_path().to_path_buf()),
        _ => None,
    }
}

/// `p` below `dir`: the rest of the path, when `p` is strictly inside `dir`.
pub fn under(p: &Path, dir: &Path) -> Option<PathBuf> {
    let rest = p.strip_prefix(dir).ok()?;
    (!rest.as_os_str().is_empty()).then(|| rest.to_path_buf())
}

/// Check that no existing component of `rel` (below `root`) is a symbolic link, and that
/// `rel` is a plain relative path. Components that do not exist yet are fine.
pub fn symlink_free(root: &Path, rel: &Path) -> Result<(), String> {
    let mut cur = root.to_path_buf();
    let mut shown = PathBuf::new();
    for c in rel.components() {
        let Component::Normal(part) = c else {
            return Err(format!("{} is not a plain relative path", slash_path(rel)));
        };
        cur.push(part);
        shown.push(part);
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(if shown == rel {
                    format!("{} is a symbolic link", slash_path(rel))
                } else {
                    format!(
                        "{} passes through the symbolic link {}",
                        slash_path(rel),
                        slash_path(&shown)
                    )
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("{}: {e}", slash_path(&shown))),
        }
    }
    Ok(())
}

/// Whether something (a file, a folder, a dangling symlink) occupies `rel`.
pub fn occupied(root: &Path, rel: &Path) -> bool {
    std::fs::symlink_metadata(root.join(rel)).is_ok()
}

/// The relative link from a file in `from_dir` to `to` (both root-relative), `/`-separated
/// and escaped for a markdown link destination.
pub fn relative(from_dir: &Path, to: &Path) -> String {
    relative_as(from_dir, to, false)
}

/// [`relative`], for a destination written in `<angle brackets>` (spaces stay spaces) or not.
pub fn relative_as(from_dir: &Path, to: &Path, angle: bool) -> String {
    let a: Vec<&std::ffi::OsStr> = from_dir.iter().collect();
    let b: Vec<&std::ffi::OsStr> = to.iter().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(b[common..].iter().map(|s| {
        let e = encode(&s.to_string_lossy());
        if angle { e.replace("%20", " ") } else { e }
    }));
    parts.join("/")
}

/// Escape what a markdown link destination cannot hold verbatim.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            '\\' => out.push_str("%5C"),
            c => out.push(c),
        }
    }
    out
}

/// Whether a file name is markdown.
pub fn is_markdown(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// Markdown files below each of `dirs` (root-relative), never following symbolic links,
/// skipping hidden folders; sorted, without duplicates.
pub fn markdown_files(root: &Path, dirs: &[&Path]) -> Vec<PathBuf> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>, depth: usize) {
        if depth > 32 {
            return;
        }
        let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name();
            let child = rel.join(&name);
            if ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                if !name.to_string_lossy().starts_with('.') {
                    walk(root, &child, out, depth + 1);
                }
            } else if ft.is_file() && is_markdown(&child) {
                out.push(child);
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        if symlink_free(root, d).is_ok() {
            walk(root, d, &mut out, 0);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links() {
        let r = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(
            r("docs/tasks", "archive/specs/101_X.md"),
            "../../archive/specs/101_X.md"
        );
        assert_eq!(r("docs/tasks", "docs/specs/101_X.md"), "../specs/101_X.md");
        assert_eq!(r("", "docs/specs/a b.md"), "docs/specs/a%20b.md");
        assert_eq!(r("archive/specs", "archive/specs/x.md"), "x.md");
        assert_eq!(
            r("archive/specs", "docs/tasks/TASKS.md"),
            "../../docs/tasks/TASKS.md"
        );
    }

    #[test]
    fn config_dirs_outside_the_workspace_are_refused() {
        assert_eq!(normal_dir("docs/specs/"), Some(PathBuf::from("docs/specs")));
        assert_eq!(
            normal_dir("./docs//specs"),
            Some(PathBuf::from("docs/specs"))
        );
        assert_eq!(normal_dir("../elsewhere"), None);
        assert_eq!(normal_dir("/etc"), None);
        assert_eq!(normal_dir(""), None);
    }

    #[test]
    fn under_is_strict() {
        assert_eq!(
            under(Path::new("docs/specs/a.md"), Path::new("docs/specs")),
            Some("a.md".into())
        );
        assert_eq!(
            under(Path::new("docs/specs"), Path::new("docs/specs")),
            None
        );
        assert_eq!(
            under(Path::new("docs/specsx/a.md"), Path::new("docs/specs")),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_detected_on_every_component() {
        let t = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("docs/specs")).unwrap();
        std::fs::write(out.path().join("x.md"), "x").unwrap();
        std::os::unix::fs::symlink(out.path(), t.path().join("docs/specs/sub")).unwrap();
        std::os::unix::fs::symlink(out.path().join("x.md"), t.path().join("docs/specs/l.md"))
            .unwrap();
        assert!(symlink_free(t.path(), Path::new("docs/specs/none.md")).is_ok());
        assert!(
            symlink_free(t.path(), Path::new("docs/specs/l.md"))
                .unwrap_err()
                .contains("is a symbolic link")
        );
        assert!(
            symlink_free(t.path(), Path::new("docs/specs/sub/x.md"))
                .unwrap_err()
                .contains("passes through")
        );
        assert!(symlink_free(t.path(), Path::new("../x.md")).is_err());
        assert!(markdown_files(t.path(), &[Path::new("docs")]).is_empty());
    }
}
