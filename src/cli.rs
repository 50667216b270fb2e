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
    /// Serve these commands as MCP tools on stdin/stdout, for coding agents (one server per agent).
    Mcp,
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print baton's man page (roff), every subcommand included.
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// The coding-agent harnesses `init --agent` writes files for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Agent {
    /// Claude Code: .claude/commands/{ess,lss}.md, .mcp.json, a block in CLAUDE.md.
    Claude,
    /// Codex: a block in AGENTS.md.
    Codex,
    /// Cursor: .cursor/rules/baton.mdc, .cursor/mcp.json, a block in AGENTS.md.
    Cursor,
    /// Any other harness: a block in AGENTS.md.
    Generic,
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
    /// Also write what this coding agent reads (slash commands, MCP settings, a rules block),
    /// in a new or an existing workspace.
    #[arg(long, value_enum, value_name = "AGENT")]
    pub agent: Option<Agent>,
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
            Command::Mcp => "mcp",
            Command::Completions(_) => "completions",
            Command::Man => "man",
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

/// Parse the command line. Building clap's whole tree (every subcommand and its
/// arguments) costs a fifth of a millisecond and 30 fresh pages, on commands that take
/// two: the tree is built with only the subcommand named on the line. Anything that tree
/// does not parse (help, version, a mistake, no subcommand) is parsed again with the full
/// tree, so help and errors are clap's own.
pub fn parse(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::CommandFactory;
    if let Some(cli) = subcommand(args).and_then(|s| parse_with(tree_with(s), args).ok()) {
        return Ok(cli);
    }
    parse_with(Cli::command(), args)
}

/// Parse `args` with `tree`, which is left to the process's exit rather than taken apart
/// (freed in a serving process, which parses once per call).
fn parse_with(mut tree: clap::Command, args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let parsed = tree
        .try_get_matches_from_mut(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    if crate::lifetime::serving() {
        drop(tree);
    } else {
        std::mem::forget(tree);
    }
    parsed
}

/// The subcommand the line names, if it names one.
pub fn command_named(args: &[std::ffi::OsString]) -> Option<&'static str> {
    subcommand(args).map(|s| s.0)
}

/// The entry of the subcommand the line names: the first word that is not an option or
/// an option's value, if the line is well formed.
fn subcommand(args: &[std::ffi::OsString]) -> Option<&'static (&'static str, Augment)> {
    let mut words = args.iter().skip(1);
    while let Some(w) = words.next() {
        let w = w.to_str()?;
        if GLOBAL_VALUES.contains(&w) {
            words.next()?;
        } else if !w.starts_with('-') {
            return SUBCOMMANDS.iter().find(|s| s.0 == w);
        }
    }
    None
}

/// The global options that take a value as the next word (`Global`).
const GLOBAL_VALUES: &[&str] = &["--root", "--color", "--wait"];

/// Each subcommand's name and the function that adds its arguments.
type Augment = fn(clap::Command) -> clap::Command;
const SUBCOMMANDS: &[(&str, Augment)] = &[
    ("status", |c| c),
    ("list", ListArgs::augment_args),
    ("show", RefArg::augment_args),
    ("next", NextArgs::augment_args),
    ("claim", ClaimArgs::augment_args),
    ("release", ReleaseArgs::augment_args),
    ("check", CheckArgs::augment_args),
    ("init", InitArgs::augment_args),
    ("start", StartArgs::augment_args),
    ("ess", EssArgs::augment_args),
    ("research", |c| {
        ResearchCommand::augment_subcommands(c).subcommand_required(true)
    }),
    ("spec", |c| {
        SpecCommand::augment_subcommands(c).subcommand_required(true)
    }),
    ("done", DoneArgs::augment_args),
    ("reopen", ReopenArgs::augment_args),
    ("archive", ArchiveArgs::augment_args),
    ("mcp", |c| c),
    ("completions", CompletionsArgs::augment_args),
    ("man", |c| c),
];

