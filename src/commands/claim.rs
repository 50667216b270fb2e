//! `baton claim REF --instance N`: take a task or a whole section, atomically.

use super::require_instance;
use crate::cli::ClaimArgs;
use crate::context::Ctx;
use crate::edit::Edit;
use crate::error::{BatonError, refused};
use crate::model::Document;
use crate::model::edits;
use crate::model::refs::{self, Target};
use crate::model::tasks::ClaimUnit;
use crate::output::{Outcome, render, wire};
use crate::store::ClaimStore;
use crate::txn::{self, Changeset, Planned};

#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimOpts {
    pub also: bool,
    pub steal: bool,
    pub force: bool,
}

/// The result of planning a claim or a release on one document.
pub struct Plan {
    pub action: &'static str,
    pub target: Option<Target>,
    pub edits: Vec<Edit>,
    pub took_over: Vec<u32>,
    /// Ledger keys (task or section refs) whose claims this adds for the instance.
    pub recorded: Vec<(String, String)>,
}

pub fn run(ctx: &Ctx, args: ClaimArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "claim")?;
    let opts = ClaimOpts {
        also: args.also,
        steal: args.steal,
        force: args.force,
    };
    let reference = args.target.reference;
    execute(ctx, n, args.dry_run, |doc, ledger| {
        let target = refs::resolve(doc, &reference)?;
        plan_claim(ctx, doc, ledger, target, n, opts)
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
            let ledger = ClaimStore::load(ws);
            let plan = planner(&doc, &ledger)?;
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
    if committed.written {
        // Still under the lock (the ledger read with the file is still current): another
        // command's cleanup must not remove the ledger's temp file, and two ledger updates
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
            for (key, title) in &plan.recorded {
                ledger.record(n, key, title, ctx.now);
            }
            reconcile(&mut ledger, &after);
            let saved = ledger.save_aside(ws);
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
        took_over: plan.took_over.clone(),
        changes: txn::preview(&committed.changes),
    };
    let out = Outcome::new(ctx, &data, render::claim);
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(after);
    out
}

/// Drop ledger entries whose tag is gone from the document.
pub fn reconcile(ledger: &mut ClaimStore, doc: &Document) {
    let tagged = doc
        .tasks
        .iter()
        .map(|t| (&t.claims, &t.reference))
        .chain(doc.sections.iter().map(|s| (&s.claims, &s.reference)));
    let held: std::collections::HashSet<(u32, &str)> = tagged
        .flat_map(|(claims, key)| claims.iter().map(move |c| (c.instance, key.as_str())))
        .collect();
    ledger.reconcile(|inst, key| held.contains(&(inst, key)));
}

fn since_text(ctx: &Ctx, ledger: &ClaimStore, inst: u32, key: &str) -> String {
    match ledger.since(inst, key) {
        Some(t) => format!(
            " since {} ({} ago)",
            t.format("%Y-%m-%d %H:%M"),
            crate::clock::age(ctx.now_secs() - t.timestamp())
        ),
        None => " (since an unknown time: the tag was not written by baton)".into(),
    }
}

fn is_stale(ctx: &Ctx, ledger: &ClaimStore, inst: u32, key: &str) -> bool {
    ledger.since(inst, key).is_some_and(|t| {
        ctx.now_secs() - t.timestamp() > ctx.ws.config.stale_after().as_secs() as i64
    })
}

/// Plan claiming `target` for instance `n`.
pub fn plan_claim(
    ctx: &Ctx,
    doc: &Document,
    ledger: &ClaimStore,
    target: Target,
    n: u32,
    opts: ClaimOpts,
) -> anyhow::Result<Plan> {
    let (key, label, holders) = match target {
        Target::Task(i) => {
            let t = &doc.tasks[i];
            if t.done {
                return Err(refused(format!(
                    "task {} `{}` is already done",
                    t.reference,
                    doc.label(i)
                ))
                .hint("pick another with `baton next`, or `baton reopen` it first")
                .into());
            }
            let heading = doc.heading_claims(i);
            if doc.claimants(i).contains(&n) {
                return Ok(Plan::unchanged(target));
            }
            if let Some(&m) = heading.iter().find(|&&m| m != n) {
                return Err(refused(format!(
                    "task {} `{}` is claimed by Instance {m} through its section heading",
                    t.reference,
                    doc.label(i)
                ))
                .hint("pick another task with `baton next`, or ask that instance to release the section")
                .into());
            }
            let holders: Vec<(u32, String)> = t
                .claims
                .iter()
                .map(|c| (c.instance, t.reference.to_string()))
                .collect();
            (t.reference.to_string(), doc.label(i), holders)
        }
        Target::Section(s) => {
            let sec = &doc.sections[s];
            if sec.claims.iter().any(|c| c.instance == n) {
                return Ok(Plan::unchanged(target));
            }
            // Open tasks inside held by someone else (by tag or a nested heading) block a heading claim.
            let within = |off: usize| off > sec.range.start && off < sec.end;
            let mut inside: Vec<String> = (0..doc.tasks.len())
                .filter(|&i| !doc.tasks[i].done && within(doc.tasks[i].item.start))
                .filter_map(|i| {
                    let t = &doc.tasks[i];
                    t.claims.iter().find(|c| c.instance != n).map(|c| {
                        format!(
                            "{} `{}` (Instance {})",
                            t.reference,
                            doc.label(i),
                            c.instance
                        )
                    })
                })
                .collect();
            inside.extend(
                doc.sections
                    .iter()
                    .filter(|k| within(k.range.start))
                    .filter_map(|k| {
                        k.claims.iter().find(|c| c.instance != n).map(|c| {
                            format!(
                                "section {} `{}` (Instance {})",
                                k.reference, k.title, c.instance
                            )
                        })
                    }),
            );
            if !inside.is_empty() {
                return Err(refused(format!(
                    "cannot claim the section `{}`: tasks in it are held by other instances: {}",
                    sec.title,
                    inside.join(", ")
                ))
                .hint("claim a single task instead, or wait until they are released")
                .into());
            }
            let holders = sec
                .claims
                .iter()
                .map(|c| (c.instance, sec.reference.to_string()))
                .collect();
            (sec.reference.to_string(), sec.title.to_string(), holders)
        }
    };
    let others: Vec<(u32, String)> = holders.into_iter().filter(|(m, _)| *m != n).collect();
    if !others.is_empty() {
        let all_stale = others.iter().all(|(m, k)| is_stale(ctx, ledger, *m, k));
        let allowed = opts.force || (opts.steal && all_stale);
        if !allowed {
            let who: Vec<String> = others
                .iter()
                .map(|(m, k)| format!("Instance {m}{}", since_text(ctx, ledger, *m, k)))
                .collect();
            let hint = if opts.steal {
                "the claim is not stale yet: take it anyway with `--force`, or pick another task with `baton next`".to_string()
            } else if all_stale {
                "the claim is stale: take it over with `--steal`".to_string()
            } else {
                "pick another task with `baton next`; take over a stale claim with `--steal`, any claim with `--force`".to_string()
            };
            return Err(BatonError::new(
                crate::error::Kind::Refused,
                format!("`{label}` is held by {}", who.join(" and ")),
            )
            .hint(hint)
            .detail(serde_json::json!({
                "holders": others.iter().map(|(m, k)| serde_json::json!({
                    "instance": m,
                    "since": ledger.since(*m, k).map(|t| t.to_rfc3339()),
                })).collect::<Vec<_>>()
            }))
            .into());
        }
    }
    // max_claims
    if !opts.also {
        let held: Vec<ClaimUnit> = doc
            .claim_units(n)
            .into_iter()
            .filter(|u| match u {
                ClaimUnit::Task(i) => !doc.tasks[*i].done,
                ClaimUnit::Section(_) => true,
            })
            .collect();
        let max = ctx.ws.config.max_claims;
        if held.len() >= max {
            let names: Vec<String> = held
                .iter()
                .map(|u| match u {
                    ClaimUnit::Task(i) => {
                        format!("{} `{}`", doc.tasks[*i].reference, doc.label(*i))
                    }
                    ClaimUnit::Section(s) => format!(
                        "{} `{}`",
                        doc.sections[*s].reference, doc.sections[*s].title
                    ),
                })
                .collect();
            let first = match held[0] {
                ClaimUnit::Task(i) => doc.tasks[i].reference.clone(),
                ClaimUnit::Section(s) => doc.sections[s].reference.clone(),
            };
            return Err(refused(format!(
                "Instance {n} already holds {} claim{} (max_claims is {max}): {}",
                held.len(),
                if held.len() == 1 { "" } else { "s" },
                names.join(", ")
            ))
            .hint(format!(
                "finish it with `baton done {first} --instance {n}` or release it with `baton release {first} --instance {n}`; `--also` holds both"
            ))
            .into());
        }
    }
    // A takeover turns the first holder's tag into ours and drops the rest; otherwise insert.
    let tags = match target {
        Target::Task(i) => &doc.tasks[i].claims,
        Target::Section(s) => &doc.sections[s].claims,
    };
    let mut edit_list = Vec::new();
    let mut others_tags = tags.iter().filter(|c| c.instance != n);
    match others_tags.next() {
        Some(first) => {
            edit_list.push(Edit::replace(first.range.clone(), edits::tag(n)));
            edit_list.extend(others_tags.map(|c| edits::remove_tag(&doc.text, c.range.clone())));
        }
        None => edit_list.push(match target {
            Target::Task(i) => edits::claim_task(doc, i, n),
            Target::Section(s) => edits::claim_section(doc, s, n),
        }),
    }
    Ok(Plan {
        action: "claimed",
        target: Some(target),
        edits: edit_list,
        took_over: others.iter().map(|(m, _)| *m).collect(),
        recorded: vec![(key, label)],
    })
}

impl Plan {
    /// Already as asked: nothing to write.
    pub fn unchanged(target: Target) -> Plan {
        Plan {
            action: "unchanged",
            target: Some(target),
            edits: Vec::new(),
            took_over: Vec::new(),
            recorded: Vec::new(),
        }
    }

    /// `next --claim` found no ready task.
    pub fn none() -> Plan {
        Plan {
            action: "none",
            target: None,
            edits: Vec::new(),
            took_over: Vec::new(),
            recorded: Vec::new(),
        }
    }
}
