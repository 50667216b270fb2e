//! A small builder over assert_cmd and tempfile: a scratch workspace, the real binary,
//! and byte-exact file comparisons.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A fixed clock for every test run, so dates in output are deterministic.
pub const NOW: &str = "2026-01-15T10:00:00+00:00";

pub struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    pub fn new() -> Ws {
        Ws {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A workspace holding one TASKS.md.
    pub fn with_tasks(text: &str) -> Ws {
        let ws = Ws::new();
        ws.write("TASKS.md", text);
        ws
    }

    /// A copy of a fixture tree from `tests/fixtures/NAME` (or any folder).
    pub fn from_tree(src: impl AsRef<Path>) -> Ws {
        let ws = Ws::new();
        copy_tree(src.as_ref(), ws.path());
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn abs(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.abs(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(p, content).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        String::from_utf8(self.bytes(rel)).expect("utf-8")
    }

    pub fn bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.abs(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.abs(rel).exists()
    }

    /// The real binary, rooted here, with a fixed clock and no inherited instance.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("baton").expect("binary");
        c.current_dir(self.path())
            .env("BATON_NOW", NOW)
            .env_remove("BATON_INSTANCE")
            .env("NO_COLOR", "1")
            .arg("--root")
            .arg(self.path());
        c
    }

    /// Run with `args`, returning (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().expect("run baton");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Run with `--json`, check the envelope, return (exit code, document).
    pub fn json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let (code, out, err) = self.run(&a);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| {
            panic!("stdout is not one JSON document ({e}):\n{out}\nstderr:\n{err}")
        });
        assert_eq!(doc["version"], 1, "{doc}");
        assert_eq!(
            doc["ok"],
            code == 0,
            "ok must match the exit code {code}: {doc}"
        );
        assert_eq!(
            out.trim_end().lines().count(),
            1,
            "exactly one line of JSON"
        );
        (code, doc)
    }

    /// Run and require success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(
            code, 0,
            "baton {args:?} failed:\nstdout:\n{out}\nstderr:\n{err}"
        );
        out
    }
}

impl Ws {
    /// The claim store's entries (`.baton/claims.json`), in file order.
    pub fn ledger(&self) -> Vec<serde_json::Value> {
        store_entries(&self.read(".baton/claims.json"))
    }

    /// The instances of the claim store's entries, in file order.
    pub fn ledger_instances(&self) -> Vec<u64> {
        self.ledger()
            .iter()
            .map(|e| e["instance"].as_u64().expect("instance"))
            .collect()
    }
}

/// The entries of a claim store file, each with its checkout (the file groups them by
/// checkout: `{"version":3,"checkouts":[{"checkout":{..},"claims":[..]}]}`).
pub fn store_entries(text: &str) -> Vec<serde_json::Value> {
    let store: serde_json::Value = serde_json::from_str(text).expect("the claim store is JSON");
    store["checkouts"]
        .as_array()
        .expect("checkouts")
        .iter()
        .flat_map(|g| {
            g["claims"].as_array().expect("claims").iter().map(|e| {
                let mut e = e.clone();
                e["checkout"] = g["checkout"].clone();
                e
            })
        })
        .collect()
}

/// A claim-store entry's task as `list` labels it: its number, when it has one, and title.
pub fn entry_label(e: &serde_json::Value) -> String {
    let title = e["title"].as_str().expect("title");
    match e["number"].as_str() {
        Some(n) => format!("{n} {title}"),
        None => title.to_string(),
    }
}

pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Every file under `dir` (relative, `/`-separated), skipping `.baton/`.
pub fn list_tree(dir: &Path) -> Vec<String> {
    tree_state(dir)
        .into_keys()
        .filter(|k| !k.ends_with('/'))
        .collect()
}

/// Assert that `actual` holds exactly the files of `expected`, byte for byte.
pub fn assert_tree_eq(actual: &Path, expected: &Path) {
    let a = list_tree(actual);
    let e = list_tree(expected);
    assert_eq!(a, e, "the file lists differ");
    for f in &e {
        let x = std::fs::read(actual.join(f)).unwrap();
        let y = std::fs::read(expected.join(f)).unwrap();
        if x != y {
            panic!(
                "{f} differs from the golden file:\n--- expected\n{}\n--- actual\n{}",
                String::from_utf8_lossy(&y),
                String::from_utf8_lossy(&x)
            );
        }
    }
}

/// The path of a fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A folder for `BATON_TEST_PAUSE` (src/faults.rs): a command started with `env()` stops
/// at the named points until the test calls `go`, so the test acts at exactly that moment.
pub struct Pause {
    dir: tempfile::TempDir,
    points: Vec<String>,
}

impl Pause {
    pub fn new(points: &[&str]) -> Pause {
        Pause {
            dir: tempfile::tempdir().expect("pause dir"),
            points: points.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// The variable and its value, for `Command::env`.
    pub fn env(&self) -> (&'static str, String) {
        (
            "BATON_TEST_PAUSE",
            format!("{}:{}", self.points.join(","), self.dir.path().display()),
        )
    }

    /// Wait (at most a minute) until `child` stands at `point`; fails if it exits first.
    pub fn wait_reached(&self, point: &str, child: &mut std::process::Child) {
        let reached = self.dir.path().join(format!("{point}.reached"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !reached.exists() {
            if let Some(status) = child.try_wait().expect("poll the child") {
                panic!("baton exited ({status}) before reaching the pause point {point}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "baton did not reach the pause point {point} within a minute"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// The pid of the process that reached `point`.
    pub fn pid(&self, point: &str) -> u32 {
        std::fs::read_to_string(self.dir.path().join(format!("{point}.reached")))
            .expect("reached")
            .trim()
            .parse()
            .expect("a pid")
    }

    /// Wait until the command has gone on from `point`, then make its next visit stop
    /// there again.
    pub fn stop_again(&self, point: &str) {
        let reached = self.dir.path().join(format!("{point}.reached"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while reached.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "baton did not go on from {point} within a minute"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::fs::remove_file(self.dir.path().join(format!("{point}.go"))).expect("remove .go");
    }

    /// Let the command go on from `point` (and pass it from now on).
    pub fn go(&self, point: &str) {
        std::fs::write(self.dir.path().join(format!("{point}.go")), "").expect("write .go");
    }
}

/// Every file and folder under `dir` (relative, `/`-separated; folders end in `/`) with
/// the bytes of each file, skipping `.baton/`: what "the tree is as it was" compares.
pub fn tree_state(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == ".baton" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(base, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Whether this run is CI (`CI=true`), where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A test's prerequisite is missing: in CI that fails the test with `what`; elsewhere the
/// test is skipped with a note on stderr. Returns so the caller can `return`.
pub fn missing_prerequisite(what: &str) {
    assert!(
        !in_ci(),
        "prerequisite missing in CI (CI=true): {what}; install or provide it, it is not optional there"
    );
    eprintln!("SKIPPED (prerequisite missing): {what}; with CI=true this fails");
}
