//! A failed command leaves every file as it was: each multi-file command run with a failure
//! injected before each of its steps in turn (`BATON_TEST_FAIL_AT_STEP`, src/txn.rs); the
//! tree afterwards equals the tree before, byte for byte, files and folders (`.baton/`,
//! baton's own state, aside). Then the same command without a failure goes through.

use crate::support::{Ws, fixture, tree_state};

/// Run `args` on a fresh workspace from `setup` with a failure before step 0, 1, ... until
/// the command gets through; returns how many steps failed and rolled back.
fn every_step_rolls_back(setup: impl Fn() -> Ws, args: &[&str]) -> usize {
    for step in 0..64 {
        let ws = setup();
        let before = tree_state(ws.path());
        let out = ws
            .cmd()
            .env("BATON_TEST_FAIL_AT_STEP", step.to_string())
            .args(args)
            .output()
            .expect("run baton");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(0) {
            assert_ne!(
                tree_state(ws.path()),
                before,
                "baton {args:?} changed nothing once it got through"
            );
            return step;
        }
        assert_eq!(out.status.code(), Some(1), "baton {args:?}: {stderr}");
        assert!(
            stderr.contains("injected failure"),
            "baton {args:?} failed for another reason: {stderr}"
        );
        let after = tree_state(ws.path());
        if after != before {
            let differ: Vec<&String> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .collect();
            panic!("baton {args:?} failing before step {step} left the tree changed: {differ:?}");
        }
    }
    panic!("baton {args:?} never got through");
}

fn from(name: &str) -> impl Fn() -> Ws {
    let src = fixture(name);
    move || Ws::from_tree(&src)
}

#[test]
fn spec_new_rolls_back_at_every_step() {
    // The spec folder does not exist yet: the created folder goes too.
    let steps = every_step_rolls_back(
        from("lifecycle/walk/before"),
        &["spec", "new", "Proxy rotation", "--section", "Phase 5"],
    );
    assert!(steps >= 2, "the spec file and TASKS.md: {steps} steps");
}

#[test]
fn spec_new_from_research_rolls_back_at_every_step() {
    let steps = every_step_rolls_back(
        from("lifecycle/walk/after_research_new"),
        &[
            "spec",
            "new",
            "Proxy rotation",
            "--from-research",
            "Research proxy",
        ],
    );
    assert!(steps >= 2, "{steps} steps");
}

#[test]
fn research_new_rolls_back_at_every_step() {
    let steps = every_step_rolls_back(
        from("lifecycle/walk/before"),
        &["research", "new", "Proxy rotation", "--section", "Phase 5"],
    );
    assert!(steps >= 2, "the research file and TASKS.md: {steps} steps");
}

#[test]
fn done_rolls_back_at_every_step() {
    // Two moves into archive folders that do not exist yet, and links in five other files.
    let steps = every_step_rolls_back(
        from("lifecycle/archive_links/before"),
        &["done", "2.2", "--instance", "1"],
    );
    assert!(steps >= 8, "{steps} steps");
    // No archive folder yet: the folders the moves create go too.
    let steps = every_step_rolls_back(
        from("lifecycle/section/before"),
        &["done", "2.2", "--instance", "1"],
    );
    assert!(steps >= 4, "{steps} steps");
}

fn ticked_without_archiving() -> Ws {
    let ws = Ws::from_tree(fixture("lifecycle/archive_links/before"));
    ws.ok(&["done", "2.2", "--instance", "1", "--no-archive"]);
    ws
}

#[test]
fn archive_rolls_back_at_every_step() {
    let steps = every_step_rolls_back(ticked_without_archiving, &["archive"]);
    assert!(steps >= 8, "{steps} steps");
}

#[test]
fn check_fix_rolls_back_at_every_step() {
    let steps = every_step_rolls_back(ticked_without_archiving, &["check", "--fix"]);
    assert!(steps >= 8, "{steps} steps");
}

#[test]
fn ess_rolls_back_at_every_step() {
    let steps = every_step_rolls_back(
        ticked_without_archiving,
        &[
            "ess",
            "--instance",
            "1",
            "--title",
            "Cache",
            "--summary",
            "Cache done.",
        ],
    );
    assert!(steps >= 6, "{steps} steps");
}

#[test]
fn ess_rotating_sessions_rolls_back_at_every_step() {
    // Entries beyond `sessions_kept` move to archive/sessions/, a folder created on the way.
    let steps = every_step_rolls_back(
        from("sessions/rotation/before"),
        &["ess", "--instance", "1", "--title", "T", "--summary", "S."],
    );
    assert!(steps >= 2, "{steps} steps");
}

/// A destination that appears after baton planned and before it writes (another program
/// made it in that instant) is refused by the commit's own check, before any step: exit 3,
/// the newcomer untouched, every other file as it was.
#[test]
fn a_destination_made_between_plan_and_commit_is_refused_whole() {
    use crate::support::Pause;
    use baton::faults::BEFORE_WRITE;
    let cases: [(&str, &[&str], &str, &str); 2] = [
        (
            "lifecycle/walk/before",
            &["research", "new", "Proxy rotation", "--section", "Phase 5"],
            "docs/research/proxy_rotation.md",
            "docs/research/proxy_rotation.md already exists",
        ),
        (
            "lifecycle/section/before",
            &["done", "2.2", "--instance", "1"],
            "archive/specs/116_CACHE.md",
            "cannot move docs/specs/116_CACHE.md to archive/specs/116_CACHE.md",
        ),
    ];
    for (tree, args, newcomer, message) in cases {
        let ws = Ws::from_tree(fixture(tree));
        let before = tree_state(ws.path());
        let pause = Pause::new(&[BEFORE_WRITE]);
        let (k, v) = pause.env();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .env("BATON_NOW", crate::support::NOW)
            .env_remove("BATON_INSTANCE")
            .env(k, v)
            .arg("--root")
            .arg(ws.path())
            .arg("--json")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        pause.wait_reached(BEFORE_WRITE, &mut child);
        ws.write(newcomer, "made by someone else\n");
        pause.go(BEFORE_WRITE);
        let out = child.wait_with_output().expect("wait");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {doc}");
        assert_eq!(doc["error"]["kind"], "refused", "{doc}");
        assert!(
            doc["error"]["message"].as_str().unwrap().contains(message),
            "{doc}"
        );
        assert_eq!(ws.read(newcomer), "made by someone else\n");
        let mut after = tree_state(ws.path());
        after.retain(|k, _| k != newcomer && !newcomer.starts_with(k.as_str()));
        let mut expected = before.clone();
        expected.retain(|k, _| !newcomer.starts_with(k.as_str()));
        assert_eq!(after, expected, "{args:?}: nothing else changed");
    }
}
