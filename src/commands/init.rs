//! `baton init [--instances N]`: create a workspace; refuses to overwrite any file.

use crate::cli::InitArgs;
use crate::config::Config;
use crate::context::Ctx;
use crate::error::{not_found, refused};
use crate::output::{Outcome, render, wire};
use crate::sessions::init;
use crate::txn::{self, Planned, Step};
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
    let committed = txn::transact(ctx, args.dry_run, || {
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
            .hint("use it (`baton status`; add an instance with `baton instance add N`), or run `baton init --root DIR` in an empty folder")
            .into());
        }
        Ok(Planned {
            changes: cs,
            value: (),
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
    let data = wire::InitData {
        instances: args.instances,
        dry_run: args.dry_run,
        created,
        modified,
    };
    Outcome::new(ctx, &data, render::init)
}
