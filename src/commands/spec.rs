//! `baton spec new "TITLE" [--from-research REF|FILE]`: a numbered spec and its two tasks.

use super::research::run_new;
use crate::cli::SpecCommand;
use crate::context::Ctx;
use crate::lifecycle::{FileKind, new};
use crate::output::Outcome;

pub fn run(ctx: &Ctx, cmd: SpecCommand) -> anyhow::Result<Outcome> {
    match cmd {
        SpecCommand::New(a) => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| ctx.ws.root.clone());
            run_new(ctx, a.dry_run, FileKind::Spec, |doc| {
                new::plan_spec(
                    &ctx.ws,
                    doc,
                    &a.title,
                    a.from_research.as_deref(),
                    a.section.as_deref(),
                    a.task.as_deref(),
                    ctx.now,
                    &cwd,
                )
            })
        }
    }
}
