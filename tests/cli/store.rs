//! One claim store per git repository (issue 15), through the real binary and real git:
//! worktrees racing one store, the journal and `baton log`, task identity across
//! branches, and adoption of an existing workspace.

use crate::support::NOW;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Barrier};

pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .stdin(Stdio::null())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The real binary rooted at `root`, JSON out, a long lock wait, a fixed clock.
pub fn baton(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_baton"));
    c.env("BATON_NOW", NOW)
        .env_remove("BATON_INSTANCE")
        .env_remove("BATON_REMOTE")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .arg("--root")
        .arg(root)
        .args(["--json", "--wait", "120"])
        .args(args)
        .stdin(Stdio::null());
    c
}

pub fn parse(out: Output) -> (i32, serde_json::Value) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

pub fn run(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    parse(baton(root, args).output().expect("spawn baton"))
}

/// A git repository with TASKS.md committed in `main/`, and `n` worktrees beside it.
pub struct Repo {
    _dir: tempfile::TempDir,
    pub main: PathBuf,
    pub wts: Vec<PathBuf>,
}

impl Repo {
    pub fn new(tasks: &str, n: usize) -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        let main = dir.path().join("main");
        std::fs::create_dir(&main).unwrap();
        git_in(&main, &["init", "-q", "-b", "main"]);
        std::fs::write(main.join("TASKS.md"), tasks).unwrap();
        git_in(&main, &["add", "TASKS.md"]);
        git_in(&main, &["commit", "-q", "-m", "plan"]);
        let wts = (1..=n)
            .map(|k| {
                let p = dir.path().join(format!("wt{k}"));
                git_in(
                    &main,
                    &[
                        "worktree",
                        "add",
                        "-q",
                        "-b",
                        &format!("wt{k}"),
                        p.to_str().unwrap(),
                    ],
                );
                p
            })
            .collect();
        Repo {
            _dir: dir,
            main,
            wts,
        }
    }

    pub fn common(&self) -> PathBuf {
        self.main.join(".git")
    }
}

/// `per` processes in each of `roots` loop `next --claim --also` (with `extra` options)
/// until nothing is left; every task must be won exactly once, `tasks` in all. A process
/// told exit 4 (a remote that kept changing under it) runs again, as the hint says.
pub fn drain(roots: &[PathBuf], per: usize, extra: &'static [&'static str], tasks: usize) {
    let barrier = Arc::new(Barrier::new(per * roots.len()));
    let handles: Vec<_> = roots
        .iter()
        .enumerate()
        .flat_map(|(w, root)| {
            let barrier = barrier.clone();
            (0..per).map(move |p| {
                let (barrier, root) = (barrier.clone(), root.clone());
                let n = (w * per + p + 1).to_string();
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut won = Vec::new();
                    let mut busy = 0;
                    loop {
                        let mut args = extra.to_vec();
                        args.extend(["next", "--claim", "--also", "--instance", &n]);
                        let (code, doc) = run(&root, &args);
                        if code == 4 {
                            busy += 1;
                            assert!(busy < 50, "{doc}");
                            continue;
                        }
                        assert_eq!(code, 0, "{doc}");
                        match doc["data"]["action"].as_str() {
                            Some("none") => break,
                            Some("claimed") => won
                                .push(doc["data"]["task"]["number"].as_str().unwrap().to_string()),
                            other => panic!("{other:?}: {doc}"),
                        }
                    }
                    won
                })
            })
        })
        .collect();
    let mut all: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "no task won twice");
    assert_eq!(all.len(), tasks, "every task won");
}

/// The `event` of each entry of a `log --json` document, in order.
pub fn event_kinds(doc: &serde_json::Value) -> Vec<&str> {
    doc["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

pub fn numbered(n: usize) -> String {
    let mut s = String::from("# Plan\n\n## Work\n\n");
    for t in 1..=n {
        s.push_str(&format!("- [ ] 1.{t} Piece {t}\n"));
    }
    s
}

/// `[Instance N]` tags per task number in one TASKS.md.
fn tags(text: &str) -> BTreeMap<String, Vec<u32>> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- [ ] ") else {
            continue;
        };
        let mut who = Vec::new();
        let mut r = rest;
        while let Some(x) = r.strip_prefix("[Instance ") {
            let end = x.find(']').unwrap();
            who.push(x[..end].parse().unwrap());
            r = x[end + 1..].trim_start();
        }
        let number = r.split_whitespace().next().unwrap().to_string();
        if !who.is_empty() {
            out.insert(number, who);
        }
    }
    out
}

