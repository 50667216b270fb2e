//! `baton show REF`: one task in full.

use crate::cli::RefArg;
use crate::context::Ctx;
use crate::model::refs::{self, Target};
use crate::output::{Outcome, render, wire};

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
    let mut check = wire::LinkChecker::new(&ctx.ws.root);
    let data = wire::TaskData {
        task: Some(wire::task(&doc, &file, i, &mut check)),
    };
    let out = Outcome::task(ctx, &data, |d, s| render::show(d, s, &doc))
        .map(|o| o.warn(super::conflict_warning(&doc)));
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(doc);
    out
}
