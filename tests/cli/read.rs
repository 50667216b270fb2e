//! Read-only commands (list, show, next, status), discovery, config and the output contract.

use crate::support::{Ws, copy_tree};
use std::path::Path;

fn example() -> Ws {
    Ws::from_tree(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/workspace"))
}

#[test]
fn list_json_has_the_documented_fields() {
    let ws = Ws::with_tasks(
        "# T\n## P\n- [ ] [Instance 2] 1.1 Alpha\n  (spec: [101_A.md](docs/specs/101_A.md))\n  - [x] 1.1.1 Child\n- [x] 1.2 Beta\n",
    );
    let (code, doc) = ws.json(&["list"]);
    assert_eq!(code, 0);
    assert_eq!(doc["command"], "list");
    let tasks = doc["data"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    let t = &tasks[0];
    for key in [
        "ref",
        "number",
        "title",
        "done",
        "mark",
        "claimed_by",
        "kind",
        "file",
        "line",
        "section",
        "links",
        "parent",
    ] {
        assert!(t.get(key).is_some(), "missing {key}: {t}");
    }
    assert_eq!(t["number"], "1.1");
    assert_eq!(t["title"], "Alpha");
    assert_eq!(t["claimed_by"], serde_json::json!([2]));
    assert_eq!(t["file"], "TASKS.md");
    assert_eq!(t["line"], 3);
    assert_eq!(t["section"], serde_json::json!(["T", "P"]));
    assert_eq!(t["links"][0]["kind"], "spec");
    assert_eq!(t["links"][0]["exists"], false);
    assert_eq!(tasks[1]["parent"], t["ref"]);
    assert_eq!(tasks[2]["done"], true);
    assert_eq!(tasks[2]["mark"], "x");
}

#[test]
fn list_filters() {
    let ws = example();
    let count = |args: &[&str]| {
        let mut a = vec!["list"];
        a.extend_from_slice(args);
        ws.json(&a).1["data"]["tasks"].as_array().unwrap().len()
    };
    assert_eq!(count(&[]), 15);
    assert_eq!(count(&["--done"]), 6);
    assert_eq!(count(&["--open"]), 9);
    assert_eq!(count(&["--claimed"]), 3);
    assert_eq!(count(&["--instance", "2"]), 2);
    assert_eq!(count(&["--instance", "3"]), 0);
    assert_eq!(count(&["--kind", "research"]), 1);
    assert_eq!(count(&["--kind", "spec"]), 1);
    assert_eq!(count(&["--section", "phase 4"]), 5);
    let (code, doc) = ws.json(&["list", "--kind", "nonsense"]);
    assert_eq!(code, 1);
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--kind research")
    );
}

#[test]
fn show_resolves_every_reference_form() {
    let ws = example();
    let (_, by_number) = ws.json(&["show", "4.0.4"]);
    let t = &by_number["data"]["task"];
    assert_eq!(t["title"], "Apply @retry_on_busy to the write functions");
    let r = t["ref"].as_str().unwrap();
    for form in [
        r.to_string(),
        format!("L{}", t["line"]),
        "retry_on_busy".to_string(),
        "APPLY @RETRY".to_string(),
    ] {
        let (code, d) = ws.json(&["show", &form]);
        assert_eq!(code, 0, "{form}: {d}");
        assert_eq!(d["data"]["task"]["ref"], r, "{form}");
    }
    // Section-level spec link inherited, resolved, existing.
    assert_eq!(t["links"][0]["from"], "section");
    assert_eq!(t["links"][0]["path"], "docs/specs/104_DB_CONCURRENCY.md");
    assert_eq!(t["links"][0]["exists"], true);
}

#[test]
fn ambiguous_and_unknown_references_fail_with_candidates() {
    let ws =
        Ws::with_tasks("## A\n- [ ] 1.1 Write the parser\n## B\n- [ ] 1.1 Write the printer\n");
    let (code, doc) = ws.json(&["show", "1.1"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["kind"], "not_found");
    assert_eq!(
        doc["error"]["detail"]["candidates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (code, _, err) = ws.run(&["show", "write the"]);
    assert_eq!(code, 1);
    assert!(err.contains("matches 2 tasks"), "{err}");
    assert!(err.contains("L2") && err.contains("L4"), "{err}");
    let (code, _, err) = ws.run(&["show", "no such thing"]);
    assert_eq!(code, 1);
    assert!(err.contains("hint: run `baton list`"), "{err}");
}

#[test]
fn next_skips_claimed_heading_claimed_and_checklist_tasks() {
    let ws = Ws::with_tasks(
        "## Phase Completion Checklist\n- [ ] run the tests\n## P [Instance 2]\n- [ ] a\n## Q\n- [x] b\n- [ ] [Instance 1] c\n- [ ] 7. d\n",
    );
    let (_, doc) = ws.json(&["next"]);
    assert_eq!(doc["data"]["task"]["number"], "7");
    // Instance 2 sees its own heading's task as ready.
    let (_, doc) = ws.json(&["next", "--instance", "2"]);
    assert_eq!(doc["data"]["task"]["title"], "a");
    let (_, doc) = ws.json(&["next", "--section", "P"]);
    assert_eq!(doc["data"]["task"], serde_json::Value::Null);
}

#[test]
fn status_shows_instances_sessions_counts_and_next() {
    let ws = example();
    let (code, doc) = ws.json(&["status"]);
    assert_eq!(code, 0);
    let d = &doc["data"];
    assert_eq!(d["open"], 9);
    assert_eq!(d["done"], 6);
    let inst = d["instances"].as_array().unwrap();
    assert_eq!(inst.len(), 3);
    assert_eq!(inst[0]["last_session"]["session"], 52);
    assert_eq!(
        inst[0]["claims"][0]["label"],
        "4.0.3 Create data/db_retry.py with retry decorator"
    );
    assert_eq!(inst[1]["claims"][0]["scope"], "section");
    assert_eq!(inst[2]["claims"], serde_json::json!([]));
    assert_eq!(d["sections"][0]["section"], "Phase 3: Parsing");
    assert_eq!(d["next"]["number"], "4.0.4");
    let out = ws.ok(&["status"]);
    insta::assert_snapshot!("status_human", out);
}

#[test]
fn json_snapshots_of_read_commands() {
    let ws = example();
    for args in [&["list"][..], &["show", "4.0.3"], &["next"], &["status"]] {
        let (_, doc) = ws.json(args);
        insta::assert_json_snapshot!(format!("json_{}", args.join("_").replace('.', "_")), doc);
    }
}

#[test]
fn discovery_walks_up_and_finds_docs_tasks() {
    let ws = example();
    std::fs::create_dir_all(ws.abs("src/deep")).unwrap();
    let out = assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .current_dir(ws.abs("src/deep"))
        .env("NO_COLOR", "1")
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["data"]["file"], "docs/tasks/TASKS.md");

    let empty = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .current_dir(empty.path())
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("baton init"));
}

#[test]
fn config_errors_name_the_line_and_key() {
    let ws = Ws::with_tasks("- [ ] a\n");
    ws.write(".baton.yaml", "max_claims: 2\nspecs_folder: docs/s\n");
    let (code, doc) = ws.json(&["list"]);
    assert_eq!(code, 1);
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(".baton.yaml:2:") && msg.contains("specs_folder"),
        "{msg}"
    );

    ws.write(".baton.yaml", "tasks_file: plan/PLAN.md\nmax_claims: 2\n");
    ws.write("plan/PLAN.md", "- [ ] from the configured file\n");
    let (code, doc) = ws.json(&["list"]);
    assert_eq!(code, 0);
    assert_eq!(doc["data"]["tasks"][0]["file"], "plan/PLAN.md");
}

#[test]
fn non_utf8_is_refused_with_the_offset() {
    let ws = Ws::new();
    let bytes = b"# T\n- [ ] caf\xe9\n".to_vec();
    ws.write("TASKS.md", &bytes);
    let (code, doc) = ws.json(&["list"]);
    assert_eq!(code, 1);
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("TASKS.md is not valid UTF-8")
            && msg.contains("byte offset 13")
            && msg.contains("line 2"),
        "{msg}"
    );
    let (code, _, err) = ws.run(&["claim", "L2", "--instance", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("not valid UTF-8"), "{err}");
    assert_eq!(ws.bytes("TASKS.md"), bytes);
}

#[test]
fn usage_errors_exit_2_and_stay_json() {
    let ws = Ws::with_tasks("- [ ] a\n");
    let (code, doc) = ws.json(&["list", "--bogus"]);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(
        doc["command"], "list",
        "the document names the command it is about"
    );
    let (code, doc) = ws.json(&["lsit"]);
    assert_eq!((code, &doc["command"]), (2, &serde_json::json!("")));
    let (code, _, _) = ws.run(&["claim", "a"]);
    assert_eq!(code, 2, "claim without an instance is a usage error");
    let out = assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("3  refused"));
}

