//! `baton start --instance N`: the session-start briefing, and the snapshot `ess` uses.

use super::require_instance;
use super::status::claims_of;
use crate::cli::StartArgs;
use crate::context::Ctx;
use crate::model::deps::Deps;
use crate::model::session::InstanceDoc;
use crate::output::{Outcome, render, waits, wire};
use crate::sessions::{brief, git, snapshot::Snapshot};

const NEXT_SHOWN: usize = 3;

pub fn run(ctx: &Ctx, args: StartArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "start")?;
    let ws = &ctx.ws;
    let doc = ws.load_tasks()?;
    super::instance::require_declared(ws, &doc, n)?;
    let file = crate::text::slash_path(&doc.rel_path);
    let (ledger, stale_warning) =
        crate::store::load_for_reading(ws.place(), ctx.remote(), ctx.now, || ctx.lock())?;
    let files = ws.instance_files()?;
    let mut warnings: Vec<String> = stale_warning.into_iter().collect();
    // Claims made in other checkouts (worktrees, clones), by instance.
    let mut far = super::status::elsewhere_claims(ctx, &ledger);
    let elsewhere = crate::claims::Elsewhere::new(&ledger);

    let mut docs: Vec<(u32, String, InstanceDoc)> = Vec::new();
    for f in &files {
        match ws.read_text(&f.rel) {
            Ok(t) => docs.push((
                f.instance,
                crate::text::slash_path(&f.rel),
                InstanceDoc::parse(t),
            )),
            Err(e) => warnings.push(format!("{}: {e}", crate::text::slash_path(&f.rel))),
        }
    }
    let own = docs.iter().find(|d| d.0 == n);

    let mut ids = doc.instances_named();
    ids.extend(docs.iter().map(|d| d.0));
    ids.extend(far.keys().copied());
    let mut units = doc.claim_units_all();
    let deps = Deps::build(&doc);
    let others = ids
        .into_iter()
        .filter(|&m| m != n)
        .map(|m| {
            let d = docs.iter().find(|d| d.0 == m);
            wire::OtherInstance {
                instance: m,
                file: d.map(|d| d.1.clone()),
                latest: d.and_then(|d| d.2.latest()).map(wire::entry),
                claims: claims_of(ctx, &doc, &deps, &ledger, m, &mut units, &mut far),
                coordination: doc
                    .coordination
                    .as_ref()
                    .and_then(|c| c.row(m))
                    .map(|r| r.task.to_string()),
            }
        })
        .collect();

    let mut check = wire::LinkChecker::new(&ws.root);
    let next = (0..doc.tasks.len())
        .filter(|&i| crate::claims::is_ready(&doc, &deps, &elsewhere, i, Some(n)))
        .take(NEXT_SHOWN)
        .map(|i| wire::task(&doc, &file, i, &mut check))
        .collect();
    let rules = brief::rule_breaks(ws, &doc, own.map(|d| &d.2), n)
        .into_iter()
        .map(|r| wire::RuleWire {
            rule: r.rule,
            message: r.message,
            hint: r.hint,
        })
        .collect();

    let previous = Snapshot::load(ws, n);
    let snap = Snapshot::take(&doc, n, ctx.now, git::head(&ws.root));
    snap.save(ws)?;
    let data = wire::StartData {
        instance: n,
        file: own.map(|d| d.1.clone()),
        claims: claims_of(ctx, &doc, &deps, &ledger, n, &mut units, &mut far),
        last_session: own.and_then(|d| d.2.latest()).map(wire::entry),
        others,
        next,
        blocked: waits::blocked(&doc, &deps, Some(n)),
        rules,
        snapshot: wire::SnapshotWire {
            path: Snapshot::rel(n),
            started_at: snap.started_at.to_rfc3339(),
            git_head: snap.git_head.clone(),
            tasks: snap.tasks.len(),
            // A session that ran `ess` ended properly.
            replaced: previous
                .filter(|p| p.ess_session.is_none())
                .map(|p| p.started_at.to_rfc3339()),
        },
    };
    Ok(Outcome::new(ctx, &data, render::start)?.warn(warnings))
}
