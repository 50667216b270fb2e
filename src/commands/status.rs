//! `baton status`: the coordination board.

use crate::context::Ctx;
use crate::model::session;
use crate::model::tasks::ClaimUnit;
use crate::model::{Document, Str};
use crate::output::{Outcome, render, wire};
use crate::store::ClaimStore;

pub fn run(ctx: &Ctx) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let doc = ws.load_tasks()?;
    let file = crate::text::slash_path(&doc.rel_path);
    let ledger = ClaimStore::load(ws);
    let files = ws.instance_files()?;
    let mut warnings = super::conflict_warning(&doc);

    let mut ids = doc.instances_named();
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
                claims: held_claims(ctx, &doc, &ledger, n, units.remove(&n).unwrap_or_default()),
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
    let open = doc.tasks.iter().filter(|t| !t.done).count();
    let mut check = wire::LinkChecker::new(&ws.root);
    let next = (0..doc.tasks.len())
        .find(|&i| doc.is_ready(i, None))
        .map(|i| wire::task(&doc, &file, i, &mut check));
    let data = wire::StatusData {
        file: &file,
        instances,
        sections,
        open,
        done: doc.tasks.len() - open,
        next,
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
    ledger: &ClaimStore,
    n: u32,
    units: Vec<ClaimUnit>,
) -> Vec<wire::HeldClaim> {
    let stale_after = ctx.ws.config.stale_after().as_secs() as i64;
    units
        .into_iter()
        .map(|u| {
            let (scope, reference, label, line) = match u {
                ClaimUnit::Task(i) => (
                    "task",
                    doc.tasks[i].reference.to_string(),
                    doc.label(i),
                    doc.tasks[i].line,
                ),
                ClaimUnit::Section(s) => (
                    "section",
                    doc.sections[s].reference.to_string(),
                    doc.sections[s].title.to_string(),
                    doc.sections[s].line,
                ),
            };
            let since = ledger.since(n, &reference);
            let age = since.map(|t| ctx.now_secs() - t.timestamp());
            wire::HeldClaim {
                scope,
                reference,
                label,
                line,
                since: since.map(|t| t.to_rfc3339()),
                age_secs: age,
                stale: age.is_some_and(|a| a > stale_after),
            }
        })
        .collect()
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
        } else {
            entry.open += 1;
        }
    }
    out
}
