//! Issue 13, "Nothing lost, even then": in-place saves, kills inside multi-file commands,
//! hostile state files, a lock file deleted while held, links, read-only files, a ledger
//! that cannot be written, and the errors around them. Kill points come from the test-only
//! hooks of `src/faults.rs`; a process is paused inside the lock at its `locked` point.

use crate::support::{Pause, Ws, fixture};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_baton")
}

const PLAN: &str = "# Plan\n\n## Instance Coordination\n\n| Instance | Current Task |\n|---|---|\n| 1 | Available |\n| 2 | Available |\n\n## Work\n\n- [ ] 1.1 First task\n- [ ] 1.2 Second task\n- [ ] 1.3 Third task\n";

/// Every file (with its bytes) and folder (None) under `dir`, `.baton/` left out.
fn tree(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if rel == ".baton" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), None);
                walk(base, &p, out);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn describe(
    a: &BTreeMap<String, Option<Vec<u8>>>,
    b: &BTreeMap<String, Option<Vec<u8>>>,
) -> String {
    let mut d = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => d.push(format!("only in the first: {k}")),
            Some(w) if w != v => d.push(format!("differs: {k}")),
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        d.push(format!("only in the second: {k}"));
    }
    d.join("\n")
}

fn wait_for(p: &Path) {
    let start = Instant::now();
    while !p.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} never appeared",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The real binary as a plain process, rooted at `ws`, with the fixed clock.
