//! `baton archive`: archive every research and spec file the lifecycle rules make eligible.

use crate::cli::ArchiveArgs;
use crate::context::Ctx;
use crate::lifecycle::{self, SweepOptions};
use crate::model::edits;
use crate::output::{Outcome, render, wire};
use crate::store::journal;
use crate::text;
use crate::txn::{self, Planned};

pub fn run(ctx: &Ctx, args: ArchiveArgs) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let committed = txn::transact(ctx, args.dry_run, || {
        let doc = ws.load_tasks()?;
        let plan = lifecycle::plan(ws, &doc, &SweepOptions::default())?;
        let after = ws.parse_tasks(crate::edit::apply(&doc.text, &plan.tasks_edits)?);
        edits::verify_only(&doc, &after, &plan.touched_tasks, &plan.touched_sections)?;
        let changes = plan.changeset(&doc.rel_path, &doc.text, plan.tasks_edits.clone())?;
        Ok(Planned {
            changes,
            value: plan,
        })
    })?;
    let plan = committed.value;
    if committed.written {
        let events = journal::archived(
            plan.archived
                .iter()
                .map(|a| (text::slash_path(&a.from), text::slash_path(&a.to))),
            None,
            ctx.now,
            ws.place(),
            &ctx.command,
        );
        journal::append(&ws.store_dir(), &events)?;
    }
    let data = wire::ArchiveData {
        dry_run: args.dry_run,
        archived: wire::archived(&plan),
        skipped: wire::skipped(&plan),
        changes: txn::preview(&committed.changes),
    };
    Ok(Outcome::new(ctx, &data, render::archive)?.warn(plan.skipped_messages()))
}
