//! `baton ess --instance N --title T --summary S`: end a session in one command.

use super::require_instance;
use crate::cli::EssArgs;
use crate::context::Ctx;
use crate::error::{BatonError, Kind, usage};
use crate::output::{Outcome, render, wire};
use crate::sessions::ess::{self, COMPLETE};
use crate::sessions::verify::Verdict;
use crate::sessions::{checks, git, snapshot::Snapshot};
use crate::store::{Event, journal};
use crate::txn::{self, Planned};

pub fn run(ctx: &Ctx, args: EssArgs) -> anyhow::Result<Outcome> {
    let n = require_instance(args.instance.instance, "ess")?;
    let ws = &ctx.ws;
    // Before the checks run: `ess` would create the session file of an unknown instance.
    super::instance::require_declared(ws, &ws.load_tasks()?, n)?;
    let title = args.title.trim().to_string();
    if title.is_empty() || title.contains(['\n', '\r']) {
        return Err(usage("--title takes one non-empty line")
            .hint(format!("e.g. `baton ess --instance {n} --title \"Phase 4.0 Database Concurrency\" --summary \"...\"`"))
            .into());
    }
    if args.summary.trim().is_empty() {
        return Err(usage("--summary must say what happened in the session")
            .hint(format!(
                "e.g. `baton ess --instance {n} --title \"{title}\" --summary \"Implemented ...\"`"
            ))
            .into());
    }
    let mut notes = Vec::new();
    let snapshot = Snapshot::load(ws, n);
    if snapshot.is_none() {
        notes.push(format!(
            "no start snapshot ({}): tasks come from Instance {n}'s claims and the claim ledger, files from git (changes since HEAD, untracked included); run `baton start --instance {n}` at the start of the next session",
            Snapshot::rel(n)
        ));
    }
    let base = snapshot.as_ref().and_then(|s| s.git_head.clone());
    let files = git::changes_since(&ws.root, base.as_deref());
    if files.is_none() {
        notes.push(
            "not a git repository (or git is missing): no Files Created/Modified/Deleted".into(),
        );
    }
    // Checks run before the lock is taken: they can take minutes, and other instances must
    // still be able to claim meanwhile.
    let cfg_checks = &ws.config.ess.checks;
    let timeout = ws.config.check_timeout();
    let check_results = if args.dry_run {
        checks::skipped(cfg_checks)
    } else {
        checks::run_all(&ws.root, &ws.state_dir(), cfg_checks, timeout)
    };
    // The journal says who finished what since this instance's last entry.
    let journal = {
        let _lock = ctx.remote().map(|_| ctx.lock()).transpose()?;
        crate::store::read_journal(ws.place(), ctx.remote())
    };
    let events = journal.as_ref().map(|j| j.events.as_slice()).unwrap_or(&[]);
    let acted = ess::Acted::from_journal(events, n);
    let shared_note = shared_folder_note(ws, events, n, snapshot.as_ref());
    let input = ess::Input {
        acted,
        shared_note,
        instance: n,
        title: title.clone(),
        summary: args.summary.clone(),
        decisions: args.decisions.clone(),
        keep_claims: args.keep_claims,
        no_archive: args.no_archive,
        snapshot: snapshot.clone(),
        replace: snapshot
            .as_ref()
            .and_then(|s| s.ess_session)
            .filter(|_| !args.new),
        files: files.clone(),
        checks: check_results.clone(),
        check_timeout: timeout,
        now: ctx.now,
    };
    let place = ws.place();
    let committed = txn::transact(ctx, args.dry_run, || {
        // The claims ess gives back are the store's too (with a remote: pushed first).
        let doc = ws.load_tasks()?;
        let (ledger, (plan, events)) = crate::store::decide(
            place,
            ctx.remote(),
            ctx.now,
            args.dry_run,
            |r, m| doc.tags(r, m),
            |_| {
                let plan = ess::plan(ws, &input)?;
                let events = row_events(ctx, &doc, n, &plan.rows);
                let keyed = events
                    .iter()
                    .filter_map(|e| Some((e.task.as_ref()?.key.clone(), e.clone())))
                    .collect();
                Ok(((plan, events), keyed))
            },
        )?;
        Ok(Planned {
            changes: plan.changes.clone(),
            value: (plan, events, ledger),
        })
    })?;
    let (plan, mut events, mut ledger) = committed.value;
    if committed.written {
        crate::store::Synced::settled(place);
        super::claim::reconcile(&mut ledger, &plan.after);
        events.push(
            Event::new("session", Some(n), ctx.now, None, place, &ctx.command).detail(format!(
                "Session {} in {}",
                plan.session, plan.instance_file
            )),
        );
        journal::append(&place.dir, &events)?;
        notes.extend(super::done::unsaved(ledger.save()));
        // The session goes on until the next `start`: a second `ess` replaces this entry.
        if let Some(mut s) = snapshot.clone() {
            s.ess_session = Some(plan.session);
            s.save(ws)?;
        }
    }
    notes.extend(plan.notes.iter().cloned());
    for (line, msg) in &plan.unparsed {
        notes.push(format!(
            "{}:{line}: kept as written, does not parse: {msg}",
            plan.instance_file
        ));
    }
    let own = plan.instance_file.clone();
    let data = wire::EssData {
        instance: n,
        session: plan.session,
        date: plan.date.clone(),
        title,
        dry_run: args.dry_run,
        written: committed.written,
        file: own.clone(),
        snapshot: snapshot.map(|s| wire::SessionStartWire {
            started_at: s.started_at.to_rfc3339(),
            git_head: s.git_head,
        }),
        tasks: plan
            .rows
            .iter()
            .map(|r| wire::EssTaskWire {
                reference: r.reference.clone(),
                label: r.label.clone(),
                status: if r.status == COMPLETE {
                    "complete"
                } else {
                    "in_progress"
                },
                released: r.released,
            })
            .collect(),
        files: files.map(|mut f| {
            f.retain(|p| crate::sessions::verify::instance_file(ws, p));
            wire::FilesWire {
                created: f.created,
                modified: f.modified,
                deleted: f.deleted,
                source: f.source,
            }
        }),
        checks: check_results
            .iter()
            .map(|c| wire::CheckWire {
                command: c.command.clone(),
                status: c.status,
                exit_code: c.exit_code,
                output_tail: c.output_tail.clone(),
            })
            .collect(),
        archive_skipped: args.no_archive,
        archive_notes: plan.sweep_notes.clone(),
        rotated: plan
            .archived
            .iter()
            .map(|(s, f)| wire::RotatedWire {
                session: *s,
                file: f.clone(),
            })
            .collect(),
        verification: plan
            .verification
            .iter()
            .map(|a| wire::AnswerWire {
                id: a.id,
                question: a.question,
                verdict: a.verdict,
                details: a.details.clone(),
                fix: a.fix.clone(),
            })
            .collect(),
        entry: plan.entry.clone(),
        notes,
        changes: txn::preview(&committed.changes),
    };
    let failed_checks: Vec<&str> = check_results
        .iter()
        .filter(|c| c.failed())
        .map(|c| c.command.as_str())
        .collect();
    let failed_questions = plan
        .verification
        .iter()
        .filter(|a| a.verdict == Verdict::Fail)
        .count();
    let out = Outcome::new(ctx, &data, render::ess)?;
    if failed_checks.is_empty() && failed_questions == 0 {
        return Ok(out);
    }
    let mut what = Vec::new();
    if !failed_checks.is_empty() {
        what.push(format!(
            "check{} failed: {}",
            if failed_checks.len() == 1 { "" } else { "s" },
            failed_checks.join(", ")
        ));
    }
    if failed_questions > 0 {
        what.push(format!(
            "{failed_questions} verification question{} failed",
            if failed_questions == 1 { "" } else { "s" }
        ));
    }
    let written = if committed.written {
        format!(
            "Session {} was written to {own}, recording it",
            plan.session
        )
    } else {
        "nothing was written (dry run)".to_string()
    };
    Ok(out.fail(
        BatonError::new(Kind::Failed, format!("{}; {written}", what.join("; ")))
            .hint("fix what failed (see the fixes above), then carry on; the entry is not lost"),
    ))
}

