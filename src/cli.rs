//! The command line: clap types only. Each subcommand's behaviour lives in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes:
  0  ok
  1  failure: not found, invalid input, a check found errors
  2  usage: the command line is wrong
  3  refused: a conflict, or a workflow rule blocks the action
  4  busy: the workspace lock timed out or a file kept changing; try again

Every command takes --json and then prints exactly one JSON document on stdout:
  {\"version\":1,\"command\":...,\"ok\":true,\"data\":{...},\"warnings\":[...]}
  {\"version\":1,\"command\":...,\"ok\":false,\"error\":{\"kind\",\"message\",\"hint\"}}";

#[derive(Debug, Parser)]
#[command(
    name = "baton",
    version,
    about = "Coordinate several AI coding instances working from one TASKS.md",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The workspace root (default: the nearest folder above holding .baton.yaml or TASKS.md).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Colour in human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Seconds to wait for the workspace lock before giving up with exit 4.
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECS")]
    pub wait: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The coordination board: who holds what, their last session, progress, what is next.
    Status,
    /// List tasks.
    List(ListArgs),
    /// Show one task: section, links, claim, line.
    Show(RefArg),
    /// The next ready task (open, unclaimed, not a checklist item); `--claim` takes it.
    Next(NextArgs),
    /// Claim a task (or a whole section by its heading) for an instance.
    Claim(ClaimArgs),
    /// Release an instance's claim, leaving the line as it was before the claim.
    Release(ReleaseArgs),
    /// Check the workspace against every workflow rule; `--fix` applies the safe fixes.
    Check(CheckArgs),
    /// Create a workspace: TASKS.md, instance files, docs and archive folders, .baton.yaml.
    Init(InitArgs),
    /// The session-start briefing; records a snapshot that `ess` compares against.
    Start(StartArgs),
    /// End a session: tick and release tasks, archive, run checks, write the entry, rotate.
    Ess(EssArgs),
    /// Research notes: `research new "TITLE"` creates one in docs/research with its task.
    #[command(subcommand)]
    Research(ResearchCommand),
    /// Specs: `spec new "TITLE"` creates a numbered spec in docs/specs with its tasks.
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Finish a task: tick it, drop the claim, and archive the research or spec it frees.
    Done(DoneArgs),
    /// Undo a tick (nothing archived comes back: archived specs are history).
    Reopen(ReopenArgs),
    /// Archive every research and spec file the lifecycle rules make eligible.
    Archive(ArchiveArgs),
}

#[derive(Debug, Args)]
pub struct RefArg {
    /// A task ref, number, `L<line>`, or title fragment.
    #[arg(value_name = "REF")]
    pub reference: String,
}

#[derive(Debug, Args, Default)]
pub struct Filters {
    /// Only tasks of this kind: research, spec or implementation.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only tasks whose section path contains TEXT (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub section: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only open tasks.
    #[arg(long, conflicts_with = "done")]
    pub open: bool,
    /// Only done tasks.
    #[arg(long)]
    pub done: bool,
    /// Only claimed tasks.
    #[arg(long)]
    pub claimed: bool,
    /// Only tasks claimed by instance N.
    #[arg(long, value_name = "N")]
    pub instance: Option<u32>,
    #[command(flatten)]
    pub filters: Filters,
}

#[derive(Debug, Args)]
pub struct InstanceArg {
    /// The instance number (or set BATON_INSTANCE).
    #[arg(long, short = 'i', env = "BATON_INSTANCE", value_name = "N")]
    pub instance: Option<u32>,
}

#[derive(Debug, Args)]
pub struct NextArgs {
    #[command(flatten)]
    pub filters: Filters,
    /// Claim the task in the same critical section (needs --instance).
    #[arg(long)]
    pub claim: bool,
    #[command(flatten)]
    pub instance: InstanceArg,
    /// With --claim: hold this claim in addition to the ones already held.
    #[arg(long, requires = "claim")]
    pub also: bool,
    /// With --claim: show what would change and write nothing.
    #[arg(long, requires = "claim")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ClaimArgs {
    #[command(flatten)]
    pub target: RefArg,
    #[command(flatten)]
    pub instance: InstanceArg,
    /// Hold this claim in addition to the ones already held (beyond max_claims).
    #[arg(long)]
    pub also: bool,
    /// Take over a claim older than `stale_after`.
    #[arg(long)]
    pub steal: bool,
    /// Take over any claim, even a live one.
    #[arg(long)]
    pub force: bool,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    pub target: RefArg,
    #[command(flatten)]
    pub instance: InstanceArg,
    /// Release another instance's claim.
    #[arg(long)]
    pub force: bool,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Apply every safe fix (atomically, under the workspace lock), then check again.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: show the planned edits and write nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// Count warnings as errors for the exit code.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// How many instance files to create.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=999))]
    pub instances: u32,
    /// Show what would be created and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub instance: InstanceArg,
}

#[derive(Debug, Args)]
pub struct EssArgs {
    #[command(flatten)]
    pub instance: InstanceArg,
    /// The session's title, for the entry heading.
    #[arg(long, value_name = "TITLE")]
    pub title: String,
    /// What happened in the session, for `**Summary**:`.
    #[arg(long, value_name = "TEXT")]
    pub summary: String,
    /// A key decision (repeatable).
    #[arg(long = "decision", value_name = "TEXT")]
    pub decisions: Vec<String>,
    /// Keep the claims on unfinished tasks instead of releasing them.
    #[arg(long)]
    pub keep_claims: bool,
    /// Skip the archive sweep.
    #[arg(long)]
    pub no_archive: bool,
    /// Show what would change and write nothing (checks are not run).
    #[arg(long)]
    pub dry_run: bool,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Status => "status",
            Command::List(_) => "list",
            Command::Show(_) => "show",
            Command::Next(_) => "next",
            Command::Claim(_) => "claim",
            Command::Release(_) => "release",
            Command::Check(_) => "check",
            Command::Init(_) => "init",
            Command::Start(_) => "start",
            Command::Ess(_) => "ess",
            Command::Research(ResearchCommand::New(_)) => "research new",
            Command::Spec(SpecCommand::New(_)) => "spec new",
            Command::Done(_) => "done",
            Command::Reopen(_) => "reopen",
            Command::Archive(_) => "archive",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ResearchCommand {
    /// Create `docs/research/<slug>.md` from a template and add a `Research TITLE` task.
    New(ResearchNewArgs),
}

#[derive(Debug, Args)]
pub struct ResearchNewArgs {
    /// What the research is about, e.g. "Proxy rotation".
    #[arg(value_name = "TITLE")]
    pub title: String,
    /// The section the task goes under (default: `backlog_section`, created if missing).
    #[arg(long, value_name = "TEXT")]
    pub section: Option<String>,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Create docs/specs/NNN_SLUG.md from a template, with a spec-writing and an implementation task.
    New(SpecNewArgs),
}

#[derive(Debug, Args)]
pub struct SpecNewArgs {
    /// What the spec is for, e.g. "Proxy rotation" (gives 101_PROXY_ROTATION.md).
    #[arg(value_name = "TITLE")]
    pub title: String,
    /// The research this spec comes from: a research task's ref or the research file.
    #[arg(long, value_name = "REF|FILE")]
    pub from_research: Option<String>,
    /// The section the tasks go under (default: the research task's section, else `backlog_section`).
    #[arg(long, value_name = "TEXT")]
    pub section: Option<String>,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DoneArgs {
    #[command(flatten)]
    pub target: RefArg,
    #[command(flatten)]
    pub instance: InstanceArg,
    /// Tick only: skip the research gate and archiving.
    #[arg(long)]
    pub no_archive: bool,
    /// Finish a task another instance holds (dropping their claim), or one with open subtasks.
    #[arg(long)]
    pub force: bool,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ReopenArgs {
    #[command(flatten)]
    pub target: RefArg,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// List each move and each edited line, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}