fn baton(ws: &Ws) -> Command {
    let mut c = Command::new(exe());
    c.current_dir(ws.path())
        .env("BATON_NOW", crate::support::NOW)
        .env_remove("BATON_INSTANCE")
        .env("NO_COLOR", "1")
        .arg("--root")
        .arg(ws.path());
    c
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A baton process paused inside the workspace lock (the `locked` pause point): it goes
/// on at `finish`.
struct Paused {
    child: Child,
    pause: Pause,
}

impl Paused {
    fn start(ws: &Ws, args: &[&str]) -> Paused {
        let pause = Pause::new(&[baton::faults::LOCKED]);
        let (name, value) = pause.env();
        let mut child = baton(ws)
            .env(name, value)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        pause.wait_reached(baton::faults::LOCKED, &mut child);
        Paused { child, pause }
    }

    fn finish(self) -> (i32, String) {
        self.pause.go(baton::faults::LOCKED);
        let out = self.child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A program saving TASKS.md in place with a pause: it opens the file for writing
/// (truncating it), writes `text[..cut]`, waits for `go`, writes the rest and closes, as
/// `cat > TASKS.md` does when its input comes in two parts.
struct InPlaceSave(Child);

impl InPlaceSave {
    fn start(ws: &Ws, text: &str, cut: usize) -> InPlaceSave {
        ws.write("p1", &text[..cut]);
        ws.write("p2", &text[cut..]);
        let child = Command::new("sh")
            .current_dir(ws.path())
            .arg("-c")
            .arg("exec 3>TASKS.md; cat p1 >&3; : > half; while [ ! -e go ]; do sleep 0.01; done; cat p2 >&3; exec 3>&-")
            .spawn()
            .unwrap();
        wait_for(&ws.abs("half"));
        InPlaceSave(child)
    }

    fn finish(mut self, ws: &Ws) {
        std::fs::write(ws.abs("go"), "").unwrap();
        assert!(self.0.wait().unwrap().success());
    }
}

// ---------------------------------------------------------------------------------------
// 1. A writer that still has TASKS.md open never loses its bytes.

#[cfg(unix)]
#[test]
fn a_claim_during_an_in_place_save_never_truncates_the_plan() {
    let ws = Ws::new();
    let mut full = String::from(
        "# Plan\n\n## Instance Coordination\n\n| Instance | Current Task |\n|---|---|\n| 1 | Available |\n\n## Work\n\n",
    );
    for i in 0..400 {
        full.push_str(&format!("- [ ] 1.{i} Task number {i} of the plan\n"));
    }
    full.push_str("\n**Last Updated**: 2026-01-14\n");
    ws.write("TASKS.md", &full);
    let writer = InPlaceSave::start(&ws, &full, full.len() / 3);
    let (code, _, err) = ws.run(&["next", "--claim", "--instance", "1"]);
    assert!(code == 0 || code == 4, "exit {code}: {err}");
    writer.finish(&ws);
    // The next command (any: `list` reads only) sees the save complete.
    ws.ok(&["list"]);
    assert_eq!(
        ws.read("TASKS.md"),
        full,
        "the writer's bytes are all in TASKS.md"
    );
    for f in ["p1", "p2", "half", "go"] {
        std::fs::remove_file(ws.abs(f)).unwrap();
    }
    let left: Vec<String> = tree(ws.path()).into_keys().collect();
    assert_eq!(left, ["TASKS.md"], "no copy left behind");
}

/// The copy kept of a hand-written file is only put back when it changed: a finished
/// save that nobody writes any more never undoes baton's edits.
#[test]
fn a_kept_copy_that_did_not_change_is_never_put_back() {
    let ws = Ws::with_tasks(PLAN);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let kept = |ws: &Ws| -> Vec<String> {
        std::fs::read_dir(ws.abs(".baton/saved"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.ends_with(".path"))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(kept(&ws).len(), 1, "the hand-written original is kept");
    let (_, _, err) = ws.run(&["list"]);
    assert!(!err.contains("warning"), "{err}");
    ws.ok(&["claim", "1.2", "--instance", "2"]);
    let t = ws.read("TASKS.md");
    assert!(
        t.contains("[Instance 1] 1.1") && t.contains("[Instance 2] 1.2"),
        "{t}"
    );
    // baton's own output, displaced by the second claim, is not kept.
    assert_eq!(kept(&ws).len(), 1);
}

/// A kept copy whose times changed but whose bytes did not (`touch`, a copy, a backup put
/// back) is no save in progress: it never replaces the plan, here or in a copied
/// workspace (found by an adversarial review: both undid the claims).
#[test]
fn a_kept_copy_touched_or_copied_is_never_put_back() {
    let ws = Ws::with_tasks(PLAN);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let saved = ws.abs(".baton/saved");
    let names: Vec<std::path::PathBuf> = std::fs::read_dir(&saved)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!names.is_empty(), "the hand-written original is kept");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    for p in &names {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(later)
            .unwrap();
    }
    let claimed = ws.read("TASKS.md");
    assert!(claimed.contains("[Instance 1] 1.1"), "{claimed}");
    // A copy of the whole workspace, used on its own.
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", ws.path().display()))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--root")
        .arg(copy.path())
        .arg("list")
        .output()
        .unwrap();
    assert!(out.status.success());
    let (_, _, err) = ws.run(&["list"]);
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(ws.read("TASKS.md"), claimed, "the claim stands");
    assert_eq!(
        std::fs::read_to_string(copy.path().join("TASKS.md")).unwrap(),
        claimed,
        "and in the copy"
    );
}

// ---------------------------------------------------------------------------------------
// 2. A multi-file command killed at any write step: the next command finishes or undoes it.

/// Run `args` on fresh copies made by `setup`, killed at each write point in turn; after
/// each kill, `next` (a command that takes the lock) must leave the old or the new tree.
fn killed_at_every_step(setup: &dyn Fn() -> Ws, args: &[&str]) {
    let old = tree(setup().path());
    let done = setup();
    let (code, out, err) = done.run(args);
    assert_eq!(code, 0, "baton {args:?}: {out}{err}");
    let new = tree(done.path());
    assert_ne!(old, new, "baton {args:?} changes something");
    let mut kills = 0;
    let mut interrupted = 0;
    for k in 0..200 {
        let ws = setup();
        let out = ws
            .cmd()
            .env("BATON_TEST_KILL_AT_STEP", k.to_string())
            .args(args)
            .output()
            .unwrap();
        if out.status.code() == Some(0) {
            assert_eq!(
                tree(ws.path()),
                new,
                "{args:?} ran to the end past the last kill point"
            );
            break;
        }
        assert_eq!(
            out.status.code(),
            None,
            "{args:?} killed at point {k}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        kills += 1;
        // `check` (no lock) reports what was interrupted and names the command that repairs it.
        let (_, check) = ws.json(&["check"]);
        let reported = check["data"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "interrupted_transaction")
            .cloned();
        // The next command under the lock rolls it forward or back.
        let (code, _, err) = ws.run(&["archive", "--dry-run"]);
        assert!(code == 0, "after a kill at {k}: {err}");
        let now = tree(ws.path());
        assert!(
            now == old || now == new,
            "{args:?} killed at point {k}, then `archive --dry-run`: neither the old nor the new tree\nagainst the old:\n{}\nagainst the new:\n{}",
            describe(&now, &old),
            describe(&now, &new)
        );
        if let Some(d) = reported {
            interrupted += 1;
            let help = d.to_string();
            assert!(help.contains("baton check --fix"), "{help}");
        }
        let (_, check) = ws.json(&["check"]);
        assert!(
            !check.to_string().contains("interrupted_transaction"),
            "repaired: {check}"
        );
    }
    assert!(kills >= 3, "{args:?}: only {kills} kill points");
    assert!(
        interrupted >= 1,
        "{args:?}: no kill left a transaction to report"
    );
}

fn walk(stage: &str) -> Ws {
    Ws::from_tree(fixture("lifecycle/walk").join(stage))
}

#[test]
fn archive_killed_at_every_step_is_old_or_new() {
    let setup = || {
        let ws = Ws::from_tree(fixture("lifecycle/section/before"));
        ws.ok(&["done", "2.2", "--instance", "1", "--no-archive"]);
        ws
    };
    killed_at_every_step(&setup, &["archive"]);
}

#[test]
fn done_killed_at_every_step_is_old_or_new() {
    let setup = || {
        let ws = walk("after_research_done");
        ws.ok(&["claim", "Write proxy", "--instance", "1"]);
        ws.ok(&["done", "Write proxy", "--instance", "1"]);
        ws.ok(&["claim", "Implement proxy", "--instance", "1"]);
        ws
    };
    killed_at_every_step(&setup, &["done", "Implement proxy", "--instance", "1"]);
}

#[test]
fn ess_killed_at_every_step_is_old_or_new() {
    let setup = || Ws::from_tree(fixture("sessions/rotation/before"));
    killed_at_every_step(
        &setup,
        &[
            "ess",
            "--instance",
            "1",
            "--title",
            "Cache layer",
            "--summary",
            "Cache done.",
        ],
    );
}

#[test]
fn spec_new_killed_at_every_step_is_old_or_new() {
    let setup = || walk("after_research_new");
    killed_at_every_step(
        &setup,
        &[
            "spec",
            "new",
            "Proxy rotation",
            "--from-research",
            "Research proxy",
        ],
    );
}

#[test]
fn research_new_killed_at_every_step_is_old_or_new() {
    let setup = || walk("before");
    killed_at_every_step(
        &setup,
        &["research", "new", "Proxy rotation", "--section", "Phase 5"],
    );
}

#[test]
fn check_fix_killed_at_every_step_is_old_or_new() {
    // One phase with work in several files: the archive sweep of a finished spec.
    let setup = || {
        let ws = Ws::from_tree(fixture("lifecycle/section/before"));
        ws.ok(&["done", "2.2", "--instance", "1", "--no-archive"]);
        ws
    };
    killed_at_every_step(&setup, &["check", "--fix"]);
}

// ---------------------------------------------------------------------------------------
// 3. State files are never followed through links.

#[cfg(unix)]
#[test]
fn a_linked_lock_file_is_refused_and_nothing_outside_is_written() {
    let ws = Ws::with_tasks(PLAN);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious.txt");
    std::fs::write(&target, "precious bytes\n").unwrap();
    std::fs::create_dir(ws.abs(".baton")).unwrap();
    std::os::unix::fs::symlink(&target, ws.abs(".baton/lock")).unwrap();
    let (code, doc) = ws.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(".baton/lock") && msg.contains("link"), "{msg}");
    assert!(
        doc["error"]["hint"].as_str().unwrap().contains("rm "),
        "{doc}"
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "precious bytes\n"
    );
    assert_eq!(ws.read("TASKS.md"), PLAN);

    // A dangling link creates nothing.
    let missing = outside.path().join("created.txt");
    std::fs::remove_file(ws.abs(".baton/lock")).unwrap();
    std::os::unix::fs::symlink(&missing, ws.abs(".baton/lock")).unwrap();
    let (code, _) = ws.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 1);
    assert!(!missing.exists(), "the link's target was created");

    // A linked ledger is refused the same way, and not read.
    std::fs::remove_file(ws.abs(".baton/lock")).unwrap();
    std::os::unix::fs::symlink(&target, ws.abs(".baton/claims.json")).unwrap();
    let (code, doc) = ws.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("claims.json")
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "precious bytes\n"
    );
    assert_eq!(ws.read("TASKS.md"), PLAN);

    // A linked `.baton` folder: editing commands refuse it, reading ones write nothing there
    // (not even the parse cache of a plan large enough to have one).
    let big = format!(
        "{PLAN}{}",
        "- [ ] 9.9 Filler task to pass the cache threshold\n".repeat(60)
    );
    let ws2 = Ws::with_tasks(&big);
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), ws2.abs(".baton")).unwrap();
    ws2.ok(&["list"]);
    let (code, doc) = ws2.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains(".baton is a symbolic link")
    );
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    assert_eq!(ws2.read("TASKS.md"), big);
}

