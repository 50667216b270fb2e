//! One module per subcommand; each has a `run` that returns an `Outcome`.
//!
//! Layer: the top. A command parses its arguments, calls one service (or the model and
//! `txn` for the simplest), and returns what `output` renders; rules live below.

pub mod archive;
pub mod check;
pub mod claim;
pub mod config;
pub mod done;
pub mod ess;
pub mod init;
pub mod instance;
pub mod list;
pub mod log;
pub mod next;
pub mod release;
pub mod reopen;
pub mod research;
pub mod shell;
pub mod show;
pub mod spec;
pub mod start;
pub mod status;

use crate::cli::{Command, Filters};
use crate::context::Ctx;
use crate::error::{invalid, usage};
use crate::model::{Document, TaskKind};
use crate::output::Outcome;

pub fn run(ctx: &Ctx, command: Command) -> anyhow::Result<Outcome> {
    // Commands that only read tidy up here (no lock: only what dead runs left); the others
    // do it under the lock, in their transaction.
    let reads_only = match &command {
        Command::Status | Command::List(_) | Command::Show(_) | Command::Start(_) => true,
        Command::Next(a) => !a.claim,
        Command::Check(a) => !a.fix,
        _ => false,
    };
    if reads_only {
        ctx.ws.sweep(false);
    }
    dispatch(ctx, command).map_err(|e| ctx.ws.while_saved(e))
}

fn dispatch(ctx: &Ctx, command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Status => status::run(ctx),
        Command::List(a) => list::run(ctx, a),
        Command::Show(a) => show::run(ctx, a),
        Command::Next(a) => next::run(ctx, a),
        Command::Claim(a) => claim::run(ctx, a),
        Command::Release(a) => release::run(ctx, a),
        Command::Check(a) => check::run(ctx, a),
        Command::Init(a) => init::run(ctx, a),
        Command::Start(a) => start::run(ctx, a),
        Command::Ess(a) => ess::run(ctx, a),
        Command::Research(c) => research::run(ctx, c),
        Command::Spec(c) => spec::run(ctx, c),
        Command::Done(a) => done::run(ctx, a),
        Command::Reopen(a) => reopen::run(ctx, a),
        Command::Archive(a) => archive::run(ctx, a),
        Command::Config(a) => config::run(ctx, a),
        Command::Instance(c) => instance::run(ctx, c),
        Command::Log(a) => log::run(ctx, a),
        c @ (Command::Mcp | Command::Completions(_) | Command::Man) => Err(usage(format!(
            "`baton {}` runs on its own, not in a workspace",
            c.name()
        ))
        .into()),
    }
}

/// A task filter built from `--kind` and `--section`.
pub struct TaskFilter {
    kind: Option<TaskKind>,
    section: Option<String>,
}

impl TaskFilter {
    pub fn new(f: &Filters) -> anyhow::Result<TaskFilter> {
        let kind = match &f.kind {
            Some(k) => Some(TaskKind::parse(k).ok_or_else(|| {
                invalid(format!("unknown kind `{k}`"))
                    .hint("use --kind research, spec or implementation")
            })?),
            None => None,
        };
        Ok(TaskFilter {
            kind,
            section: f.section.as_ref().map(|s| s.to_lowercase()),
        })
    }

    pub fn matches(&self, doc: &Document, i: usize) -> bool {
        let t = &doc.tasks[i];
        if self.kind.is_some_and(|k| k != t.kind) {
            return false;
        }
        if let Some(s) = &self.section {
            let Some(si) = t.section else { return false };
            if !doc.sections[si]
                .path
                .iter()
                .any(|p| p.to_lowercase().contains(s.as_str()))
            {
                return false;
            }
        }
        true
    }
}

/// The instance number, from `--instance` or `BATON_INSTANCE`.
pub fn require_instance(i: Option<u32>, command: &str) -> anyhow::Result<u32> {
    match i {
        Some(0) => Err(usage("instance numbers start at 1").into()),
        Some(n) => Ok(n),
        None => Err(usage(format!(
            "`baton {command}` needs to know which instance you are"
        ))
        .hint(format!(
            "pass `--instance N` (or set BATON_INSTANCE=N), e.g. `{} --instance 1`",
            this_line()
        ))
        .into()),
    }
}

/// The warning read-only commands give for a tasks file holding merge-conflict markers
/// (editing commands refuse it: `txn::refuse_conflicts`).
pub fn conflict_warning(doc: &Document) -> Vec<String> {
    let lines = doc.conflict_lines();
    if lines.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "{} holds merge-conflict markers on lines {}: tasks between them may be listed twice; resolve the merge before editing",
        crate::text::slash_path(&doc.rel_path),
        crate::text::line_list(&lines)
    )]
}

/// This process's command line as `baton ...`, each word quoted where the shell needs it
/// (for hints that repeat the line with something added).
fn this_line() -> String {
    let mut out = String::from("baton");
    for w in std::env::args().skip(1) {
        out.push(' ');
        if !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c))
        {
            out.push_str(&w);
        } else {
            out.push_str(&format!("\"{}\"", w.replace('"', "\\\"")));
        }
    }
    out
}
