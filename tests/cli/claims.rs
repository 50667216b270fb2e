//! claim, release, next --claim through the binary: edits, refusals, leases, the table.

use crate::support::{Ws, entry_label};

const BOARD: &str = "# Plan\n\n## Instance Coordination\n\n| Instance | Current Task |\n|----------|--------------|\n| 1 | Available |\n| 2 | Phase 1.5: Bulk |\n\n## Phase 1\n\n- [ ] 1.1 Alpha\n- [ ] 1.2 Beta\n- [x] 1.3 Gamma\n\n### Phase 1.5: Bulk [Instance 2]\n\n- [ ] 1.5.1 Delta\n";

#[test]
fn claim_then_release_is_identity() {
    let src = "# T\r\n\r\n- [ ] 1.1 Alpha\r\n- [ ] 1.2 Beta\r\n";
    let ws = Ws::with_tasks(src);
    ws.ok(&["claim", "1.2", "--instance", "3"]);
    assert_eq!(
        ws.read("TASKS.md"),
        "# T\r\n\r\n- [ ] 1.1 Alpha\r\n- [ ] [Instance 3] 1.2 Beta\r\n"
    );
    ws.ok(&["release", "1.2", "--instance", "3"]);
    assert_eq!(ws.bytes("TASKS.md"), src.as_bytes());
}

#[test]
fn every_format_shape_claims_and_releases_byte_for_byte() {
    let shapes = [
        "- [ ] 4.3.1 Create the retry queue\n",
        "- [ ] **0.2** Test the watch flag",
        "\u{feff}- [ ] Backup strategy (scheduled DB backups, retention policy)\r\n",
        "- [ ] Write cache spec\n  (spec: [101_CACHE.md](../specs/101_CACHE.md))\n",
        "* [ ]\ttabbed\n",
        "+ [ ] plus bullet\n",
        "1. [ ] ordered\n",
        "> - [ ] quoted\n",
        "- [ ]\n",
        "- [ ] \n",
        "- [~] odd mark\n",
        "- [ ] Ünïcödé ✅ 漢字\n",
        "- [ ] trailing claim [Instance 4]\n- [ ] next\n",
        "  - [ ] indented\n",
        "- [ ]* 6.3 Kiro optional task\n",
    ];
    for src in shapes {
        let ws = Ws::with_tasks(src);
        let (code, _, err) = ws.run(&["claim", "L1", "--instance", "7"]);
        if code != 0 {
            // The trailing-claim shape is held already; claim the next line instead.
            assert!(err.contains("held by Instance 4"), "{src:?}: {err}");
            ws.ok(&["claim", "L2", "--instance", "7"]);
            assert!(ws.read("TASKS.md").contains("- [ ] [Instance 7] next"));
            ws.ok(&["release", "L2", "--instance", "7"]);
        } else {
            assert!(ws.read("TASKS.md").contains("[Instance 7]"), "{src:?}");
            ws.ok(&["release", "L1", "--instance", "7"]);
        }
        assert_eq!(ws.bytes("TASKS.md"), src.as_bytes(), "{src:?}");
    }
}

#[test]
fn claim_updates_the_coordination_row_and_nothing_else() {
    let ws = Ws::with_tasks(BOARD);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let after = ws.read("TASKS.md");
    let expected = BOARD
        .replace("| 1 | Available |", "| 1 | 1.1 Alpha |")
        .replace("- [ ] 1.1 Alpha", "- [ ] [Instance 1] 1.1 Alpha");
    assert_eq!(after, expected);
    ws.ok(&["release", "1.1", "--instance", "1"]);
    assert_eq!(ws.read("TASKS.md"), BOARD);
}

