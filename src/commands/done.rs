//! `baton done REF --instance N`: tick a task, drop the claim, run the lifecycle.

use super::claim::reconcile;
use super::require_instance;
use crate::claims;
use crate::cli::DoneArgs;
use crate::context::Ctx;
use crate::error::usage;
use crate::lifecycle::{self, DoneOptions};
use crate::model::refs::{self, Target};
use crate::model::{Document, edits};
use crate::output::{Outcome, render, wire};
use crate::store::{Event, journal};
use crate::text;
use crate::txn::{self, Changeset, Planned};

/// Resolve `reference` to a task (a section is refused).
pub fn task_ref(doc: &Document, reference: &str, command: &str) -> anyhow::Result<usize> {
    match refs::resolve(doc, reference)? {
        Target::Task(i) => Ok(i),
        Target::Section(s) => Err(usage(format!(
            "`baton {command}` takes a task; `{reference}` names the heading `{}`",
            doc.sections[s].title
        ))
        .hint("name a task inside it; `baton list --section TEXT` shows them")
        .into()),
    }
}

pub fn run(ctx: &Ctx, args: DoneArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "done")?;
    let ws = &ctx.ws;
    let opts = DoneOptions {
        no_archive: args.no_archive,
        force: args.force,
    };
    let reference = args.target.reference;
    let rules = claims::Rules::of(ws, ctx.now);
    let committed = txn::transact(ctx, args.dry_run, || {
        let doc = ws.load_tasks()?;
        let i = task_ref(&doc, &reference, "done")?;
        if doc.tasks[i].done {
            return Ok(Planned {
                changes: Changeset::default(),
                value: (doc, i, None, Vec::new(), None, None),
            });
        }
        // A task held in another checkout is that checkout's to finish (`--force` overrides).
        let id = claims::task_id(&doc, i);
        let (store, (far, plan)) = crate::store::decide(
            ws.place(),
            ctx.remote(),
            ctx.now,
            args.dry_run,
            |r, m| doc.tags(r, m),
            |store| {
                let far = claims::refuse_if_elsewhere(&rules, store, &doc, i, n, opts.force)?;
                let plan = lifecycle::plan_done(ws, &doc, i, n, opts)?;
                let e = Event::new(
                    "done",
                    Some(n),
                    ctx.now,
                    Some(id.clone()),
                    ws.place(),
                    &ctx.command,
                );
                Ok(((far, plan), vec![(id.key.clone(), e)]))
            },
        )?;
        let mut instances = vec![n];
        instances.extend(plan.released.iter().copied());
        let (all, after) =
            edits::with_coordination(&doc, plan.edits.clone(), &instances, |t| ws.parse_tasks(t))?;
        edits::verify_only(&doc, &after, &plan.touched_tasks, &plan.touched_sections)?;
        let changes = lifecycle::done_changeset(&doc, &plan, all)?;
        Ok(Planned {
            changes,
            value: (after, i, Some(plan), far, Some(id), Some(store)),
        })
    })?;
    let (after, i, plan, far, id, store) = committed.value;
    let mut ledger_note = None;
    if committed.written {
        // `after` is the model of what was written: keep it warm in the cache.
        ws.cache_tasks(&after, &committed.changes);
        let mut ledger = store.unwrap_or_else(|| ws.claims());
        crate::store::Synced::settled(ws.place());
        let mut from = plan
            .as_ref()
            .map(|p| p.released.clone())
            .unwrap_or_default();
        for key in &far {
            from.extend(ledger.take_elsewhere(key).iter().map(|e| e.instance));
        }
        reconcile(&mut ledger, &after);
        let place = ws.place();
        let mut events =
            vec![Event::new("done", Some(n), ctx.now, id, place, &ctx.command).from(from)];
        if let Some(sweep) = plan.as_ref().and_then(|p| p.sweep.as_ref()) {
            events.extend(journal::archived(
                sweep
                    .archived
                    .iter()
                    .map(|a| (text::slash_path(&a.from), text::slash_path(&a.to))),
                Some(n),
                ctx.now,
                place,
                &ctx.command,
            ));
        }
        journal::append(&place.dir, &events)?;
        ledger_note = unsaved(ledger.save());
    }
    let file = crate::text::slash_path(&after.rel_path);
    let mut check = wire::LinkChecker::new(&ws.root);
    let sweep = plan.as_ref().and_then(|p| p.sweep.as_ref());
    let data = wire::DoneData {
        action: if plan.is_some() { "done" } else { "unchanged" },
        instance: Some(n),
        dry_run: args.dry_run,
        task: Some(wire::task(&after, &file, i, &mut check)),
        released: plan
            .as_ref()
            .map(|p| p.released.clone())
            .unwrap_or_default(),
        archived: sweep.map(wire::archived).unwrap_or_default(),
        skipped: sweep.map(wire::skipped).unwrap_or_default(),
        changes: txn::preview(&committed.changes),
        stays_archived: Vec::new(),
    };
    let mut warnings = sweep.map(|s| s.skipped_messages()).unwrap_or_default();
    warnings.extend(ledger_note);
    Ok(Outcome::new(ctx, &data, render::done)?.warn(warnings))
}

/// The ledger only drops entries of claims a command removed: when it cannot be written,
/// the change stands (the stale entries are dropped by the next command that writes it).
pub fn unsaved(saved: anyhow::Result<()>) -> Option<String> {
    saved.err().map(|e| {
        format!("the claim ledger .baton/claims.json could not be updated ({e:#}); the change was made, and the next claim or release tidies the ledger")
    })
}
