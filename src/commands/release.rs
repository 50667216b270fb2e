//! `baton release REF --instance N`: give a claim back, leaving the line as it was.

use super::claim::{Plan, execute};
use super::require_instance;
use crate::cli::ReleaseArgs;
use crate::context::Ctx;
use crate::error::refused;
use crate::model::edits;
use crate::model::refs::{self, Target};
use crate::output::Outcome;

pub fn run(ctx: &Ctx, args: ReleaseArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "release")?;
    let reference = args.target.reference;
    let force = args.force;
    execute(ctx, n, args.dry_run, |doc, _| {
        let target = refs::resolve(doc, &reference)?;
        let (tags, label) = match target {
            Target::Task(i) => (&doc.tasks[i].claims, doc.label(i)),
            Target::Section(s) => (&doc.sections[s].claims, doc.sections[s].title.to_string()),
        };
        let mine = tags.iter().any(|c| c.instance == n);
        let others: Vec<u32> = tags
            .iter()
            .filter(|c| c.instance != n)
            .map(|c| c.instance)
            .collect();
        if !mine {
            if let Target::Task(i) = target
                && doc.heading_claims(i).contains(&n)
            {
                let s = doc.tasks[i]
                    .section
                    .expect("a heading claim implies a section");
                let sec = doc.enclosing_claimed_section(s, n).unwrap_or(s);
                return Err(refused(format!(
                    "`{label}` is held by Instance {n} through the heading `{}`",
                    doc.sections[sec].title
                ))
                .hint(format!(
                    "release the section with `baton release {} --instance {n}`",
                    doc.sections[sec].reference
                ))
                .into());
            }
            if others.is_empty() {
                return Ok(Plan::unchanged(target));
            }
            if !force {
                let who: Vec<String> = others.iter().map(|m| format!("Instance {m}")).collect();
                return Err(refused(format!("`{label}` is held by {}, not by Instance {n}", who.join(" and ")))
                    .hint(format!(
                        "releasing another instance's claim needs `--force`: `baton release {reference} --instance {n} --force`"
                    ))
                    .into());
            }
        }
        let who = if mine { Some(n) } else { None };
        let edit_list = match target {
            Target::Task(i) => edits::release_task(doc, i, who),
            Target::Section(s) => edits::release_section(doc, s, who),
        };
        Ok(Plan {
            action: "released",
            target: Some(target),
            edits: edit_list,
            took_over: if mine { Vec::new() } else { others },
            recorded: Vec::new(),
        })
    })
}
