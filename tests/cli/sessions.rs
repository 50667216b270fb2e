//! init, start and ess through the binary: golden files with a fixed clock.
//!
//! Golden trees live in `tests/fixtures/sessions/`; `BATON_BLESS=1 cargo test --test cli
//! sessions` rewrites them from the actual output (review the diff before committing).
//! `baton done` is another module's work: these tests tick tasks by editing TASKS.md.

use crate::support::{Ws, copy_tree, fixture, list_tree};
use std::path::Path;
use std::process::Command;

fn git(ws: &Ws, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(ws.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?} failed");
}

fn has_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Run baton with git's user configuration out of the way.
fn run(ws: &Ws, args: &[&str]) -> (i32, String, String) {
    let out = ws
        .cmd()
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(args)
        .output()
        .expect("run baton");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(ws: &Ws, args: &[&str]) -> String {
    let (code, out, err) = run(ws, args);
    assert_eq!(
        code, 0,
        "baton {args:?} failed:\nstdout:\n{out}\nstderr:\n{err}"
    );
    out
}

fn json(ws: &Ws, args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let (code, out, err) = run(ws, &a);
    let doc: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\nstderr:\n{err}"));
    assert_eq!(doc["ok"], code == 0, "{doc}");
    (code, doc)
}

/// `ess --instance N --title T --summary S` and `extra`.
fn ess_args<'a>(
    instance: &'a str,
    title: &'a str,
    summary: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut a = vec![
        "ess",
        "--instance",
        instance,
        "--title",
        title,
        "--summary",
        summary,
    ];
    a.extend_from_slice(extra);
    a
}

fn files_without_git(dir: &Path) -> Vec<String> {
    list_tree(dir)
        .into_iter()
        .filter(|f| !f.starts_with(".git/"))
        .collect()
}

/// Compare the workspace (without `.git/` and `.baton/`) with a golden tree, byte for byte.
fn golden(ws: &Ws, name: &str) {
    let expected = fixture(name);
    if std::env::var_os("BATON_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&expected);
        for f in files_without_git(ws.path()) {
            let to = expected.join(&f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(ws.abs(&f), to).unwrap();
        }
        return;
    }
    let a = files_without_git(ws.path());
    let e = list_tree(&expected);
    assert_eq!(a, e, "the file lists differ from {name}");
    for f in &e {
        let x = ws.bytes(f);
        let y = std::fs::read(expected.join(f)).unwrap();
        if x != y {
            panic!(
                "{f} differs from {name}:\n--- expected\n{}\n--- actual\n{}",
                String::from_utf8_lossy(&y),
                String::from_utf8_lossy(&x)
            );
        }
    }
}

fn from_fixture(name: &str) -> Ws {
    let ws = Ws::new();
    copy_tree(&fixture(name), ws.path());
    ws
}

const PHASE: &str = "
## Phase 1: Parser

- [ ] 1.1 Write the parser
  (spec: [101_PARSER.md](archive/specs/101_PARSER.md))
- [ ] 1.2 Test the parser
  (spec: [101_PARSER.md](archive/specs/101_PARSER.md))
";

#[test]
fn full_session_init_start_claim_done_ess() {
    if !has_git() {
        // The only test of Files Created/Modified: in CI a missing git is a failure.
        crate::support::missing_prerequisite(
            "git on PATH (the session's file lists come from git)",
        );
        return;
    }
    let ws = Ws::new();
    git(&ws, &["init", "-q"]);
    ok(&ws, &["init", "--instances", "2"]);
    golden(&ws, "sessions/init");

    let tasks = ws.read("TASKS.md");
    ws.write(
        "TASKS.md",
        tasks.replace(
            "\n---\n\n**Last Updated**",
            &format!("{PHASE}\n---\n\n**Last Updated**"),
        ),
    );
    ws.write(
        "archive/specs/101_PARSER.md",
        "# 101 Parser\n\nWrite `src/parser.rs`.\n",
    );
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "start"]);

    let out = ok(&ws, &["start", "--instance", "1"]);
    assert!(out.contains("1.1 Write the parser"), "{out}");
    assert!(ws.exists(".baton/sessions/instance_001.json"));
    ok(&ws, &["claim", "1.1", "--instance", "1"]);
    ws.write("src/parser.rs", "pub fn parse() {}\n");
    // `baton done` lives in another module: tick the task by hand, as an instance would.
    let t = ws.read("TASKS.md");
    assert!(t.contains("- [ ] [Instance 1] 1.1 Write the parser"));
    ws.write(
        "TASKS.md",
        t.replace(
            "- [ ] [Instance 1] 1.1 Write the parser",
            "- [x] 1.1 Write the parser",
        ),
    );
    ok(&ws, &["claim", "1.2", "--instance", "1"]);
    let out = ok(
        &ws,
        &ess_args(
            "1",
            "Parser",
            "Wrote the parser; tests next.",
            &["--decision", "One pass over the bytes"],
        ),
    );
    assert!(out.contains("Session 1 (2026-01-15) - Parser"), "{out}");
    // The snapshot stays until the next start, marked with the entry's session: a second
    // `ess` replaces that entry.
    assert!(
        ws.read(".baton/sessions/instance_001.json")
            .contains("\"ess_session\": 1"),
        "the snapshot records the entry"
    );
    golden(&ws, "sessions/full");
}

