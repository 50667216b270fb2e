//! `baton init --agent`: the files a coding agent's harness reads (slash commands, MCP
//! settings, a rules block), planned as edits that keep every byte of a person's file:
//! JSON settings get one key inserted, markdown files get baton's block replaced between
//! its markers (or appended), files baton owns whole are created or left alone.

use crate::edit::Edit;
use crate::error::invalid;
use crate::txn::Changeset;
use std::path::Path;
use std::rc::Rc;

pub const BEGIN: &str =
    "<!-- baton:begin (written by baton init --agent; edits inside are replaced) -->";
pub const END: &str = "<!-- baton:end -->";

/// The workflow rules, each pointing at the command that enforces it.
const RULES: &str = "## Working with baton

Several agents share this repository's plan, `TASKS.md`, through baton. Each agent is one \
instance: set `BATON_INSTANCE=N` (or pass `--instance N`).

- Start a session with `baton start` (`/lss`): your claims, what the others did, what is ready.
- Claim before you work: `baton next --claim` or `baton claim REF`; never edit `[Instance N]` by hand.
- Finish with `baton done REF`, or give a task back with `baton release REF`; one task at a time.
- New research: `baton research new \"TITLE\"`; a new spec: `baton spec new \"TITLE\"`; every \
implementation task links its spec (`baton check` says when one does not).
- Next steps are tasks in `TASKS.md`, never notes in your instance file.
- End every session with `baton ess --title \"...\" --summary \"...\"` (`/ess`): it ticks, \
releases, archives, checks and writes your session entry.
- Every command takes `--json`; a refusal's hint names the command to run next. `baton mcp` \
serves the same commands as MCP tools.
";

const LSS: &str = "---
description: Start a baton session - your claims, what the other instances did, the next ready tasks
allowed-tools: Bash(baton start:*)
---
Your session-start briefing from baton (instance `$BATON_INSTANCE`):

!`baton start`

Read it. Go on with a task you hold, or take the next ready one with `baton next --claim` \
(or `baton claim REF`). If BATON_INSTANCE is not set, ask which instance you are and pass \
`--instance N` to every baton command.
";

const ESS: &str = "---
description: End the session with baton ess - tick, release, archive, check, write the session entry
argument-hint: [session title]
---
End this session (instance `$BATON_INSTANCE`) with baton:

1. For each task you finished: `baton done REF`.
2. Put any next steps into `TASKS.md` as tasks, never into the session entry.
3. Run `baton ess --title \"$ARGUMENTS\" --summary \"WHAT HAPPENED\" --decision \"A KEY DECISION\"` \
(repeat `--decision`; add `--instance N` when BATON_INSTANCE is not set). Tasks you did not \
finish are released (`--keep-claims` keeps them).
4. If it is refused, do what its hint says and run it again. Report the entry it wrote.
";

const CURSOR_RULE_HEAD: &str = "---
description: Working with baton, the shared task plan (TASKS.md)
alwaysApply: true
---
";

/// The MCP server entry every harness registers.
const SERVER: &str = r#"{"command": "baton", "args": ["mcp"]}"#;

/// A coding-agent harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
    Cursor,
    Generic,
}

impl Agent {
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Cursor => "cursor",
            Agent::Generic => "generic",
        }
    }
}

/// What `init --agent` plans: the changes, and the files left alone (they differ from
/// baton's and are a person's).
pub struct Plan {
    pub changes: Changeset,
    pub kept: Vec<String>,
    /// The command that plans these files again, for hints.
    again: String,
}

/// Plan the files of `agent` in the workspace at `root`, reading what exists there.
pub fn plan(root: &Path, agent: Agent) -> anyhow::Result<Plan> {
    let mut p = Plan {
        changes: Changeset::default(),
        kept: Vec::new(),
        again: format!("baton init --agent {}", agent.name()),
    };
    match agent {
        Agent::Claude => {
            whole(root, &mut p, ".claude/commands/lss.md", LSS)?;
            whole(root, &mut p, ".claude/commands/ess.md", ESS)?;
            mcp_json(root, &mut p, ".mcp.json")?;
            block(root, &mut p, "CLAUDE.md")?;
        }
        Agent::Cursor => {
            block(root, &mut p, "AGENTS.md")?;
            whole(
                root,
                &mut p,
                ".cursor/rules/baton.mdc",
                &format!("{CURSOR_RULE_HEAD}{RULES}"),
            )?;
            mcp_json(root, &mut p, ".cursor/mcp.json")?;
        }
        Agent::Codex | Agent::Generic => block(root, &mut p, "AGENTS.md")?,
    }
    Ok(p)
}

