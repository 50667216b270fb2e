//! `baton next`: the first ready task (open, unclaimed, not blocked); with `--claim`, take
//! it in the same critical section.

use super::claim::{ClaimOpts, Plan, Rules, execute, plan_claim};
use super::{TaskFilter, require_instance};
use crate::claims::{Elsewhere, is_ready};
use crate::cli::NextArgs;
use crate::context::Ctx;
use crate::model::deps::Deps;
use crate::model::refs::Target;
use crate::output::{Outcome, render, wire};

pub fn run(ctx: &Ctx, args: NextArgs) -> anyhow::Result<Outcome> {
    let filter = TaskFilter::new(&args.filters)?;
    if !args.claim {
        let doc = ctx.ws.load_tasks()?;
        let (store, warning) =
            crate::store::load_for_reading(ctx.ws.place(), ctx.remote(), ctx.now, || ctx.lock())?;
        let elsewhere = Elsewhere::new(&store);
        let file = crate::text::slash_path(&doc.rel_path);
        let mut check = wire::LinkChecker::new(&ctx.ws.root);
        let deps = Deps::build(&doc);
        let i = (0..doc.tasks.len()).find(|&i| {
            is_ready(&doc, &deps, &elsewhere, i, args.instance.instance) && filter.matches(&doc, i)
        });
        let data = wire::TaskData {
            task: i.map(|i| wire::task(&doc, &file, i, &mut check)),
            held_elsewhere: Vec::new(),
        };
        let out = Outcome::task(ctx, &data, render::next).map(|o| {
            o.warn(
                warning
                    .into_iter()
                    .chain(super::conflict_warning(&doc))
                    .collect(),
            )
        });
        crate::output::leak_at_exit(data);
        crate::output::leak_at_exit(doc);
        return out;
    }
    let n = require_instance(args.instance.instance, "next --claim")?;
    let opts = ClaimOpts {
        also: args.also,
        ..ClaimOpts::default()
    };
    let rules = Rules::of(&ctx.ws, ctx.now);
    // The first ready task; when the plan runs again because another checkout took that
    // task meanwhile (a rejected push), one of the first few, so that the losers of a race
    // do not all race again for the same next task.
    let mut attempt = 0usize;
    execute(ctx, n, args.dry_run, |doc, ledger| {
        super::instance::require_declared(&ctx.ws, doc, n)?;
        let elsewhere = Elsewhere::new(ledger);
        let deps = Deps::build(doc);
        let spread = if attempt == 0 {
            0
        } else {
            (std::process::id() as usize).wrapping_add(attempt * 7) % (2 * attempt + 1).min(8)
        };
        attempt += 1;
        let mut ready = (0..doc.tasks.len())
            .filter(|&i| is_ready(doc, &deps, &elsewhere, i, Some(n)) && filter.matches(doc, i));
        let first = ready.next();
        let pick = if spread == 0 {
            first
        } else {
            ready.nth(spread - 1).or(first)
        };
        match pick {
            Some(i) => plan_claim(&rules, doc, ledger, Target::Task(i), n, opts),
            None => Ok(Plan::none()),
        }
    })
}
