//! `baton status`: the coordination board.

use crate::context::Ctx;
use crate::model::deps::Deps;
use crate::model::session;
use crate::model::tasks::ClaimUnit;
use crate::model::{Document, Str};
use crate::output::{Outcome, render, waits, wire};
use crate::store::ClaimStore;

pub fn run(ctx: &Ctx) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let doc = ws.load_tasks()?;
    let file = crate::text::slash_path(&doc.rel_path);
    let (ledger, stale_warning) =
        crate::store::load_for_reading(ws.place(), ctx.remote(), ctx.now, || ctx.lock())?;
    let files = ws.instance_files()?;
    let mut warnings: Vec<String> = stale_warning.into_iter().collect();
    warnings.extend(super::conflict_warning(&doc));
    let mut far = elsewhere_claims(ctx, &ledger);
    let deps = Deps::build(&doc);

    let mut ids = doc.instances_named();
    ids.extend(far.keys().copied());
    ids.extend(files.iter().map(|f| f.instance));
    let mut units = doc.claim_units_all();

    let instances = ids
        .into_iter()
        .map(|n| {
            let f = files.iter().find(|f| f.instance == n);
            let last_session = f.and_then(|f| match ws.read_text(&f.rel) {
                Ok(text) => latest_entry(&text),
                Err(e) => {
                    warnings.push(format!("{}: {e}", crate::text::slash_path(&f.rel)));
                    None
                }
            });
            wire::InstanceStatus {
                instance: n,
                file: f.map(|f| crate::text::slash_path(&f.rel)),
                claims: claims_of(ctx, &doc, &deps, &ledger, n, &mut units, &mut far),
                coordination: doc
                    .coordination
                    .as_ref()
                    .and_then(|c| c.row(n))
                    .map(|r| r.task.to_string()),
                last_session,
            }
        })
        .collect();

    let sections = section_counts(&doc);
    let open = doc.tasks.iter().filter(|t| !t.state.finished()).count();
    let done = doc.tasks.iter().filter(|t| t.done).count();
    let mut check = wire::LinkChecker::new(&ws.root);
    let elsewhere = crate::claims::Elsewhere::new(&ledger);
    let next = (0..doc.tasks.len())
        .find(|&i| crate::claims::is_ready(&doc, &deps, &elsewhere, i, None))
        .map(|i| wire::task(&doc, &file, i, &mut check));
    let blocked = waits::blocked(&doc, &deps, None);
    let data = wire::StatusData {
        file: &file,
        instances,
        sections,
        open,
        done,
        next,
        blocked,
    };
    let out = Outcome::new(ctx, &data, render::status)?.warn(warnings);
    crate::output::leak_at_exit(data);
    crate::output::leak_at_exit(doc);
    Ok(out)
}

/// The newest session entry: the highest session number, else the first listed.
pub fn latest_entry(text: &str) -> Option<wire::SessionWire> {
    let entries = session::entries(text);
    let best = entries
        .iter()
        .filter(|e| e.session.is_some())
        .max_by_key(|e| e.session)
        .or(entries.first())?;
    Some(wire::SessionWire {
        session: best.session,
        date: best.date.clone(),
        title: best.title.clone(),
    })
}

/// The claims instance `n` holds (its `units`), with their age from the ledger.
pub fn held_claims(
    ctx: &Ctx,
    doc: &Document,
    deps: &Deps,
    ledger: &ClaimStore,
    n: u32,
    units: Vec<ClaimUnit>,
) -> Vec<wire::HeldClaim> {
    units
        .into_iter()
        .map(|u| {
            let (scope, reference, label, line, blocked_by) = match u {
                ClaimUnit::Task(i) => (
                    "task",
                    doc.tasks[i].reference.to_string(),
                    doc.label(i),
                    doc.tasks[i].line,
                    // A claimed task that came to wait for unfinished work (a dependency
                    // written, or a task it names reopened): its holder should know.
                    if doc.tasks[i].state.finished() {
                        Vec::new()
                    } else {
                        deps.blockers(doc, i)
                            .iter()
                            .map(|w| waits::wait(doc, deps, w))
                            .collect()
                    },
                ),
                ClaimUnit::Section(s) => (
                    "section",
                    doc.sections[s].reference.to_string(),
                    doc.sections[s].title.to_string(),
                    doc.sections[s].line,
                    Vec::new(),
                ),
            };
            let (since, age_secs, stale) = aged(ctx, ledger.since(n, &reference));
            wire::HeldClaim {
                scope,
                reference,
                label,
                line,
                since,
                age_secs,
                stale,
                elsewhere: None,
                blocked_by,
            }
        })
        .collect()
}