#[test]
fn human_output_is_plain_unless_asked() {
    let ws = example();
    let (_, out, _) = ws.run(&["list"]);
    assert!(!out.contains('\x1b'));
    let (_, out, _) = ws.run(&["--color", "always", "list"]);
    assert!(out.contains("\x1b["));
    let out = ws
        .cmd()
        .env_remove("NO_COLOR")
        .args(["--color", "auto", "list"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains('\x1b'),
        "not a terminal: plain"
    );
}

#[test]
fn the_example_workspace_ships_and_reads() {
    // The README's first command runs on this tree; keep it readable.
    let ws = Ws::new();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/workspace"),
        ws.path(),
    );
    let (code, doc) = ws.json(&["status"]);
    assert_eq!(code, 0, "{doc}");
    let d = &doc["data"];
    // Open and done as the file has them (the checklist's items are no tasks).
    let plan = ws.read("docs/tasks/TASKS.md");
    let work = &plan[..plan
        .find("## Phase Completion Checklist")
        .expect("checklist")];
    let count = |mark: &str| work.lines().filter(|l| l.starts_with(mark)).count();
    assert_eq!(
        (d["open"].as_u64(), d["done"].as_u64()),
        (Some(count("- [ ]") as u64), Some(count("- [x]") as u64)),
        "{d}"
    );
    // Each instance holds what its tag says, matching its coordination cell.
    let holds = |i: usize| {
        let inst = &d["instances"][i];
        let claims: Vec<(&str, &str)> = inst["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["scope"].as_str().unwrap(), c["label"].as_str().unwrap()))
            .collect();
        (claims, inst["coordination"].as_str().unwrap().to_string())
    };
    let tagged = plan
        .lines()
        .find(|l| l.starts_with("- [ ] [Instance 1] "))
        .unwrap()
        .trim_start_matches("- [ ] [Instance 1] ");
    assert_eq!(holds(0), (vec![("task", tagged)], tagged.to_string()));
    let heading = plan
        .lines()
        .find(|l| l.ends_with(" [Instance 2]"))
        .unwrap()
        .trim_start_matches("### ")
        .trim_end_matches(" [Instance 2]");
    assert_eq!(holds(1), (vec![("section", heading)], heading.to_string()));
    assert_eq!(holds(2), (vec![], "Available".to_string()));
    assert_eq!(d["instances"][0]["last_session"]["session"], 52, "{d}");
    // The next task is the first open one that nobody holds.
    assert_eq!(d["next"]["number"], "4.0.4", "{d}");
    // And the example is clean of errors.
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 errors"), "{out}");
}

#[test]
fn this_repository_dogfoods_its_own_tasks_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .args(["--json", "--root"])
        .arg(root)
        .arg("list")
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tasks = doc["data"]["tasks"].as_array().unwrap();
    assert!(tasks.len() >= 10, "TASKS.md lists baton's own work");
    for t in tasks {
        for l in t["links"].as_array().unwrap() {
            assert_eq!(l["exists"], true, "broken link in TASKS.md: {l}");
        }
    }
}

#[test]
fn list_human() {
    // Sections as breadcrumbs, then ref, box, number, title and every claimant: a task's
    // own tag, a heading claim above it, two tags on one line.
    let ws = Ws::with_tasks(
        "# Plan\n\n## Phase 1 [Instance 2]\n\n- [ ] [Instance 1] **1.1** First\n\
         - [x] 1.2 Second, done\n- [~] Third, marked\n\n## Phase 2\n\n\
         - [ ] [Instance 3] [Instance 4] 2.1 Held twice\n- [ ] No number\n",
    );
    insta::assert_snapshot!("list_human", ws.ok(&["list"]));
    let (_, coloured, _) = ws.run(&["--color", "always", "list"]);
    insta::assert_snapshot!("list_human_colour", coloured.replace('\x1b', "<ESC>"));
    let (_, none, _) = ws.run(&["list", "--kind", "spec"]);
    assert_eq!(none, "no tasks match\n");
}
