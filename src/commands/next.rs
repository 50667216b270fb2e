//! `baton next`: the first ready task; with `--claim`, take it in the same critical section.

use super::claim::{ClaimOpts, Plan, execute, plan_claim};
use super::{TaskFilter, require_instance};
use crate::cli::NextArgs;
use crate::context::Ctx;
use crate::model::refs::Target;
use crate::output::{Outcome, render, wire};

pub fn run(ctx: &Ctx, args: NextArgs) -> anyhow::Result<Outcome> {
    let filter = TaskFilter::new(&args.filters)?;
    if !args.claim {
        let doc = ctx.ws.load_tasks()?;
        let file = crate::text::slash_path(&doc.rel_path);
        let mut check = wire::LinkChecker::new(&ctx.ws.root);
        let i = (0..doc.tasks.len())
            .find(|&i| doc.is_ready(i, args.instance.instance) && filter.matches(&doc, i));
        let data = wire::TaskData {
            task: i.map(|i| wire::task(&doc, &file, i, &mut check)),
        };
        let out =
            Outcome::task(ctx, &data, render::next).map(|o| o.warn(super::conflict_warning(&doc)));
        crate::output::leak_at_exit(data);
        crate::output::leak_at_exit(doc);
        return out;
    }
    let n = require_instance(args.instance.instance, "next --claim")?;
    let opts = ClaimOpts {
        also: args.also,
        ..ClaimOpts::default()
    };
    execute(ctx, n, args.dry_run, |doc, ledger| {
        match (0..doc.tasks.len()).find(|&i| doc.is_ready(i, Some(n)) && filter.matches(doc, i)) {
            Some(i) => plan_claim(ctx, doc, ledger, Target::Task(i), n, opts),
            None => Ok(Plan::none()),
        }
    })
}