/// Every claim instance `n` holds: its tags here (taken out of `units`), then the claims
/// it holds in other checkouts (taken out of `far`).
pub fn claims_of(
    ctx: &Ctx,
    doc: &Document,
    deps: &Deps,
    ledger: &crate::store::ClaimStore,
    n: u32,
    units: &mut std::collections::BTreeMap<u32, Vec<ClaimUnit>>,
    far: &mut std::collections::BTreeMap<u32, Vec<wire::HeldClaim>>,
) -> Vec<wire::HeldClaim> {
    let mut c = held_claims(
        ctx,
        doc,
        deps,
        ledger,
        n,
        units.remove(&n).unwrap_or_default(),
    );
    c.extend(far.remove(&n).unwrap_or_default());
    c
}

/// The claims made in other checkouts, by instance.
pub fn elsewhere_claims(
    ctx: &Ctx,
    ledger: &crate::store::ClaimStore,
) -> std::collections::BTreeMap<u32, Vec<wire::HeldClaim>> {
    let mut out: std::collections::BTreeMap<u32, Vec<wire::HeldClaim>> = Default::default();
    for e in ledger.all_elsewhere() {
        out.entry(e.instance)
            .or_default()
            .push(held_elsewhere(ctx, e, 0));
    }
    out
}

/// The claims made in other checkouts of the tasks `tasks` of `doc` (their lines here).
pub fn elsewhere_of_tasks(
    ctx: &Ctx,
    ledger: &crate::store::ClaimStore,
    doc: &Document,
    tasks: impl IntoIterator<Item = usize>,
) -> Vec<wire::HeldClaim> {
    let far = crate::claims::Elsewhere::new(ledger);
    if far.is_empty() {
        return Vec::new();
    }
    tasks
        .into_iter()
        .flat_map(|i| far.of_task(doc, i).into_iter().map(move |e| (i, e)))
        .map(|(i, e)| held_elsewhere(ctx, e, doc.tasks[i].line))
        .collect()
}

fn held_elsewhere(ctx: &Ctx, e: &crate::store::Entry, line: usize) -> wire::HeldClaim {
    let (since, age_secs, stale) = aged(ctx, e.since());
    wire::HeldClaim {
        scope: if e.key().starts_with("s:") {
            "section"
        } else {
            "task"
        },
        reference: e.task.clone(),
        label: crate::store::label(e.number.as_deref(), &e.title),
        line,
        since,
        age_secs,
        stale,
        elsewhere: e.checkout().cloned(),
        blocked_by: Vec::new(),
    }
}

/// A claim's `since`, `age_secs` and `stale`, from when it was taken (none of them known
/// for a tag baton did not write).
fn aged(
    ctx: &Ctx,
    since: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> (Option<String>, Option<i64>, bool) {
    let rules = crate::claims::Rules::of(&ctx.ws, ctx.now);
    let age = since.map(|t| rules.age(t));
    (
        since.map(|t| t.to_rfc3339()),
        age,
        age.is_some_and(|a| rules.is_stale(a)),
    )
}

/// Open/done counts per top-level section (a title heading shared by every task is skipped).
fn section_counts(doc: &Document) -> Vec<wire::SectionCount> {
    let paths: Vec<&[Str]> = doc
        .tasks
        .iter()
        .map(|t| {
            t.section
                .map(|s| doc.sections[s].path.as_slice())
                .unwrap_or(&[])
        })
        .collect();
    let mut depth = 0;
    loop {
        let first = paths.first().and_then(|p| p.get(depth));
        if first.is_some()
            && paths
                .iter()
                .all(|p| p.len() > depth + 1 && p.get(depth) == first)
        {
            depth += 1;
        } else {
            break;
        }
    }
    let mut out: Vec<wire::SectionCount> = Vec::new();
    // Index by name: a linear search per task made this quadratic on large plans.
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    // Tasks come in runs of one section: look a name up only when it changes.
    let mut last: Option<(&str, usize)> = None;
    for (t, p) in doc.tasks.iter().zip(&paths) {
        let name = p.get(depth).map_or("(no section)", Str::as_str);
        let at = match last {
            Some((n, at)) if n == name => at,
            _ => *index.entry(name).or_insert_with(|| {
                out.push(wire::SectionCount {
                    section: name.to_string(),
                    open: 0,
                    done: 0,
                });
                out.len() - 1
            }),
        };
        last = Some((name, at));
        let entry = &mut out[at];
        if t.done {
            entry.done += 1;
        } else if !t.state.finished() {
            entry.open += 1;
        }
    }
    out
}
