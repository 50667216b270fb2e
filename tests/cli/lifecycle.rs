//! The lifecycle through the binary: research new, spec new, done, reopen, archive, with
//! golden `before/` and `after*/` trees under `tests/fixtures/lifecycle/`, compared byte for byte.
//!
//! `BATON_BLESS=1 cargo test --test cli lifecycle` rewrites the golden trees from the actual
//! results; review the diff before committing it.

use crate::support::{Ws, assert_tree_eq, fixture, list_tree};
use std::path::Path;

fn case(name: &str) -> std::path::PathBuf {
    fixture("lifecycle").join(name)
}

/// Compare the workspace with a golden tree (or, under BATON_BLESS, write the tree).
fn golden(ws: &Ws, expected: &Path) {
    if std::env::var_os("BATON_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(expected);
        for f in list_tree(ws.path()) {
            let to = expected.join(&f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(ws.abs(&f), to).unwrap();
        }
        return;
    }
    assert_tree_eq(ws.path(), expected);
}

/// Compare with a tree that must never be rewritten (a `before/`).
fn unchanged(ws: &Ws, expected: &Path) {
    assert_tree_eq(ws.path(), expected);
}

fn fails(ws: &Ws, args: &[&str], code: i32) -> serde_json::Value {
    let (c, doc) = ws.json(args);
    assert_eq!(c, code, "baton {args:?}: {doc}");
    doc
}

#[test]
fn a_feature_walks_the_whole_lifecycle() {
    let c = case("walk");
    let ws = Ws::from_tree(c.join("before"));

    let (code, doc) = ws.json(&["research", "new", "Proxy rotation", "--section", "Phase 5"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["command"], "research new");
    assert_eq!(doc["data"]["path"], "docs/research/proxy_rotation.md");
    assert_eq!(doc["data"]["tasks"][0]["title"], "Research proxy rotation");
    assert_eq!(doc["data"]["tasks"][0]["kind"], "research");
    golden(&ws, &c.join("after_research_new"));

    // The research task cannot be done before a spec links the research.
    let doc = fails(&ws, &["done", "Research proxy", "--instance", "1"], 3);
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("baton spec new \"proxy rotation\" --from-research"),
        "{hint}"
    );
    golden(&ws, &c.join("after_research_new"));

    let (code, doc) = ws.json(&[
        "spec",
        "new",
        "Proxy rotation",
        "--from-research",
        "Research proxy",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["path"], "docs/specs/103_PROXY_ROTATION.md");
    assert_eq!(doc["data"]["research"], "docs/research/proxy_rotation.md");
    assert_eq!(doc["data"]["section"], "Phase 5: Proxies");
    let kinds: Vec<&str> = doc["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["spec", "implementation"]);
    golden(&ws, &c.join("after_spec_new"));

    // Done on the research task archives the research; the spec's link follows it.
    let (code, doc) = ws.json(&["done", "Research proxy", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["archived"][0]["from"],
        "docs/research/proxy_rotation.md"
    );
    assert_eq!(
        doc["data"]["archived"][0]["to"],
        "archive/research/proxy_rotation.md"
    );
    golden(&ws, &c.join("after_research_done"));

    // The spec stays while its implementation task is open.
    ws.ok(&["claim", "Write proxy", "--instance", "1"]);
    let (code, doc) = ws.json(&["done", "Write proxy", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["archived"], serde_json::json!([]));
    ws.ok(&["claim", "Implement proxy", "--instance", "1"]);
    assert!(
        ws.read("docs/tasks/TASKS.md")
            .contains("| 1 | Implement proxy rotation |")
    );
    let (code, doc) = ws.json(&["done", "Implement proxy", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["archived"][0]["to"],
        "archive/specs/103_PROXY_ROTATION.md"
    );
    golden(&ws, &c.join("after"));

    // Done again: nothing changes.
    let (code, doc) = ws.json(&["done", "Implement proxy", "--instance", "1"]);
    assert_eq!(code, 0);
    assert_eq!(doc["data"]["action"], "unchanged");
    golden(&ws, &c.join("after"));
}

#[test]
fn new_commands_dry_run_and_refuse_existing_files() {
    let c = case("walk");
    let ws = Ws::from_tree(c.join("before"));
    let out = ws.ok(&["research", "new", "Proxy rotation", "--dry-run"]);
    assert!(
        out.contains("would create docs/research/proxy_rotation.md"),
        "{out}"
    );
    assert!(out.contains("+ ## Backlog"), "{out}");
    let out = ws.ok(&["spec", "new", "Proxy rotation", "--dry-run"]);
    assert!(out.contains("docs/specs/103_PROXY_ROTATION.md"), "{out}");
    unchanged(&ws, &c.join("before"));
    ws.ok(&["research", "new", "Proxy rotation"]);
    let doc = fails(&ws, &["research", "new", "Proxy rotation!"], 3);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("docs/research/proxy_rotation.md already exists")
    );
    // A new section "Backlog" went in before the checklist.
    let t = ws.read("docs/tasks/TASKS.md");
    let b = t.find("## Backlog").unwrap();
    assert!(b < t.find("## Phase Completion Checklist").unwrap());
    assert!(t.contains("## Backlog\n\n- [ ] Research proxy rotation\n  (research: [proxy_rotation.md](../research/proxy_rotation.md))\n\n## Phase"));
    // --from-research takes a file too, and refuses one outside the research folder.
    ws.ok(&[
        "spec",
        "new",
        "Proxy rotation",
        "--from-research",
        "docs/research/proxy_rotation.md",
    ]);
    assert!(
        ws.read("docs/specs/103_PROXY_ROTATION.md")
            .contains("**Research**: [proxy_rotation.md](../research/proxy_rotation.md)")
    );
    fails(
        &ws,
        &[
            "spec",
            "new",
            "Other",
            "--from-research",
            "docs/notes/overview.md",
        ],
        3,
    );
    fails(
        &ws,
        &[
            "spec",
            "new",
            "Other",
            "--from-research",
            "../../../../etc/passwd",
        ],
        1,
    );
    assert!(!ws.exists("docs/specs/104_OTHER.md"));
}

#[test]
fn a_shared_spec_is_archived_after_its_last_task() {
    let c = case("shared");
    let ws = Ws::from_tree(c.join("before"));
    let (code, doc) = ws.json(&["done", "Implement part A", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["archived"], serde_json::json!([]));
    golden(&ws, &c.join("after_first"));
    ws.ok(&["done", "Implement part B", "--instance", "2"]);
    golden(&ws, &c.join("after"));
}

#[test]
fn section_links_are_rewritten_and_marked() {
    let c = case("section");
    let ws = Ws::from_tree(c.join("before"));
    ws.ok(&["done", "2.2", "--instance", "1"]);
    golden(&ws, &c.join("after"));
}

#[test]
fn archive_sweeps_what_done_no_archive_left() {
    let c = case("section");
    let ws = Ws::from_tree(c.join("before"));
    ws.ok(&["done", "2.2", "--instance", "1", "--no-archive"]);
    let out = ws.ok(&["archive", "--dry-run"]);
    assert!(
        out.contains("would archive docs/specs/116_CACHE.md → archive/specs/116_CACHE.md"),
        "{out}"
    );
    assert!(
        out.contains("+ > **Spec**: [116_CACHE.md](../../archive/specs/116_CACHE.md) (archived)"),
        "{out}"
    );
    let (code, doc) = ws.json(&["archive"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["archived"].as_array().unwrap().len(), 2);
    golden(&ws, &c.join("after"));
    let out = ws.ok(&["archive"]);
    assert_eq!(out, "nothing to archive\n");
}

#[test]
fn reopen_undoes_the_tick_only() {
    let c = case("shared");
    let ws = Ws::from_tree(c.join("before"));
    ws.ok(&["done", "Implement part A", "--instance", "1"]);
    let (code, doc) = ws.json(&["reopen", "Implement part A"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["action"], "reopened");
    let before = std::fs::read(c.join("before/docs/tasks/TASKS.md")).unwrap();
    let now = ws.bytes("docs/tasks/TASKS.md");
    // Back to open, but the claim is not restored.
    assert_eq!(
        String::from_utf8(now).unwrap(),
        String::from_utf8(before)
            .unwrap()
            .replace(
                "- [ ] [Instance 1] Implement part A",
                "- [ ] Implement part A"
            )
            .replace("| 1 | Implement part A |", "| 1 | Available |")
    );
    let (_, doc) = ws.json(&["reopen", "Implement part A"]);
    assert_eq!(doc["data"]["action"], "unchanged");
}

#[test]
fn done_refuses_another_instances_task_and_a_heading() {
    let c = case("shared");
    let ws = Ws::from_tree(c.join("before"));
    let doc = fails(&ws, &["done", "Implement part A", "--instance", "2"], 3);
    assert!(doc["error"]["hint"].as_str().unwrap().contains("--force"));
    fails(&ws, &["done", "Phase 7", "--instance", "2"], 2);
    unchanged(&ws, &c.join("before"));
    let (code, doc) = ws.json(&[
        "done",
        "Implement part A",
        "--instance",
        "2",
        "--force",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["released"], serde_json::json!([1]));
    unchanged(&ws, &c.join("before"));
}

#[test]
fn a_taken_destination_changes_nothing() {
    let c = case("collision");
    let ws = Ws::from_tree(c.join("before"));
    let doc = fails(&ws, &["done", "Implement proxy", "--instance", "1"], 3);
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("archive/specs/101_PROXY_ROTATION.md"), "{msg}");
    unchanged(&ws, &c.join("before"));
    // Ticking without the lifecycle still works; the sweep then meets the same collision.
    ws.ok(&["done", "Implement proxy", "--instance", "1", "--no-archive"]);
    let ticked = ws.bytes("docs/tasks/TASKS.md");
    let doc = fails(&ws, &["archive"], 3);
    assert_eq!(
        doc["error"]["detail"]["collisions"][0]["to"],
        "archive/specs/101_PROXY_ROTATION.md"
    );
    assert_eq!(ws.bytes("docs/tasks/TASKS.md"), ticked);
    assert_eq!(
        ws.read("docs/specs/101_PROXY_ROTATION.md"),
        "# 101: Proxy rotation (new)\n"
    );
    assert_eq!(
        ws.read("archive/specs/101_PROXY_ROTATION.md"),
        "# 101: Proxy rotation (old)\n"
    );
}

#[test]
fn a_failure_mid_transaction_rolls_everything_back() {
    let c = case("walk");
    let src = c.join("after_research_done");
    let mut failed = 0;
    for step in 0..10 {
        let ws = Ws::from_tree(&src);
        ws.ok(&["claim", "Write proxy", "--instance", "1"]);
        ws.ok(&["done", "Write proxy", "--instance", "1"]);
        ws.ok(&["claim", "Implement proxy", "--instance", "1"]);
        let snapshot = tempfile::tempdir().unwrap();
        crate::support::copy_tree(ws.path(), snapshot.path());
        let out = ws
            .cmd()
            .env("BATON_TEST_FAIL_AT_STEP", step.to_string())
            .args(["done", "Implement proxy", "--instance", "1"])
            .output()
            .unwrap();
        if out.status.code() == Some(0) {
            golden(&ws, &c.join("after"));
            break;
        }
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("injected failure"));
        assert_tree_eq(ws.path(), snapshot.path());
        failed += 1;
    }
    // TASKS.md, the spec's own link to TASKS.md, and the move: three steps to undo.
    assert!(failed >= 3, "only {failed} steps");
}

#[cfg(unix)]
#[test]
fn hostile_links_never_touch_anything_outside() {
    let c = case("hostile");
    let ws = Ws::from_tree(c.join("before"));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "secret\n").unwrap();
    std::fs::create_dir(outside.path().join("specs")).unwrap();
    std::fs::write(outside.path().join("specs/x.md"), "x\n").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        ws.abs("docs/specs/105_EVIL.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("specs"), ws.abs("docs/specs/linked")).unwrap();
    // A relative link that climbs out of the workspace into a real folder.
    let name = outside
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut t = ws.read("docs/tasks/TASKS.md");
    t.push_str(&format!(
        "- [ ] [Instance 1] Implement climb\n  (spec: [s](../../../{name}/secret.md))\n"
    ));
    ws.write("docs/tasks/TASKS.md", &t);

    for task in ["passwd", "hosts", "encoded", "evil", "linked", "climb"] {
        let (code, doc) = ws.json(&["done", &format!("Implement {task}"), "--instance", "1"]);
        assert_eq!(code, 0, "{doc}");
        assert_eq!(
            doc["data"]["archived"],
            serde_json::json!([]),
            "{task}: {doc}"
        );
        assert_eq!(
            doc["data"]["skipped"].as_array().unwrap().len(),
            1,
            "{task}: {doc}"
        );
        assert_eq!(
            doc["warnings"].as_array().unwrap().len(),
            1,
            "{task}: {doc}"
        );
    }
    let (code, doc) = ws.json(&["archive"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["archived"], serde_json::json!([]));

    // Outside: exactly as before.
    assert_eq!(
        std::fs::read(outside.path().join("secret.md")).unwrap(),
        b"secret\n"
    );
    assert_eq!(
        std::fs::read(outside.path().join("specs/x.md")).unwrap(),
        b"x\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(outside.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["secret.md", "specs"]);
    assert!(Path::new("/etc/hosts").exists());
    // Inside: the symlinks are still symlinks, and the rest is the golden tree.
    assert!(
        std::fs::symlink_metadata(ws.abs("docs/specs/105_EVIL.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    std::fs::remove_file(ws.abs("docs/specs/105_EVIL.md")).unwrap();
    std::fs::remove_file(ws.abs("docs/specs/linked")).unwrap();
    let t = ws.read("docs/tasks/TASKS.md");
    let climb = format!("- [x] Implement climb\n  (spec: [s](../../../{name}/secret.md))\n");
    assert!(t.ends_with(&climb), "{t}");
    ws.write("docs/tasks/TASKS.md", &t[..t.len() - climb.len()]);
    golden(&ws, &c.join("after"));
}

#[cfg(unix)]
#[test]
fn an_archive_folder_that_is_a_symlink_is_not_written_through() {
    let c = case("collision");
    let ws = Ws::from_tree(c.join("before"));
    let outside = tempfile::tempdir().unwrap();
    std::fs::remove_dir_all(ws.abs("archive")).unwrap();
    std::os::unix::fs::symlink(outside.path(), ws.abs("archive")).unwrap();
    let (code, doc) = ws.json(&["done", "Implement proxy", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["archived"], serde_json::json!([]));
    assert!(
        doc["data"]["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("symbolic link archive")
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert!(ws.exists("docs/specs/101_PROXY_ROTATION.md"));
}

#[test]
fn finishing_the_last_task_under_a_heading_claim_releases_the_heading() {
    let src = "# T\n\n## Instance Coordination\n\n| Instance | Current Task |\n|---|---|\n| 2 | Phase 3.5 |\n\n### Phase 3.5 [Instance 2]\n\n- [x] 3.5.1 a\n- [ ] 3.5.2 b\n- [ ] 3.5.3 c\n";
    let ws = Ws::with_tasks(src);
    ws.ok(&["done", "3.5.2", "--instance", "2"]);
    let mid = ws.read("TASKS.md");
    assert!(
        mid.contains("### Phase 3.5 [Instance 2]\n"),
        "one task is still open: {mid}"
    );
    ws.ok(&["done", "3.5.3", "--instance", "2"]);
    let end = ws.read("TASKS.md");
    assert_eq!(
        end,
        src.replace("### Phase 3.5 [Instance 2]", "### Phase 3.5")
            .replace("| 2 | Phase 3.5 |", "| 2 | Available |")
            .replace("- [ ] 3.5.2", "- [x] 3.5.2")
            .replace("- [ ] 3.5.3", "- [x] 3.5.3")
    );
}

/// The files `baton check` reports a `broken_link` in.
fn files_with_broken_links(ws: &Ws) -> Vec<String> {
    let (_, doc) = ws.json(&["check"]);
    let mut v: Vec<String> = doc["data"]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "broken_link")
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    v.dedup();
    v
}

/// Files under `archive/` (an archived session, spec, research note and plan) and both
/// instance files link to the spec and the research that `done` archives: every one of
/// those links follows the move, and nothing else in them changes.
#[test]
fn links_in_the_archive_and_instance_files_follow_done() {
    let c = case("archive_links");
    let ws = Ws::from_tree(c.join("before"));
    assert_eq!(files_with_broken_links(&ws), Vec::<String>::new());
    let (code, doc) = ws.json(&["done", "2.2", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["archived"].as_array().unwrap().len(),
        2,
        "{doc}"
    );
    golden(&ws, &c.join("after"));
    assert_eq!(files_with_broken_links(&ws), Vec::<String>::new());
}

/// The same links follow `baton archive` (after `done --no-archive`), to the same tree.
#[test]
fn links_in_the_archive_and_instance_files_follow_archive() {
    let c = case("archive_links");
    let ws = Ws::from_tree(c.join("before"));
    ws.ok(&["done", "2.2", "--instance", "1", "--no-archive"]);
    let (code, doc) = ws.json(&["archive"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["archived"].as_array().unwrap().len(),
        2,
        "{doc}"
    );
    golden(&ws, &c.join("after"));
}

/// And `ess`'s sweep: every file under `archive/` ends as after `done`, and the instance's
/// own file follows too. The other instance's session file is the one file ess leaves
/// (README: ess never writes another instance's session file); `check` then reports
/// exactly that file, and `check --fix` repoints it.
#[test]
fn links_in_the_archive_and_own_instance_file_follow_ess() {
    let c = case("archive_links");
    let ws = Ws::from_tree(c.join("before"));
    ws.ok(&["done", "2.2", "--instance", "1", "--no-archive"]);
    let (code, doc) = ws.json(&[
        "ess",
        "--instance",
        "1",
        "--title",
        "Cache",
        "--summary",
        "Cache done.",
    ]);
    assert_eq!(code, 0, "{doc}");
    let archived = doc["data"]["archive_notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.as_str().unwrap().starts_with("archived "))
        .count();
    assert_eq!(archived, 2, "{doc}");
    let after = c.join("after");
    for f in list_tree(&after)
        .iter()
        .filter(|f| f.starts_with("archive/"))
    {
        assert_eq!(
            ws.read(f),
            std::fs::read_to_string(after.join(f)).unwrap(),
            "{f}"
        );
    }
    let own = ws.read("docs/tasks/instance_001.md");
    assert!(
        own.contains("[`docs/research/CACHE_NOTES.md`](../../archive/research/CACHE_NOTES.md)")
            && own.contains("[`docs/specs/116_CACHE.md`](../../archive/specs/116_CACHE.md)"),
        "{own}"
    );
    assert_eq!(
        ws.bytes("docs/tasks/instance_002.md"),
        std::fs::read(c.join("before/docs/tasks/instance_002.md")).unwrap()
    );
    assert_eq!(
        files_with_broken_links(&ws),
        vec!["docs/tasks/instance_002.md".to_string()]
    );
    ws.ok(&["check", "--fix"]);
    assert_eq!(
        ws.read("docs/tasks/instance_002.md"),
        std::fs::read_to_string(after.join("docs/tasks/instance_002.md")).unwrap()
    );
}
