//! `baton research new "TITLE"`: a research note from a template, and its task.

use crate::cli::ResearchCommand;
use crate::context::Ctx;
use crate::lifecycle::{FileKind, new};
use crate::model::Document;
use crate::output::{Outcome, render, wire};
use crate::text::slash_path;
use crate::txn::{self, Planned};

pub fn run(ctx: &Ctx, cmd: ResearchCommand) -> anyhow::Result<Outcome> {
    match cmd {
        ResearchCommand::New(a) => run_new(ctx, a.dry_run, FileKind::Research, |doc| {
            new::plan_research(
                &ctx.ws,
                doc,
                &a.title,
                a.section.as_deref(),
                a.task.as_deref(),
                ctx.now,
            )
        }),
    }
}

/// Create a file and its tasks in one transaction, and report them.
pub fn run_new(
    ctx: &Ctx,
    dry_run: bool,
    kind: FileKind,
    mut planner: impl FnMut(&Document) -> anyhow::Result<new::NewPlan>,
) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let committed = txn::transact(ctx, dry_run, || {
        let doc = ws.load_tasks()?;
        let p = planner(&doc)?;
        Ok(Planned {
            changes: p.changes.clone(),
            value: p,
        })
    })?;
    let p = committed.value;
    let after = ws.parse_tasks(p.tasks_text.clone());
    let file = slash_path(&after.rel_path);
    let mut check = wire::LinkChecker::new(&ws.root);
    let tasks = new::added_tasks(&after, &p.inserted)
        .into_iter()
        .map(|i| wire::task(&after, &file, i, &mut check))
        .collect();
    let data = wire::NewDocData {
        kind,
        path: slash_path(&p.path),
        dry_run,
        section: p.section.clone(),
        section_created: p.section_created,
        research: p.research.as_deref().map(slash_path),
        tasks,
        changes: txn::preview(&committed.changes),
    };
    Outcome::new(ctx, &data, render::new_doc)
}
