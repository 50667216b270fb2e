//! The rough edges of issue 17, each reproduced through the real binary.

use crate::support::Ws;
use std::path::{Path, PathBuf};

/// The tasks of `list --json` as (line, mark, title).
fn listed(ws: &Ws) -> Vec<(usize, String, String)> {
    let (code, doc) = ws.json(&["list"]);
    assert_eq!(code, 0, "{doc}");
    doc["data"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            (
                t["line"].as_u64().expect("line") as usize,
                t["mark"].as_str().expect("mark").to_string(),
                t["title"].as_str().expect("title").to_string(),
            )
        })
        .collect()
}

// --- 2. line numbers under tabs ------------------------------------------------------

#[test]
fn tab_indented_children_report_their_own_lines() {
    let ws = Ws::with_tasks("- [ ] Parent\n\t- [ ] Child A\n\t- [ ] Child B\n");
    let lines: Vec<usize> = listed(&ws).iter().map(|t| t.0).collect();
    assert_eq!(lines, [1, 2, 3]);
    ws.ok(&["claim", "L2", "--instance", "1"]);
    assert_eq!(
        ws.read("TASKS.md"),
        "- [ ] Parent\n\t- [ ] [Instance 1] Child A\n\t- [ ] Child B\n"
    );
}

/// Every task `list` reports sits on a line holding its marker `[m]`.
fn assert_lines_hold_markers(name: &str, text: &str) -> usize {
    let ws = Ws::with_tasks(text);
    let (code, doc) = ws.json(&["list"]);
    if code != 0 {
        // A file baton refuses (not UTF-8) has no lines to check.
        return 0;
    }
    let lines: Vec<&str> = text.lines().collect();
    let tasks = doc["data"]["tasks"].as_array().expect("tasks");
    for t in tasks {
        let line = t["line"].as_u64().expect("line") as usize;
        let marker = format!("[{}]", t["mark"].as_str().expect("mark"));
        let held = lines.get(line - 1).copied().unwrap_or("");
        assert!(
            held.contains(&marker),
            "{name}: task {} reported on line {line}, which is {held:?}",
            t["title"]
        );
    }
    tasks.len()
}

/// The corpus of real task files, where there is one: `BATON_CORPUS`, else
/// `../shared/corpus` beside the repository.
fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("BATON_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

#[test]
fn every_reported_line_holds_its_tasks_marker() {
    let mut checked = 0;
    // Hand-made shapes: tabs before bullets, tabs after them, loose and nested lists.
    for (name, text) in [
        ("tabs", "- [ ] Parent\n\t- [ ] Child A\n\t- [ ] Child B\n"),
        (
            "tabs-deep",
            "# P\n\n- [ ] a\n\t- [ ] b\n\t\t- [x] c\n\t- [ ] d\n- [ ] e\n",
        ),
        ("tabs-crlf", "- [ ] a\r\n\t- [ ] b\r\n\r\n\t- [ ] c\r\n"),
        (
            "loose",
            "1. [ ] one\n\n   - [ ] nested\n\n     text\n\n2. [ ] two\n",
        ),
        ("quote", "> - [ ] quoted\n>\t- [ ] quoted child\n"),
    ] {
        checked += assert_lines_hold_markers(name, text);
    }
    // Generated plans with tab-indented subtasks.
    for seed in 0..6u32 {
        let mut text = String::from("# Plan\n\n");
        for i in 0..40u32 {
            let depth = (i * 7 + seed) % 3;
            let indent = ["", "\t", "\t\t"][depth as usize];
            let mark = if (i + seed) % 5 == 0 { 'x' } else { ' ' };
            if i % 9 == 0 {
                text.push_str(&format!("\n## Phase {i}\n\n"));
            }
            text.push_str(&format!("{indent}- [{mark}] {i}.{seed} task {i}\n"));
        }
        checked += assert_lines_hold_markers(&format!("generated {seed}"), &text);
    }
    if let Some(dir) = corpus() {
        for e in std::fs::read_dir(&dir).expect("corpus") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "md")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                checked += assert_lines_hold_markers(&p.display().to_string(), &text);
            }
        }
    }
    assert!(checked > 200, "only {checked} tasks checked");
}