/// 3 worktrees x 8 processes race `claim` on one task, 20 rounds: exactly one winner per
/// round, every loser refused (exit 3) naming the holder, and the main checkout refused
/// too. Before issue 15 every worktree had its own lock and ledger: one winner per worktree.
#[test]
fn worktrees_race_one_claim_one_winner() {
    const ROUNDS: usize = 20;
    const PER: usize = 8;
    let repo = Repo::new(&numbered(ROUNDS), 3);
    for round in 1..=ROUNDS {
        let task = format!("1.{round}");
        let barrier = Arc::new(Barrier::new(PER * repo.wts.len()));
        let handles: Vec<_> = repo
            .wts
            .iter()
            .enumerate()
            .flat_map(|(w, root)| {
                let barrier = barrier.clone();
                let task = task.clone();
                (0..PER).map(move |p| {
                    let (barrier, root, task) = (barrier.clone(), root.clone(), task.clone());
                    let n = (w * PER + p + 1) as u32;
                    std::thread::spawn(move || {
                        let mut cmd = baton(
                            &root,
                            &["claim", &task, "--also", "--instance", &n.to_string()],
                        );
                        barrier.wait();
                        (n, w, parse(cmd.output().expect("spawn")))
                    })
                })
            })
            .collect();
        let mut winners = Vec::new();
        for h in handles {
            let (n, w, (code, doc)) = h.join().unwrap();
            match code {
                0 => winners.push((n, w)),
                3 => assert!(
                    doc["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("is held by Instance"),
                    "{doc}"
                ),
                _ => panic!("instance {n}: exit {code}: {doc}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let (n, w) = winners[0];
        let tagged: Vec<_> = repo
            .wts
            .iter()
            .map(|p| tags(&std::fs::read_to_string(p.join("TASKS.md")).unwrap()).remove(&task))
            .collect();
        for (k, t) in tagged.iter().enumerate() {
            assert_eq!(
                t.clone(),
                (k == w).then(|| vec![n]),
                "round {round}, worktree {k}"
            );
        }
        let (code, doc) = run(&repo.main, &["claim", &task, "--also", "--instance", "99"]);
        assert_eq!(code, 3, "the main checkout is refused too: {doc}");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(msg.contains(&format!("Instance {n}")), "{msg}");
        assert!(
            msg.contains(&format!("wt{}", w + 1)),
            "names the checkout: {msg}"
        );
    }
    // Every worktree sees one store, under the common git dir.
    assert!(repo.common().join("baton/lock").exists());
    assert!(!repo.wts[0].join(".baton/claims.json").exists());
}

/// 12 processes across 3 worktrees drain 200 tasks with `next --claim --also`: each task
/// claimed exactly once in all the files together, and `log` holds every claim.
#[test]
fn worktrees_drain_two_hundred_tasks_once() {
    const TASKS: usize = 200;
    const PER: usize = 4;
    let repo = Repo::new(&numbered(TASKS), 3);
    drain(&repo.wts, PER, &[], TASKS);
    let mut tagged = BTreeMap::new();
    for p in &repo.wts {
        for (t, who) in tags(&std::fs::read_to_string(p.join("TASKS.md")).unwrap()) {
            assert_eq!(who.len(), 1);
            assert!(tagged.insert(t.clone(), who).is_none(), "{t} tagged twice");
        }
    }
    assert_eq!(tagged.len(), TASKS);
    let (code, doc) = run(&repo.main, &["log"]);
    assert_eq!(code, 0, "{doc}");
    let events = doc["data"]["events"].as_array().unwrap();
    let claimed: Vec<_> = events.iter().filter(|e| e["event"] == "claimed").collect();
    assert_eq!(claimed.len(), TASKS, "log holds every claim");
}

/// The task refs an `ess` entry lists as its own, with their status.
fn ess_tasks(root: &Path, n: &str) -> Vec<(String, String)> {
    let (code, doc) = run(
        root,
        &[
            "ess",
            "--instance",
            n,
            "--title",
            "Work",
            "--summary",
            "Did it.",
        ],
    );
    assert!(code == 0 || code == 1, "{doc}");
    assert_eq!(doc["data"]["written"], true, "{doc}");
    doc["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["label"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finish(root: &Path, n: &str, task: &str) {
    let (code, doc) = run(root, &["claim", task, "--instance", n]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc) = run(root, &["done", task, "--instance", n]);
    assert_eq!(code, 0, "{doc}");
}

/// Three instances in one shared folder finish different tasks; instances 1 and 3 ran
/// `start`, instance 2 did not. Each `ess` lists exactly its own task as complete: before
/// the journal, instance 1's listed the tasks 2 and 3 had finished (open and unclaimed at
/// its start, done at its end) and instance 2's listed none.
#[test]
fn ess_credits_each_instance_its_own_tasks_in_a_shared_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("TASKS.md"), numbered(3)).unwrap();
    // Three declared instances (an `ess` of one would otherwise make the others undeclared).
    for n in ["1", "2", "3"] {
        let (code, doc) = run(root, &["instance", "add", n]);
        assert_eq!(code, 0, "{doc}");
    }
    for n in ["1", "3"] {
        let (code, doc) = run(root, &["start", "--instance", n]);
        assert_eq!(code, 0, "{doc}");
    }
    for n in ["1", "2", "3"] {
        finish(root, n, &format!("1.{n}"));
    }
    for n in ["1", "2", "3"] {
        assert_eq!(
            ess_tasks(root, n),
            vec![(format!("1.{n} Piece {n}"), "complete".to_string())],
            "Instance {n}"
        );
    }
    let (_, doc) = run(root, &["log", "--instance", "2"]);
    let kinds = event_kinds(&doc);
    assert_eq!(kinds, ["claimed", "done", "session"]);
}

/// The same in three worktrees, one instance each.
#[test]
fn ess_credits_each_instance_its_own_tasks_across_worktrees() {
    let repo = Repo::new(&numbered(3), 3);
    for (k, wt) in repo.wts.iter().enumerate() {
        let n = (k + 1).to_string();
        if k != 1 {
            let (code, doc) = run(wt, &["start", "--instance", &n]);
            assert_eq!(code, 0, "{doc}");
        }
        finish(wt, &n, &format!("1.{n}"));
    }
    for (k, wt) in repo.wts.iter().enumerate() {
        let n = (k + 1).to_string();
        assert_eq!(
            ess_tasks(wt, &n),
            vec![(format!("1.{n} Piece {n}"), "complete".to_string())],
            "Instance {n}"
        );
    }
}

/// Identity across checkouts: a numbered task is the same task when its title was edited
/// on one branch, so it can never be claimed twice.
#[test]
fn a_title_edited_on_one_branch_is_still_the_same_task() {
    let repo = Repo::new(&numbered(3), 2);
    let edited = numbered(3).replace("1.2 Piece 2", "1.2 Piece 2, renamed on this branch");
    std::fs::write(repo.wts[1].join("TASKS.md"), &edited).unwrap();
    let (code, doc) = run(&repo.wts[0], &["claim", "1.2", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc) = run(&repo.wts[1], &["claim", "1.2", "--instance", "2"]);
    assert_eq!(code, 3, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("Instance 1 in another checkout") && msg.contains("wt1"),
        "{msg}"
    );
    assert_eq!(
        doc["error"]["detail"]["holders"][0]["checkout"]["branch"],
        "wt1"
    );
    // `next` never offers it there either.
    let (code, doc) = run(&repo.wts[1], &["next"]);
    assert_eq!(code, 0);
    assert_eq!(doc["data"]["task"]["number"], "1.1");
    let (_, doc) = run(&repo.wts[1], &["next", "--claim", "--instance", "2"]);
    assert_eq!(doc["data"]["task"]["number"], "1.1");
    let (_, doc) = run(
        &repo.wts[1],
        &["next", "--claim", "--also", "--instance", "2"],
    );
    assert_eq!(
        doc["data"]["task"]["number"], "1.3",
        "1.2 is skipped: {doc}"
    );
    // list --claimed and show there name the claim held in the other checkout.
    let (_, doc) = run(&repo.wts[1], &["list", "--claimed"]);
    let listed: Vec<&str> = doc["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["1.1", "1.2", "1.3"], "{doc}");
    let far = doc["data"]["held_elsewhere"].as_array().unwrap();
    assert_eq!(far.len(), 1, "{doc}");
    assert_eq!(far[0]["label"], "1.2 Piece 2");
    let (_, doc) = run(&repo.wts[1], &["show", "1.2"]);
    assert!(
        doc["data"]["held_elsewhere"][0]["elsewhere"]["path"]
            .as_str()
            .unwrap()
            .ends_with("wt1"),
        "{doc}"
    );
    let (_, doc) = run(&repo.wts[0], &["show", "1.2"]);
    assert!(
        doc["data"].get("held_elsewhere").is_none(),
        "held here: {doc}"
    );
    // start's briefing there lists it under Instance 1, and never offers it.
    let (code, doc) = run(&repo.wts[1], &["start", "--instance", "5"]);
    assert_eq!(code, 0, "{doc}");
    let one = doc["data"]["others"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instance"] == 1)
        .expect("Instance 1 in the briefing")
        .clone();
    assert!(one["claims"][0]["elsewhere"]["path"].is_string(), "{one}");
    let offered: Vec<&str> = doc["data"]["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert!(!offered.contains(&"1.2"), "{offered:?}");
    // status in either checkout shows both claims, marking the other checkout's.
    let (_, doc) = run(&repo.wts[1], &["status"]);
    let one = doc["data"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instance"] == 1)
        .expect("Instance 1 listed")
        .clone();
    assert_eq!(one["claims"][0]["label"], "1.2 Piece 2");
    assert!(
        one["claims"][0]["elsewhere"]["path"]
            .as_str()
            .unwrap()
            .ends_with("wt1"),
        "{one}"
    );
}

/// An existing checkout's tags and `.baton/claims.json` are taken over on first run: the
/// ages survive, the old ledger goes, and other worktrees see the claim.
#[test]
fn adoption_keeps_tags_and_ages() {
    let repo = Repo::new(&numbered(3), 1);
    let main = &repo.main;
    let (_, doc) = run(main, &["show", "1.1"]);
    let r = doc["data"]["task"]["ref"].as_str().unwrap().to_string();
    // 1.1 tagged with an age in the old ledger; 1.3 tagged by hand.
    let tagged = numbered(3)
        .replace("- [ ] 1.1", "- [ ] [Instance 1] 1.1")
        .replace("- [ ] 1.3", "- [ ] [Instance 4] 1.3");
    std::fs::write(main.join("TASKS.md"), &tagged).unwrap();
    std::fs::create_dir_all(main.join(".baton")).unwrap();
    std::fs::write(
        main.join(".baton/claims.json"),
        format!(
            r#"{{"version":1,"claims":[{{"instance":1,"task":"{r}","title":"Piece 1","claimed_at":"2026-01-15T08:00:00+00:00"}}]}}"#
        ),
    )
    .unwrap();
    let (_, doc) = run(main, &["status"]);
    let one = &doc["data"]["instances"][0];
    assert_eq!(one["claims"][0]["age_secs"], 7200, "{doc}");
    let (code, doc) = run(main, &["claim", "1.2", "--instance", "2"]);
    assert_eq!(code, 0, "{doc}");
    assert!(
        !main.join(".baton/claims.json").exists(),
        "the old ledger is taken over"
    );
    let store = std::fs::read_to_string(repo.common().join("baton/claims.json")).unwrap();
    assert!(store.contains("2026-01-15T08:00:00"), "{store}");
    let (code, doc) = run(&repo.wts[0], &["claim", "1.1", "--instance", "3"]);
    assert_eq!(code, 3, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("(2h ago)"),
        "{doc}"
    );
    let (code, doc) = run(&repo.wts[0], &["claim", "1.3", "--instance", "3"]);
    assert_eq!(code, 3, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("Instance 4") && msg.contains("unknown time"),
        "{msg}"
    );
}

/// `check` reports a tag the store contradicts and `check --fix` removes it: a tag merged
/// in from another branch for a task held in another worktree, and a tag whose claim was
/// released from another worktree.
#[test]
fn check_reports_and_fixes_tags_the_store_contradicts() {
    let repo = Repo::new(&numbered(3), 2);
    let (w1, w2) = (&repo.wts[0], &repo.wts[1]);
    let (code, doc) = run(w1, &["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let merged = numbered(3).replace("- [ ] 1.1", "- [ ] [Instance 2] 1.1");
    std::fs::write(w2.join("TASKS.md"), &merged).unwrap();
    let codes = |root: &Path| -> Vec<String> {
        let (_, doc) = run(root, &["check"]);
        doc["data"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(codes(w2).contains(&"claim_disagrees_with_store".to_string()));
    let (code, doc) = run(w2, &["check", "--fix"]);
    assert!(code == 0 || code == 1, "{doc}");
    assert_eq!(
        std::fs::read_to_string(w2.join("TASKS.md")).unwrap(),
        numbered(3)
    );
    assert!(!codes(w2).contains(&"claim_disagrees_with_store".to_string()));
    // Released from the other worktree: the tag in wt1 is now contradicted.
    let (code, doc) = run(w2, &["release", "1.1", "--instance", "2"]);
    assert_eq!(
        code, 3,
        "releasing another checkout's claim needs --force: {doc}"
    );
    let (code, doc) = run(w2, &["release", "1.1", "--instance", "2", "--force"]);
    assert_eq!(code, 0, "{doc}");
    assert!(codes(w1).contains(&"claim_disagrees_with_store".to_string()));
    run(w1, &["check", "--fix"]);
    assert_eq!(
        std::fs::read_to_string(w1.join("TASKS.md")).unwrap(),
        numbered(3)
    );
    let (code, doc) = run(w2, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "free again: {doc}");
}

/// `log` filters by instance, task and time; `--json` gives events with an `event` field.
#[test]
fn log_filters_by_instance_task_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("TASKS.md"), numbered(3)).unwrap();
    let at = |t: &str, args: &[&str]| {
        let out = baton(root, args).env("BATON_NOW", t).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    at(
        "2026-01-15T08:00:00+00:00",
        &["claim", "1.1", "--instance", "1"],
    );
    at(
        "2026-01-15T09:00:00+00:00",
        &["claim", "1.2", "--instance", "2"],
    );
    at(
        "2026-01-15T09:30:00+00:00",
        &["release", "1.2", "--instance", "2"],
    );
    let events = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["log"];
        a.extend_from_slice(args);
        let (code, doc) = run(root, &a);
        assert_eq!(code, 0, "{doc}");
        doc["data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e["event"].as_str().unwrap(),
                    e["instance"],
                    e["task"]["number"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        events(&[]),
        ["claimed 1 1.1", "claimed 2 1.2", "released 2 1.2"]
    );
    assert_eq!(
        events(&["--instance", "2"]),
        ["claimed 2 1.2", "released 2 1.2"]
    );
    assert_eq!(events(&["--task", "1.1"]), ["claimed 1 1.1"]);
    assert_eq!(
        events(&["--since", "2026-01-15T08:30:00+00:00"]),
        ["claimed 2 1.2", "released 2 1.2"]
    );
    // NOW is 10:00: the last 45 minutes hold the release only.
    assert_eq!(events(&["--since", "45m"]), ["released 2 1.2"]);
    let (code, doc) = run(root, &["log", "--since", "yesterday-ish"]);
    assert_eq!(code, 2, "{doc}");
    let out = baton(root, &["log"]).output().unwrap();
    assert!(out.status.success());
    let human = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--root", root.to_str().unwrap(), "log"])
        .env("BATON_NOW", NOW)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("Instance 2") && text.contains("released") && text.contains("1.2 Piece 2"),
        "{text}"
    );
}

/// A worktree removed with its claims: they lapse, the task can be claimed elsewhere.
#[test]
fn claims_of_a_removed_worktree_lapse() {
    let repo = Repo::new(&numbered(2), 1);
    let (code, doc) = run(&repo.wts[0], &["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let (code, _) = run(&repo.main, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 3);
    git_in(
        &repo.main,
        &[
            "worktree",
            "remove",
            "--force",
            repo.wts[0].to_str().unwrap(),
        ],
    );
    let (code, doc) = run(&repo.main, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "{doc}");
}

/// TASKS.md files of two worktrees merged: the tag that came in with the merge names a
/// claim the store keeps for the other worktree; `check` reports it, `check --fix` drops
/// it, and each file ends up carrying only its own checkout's claims.
#[test]
fn merged_tasks_files_converge() {
    let repo = Repo::new(&numbered(6), 2);
    let (w1, w2) = (&repo.wts[0], &repo.wts[1]);
    assert_eq!(run(w1, &["claim", "1.1", "--instance", "1"]).0, 0);
    assert_eq!(run(w2, &["claim", "1.5", "--instance", "2"]).0, 0);
    git_in(w1, &["commit", "-q", "-am", "claim 1.1"]);
    git_in(w2, &["commit", "-q", "-am", "claim 1.5"]);
    let merged = std::process::Command::new("git")
        .args(["merge", "-q", "--no-edit", "wt1"])
        .current_dir(w2)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let text = std::fs::read_to_string(w2.join("TASKS.md")).unwrap();
    assert_eq!(tags(&text).len(), 2, "the merge brought wt1's tag: {text}");
    let (_, doc) = run(w2, &["check"]);
    let flagged: Vec<&serde_json::Value> = doc["data"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "claim_disagrees_with_store")
        .collect();
    assert_eq!(flagged.len(), 1, "{doc}");
    assert!(flagged[0]["message"].as_str().unwrap().contains("1.1"));
    run(w2, &["check", "--fix"]);
    let text = std::fs::read_to_string(w2.join("TASKS.md")).unwrap();
    assert_eq!(
        tags(&text).into_iter().collect::<Vec<_>>(),
        [("1.5".to_string(), vec![2])]
    );
    // The store still has both claims, each in its own checkout.
    let (code, _) = run(w2, &["claim", "1.1", "--instance", "3"]);
    assert_eq!(code, 3);
    let (code, _) = run(w1, &["claim", "1.5", "--instance", "3"]);
    assert_eq!(code, 3);
}

/// Two plans in one repository (TASKS.md at the top and in a subfolder) have a store each:
/// their task 1.1s are different tasks. A worktree's copy of the subfolder plan shares
/// the subfolder's store.
#[test]
fn each_plan_of_a_repository_has_its_own_store() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main");
    std::fs::create_dir_all(main.join("sub")).unwrap();
    git_in(&main, &["init", "-q", "-b", "main"]);
    std::fs::write(main.join("TASKS.md"), numbered(2)).unwrap();
    std::fs::write(main.join("sub/TASKS.md"), numbered(2)).unwrap();
    git_in(&main, &["add", "."]);
    git_in(&main, &["commit", "-q", "-m", "plans"]);
    let wt = dir.path().join("wt");
    git_in(
        &main,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    assert_eq!(run(&main, &["claim", "1.1", "--instance", "1"]).0, 0);
    let (code, doc) = run(&main.join("sub"), &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "another plan's 1.1: {doc}");
    let (code, doc) = run(&wt.join("sub"), &["claim", "1.1", "--instance", "3"]);
    assert_eq!(
        code, 3,
        "the subfolder plan's store is shared by worktrees: {doc}"
    );
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Instance 2"),
        "{doc}"
    );
    assert!(main.join(".git/baton/in/sub/claims.json").exists());
}