#[test]
fn init_refuses_to_overwrite() {
    let ws = Ws::new();
    ws.write("instance_002.md", "mine\n");
    let (code, _, err) = run(&ws, &["init"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("instance_002.md"), "{err}");
    assert_eq!(list_tree(ws.path()), vec!["instance_002.md"]);
    assert_eq!(ws.read("instance_002.md"), "mine\n");
}

#[test]
fn init_appends_to_gitignore() {
    let ws = Ws::new();
    ws.write(".gitignore", "/target");
    ok(&ws, &["init", "--instances", "1"]);
    assert_eq!(ws.read(".gitignore"), "/target\n.baton/\n");
    assert!(ws.exists("instance_001.md") && !ws.exists("instance_002.md"));
    assert!(ws.exists("archive/tasks/.gitkeep"));
}

#[test]
fn rotation_from_three_to_four_archives_the_oldest_verbatim() {
    let ws = from_fixture("sessions/rotation/before");
    let before = ws.read("docs/tasks/instance_001.md");
    let (code, doc) = json(&ws, &ess_args("1", "Cache layer", "Cache done.", &[]));
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["session"], 36);
    assert_eq!(
        doc["data"]["rotated"][0]["file"],
        "archive/sessions/instance_001_session_33_2025-12-27.md"
    );
    let archived = ws.read("archive/sessions/instance_001_session_33_2025-12-27.md");
    let start = before.find("### 2025-12-27 (Session 33").unwrap();
    let end = before.find("*(Sessions 32").unwrap();
    assert_eq!(
        archived,
        before[start..end],
        "the oldest entry, byte for byte"
    );
    golden(&ws, "sessions/rotation/after");
}

#[test]
fn front_matter_with_unknown_keys_and_comments_survives() {
    let ws = from_fixture("sessions/frontmatter");
    let before = ws.read("instance_001.md");
    ok(&ws, &ess_args("1", "Small fix", "Fixed it.", &[]));
    let after = ws.read("instance_001.md");
    let fm_end = before.find("\n---\n").unwrap() + 5;
    let expected_fm = before[..fm_end].replace(
        "updated_at: 2025-12-28   # touched by baton ess",
        "updated_at: 2026-01-15   # touched by baton ess",
    );
    assert_eq!(&after[..expected_fm.len()], expected_fm);
    assert!(after.contains("x-owner: {team: core, \"quoted key\": yes}  # keep me"));
    assert!(after[expected_fm.len()..].starts_with(&before[fm_end..before.find("### ").unwrap()]));
}

#[test]
fn a_hand_written_entry_that_does_not_parse_is_kept() {
    let ws = from_fixture("sessions/unparsed");
    let before = ws.read("instance_001.md");
    let odd_start = before.find("### Thoughts after the outage").unwrap();
    let odd_end = before.find("### 2025-12-20").unwrap();
    let odd = &before[odd_start..odd_end];
    let (code, doc) = json(&ws, &ess_args("1", "Recovery", "Back up.", &[]));
    assert_eq!(code, 0, "{doc}");
    let after = ws.read("instance_001.md");
    assert!(after.contains(odd), "kept as written:\n{after}");
    let notes = doc["data"]["notes"].to_string();
    assert!(notes.contains("does not parse"), "{notes}");
    // 3 parsed entries + the new one: the oldest parsed one moves, the odd one stays.
    assert_eq!(doc["data"]["rotated"][0]["session"], 20);
    assert!(!after.contains("(Session 20 -"));
    let out = ok(&ws, &["start", "--instance", "1"]);
    assert!(out.contains("does not parse"), "{out}");
}

#[test]
fn a_failing_check_still_writes_the_entry() {
    let ws = from_fixture("sessions/rotation/before");
    ws.write(
        ".baton.yaml",
        "ess:\n  checks: [\"true\", \"echo broken >&2; exit 2\"]\n  check_timeout: 20s\n",
    );
    let (code, doc) = json(&ws, &ess_args("1", "Broken build", "Left it red.", &[]));
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["kind"], "failed");
    assert_eq!(doc["data"]["written"], true);
    assert_eq!(doc["data"]["checks"][1]["status"], "failed");
    assert_eq!(doc["data"]["checks"][1]["output_tail"][0], "broken");
    let after = ws.read("docs/tasks/instance_001.md");
    assert!(
        after.contains("### 2026-01-15 (Session 36 - Broken build)"),
        "{after}"
    );
    assert!(
        after.contains(
            "**Checks**:\n- `true` - passed\n- `echo broken >&2; exit 2` - FAILED (exit 2)\n"
        ),
        "{after}"
    );
}