// --- 11. README install line ---------------------------------------------------------

/// `cargo install` re-resolves dependencies unless told to use Cargo.lock.
#[test]
fn readme_installs_with_the_versions_cargo_lock_pins() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let installs: Vec<&str> = readme
        .lines()
        .filter(|l| l.trim_start().starts_with("cargo install"))
        .collect();
    assert!(!installs.is_empty(), "README has an install line");
    for l in installs {
        assert!(l.contains("--locked"), "{l}");
    }
}

// --- 9. --json gaps ------------------------------------------------------------------

#[test]
fn json_usage_errors_keep_the_missing_argument_and_clap_tips() {
    let ws = Ws::with_tasks("- [ ] a\n");
    let (code, doc) = ws.json(&["claim"]);
    assert_eq!(code, 2, "{doc}");
    let msg = doc["error"]["message"].as_str().expect("message");
    assert!(msg.contains("<REF>"), "{msg}");

    let (code, doc) = ws.json(&["lsit"]);
    assert_eq!(code, 2, "{doc}");
    let hint = doc["error"]["hint"].as_str().expect("hint");
    assert!(hint.contains("baton list"), "{hint}");
}

#[test]
fn version_with_json_is_one_document() {
    let ws = Ws::new();
    let (code, doc) = ws.json(&["--version"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["version"], env!("CARGO_PKG_VERSION"), "{doc}");
}

/// Help, completion scripts and the man page are one document under `--json` too, the
/// text they print otherwise inside it.
#[test]
fn help_completions_and_man_with_json_are_one_document() {
    let ws = Ws::new();
    let (code, doc) = ws.json(&["claim", "--help"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["command"], "claim");
    let help = doc["data"]["help"].as_str().unwrap();
    assert!(help.contains("Usage: baton claim"), "{help}");
    assert_eq!(help, ws.ok(&["claim", "--help"]));

    let (code, doc) = ws.json(&["completions", "bash"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["shell"], "bash");
    let script = doc["data"]["script"].as_str().unwrap();
    assert_eq!(script, ws.ok(&["completions", "bash"]));

    let (code, doc) = ws.json(&["man"]);
    assert_eq!(code, 0, "{doc}");
    let roff = doc["data"]["roff"].as_str().unwrap();
    assert!(roff.contains(".TH baton"), "{roff}");
    assert_eq!(roff, ws.ok(&["man"]));
}

// --- 10. smaller items ---------------------------------------------------------------

#[test]
fn release_force_says_whose_claim_it_released() {
    let ws = Ws::with_tasks("- [ ] 1.1 a\n");
    ws.ok(&["claim", "1.1", "--instance", "2"]);
    let out = ws.ok(&["release", "1.1", "--instance", "1", "--force"]);
    assert!(!out.contains("took over"), "{out}");
    assert!(out.contains("Instance 2's claim"), "{out}");
}

#[test]
fn reopen_mentions_archived_files_only_when_the_task_links_one() {
    let ws = Ws::with_tasks("- [x] 1.1 plain task\n");
    let out = ws.ok(&["reopen", "1.1"]);
    assert!(out.starts_with("reopened"), "{out}");
    assert!(!out.contains("archived"), "{out}");
    let ws = Ws::with_tasks("- [x] 1.2 Implement it (spec: [101_X.md](archive/specs/101_X.md))\n");
    ws.write("archive/specs/101_X.md", "# X\n");
    let out = ws.ok(&["reopen", "1.2"]);
    assert!(
        out.contains("archive/specs/101_X.md stays archived"),
        "{out}"
    );
}

#[test]
fn the_state_folder_ignores_itself_in_git() {
    let ws = Ws::with_tasks("- [ ] 1.1 a\n");
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    assert_eq!(ws.read(".baton/.gitignore"), "*\n");
}

#[test]
fn next_with_nothing_ready_is_documented_and_consistent() {
    let ws = Ws::with_tasks("- [x] 1.1 a\n");
    for args in [&["next"][..], &["next", "--claim", "--instance", "1"]] {
        let (code, doc) = ws.json(args);
        assert_eq!(code, 0, "{args:?}: {doc}");
        assert!(doc["data"]["task"].is_null(), "{args:?}: {doc}");
    }
    let help = ws.ok(&["next", "--help"]);
    assert!(help.contains("exits 0"), "{help}");
}

/// Another program holds the lock: the message names no PID of an earlier baton run, and
/// a fractional `--wait` is printed as given.
#[test]
fn the_lock_message_names_no_stale_pid_and_the_wait_as_given() {
    use std::io::BufRead;
    let ws = Ws::with_tasks("- [ ] 1.1 a\n- [ ] 1.2 b\n");
    ws.ok(&["claim", "1.1", "--instance", "1"]);
    let earlier = ws.read(".baton/lock").trim().to_string();
    assert!(!earlier.is_empty());
    // The workspace lock is taken on the root folder.
    let mut holder = std::process::Command::new("flock")
        .arg(ws.path())
        .args(["sh", "-c", "echo locked; exec sleep 60"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("flock runs");
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "locked\n");
    let (code, _, err) = ws.run(&["--wait", "1.5", "claim", "1.2", "--instance", "2"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code, 4, "{err}");
    assert!(
        !err.contains(&earlier),
        "names the earlier run's pid {earlier}: {err}"
    );
    assert!(err.contains("up to 1.5s"), "{err}");
}

// --- 7. where new tasks go; the Last Updated line -------------------------------------

#[test]
fn new_tasks_go_under_the_backlog_of_a_fresh_init_file() {
    let ws = Ws::new();
    ws.ok(&["init", "--instances", "3"]);
    ws.ok(&["research", "new", "SQLite vs Postgres"]);
    ws.ok(&["spec", "new", "Storage"]);
    let text = ws.read("TASKS.md");
    let backlog = text.find("## Backlog").expect("backlog");
    let footer = text.rfind("\n---\n").expect("footer rule");
    assert!(footer > backlog, "{text}");
    for t in ["Research SQLite", "Write storage spec", "Implement storage"] {
        let at = text.find(t).unwrap_or_else(|| panic!("{t} in {text}"));
        assert!(
            at > backlog && at < footer,
            "{t} is not in the backlog:\n{text}"
        );
    }
    assert!(
        text.find("Research SQLite") < text.find("Write storage spec"),
        "new tasks go at the end of the list:\n{text}"
    );
    assert!(
        text.trim_end().ends_with("**Last Updated**: 2026-01-15"),
        "{text}"
    );
}

#[test]
fn every_edit_but_a_claim_brings_the_last_updated_line_to_today() {
    let ws = Ws::with_tasks(
        "# Tasks\n\n- [ ] 1.1 a\n- [ ] 1.2 b\n\n---\n\n**Last Updated**: 2025-12-31\n",
    );
    let on = |date: &str, args: &[&str]| {
        let out = ws
            .cmd()
            .env("BATON_NOW", format!("{date}T09:00:00+00:00"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A claim leaves the date alone: its release must give back the bytes it found.
    on("2026-02-01", &["claim", "1.1", "--instance", "1"]);
    assert!(
        ws.read("TASKS.md")
            .ends_with("**Last Updated**: 2025-12-31\n")
    );
    on("2026-02-03", &["done", "1.1", "--instance", "1"]);
    assert_eq!(
        ws.read("TASKS.md"),
        "# Tasks\n\n- [x] 1.1 a\n- [ ] 1.2 b\n\n---\n\n**Last Updated**: 2026-02-03\n"
    );
    // A read-only command writes nothing.
    on("2026-02-04", &["list"]);
    assert!(ws.read("TASKS.md").ends_with("2026-02-03\n"));
}

// --- 3. merge-conflict markers -------------------------------------------------------

const CONFLICTED: &str = "# Tasks\n\n<<<<<<< HEAD\n- [ ] 1.1 a\n=======\n- [ ] 1.1 a, edited\n>>>>>>> theirs\n- [ ] 1.2 b\n";

#[test]
fn editing_commands_refuse_a_file_with_conflict_markers() {
    let ws = Ws::with_tasks(CONFLICTED);
    for args in [
        &["claim", "1.2", "--instance", "1"][..],
        &["next", "--claim", "--instance", "1"],
        &["done", "1.2", "--instance", "1", "--force"],
        &["research", "new", "Topic"],
    ] {
        let (code, doc) = ws.json(args);
        assert_eq!(code, 3, "{args:?}: {doc}");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(msg.contains("3, 5, 7"), "{args:?}: {msg}");
        assert!(
            doc["error"]["hint"]
                .as_str()
                .unwrap()
                .contains("resolve the merge"),
            "{doc}"
        );
        assert_eq!(ws.read("TASKS.md"), CONFLICTED, "{args:?}");
    }
}

#[test]
fn check_reports_conflict_markers_and_read_commands_warn() {
    let ws = Ws::with_tasks(CONFLICTED);
    let (code, doc) = ws.json(&["check"]);
    assert_eq!(code, 1, "{doc}");
    let d = doc["data"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "merge_conflict")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(d["severity"], "error", "{d}");
    for args in [&["list"][..], &["status"], &["show", "1.2"], &["next"]] {
        let (code, doc) = ws.json(args);
        assert_eq!(code, 0, "{args:?}: {doc}");
        let w = doc["warnings"].to_string();
        assert!(w.contains("merge-conflict markers"), "{args:?}: {doc}");
    }
}

// --- 1. session numbers from entry headings, global or per instance -------------------

/// An entry heading and a little body.
fn entry(date: &str, n: u32, title: &str) -> String {
    format!("\n### {date} (Session {n} - {title})\n\n**Summary**: {title}.\n")
}

/// A workspace made by `init`, with these entries appended to each instance's history.
fn with_history(entries: &[(u32, &[(u32, &str)])]) -> Ws {
    let ws = Ws::new();
    ws.ok(&["init", "--instances", "2"]);
    for (inst, es) in entries {
        let rel = format!("instance_{inst:03}.md");
        let mut text = ws.read(&rel);
        // Newest first.
        for (n, date) in es.iter().rev() {
            text.push_str(&entry(date, *n, "work"));
        }
        ws.write(&rel, text);
    }
    ws
}

/// The session number of instance `n`'s newest entry, as `ess` wrote it.
fn ess_number(ws: &Ws, n: &str) -> String {
    let (code, doc) = ws.json(&["ess", "--instance", n, "--title", "Next", "--summary", "S."]);
    assert!(code == 0 || code == 1, "{doc}");
    let text = ws.read(&format!("instance_00{n}.md"));
    let at = text
        .find("- Next)")
        .unwrap_or_else(|| panic!("no entry:\n{text}"));
    let open = text[..at].rfind("(Session ").expect("heading");
    text[open + "(Session ".len()..at].trim().to_string()
}

#[test]
fn session_numbers_come_from_entry_headings_never_file_names() {
    let ws = with_history(&[(1, &[(1, "2025-12-20")]), (2, &[(3, "2025-12-26")])]);
    ws.write(
        "archive/sessions/instance_002_session_2025-12-25_2.md",
        entry("2025-12-25", 2, "archived"),
    );
    assert_eq!(ess_number(&ws, "2"), "4");
}

#[test]
fn per_instance_numbering_is_detected_and_can_be_set() {
    // Each instance counts from 1: detected.
    let per = &[
        (1u32, &[(1u32, "2025-12-20"), (2, "2025-12-21")][..]),
        (2, &[(1, "2025-12-20")][..]),
    ];
    let ws = with_history(per);
    assert_eq!(ess_number(&ws, "2"), "2");
    // Set to global, the same files number across instances.
    let ws = with_history(per);
    ws.write(".baton.yaml", "session_numbering: global\n");
    assert_eq!(ess_number(&ws, "2"), "3");
}

// --- 8. every hint names a command that parses -----------------------------------------

/// Every `` `baton ...` `` in a string literal of the source (hints, help lines, next
/// steps, templates), with `{...}` format arguments and the upper-case placeholders the
/// reader fills in (REF, N, TITLE, ...) replaced by sample values.
fn commands_named_in_the_source() -> Vec<(String, String)> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (k, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find("`baton ") {
                let tail = &rest[at + 1..];
                let Some(end) = tail.find('`') else { break };
                let where_ = format!("{}:{}", f.display(), k + 1);
                out.push((where_, tail[..end].to_string()));
                rest = &tail[end + 1..];
            }
        }
    }
    out
}

/// Shell-like words of `line`: double quotes group.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `command` with its subcommand placeholder (`baton {command}`) filled by `sub`.
fn sample(command: &str, sub: &str) -> Vec<String> {
    let mut s = command.replace("\\\"", "\"");
    for (from, to) in [
        ("baton {command}", format!("baton {sub}").as_str()),
        ("baton {c}", format!("baton {sub}").as_str()),
        ("baton {}", format!("baton {sub}").as_str()),
        ("{n}", "2"),
        ("{instance}", "2"),
        ("{agent}", "claude"),
    ] {
        s = s.replace(from, to);
    }
    // Any other format argument: a reference or a title.
    while let (Some(a), Some(b)) = (s.find('{'), s.find('}')) {
        if b < a {
            break;
        }
        s.replace_range(a..=b, "1.1");
    }
    words(&s)
        .into_iter()
        .map(|w| match w.as_str() {
            "REF" | "REF|FILE" => "1.1".to_string(),
            "N" => "2".to_string(),
            "TITLE" | "TEXT" | "T" | "S" | "DIR" | "WHAT HAPPENED" => "x".to_string(),
            _ => w,
        })
        .collect()
}

#[test]
fn every_command_the_source_names_parses() {
    let named = commands_named_in_the_source();
    assert!(named.len() > 40, "only {} found", named.len());
    let mut bad = Vec::new();
    for (at, command) in &named {
        // A subcommand placeholder stands for some subcommand: one must fit.
        let mut first_error = None;
        for sub in ["status", "research new", "claim"] {
            let args: Vec<std::ffi::OsString> =
                sample(command, sub).into_iter().map(Into::into).collect();
            match baton::cli::parse(&args) {
                Ok(_) => first_error = None,
                Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => first_error = None,
                Err(e) => {
                    first_error.get_or_insert(e.to_string());
                    continue;
                }
            }
            break;
        }
        if let Some(e) = first_error {
            bad.push(format!(
                "{at}: `{command}`: {}",
                e.lines().next().unwrap_or("")
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "commands that do not parse:\n{}",
        bad.join("\n")
    );
}

#[test]
fn config_prints_the_effective_configuration_and_every_default() {
    let ws = Ws::with_tasks("- [ ] a\n");
    ws.write(".baton.yaml", "max_claims: 2\n");
    let out = ws.ok(&["config"]);
    assert!(out.contains("max_claims: 2"), "{out}");
    let (code, doc) = ws.json(&["config", "--defaults"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["config"]["max_claims"], 1, "{doc}");
    // Every key a .baton.yaml may hold is printed, and what is printed parses back.
    let defaults = ws.ok(&["config", "--defaults"]);
    for key in [
        "tasks_file",
        "backlog_section",
        "sessions_kept",
        "session_numbering",
        "rules",
    ] {
        assert!(defaults.contains(&format!("{key}:")), "{key}: {defaults}");
    }
    ws.write(".baton.yaml", &defaults);
    ws.ok(&["status"]);
}

#[test]
fn hints_name_commands_that_work() {
    // An empty research title is answered with research new, not spec new.
    let ws = Ws::with_tasks("## Backlog\n\n- [ ] a\n");
    let (code, doc) = ws.json(&["research", "new", ""]);
    assert_eq!(code, 2, "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("baton research new \""), "{hint}");
    // A heading claim is finished through its tasks; the hint's command succeeds.
    let ws = Ws::with_tasks(
        "# P\n\n## Phase 1\n\n- [ ] 1.1 a\n- [ ] 1.2 b\n\n## Phase 2\n\n- [ ] 2.1 c\n",
    );
    ws.ok(&["claim", "Phase 1", "--instance", "1"]);
    let (code, doc) = ws.json(&["claim", "2.1", "--instance", "1"]);
    assert_eq!(code, 3, "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap().to_string();
    let at = hint
        .find("`baton done ")
        .unwrap_or_else(|| panic!("{hint}"));
    let cmd = &hint[at + 1..at + 1 + hint[at + 1..].find('`').unwrap()];
    assert!(!cmd.contains("s:"), "done on a heading is refused: {hint}");
    let args: Vec<&str> = cmd.split(' ').skip(1).collect();
    ws.ok(&args);
    // Without an instance, the hint repeats the line with one.
    let (code, doc) = ws.json(&["claim", "2.1"]);
    assert_eq!(code, 2, "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("claim 2.1 --instance 1`"), "{hint}");
}

// --- 5. ess twice in one session ------------------------------------------------------

#[test]
fn a_second_ess_in_one_session_replaces_its_entry() {
    let ws = Ws::new();
    ws.ok(&["init", "--instances", "2"]);
    ws.ok(&["start", "--instance", "1"]);
    let ess = |title: &str, extra: &[&str]| {
        let mut a = vec![
            "ess",
            "--instance",
            "1",
            "--title",
            title,
            "--summary",
            "S.",
        ];
        a.extend_from_slice(extra);
        let (code, doc) = ws.json(&a);
        assert!(code == 0 || code == 1, "{doc}");
        assert_eq!(doc["data"]["written"], true, "{doc}");
    };
    let headings = || -> Vec<String> {
        ws.read("instance_001.md")
            .lines()
            .filter(|l| l.starts_with("### ") && l.contains("(Session "))
            .map(|l| l[l.find('(').unwrap()..].to_string())
            .collect()
    };
    ess("First", &[]);
    assert_eq!(headings(), ["(Session 1 - First)"]);
    ess("First, fixed", &[]);
    assert_eq!(headings(), ["(Session 1 - First, fixed)"]);
    ess("Another", &["--new"]);
    assert_eq!(
        headings(),
        ["(Session 2 - Another)", "(Session 1 - First, fixed)"]
    );
    ess("Another, fixed", &[]);
    assert_eq!(
        headings(),
        ["(Session 2 - Another, fixed)", "(Session 1 - First, fixed)"]
    );
    // A new start is a new session.
    ws.ok(&["start", "--instance", "1"]);
    ess("Third", &[]);
    assert_eq!(
        headings(),
        [
            "(Session 3 - Third)",
            "(Session 2 - Another, fixed)",
            "(Session 1 - First, fixed)"
        ]
    );
    let text = ws.read("instance_001.md");
    assert_eq!(
        text.matches("\n---\n").count(),
        2 + text
            .split("## Session History")
            .next()
            .unwrap()
            .matches("\n---\n")
            .count(),
        "{text}"
    );
}

// --- 6. research new / spec new adopt an existing task ---------------------------------

#[test]
fn research_and_spec_new_can_adopt_an_existing_task() {
    let src = "# Tasks\n\n## Backlog\n\n- [ ] [Instance 1] 1.3 Research SQLite vs Postgres for the store\n- [ ] 1.4 Build the store\n";
    let ws = Ws::with_tasks(src);
    let (code, doc) = ws.json(&["research", "new", "SQLite vs Postgres", "--task", "1.3"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["tasks"][0]["number"], "1.3", "{doc}");
    assert!(ws.exists("docs/research/sqlite_vs_postgres.md"));
    let (_, list) = ws.json(&["list"]);
    assert_eq!(
        list["data"]["tasks"].as_array().unwrap().len(),
        2,
        "no task added: {list}"
    );
    let (code, shown) = ws.json(&["show", "sqlite"]);
    assert_eq!(code, 0, "one task matches: {shown}");
    let links = shown["data"]["task"]["links"].to_string();
    assert!(
        links.contains("docs/research/sqlite_vs_postgres.md"),
        "{links}"
    );
    assert!(
        shown["data"]["task"]["claimed_by"] == serde_json::json!([1]),
        "{shown}"
    );

    let (code, doc) = ws.json(&["spec", "new", "Store", "--task", "1.4"]);
    assert_eq!(code, 0, "{doc}");
    let (_, list) = ws.json(&["list"]);
    assert_eq!(list["data"]["tasks"].as_array().unwrap().len(), 2, "{list}");
    let (_, shown) = ws.json(&["show", "1.4"]);
    assert!(
        shown["data"]["task"]["links"]
            .to_string()
            .contains("101_STORE.md"),
        "{shown}"
    );
    assert_eq!(
        ws.read("TASKS.md"),
        "# Tasks\n\n## Backlog\n\n- [ ] [Instance 1] 1.3 Research SQLite vs Postgres for the store\n  (research: [sqlite_vs_postgres.md](docs/research/sqlite_vs_postgres.md))\n- [ ] 1.4 Build the store\n  (spec: [101_STORE.md](docs/specs/101_STORE.md))\n"
    );
}

// --- 4. instances that do not exist; instance add / list ------------------------------

#[test]
fn undeclared_instances_are_refused_and_can_be_added() {
    let ws = Ws::new();
    ws.ok(&["init", "--instances", "3"]);
    ws.ok(&["research", "new", "Topic"]);
    let before = ws.read("TASKS.md");
    let (code, doc) = ws.json(&["claim", "Research topic", "--instance", "9"]);
    assert_eq!(code, 3, "{doc}");
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("baton instance add 9"),
        "{doc}"
    );
    assert_eq!(ws.read("TASKS.md"), before, "nothing written");
    for args in [
        &["start", "--instance", "9"][..],
        &["ess", "--instance", "9", "--title", "T", "--summary", "S."],
    ] {
        assert_eq!(ws.json(args).0, 3, "{args:?}");
    }
    assert!(!ws.exists("instance_009.md"));
    // init on a workspace points at instance add.
    let (code, doc) = ws.json(&["init", "--instances", "4"]);
    assert_eq!(code, 3, "{doc}");
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("baton instance add"),
        "{doc}"
    );

    let (code, doc) = ws.json(&["instance", "add", "9"]);
    assert_eq!(code, 0, "{doc}");
    assert!(
        ws.read("instance_009.md").starts_with("# Instance 9"),
        "{}",
        ws.read("instance_009.md")
    );
    assert!(
        ws.read("TASKS.md")
            .contains("| 3 | Available |\n| 9 | Available |\n"),
        "{}",
        ws.read("TASKS.md")
    );
    let (code, doc) = ws.json(&["instance", "list"]);
    assert_eq!(code, 0, "{doc}");
    let ids: Vec<u64> = doc["data"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instance"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 9]);
    ws.ok(&["claim", "Research topic", "--instance", "9"]);
    assert_eq!(ws.json(&["check"]).0, 0, "no error left");
    // Adding it again is refused.
    assert_eq!(ws.json(&["instance", "add", "9"]).0, 3);
}