/// In a folder other instances work in too, the files changed since the session started
/// are not all this instance's: say so, naming who else acted here meanwhile.
fn shared_folder_note(
    ws: &crate::workspace::Workspace,
    events: &[Event],
    n: u32,
    snapshot: Option<&Snapshot>,
) -> Option<String> {
    let here = &ws.place().here;
    let start = events
        .iter()
        .rposition(|e| e.event == "session" && e.instance == Some(n))
        .map_or(0, |p| p + 1);
    let since = snapshot.map(|s| s.started_at);
    let mut others: Vec<u32> = events[start..]
        .iter()
        .filter(|e| here.same(Some(&e.checkout)) && since.is_none_or(|t| e.at >= t))
        .filter_map(|e| e.instance)
        .filter(|&m| m != n)
        .collect();
    others.sort_unstable();
    others.dedup();
    if others.is_empty() {
        return None;
    }
    let who: Vec<String> = others.iter().map(|m| format!("Instance {m}")).collect();
    Some(format!(
        "{} also worked in this folder during the session: the files listed are this folder's changes, not only Instance {n}'s",
        who.join(", ")
    ))
}

/// The events of the claims an `ess` gives back: `done` for a ticked task whose tag it
/// removes, `released` for one still open.
fn row_events(ctx: &Ctx, doc: &crate::model::Document, n: u32, rows: &[ess::Row]) -> Vec<Event> {
    rows.iter()
        .filter(|r| r.released)
        .map(|r| {
            let id = doc
                .tasks
                .iter()
                .position(|t| *t.reference == *r.reference)
                .map(|i| crate::claims::task_id(doc, i))
                .or_else(|| {
                    doc.sections
                        .iter()
                        .position(|s| *s.reference == *r.reference)
                        .map(|s| crate::claims::section_id(doc, s))
                })
                .unwrap_or_else(|| crate::store::TaskId::new(None, &r.reference, &r.label));
            let kind = if r.status == COMPLETE {
                "done"
            } else {
                "released"
            };
            Event::new(
                kind,
                Some(n),
                ctx.now,
                Some(id),
                ctx.ws.place(),
                &ctx.command,
            )
        })
        .collect()
}
