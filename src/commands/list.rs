//! `baton list`: the tasks, filtered.

use super::TaskFilter;
use crate::cli::ListArgs;
use crate::context::Ctx;
use crate::marks::MarkState;
use crate::model::deps::Deps;
use crate::output::{Format, Outcome, render, wire};

pub fn run(ctx: &Ctx, args: ListArgs) -> anyhow::Result<Outcome> {
    let doc = ctx.ws.load_tasks()?;
    let filter = TaskFilter::new(&args.filters)?;
    let mut warnings = super::conflict_warning(&doc);
    let file = crate::text::slash_path(&doc.rel_path);
    // Dependencies are looked for only when a filter needs them.
    let deps = (args.ready || args.blocked).then(|| Deps::build(&doc));
    // Claims made in other checkouts count for --claimed and --instance (read only then).
    let by_claims = args.claimed || args.instance.is_some();
    let (store, warning) = if by_claims {
        crate::store::load_for_reading(ctx.ws.place(), ctx.remote(), ctx.now, || ctx.lock())?
    } else {
        (crate::store::ClaimStore::default(), None)
    };
    let far = crate::claims::Elsewhere::new(&store);
    let tasks: Vec<usize> = (0..doc.tasks.len())
        .filter(|&i| {
            let t = &doc.tasks[i];
            (!args.open || !t.state.finished())
                && (!args.done || t.done)
                && deps.as_ref().is_none_or(|d| {
                    (!args.ready || d.is_ready(&doc, i, None))
                        && (!args.blocked || t.state == MarkState::Open && d.is_blocked(&doc, i))
                })
                && filter.matches(&doc, i)
                && (!by_claims || {
                    let c = doc.claimants(i);
                    let here = !c.is_empty() && args.instance.is_none_or(|n| c.contains(&n));
                    here || (!far.is_empty()
                        && far
                            .of_task(&doc, i)
                            .iter()
                            .any(|e| args.instance.is_none_or(|n| e.instance == n)))
                })
        })
        .collect();
    let held_elsewhere = if far.is_empty() {
        Vec::new()
    } else {
        super::status::elsewhere_of_tasks(ctx, &store, &doc, tasks.iter().copied())
    };
    warnings.extend(warning);
    if ctx.format == Format::Json {
        // Written task by task straight to stdout when printed; the document goes with the
        // outcome (left to the process's exit by `leak_at_exit`).
        let root = ctx.ws.root.clone();
        return Ok(Outcome::stream(move |w| {
            let mut check = wire::LinkChecker::new(&root);
            wire::write_list(w, &doc, &file, &tasks, &mut check, &held_elsewhere)
        })
        .warn(warnings));
    }
    // The human lines show no links: none is resolved.
    let tasks = tasks
        .iter()
        .map(|&i| wire::task_row(&doc, &file, i))
        .collect();
    let data = wire::ListData {
        file: &file,
        tasks,
        held_elsewhere,
    };
    let out = Outcome::new(ctx, &data, render::list).map(|o| o.warn(warnings));
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(doc);
    out
}
