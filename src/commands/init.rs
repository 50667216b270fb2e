//! `baton init [--instances N] [--agent AGENT]`: create a workspace (refusing to overwrite
//! any file), and with `--agent` the files that agent's harness reads, in a new or an
//! existing workspace.

use crate::agents;
use crate::cli::{Agent, InitArgs};
use crate::config::Config;
use crate::context::Ctx;
use crate::error::{not_found, refused};
use crate::output::{Outcome, render, wire};
use crate::sessions::init;
use crate::txn::{self, Changeset, Planned, Step};
use crate::workspace::Workspace;
use std::path::Path;

/// The workspace `init` works in: `--root` (created when missing) or the current
/// directory; never one found further up.
pub fn workspace(root: Option<&Path>, cwd: &Path) -> anyhow::Result<Workspace> {
    let root = match root {
        Some(r) if r.is_absolute() => r.to_path_buf(),
        Some(r) => cwd.join(r),
        None => cwd.to_path_buf(),
    };
    if !root.is_dir() {
        std::fs::create_dir_all(&root).map_err(|e| {
            anyhow::Error::new(not_found(format!("cannot create {}: {e}", root.display())))
        })?;
    }
    Ok(Workspace {
        root,
        config: Config::default(),
    })
}

pub fn run(ctx: &Ctx, args: InitArgs) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let date = ctx.now.format("%Y-%m-%d").to_string();
    let agent = args.agent.map(|a| match a {
        Agent::Claude => agents::Agent::Claude,
        Agent::Codex => agents::Agent::Codex,
        Agent::Cursor => agents::Agent::Cursor,
        Agent::Generic => agents::Agent::Generic,
    });
    // With --agent, an existing workspace only gets the agent's files.
    let make_workspace = agent.is_none() || !ws.root.join("TASKS.md").exists();
    let committed = txn::transact(ctx, args.dry_run, || {
        let mut changes = Changeset::default();
        if make_workspace {
            let (cs, existing) = init::plan(&ws.root, args.instances, &ws.config, &date)?;
            if !existing.is_empty() {
                let names: Vec<String> = existing
                    .iter()
                    .map(|p| crate::text::slash_path(p))
                    .collect();
                return Err(refused(format!(
                    "a workspace is already here: {} exist{}; nothing was created",
                    names.join(", "),
                    if names.len() == 1 { "s" } else { "" }
                ))
                .hint("use it (`baton status`), or run `baton init --root DIR` in an empty folder")
                .into());
            }
            changes = cs;
        }
        let mut kept = Vec::new();
        if let Some(a) = agent {
            let p = agents::plan(&ws.root, a)?;
            changes.steps.extend(p.changes.steps);
            kept = p.kept;
        }
        Ok(Planned {
            changes,
            value: kept,
        })
    })?;
    let mut created = Vec::new();
    let mut modified = Vec::new();
    for s in &committed.changes.steps {
        if let Step::Write { rel, original, .. } = s {
            let p = crate::text::slash_path(rel);
            if original.is_some() {
                modified.push(p)
            } else {
                created.push(p)
            }
        }
    }
    let warnings = committed
        .value
        .iter()
        .map(|f| {
            format!(
                "kept {f}: it differs from baton's (move it away and run `baton init --agent {}` again to get baton's)",
                agent.map_or("", |a| a.name())
            )
        })
        .collect();
    let data = wire::InitData {
        instances: args.instances,
        dry_run: args.dry_run,
        workspace: make_workspace,
        agent: agent.map(|a| a.name()),
        created,
        modified,
    };
    Ok(Outcome::new(ctx, &data, render::init)?.warn(warnings))
}
