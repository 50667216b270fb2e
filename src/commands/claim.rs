//! `baton claim REF --instance N`: take a task or a whole section, atomically.

use super::require_instance;
pub use crate::claims::{ClaimOpts, Plan, Rules, plan_claim, reconcile};
use crate::cli::ClaimArgs;
use crate::context::Ctx;
use crate::edit::Edit;
use crate::model::Document;
use crate::model::edits;
use crate::model::refs::{self, Target};
use crate::output::{Outcome, render, wire};
use crate::store::{ClaimStore, Event};
use crate::txn::{self, Changeset, Planned};

pub fn run(ctx: &Ctx, args: ClaimArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "claim")?;
    let opts = ClaimOpts {
        also: args.also,
        steal: args.steal,
        force: args.force,
    };
    let reference = args.target.reference;
    let rules = Rules::of(&ctx.ws, ctx.now);
    execute(ctx, n, args.dry_run, |doc, ledger| {
        super::instance::require_declared(&ctx.ws, doc, n)?;
        let target = refs::resolve(doc, &reference)?;
        crate::claims::blocked::refuse(doc, target, n, opts.force)?;
        plan_claim(&rules, doc, ledger, target, n, opts)
    })
}

/// What a claim-like command carries through its transaction.
struct Claiming {
    plan: Plan,
    /// The model the plan was made on, until the new one is derived from it.
    before: Option<Document>,
    applied: Vec<Edit>,
    ledger: ClaimStore,
    /// The model of the text written (or that text, to parse), with its cache entry.
    after: Option<(Result<Document, String>, Option<crate::cache::Entry>)>,
}

/// Run a claim-like plan in a transaction, update the ledger, and build the outcome.
pub fn execute(
    ctx: &Ctx,
    n: u32,
    dry_run: bool,
    mut planner: impl FnMut(&Document, &ClaimStore) -> anyhow::Result<Plan>,
) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let rel = ws.tasks_rel();
    // The model of what is written, derived from the one read (a large file's cached model
    // stays warm) while the file is being written, with its cache entry: written once the
    // file is, still under the lock, so that entries are written in the order of files.
    let derive = |changes: &Changeset, v: &mut Claiming| {
        let written = changes.steps.iter().find_map(|s| match s {
            txn::Step::Write { rel: r, new, .. } if *r == rel => Some(std::rc::Rc::clone(new)),
            _ => None,
        });
        let (Some(new), Some(doc)) = (written, v.before.take()) else {
            return;
        };
        let derived = crate::model::rebase::rebase_onto(doc, &v.applied, new);
        let entry = derived
            .as_ref()
            .ok()
            .and_then(|d| ws.tasks_entry(d, changes));
        v.after = Some((derived, entry));
    };
    let committed = txn::transact_overlapping(
        ctx,
        dry_run,
        || {
            // Read under the lock, through the parse cache: the last claim cached the model of
            // what it wrote. (A copy read before the lock would be stale whenever another
            // instance is waiting too, and reading it costs them the CPU they need.)
            let mut doc = ws.load_tasks()?;
            let (ledger, plan) = crate::store::decide(
                ws.place(),
                ctx.remote(),
                ctx.now,
                dry_run,
                |r, m| doc.tags(r, m),
                |ledger| {
                    let plan = planner(&doc, ledger)?;
                    let mut keyed: Vec<(String, Event)> = Vec::new();
                    if ctx.remote().is_some() {
                        keyed.extend(unpublished_tags(ctx, &doc, ledger, plan.subject.as_ref()));
                    }
                    keyed.extend(
                        events(ctx, n, &plan)
                            .into_iter()
                            .filter_map(|e| Some((e.task.as_ref()?.key.clone(), e))),
                    );
                    Ok((plan, keyed))
                },
            )?;
            let mut changes = Changeset::default();
            let mut applied = Vec::new();
            if !plan.edits.is_empty() {
                // Verify by re-parsing the touched regions only, then bring the model up to
                // date with the claims they now carry (the text in `doc` stays the original).
                let (tasks, sections) = match plan.target {
                    Some(Target::Task(i)) => (vec![i], vec![]),
                    Some(Target::Section(s)) => (vec![], vec![s]),
                    None => (vec![], vec![]),
                };
                let (task_claims, section_claims) =
                    edits::verify_claims_local(&doc, &plan.edits, &tasks, &sections, |t| {
                        ws.parse_tasks(t)
                    })?;
                for (&i, c) in tasks.iter().zip(task_claims) {
                    doc.set_claims(Target::Task(i), &c);
                }
                for (&s, c) in sections.iter().zip(section_claims) {
                    doc.set_claims(Target::Section(s), &c);
                }
                let mut instances = vec![n];
                instances.extend(plan.took_over.iter().copied());
                let cells: Vec<(u32, crate::edit::Edit)> = instances
                    .iter()
                    .filter_map(|&m| edits::coordination_edit(&doc, &doc, m).map(|e| (m, e)))
                    .collect();
                edits::check_cells(&doc, &cells)?;
                let mut all = plan.edits.clone();
                all.extend(cells.into_iter().map(|(_, e)| e));
                changes.edit(&rel, &doc.text, all.clone())?;
                applied = all;
            }
            Ok(Planned {
                changes,
                value: Claiming {
                    plan,
                    before: Some(doc),
                    applied,
                    ledger,
                    after: None,
                },
            })
        },
        derive,
    )?;
    let Claiming {
        plan,
        before,
        after,
        mut ledger,
        ..
    } = committed.value;
    let (after, entry) = match (after, before) {
        (Some((Ok(doc), entry)), _) => (doc, entry),
        (Some((Err(text), _)), _) => (ws.parse_tasks(text), None),
        (None, Some(doc)) if !committed.written => (doc, None),
        (None, _) => (ws.load_tasks()?, None),
    };
    let mut durable = committed.durable;
    let store_only = !dry_run && !committed.written && !plan.taken_elsewhere.is_empty();
    if committed.written || store_only {
        // Still under the lock (the store read with the file is still current): another
        // command's cleanup must not remove the store's temp file, and two store updates
        // must not overwrite each other. The cache entry is written meanwhile; the files
        // they replace are removed after the lock.
        let replaced = std::thread::scope(|s| {
            let large = entry
                .as_ref()
                .is_some_and(|e| e.len() >= crate::text::PARALLEL_WRITE_BYTES);
            let (writer, entry) = match entry {
                Some(e) if large => (Some(s.spawn(move || e.write_aside())), None),
                e => (None, e),
            };
            let mut replaced = vec![entry.and_then(|e| e.write_aside())];
            for id in &plan.recorded {
                ledger.record(n, id, ctx.now);
            }
            for key in &plan.taken_elsewhere {
                ledger.take_elsewhere(key);
            }
            reconcile(&mut ledger, &after);
            let saved = journal(ctx, n, &plan).and_then(|()| ledger.save_aside());
            replaced.extend(writer.map(|w| w.join().ok().flatten()));
            saved.map(|old| {
                replaced.push(old);
                replaced
            })
        });
        // The file and the ledger change together: a ledger that cannot be written takes
        // the edit back.
        let replaced = match replaced {
            Ok(r) => r,
            Err(e) => {
                let undone = txn::undo(&ws.root, &committed.changes, &mut durable);
                let file = crate::text::slash_path(&rel);
                let what = match undone {
                    Ok(()) => format!("{file} was put back as it was: nothing was changed"),
                    Err(u) => format!("and putting {file} back failed too ({u:#})"),
                };
                return Err(crate::error::BatonError::new(
                    crate::error::Kind::Failed,
                    format!("could not write the claim ledger ({e:#}); {what}"),
                )
                .hint("check that .baton/ is writable and the disk is not full (`df -h .`), then run the command again")
                .into());
            }
        };
        for old in replaced {
            durable.later().remove(old);
        }
    }
    // Release the lock first, then make the rename durable: other instances don't wait on
    // the folder's fsync.
    drop(committed.lock);
    drop(durable);
    let file = crate::text::slash_path(&after.rel_path);
    let mut check = wire::LinkChecker::new(&ws.root);
    let (task, section) = match plan.target {
        Some(Target::Task(i)) => (Some(wire::task(&after, &file, i, &mut check)), None),
        Some(Target::Section(s)) => (None, Some(after.sections[s].path.as_slice())),
        None => (None, None),
    };
    let data = wire::ClaimData {
        action: plan.action,
        instance: n,
        dry_run,
        task,
        section,
        took_over: plan
            .took_over
            .iter()
            .chain(&plan.took_over_elsewhere)
            .copied()
            .collect(),
        changes: txn::preview(&committed.changes),
    };
    let out = Outcome::new(ctx, &data, render::claim);
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(after);
    out
}

