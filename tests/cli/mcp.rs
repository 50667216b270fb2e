//! `baton mcp` through the official MCP Python SDK (`tests/mcp/client.py`, the `mcp`
//! package pinned by `tools/mcp-venv` in target/mcp-venv): tools and prompts listed, calls
//! answered with exactly the CLI's `--json` envelope and the same files, racing servers,
//! bad input as tool errors.

use crate::support::{NOW, Ws, assert_tree_eq, copy_tree};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The venv's python, or None (after a note) when it is missing outside CI. With
/// `CI=true` a missing venv is installed by `tools/mcp-venv` (once), and a failure fails.
fn python() -> Option<PathBuf> {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let py = root.join("target/mcp-venv/bin/python");
    if py.exists() {
        return Some(py);
    }
    if !std::env::var("CI").is_ok_and(|v| v == "true") {
        eprintln!(
            "note: the MCP Python SDK is missing (target/mcp-venv): run `tools/mcp-venv`; the MCP test is skipped"
        );
        return None;
    }
    let installed = INSTALLED.get_or_init(|| {
        let out = Command::new(root.join("tools/mcp-venv"))
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    match installed {
        Ok(()) if py.exists() => Some(py),
        Ok(()) => panic!("tools/mcp-venv ran but {} is missing", py.display()),
        Err(e) => panic!(
            "the MCP Python SDK is missing (target/mcp-venv) and `tools/mcp-venv` failed: {e}"
        ),
    }
}

/// Run the client on `plan` (server command, env and cwd filled in): its answer.
fn drive(py: &Path, ws: &Ws, env: Value, plan: Value) -> Value {
    let mut plan = plan;
    let mut env = env;
    env["BATON_NOW"] = NOW.into();
    // The SDK starts the server with a bare environment: pass on the cache mode of the run.
    if let Ok(mode) = std::env::var("BATON_CACHE") {
        env["BATON_CACHE"] = mode.into();
    }
    plan["command"] = env!("CARGO_BIN_EXE_baton").into();
    if plan.get("args").is_none() {
        plan["args"] = json!(["--root", ws.path(), "mcp"]);
    }
    plan["env"] = env;
    plan["cwd"] = json!(ws.path());
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py");
    let mut child = Command::new(py)
        .arg(client)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(plan.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

const PHASE: &str = "
## Phase 1: Parser

- [ ] 1.1 Write the parser
  (spec: [101_PARSER.md](archive/specs/101_PARSER.md))
- [ ] 1.2 Test the parser
  (spec: [101_PARSER.md](archive/specs/101_PARSER.md))
";

/// The end of task 1.2 (its title and its spec line).
const AFTER_1_2: &str =
    "1.2 Test the parser\n  (spec: [101_PARSER.md](archive/specs/101_PARSER.md))\n";

/// A workspace made by `init --instances N`, with a phase of two tasks.
fn workspace(instances: &str) -> Ws {
    let ws = Ws::new();
    ws.ok(&["init", "--instances", instances]);
    let tasks = ws.read("TASKS.md").replace(
        "\n---\n\n**Last Updated**",
        &format!("{PHASE}\n---\n\n**Last Updated**"),
    );
    ws.write("TASKS.md", tasks);
    ws.write("archive/specs/101_PARSER.md", "# 101 Parser\n\nWrite it.\n");
    ws
}

/// A tool answer: (is_error, the envelope text).
fn answer(v: &Value) -> (bool, &str) {
    assert!(v.get("protocol_error").is_none(), "a JSON-RPC error: {v}");
    (
        v["is_error"].as_bool().expect("is_error"),
        v["text"].as_str().expect("text"),
    )
}

#[test]
fn mcp_lists_every_tool_with_described_arguments_and_both_prompts() {
    let Some(py) = python() else { return };
    let ws = workspace("2");
    let plan = json!({"steps": [
        {"prompt": "lss", "arguments": {"instance": "1"}},
        {"prompt": "ess", "arguments": {"instance": "1", "title": "Parser", "decisions": "One pass\n\nNo regex\n"}},
    ]});
    let out = drive(&py, &ws, json!({}), plan);
    let names: Vec<&str> = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "status",
            "list",
            "show",
            "next",
            "claim",
            "release",
            "done",
            "reopen",
            "research_new",
            "spec_new",
            "archive",
            "check",
            "start",
            "ess"
        ]
    );
    for t in out["tools"].as_array().unwrap() {
        let about = t["description"].as_str().unwrap_or("");
        assert!(about.len() > 40, "{t}");
        for (name, p) in t["input_schema"]["properties"].as_object().unwrap() {
            assert!(p["type"].is_string(), "{name}: {p}");
            assert!(
                p["description"].as_str().is_some_and(|d| d.len() > 10),
                "{name}: {p}"
            );
        }
    }
    let claim = out["tools"].as_array().unwrap()[4].clone();
    assert_eq!(claim["input_schema"]["required"], json!(["ref"]));
    for arg in ["ref", "instance", "also", "steal", "force", "dry_run"] {
        assert!(
            claim["input_schema"]["properties"].get(arg).is_some(),
            "{arg}"
        );
    }
    let ess = &out["tools"].as_array().unwrap()[13]["input_schema"];
    assert_eq!(ess["required"], json!(["title", "summary"]));
    assert_eq!(ess["properties"]["decision"]["type"], "array");
    assert_eq!(
        out["prompts"],
        json!([
            {"name": "lss", "arguments": ["instance"]},
            {"name": "ess", "arguments": ["instance", "title", "summary", "decisions"]}
        ])
    );
    let lss = out["steps"][0]["text"].as_str().unwrap();
    assert!(lss.contains("Instance 1: session start"), "{lss}");
    assert!(lss.contains("1.1 Write the parser"), "{lss}");
    assert!(
        ws.exists(".baton/sessions/instance_001.json"),
        "lss runs start"
    );
    let ess = out["steps"][1]["text"].as_str().unwrap();
    assert!(
        ess.contains("call the `ess` tool") || ess.contains("Call the `ess` tool"),
        "{ess}"
    );
    assert!(ess.contains("\"Parser\""), "{ess}");
    assert!(
        ess.contains(r#"`decision: ["One pass","No regex"]`"#),
        "{ess}"
    );
}

#[test]
fn mcp_next_claim_done_ess_answer_the_cli_envelopes_and_write_the_same_bytes() {
    let Some(py) = python() else { return };
    let ws = workspace("2");
    let twin = Ws::new();
    copy_tree(ws.path(), twin.path());
    let added = "- [ ] 1.3 Document the parser\n";
    let steps = json!([
        {"tool": "start", "arguments": {"instance": 1}},
        // The instance from BATON_INSTANCE in the server's environment.
        {"tool": "next", "arguments": {"claim": true}},
        {"tool": "claim", "arguments": {"ref": "1.2", "instance": 2}},
        {"tool": "done", "arguments": {"ref": "1.1", "instance": 1}},
        // Someone edits TASKS.md between two calls: the server reads it again.
        {"write": "TASKS.md", "append_after": AFTER_1_2, "text": added},
        {"tool": "show", "arguments": {"ref": "1.3"}},
        {"tool": "ess", "arguments": {"instance": 1, "title": "Parser", "summary": "Wrote the parser.", "decision": ["One pass", "--no-archive is a value here"]}},
    ]);
    let out = drive(
        &py,
        &ws,
        json!({"BATON_INSTANCE": "1"}),
        json!({"steps": steps}),
    );
    let cli: Vec<Vec<&str>> = vec![
        vec!["start", "--instance", "1"],
        vec!["next", "--claim"],
        vec!["claim", "1.2", "--instance", "2"],
        vec!["done", "1.1", "--instance", "1"],
        vec![],
        vec!["show", "1.3"],
        vec![
            "ess",
            "--instance",
            "1",
            "--title",
            "Parser",
            "--summary",
            "Wrote the parser.",
            "--decision",
            "One pass",
            "--decision=--no-archive is a value here",
        ],
    ];
    let steps = out["steps"].as_array().unwrap();
    assert_eq!(steps.len(), cli.len());
    for (got, args) in steps.iter().zip(&cli) {
        if args.is_empty() {
            // The same edit on the twin.
            let t = twin.read("TASKS.md");
            twin.write(
                "TASKS.md",
                t.replacen(AFTER_1_2, &format!("{AFTER_1_2}{added}"), 1),
            );
            continue;
        }
        let (is_error, text) = answer(got);
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let o = twin
            .cmd()
            .env("BATON_INSTANCE", "1")
            .args(&a)
            .output()
            .unwrap();
        let expected = String::from_utf8(o.stdout).unwrap();
        assert_eq!(text, expected, "{args:?}");
        assert_eq!(is_error, o.status.code() != Some(0), "{args:?}: {text}");
        assert!(!is_error, "{args:?}: {text}");
    }
    assert_tree_eq(ws.path(), twin.path());
    let tasks = ws.read("TASKS.md");
    assert!(tasks.contains("- [x] 1.1 Write the parser"), "{tasks}");
    assert!(
        tasks.contains("- [ ] [Instance 2] 1.2 Test the parser"),
        "{tasks}"
    );
    assert!(tasks.contains(added), "{tasks}");
    let session = ws.read("instance_001.md");
    assert!(session.contains("Parser"), "{session}");
    assert!(
        session.contains("--no-archive is a value here"),
        "{session}"
    );
}

#[test]
fn mcp_eight_servers_racing_one_claim_give_one_winner_and_one_tag() {
    let Some(py) = python() else { return };
    let ws = workspace("8");
    let before = ws.read("TASKS.md");
    let args: Vec<Value> = (1..=8)
        .map(|i| json!({"ref": "1.1", "instance": i}))
        .collect();
    let plan = json!({"race": {"servers": 8, "tool": "claim", "arguments": args}});
    let out = drive(&py, &ws, json!({}), plan);
    let race = out["race"].as_array().unwrap();
    assert_eq!(race.len(), 8);
    let mut winners = Vec::new();
    for (i, r) in race.iter().enumerate() {
        let (is_error, text) = answer(r);
        let doc: Value = serde_json::from_str(text).unwrap();
        if is_error {
            assert_eq!(doc["error"]["kind"], "refused", "{doc}");
            assert!(doc["error"]["hint"].is_string(), "{doc}");
        } else {
            winners.push(i + 1);
        }
    }
    assert_eq!(winners.len(), 1, "{race:?}");
    let after = ws.read("TASKS.md");
    let tagged = after
        .lines()
        .filter(|l| l.starts_with("- [") && l.contains("[Instance "))
        .count();
    assert_eq!(tagged, 1, "{after}");
    let tag = format!("- [ ] [Instance {}] 1.1 Write the parser", winners[0]);
    assert_eq!(
        after
            .replacen(&tag, "- [ ] 1.1 Write the parser", 1)
            .replacen(
                &format!("| {} | 1.1 Write the parser |", winners[0]),
                &format!("| {} | Available |", winners[0]),
                1
            ),
        before,
        "only the claimed line and the coordination row changed"
    );
}

#[test]
fn mcp_bad_input_gives_tool_errors_with_kind_and_hint_and_the_server_goes_on() {
    let Some(py) = python() else { return };
    let ws = workspace("2");
    let before = ws.bytes("TASKS.md");
    let plan = json!({"steps": [
        {"tool": "frobnicate", "arguments": {}},
        {"tool": "claim", "arguments": {"instance": 1}},
        {"tool": "claim", "arguments": {"ref": 1.5, "instance": 1}},
        {"tool": "claim", "arguments": {"ref": "1.1", "instance": "one"}},
        {"tool": "claim", "arguments": {"ref": "1.1", "instance": 1, "colour": "red"}},
        {"tool": "claim", "arguments": {"ref": "parser", "instance": 1}},
        {"tool": "claim", "arguments": {"ref": "1.1"}},
        {"tool": "ess", "arguments": {"instance": 1, "title": "T", "summary": "S", "decision": "not a list"}},
        {"tool": "next", "arguments": {"dry_run": true}},
        {"tool": "claim", "arguments": {"ref": "1.1", "instance": 0}},
        {"tool": "status"},
    ]});
    let out = drive(&py, &ws, json!({}), plan);
    let steps = out["steps"].as_array().unwrap();
    let expected = [
        ("frobnicate", "usage", "call one of: status"),
        ("claim", "usage", "pass `ref`"),
        ("claim", "usage", "pass `ref`"),
        ("claim", "usage", "pass `instance`"),
        (
            "claim",
            "usage",
            "the arguments of `claim` are: ref, instance",
        ),
        ("claim", "not_found", "name one by its ref"),
        ("claim", "usage", "BATON_INSTANCE=N"),
        ("ess", "usage", "pass `decision`"),
        ("next", "usage", "baton --help"),
        ("claim", "usage", "pass your own instance number"),
    ];
    for (got, (command, kind, hint)) in steps.iter().zip(expected) {
        let (is_error, text) = answer(got);
        assert!(is_error, "{text}");
        let doc: Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc["ok"], false, "{doc}");
        assert_eq!(doc["command"], command, "{doc}");
        assert_eq!(doc["error"]["kind"], kind, "{doc}");
        let h = doc["error"]["hint"]
            .as_str()
            .unwrap_or_else(|| panic!("no hint: {doc}"));
        assert!(h.contains(hint), "{doc}");
        assert!(!doc["error"]["message"].as_str().unwrap().is_empty());
    }
    // An ambiguous ref names the candidates, as the CLI does.
    let ambiguous = answer(&steps[5]).1;
    assert_eq!(
        ambiguous,
        ws.run(&["--json", "claim", "parser", "--instance", "1"]).1
    );
    assert!(ambiguous.contains("\"candidates\""), "{ambiguous}");
    assert_eq!(steps.len(), expected.len() + 1);
    let (is_error, text) = answer(&steps[10]);
    assert!(!is_error, "the server goes on: {text}");
    assert_eq!(ws.bytes("TASKS.md"), before, "nothing was written");
}

#[test]
fn mcp_a_lock_timeout_is_a_busy_tool_error_and_the_server_goes_on() {
    let Some(py) = python() else { return };
    let ws = workspace("2");
    let before = ws.bytes("TASKS.md");
    // The workspace lock is taken on the root folder.
    let held = std::fs::File::open(ws.path()).unwrap();
    held.lock().unwrap();
    let plan = json!({
        "args": ["--root", ws.path(), "--wait", "0.2", "mcp"],
        "steps": [
            {"tool": "claim", "arguments": {"ref": "1.1", "instance": 1}},
            {"tool": "status"},
        ]
    });
    let out = drive(&py, &ws, json!({}), plan);
    drop(held);
    let (is_error, text) = answer(&out["steps"][0]);
    assert!(is_error, "{text}");
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc["command"], "claim", "{doc}");
    assert_eq!(doc["error"]["kind"], "busy", "{doc}");
    assert!(
        doc["error"]["hint"].as_str().unwrap().contains("--wait"),
        "{doc}"
    );
    let (is_error, text) = answer(&out["steps"][1]);
    assert!(!is_error, "the server goes on: {text}");
    assert_eq!(ws.bytes("TASKS.md"), before);
}