/// The file's text, or None when it does not exist.
fn read(root: &Path, rel: &str) -> anyhow::Result<Option<Rc<String>>> {
    match std::fs::read(root.join(rel)) {
        Ok(b) => Ok(Some(Rc::new(crate::text::decode(b, Path::new(rel))?))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading {rel}"))),
    }
}

/// A file baton owns whole: created, or left alone when it exists (noted when it differs).
fn whole(root: &Path, p: &mut Plan, rel: &str, text: &str) -> anyhow::Result<()> {
    match read(root, rel)? {
        None => p.changes.create(Path::new(rel), text.to_string()),
        Some(t) if *t == text || t.replace("\r\n", "\n") == text => {}
        Some(_) => p.kept.push(rel.to_string()),
    }
    Ok(())
}

/// A markdown file with baton's block: replaced between its markers, else appended.
fn block(root: &Path, p: &mut Plan, rel: &str) -> anyhow::Result<()> {
    let Some(t) = read(root, rel)? else {
        p.changes
            .create(Path::new(rel), format!("{BEGIN}\n{RULES}{END}\n"));
        return Ok(());
    };
    let nl = crate::text::newline_of(&t);
    let body = format!("{BEGIN}\n{RULES}{END}").replace('\n', nl);
    let edit = match (t.find(BEGIN), t.find(END)) {
        (Some(b), Some(e)) if b < e => Edit::replace(b..e + END.len(), body),
        (None, None) => {
            let lead = if t.is_empty() || t.ends_with(&format!("{nl}{nl}")) {
                ""
            } else if t.ends_with('\n') {
                nl
            } else {
                &format!("{nl}{nl}")
            };
            Edit::insert(t.len(), format!("{lead}{body}{nl}"))
        }
        _ => {
            return Err(invalid(format!(
                "{rel} has one of baton's markers without the other"
            ))
            .hint(format!(
                "put back both `{BEGIN}` and `{END}` lines in {rel} (or remove both), then run `{}` again",
                p.again
            ))
            .into());
        }
    };
    p.changes.edit(Path::new(rel), &t, vec![edit])
}

/// A JSON settings file with `mcpServers.baton`: created, or the key inserted (the rest
/// of the file kept byte for byte); an existing `baton` entry is the person's and kept.
fn mcp_json(root: &Path, p: &mut Plan, rel: &str) -> anyhow::Result<()> {
    let fresh = format!("{{\n  \"mcpServers\": {{\n    \"baton\": {SERVER}\n  }}\n}}\n");
    let Some(t) = read(root, rel)? else {
        p.changes.create(Path::new(rel), fresh);
        return Ok(());
    };
    // A byte order mark stays where it is; a file of nothing but blanks is an empty object.
    let start = if t.starts_with(crate::text::BOM) {
        crate::text::BOM.len()
    } else {
        0
    };
    if t[start..].trim().is_empty() {
        return p.changes.edit(
            Path::new(rel),
            &t,
            vec![Edit::replace(start..t.len(), fresh)],
        );
    }
    let bad = |why: &str| {
        anyhow::Error::new(
            invalid(format!(
                "{rel} is not a JSON object baton can add to: {why}"
            ))
            .hint(format!(
                "fix {rel} (or move it away), then run `{}` again",
                p.again
            )),
        )
    };
    let doc: serde_json::Value =
        serde_json::from_str(&t[start..]).map_err(|e| bad(&e.to_string()))?;
    let servers = match doc.get("mcpServers") {
        None => None,
        Some(serde_json::Value::Object(m)) if m.contains_key("baton") => return Ok(()),
        Some(serde_json::Value::Object(_)) => Some(()),
        Some(_) => return Err(bad("`mcpServers` is not an object")),
    };
    let b = t.as_bytes();
    let top = skip_ws(b, start);
    if b.get(top) != Some(&b'{') {
        return Err(bad("it is not an object"));
    }
    let edit = match servers {
        Some(()) => {
            let open = member(b, top, "mcpServers").ok_or_else(|| bad("no `mcpServers`"))?;
            insert_member(&t, open, &format!("\"baton\": {SERVER}"))
        }
        None => insert_member(&t, top, &format!("\"mcpServers\": {{\"baton\": {SERVER}}}")),
    };
    p.changes.edit(Path::new(rel), &t, vec![edit])
}

/// The edit that inserts `member` first in the object opening at `open`, in the layout
/// of the members already there (one per line with their indent, or inline).
fn insert_member(t: &str, open: usize, member: &str) -> Edit {
    let b = t.as_bytes();
    let first = skip_ws(b, open + 1);
    let empty = b.get(first) == Some(&b'}');
    let gap = &t[open + 1..first];
    match gap.rfind('\n') {
        Some(i) if !empty => {
            let indent = &gap[i + 1..];
            let nl = if gap[..i].ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            Edit::insert(open + 1, format!("{nl}{indent}{member},"))
        }
        _ if empty => Edit::insert(open + 1, member.to_string()),
        _ => Edit::insert(open + 1, format!("{member}, ")),
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The end of the JSON string starting at `i` (just past its closing quote).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The end of the JSON value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            j
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            j
        }
    }
}