/// With a remote: the tags of this file whose task the remote knows no claim of (written
/// by hand, merged in, or from before the remote was configured), as `claimed` events to
/// publish, so that no claim stays local-only. A task the remote holds for another
/// checkout is left to `check`.
fn unpublished_tags(
    ctx: &Ctx,
    doc: &Document,
    ledger: &ClaimStore,
    subject: Option<&crate::store::TaskId>,
) -> Vec<(String, Event)> {
    let known: std::collections::HashSet<&str> = ledger.claims.iter().map(|e| e.key()).collect();
    let tagged = doc
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.done && !t.claims.is_empty())
        .map(|(i, t)| (crate::claims::task_id(doc, i), t.claims[0].instance))
        .chain(
            doc.sections
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.claims.is_empty())
                .map(|(k, s)| (crate::claims::section_id(doc, k), s.claims[0].instance)),
        );
    tagged
        .filter(|(id, _)| {
            !known.contains(id.key.as_str()) && subject.is_none_or(|s| s.key != id.key)
        })
        .map(|(id, m)| {
            let key = id.key.clone();
            let e = Event::new(
                "claimed",
                Some(m),
                ctx.now,
                Some(id),
                ctx.ws.place(),
                &ctx.command,
            )
            .detail("adopted: tagged in TASKS.md, not yet on the remote");
            (key, e)
        })
        .collect()
}

/// The events a claim-like plan causes.
fn events(ctx: &Ctx, n: u32, plan: &Plan) -> Vec<Event> {
    let Some(kind) = plan.event else {
        return Vec::new();
    };
    let mut from = plan.took_over.clone();
    from.extend(plan.took_over_elsewhere.iter().copied());
    vec![
        Event::new(
            kind,
            Some(n),
            ctx.now,
            plan.subject.clone(),
            ctx.ws.place(),
            &ctx.command,
        )
        .from(from),
    ]
}

/// Record what a claim-like plan did in the journal (under the store lock).
fn journal(ctx: &Ctx, n: u32, plan: &Plan) -> anyhow::Result<()> {
    crate::store::Synced::settled(ctx.ws.place());
    let evs = events(ctx, n, plan);
    if evs.is_empty() {
        return Ok(());
    }
    crate::store::journal::append(&ctx.ws.store_dir(), &evs)
}