#[test]
fn session_numbers_are_global_across_instances_and_the_archive() {
    let ws = from_fixture("sessions/numbering");
    let before2 = ws.bytes("instance_002.md");
    let (code, doc) = json(&ws, &ess_args("3", "First", "Hello.", &[]));
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["session"], 13,
        "archive/sessions holds Session 12"
    );
    assert!(
        ws.read("instance_003.md")
            .contains("### 2026-01-15 (Session 13 - First)")
    );
    assert_eq!(
        ws.bytes("instance_002.md"),
        before2,
        "never another instance's file"
    );
    let (_, doc) = json(&ws, &ess_args("2", "Second", "Again.", &[]));
    assert_eq!(doc["data"]["session"], 14);
}

#[test]
fn ess_without_a_snapshot_says_so_and_releases_claims() {
    let ws = from_fixture("sessions/rotation/before");
    let (code, doc) = json(&ws, &ess_args("1", "T", "S.", &["--dry-run"]));
    assert_eq!(code, 0, "{doc}");
    assert!(
        doc["data"]["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("no start snapshot")
    );
    assert_eq!(doc["data"]["written"], false);
    assert_eq!(doc["data"]["tasks"][0]["status"], "in_progress");
    let fresh = from_fixture("sessions/rotation/before");
    assert_tree_same(&ws, &fresh);
}

fn assert_tree_same(a: &Ws, b: &Ws) {
    let (la, lb) = (list_tree(a.path()), list_tree(b.path()));
    assert_eq!(la, lb);
    for f in la {
        assert_eq!(a.bytes(&f), b.bytes(&f), "{f}");
    }
}

/// Replace values that vary between runs (none today: no git, fixed clock).
fn pretty(doc: &serde_json::Value) -> String {
    serde_json::to_string_pretty(doc).unwrap()
}

#[test]
fn start_json_report() {
    let ws = from_fixture("sessions/rotation/before");
    let (code, doc) = json(&ws, &["start", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    insta::assert_snapshot!("start_json", pretty(&doc));
}

#[test]
fn ess_json_report() {
    let ws = from_fixture("sessions/rotation/before");
    ok(&ws, &["start", "--instance", "1"]);
    let t = ws.read("docs/tasks/TASKS.md");
    ws.write(
        "docs/tasks/TASKS.md",
        t.replacen("- [ ] [Instance 1] 2.1", "- [x] 2.1", 1),
    );
    let (code, doc) = json(
        &ws,
        &ess_args(
            "1",
            "Cache layer",
            "Cache done.",
            &["--decision", "LRU, not LFU"],
        ),
    );
    assert_eq!(code, 0, "{doc}");
    insta::assert_snapshot!("ess_json", pretty(&doc));
}

#[test]
fn ess_runs_the_archive_sweep_but_never_writes_another_instance_file() {
    let ws = Ws::new();
    ws.ok(&["init", "--instances", "2"]);
    ws.ok(&["spec", "new", "Proxy rotation"]);
    let mut two = ws.read("instance_002.md");
    two.push_str("\nSee [spec](docs/specs/101_PROXY_ROTATION.md).\n");
    ws.write("instance_002.md", &two);
    let mut one = ws.read("instance_001.md");
    one.push_str("\nMine: [spec](docs/specs/101_PROXY_ROTATION.md).\n");
    ws.write("instance_001.md", &one);
    ws.ok(&["start", "--instance", "1"]);
    ws.ok(&["claim", "Write proxy", "--instance", "1"]);
    ws.ok(&["done", "Write proxy", "--instance", "1"]);
    ws.ok(&["claim", "Implement proxy", "--instance", "1"]);
    ws.ok(&["done", "Implement proxy", "--instance", "1", "--no-archive"]);
    assert!(ws.exists("docs/specs/101_PROXY_ROTATION.md"));
    let (code, doc) = ws.json(&ess_args("1", "Proxy", "Done", &[]));
    assert_eq!(code, 0, "{doc}");
    assert!(!ws.exists("docs/specs/101_PROXY_ROTATION.md"));
    assert!(ws.exists("archive/specs/101_PROXY_ROTATION.md"));
    let one = ws.read("instance_001.md");
    assert!(
        one.contains("Mine: [spec](archive/specs/101_PROXY_ROTATION.md)."),
        "{one}"
    );
    assert!(one.contains("(Session 1 - Proxy)"), "{one}");
    assert_eq!(
        ws.read("instance_002.md"),
        two,
        "another instance's file is never written"
    );
    let tasks = ws.read("TASKS.md");
    assert!(
        tasks.contains("- [x] Implement proxy rotation\n"),
        "{tasks}"
    );
    assert!(
        !tasks.contains("docs/specs/101_PROXY_ROTATION.md"),
        "{tasks}"
    );
    // The link left in instance 2's file is a broken link that check repoints.
    let (code, _, _) = ws.run(&["check"]);
    assert_eq!(code, 1);
    ws.ok(&["check", "--fix"]);
    assert!(
        ws.read("instance_002.md")
            .contains("See [spec](archive/specs/101_PROXY_ROTATION.md).")
    );
}
