//! Claims under every kind of concurrency one machine produces, through the real binary:
//! racing processes, processes killed mid-write, a human editor saving meanwhile, a lock
//! held elsewhere, and temp files left by killed runs. Correctness assertions only.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::support::{NOW, Pause, Ws, entry_label, store_entries};

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_baton")
}

/// The real binary rooted at `root`, with a fixed clock, a long lock wait (losing a race
/// must be a refusal, never a timeout on a busy machine), and the given arguments.
fn baton(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(exe());
    c.env("BATON_NOW", NOW)
        .env_remove("BATON_INSTANCE")
        .env("NO_COLOR", "1")
        .arg("--root")
        .arg(root)
        .args(["--json", "--wait", "120"])
        .args(args)
        .stdin(Stdio::null());
    c
}

fn run(root: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    parse_output(baton(root, args).output().expect("spawn baton"))
}

fn parse_output(out: Output) -> (i32, serde_json::Value, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}):\n{stdout}\nstderr:\n{stderr}")
    });
    (out.status.code().unwrap_or(-1), doc, stderr)
}

/// A small deterministic PRNG (xorshift64*), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Temp files baton leaves while writing (`.NAME.baton-tmp.PID`) under `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".baton-tmp."))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Remove every `[Instance N] ` tag inserted after a checkbox.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("[Instance ") {
        let after = &rest[p + "[Instance ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let tag_len = "[Instance ".len() + digits + 2;
        if digits > 0 && after[digits..].starts_with("] ") {
            out.push_str(&rest[..p]);
            rest = &rest[p + tag_len..];
        } else {
            out.push_str(&rest[..p + 1]);
            rest = &rest[p + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// `(number, instances)` for every task line of a plan: which instances tag it.
fn tags_by_task(text: &str) -> BTreeMap<String, Vec<u32>> {
    let mut out = BTreeMap::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let Some(rest) = line.strip_prefix("- [ ] ").filter(|_| !fenced) else {
            continue;
        };
        let mut rest = rest;
        let mut who = Vec::new();
        while let Some(r) = rest.strip_prefix("[Instance ") {
            let (n, r) = r.split_once("] ").expect("well-formed tag");
            who.push(n.parse::<u32>().expect("instance number"));
            rest = r;
        }
        let number = rest.split_whitespace().next().unwrap_or("").to_string();
        out.insert(number, who);
    }
    out
}

/// The claim ledger `.baton/claims.json` as `(instance, title)` pairs, sorted, after
/// checking that every entry carries the age it was claimed with (the fixed clock `NOW`).
fn ledger(root: &Path) -> Vec<(u32, String)> {
    let Ok(bytes) = fs::read(root.join(".baton/claims.json")) else {
        return Vec::new();
    };
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    let mut v: Vec<(u32, String)> = store_entries(&String::from_utf8(bytes).unwrap())
        .iter()
        .map(|e| {
            let at = chrono::DateTime::parse_from_rfc3339(e["claimed_at"].as_str().unwrap())
                .unwrap_or_else(|err| panic!("claimed_at of {e}: {err}"));
            assert_eq!(at, now, "the ledger keeps when each claim was taken: {e}");
            (
                e["instance"].as_u64().expect("instance") as u32,
                entry_label(e),
            )
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------

const RACE_PLAN: &str =
    "# Race\n\n## Work\n\n- [ ] 1.1 Warm up\n- [ ] 1.2 The contended task\n- [ ] 1.3 Cool down\n";

/// 32 processes claim the same task at the same instant, 50 rounds: exactly one wins
/// (exit 0), every other one is refused (exit 3) naming the winner, and the file names
/// the winner and nobody else. Releasing gives the original bytes back for the next round.
#[test]
fn thirty_two_claimers_one_winner() {
    const PROCS: u32 = 32;
    const ROUNDS: usize = 50;
    let ws = Ws::with_tasks(RACE_PLAN);
    let root = ws.path().to_path_buf();
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(PROCS as usize));
        let handles: Vec<_> = (1..=PROCS)
            .map(|k| {
                let (barrier, root) = (barrier.clone(), root.clone());
                std::thread::spawn(move || {
                    let mut cmd = baton(&root, &["claim", "1.2", "--instance", &k.to_string()]);
                    barrier.wait();
                    (k, parse_output(cmd.output().expect("spawn baton")))
                })
            })
            .collect();
        let results: Vec<(u32, (i32, serde_json::Value, String))> = handles
            .into_iter()
            .map(|h| h.join().expect("claimer thread"))
            .collect();
        let winners: Vec<u32> = results
            .iter()
            .filter(|(_, (c, ..))| *c == 0)
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one winner, got {winners:?}: {results:#?}"
        );
        let w = winners[0];
        for (k, (code, doc, stderr)) in &results {
            if *k == w {
                assert_eq!(doc["data"]["action"], "claimed", "round {round}: {doc}");
                assert_eq!(
                    doc["data"]["task"]["claimed_by"],
                    serde_json::json!([w]),
                    "{doc}"
                );
                continue;
            }
            assert_eq!(
                *code, 3,
                "round {round}: instance {k} must be refused: {doc}\n{stderr}"
            );
            assert_eq!(doc["error"]["kind"], "refused", "{doc}");
            let msg = doc["error"]["message"].as_str().unwrap_or_default();
            assert!(
                msg.contains(&format!("Instance {w}")),
                "round {round}: the refusal names the winner {w}: {msg}"
            );
        }
        let expected = RACE_PLAN.replace("- [ ] 1.2", &format!("- [ ] [Instance {w}] 1.2"));
        assert_eq!(
            ws.read("TASKS.md"),
            expected,
            "round {round}: the file names the winner, once"
        );
        assert_eq!(
            ledger(&root),
            vec![(w, "1.2 The contended task".to_string())],
            "round {round}: the ledger holds the one claim"
        );
        let (code, doc, _) = run(&root, &["release", "1.2", "--instance", &w.to_string()]);
        assert_eq!(code, 0, "{doc}");
        assert_eq!(
            ws.bytes("TASKS.md"),
            RACE_PLAN.as_bytes(),
            "round {round}: release restores the bytes"
        );
        assert_eq!(ledger(&root), vec![], "round {round}: released, forgotten");
    }
    assert!(temp_files(&root).is_empty() && temp_files(&root.join(".baton")).is_empty());
}

// ---------------------------------------------------------------------------------------

/// A 400-task plan in 20 phases, with prose, a fence and a done task or two that must
/// not be claimed, and CRLF in one section so line endings are exercised too.
fn four_hundred() -> String {
    let mut s =
        String::from("# Project plan\n\nSome prose about the plan, with a [link](docs/x.md).\n\n");
    for p in 1..=20 {
        let nl = if p == 7 { "\r\n" } else { "\n" };
        s.push_str(&format!("## Phase {p}: area {p}{nl}{nl}"));
        if p == 3 {
            s.push_str("```text\n- [ ] 99.1 not a task, inside a fence\n```\n\n");
        }
        for t in 1..=20 {
            s.push_str(&format!(
                "- [ ] {p}.{t} Build piece {t} of area {p} with `code` &amp; more{nl}"
            ));
        }
        s.push_str(&format!("- [x] {p}.99 Already done{nl}{nl}"));
    }
    s
}

/// 16 processes loop `next --claim --also` until nothing is left: every one of the 400
/// tasks is claimed exactly once, by the instance that was told it won it, and stripping
/// the tags gives back the original file byte for byte.
#[test]
fn sixteen_instances_clear_four_hundred_tasks() {
    const PROCS: u32 = 16;
    let plan = four_hundred();
    let ws = Ws::with_tasks(&plan);
    let root = ws.path().to_path_buf();
    let barrier = Arc::new(Barrier::new(PROCS as usize));
    let handles: Vec<_> = (1..=PROCS)
        .map(|k| {
            let (barrier, root) = (barrier.clone(), root.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut won = Vec::new();
                loop {
                    let (code, doc, stderr) = run(
                        &root,
                        &["next", "--claim", "--also", "--instance", &k.to_string()],
                    );
                    assert_eq!(code, 0, "instance {k}: {doc}\n{stderr}");
                    match doc["data"]["action"].as_str() {
                        Some("none") => break,
                        Some("claimed") => {
                            assert_eq!(
                                doc["data"]["task"]["claimed_by"],
                                serde_json::json!([k]),
                                "{doc}"
                            );
                            won.push(
                                doc["data"]["task"]["number"]
                                    .as_str()
                                    .expect("numbered")
                                    .to_string(),
                            );
                        }
                        other => panic!("instance {k}: unexpected action {other:?}: {doc}"),
                    }
                }
                (k, won)
            })
        })
        .collect();
    let mut reported: BTreeMap<String, u32> = BTreeMap::new();
    for h in handles {
        let (k, won) = h.join().expect("instance thread");
        for n in won {
            if let Some(prev) = reported.insert(n.clone(), k) {
                panic!("task {n} was reported won by both Instance {prev} and Instance {k}");
            }
        }
    }
    assert_eq!(reported.len(), 400, "every open task claimed exactly once");
    let text = ws.read("TASKS.md");
    let tags = tags_by_task(&text);
    assert_eq!(tags.len(), 400, "400 open task lines");
    for (n, who) in &tags {
        assert_eq!(
            who,
            &vec![reported[n]],
            "task {n} carries exactly its winner's tag"
        );
    }
    assert!(
        !text.contains("- [x] [Instance"),
        "done tasks are never claimed"
    );
    assert_eq!(
        strip_tags(&text).as_bytes(),
        plan.as_bytes(),
        "stripping the tags gives the original bytes"
    );
    // The ledger lost none of the 400 read-modify-writes made under the lock.
    let mut expected: Vec<(u32, String)> = reported
        .iter()
        .map(|(n, k)| {
            let (p, t) = n.split_once('.').unwrap();
            (
                *k,
                format!("{n} Build piece {t} of area {p} with code &amp; more"),
            )
        })
        .collect();
    expected.sort();
    let got = ledger(&root);
    assert_eq!(got.len(), 400, "one ledger entry per claim");
    let differ: Vec<_> = got
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a != b)
        .take(3)
        .collect();
    assert!(differ.is_empty(), "ledger entry vs claim won: {differ:?}");
}

// ---------------------------------------------------------------------------------------

const KILL_PLAN: &str = "# Kill\r\n\r\n| Instance | Current Task |\r\n|---|---|\r\n| 1 | Available |\r\n\r\n## Work\r\n\r\n- [ ] 2.1 Survive SIGKILL\r\n- [ ] 2.2 Stay whole\r\n";

/// 300 runs of claim/release, each killed with SIGKILL at a pseudo-random moment: the
/// file always parses and is byte-identical to the state before or after the command;
/// the next command (not killed) runs normally, and leaves no temp file behind.
#[test]
fn three_hundred_sigkills_leave_before_or_after() {
    const RUNS: usize = 300;
    let ws = Ws::with_tasks(KILL_PLAN);
    let root = ws.path().to_path_buf();
    // The two states, made by running the commands once without a kill.
    let (code, doc, _) = run(&root, &["claim", "2.1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let claimed = ws.bytes("TASKS.md");
    assert_ne!(claimed, KILL_PLAN.as_bytes());
    let (code, doc, _) = run(&root, &["release", "2.1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(ws.bytes("TASKS.md"), KILL_PLAN.as_bytes());
    // Kill moments spread over a whole run: measure how long an unkilled one takes.
    let t = Instant::now();
    for _ in 0..3 {
        baton(&root, &["list"]).output().expect("spawn");
    }
    let span_us = (t.elapsed().as_micros() as u64 / 3 * 2).clamp(2_000, 200_000);
    let original = KILL_PLAN.as_bytes().to_vec();
    let toggle = |held: bool| if held { "release" } else { "claim" };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut held = false;
    let (mut before, mut after, mut leftovers) = (0, 0, 0);
    for run_no in 0..RUNS {
        let (from, to) = if held {
            (&claimed, &original)
        } else {
            (&original, &claimed)
        };
        let mut child: Child = baton(&root, &[toggle(held), "2.1", "--instance", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_micros(rng.below(span_us)));
        let _ = child.kill(); // SIGKILL; it may have finished already
        child.wait().expect("reap");
        let now = ws.bytes("TASKS.md");
        if &now == from {
            before += 1;
        } else if &now == to {
            after += 1;
            held = !held;
        } else {
            panic!(
                "run {run_no}: after SIGKILL TASKS.md is neither the state before nor after:\n{}",
                String::from_utf8_lossy(&now)
            );
        }
        if !temp_files(&root).is_empty() || !temp_files(&root.join(".baton")).is_empty() {
            leftovers += 1;
        }
        if run_no % 10 == 0 {
            // Being one of two known-good byte strings already implies it parses; check anyway.
            let (code, doc, _) = run(&root, &["list"]);
            assert_eq!(code, 0, "run {run_no}: the file parses after a kill: {doc}");
        }
        // The next command runs normally, cleans up, and does what it says.
        let (code, doc, stderr) = run(
            &root,
            &[toggle(held), "2.1", "--instance", "1", "--wait", "10"],
        );
        assert_eq!(
            code, 0,
            "run {run_no}: the command after a kill: {doc}\n{stderr}"
        );
        held = !held;
        assert_eq!(
            ws.bytes("TASKS.md"),
            if held { &claimed } else { &original }.as_slice()
        );
        assert_eq!(
            ledger(&root).len(),
            usize::from(held),
            "run {run_no}: the ledger follows the file"
        );
        assert_eq!(
            temp_files(&root),
            Vec::<String>::new(),
            "run {run_no}: temp files cleaned up"
        );
        assert_eq!(
            temp_files(&root.join(".baton")),
            Vec::<String>::new(),
            "run {run_no}"
        );
    }
    eprintln!(
        "sigkill: {RUNS} kills within {span_us}us of spawn: {before} left the state before, {after} the state after, {leftovers} left a temp file"
    );
}

// ---------------------------------------------------------------------------------------

/// How the editor thread changes the file.
#[derive(Debug, Clone, Copy)]
enum Save {
    /// Append a new line with O_APPEND.
    Append,
    /// Overwrite one of its own lines in place (same length, no truncation).
    InPlace,
    /// Write the whole new text to a temp file and rename it over, as editors do; it first
    /// checks that the file still holds what it read (editors compare the mtime).
    Replace,
}

struct EditorLog {
    /// Final expected text of each line the editor wrote, by note id.
    lines: BTreeMap<u32, String>,
    saves: usize,
    /// Saves it gave up because the file changed between its read and its write.
    reloads: usize,
}

/// An editor saving every few milliseconds while baton claims. It re-reads the file right
/// before each save, like an editor that reloads a file changed on disk. With `lock`, it
/// holds baton's workspace lock during each save (a cooperating tool); without, it races.
fn editor(
    path: &Path,
    lock: Option<&Path>,
    stop: &AtomicBool,
    seed: u64,
    period_us: (u64, u64),
) -> EditorLog {
    // baton's workspace lock is taken on the root folder.
    let lock = lock.map(|p| fs::File::open(p).expect("open the workspace root"));
    let mut rng = Rng(seed);
    let mut log = EditorLog {
        lines: BTreeMap::new(),
        saves: 0,
        reloads: 0,
    };
    let mut next_id = 0u32;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_micros(
            period_us.0 + rng.below(period_us.1 - period_us.0),
        ));
        let mode = [Save::Append, Save::InPlace, Save::Replace][rng.below(3) as usize];
        if let Some(f) = &lock {
            f.lock().expect("take the workspace lock");
        }
        save(path, mode, &mut log, &mut next_id);
        if let Some(f) = &lock {
            f.unlock().expect("release the workspace lock");
        }
    }
    log
}

/// One save of the editor.
fn save(path: &Path, mode: Save, log: &mut EditorLog, next_id: &mut u32) {
    match mode {
        Save::Append => {
            let line = format!("- note {:04}: draft\n", *next_id);
            let mut f = OpenOptions::new()
                .append(true)
                .open(path)
                .expect("open for append");
            f.write_all(line.as_bytes()).expect("append");
            log.lines.insert(*next_id, line);
            *next_id += 1;
        }
        Save::InPlace => {
            let Some((&id, line)) = log.lines.iter().find(|(_, l)| l.ends_with(": draft\n")) else {
                return;
            };
            let line = line.clone();
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .expect("open in place");
            let mut text = String::new();
            f.read_to_string(&mut text).expect("read");
            let Some(at) = text.find(&line) else {
                // Lost already; the final check reports it. Stop editing it.
                log.lines
                    .insert(id, line.replace(": draft\n", ": (lost before its edit)\n"));
                return;
            };
            let edited = line.replace(": draft\n", ": FINAL\n");
            f.seek(SeekFrom::Start(at as u64)).expect("seek");
            f.write_all(edited.as_bytes()).expect("write in place");
            log.lines.insert(id, edited);
        }
        Save::Replace => {
            let text = fs::read_to_string(path).expect("read");
            let line = format!("- note {:04}: saved by the editor\n", *next_id);
            let mut new = text.clone();
            if !new.ends_with('\n') {
                new.push('\n');
            }
            new.push_str(&line);
            let tmp = path.with_file_name("TASKS.md.editor~");
            fs::write(&tmp, &new).expect("write editor temp");
            if fs::read_to_string(path).expect("re-read") != text {
                fs::remove_file(&tmp).expect("drop editor temp");
                log.reloads += 1;
                return;
            }
            fs::rename(&tmp, path).expect("editor rename");
            log.lines.insert(*next_id, line);
            *next_id += 1;
        }
    }
    log.saves += 1;
}

/// An editor rewrites TASKS.md (appending, editing a line in place, replacing the file
/// through a temp file and a rename) every 5-40 ms while 8 processes claim different
/// tasks, round after round. The editor takes baton's workspace lock for each save, so
/// this proves baton reads and validates inside the lock and never writes from a stale
/// read: no line the editor wrote is lost and every claim that reported success is there.
#[test]
fn editor_saving_while_eight_instances_claim() {
    editor_race(10, true, (5_000, 40_000), 0x5eed_cafe_f00d_d00d);
}

/// The editor without the lock, as a human's editor behaves, is tested deterministically
/// below: a pause point (`BATON_TEST_PAUSE`, src/faults.rs) stops baton exactly where a
/// save would be lost, the test saves "as the editor" there, then lets baton go on. (A
/// random stress run of the same would also count the editor's own read-modify-write
/// races, which no other writer can prevent, so it is not kept.)
fn editor_append_by_rename(path: &Path, line: &str) {
    let mut text = fs::read_to_string(path).expect("read");
    text.push_str(line);
    let tmp = path.with_file_name("TASKS.md.editor~");
    fs::write(&tmp, &text).expect("write editor temp");
    fs::rename(&tmp, path).expect("editor rename");
}

fn editor_append_in_place(path: &Path, line: &str) {
    let mut f = OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open for append");
    f.write_all(line.as_bytes()).expect("append");
}

/// `baton ARGS` started with `pause`'s points set, its output captured.
fn spawn_paused(root: &Path, args: &[&str], pause: &Pause) -> Child {
    let (k, v) = pause.env();
    baton(root, args)
        .env(k, v)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// A claim stopped between its read and its write holds the workspace lock: a second
/// claim (of another task) waiting 0.3 s gives up busy and writes nothing. Once the first
/// goes on, both claims land, in the file and in the ledger, with their ages.
#[test]
fn a_command_between_read_and_write_holds_the_lock() {
    let ws = Ws::with_tasks(RACE_PLAN);
    let root = ws.path().to_path_buf();
    let pause = Pause::new(&[baton::faults::BEFORE_WRITE]);
    let mut first = spawn_paused(&root, &["claim", "1.1", "--instance", "1"], &pause);
    pause.wait_reached(baton::faults::BEFORE_WRITE, &mut first);
    let (code, doc, stderr) = run(&root, &["claim", "1.3", "--instance", "2", "--wait", "0.3"]);
    assert_eq!(
        code, 4,
        "the lock is held by the paused command: {doc}\n{stderr}"
    );
    assert_eq!(doc["error"]["kind"], "busy", "{doc}");
    assert_eq!(
        ws.bytes("TASKS.md"),
        RACE_PLAN.as_bytes(),
        "nothing written"
    );
    assert_eq!(ledger(&root), vec![]);
    pause.go(baton::faults::BEFORE_WRITE);
    let (code, doc, stderr) = parse_output(first.wait_with_output().expect("wait"));
    assert_eq!(code, 0, "{doc}\n{stderr}");
    let (code, doc, _) = run(&root, &["claim", "1.3", "--instance", "2"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        ws.read("TASKS.md"),
        RACE_PLAN
            .replace("- [ ] 1.1", "- [ ] [Instance 1] 1.1")
            .replace("- [ ] 1.3", "- [ ] [Instance 2] 1.3")
    );
    assert_eq!(
        ledger(&root),
        vec![
            (1, "1.1 Warm up".to_string()),
            (2, "1.3 Cool down".to_string())
        ]
    );
}

/// A command waiting more than a second for the lock says so once on stderr, naming the
/// pid that holds it, and its busy error names that pid too. A wait under a second gives
/// up without the message.
#[test]
fn a_waiting_command_names_the_holder_once() {
    let ws = Ws::with_tasks(RACE_PLAN);
    let root = ws.path().to_path_buf();
    let pause = Pause::new(&[baton::faults::BEFORE_WRITE]);
    let mut first = spawn_paused(&root, &["claim", "1.1", "--instance", "1"], &pause);
    pause.wait_reached(baton::faults::BEFORE_WRITE, &mut first);
    let pid = pause.pid(baton::faults::BEFORE_WRITE);
    let (code, doc, stderr) = run(&root, &["claim", "1.3", "--instance", "2", "--wait", "1.3"]);
    assert_eq!(code, 4, "{doc}\n{stderr}");
    assert_eq!(
        stderr.matches("waiting for the workspace lock").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(", held by pid {pid}), up to 1.3s")),
        "{stderr}"
    );
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("(pid {pid})")), "{msg}");
    let (code, _, stderr) = run(&root, &["claim", "1.3", "--instance", "2", "--wait", "0.5"]);
    assert_eq!(code, 4);
    assert!(!stderr.contains("waiting for"), "{stderr}");
    pause.go(baton::faults::BEFORE_WRITE);
    let (code, doc, stderr) = parse_output(first.wait_with_output().expect("wait"));
    assert_eq!(code, 0, "{doc}\n{stderr}");
}

/// An editor saves TASKS.md (by a rename, then in place) after baton read it and before
/// baton writes: baton sees that the file changed, reads it again and applies its claim
/// to the editor's text. Nothing of the save is lost.
#[test]
fn an_editor_save_between_read_and_write_is_kept() {
    type Save = fn(&Path, &str);
    let saves: [(&str, Save); 2] = [
        ("rename", editor_append_by_rename),
        ("in place", editor_append_in_place),
    ];
    for (how, save) in saves {
        let ws = Ws::with_tasks(RACE_PLAN);
        let root = ws.path().to_path_buf();
        let pause = Pause::new(&[baton::faults::BEFORE_WRITE]);
        let mut child = spawn_paused(&root, &["claim", "1.2", "--instance", "1"], &pause);
        pause.wait_reached(baton::faults::BEFORE_WRITE, &mut child);
        save(&ws.abs("TASKS.md"), "- note: saved by the editor\n");
        pause.go(baton::faults::BEFORE_WRITE);
        let (code, doc, stderr) = parse_output(child.wait_with_output().expect("wait"));
        assert_eq!(code, 0, "{how}: {doc}\n{stderr}");
        assert_eq!(
            ws.read("TASKS.md"),
            format!("{RACE_PLAN}- note: saved by the editor\n")
                .replace("- [ ] 1.2", "- [ ] [Instance 1] 1.2"),
            "{how}: the editor's save and the claim are both there"
        );
        assert_eq!(
            ledger(&root),
            vec![(1, "1.2 The contended task".to_string())]
        );
    }
}

/// An editor that saves between baton's read and its write every time: baton reads again
/// and retries, and after the eighth conflict in a row gives up busy (exit 4), its claim
/// nowhere, the editor's last save intact.
#[test]
fn eight_saves_in_a_row_end_busy() {
    let ws = Ws::with_tasks(RACE_PLAN);
    let root = ws.path().to_path_buf();
    let pause = Pause::new(&[baton::faults::BEFORE_WRITE]);
    let mut child = spawn_paused(&root, &["claim", "1.2", "--instance", "1"], &pause);
    for save in 0..8 {
        pause.wait_reached(baton::faults::BEFORE_WRITE, &mut child);
        editor_append_by_rename(&ws.abs("TASKS.md"), &format!("- note: save {save}\n"));
        pause.go(baton::faults::BEFORE_WRITE);
        if save < 7 {
            pause.stop_again(baton::faults::BEFORE_WRITE);
        }
    }
    let (code, doc, stderr) = parse_output(child.wait_with_output().expect("wait"));
    assert_eq!(code, 4, "{doc}\n{stderr}");
    assert_eq!(doc["error"]["kind"], "busy", "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("8 times in a row"), "{msg}");
    let saves: String = (0..8).map(|i| format!("- note: save {i}\n")).collect();
    assert_eq!(ws.read("TASKS.md"), format!("{RACE_PLAN}{saves}"));
    assert_eq!(ledger(&root), vec![]);
}

/// TASKS.md deleted after baton read it and before it writes: baton does not bring it
/// back from its stale read; it reads again and says the file is gone. No temp file stays.
#[test]
fn a_file_deleted_between_read_and_write_is_not_recreated() {
    let ws = Ws::with_tasks(RACE_PLAN);
    let root = ws.path().to_path_buf();
    let pause = Pause::new(&[baton::faults::BEFORE_WRITE]);
    let mut child = spawn_paused(&root, &["claim", "1.2", "--instance", "1"], &pause);
    pause.wait_reached(baton::faults::BEFORE_WRITE, &mut child);
    fs::remove_file(ws.abs("TASKS.md")).unwrap();
    pause.go(baton::faults::BEFORE_WRITE);
    let (code, doc, stderr) = parse_output(child.wait_with_output().expect("wait"));
    assert_eq!(code, 1, "{doc}\n{stderr}");
    assert_eq!(doc["error"]["kind"], "not_found", "{doc}");
    assert_eq!(doc["error"]["message"], "TASKS.md does not exist", "{doc}");
    assert!(!ws.exists("TASKS.md"));
    assert!(temp_files(&root).is_empty(), "{:?}", temp_files(&root));
    assert_eq!(ledger(&root), vec![]);
}

/// Where baton swaps its file in (`renameat2(RENAME_EXCHANGE)`) and finds that it displaced
/// a save it had not read, it swaps that save back; if the editor saved yet again in that
/// instant, the newer save is what must stay. The test saves once between baton's read and
/// write, and again right before the swap back: the second save survives, with the claim.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_second_save_during_the_swap_back_is_kept() {
    use baton::faults::{BEFORE_SWAP_BACK, BEFORE_WRITE};
    let ws = Ws::with_tasks(RACE_PLAN);
    let root = ws.path().to_path_buf();
    let pause = Pause::new(&[BEFORE_WRITE, BEFORE_SWAP_BACK]);
    let mut child = spawn_paused(&root, &["claim", "1.2", "--instance", "1"], &pause);
    let path = ws.abs("TASKS.md");
    pause.wait_reached(BEFORE_WRITE, &mut child);
    let first = format!("{RACE_PLAN}- note: first save\n");
    fs::write(path.with_file_name("TASKS.md.editor~"), &first).unwrap();
    fs::rename(path.with_file_name("TASKS.md.editor~"), &path).unwrap();
    pause.go(BEFORE_WRITE);
    pause.wait_reached(BEFORE_SWAP_BACK, &mut child);
    // The editor still has its first save in its buffer, and saves again.
    let second = format!("{first}- note: second save\n");
    fs::write(path.with_file_name("TASKS.md.editor~"), &second).unwrap();
    fs::rename(path.with_file_name("TASKS.md.editor~"), &path).unwrap();
    pause.go(BEFORE_SWAP_BACK);
    let (code, doc, stderr) = parse_output(child.wait_with_output().expect("wait"));
    assert_eq!(code, 0, "{doc}\n{stderr}");
    assert_eq!(
        ws.read("TASKS.md"),
        second.replace("- [ ] 1.2", "- [ ] [Instance 1] 1.2"),
        "the newest save stays, with the claim applied to it"
    );
    assert!(temp_files(&root).is_empty(), "{:?}", temp_files(&root));
}

fn editor_race(rounds: u32, locking: bool, period_us: (u64, u64), seed: u64) {
    const PROCS: u32 = 8;
    let mut plan = String::from("# Plan\n\n");
    for r in 1..=rounds {
        plan.push_str(&format!("## Round {r}\n\n"));
        for k in 1..=PROCS {
            plan.push_str(&format!("- [ ] {r}.{k} Task {k} of round {r}\n"));
        }
        plan.push('\n');
    }
    plan.push_str("## Notes\n\n");
    let ws = Ws::with_tasks(&plan);
    let root = ws.path().to_path_buf();
    let path = ws.abs("TASKS.md");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (path, stop, lock) = (path.clone(), stop.clone(), ws.path().to_path_buf());
        std::thread::spawn(move || {
            editor(
                &path,
                locking.then_some(lock.as_path()),
                &stop,
                seed,
                period_us,
            )
        })
    };
    let mut succeeded: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut codes: BTreeMap<i32, usize> = BTreeMap::new();
    for r in 1..=rounds {
        let barrier = Arc::new(Barrier::new(PROCS as usize));
        let handles: Vec<_> = (1..=PROCS)
            .map(|k| {
                let (barrier, root) = (barrier.clone(), root.clone());
                std::thread::spawn(move || {
                    let task = format!("{r}.{k}");
                    let mut cmd = baton(
                        &root,
                        &["claim", &task, "--also", "--instance", &k.to_string()],
                    );
                    barrier.wait();
                    (k, parse_output(cmd.output().expect("spawn baton")))
                })
            })
            .collect();
        for h in handles {
            let (k, (code, doc, stderr)) = h.join().expect("claimer thread");
            // Busy (4) is an allowed answer when the file keeps changing; nothing else is.
            assert!(
                code == 0 || code == 4,
                "round {r} instance {k}: {doc}\n{stderr}"
            );
            *codes.entry(code).or_default() += 1;
            if code == 0 {
                succeeded.insert((r, k));
            }
        }
    }
    std::thread::sleep(Duration::from_millis(20));
    stop.store(true, Ordering::SeqCst);
    let log = writer.join().expect("editor thread");
    let text = ws.read("TASKS.md");
    let lost_lines: Vec<&String> = log
        .lines
        .values()
        .filter(|l| !text.contains(l.as_str()))
        .collect();
    let lost_claims: Vec<String> = succeeded
        .iter()
        .filter(|(r, k)| !text.contains(&format!("- [ ] [Instance {k}] {r}.{k} ")))
        .map(|(r, k)| format!("{r}.{k} by Instance {k}"))
        .collect();
    eprintln!(
        "editor every {}-{}us: {} saves ({} lines, {} reloads); claims by exit code: {codes:?}",
        period_us.0,
        period_us.1,
        log.saves,
        log.lines.len(),
        log.reloads
    );
    assert!(
        lost_lines.is_empty() && lost_claims.is_empty(),
        "lost editor lines: {lost_lines:?}\nlost claims: {lost_claims:?}\nfile:\n{text}"
    );
    let expected: Vec<(u32, String)> = succeeded
        .iter()
        .map(|(r, k)| (*k, format!("{r}.{k} Task {k} of round {r}")))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ledger(&root), expected, "one ledger entry per claim");
}

// ---------------------------------------------------------------------------------------

/// With the lock held elsewhere, `claim --wait 0.3` gives up with exit 4, a `busy` JSON
/// error and a message on stderr, and writes nothing.
#[test]
fn lock_held_elsewhere_times_out_busy() {
    let ws = Ws::with_tasks(RACE_PLAN);
    // The workspace lock is taken on the root folder itself.
    let lock = fs::File::open(ws.path()).unwrap();
    lock.lock().expect("take the workspace lock from the test");
    let mut cmd = Command::new(exe());
    cmd.env("BATON_NOW", NOW)
        .env("NO_COLOR", "1")
        .args(["--root"])
        .arg(ws.path())
        .args(["--json", "claim", "1.2", "--instance", "1", "--wait", "0.3"]);
    let (code, doc, stderr) = parse_output(cmd.output().unwrap());
    assert_eq!(code, 4, "{doc}\n{stderr}");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["kind"], "busy", "{doc}");
    assert!(
        stderr.contains("error:") && stderr.contains("locked"),
        "stderr says why: {stderr}"
    );
    assert_eq!(
        ws.bytes("TASKS.md"),
        RACE_PLAN.as_bytes(),
        "nothing written"
    );
    // Once the lock is released the same command goes through.
    lock.unlock().unwrap();
    let (code, doc, _) = run(
        ws.path(),
        &["claim", "1.2", "--instance", "1", "--wait", "0.3"],
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        ledger(ws.path()),
        vec![(1, "1.2 The contended task".to_string())]
    );
}

/// Temp files a killed run left beside TASKS.md and under `.baton/` are removed by the
/// next mutating command; other files that merely look similar are not.
#[test]
fn leftover_temp_files_are_cleaned_up() {
    let ws = Ws::with_tasks(RACE_PLAN);
    // A real leftover: the pid of a process that has exited.
    let mut child = Command::new(exe())
        .arg("--version")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let dead = child.id();
    child.wait().unwrap();
    ws.write(&format!(".TASKS.md.baton-tmp.{dead}"), "half a file");
    ws.write(".TASKS.md.baton-tmp.4194303", "another");
    ws.write(".baton/.claims.json.baton-tmp.77", "{");
    ws.write("notes.baton-tmp.txt", "not ours: no leading dot");
    let (code, doc, _) = run(ws.path(), &["list"]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc, _) = run(ws.path(), &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        temp_files(ws.path()),
        vec!["notes.baton-tmp.txt".to_string()]
    );
    assert!(temp_files(&ws.abs(".baton")).is_empty());
    assert!(
        ws.read("TASKS.md")
            .contains("- [ ] [Instance 2] 1.1 Warm up")
    );
    assert_eq!(ledger(ws.path()), vec![(2, "1.1 Warm up".to_string())]);
}

#[test]
fn strip_tags_only_strips_tags() {
    assert_eq!(
        strip_tags("- [ ] [Instance 12] 1.1 a [Instance x] b\n"),
        "- [ ] 1.1 a [Instance x] b\n"
    );
}
