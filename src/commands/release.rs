//! `baton release REF --instance N`: give a claim back, leaving the line as it was.

use super::claim::{Plan, execute};
use super::require_instance;
use crate::claims;
use crate::cli::ReleaseArgs;
use crate::context::Ctx;
use crate::error::refused;
use crate::model::Document;
use crate::model::edits;
use crate::model::refs::{self, Target};
use crate::output::Outcome;
use crate::store::ClaimStore;

pub fn run(ctx: &Ctx, args: ReleaseArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "release")?;
    let reference = args.target.reference;
    let force = args.force;
    execute(ctx, n, args.dry_run, |doc, ledger| {
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
                return release_elsewhere(doc, ledger, target, n, force, &reference);
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
            took_over_elsewhere: Vec::new(),
            recorded: Vec::new(),
            taken_elsewhere: Vec::new(),
            event: Some("released"),
            subject: Some(claims::target_id(doc, target)),
        })
    })
}

/// Release a claim of `target` made in another checkout (`--force` only): the store
/// forgets it; that checkout's tag is reported by its `check` and removed by `check --fix`.
fn release_elsewhere(
    doc: &Document,
    ledger: &ClaimStore,
    target: Target,
    n: u32,
    force: bool,
    reference: &str,
) -> anyhow::Result<Plan> {
    let id = claims::target_id(doc, target);
    let far = ledger.elsewhere(&id.key);
    if far.is_empty() {
        return Ok(Plan::unchanged(target));
    }
    let who: Vec<String> = far
        .iter()
        .map(|e| {
            format!(
                "Instance {} in another checkout, {}",
                e.instance,
                e.checkout().map(|c| c.describe()).unwrap_or_default()
            )
        })
        .collect();
    if !force {
        return Err(refused(format!("`{}` is held by {}", id.title, who.join(" and ")))
            .hint(format!(
                "release it in that checkout; to release it from here, run `baton release {reference} --instance {n} --force`"
            ))
            .into());
    }
    Ok(Plan {
        action: "released",
        target: Some(target),
        edits: Vec::new(),
        took_over: Vec::new(),
        took_over_elsewhere: far.iter().map(|e| e.instance).collect(),
        recorded: Vec::new(),
        taken_elsewhere: vec![id.key.clone()],
        event: Some("released"),
        subject: Some(id),
    })
}
