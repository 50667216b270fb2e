//! The parse cache through the real binary: a cached model gives the same answers as a
//! parse, follows every change to the file, and survives damage.

use crate::support::Ws;

/// A plan well over the cache's 2 KiB threshold, with a coordination table, heading
/// claims, links, CRLF lines and a code fence.
fn big_plan() -> String {
    plan_of(30)
}

fn plan_of(phases: usize) -> String {
    let mut s = String::from(
        "# Plan\r\n\r\n## Instance Coordination\r\n\r\n| Instance | Current Task |\r\n|---|---|\r\n| 1 | Available |\r\n| 2 | Available |\r\n\r\n",
    );
    for p in 1..=phases {
        s.push_str(&format!(
            "## Phase {p}{}\r\n**Spec**: [spec](docs/specs/{p}.md)\r\n\r\n",
            if p == 7 { " [Instance 2]" } else { "" }
        ));
        for t in 1..=12 {
            let mark = if t % 5 == 0 { 'x' } else { ' ' };
            s.push_str(&format!(
                "- [{mark}] {p}.{t} Build part {t} of phase {p} with `code` (spec: [s](docs/specs/{p}_{t}.md))\r\n"
            ));
        }
        s.push_str("\r\n```\r\n- [ ] not a task\r\n```\r\n\r\n");
    }
    assert!(s.len() > 20 * 1024);
    s
}

/// `list --json` and `status --json` with the cache as configured, checked against the
/// same commands with it off.
fn answers(ws: &Ws) -> (String, String) {
    let both = |cmd: &str| {
        let cached = ws.ok(&["--json", cmd]);
        let parsed = ws
            .cmd()
            .env("BATON_CACHE", "off")
            .args(["--json", cmd])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&parsed.stdout) == cached,
            "`{cmd}`: the cached answer differs from the parsed one"
        );
        cached
    };
    (both("list"), both("status"))
}

const ENTRY: &str = ".baton/cache/TASKS.md.model";

#[test]
fn a_cached_model_answers_like_a_parse() {
    let ws = Ws::with_tasks(&big_plan());
    assert!(!ws.exists(ENTRY));
    let first = answers(&ws);
    assert!(ws.exists(ENTRY), "a large file's model is cached");
    assert_eq!(ws.read(".baton/cache/.gitignore"), "*\n");
    let second = answers(&ws);
    assert!(first == second);
}