// ---------------------------------------------------------------------------------------
// 4. The lock holds even when its file is deleted.

#[test]
fn deleting_the_lock_file_does_not_let_a_second_command_in() {
    let ws = Ws::with_tasks(PLAN);
    let first = Paused::start(&ws, &["claim", "1.1", "--instance", "1"]);
    std::fs::remove_dir_all(ws.abs(".baton")).unwrap();
    let (code, doc) = ws.json(&["--wait", "0.3", "claim", "1.2", "--instance", "2"]);
    assert_eq!(
        code, 4,
        "a second command got in while the first held the lock: {doc}"
    );
    let (code, err) = first.finish();
    assert_eq!(code, 0, "{err}");
    ws.ok(&["claim", "1.2", "--instance", "2"]);
    let t = ws.read("TASKS.md");
    assert!(t.contains("- [ ] [Instance 1] 1.1 First task"), "{t}");
    assert!(t.contains("- [ ] [Instance 2] 1.2 Second task"), "{t}");
    let mut held = ws.ledger_instances();
    held.sort();
    assert_eq!(held, [1, 2]);
}

#[test]
fn contended_claims_with_the_lock_file_deleted_in_a_loop() {
    let mut plan = String::from(PLAN);
    for i in 4..=40 {
        plan.push_str(&format!("- [ ] 1.{i} Task {i}\n"));
    }
    let ws = Ws::with_tasks(&plan);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let deleter = {
        let stop = stop.clone();
        let lock = ws.abs(".baton/lock");
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if std::fs::remove_file(&lock).is_ok() {
                    n += 1;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            n
        })
    };
    // 12 instances, each claims the next ready task, releases it, and claims again.
    let results: Vec<(u32, String)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (1..=12u32)
            .map(|n| {
                let ws = &ws;
                sc.spawn(move || {
                    let inst = n.to_string();
                    let first = json_of(
                        &baton(ws)
                            .args(["--json", "next", "--claim", "--instance", &inst])
                            .output()
                            .unwrap(),
                    );
                    assert_eq!(first["ok"], true, "{first}");
                    let r = first["data"]["task"]["ref"].as_str().unwrap().to_string();
                    let rel = json_of(
                        &baton(ws)
                            .args(["--json", "release", &r, "--instance", &inst])
                            .output()
                            .unwrap(),
                    );
                    assert_eq!(rel["data"]["action"], "released", "{rel}");
                    let second = json_of(
                        &baton(ws)
                            .args(["--json", "next", "--claim", "--instance", &inst])
                            .output()
                            .unwrap(),
                    );
                    assert_eq!(second["ok"], true, "{second}");
                    (
                        n,
                        second["data"]["task"]["title"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    )
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(deleter.join().unwrap() > 0, "the lock file was deleted");
    let t = ws.read("TASKS.md");
    let mut held: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (n, title) in results {
        held.entry(title).or_default().push(n);
    }
    for (title, who) in &held {
        assert_eq!(who.len(), 1, "`{title}` won by {who:?}");
        let line = t.lines().find(|l| l.ends_with(title.as_str())).unwrap();
        assert_eq!(line.matches("[Instance").count(), 1, "{line}");
    }
    assert_eq!(t.matches("[Instance ").count(), 12, "{t}");
    // The ledger knows every claim in the file, and nothing else.
    assert_eq!(ws.ledger().len(), 12, "{:?}", ws.ledger());
}

// ---------------------------------------------------------------------------------------
// 5. A linked TASKS.md stays a link; its target is edited, under its own lock.

#[cfg(unix)]
#[test]
fn a_linked_plan_is_edited_through_the_link() {
    let real = Ws::with_tasks(PLAN);
    let linked = Ws::new();
    std::os::unix::fs::symlink(real.abs("TASKS.md"), linked.abs("TASKS.md")).unwrap();
    linked.ok(&["claim", "1.1", "--instance", "1"]);
    let meta = std::fs::symlink_metadata(linked.abs("TASKS.md")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert!(
        real.read("TASKS.md")
            .contains("[Instance 1] 1.1 First task")
    );
    // The other workspace sees the claim: no double claim.
    let (code, doc) = real.json(&["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 3, "{doc}");
    assert!(
        tree(real.path()).keys().all(|k| !k.contains("baton-tmp")),
        "no temp file left beside the target"
    );

    // Both workspaces lock what is really edited.
    let first = Paused::start(&linked, &["claim", "1.2", "--instance", "1", "--also"]);
    let (code, doc) = real.json(&["--wait", "0.3", "claim", "1.3", "--instance", "2"]);
    assert_eq!(code, 4, "{doc}");
    let (code, err) = first.finish();
    assert_eq!(code, 0, "{err}");
}

// ---------------------------------------------------------------------------------------
// 6. A read-only plan is not edited.

#[cfg(unix)]
#[test]
fn a_read_only_plan_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Ws::with_tasks(PLAN);
    std::fs::set_permissions(ws.abs("TASKS.md"), std::fs::Permissions::from_mode(0o444)).unwrap();
    // As a user the bits refuse a write; root may write anything, so as root the command
    // runs as `nobody` (in a folder it may write, on a plan it may only read).
    let root = String::from_utf8(
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
        == "0";
    let out = if root {
        std::fs::set_permissions(ws.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_baton"))
            .arg("--root")
            .arg(ws.path())
            .args(["--json", "claim", "1.1", "--instance", "1"])
            .output()
            .expect("setpriv (util-linux) runs the command as nobody")
    } else {
        ws.cmd()
            .args(["--json", "claim", "1.1", "--instance", "1"])
            .output()
            .unwrap()
    };
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.code(), Some(1), "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("TASKS.md") && msg.contains("read-only"),
        "{msg}"
    );
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("chmod u+w TASKS.md")
    );
    assert_eq!(ws.read("TASKS.md"), PLAN);
    let mode = std::fs::metadata(ws.abs("TASKS.md"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444);
}

// ---------------------------------------------------------------------------------------
// 7. The plan and the ledger change together or not at all.

#[test]
fn a_claim_whose_ledger_cannot_be_written_is_not_made() {
    let ws = Ws::with_tasks(PLAN);
    ws.ok(&["claim", "1.2", "--instance", "2"]);
    let plan = ws.read("TASKS.md");
    let ledger = ws.read(".baton/claims.json");
    let out = ws
        .cmd()
        .env("BATON_TEST_FAIL", "ledger")
        .args(["--json", "claim", "1.1", "--instance", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{doc}"
    );
    assert_eq!(ws.read("TASKS.md"), plan, "the claim is not in the file");
    assert_eq!(ws.read(".baton/claims.json"), ledger);
    let (code, doc) = ws.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 0);
    assert_eq!(doc["data"]["action"], "claimed", "a retry claims it: {doc}");
}

// ---------------------------------------------------------------------------------------
// 8. `tasks_file` must stay inside the workspace.

#[test]
fn tasks_file_outside_the_root_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::create_dir(parent.path().join("other")).unwrap();
    std::fs::write(parent.path().join("other/plan.md"), PLAN).unwrap();
    let root = parent.path().join("ws");
    std::fs::create_dir(&root).unwrap();
    for (value, label) in [
        ("../other/plan.md", "../other/plan.md"),
        (
            &*parent.path().join("other/plan.md").to_string_lossy(),
            "absolute",
        ),
    ] {
        std::fs::write(root.join(".baton.yaml"), format!("tasks_file: {value}\n")).unwrap();
        let out = Command::new(exe())
            .args(["--root"])
            .arg(&root)
            .args(["--json", "claim", "1.1", "--instance", "1"])
            .env("BATON_NOW", crate::support::NOW)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{label}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("tasks_file") && msg.contains("outside"),
            "{msg}"
        );
        assert_eq!(
            std::fs::read_to_string(parent.path().join("other/plan.md")).unwrap(),
            PLAN
        );
    }
}

// ---------------------------------------------------------------------------------------
// 9. Clear errors.

#[test]
fn cr_only_line_endings_get_a_clear_error() {
    let ws = Ws::with_tasks(&PLAN.replace('\n', "\r"));
    let (code, doc) = ws.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(!msg.contains("internal"), "{msg}");
    assert!(msg.contains("line endings"), "{msg}");
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("perl -pi"), "{hint}");
    assert_eq!(ws.bytes("TASKS.md"), PLAN.replace('\n', "\r").into_bytes());
    // The command the hint names works: afterwards the claim goes through.
    let cmd = hint.split('`').nth(1).unwrap();
    let ok = Command::new("sh")
        .current_dir(ws.path())
        .arg("-c")
        .arg(cmd)
        .status()
        .unwrap();
    assert!(ok.success(), "{cmd}");
    assert_eq!(ws.read("TASKS.md"), PLAN);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
}

#[test]
fn a_title_the_table_cannot_hold_gets_a_clear_error() {
    let plan = PLAN.replace("Second task", &"[".repeat(100_000));
    let ws = Ws::with_tasks(&plan);
    let (code, doc) = ws.json(&["claim", "1.2", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(!msg.contains("internal"), "{msg}");
    assert!(
        msg.contains("coordination table") && msg.len() < 400,
        "{msg}"
    );
    assert!(doc["error"]["hint"].as_str().unwrap().contains("title"));
    assert_eq!(ws.read("TASKS.md"), plan);
}

#[cfg(unix)]
#[test]
fn a_task_missing_during_an_in_place_save_is_busy_not_absent() {
    let ws = Ws::with_tasks(PLAN);
    // Cut mid-line, as a writer's buffer is.
    let writer = InPlaceSave::start(&ws, PLAN, PLAN.find("- [ ] 1.2").unwrap() + 8);
    let (code, doc) = ws.json(&["claim", "1.3", "--instance", "1"]);
    let (shown, _) = ws.json(&["show", "1.3"]);
    writer.finish(&ws);
    assert_eq!(shown, 4, "a read-only command too");
    assert_eq!(code, 4, "{doc}");
    assert_eq!(doc["error"]["kind"], "busy");
    ws.ok(&["claim", "1.3", "--instance", "1"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_does_not_turn_a_made_claim_into_a_failure() {
    let ws = Ws::with_tasks(PLAN);
    let out = baton(&ws)
        .args(["claim", "1.1", "--instance", "1"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert!(ws.read("TASKS.md").contains("[Instance 1] 1.1"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "the claim was made: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not"));
    // A command whose only work is its output fails.
    let out = baton(&ws)
        .args(["list"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn temp_files_of_dead_runs_are_swept_by_read_only_commands() {
    let ws = Ws::with_tasks(PLAN);
    // A claim killed after its swap leaves the displaced plan as a temp file.
    let out = ws
        .cmd()
        .env("BATON_TEST_KILL_AT_STEP", "2")
        .args(["claim", "1.1", "--instance", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "killed");
    let leftovers = |ws: &Ws| -> Vec<String> {
        tree(ws.path())
            .into_keys()
            .filter(|k| k.contains("baton-tmp"))
            .collect()
    };
    assert!(
        !leftovers(&ws).is_empty(),
        "the kill point is after the swap"
    );
    // And one of a process long gone.
    let mut dead = Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    ws.write(&format!(".TASKS.md.baton-tmp.{pid}"), "stale");
    ws.ok(&["list"]);
    assert_eq!(leftovers(&ws), Vec::<String>::new());
    assert!(ws.read("TASKS.md").contains("[Instance 1] 1.1"));
}

#[test]
fn done_whose_ledger_cannot_be_written_still_reports_what_it_did() {
    let ws = Ws::with_tasks(PLAN);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let out = baton(&ws)
        .env("BATON_TEST_FAIL", "ledger")
        .args(["--json", "done", "1.1", "--instance", "1"])
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert!(
        doc["warnings"][0].as_str().unwrap().contains("claims.json"),
        "{doc}"
    );
    assert!(ws.read("TASKS.md").contains("- [x] 1.1 First task"));
    // The stale entry goes with the next write of the ledger.
    ws.ok(&["claim", "1.2", "--instance", "1"]);
    let ledger = ws.read(".baton/claims.json");
    assert_eq!(ledger.matches("\"instance\"").count(), 1, "{ledger}");
}

/// A `.baton/` that came with a cloned repository must not aim recovery or a restore at
/// files outside the workspace.
#[test]
fn foreign_state_never_writes_outside_the_workspace() {
    let parent = tempfile::tempdir().unwrap();
    let victim = parent.path().join("victim.txt");
    std::fs::write(&victim, "mine\n").unwrap();
    let root = parent.path().join("ws");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("TASKS.md"), PLAN).unwrap();
    std::fs::create_dir_all(root.join(".baton/saved")).unwrap();
    // An intent record whose one applied step "wrote" the victim: undoing it would put
    // `evil` there.
    let hash = format!("{:032x}", xxh3(b"mine\n"));
    let record = serde_json::json!({
        "version": 1, "command": "baton archive", "pid": 1, "dirs": [],
        "initial": {"../victim.txt": null},
        "steps": [{"op": "write", "path": "../victim.txt", "before": "evil\n", "after": hash}]
    });
    std::fs::write(root.join(".baton/txn.json"), record.to_string()).unwrap();
    // A kept "save" that names the victim.
    std::fs::write(root.join(".baton/saved/saved.1.2.3.4"), "evil\n").unwrap();
    std::fs::write(
        root.join(".baton/saved/saved.1.2.3.4.path"),
        victim.to_string_lossy().as_bytes(),
    )
    .unwrap();
    let out = Command::new(exe())
        .arg("--root")
        .arg(&root)
        .args(["archive", "--dry-run"])
        .env("BATON_NOW", crate::support::NOW)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine\n");
    assert!(!root.join(".baton/txn.json").exists());
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the workspace"));
}

/// The hash the intent record uses (xxh3, 128 bits), computed here from its definition.
fn xxh3(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}