/// Where the value of the member `key` of the object opening at `open` starts, when that
/// value is an object (the text is valid JSON: checked before).
fn member(b: &[u8], open: usize, key: &str) -> Option<usize> {
    let mut i = skip_ws(b, open + 1);
    while b.get(i) == Some(&b'"') {
        let end = skip_string(b, i);
        let name: String = serde_json::from_slice(&b[i..end]).ok()?;
        i = skip_ws(b, end);
        i = skip_ws(b, i + 1); // past ':'
        if name == key {
            return (b.get(i) == Some(&b'{')).then_some(i);
        }
        i = skip_ws(b, skip_value(b, i));
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(t: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".mcp.json"), t).unwrap();
        let mut p = Plan {
            changes: Changeset::default(),
            kept: Vec::new(),
            again: "baton init --agent claude".into(),
        };
        mcp_json(dir.path(), &mut p, ".mcp.json").unwrap();
        match p.changes.steps.first() {
            Some(crate::txn::Step::Write { new, .. }) => new.to_string(),
            _ => t.to_string(),
        }
    }

    #[test]
    fn the_server_is_inserted_into_any_layout_and_the_rest_is_kept() {
        for (before, after) in [
            (
                "{}",
                r#"{"mcpServers": {"baton": {"command": "baton", "args": ["mcp"]}}}"#,
            ),
            (
                "{\"a\": [1, {\"mcpServers\": 2}], \"mcpServers\": {}}\n",
                "{\"a\": [1, {\"mcpServers\": 2}], \"mcpServers\": {\"baton\": {\"command\": \"baton\", \"args\": [\"mcp\"]}}}\n",
            ),
            (
                "{\r\n  \"mcpServers\": {\r\n    \"x\": {\"command\": \"x\"}\r\n  }\r\n}",
                "{\r\n  \"mcpServers\": {\r\n    \"baton\": {\"command\": \"baton\", \"args\": [\"mcp\"]},\r\n    \"x\": {\"command\": \"x\"}\r\n  }\r\n}",
            ),
            (
                "{\"k\\\"ey\": \"}\", \"mcpServers\": {\"x\": 1}}",
                "{\"k\\\"ey\": \"}\", \"mcpServers\": {\"baton\": {\"command\": \"baton\", \"args\": [\"mcp\"]}, \"x\": 1}}",
            ),
        ] {
            let got = merged(before);
            assert_eq!(got, after);
            let v: serde_json::Value = serde_json::from_str(&got).unwrap();
            assert_eq!(v["mcpServers"]["baton"]["args"][0], "mcp");
        }
        let own = "{\"mcpServers\": {\"baton\": {\"command\": \"/opt/baton\"}}}";
        assert_eq!(merged(own), own, "a person's own entry is kept");
    }

    /// A byte order mark is kept in front; an empty file (or blanks) becomes the object.
    #[test]
    fn a_bom_is_kept_and_an_empty_file_is_an_empty_object() {
        let got = merged("\u{feff}{\"theme\": 1}\n");
        assert_eq!(
            got,
            "\u{feff}{\"mcpServers\": {\"baton\": {\"command\": \"baton\", \"args\": [\"mcp\"]}}, \"theme\": 1}\n"
        );
        for blank in ["", "\n", "\u{feff}  \r\n"] {
            let got = merged(blank);
            let body = got.strip_prefix(crate::text::BOM).unwrap_or(&got);
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["mcpServers"]["baton"]["args"][0], "mcp", "{blank:?}");
            assert_eq!(got.starts_with('\u{feff}'), blank.starts_with('\u{feff}'));
        }
    }
}