#[test]
fn small_files_are_not_cached() {
    let ws = Ws::with_tasks("# Plan\n\n- [ ] 1 One\n");
    for args in [["list"], ["status"]] {
        // (CI also runs this suite with BATON_CACHE=verify, which caches everything.)
        let out = ws
            .cmd()
            .env_remove("BATON_CACHE")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    assert!(!ws.exists(".baton/cache"));
}

#[test]
fn a_hand_edit_is_seen_at_once() {
    let ws = Ws::with_tasks(&big_plan());
    answers(&ws);
    // Same length, one title changed: only the hash can tell.
    let edited = big_plan().replacen("Build part 3 of phase 4", "Build part 3 of phase X", 1);
    ws.write("TASKS.md", &edited);
    let (list, _) = answers(&ws);
    assert!(list.contains("Build part 3 of phase X with code"));
    assert!(!list.contains("Build part 3 of phase 4 "));
}

/// Files of 1 MiB or more are read with their entry, and decoded while their lines are
/// indexed, on two threads; claims write them while deriving the new model.
#[test]
fn a_large_file_reads_and_claims_like_a_small_one() {
    let plan = plan_of(1000);
    assert!(plan.len() > 1 << 20, "{} bytes", plan.len());
    let ws = Ws::with_tasks(&plan);
    answers(&ws);
    let entry = ws.bytes(ENTRY);
    let cached = answers(&ws);
    assert_eq!(ws.bytes(ENTRY), entry, "read back, not written again");
    ws.ok(&["claim", "400.3", "--instance", "1"]);
    assert!(
        ws.read("TASKS.md")
            .contains("- [ ] [Instance 1] 400.3 Build part 3")
    );
    assert_ne!(ws.bytes(ENTRY), entry, "the claim wrote the new model");
    let (list, _) = answers(&ws);
    assert!(list != cached.0 && list.contains("\"claimed_by\":[1]"));
    ws.ok(&["release", "400.3", "--instance", "1"]);
    assert!(
        ws.read("TASKS.md") == plan,
        "claim + release give the file back"
    );
    assert!(answers(&ws) == cached);
}

#[test]
fn claims_keep_the_cache_in_step() {
    let ws = Ws::with_tasks(&big_plan());
    answers(&ws);
    let before = ws.bytes(ENTRY);
    ws.ok(&["claim", "3.2", "--instance", "1"]);
    let entry = ws.bytes(ENTRY);
    assert_ne!(entry, before, "the claim wrote the new model");
    let (list, status) = answers(&ws);
    assert!(
        ws.read("TASKS.md")
            .contains("- [ ] [Instance 1] 3.2 Build part 2")
    );
    assert!(
        ws.read("TASKS.md")
            .contains("| 1 | 3.2 Build part 2 of phase 3 with code |")
    );
    assert!(status.contains("\"instance\":1"));
    assert!(list.contains("\"claimed_by\":[1]"));
    assert_eq!(
        ws.bytes(ENTRY),
        entry,
        "reads do not rewrite a current entry"
    );
    ws.ok(&["release", "3.2", "--instance", "1"]);
    assert_eq!(
        ws.read("TASKS.md"),
        big_plan(),
        "claim + release give the file back"
    );
    answers(&ws);
    ws.ok(&["claim", "Phase 9", "--instance", "1"]);
    ws.ok(&["next", "--claim", "--also", "--instance", "1"]);
    answers(&ws);
    let before_done = ws.bytes(ENTRY);
    ws.ok(&["done", "1.1", "--instance", "1"]);
    assert_ne!(ws.bytes(ENTRY), before_done, "done wrote the new model");
    let after_done = ws.bytes(ENTRY);
    answers(&ws);
    assert_eq!(ws.bytes(ENTRY), after_done, "and it was current");
}

#[test]
fn a_dry_run_caches_only_what_is_on_disk() {
    let ws = Ws::with_tasks(&big_plan());
    ws.ok(&["claim", "4.1", "--instance", "1", "--dry-run"]);
    ws.ok(&["done", "4.2", "--instance", "1", "--dry-run"]);
    let entry = ws.bytes(ENTRY);
    assert_eq!(ws.read("TASKS.md"), big_plan());
    // A read finds the entry current: it is the model of the file, not of a planned edit.
    answers(&ws);
    assert_eq!(ws.bytes(ENTRY), entry);
}

#[test]
fn a_damaged_or_foreign_entry_is_ignored() {
    // A checklist at the end: its items are no tasks under the default configuration.
    let plan = format!(
        "{}## Release checklist\r\n\r\n- [ ] Tag the release\r\n",
        big_plan()
    );
    let ws = Ws::with_tasks(&plan);
    let (list, _) = answers(&ws);
    assert!(!list.contains("Tag the release"));
    let entry = ws.bytes(ENTRY);
    let mut bytes = entry.clone();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    ws.write(ENTRY, &bytes);
    assert!(ws.ok(&["--json", "list"]) == list);
    ws.write(ENTRY, &bytes[..100]);
    assert!(ws.ok(&["--json", "list"]) == list);
    ws.write(ENTRY, b"");
    assert!(ws.ok(&["--json", "list"]) == list);
    // The entry of another file of the same length (one title changed) is foreign.
    let other = plan.replacen("Build part 3 of phase 4", "Build part 3 of phase X", 1);
    ws.write("TASKS.md", &other);
    ws.write(ENTRY, &entry);
    let (other_list, _) = answers(&ws);
    assert!(other_list.contains("Build part 3 of phase X with code"));
    // The entry of the same file under another configuration is foreign too: with no
    // checklist headings the checklist's item is a task, which the old entry lacks.
    ws.write("TASKS.md", &plan);
    ws.write(ENTRY, &entry);
    ws.write(".baton.yaml", "template_sections: []\n");
    let (relisted, _) = answers(&ws);
    assert!(
        relisted.contains("Tag the release"),
        "the old entry answered"
    );
}

#[test]
fn an_unusable_cache_folder_changes_nothing() {
    let ws = Ws::with_tasks(&big_plan());
    // A file where the folder should be: nothing can be cached (even as root).
    ws.write(".baton/cache", "not a folder");
    let (list, _) = answers(&ws);
    ws.ok(&["claim", "2.1", "--instance", "2", "--also"]);
    assert!(ws.read("TASKS.md").contains("- [ ] [Instance 2] 2.1 Build"));
    assert!(list.contains("\"ref\""));
    assert_eq!(ws.read(".baton/cache"), "not a folder");
    answers(&ws);
}

/// `BATON_CACHE=verify` compares every cached and every derived model with a parse, so
/// the claim race below checks each entry the 8 processes write and read.
#[test]
fn concurrent_claims_with_verified_entries() {
    let ws = Ws::with_tasks(&big_plan());
    answers(&ws);
    let handles: Vec<_> = (1..=8u32)
        .map(|k| {
            let mut c = ws.cmd();
            c.env("BATON_CACHE", "verify").args([
                "--json",
                "--wait",
                "60",
                "next",
                "--claim",
                "--also",
                "--instance",
                &k.to_string(),
            ]);
            std::thread::spawn(move || {
                let mut won = 0;
                for _ in 0..6 {
                    let out = c.output().unwrap();
                    assert_eq!(
                        out.status.code(),
                        Some(0),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    won += 1;
                }
                won
            })
        })
        .collect();
    let won: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(won, 48);
    let text = ws.read("TASKS.md");
    assert_eq!(
        text.matches("] [Instance ").count(),
        48,
        "48 distinct tasks claimed"
    );
    answers(&ws);
}
