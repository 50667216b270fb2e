//! `baton check`: every rule fires on its fixture, stays quiet on its near miss, and fixes
//! what it can byte for byte; output, exit codes, configuration, and the real-world corpus.

use crate::support::{Ws, assert_tree_eq, fixture};
use std::collections::BTreeMap;
use std::path::Path;

fn codes(ws: &Ws) -> Vec<String> {
    let (_, doc) = ws.json(&["check"]);
    doc["data"]["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics: {doc}"))
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// A copy of `check/<rule>/<kind>`, with whatever the rule needs beyond files.
fn setup(rule: &str, kind: &str) -> Ws {
    let ws = Ws::from_tree(fixture(&format!("check/{rule}/{kind}")));
    if rule == "interrupted_transaction" {
        // `.baton/` is git-ignored: the record of a killed `baton archive` is made here.
        let name = if kind == "trigger" {
            "txn.json"
        } else {
            "txn.json.note"
        };
        ws.write(
            &format!(".baton/{name}"),
            r#"{"version":1,"command":"baton archive","pid":1,"dirs":[],"initial":{},"steps":[]}"#,
        );
    }
    if rule == "stale_claim" {
        // The claim ledger records when a claim was taken: 5 days ago, or 1 hour ago.
        let at = if kind == "trigger" {
            "2026-01-10T10:00:00+00:00"
        } else {
            "2026-01-15T09:00:00+00:00"
        };
        let out = ws
            .cmd()
            .env("BATON_NOW", at)
            .args(["claim", "1.1", "--instance", "1"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if rule == "claim_disagrees_with_store" {
        // The store holds task 1.1 (trigger) or 1.2 (near miss) for Instance 1 in another
        // checkout.
        let task = if kind == "trigger" { "1.1" } else { "1.2" };
        ws.write(
            ".baton/claims.json",
            format!(
                r##"{{"version":2,"claims":[{{"instance":1,"task":"x","key":"#{task}","number":"{task}","title":"t","claimed_at":"2026-01-15T09:00:00+00:00","checkout":{{"path":"/elsewhere/wt1","branch":"wt1","host":"h"}}}}]}}"##
            ),
        );
    }
    ws
}

#[test]
fn every_rule_triggers_on_its_fixture_and_not_on_its_near_miss() {
    for rule in baton::check::RULES {
        let code = rule.code;
        let hit = codes(&setup(code, "trigger"));
        assert!(
            hit.iter().any(|c| c == code),
            "{code}: the trigger fixture gave {hit:?}"
        );
        let miss = codes(&setup(code, "near_miss"));
        assert!(
            !miss.iter().any(|c| c == code),
            "{code}: the near-miss fixture gave {miss:?}"
        );
    }
}

#[test]
fn fixes_match_the_golden_trees() {
    let mut seen = 0;
    for rule in baton::check::RULES {
        let golden = fixture(&format!("check/{}/fixed", rule.code));
        if !golden.is_dir() {
            continue;
        }
        seen += 1;
        let ws = setup(rule.code, "trigger");
        let (_, doc) = ws.json(&["check", "--fix"]);
        assert!(
            !doc["data"]["fixed"].as_array().unwrap().is_empty(),
            "{}: nothing fixed: {doc}",
            rule.code
        );
        let left: Vec<&str> = doc["data"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["fixable"] == true)
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert!(
            left.is_empty(),
            "{}: fixable diagnostics remain: {left:?}",
            rule.code
        );
        assert_tree_eq(ws.path(), &golden);
    }
    assert_eq!(
        seen, 6,
        "done_but_claimed, coordination_drift, broken_link, done_links_active_spec, too_many_sessions and claim_disagrees_with_store have golden trees"
    );
}

#[test]
fn dry_run_shows_the_edits_and_writes_nothing() {
    let src = fixture("check/done_but_claimed/trigger");
    let ws = Ws::from_tree(&src);
    let (code, out, _) = ws.run(&["check", "--fix", "--dry-run"]);
    assert_eq!(code, 1);
    assert!(out.contains("would fix[done_but_claimed]"), "{out}");
    assert!(out.contains("+ - [x] 2.3 Ship it"), "{out}");
    assert_tree_eq(ws.path(), &src);
    let (_, doc) = ws.json(&["check", "--fix", "--dry-run"]);
    assert_eq!(doc["data"]["dry_run"], true);
    assert_eq!(doc["data"]["changes"]["hunks"].as_array().unwrap().len(), 2);
}

#[test]
fn moving_fixes_are_automatic_and_previewed() {
    let src = fixture("check/done_links_active_spec/trigger");
    let ws = Ws::from_tree(&src);
    let (code, doc) = ws.json(&["check", "--fix", "--dry-run"]);
    assert_eq!(code, 0, "{doc}");
    let d = doc["data"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "done_links_active_spec")
        .unwrap()
        .clone();
    assert_eq!(d["fixable"], true);
    assert_eq!(
        d["fix"],
        "archive docs/specs/101_CACHE.md and rewrite the links to it"
    );
    let moves = doc["data"]["changes"]["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 2, "{doc}");
    assert_tree_eq(ws.path(), &src);
}

#[test]
fn exit_codes_and_strict() {
    // Warnings only.
    let ws = Ws::from_tree(fixture("check/unknown_mark/trigger"));
    let (code, out, _) = ws.run(&["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("0 errors, 2 warnings\n"), "{out}");
    let (code, doc) = ws.json(&["check", "--strict"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["kind"], "failed");
    assert_eq!(
        doc["data"]["summary"],
        serde_json::json!({"errors": 0, "warnings": 2, "fixable": 0})
    );
    // Clean.
    let ws = Ws::with_tasks("# T\n\n- [ ] 1.1 Alpha\n");
    assert_eq!(ws.ok(&["check", "--strict"]), "0 errors, 0 warnings\n");
}

#[test]
fn severities_come_from_the_config() {
    let ws = Ws::from_tree(fixture("check/broken_link/trigger"));
    assert_eq!(ws.run(&["check"]).0, 1);
    ws.write(".baton.yaml", "rules:\n  broken_link: warning\n");
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 0);
    assert!(
        doc["data"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["severity"] == "warning")
    );
    ws.write(".baton.yaml", "rules:\n  broken_link: off\n");
    assert!(codes(&ws).is_empty());
    ws.write(".baton.yaml", "rules:\n  broken_links: off\n");
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 1);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`broken_links` is not a rule"),
        "{doc}"
    );
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("broken_link"),
        "{doc}"
    );
}

#[cfg(unix)]
#[test]
fn links_through_symlinks_are_unsafe() {
    let ws =
        Ws::with_tasks("# T\n\n- [ ] Read [notes](shared/notes.md) and [real](real/notes.md)\n");
    ws.write("real/notes.md", "notes\n");
    std::os::unix::fs::symlink(ws.abs("real"), ws.abs("shared")).unwrap();
    let (_, doc) = ws.json(&["check"]);
    let d = &doc["data"]["diagnostics"];
    assert_eq!(d.as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(d[0]["code"], "unsafe_link");
    assert!(
        d[0]["message"].as_str().unwrap().contains("symlink shared"),
        "{doc}"
    );
}

#[test]
fn json_diagnostics_have_the_documented_fields() {
    let ws = Ws::from_tree(fixture("check/done_but_claimed/trigger"));
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 1);
    let d = &doc["data"]["diagnostics"][0];
    for key in [
        "code", "severity", "file", "line", "column", "message", "fix",
    ] {
        assert!(d.get(key).is_some(), "missing {key}: {d}");
    }
    assert_eq!(d["file"], "TASKS.md");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(7))
    );
}

#[test]
fn snapshot_of_human_and_json_output() {
    let ws = Ws::from_tree(fixture("check/multi"));
    let (code, out, _) = ws.run(&["check"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("check_human", out);
    let (_, doc) = ws.json(&["check"]);
    insta::assert_snapshot!(
        "check_json",
        serde_json::to_string_pretty(&doc["data"]).unwrap()
    );
}

#[test]
fn the_example_workspace_has_no_errors() {
    let ws = Ws::from_tree(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/workspace"));
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 0, "{doc}");
}

/// Every file of the real-world corpus (outside this repository: `BATON_CORPUS_DIR`, else
/// `../shared/corpus`; skipped when absent, a failure in CI) as TASKS.md: no crash, one
/// JSON document each, every diagnostic at a line of the file; `list` places every task on
/// a line holding its checkbox. Prints the counts per code.
#[test]
fn corpus_runs_clean_of_crashes() {
    let corpus = std::env::var_os("BATON_CORPUS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let Ok(rd) = std::fs::read_dir(&corpus) else {
        crate::support::missing_prerequisite(&format!(
            "the corpus at {} (set BATON_CORPUS_DIR)",
            corpus.display()
        ));
        return;
    };
    let mut files: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .md file in {}", corpus.display());
    for f in &files {
        let ws = Ws::new();
        ws.write("TASKS.md", std::fs::read(f).unwrap());
        let (code, doc) = ws.json(&["list"]);
        if code != 0 {
            assert_eq!(doc["error"]["kind"], "invalid", "{}: {doc}", f.display());
            continue;
        }
        let text = ws.read("TASKS.md");
        let lines: Vec<&str> = text.lines().collect();
        for t in doc["data"]["tasks"].as_array().unwrap() {
            let line = t["line"].as_u64().unwrap() as usize;
            let mark = format!("[{}]", t["mark"].as_str().unwrap());
            assert!(
                line >= 1 && lines.get(line - 1).is_some_and(|l| l.contains(&mark)),
                "{}: task {t} is not at a line with its checkbox",
                f.display()
            );
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        let ws = Ws::new();
        ws.write("TASKS.md", std::fs::read(f).unwrap());
        let (code, doc) = ws.json(&["check"]);
        assert!(
            code == 0 || code == 1,
            "{}: exit {code}: {doc}",
            f.display()
        );
        let n_lines = std::fs::read(f).unwrap().split(|b| *b == b'\n').count();
        if let Some(ds) = doc["data"]["diagnostics"].as_array() {
            for d in ds {
                let line = d["line"].as_u64().unwrap_or(0) as usize;
                assert!(
                    d["file"] != "TASKS.md" || (1..=n_lines).contains(&line),
                    "{}: a diagnostic outside the file: {d}",
                    f.display()
                );
                *counts
                    .entry(format!(
                        "{} ({})",
                        d["code"].as_str().unwrap(),
                        d["severity"].as_str().unwrap()
                    ))
                    .or_default() += 1;
            }
        } else {
            assert_eq!(doc["error"]["kind"], "invalid", "{}: {doc}", f.display());
        }
    }
    eprintln!("check over {} corpus files:", files.len());
    for (k, n) in &counts {
        eprintln!("  {n:>5} {k}");
    }
}

#[test]
fn archive_and_rotation_fixes_on_one_instance_file_both_apply() {
    let ws = Ws::new();
    ws.write("docs/specs/101_A.md", "# 101 A\n");
    ws.write(
        "TASKS.md",
        "# T\n\n## P\n\n- [x] 1.1 A (spec: [a](docs/specs/101_A.md))\n",
    );
    let mut inst = String::from("# Instance 1\n\n## Session History\n\n");
    for n in (1..=4).rev() {
        inst.push_str(&format!(
            "### 2026-01-0{n} (Session {n} - T{n})\n\n**Summary**: see [spec](docs/specs/101_A.md).\n\n"
        ));
    }
    ws.write("instance_001.md", &inst);
    let (code, doc) = ws.json(&["check", "--fix"]);
    assert!(code == 0 || code == 1, "{doc}");
    let fixed: Vec<&str> = doc["data"]["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(fixed.contains(&"done_links_active_spec"), "{doc}");
    assert!(fixed.contains(&"too_many_sessions"), "{doc}");
    assert!(ws.exists("archive/specs/101_A.md"));
    let inst = ws.read("instance_001.md");
    assert!(!inst.contains("Session 1 - T1"), "{inst}");
    assert!(inst.contains("[spec](archive/specs/101_A.md)"), "{inst}");
}
