//! `baton reopen REF`: undo a tick (or a cancellation). Nothing archived comes back.

use super::done::task_ref;
use crate::cli::ReopenArgs;
use crate::context::Ctx;
use crate::lifecycle;
use crate::model::edits;
use crate::output::{Outcome, render, wire};
use crate::store::{Event, journal};
use crate::txn::{self, Changeset, Planned};

pub fn run(ctx: &Ctx, args: ReopenArgs) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let reference = args.target.reference;
    let committed = txn::transact(ctx, args.dry_run, || {
        let doc = ws.load_tasks()?;
        let i = task_ref(&doc, &reference, "reopen")?;
        // Done and cancelled tasks reopen; unfinished ones are open already.
        if !doc.tasks[i].state.finished() {
            return Ok(Planned {
                changes: Changeset::default(),
                value: (doc, i, false),
            });
        }
        let edit = vec![lifecycle::untick(&doc, i)];
        let after = ws.parse_tasks(crate::edit::apply(&doc.text, &edit)?);
        edits::verify_only(&doc, &after, &[i], &[])?;
        let mut changes = Changeset::default();
        changes.edit(&doc.rel_path, &doc.text, edit)?;
        Ok(Planned {
            changes,
            value: (after, i, true),
        })
    })?;
    let (after, i, reopened) = committed.value;
    if committed.written {
        let id = crate::claims::task_id(&after, i);
        let e = Event::new(
            "reopened",
            None,
            ctx.now,
            Some(id),
            ws.place(),
            &ctx.command,
        );
        journal::append(&ws.store_dir(), &[e])?;
    }
    let file = crate::text::slash_path(&after.rel_path);
    let mut check = wire::LinkChecker::new(&ws.root);
    let data = wire::DoneData {
        action: if reopened { "reopened" } else { "unchanged" },
        instance: None,
        dry_run: args.dry_run,
        task: Some(wire::task(&after, &file, i, &mut check)),
        released: Vec::new(),
        archived: Vec::new(),
        skipped: Vec::new(),
        changes: txn::preview(&committed.changes),
        stays_archived: if reopened {
            archived_links(&after, i, &ws.config)
        } else {
            Vec::new()
        },
    };
    Outcome::new(ctx, &data, render::done)
}

/// The files in the archive that task `i` links (its own links and its section's).
fn archived_links(
    doc: &crate::model::Document,
    i: usize,
    config: &crate::config::Config,
) -> Vec<String> {
    let dirs = [
        std::path::Path::new(&config.archive.specs),
        std::path::Path::new(&config.archive.research),
    ];
    let mut out: Vec<String> = Vec::new();
    for l in doc.tasks[i].links.iter().chain(doc.inherited_links(i)) {
        if let crate::model::links::Target::Local(p) = &l.resolved {
            let p = std::path::Path::new(p.as_str());
            let shown = crate::text::slash_path(p);
            if dirs.iter().any(|d| p.starts_with(d)) && !out.contains(&shown) {
                out.push(shown);
            }
        }
    }
    out
}
