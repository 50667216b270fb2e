//! The MCP prompts `lss` (session start: `start`'s briefing) and `ess` (the end-of-session
//! checklist), which clients offer as slash commands (`/mcp__baton__ess`).

use super::tools;
use crate::cli::Global;
use crate::output::Format;
use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{Map, Value};

pub fn list() -> Vec<Prompt> {
    let instance = || {
        PromptArgument::new("instance")
            .with_description("Your instance number (default: BATON_INSTANCE)")
            .with_required(false)
    };
    vec![
        Prompt::new(
            "lss",
            Some(
                "Start a session: your claims, what the others did, the next ready tasks (runs `start`).",
            ),
            Some(vec![instance()]),
        ),
        Prompt::new(
            "ess",
            Some(
                "End the session: finish or release your tasks, then write the session entry with the `ess` tool.",
            ),
            Some(vec![
                instance(),
                PromptArgument::new("title")
                    .with_description("The session's title, if you know it already")
                    .with_required(false),
                PromptArgument::new("summary")
                    .with_description("What happened in the session, if you know it already")
                    .with_required(false),
                PromptArgument::new("decisions")
                    .with_description(
                        "The session's key decisions, one per line, if you know them already",
                    )
                    .with_required(false),
            ]),
        ),
    ]
}

/// The prompt `name` for `args` (string values, as MCP passes prompt arguments).
pub fn get(
    global: &Global,
    name: &str,
    args: &Map<String, Value>,
) -> Result<GetPromptResult, ErrorData> {
    let arg = |k: &str| {
        args.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let instance = arg("instance")
        .map(str::to_string)
        .or_else(|| std::env::var("BATON_INSTANCE").ok())
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ErrorData::invalid_params(
                "which instance are you? pass the `instance` argument, or start the server with BATON_INSTANCE=N",
                None,
            )
        })?;
    let text = match name {
        "lss" => {
            let briefing = human(global, &["start", "--instance", &instance])?;
            format!(
                "You are instance {instance} in a workspace coordinated by baton (TASKS.md is the single source of truth for tasks).\n\n\
                 Your session-start briefing (`baton start --instance {instance}`):\n\n{briefing}\n\
                 Next: keep working on a task you hold, or pick one with the `next` tool (`claim: true`, `instance: {instance}`) \
                 or `claim` a task by its ref. Finish each task with `done`; end the session with the `ess` prompt or tool."
            )
        }
        "ess" => {
            let held = human(global, &["list", "--open", "--instance", &instance])?;
            let title = arg("title").map_or("<a short title>".to_string(), |t| format!("{t:?}"));
            let summary = arg("summary")
                .map_or("<what happened, in a few sentences>".to_string(), |s| {
                    format!("{s:?}")
                });
            let decisions = arg("decisions").map_or("<the key decisions>".to_string(), |d| {
                let items: Vec<&str> = d.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                serde_json::to_string(&items).unwrap_or_default()
            });
            format!(
                "End the session of instance {instance}.\n\n\
                 Open tasks you hold (`baton list --open --instance {instance}`):\n\n{held}\n\
                 Checklist:\n\
                 1. For each task above that you finished, call the `done` tool with its `ref` and `instance: {instance}`.\n\
                 2. Tasks you did not finish are released by `ess` (pass `keep_claims: true` to keep them).\n\
                 3. Put any next steps into TASKS.md as tasks, never into the session entry.\n\
                 4. Call the `ess` tool with `instance: {instance}`, `title: {title}`, `summary: {summary}` and \
                 `decision: {decisions}` (the session's key decisions, one per item).\n\
                 5. If `ess` is refused, do what its hint says and call it again; report the result."
            )
        }
        other => {
            return Err(ErrorData::invalid_params(
                format!("there is no prompt `{other}`; the prompts are lss and ess"),
                None,
            ));
        }
    };
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description(
            match name {
                "lss" => "Session start",
                _ => "End of session",
            },
        ),
    )
}

/// Run a command with human output, through the CLI's code path: its text, or its error.
fn human(global: &Global, words: &[&str]) -> Result<String, ErrorData> {
    let mut argv: Vec<std::ffi::OsString> = vec!["baton".into()];
    if let Some(root) = &global.root {
        argv.push(format!("--root={}", root.display()).into());
    }
    argv.push(format!("--wait={}", global.wait).into());
    argv.extend(words.iter().map(Into::into));
    let failed = |e: &anyhow::Error| {
        let be = crate::error::baton_error(e);
        let msg = be.map_or_else(|| format!("{e:#}"), |b| b.message.clone());
        let hint = be.and_then(|b| b.hint.clone());
        ErrorData::invalid_params(
            match hint {
                Some(h) => format!("{msg} (hint: {h})"),
                None => msg,
            },
            None,
        )
    };
    match tools::run(&argv, Format::Human) {
        Ok((_, Ok(out))) => Ok(out.human),
        Ok((_, Err(e))) | Err(e) => Err(failed(&e)),
    }
}
