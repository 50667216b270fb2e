//! `baton show REF`: one task in full.

use crate::cli::RefArg;
use crate::context::Ctx;
use crate::model::deps::Deps;
use crate::model::refs::{self, Target};
use crate::output::{Outcome, render, waits, wire};

pub fn run(ctx: &Ctx, args: RefArg) -> anyhow::Result<Outcome> {
    let doc = ctx.ws.load_tasks()?;
    let file = crate::text::slash_path(&doc.rel_path);
    let i = match refs::resolve(&doc, &args.reference)? {
        Target::Task(i) => i,
        Target::Section(s) => {
            return Err(crate::error::invalid(format!(
                "`{}` names the heading `{}` (line {}), not a task",
                args.reference, doc.sections[s].title, doc.sections[s].line
            ))
            .hint(format!(
                "list its tasks with `baton list --section \"{}\"`",
                doc.sections[s].title
            ))
            .into());
        }
    };
    let (store, warning) =
        crate::store::load_for_reading(ctx.ws.place(), ctx.remote(), ctx.now, || ctx.lock())?;
    let held_elsewhere = super::status::elsewhere_of_tasks(ctx, &store, &doc, [i]);
    let mut check = wire::LinkChecker::new(&ctx.ws.root);
    let (waits_for, waited_by) = waits::of_task(&doc, &Deps::build(&doc), i);
    let data = wire::ShowData {
        task: Some(wire::task(&doc, &file, i, &mut check)),
        waits_for,
        waited_by,
        held_elsewhere,
    };
    let out = Outcome::new(ctx, &data, |d, s| render::show(d, s, &doc)).map(|o| {
        o.warn(
            warning
                .into_iter()
                .chain(super::conflict_warning(&doc))
                .collect(),
        )
    });
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(doc);
    out
}
