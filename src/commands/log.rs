//! `baton log`: the journal of who did what, filtered by instance, task and time.

use crate::cli::LogArgs;
use crate::context::Ctx;
use crate::error::usage;
use crate::model::refs;
use crate::output::{Outcome, render, wire};
use chrono::{DateTime, FixedOffset, NaiveDate};

pub fn run(ctx: &Ctx, args: LogArgs) -> anyhow::Result<Outcome> {
    let since = args.since.as_deref().map(|w| when(ctx, w)).transpose()?;
    // A task named as `show` takes it: its identity in this checkout's file, else the text.
    let task = args.task.as_ref().map(|r| {
        let key = ctx.ws.load_tasks().ok().and_then(|doc| {
            refs::resolve(&doc, r)
                .ok()
                .map(|t| crate::claims::target_id(&doc, t))
                .map(|id| (id.key, id.reference))
        });
        (r.clone(), key)
    });
    // With a remote the journal is fetched: under the store lock, as every fetch is.
    let read = {
        let _lock = ctx.remote().map(|_| ctx.lock()).transpose()?;
        crate::store::read_journal(ctx.ws.place(), ctx.remote())?
    };
    let events = read
        .events
        .into_iter()
        .filter(|e| {
            args.instance
                .is_none_or(|n| e.instance == Some(n) || e.from.contains(&n))
        })
        .filter(|e| since.is_none_or(|t| e.at >= t))
        .filter(|e| match (&task, &e.task) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((r, key)), Some(t)) => {
                let bare = r.trim_start_matches('#');
                t.reference == *r
                    || t.key == *r
                    || t.number.as_deref() == Some(bare)
                    || key
                        .as_ref()
                        .is_some_and(|(k, rf)| t.key == *k || t.reference == *rf)
            }
        })
        .collect();
    let data = wire::LogData {
        events,
        source: read.source,
        skipped: read.skipped,
        fetched_at: read.fetched_at.map(|t| t.to_rfc3339()),
    };
    let mut warnings = Vec::new();
    if read.skipped > 0 {
        warnings.push(format!(
            "{} journal line(s) could not be read and were skipped",
            read.skipped
        ));
    }
    warnings.extend(read.warning);
    Ok(Outcome::new(ctx, &data, render::log)?.warn(warnings))
}

/// `--since WHEN`: an RFC 3339 time, a date, or an age back from now (`30m`, `2h`, `3d`).
fn when(ctx: &Ctx, w: &str) -> anyhow::Result<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(w.trim()) {
        return Ok(t);
    }
    if let Ok(d) = NaiveDate::parse_from_str(w.trim(), "%Y-%m-%d") {
        let t = d
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_local_timezone(*ctx.now.offset())
            .single();
        if let Some(t) = t {
            return Ok(t);
        }
    }
    match crate::config::parse_duration(w) {
        Ok(d) => Ok(ctx.now - chrono::Duration::seconds(d.as_secs() as i64)),
        Err(_) => Err(usage(format!(
            "--since `{w}` is neither a date (2026-01-15), a time (RFC 3339) nor an age (30m, 2h, 3d)"
        ))
        .hint("for example `baton log --since 2h`")
        .into()),
    }
}
