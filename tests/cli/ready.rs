//! Ready means ready: the mark table, dependencies and spec-kit's phases, through `next`,
//! `claim`, `list`, `show`, `status`, `start`, `check`, `done` and `reopen`.

use crate::support::*;
use serde_json::Value;

/// The numbers (else titles) of `list --json` with `args`.
fn listed(ws: &Ws, args: &[&str]) -> Vec<String> {
    let mut a = vec!["list"];
    a.extend_from_slice(args);
    let (code, doc) = ws.json(&a);
    assert_eq!(code, 0, "{doc}");
    doc["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(name)
        .collect()
}

fn name(t: &Value) -> String {
    match t["number"].as_str() {
        Some(n) => n.to_string(),
        None => t["title"].as_str().unwrap().to_string(),
    }
}

/// What `next --json` offers (its number or title), if anything.
fn next(ws: &Ws, args: &[&str]) -> Option<String> {
    let mut a = vec!["next"];
    a.extend_from_slice(args);
    let (code, doc) = ws.json(&a);
    assert_eq!(code, 0, "{doc}");
    let t = &doc["data"]["task"];
    (!t.is_null()).then(|| name(t))
}

const MARKS: &str = "# Plan\n\n\
- [-] 1.1 Cancelled: migrate to Mongo\n\
- [✅] 2.1 Lire le GDD.md en entier\n\
- [<] 3.1 Scheduled\n\
- [>] 4.1 Forwarded\n\
- [/] 5.1 Half done\n\
- [~] 6.1 Partly\n\
- [!] 7.1 Important\n\
- [?] 8.1 Question\n\
- [X] 9.1 Done loudly\n\
- [ ] 10.1 Really open\n";

#[test]
fn next_offers_only_open_marks() {
    let ws = Ws::with_tasks(MARKS);
    assert_eq!(next(&ws, &[]).as_deref(), Some("10.1"));
    let out = ws.ok(&["next", "--claim", "--instance", "1"]);
    assert!(out.contains("10.1 Really open"), "{out}");
    assert!(
        ws.read("TASKS.md")
            .contains("- [ ] [Instance 1] 10.1 Really open")
    );
    // With the only open task taken, nothing is left to offer.
    assert_eq!(next(&ws, &[]), None);
    // Every state, by name, in the JSON.
    let (_, doc) = ws.json(&["list"]);
    let states: Vec<&str> = doc["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "cancelled",
            "done",
            "deferred",
            "deferred",
            "in_progress",
            "in_progress",
            "unknown",
            "unknown",
            "done",
            "open"
        ]
    );
    // `--open` is the unfinished work (neither done nor cancelled), `--done` the done.
    assert_eq!(
        listed(&ws, &["--open"]),
        ["3.1", "4.1", "5.1", "6.1", "7.1", "8.1", "10.1"]
    );
    assert_eq!(listed(&ws, &["--done"]), ["2.1", "9.1"]);
    // status counts cancelled tasks as neither open nor done.
    let (_, doc) = ws.json(&["status"]);
    assert_eq!(doc["data"]["open"], 7);
    assert_eq!(doc["data"]["done"], 2);
}

#[test]
fn the_mark_table_is_overridden_in_config() {
    let ws = Ws::with_tasks(MARKS);
    ws.write(".baton.yaml", "marks:\n  \"-\": open\n  \"!\": open\n");
    assert_eq!(next(&ws, &[]).as_deref(), Some("1.1"));
    assert_eq!(listed(&ws, &["--ready"]), ["1.1", "7.1", "10.1"]);
    // `check` warns only about the marks the table does not name.
    let (_, doc) = ws.json(&["check"]);
    let unknown: Vec<&Value> = doc["data"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "unknown_mark")
        .collect();
    assert_eq!(unknown.len(), 1, "{doc}");
    assert_eq!(unknown[0]["line"], 10);
    // A key that is not one character is refused, naming the setting.
    ws.write(".baton.yaml", "marks:\n  done: done\n");
    let (code, _, err) = ws.run(&["next"]);
    assert_eq!(code, 1);
    assert!(err.contains("marks: `done`"), "{err}");
}

