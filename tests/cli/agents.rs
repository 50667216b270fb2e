//! `baton init --agent`: every file each harness reads (snapshots), a second run that
//! changes nothing, and a person's CLAUDE.md / AGENTS.md / .mcp.json kept byte for byte
//! outside baton's part.

use crate::support::{Ws, list_tree};
use std::collections::BTreeMap;

const BEGIN: &str =
    "<!-- baton:begin (written by `baton init --agent`; edits inside are replaced) -->";
const END: &str = "<!-- baton:end -->";

/// Every file of the workspace with its bytes.
fn files(ws: &Ws) -> BTreeMap<String, Vec<u8>> {
    list_tree(ws.path())
        .into_iter()
        .map(|f| {
            let b = ws.bytes(&f);
            (f, b)
        })
        .collect()
}

/// The files `init --agent` adds beside the workspace's own.
fn agent_files(agent: &str) -> &'static [&'static str] {
    match agent {
        "claude" => &[
            ".claude/commands/ess.md",
            ".claude/commands/lss.md",
            ".mcp.json",
            "CLAUDE.md",
        ],
        "cursor" => &[".cursor/mcp.json", ".cursor/rules/baton.mdc", "AGENTS.md"],
        _ => &["AGENTS.md"],
    }
}

#[test]
fn init_agent_writes_each_harness_files_and_a_second_run_changes_nothing() {
    for agent in ["claude", "codex", "cursor", "generic"] {
        let ws = Ws::new();
        let (code, doc) = ws.json(&["init", "--agent", agent]);
        assert_eq!(code, 0, "{doc}");
        assert_eq!(doc["data"]["agent"], agent);
        let plain = Ws::new();
        plain.ok(&["init"]);
        let mut extra: Vec<String> = list_tree(ws.path())
            .into_iter()
            .filter(|f| !plain.exists(f))
            .collect();
        extra.sort();
        assert_eq!(extra, agent_files(agent), "{agent}");
        for f in agent_files(agent) {
            insta::assert_snapshot!(format!("init_agent_{agent}_{f}"), ws.read(f));
        }
        for f in agent_files(agent).iter().filter(|f| f.ends_with(".json")) {
            let v: serde_json::Value = serde_json::from_str(&ws.read(f)).unwrap();
            assert_eq!(v["mcpServers"]["baton"]["args"][0], "mcp", "{f}");
        }
        let before = files(&ws);
        let (code, doc) = ws.json(&["init", "--agent", agent]);
        assert_eq!(code, 0, "{doc}");
        assert_eq!(doc["data"]["created"], serde_json::json!([]), "{doc}");
        assert_eq!(doc["data"]["modified"], serde_json::json!([]), "{doc}");
        assert_eq!(doc["data"]["workspace"], false, "{doc}");
        assert_eq!(files(&ws), before, "{agent}: the second run changed a file");
        let out = ws.ok(&["init", "--agent", agent]);
        assert!(out.contains("nothing to change"), "{out}");
    }
}

#[test]
fn init_agent_keeps_every_byte_of_a_persons_files_outside_batons_part() {
    let ws = Ws::new();
    ws.ok(&["init"]);
    // CLAUDE.md: CRLF, a BOM, no final newline.
    let claude = "\u{feff}# Project\r\n\r\nUse tabs.\r\n| a | b |\r\n```\r\ncode\r\n```";
    ws.write("CLAUDE.md", claude);
    // AGENTS.md: an old baton block between a person's text.
    let head = "# Agents\n\nBe kind.\n\n";
    let tail = "\n\n## Mine\n\nStill mine.\n";
    ws.write(
        "AGENTS.md",
        format!("{head}{BEGIN}\nold rules\n{END}{tail}"),
    );
    let mcp = "{\n\t\"mcpServers\": {\n\t\t\"other\": { \"command\": \"other\", \"args\": [] }\n\t},\n\t\"theme\": \"dark\"\n}";
    ws.write(".mcp.json", mcp);
    ws.write(".claude/commands/ess.md", "my own ess\n");

    let (code, doc) = ws.json(&["init", "--agent", "claude"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["data"]["modified"],
        serde_json::json!([".mcp.json", "CLAUDE.md"])
    );
    assert_eq!(
        doc["data"]["created"],
        serde_json::json!([".claude/commands/lss.md"])
    );
    let warn = doc["warnings"][0].as_str().unwrap();
    assert!(warn.contains("kept .claude/commands/ess.md"), "{doc}");
    assert_eq!(ws.read(".claude/commands/ess.md"), "my own ess\n");

    let c = ws.read("CLAUDE.md");
    assert!(c.starts_with(claude), "{c:?}");
    let block = &c[claude.len()..];
    assert!(
        block.starts_with(&format!("\r\n\r\n{BEGIN}\r\n")),
        "{block:?}"
    );
    assert!(block.ends_with(&format!("{END}\r\n")), "{block:?}");
    assert!(!block.replace("\r\n", "").contains('\n'), "CRLF throughout");

    let (code, _) = ws.json(&["init", "--agent", "codex"]);
    assert_eq!(code, 0);
    let a = ws.read("AGENTS.md");
    assert!(
        a.starts_with(&format!("{head}{BEGIN}\n## Working with baton")),
        "{a}"
    );
    assert!(a.ends_with(&format!("{END}{tail}")), "{a}");
    assert!(!a.contains("old rules"), "{a}");

    let m = ws.read(".mcp.json");
    let inserted = "\n\t\t\"baton\": {\"command\": \"baton\", \"args\": [\"mcp\"]},";
    let at = mcp.find("{\n\t\t\"other\"").unwrap() + 1;
    assert_eq!(m, format!("{}{inserted}{}", &mcp[..at], &mcp[at..]));
    let v: serde_json::Value = serde_json::from_str(&m).unwrap();
    assert_eq!(v["theme"], "dark");
    assert_eq!(v["mcpServers"]["other"]["command"], "other");

    let before = files(&ws);
    for agent in ["claude", "codex"] {
        ws.ok(&["init", "--agent", agent]);
    }
    assert_eq!(files(&ws), before, "a second run changed a file");
}

#[test]
fn init_agent_dry_run_writes_nothing_and_a_half_marked_file_is_refused() {
    let ws = Ws::new();
    let (code, doc) = ws.json(&["init", "--agent", "cursor", "--dry-run"]);
    assert_eq!(code, 0, "{doc}");
    assert!(
        doc["data"]["created"].as_array().unwrap().len() > 3,
        "{doc}"
    );
    assert!(
        list_tree(ws.path()).is_empty(),
        "{:?}",
        list_tree(ws.path())
    );

    ws.ok(&["init"]);
    let text = format!("# Agents\n\n{BEGIN}\nno end marker\n");
    ws.write("AGENTS.md", &text);
    let (code, doc) = ws.json(&["init", "--agent", "generic"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["kind"], "invalid");
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("baton init --agent")
    );
    assert_eq!(ws.read("AGENTS.md"), text);
}
