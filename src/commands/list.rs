//! `baton list`: the tasks, filtered.

use super::TaskFilter;
use crate::cli::ListArgs;
use crate::context::Ctx;
use crate::output::{Format, Outcome, render, wire};

pub fn run(ctx: &Ctx, args: ListArgs) -> anyhow::Result<Outcome> {
    let doc = ctx.ws.load_tasks()?;
    let filter = TaskFilter::new(&args.filters)?;
    let file = crate::text::slash_path(&doc.rel_path);
    let tasks: Vec<usize> = (0..doc.tasks.len())
        .filter(|&i| {
            let t = &doc.tasks[i];
            (!args.open || !t.done)
                && (!args.done || t.done)
                && filter.matches(&doc, i)
                && (!args.claimed && args.instance.is_none() || {
                    let c = doc.claimants(i);
                    !c.is_empty() && args.instance.is_none_or(|n| c.contains(&n))
                })
        })
        .collect();
    if ctx.format == Format::Json {
        // Written task by task straight to stdout when printed; the document goes with the
        // outcome (left to the process's exit by `leak_at_exit`).
        let root = ctx.ws.root.clone();
        return Ok(Outcome::stream(move |w| {
            let mut check = wire::LinkChecker::new(&root);
            wire::write_list(w, &doc, &file, &tasks, &mut check)
        }));
    }
    // The human lines show no links: none is resolved.
    let tasks = tasks
        .iter()
        .map(|&i| wire::task_row(&doc, &file, i))
        .collect();
    let data = wire::ListData { file: &file, tasks };
    let out = Outcome::new(ctx, &data, render::list);
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(doc);
    out
}