/// The root command with the global options and only the subcommand of `entry`.
fn tree_with(&(name, augment): &(&'static str, Augment)) -> clap::Command {
    let root = clap::Command::new("baton")
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(true)
        .subcommand_required(true)
        .subcommand(augment(clap::Command::new(name)));
    Global::augment_args(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn words(line: &str) -> Vec<std::ffi::OsString> {
        line.split(' ').map(Into::into).collect()
    }

    /// A subcommand's arguments and nested subcommands, recursively, as text.
    fn shape(c: &clap::Command) -> Vec<String> {
        let mut out: Vec<String> = c
            .get_arguments()
            .map(|a| format!("{}: {:?} {:?}", a.get_id(), a.get_long(), a.get_action()))
            .collect();
        for s in c.get_subcommands() {
            out.extend(
                shape(s)
                    .into_iter()
                    .map(|x| format!("{} {x}", s.get_name())),
            );
        }
        out.sort();
        out
    }

    #[test]
    fn every_subcommand_has_its_own_tree_with_the_same_arguments() {
        let mut full = Cli::command();
        full.build();
        // (`help` is clap's own, and left to the whole tree.)
        let names: Vec<&str> = full
            .get_subcommands()
            .map(|c| c.get_name())
            .filter(|n| *n != "help")
            .collect();
        let own: Vec<&str> = SUBCOMMANDS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, own);
        for (sub, entry) in full
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .zip(SUBCOMMANDS)
        {
            let mut lazy = tree_with(entry);
            lazy.build();
            let one = lazy
                .find_subcommand(sub.get_name())
                .expect("the subcommand");
            assert_eq!(shape(one), shape(sub), "{}", sub.get_name());
        }
    }

    #[test]
    fn the_global_options_that_take_a_value_are_the_ones_skipped() {
        let global = Global::augment_args(clap::Command::new("baton"));
        let mut taking: Vec<String> = global
            .get_arguments()
            .filter(|a| a.get_action().takes_values())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        taking.sort();
        let mut ours: Vec<&str> = GLOBAL_VALUES.to_vec();
        ours.sort();
        assert_eq!(taking, ours);
    }

    #[test]
    fn one_subcommand_parses_as_the_whole_tree_does() {
        for line in [
            "baton status",
            "baton --json list --open --kind spec --section Phase",
            "baton list --instance 2 --root /w --color never",
            "baton --root /w --wait 3 claim 1.1 --instance 2 --also",
            "baton --root=/w show L12",
            "baton next --claim -i 1",
            "baton research new Topic",
            "baton spec new Topic --section Phase --dry-run",
            "baton ess --instance 1 --title T --summary S",
            "baton done 4.0.3 --instance 1 --no-archive",
        ] {
            let args = words(line);
            let entry = subcommand(&args).expect(line);
            let lazy = tree_with(entry)
                .try_get_matches_from(&args)
                .and_then(|m| Cli::from_arg_matches(&m))
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            let full = Cli::try_parse_from(&args).expect(line);
            assert_eq!(format!("{lazy:?}"), format!("{full:?}"), "{line}");
            assert_eq!(format!("{:?}", parse(&args).unwrap()), format!("{full:?}"));
        }
    }

    #[test]
    fn what_one_subcommand_does_not_parse_gets_the_whole_trees_answer() {
        for line in [
            "baton",
            "baton --help",
            "baton list --help",
            "baton --version",
            "baton lsit",
            "baton list --bogus",
            "baton research",
            "baton claim",
            "baton --root",
            "baton help list",
            "baton list --version",
        ] {
            let args = words(line);
            let full = Cli::try_parse_from(&args).map(|c| format!("{c:?}"));
            let ours = parse(&args).map(|c| format!("{c:?}"));
            match (full, ours) {
                (Err(f), Err(o)) => {
                    assert_eq!(f.kind(), o.kind(), "{line}");
                    assert_eq!(f.to_string(), o.to_string(), "{line}");
                }
                (f, o) => panic!("{line}: {f:?} vs {o:?}"),
            }
        }
    }
}