#[test]
fn already_held_is_a_no_op_and_conflicts_are_refused() {
    let ws = Ws::with_tasks(BOARD);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let before = ws.bytes("TASKS.md");
    let (code, doc) = ws.json(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(
        (code, doc["data"]["action"].as_str()),
        (0, Some("unchanged"))
    );
    assert_eq!(ws.bytes("TASKS.md"), before);

    let (code, doc) = ws.json(&["claim", "1.1", "--instance", "2", "--also"]);
    assert_eq!(code, 3);
    assert_eq!(doc["error"]["kind"], "refused");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("held by Instance 1 since 2026-01-15 10:00"),
        "{msg}"
    );
    assert_eq!(doc["error"]["detail"]["holders"][0]["instance"], 1);

    let (code, _, err) = ws.run(&["claim", "1.3", "--instance", "2"]);
    assert_eq!(code, 3);
    assert!(err.contains("already done"), "{err}");
    let (code, _, err) = ws.run(&["claim", "1.5.1", "--instance", "1", "--also"]);
    assert_eq!(code, 3);
    assert!(err.contains("through its section heading"), "{err}");
    assert_eq!(ws.bytes("TASKS.md"), before, "refusals write nothing");
}

#[test]
fn one_claim_at_a_time_unless_also() {
    let ws = Ws::with_tasks(BOARD);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let (code, _, err) = ws.run(&["claim", "1.2", "--instance", "1"]);
    assert_eq!(code, 3);
    assert!(err.contains("already holds 1 claim"), "{err}");
    assert!(
        err.contains("baton release") && err.contains("--instance 1"),
        "hint names the release: {err}"
    );
    ws.ok(&["claim", "1.2", "--instance", "1", "--also"]);
    let t = ws.read("TASKS.md");
    assert!(t.contains("| 1 | 1.1 Alpha; 1.2 Beta |"), "{t}");
    // Instance 2 holds a heading claim, which counts as one.
    let (code, _, _) = ws.run(&["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 3);
    ws.write(".baton.yaml", "max_claims: 3\n");
    ws.ok(&["release", "1.2", "--instance", "1"]);
    ws.ok(&["claim", "1.2", "--instance", "2"]);
}

#[test]
fn heading_claims_and_their_release() {
    let ws = Ws::with_tasks(BOARD);
    // Phase 1 holds Phase 1.5, which Instance 2 has claimed: refused.
    let (code, doc) = ws.json(&["claim", "Phase 1", "--instance", "1"]);
    assert_eq!(code, 3, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Phase 1.5: Bulk` (Instance 2)"),
        "{doc}"
    );
    ws.ok(&["release", "Phase 1.5: Bulk", "--instance", "2"]);
    let board = ws.read("TASKS.md");
    assert!(board.contains("| 2 | Available |"), "{board}");
    let (code, doc) = ws.json(&["claim", "Phase 1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let t = ws.read("TASKS.md");
    assert!(t.contains("## Phase 1 [Instance 1]\n"), "{t}");
    let (_, list) = ws.json(&["list", "--instance", "1"]);
    assert_eq!(
        list["data"]["tasks"].as_array().unwrap().len(),
        3,
        "open tasks under the heading and its subsection"
    );
    let (code, _, err) = ws.run(&["release", "1.1", "--instance", "1"]);
    assert_eq!(code, 3);
    assert!(err.contains("release the section"), "{err}");
    ws.ok(&["release", "L10", "--instance", "1"]);
    assert_eq!(ws.read("TASKS.md"), board);
}

#[test]
fn release_of_another_instance_needs_force() {
    let ws = Ws::with_tasks(BOARD);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let (code, _, err) = ws.run(&["release", "1.1", "--instance", "2"]);
    assert_eq!(code, 3);
    assert!(err.contains("--force"), "{err}");
    ws.ok(&["release", "1.1", "--instance", "2", "--force"]);
    assert_eq!(
        ws.read("TASKS.md"),
        BOARD,
        "row of instance 1 back to Available"
    );
    let (code, doc) = ws.json(&["release", "1.1", "--instance", "2"]);
    assert_eq!(
        (code, doc["data"]["action"].as_str()),
        (0, Some("unchanged"))
    );
}

#[test]
fn stale_claims_can_be_stolen_live_ones_need_force() {
    let ws = Ws::with_tasks(BOARD);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    // One hour later: live.
    let later = |t: &str, args: &[&str]| {
        let out = ws.cmd().env("BATON_NOW", t).args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = later(
        "2026-01-15T11:00:00+00:00",
        &["claim", "1.1", "--instance", "2", "--steal", "--also"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not stale yet"), "{err}");
    let status = ws
        .cmd()
        .env("BATON_NOW", "2026-01-16T11:00:00+00:00")
        .args(["status"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("STALE"));
    let (code, err) = later(
        "2026-01-16T11:00:00+00:00",
        &["claim", "1.1", "--instance", "2", "--steal", "--also"],
    );
    assert_eq!(code, 0, "{err}");
    let t = ws.read("TASKS.md");
    assert!(t.contains("- [ ] [Instance 2] 1.1 Alpha"), "{t}");
    assert!(t.contains("| 1 | Available |"), "{t}");
    // A hand-written tag has no known age: only --force takes it.
    ws.write(
        "TASKS.md",
        BOARD.replace("- [ ] 1.2 Beta", "- [ ] [Instance 1] 1.2 Beta"),
    );
    let (code, err) = later(
        "2026-03-01T00:00:00+00:00",
        &["claim", "1.2", "--instance", "2", "--steal", "--also"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("unknown time"), "{err}");
    let (code, err) = later(
        "2026-03-01T00:00:00+00:00",
        &["claim", "1.2", "--instance", "2", "--force", "--also"],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn dry_run_prints_lines_and_writes_nothing() {
    let ws = Ws::with_tasks(BOARD);
    let out = ws.ok(&["claim", "1.2", "--instance", "1", "--dry-run"]);
    assert!(
        out.contains("- - [ ] 1.2 Beta") && out.contains("+ - [ ] [Instance 1] 1.2 Beta"),
        "{out}"
    );
    assert!(
        out.contains("- | 1 | Available |") && out.contains("+ | 1 | 1.2 Beta |"),
        "{out}"
    );
    assert_eq!(ws.read("TASKS.md"), BOARD);
    assert!(!ws.exists(".baton/claims.json"));
    let (_, doc) = ws.json(&["release", "1.2", "--instance", "1", "--dry-run"]);
    assert_eq!(doc["data"]["action"], "unchanged");
}

#[test]
fn instance_from_the_environment_and_next_claim() {
    let ws = Ws::with_tasks(BOARD);
    let out = ws
        .cmd()
        .env("BATON_INSTANCE", "1")
        .args(["--json", "next", "--claim"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["data"]["task"]["number"], "1.1");
    assert_eq!(doc["data"]["task"]["claimed_by"], serde_json::json!([1]));
    // Nothing left for instance 1 beyond its one claim without --also.
    let (code, _) = ws.json(&["next", "--claim", "--instance", "1"]);
    assert_eq!(code, 3);
    let (_, doc) = ws.json(&["next", "--claim", "--instance", "1", "--also"]);
    assert_eq!(doc["data"]["task"]["number"], "1.2");
    let (code, doc) = ws.json(&["next", "--claim", "--instance", "1", "--also"]);
    assert_eq!((code, doc["data"]["action"].as_str()), (0, Some("none")));
}

#[test]
fn the_ledger_forgets_claims_whose_tag_is_gone() {
    let ws = Ws::with_tasks(BOARD);
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let ledger = ws.read(".baton/claims.json");
    assert!(ledger.contains("2026-01-15T10:00:00"), "{ledger}");
    assert_eq!(ws.ledger_instances(), [1]);
    // A human removes the tag by hand; the next write drops the entry.
    ws.write("TASKS.md", BOARD);
    ws.ok(&["claim", "1.2", "--instance", "2", "--also"]);
    assert_eq!(ws.ledger_instances(), [2]);
}

/// A claim on an empty task once turned `Foo` into its lazy continuation and `---` into a
/// setext heading, and was refused; the tag of an empty task is not text to the parse.
#[test]
fn a_claim_on_an_empty_task_leaves_a_setext_underline_alone() {
    let src = "## B\n\n- [ ]\nFoo\n---\n- [ ] x\n";
    let ws = Ws::with_tasks(src);
    let (code, doc) = ws.json(&["claim", "L3", "--instance", "5"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        ws.read("TASKS.md"),
        "## B\n\n- [ ] [Instance 5]\nFoo\n---\n- [ ] x\n"
    );
    let (code, doc) = ws.json(&["release", "L3", "--instance", "5"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(ws.read("TASKS.md"), src);
}

#[test]
fn multibyte_headings_in_instance_files_are_read() {
    let ws = Ws::with_tasks("- [ ] a\n");
    ws.write(
        "instance_002.md",
        "# I\n## Session History\n### 漢字のメモ\n\nȺȺȺȺȺȺȺȺ archived session漢 1\n\n### 2026-01-10 (Session 7 - 漢字のメモ Ⱥ)\n\nDone ȺȺ.\n",
    );
    // The entry whose heading parses is the instance's last session, title intact.
    let (code, doc) = ws.json(&["status"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["instances"][0]["last_session"],
        serde_json::json!({"session": 7, "date": "2026-01-10", "title": "漢字のメモ Ⱥ"})
    );
    // The one that does not is reported at its line, quoted whole, and kept as written.
    let out = ws.ok(&["start", "--instance", "2"]);
    assert!(
        out.contains("your last session: Session 7, 2026-01-10 漢字のメモ Ⱥ"),
        "{out}"
    );
    assert!(
        out.contains("instance_002.md:3: `### 漢字のメモ` does not parse"),
        "{out}"
    );
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        ws.read("instance_002.md")
            .starts_with("# I\n## Session History\n### 漢字のメモ\n")
    );
}

/// Each claim keeps its own age: two claims of one instance taken an hour apart, and one
/// of another instance, show their own `since` and age in `status`.
#[test]
fn each_claim_keeps_its_own_age() {
    let ws = Ws::with_tasks("# P\n\n- [ ] 1.1 One\n- [ ] 1.2 Two\n- [ ] 1.3 Three\n");
    let at = |now: &str, args: &[&str]| {
        let out = ws.cmd().env("BATON_NOW", now).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        out
    };
    at(
        "2026-01-15T08:00:00+00:00",
        &["claim", "1.1", "--instance", "1"],
    );
    at(
        "2026-01-15T09:00:00+00:00",
        &["claim", "1.3", "--instance", "2"],
    );
    at(
        "2026-01-15T09:30:00+00:00",
        &["claim", "1.2", "--instance", "1", "--also"],
    );
    let out = at("2026-01-15T10:00:00+00:00", &["--json", "status"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ages: Vec<(u64, String, u64)> = doc["data"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| {
            i["claims"].as_array().unwrap().iter().map(move |c| {
                (
                    i["instance"].as_u64().unwrap(),
                    c["label"].as_str().unwrap().to_string(),
                    c["age_secs"].as_u64().unwrap(),
                )
            })
        })
        .collect();
    assert_eq!(
        ages,
        vec![
            (1, "1.1 One".to_string(), 7200),
            (1, "1.2 Two".to_string(), 1800),
            (2, "1.3 Three".to_string(), 3600),
        ],
        "{doc}"
    );
}

/// A claim whose tag was removed by hand and that is taken again counts from the second
/// time, with one ledger entry.
#[test]
fn a_claim_taken_again_gets_a_new_age() {
    let plan = "# P\n\n- [ ] 1.1 One\n";
    let ws = Ws::with_tasks(plan);
    let claim = |now: &str| {
        let out = ws
            .cmd()
            .env("BATON_NOW", now)
            .args(["claim", "1.1", "--instance", "1"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    claim("2026-01-15T07:00:00+00:00");
    ws.write("TASKS.md", plan);
    claim("2026-01-15T09:00:00+00:00");
    let (_, doc) = ws.json(&["status"]);
    assert_eq!(
        doc["data"]["instances"][0]["claims"][0]["age_secs"], 3600,
        "{doc}"
    );
    assert_eq!(ws.ledger().len(), 1, "{:?}", ws.ledger());
}

/// `done` and `ess` end claims: the ledger forgets them at once (not only at the next
/// claim), while a claim they do not end keeps its entry.
#[test]
fn done_and_ess_forget_the_claims_they_end() {
    let ws = Ws::with_tasks("# P\n\n- [ ] 1.1 One\n- [ ] 1.2 Two\n- [ ] 1.3 Three\n");
    let entries = || -> Vec<(u64, String)> {
        ws.ledger()
            .iter()
            .map(|e| (e["instance"].as_u64().unwrap(), entry_label(e)))
            .collect()
    };
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    ws.ok(&["claim", "1.2", "--instance", "1", "--also"]);
    ws.ok(&["claim", "1.3", "--instance", "2"]);
    ws.ok(&["done", "1.1", "--instance", "1"]);
    assert_eq!(
        entries(),
        vec![(1, "1.2 Two".to_string()), (2, "1.3 Three".to_string())]
    );
    // (Exit 1: a verification question fails; the entry is written either way.)
    let (code, out, err) = ws.run(&["ess", "--instance", "1", "--title", "T", "--summary", "S."]);
    assert!(code == 0 || code == 1, "{out}{err}");
    assert!(out.contains("1.2 Two (released)"), "{out}");
    assert_eq!(entries(), vec![(2, "1.3 Three".to_string())]);
}

/// Outside git no other checkout reads the claim store, so a hand-written tag stays a tag
/// (a claim of unknown age) and is not copied into the store, which every command reads.
#[test]
fn outside_git_a_hand_tag_stays_out_of_the_store() {
    let ws = Ws::with_tasks("# P\n\n- [ ] [Instance 2] 1.1 One\n- [ ] 1.2 Two\n");
    ws.ok(&["claim", "1.2", "--instance", "1"]);
    assert_eq!(ws.ledger_instances(), [1]);
    let (_, doc) = ws.json(&["status"]);
    let two = doc["data"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instance"] == 2)
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(two["claims"][0]["label"], "1.1 One", "{doc}");
    assert!(two["claims"][0]["age_secs"].is_null(), "{doc}");
}

/// A store written by the previous version (2: each entry with its own checkout) is read
/// as it is, ages kept, and rewritten in the current form by the next claim.
#[test]
fn a_version_2_store_is_read_and_upgraded() {
    let ws = Ws::with_tasks("# P\n\n- [ ] [Instance 1] 1.1 One\n- [ ] 1.2 Two\n");
    let (_, doc) = ws.json(&["show", "1.1"]);
    let r = doc["data"]["task"]["ref"].as_str().unwrap().to_string();
    let here = std::fs::canonicalize(ws.path()).unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    ws.write(
        ".baton/claims.json",
        format!(
            r##"{{"version":2,"claims":[
{{"instance":1,"task":"{r}","key":"#1.1","number":"1.1","title":"One","claimed_at":"2026-01-15T09:00:00Z","checkout":{{"path":"{}","branch":null,"host":"{}"}}}}
]}}"##,
            here.display(),
            host.trim()
        ),
    );
    let age = |ws: &Ws| {
        let (_, doc) = ws.json(&["status"]);
        doc["data"]["instances"][0]["claims"][0]["age_secs"].clone()
    };
    assert_eq!(age(&ws), 3600);
    ws.ok(&["claim", "1.2", "--instance", "2"]);
    let store: serde_json::Value = serde_json::from_str(&ws.read(".baton/claims.json")).unwrap();
    assert_eq!(store["version"], 3, "{store}");
    let mut held: Vec<(u64, String)> = ws
        .ledger()
        .iter()
        .map(|e| (e["instance"].as_u64().unwrap(), e["claimed_at"].to_string()))
        .collect();
    held.sort();
    assert_eq!(
        held[0],
        (1, "\"2026-01-15T09:00:00Z\"".to_string()),
        "{held:?}"
    );
    assert_eq!(held.len(), 2, "{held:?}");
    assert_eq!(age(&ws), 3600);
}
