//! `baton instance add N` and `baton instance list`: the instances a workspace declares
//! (instance files and coordination rows), and adding one to a workspace made earlier.

use crate::cli::InstanceCommand;
use crate::context::Ctx;
use crate::error::refused;
use crate::model::Document;
use crate::model::coord::AVAILABLE;
use crate::output::Outcome;
use crate::txn::{self, Changeset, Planned};
use crate::workspace::Workspace;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct InstanceWire {
    instance: u32,
    /// The session file, when it exists.
    file: Option<String>,
    /// The coordination row's current task, when the table has a row.
    coordination: Option<String>,
}

#[derive(Serialize)]
struct ListData {
    instances: Vec<InstanceWire>,
}

#[derive(Serialize)]
struct AddData {
    instance: u32,
    dry_run: bool,
    created: Option<String>,
    row_added: bool,
    changes: txn::Preview,
}

pub fn run(ctx: &Ctx, cmd: InstanceCommand) -> anyhow::Result<Outcome> {
    match cmd {
        InstanceCommand::List => list(ctx),
        InstanceCommand::Add(a) => add(ctx, a.number, a.dry_run),
    }
}

/// The instances the workspace declares: by session file and by coordination row.
fn declared(ws: &Workspace, doc: &Document) -> anyhow::Result<Vec<InstanceWire>> {
    let mut by: BTreeMap<u32, InstanceWire> = BTreeMap::new();
    for f in ws.instance_files()? {
        by.entry(f.instance)
            .or_insert(InstanceWire {
                instance: f.instance,
                file: None,
                coordination: None,
            })
            .file = Some(crate::text::slash_path(&f.rel));
    }
    if let Some(t) = &doc.coordination {
        for r in &t.rows {
            by.entry(r.instance)
                .or_insert(InstanceWire {
                    instance: r.instance,
                    file: None,
                    coordination: None,
                })
                .coordination = Some(r.task.to_string());
        }
    }
    Ok(by.into_values().collect())
}

/// Refuse an instance the workspace does not declare. A workspace declares its instances
/// once it has session files (their coordination rows count too); a lone tasks file, whose
/// table may list only some of the instances at work, declares none.
pub fn require_declared(ws: &Workspace, doc: &Document, n: u32) -> anyhow::Result<()> {
    let known = declared(ws, doc)?;
    let ids: Vec<u32> = known.iter().map(|i| i.instance).collect();
    if !known.iter().any(|i| i.file.is_some()) || ids.contains(&n) {
        return Ok(());
    }
    let names: Vec<String> = ids.iter().map(u32::to_string).collect();
    Err(refused(format!(
        "Instance {n} is not declared in this workspace (its instances: {})",
        names.join(", ")
    ))
    .hint(format!(
        "use one of them, or add it with `baton instance add {n}`"
    ))
    .into())
}

fn list(ctx: &Ctx) -> anyhow::Result<Outcome> {
    let doc = ctx.ws.load_tasks()?;
    let data = ListData {
        instances: declared(&ctx.ws, &doc)?,
    };
    Outcome::new(ctx, &data, |d, _| {
        let mut out = String::new();
        for i in &d.instances {
            out.push_str(&format!(
                "Instance {}  file: {}  coordination: {}\n",
                i.instance,
                i.file.as_deref().unwrap_or("(none)"),
                i.coordination.as_deref().unwrap_or("(no row)")
            ));
        }
        if d.instances.is_empty() {
            out.push_str("no instance declared: add one with `baton instance add 1`\n");
        }
        out
    })
}

fn add(ctx: &Ctx, n: u32, dry_run: bool) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let committed = txn::transact(ctx, dry_run, || {
        let doc = ws.load_tasks()?;
        let known = declared(ws, &doc)?;
        let has_file = known.iter().any(|i| i.instance == n && i.file.is_some());
        let rel = ws.instance_rel(n);
        let has_row = doc
            .coordination
            .as_ref()
            .is_some_and(|t| t.row(n).is_some());
        let wants_row = doc.coordination.is_some() && !has_row;
        if (has_file || ws.abs(&rel).exists()) && !wants_row {
            return Err(refused(format!("Instance {n} is declared already"))
                .hint("see the instances with `baton instance list`")
                .into());
        }
        let mut changes = Changeset::default();
        let mut created = None;
        if !has_file && !ws.abs(&rel).exists() {
            let mut all: Vec<u32> = known.iter().map(|i| i.instance).collect();
            all.push(n);
            all.sort_unstable();
            all.dedup();
            let text = crate::sessions::init::instance_file(n, &all, &ws.config);
            changes.create(&rel, text);
            created = Some(crate::text::slash_path(&rel));
        }
        if wants_row && let Some(e) = row_edit(&doc, n) {
            changes.edit(&doc.rel_path, &doc.text, vec![e])?;
        }
        Ok(Planned {
            changes,
            value: (created, wants_row),
        })
    })?;
    let (created, row_added) = committed.value.clone();
    let data = AddData {
        instance: n,
        dry_run,
        created,
        row_added,
        changes: txn::preview(&committed.changes),
    };
    Outcome::new(ctx, &data, |d, _| {
        let verb = if d.dry_run { "would add" } else { "added" };
        let mut out = format!("{verb} Instance {}\n", d.instance);
        if let Some(f) = &d.created {
            out.push_str(&format!("  session file {f}\n"));
        }
        if d.row_added {
            out.push_str("  a coordination row\n");
        }
        out.push_str(&format!("next: baton start --instance {}\n", d.instance));
        out
    })
}

/// A coordination row `| N | Available |` after the table's last row, with as many cells.
fn row_edit(doc: &Document, n: u32) -> Option<crate::edit::Edit> {
    let t = doc.coordination.as_ref()?;
    let last = t.rows.last()?;
    let text = doc.text.as_str();
    let start = doc.lines.start_of(last.line)?;
    let end = crate::text::line_end(text, start);
    let cells = text[start..end].trim().trim_matches('|').split('|').count();
    let nl = crate::text::newline_of(text);
    let row = format!(
        "| {n} | {AVAILABLE} |{}",
        " |".repeat(cells.saturating_sub(2))
    );
    Some(crate::edit::Edit::insert(end, format!("{nl}{row}")))
}
