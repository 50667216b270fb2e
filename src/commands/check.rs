//! `baton check [--fix] [--dry-run] [--strict]`: every workflow rule, with safe fixes.

use crate::check::{self, Diagnostic, Docs};
use crate::cli::CheckArgs;
use crate::context::Ctx;
use crate::error::{BatonError, Kind};
use crate::output::{Outcome, render, wire};
use crate::store::ClaimStore;
use crate::txn::{self, Planned};

pub fn run(ctx: &Ctx, args: CheckArgs) -> anyhow::Result<Outcome> {
    let ws = &ctx.ws;
    let now = ctx.now_secs();
    let (remaining, fixed, changes) = if args.fix {
        // Splices first, then the archive sweep, then session rotations: each phase one
        // locked transaction, planned on the state the previous one left.
        let mut fixed = Vec::new();
        let mut preview = txn::Preview::default();
        let mut written = false;
        let mut first = None;
        for phase in [
            check::plan_fixes,
            check::plan_archive_fix,
            check::plan_rotation_fix,
        ] {
            let committed = txn::transact(ctx, args.dry_run, || {
                let docs = Docs::load(ws, now)?;
                let diags = check::run_rules(ws, &docs);
                let (changes, fixed) = phase(ws, &docs, &diags)?;
                Ok(Planned {
                    changes,
                    value: (diags, fixed),
                })
            })?;
            let (diags, f) = committed.value;
            first.get_or_insert(diags);
            fixed.extend(f);
            written |= committed.written;
            let p = txn::preview(&committed.changes);
            preview.moves.extend(p.moves);
            preview.creates.extend(p.creates);
            preview.hunks.extend(p.hunks);
        }
        let remaining = if written {
            let docs = Docs::load(ws, now)?;
            // Tags the fixes removed are no longer claims: drop their ledger entries.
            let mut ledger = ClaimStore::load(ws);
            super::claim::reconcile(&mut ledger, &docs.tasks);
            let _lock = ctx.lock()?;
            if let Some(note) = super::done::unsaved(ledger.save(ws)) {
                eprintln!("baton: warning: {note}");
            }
            check::run_rules(ws, &docs)
        } else {
            first.unwrap_or_default()
        };
        (remaining, fixed, preview)
    } else {
        let docs = Docs::load(ws, now)?;
        (
            check::run_rules(ws, &docs),
            Vec::new(),
            txn::Preview::default(),
        )
    };
    let sum = check::summarize(&remaining);
    let data = wire::CheckData {
        diagnostics: remaining.iter().map(wire::diagnostic).collect(),
        summary: wire::CheckSummary {
            errors: sum.errors,
            warnings: sum.warnings,
            fixable: sum.fixable,
        },
        strict: args.strict,
        fix: args.fix,
        dry_run: args.dry_run,
        fixed: fixed.iter().map(wire::diagnostic).collect(),
        changes,
    };
    let failing = sum.errors + if args.strict { sum.warnings } else { 0 };
    let out = Outcome::new(ctx, &data, render::check)?;
    if failing == 0 {
        return Ok(out);
    }
    Ok(out.fail(failure(&remaining, sum, args.strict)))
}

fn failure(diags: &[Diagnostic], sum: check::Summary, strict: bool) -> BatonError {
    let what = if strict && sum.errors == 0 {
        format!(
            "check found {} (--strict counts them as errors)",
            count(sum.warnings, "warning")
        )
    } else {
        format!("check found {}", count(sum.errors, "error"))
    };
    let hint = if sum.fixable > 0 {
        format!(
            "`baton check --fix` fixes {} of the {} problems; see each `help:` for the rest",
            sum.fixable,
            diags.len()
        )
    } else {
        "see each `help:` for how to fix it".to_string()
    };
    BatonError::new(Kind::Failed, what).hint(hint)
}

fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}