#[test]
fn a_spec_kit_file_with_everything_done_offers_no_legend_line() {
    let ws = Ws::with_tasks(
        "# Tasks\n\n## Phase 1: Setup\n\n- [x] T001 Create project\n\n\
         ## Phase 2: Foundational (Blocking Prerequisites)\n\n- [x] T002 [P] Schema\n\n\
         ## Notes\n\n- [P] tasks = different files, no dependencies\n\
         - [Story] label maps task to specific user story\n",
    );
    assert_eq!(next(&ws, &[]), None);
    assert_eq!(listed(&ws, &[]), ["T001", "T002"]);
    let (code, out, _) = ws.run(&["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("unknown_mark"), "{out}");
}

const DEPS: &str = "# Plan\n\n## Phase 4.0: Blockers\n\n\
- [ ] 4.0.1 Add the retry decorator\n\
- [ ] 4.0.2 Apply it (after: 4.0.1)\n\
- [ ] 4.0.3 Document it, blocked by 4.0.2\n\n\
## Phase 4.1 (after: Phase 4.0)\n\n\
- [ ] 4.1.1 Queue\n\
- [ ] 4.1.2 Run the queue after 4.0.1 lands (prose: no dependency)\n\n\
## Other\n\n\
- [ ] 9.1 Independent\n";

#[test]
fn next_skips_blocked_tasks_and_list_shows_ready_and_blocked() {
    let ws = Ws::with_tasks(DEPS);
    assert_eq!(next(&ws, &[]).as_deref(), Some("4.0.1"));
    ws.ok(&["claim", "4.0.1", "--instance", "1"]);
    // 4.0.2 and 4.0.3 wait; the whole of Phase 4.1 waits for Phase 4.0.
    assert_eq!(next(&ws, &[]).as_deref(), Some("9.1"));
    assert_eq!(listed(&ws, &["--ready"]), ["9.1"]);
    assert_eq!(
        listed(&ws, &["--blocked"]),
        ["4.0.2", "4.0.3", "4.1.1", "4.1.2"]
    );
    ws.ok(&["done", "4.0.1", "--instance", "1"]);
    assert_eq!(next(&ws, &[]).as_deref(), Some("4.0.2"));
    assert_eq!(listed(&ws, &["--ready"]), ["4.0.2", "9.1"]);
    // The group is not part of the title.
    let (_, doc) = ws.json(&["show", "4.0.2"]);
    assert_eq!(doc["data"]["task"]["title"], "Apply it");
}

#[test]
fn claiming_a_blocked_task_is_refused_naming_the_blocker() {
    let ws = Ws::with_tasks(DEPS);
    let before = ws.bytes("TASKS.md");
    let (code, out, err) = ws.run(&["claim", "4.0.2", "--instance", "1"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("is blocked"), "{err}");
    assert!(err.contains("4.0.1 Add the retry decorator"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(ws.bytes("TASKS.md"), before);
    let (code, doc) = ws.json(&["claim", "4.1.1", "--instance", "1"]);
    assert_eq!(code, 3);
    assert_eq!(doc["error"]["kind"], "refused");
    let by = &doc["error"]["detail"]["blocked_by"];
    assert_eq!(by[0]["kind"], "section", "{doc}");
    assert_eq!(by[0]["label"], "Phase 4.0: Blockers");
    assert_eq!(by[0]["met"], false);
    assert_eq!(ws.bytes("TASKS.md"), before);
    // `--force` takes it anyway.
    ws.ok(&["claim", "4.0.2", "--instance", "1", "--force"]);
    assert!(
        ws.read("TASKS.md")
            .contains("- [ ] [Instance 1] 4.0.2 Apply it")
    );
    // A task whose blocker is done is claimed as usual.
    let ws = Ws::with_tasks(&DEPS.replace("- [ ] 4.0.1", "- [x] 4.0.1"));
    ws.ok(&["claim", "4.0.2", "--instance", "2"]);
}

#[test]
fn show_lists_what_a_task_waits_for_and_what_waits_for_it() {
    let ws = Ws::with_tasks(DEPS);
    let (_, doc) = ws.json(&["show", "4.0.2"]);
    let d = &doc["data"];
    assert_eq!(d["waits_for"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["waits_for"][0]["label"], "4.0.1 Add the retry decorator");
    assert_eq!(d["waits_for"][0]["line"], 5);
    let by: Vec<&str> = d["waited_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["label"].as_str().unwrap())
        .collect();
    // 4.0.3 names it; Phase 4.1 waits for its whole phase.
    assert_eq!(
        by,
        [
            "4.0.3 Document it, blocked by 4.0.2",
            "4.1.1 Queue",
            "4.1.2 Run the queue after 4.0.1 lands (prose: no dependency)"
        ]
    );
    // 4.0.1 by the task that names it and by the next phase.
    let (_, doc) = ws.json(&["show", "4.0.1"]);
    let by: Vec<String> = doc["data"]["waited_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w["label"]
                .as_str()
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(by, ["4.0.2", "4.1.1", "4.1.2"]);
    let out = ws.ok(&["show", "4.0.2"]);
    assert!(
        out.contains("waits for: ")
            && out.contains("`4.0.1 Add the retry decorator` (line 5) [unfinished]"),
        "{out}"
    );
    assert!(out.contains("waited by: "), "{out}");
}

#[test]
fn status_and_start_show_blocked_work_apart_from_ready_work() {
    let ws = Ws::with_tasks(DEPS);
    let (_, doc) = ws.json(&["status"]);
    let d = &doc["data"];
    assert_eq!(d["next"]["number"], "4.0.1");
    let blocked: Vec<&str> = d["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(blocked.len(), 4, "{d}");
    assert_eq!(
        d["blocked"][0]["blocked_by"][0]["label"],
        "4.0.1 Add the retry decorator"
    );
    let out = ws.ok(&["status"]);
    assert!(out.contains("blocked (4):"), "{out}");
    assert!(out.contains("waits for"), "{out}");
    let (_, doc) = ws.json(&["start", "--instance", "1"]);
    let next: Vec<String> = doc["data"]["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(name)
        .collect();
    assert_eq!(next, ["4.0.1", "9.1"]);
    assert_eq!(doc["data"]["blocked"].as_array().unwrap().len(), 4);
    let out = ws.ok(&["start", "--instance", "1"]);
    assert!(out.contains("blocked (4):"), "{out}");
}

#[test]
fn check_reports_missing_targets_and_cycles_as_errors() {
    let ws = Ws::with_tasks(
        "# Plan\n\n- [ ] 1.1 One (after: 1.3)\n- [ ] 1.2 Two (after: 1.1)\n\
         - [ ] 1.3 Three (after: 1.2)\n- [ ] 1.4 Four (after: 7.7, Phase 9)\n",
    );
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 1, "{doc}");
    let diags = doc["data"]["diagnostics"].as_array().unwrap();
    let of = |code: &str| -> Vec<&Value> { diags.iter().filter(|d| d["code"] == code).collect() };
    let missing = of("missing_dependency");
    assert_eq!(missing.len(), 2, "{doc}");
    assert!(
        missing
            .iter()
            .all(|d| d["line"] == 6 && d["severity"] == "error")
    );
    assert!(missing[0]["message"].as_str().unwrap().contains("`7.7`"));
    assert!(
        missing[1]["message"]
            .as_str()
            .unwrap()
            .contains("`Phase 9`")
    );
    let cycles = of("dependency_cycle");
    assert_eq!(cycles.len(), 1, "{doc}");
    let msg = cycles[0]["message"].as_str().unwrap();
    for line in ["line 3", "line 4", "line 5"] {
        assert!(msg.contains(line), "{msg}");
    }
    // Nothing on the cycle is ever offered, and neither is a task waiting for nothing.
    assert_eq!(next(&ws, &[]), None);
}

/// A task that names itself in its `(after: …)` group is a cycle of one: reported by
/// `check` with its line, never offered, and refused by `claim` (exit 3).
#[test]
fn a_task_waiting_for_itself_is_a_cycle_of_one() {
    let ws = Ws::with_tasks(
        "# Plan

- [ ] 1.1 One (after: 1.1)
- [ ] 1.2 Two
",
    );
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 1, "{doc}");
    let diags = doc["data"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{doc}");
    assert_eq!(diags[0]["code"], "dependency_cycle");
    assert_eq!(diags[0]["line"], 3);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("waits for itself"),
        "{doc}"
    );
    assert_eq!(next(&ws, &[]).as_deref(), Some("1.2"));
    let (code, _, _) = ws.run(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 3);
}

const SPEC_KIT: &str = "# Tasks: Demo\n\n## Format: `[ID] [P?] [Story] Description`\n\n\
## Phase 1: Setup (Shared Infrastructure)\n\n- [ ] T001 Create project\n\n\
## Phase 2: Foundational (Blocking Prerequisites)\n\n- [ ] T002 [P] Schema\n- [ ] T003 [P] Auth base\n\n\
## Phase 3: User Story 1 - Sign in (Priority: P1)\n\n- [ ] T004 [P] [US1] Model\n\n\
## Phase 4: User Story 2 - Sign out (Priority: P2)\n\n- [ ] T005 [US2] Endpoint\n\n\
## Phase 5: Polish & Cross-Cutting Concerns\n\n- [ ] T006 Docs\n\n\
## Notes\n\n- [P] tasks = different files, no dependencies\n";

#[test]
fn spec_kit_phases_run_setup_then_foundational_then_stories_in_parallel() {
    let ws = Ws::with_tasks(SPEC_KIT);
    assert_eq!(listed(&ws, &["--ready"]), ["T001"]);
    let (code, _, err) = ws.run(&["claim", "T004", "--instance", "1"]);
    assert_eq!(code, 3);
    assert!(err.contains("Phase 1: Setup"), "{err}");
    ws.ok(&["done", "T001", "--instance", "1"]);
    assert_eq!(listed(&ws, &["--ready"]), ["T002", "T003"]);
    let (code, _, err) = ws.run(&["claim", "T005", "--instance", "1"]);
    assert_eq!(code, 3);
    assert!(err.contains("Phase 2: Foundational"), "{err}");
    ws.ok(&["done", "T002", "--instance", "1"]);
    ws.ok(&["done", "T003", "--instance", "1"]);
    // Both user stories at once; Polish waits for them.
    assert_eq!(listed(&ws, &["--ready"]), ["T004", "T005"]);
    assert_eq!(listed(&ws, &["--blocked"]), ["T006"]);
    ws.ok(&["done", "T005", "--instance", "1"]);
    assert_eq!(listed(&ws, &["--ready"]), ["T004"]);
    ws.ok(&["done", "T004", "--instance", "1"]);
    assert_eq!(next(&ws, &[]).as_deref(), Some("T006"));
    // The markers stay in the title; the legend is no task.
    let (_, doc) = ws.json(&["show", "T004"]);
    assert_eq!(doc["data"]["task"]["mark"], "x");
    assert_eq!(listed(&ws, &[]).len(), 6);
}

#[test]
fn done_writes_the_files_own_done_mark_and_reopen_keeps_it() {
    let text = "# Plan\n\n- [X] 1.1 One\n- [X] 1.2 Two\n- [ ] 1.3 Three\n";
    let ws = Ws::with_tasks(text);
    ws.ok(&["reopen", "1.2"]);
    assert!(ws.read("TASKS.md").contains("- [ ] 1.2 Two"));
    ws.ok(&["done", "1.2", "--instance", "1"]);
    assert_eq!(ws.read("TASKS.md"), text, "[X] came back as [X]");
    ws.ok(&["done", "1.3", "--instance", "1"]);
    assert!(ws.read("TASKS.md").contains("- [X] 1.3 Three"));
    let ws = Ws::with_tasks("- [✅] a\n- [ ] b\n");
    ws.ok(&["done", "b", "--instance", "1"]);
    assert_eq!(ws.read("TASKS.md"), "- [✅] a\n- [✅] b\n");
    // A file with no done mark yet gets GFM's `x`.
    let ws = Ws::with_tasks("- [ ] a\n- [-] b\n- [/] c\n");
    ws.ok(&["done", "a", "--instance", "1"]);
    assert_eq!(ws.read("TASKS.md"), "- [x] a\n- [-] b\n- [/] c\n");
    // A cancelled task reopens; one in progress is open already.
    ws.ok(&["reopen", "b"]);
    let (_, doc) = ws.json(&["reopen", "c"]);
    assert_eq!(doc["data"]["action"], "unchanged");
    assert_eq!(ws.read("TASKS.md"), "- [x] a\n- [ ] b\n- [/] c\n");
    // Claim and release keep every mark as it is.
    let ws = Ws::with_tasks(MARKS);
    for n in ["1.1", "5.1", "6.1", "7.1", "10.1"] {
        ws.ok(&["claim", n, "--instance", "1"]);
        ws.ok(&["release", n, "--instance", "1"]);
        assert_eq!(ws.read("TASKS.md"), MARKS, "{n}");
    }
}

/// The corpus folder: `BATON_CORPUS_DIR`, else `../shared/corpus` beside the repository.
fn corpus_dir() -> Option<std::path::PathBuf> {
    let dir = match std::env::var_os("BATON_CORPUS_DIR") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the corpus is missing at {} (set BATON_CORPUS_DIR)",
        dir.display()
    );
    eprintln!(
        "note: no corpus at {}: the corpus test is skipped (set BATON_CORPUS_DIR)",
        dir.display()
    );
    None
}

/// On every corpus file, `next` (followed a few steps, each offered task ticked) offers
/// only tasks whose mark is open, never a legend line, never a task that waits for
/// unfinished work.
#[test]
fn on_the_corpus_next_offers_only_ready_tasks() {
    let Some(dir) = corpus_dir() else { return };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let mut offered = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let ws = Ws::with_tasks(&text);
        for _ in 0..3 {
            let (code, doc) = ws.json(&["next"]);
            assert_eq!(code, 0, "{}: {doc}", f.display());
            let t = &doc["data"]["task"];
            if t.is_null() {
                break;
            }
            offered += 1;
            let at = format!("{}:{}", f.display(), t["line"]);
            assert_eq!(t["state"], "open", "{at}");
            assert_eq!(t["mark"], " ", "{at}: the default table opens only `[ ]`");
            let line = ws
                .read("TASKS.md")
                .lines()
                .nth(t["line"].as_u64().unwrap() as usize - 1)
                .unwrap()
                .to_string();
            assert!(
                !line.trim_start().starts_with("- [P]"),
                "{at}: a legend line"
            );
            let r = t["ref"].as_str().unwrap();
            let (_, shown) = ws.json(&["show", r]);
            let waits = shown["data"]["waits_for"].as_array().unwrap();
            assert!(
                waits.iter().all(|w| w["met"] == true),
                "{at}: offered while it waits: {waits:?}"
            );
            ws.ok(&["done", r, "--instance", "1", "--no-archive", "--force"]);
        }
    }
    assert!(
        files.len() >= 30 && offered >= 30,
        "{} files, {offered} offered",
        files.len()
    );
}

#[test]
fn a_cancelled_task_keeps_no_spec_alive_and_an_unfinished_one_does() {
    for (mark, archived) in [("-", true), (" ", false), ("/", false), (">", false)] {
        let ws = Ws::with_tasks(&format!(
            "# Plan\n\n- [x] 1.1 Build (spec: [s](docs/specs/101_X.md))\n\
             - [{mark}] 1.2 More (spec: [s](docs/specs/101_X.md))\n"
        ));
        ws.write("docs/specs/101_X.md", "# X\n");
        ws.ok(&["archive"]);
        assert_eq!(
            ws.exists("archive/specs/101_X.md"),
            archived,
            "[{mark}]: {}",
            ws.read("TASKS.md")
        );
        // `check` agrees with the archive: nothing left to archive afterwards.
        let (_, doc) = ws.json(&["check"]);
        let codes: Vec<&str> = doc["data"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(
            !codes.contains(&"done_links_active_spec"),
            "[{mark}]: {codes:?}"
        );
    }
}

/// The spec-kit files of the corpus follow the template's order, checked here against
/// `list --json` independently of baton's own rule: a ready task's phase has every phase
/// before it finished, user-story phases apart from each other.
#[test]
fn on_the_corpus_spec_kit_files_follow_the_template_order() {
    let Some(dir) = corpus_dir() else { return };
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let spec_kit = text.contains("## Phase ")
            && (text.contains("Foundational") || text.contains("User Story"))
            && text.contains("T001");
        if !spec_kit {
            continue;
        }
        let ws = Ws::with_tasks(&text);
        let (_, all) = ws.json(&["list"]);
        let tasks = all["data"]["tasks"].as_array().unwrap().clone();
        // The phase of a task: the `Phase N:` heading on its path.
        let phase = |t: &Value| -> Option<String> {
            t["section"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s.as_str())
                .find(|s| s.starts_with("Phase ") && s.contains(':'))
                .map(String::from)
        };
        let mut phases: Vec<String> = Vec::new();
        for t in &tasks {
            if let Some(ph) = phase(t)
                && !phases.contains(&ph)
            {
                phases.push(ph);
            }
        }
        let finished = |ph: &str| {
            tasks
                .iter()
                .filter(|t| phase(t).as_deref() == Some(ph))
                .all(|t| t["state"] == "done" || t["state"] == "cancelled")
        };
        let story = |ph: &str| ph.contains("User Story");
        // A phase waits for one before it unless both are user stories.
        let waits_on = |ph: &str, before: &str| !(story(ph) && story(before));
        let (_, ready) = ws.json(&["list", "--ready"]);
        for t in ready["data"]["tasks"].as_array().unwrap() {
            let Some(ph) = phase(t) else { continue };
            let k = phases.iter().position(|p| *p == ph).unwrap();
            for before in &phases[..k] {
                if !waits_on(&ph, before) {
                    continue;
                }
                assert!(
                    finished(before),
                    "{}: {} is ready in `{ph}` but `{before}` is unfinished",
                    p.display(),
                    t["number"]
                );
            }
        }
        // Every open task is either ready or blocked, and a blocked one has an unfinished
        // phase before it.
        let (_, blocked) = ws.json(&["list", "--blocked"]);
        for t in blocked["data"]["tasks"].as_array().unwrap() {
            let ph = phase(t).unwrap();
            let k = phases.iter().position(|p| *p == ph).unwrap();
            assert!(
                phases[..k].iter().any(|b| waits_on(&ph, b) && !finished(b)),
                "{}: {} is blocked for nothing",
                p.display(),
                t["number"]
            );
        }
        checked += 1;
    }
    assert!(checked >= 3, "{checked} spec-kit files");
}

/// A heading claim takes every open task under it, so a heading whose tasks wait for work
/// outside it is refused like a blocked task (found by an adversarial review: it was
/// taken); waits between its own tasks are only their order.
#[test]
fn claiming_a_blocked_heading_is_refused_and_its_own_order_is_no_block() {
    let plan = "# T\n\n## Phase 1\n\n- [ ] 1.1 One\n\n## Phase 2 (after: Phase 1)\n\n\
                - [ ] 2.1 Two\n- [ ] 2.2 Three (after: 2.1)\n";
    let ws = Ws::with_tasks(plan);
    let (code, doc) = ws.json(&["claim", "Phase 2", "--instance", "1"]);
    assert_eq!(code, 3, "{doc}");
    assert_eq!(doc["error"]["detail"]["blocked_by"][0]["label"], "Phase 1");
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("baton list --blocked --section"), "{hint}");
    assert_eq!(ws.read("TASKS.md"), plan);
    // The hint's command works.
    ws.ok(&["list", "--blocked", "--section", "Phase 2"]);
    // Phase 1 waits for nothing outside it; 2.2 waiting for 2.1 does not block Phase 2's
    // claim once Phase 1 is done.
    ws.ok(&["claim", "Phase 1", "--instance", "1"]);
    let ws = Ws::with_tasks(&plan.replace("- [ ] 1.1", "- [x] 1.1"));
    ws.ok(&["claim", "Phase 2", "--instance", "2"]);
    // `--force` takes a blocked heading anyway.
    let ws = Ws::with_tasks(plan);
    ws.ok(&["claim", "Phase 2", "--instance", "1", "--force"]);
}

/// A task claimed before a dependency was written (or claimed with `--force`) stays
/// claimed, and `status` and `start` tell its holder what it now waits for.
#[test]
fn a_claimed_task_that_came_to_wait_says_so() {
    let ws = Ws::with_tasks("# Plan\n\n- [ ] 1.1 One\n- [ ] 1.2 Two\n");
    ws.ok(&["claim", "1.2", "--instance", "1"]);
    let (code, doc) = ws.json(&["status"]);
    assert_eq!(code, 0);
    assert!(
        doc["data"]["instances"][0]["claims"][0]
            .get("blocked_by")
            .is_none(),
        "{doc}"
    );
    let text = ws
        .read("TASKS.md")
        .replace("1.2 Two", "1.2 Two (after: 1.1)");
    ws.write("TASKS.md", text);
    let (_, doc) = ws.json(&["status"]);
    let held = &doc["data"]["instances"][0]["claims"][0];
    assert_eq!(held["label"], "1.2 Two", "{doc}");
    assert_eq!(held["blocked_by"][0]["label"], "1.1 One", "{doc}");
    assert_eq!(held["blocked_by"][0]["met"], false, "{doc}");
    let out = ws.ok(&["status"]);
    assert!(out.contains("blocked: waits for"), "{out}");
    let out = ws.ok(&["start", "--instance", "1"]);
    assert!(out.contains("blocked: waits for"), "{out}");
    // Once what it waits for is done, nothing is said.
    ws.ok(&["done", "1.1", "--instance", "2"]);
    let (_, doc) = ws.json(&["status"]);
    let held = &doc["data"]["instances"][0]["claims"][0];
    assert!(held.get("blocked_by").is_none(), "{doc}");
}

/// A dependency commented out or struck through is not in effect: the task is ready.
#[test]
fn a_commented_out_dependency_does_not_block() {
    let ws = Ws::with_tasks(
        "# Plan\n\n- [ ] 1.1 One\n- [ ] 1.2 Two <!-- (after: 1.1) -->\n\
         - [ ] 1.3 Three ~~depends on 1.1~~\n- [ ] 1.4 Four (after: 1.1)\n",
    );
    let (_, doc) = ws.json(&["list", "--blocked"]);
    let blocked: Vec<String> = doc["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(name)
        .collect();
    assert_eq!(blocked, ["1.4"], "{doc}");
    ws.ok(&["claim", "1.2", "--instance", "1"]);
    ws.ok(&["claim", "1.3", "--instance", "2"]);
}
