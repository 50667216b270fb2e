//! The MCP tools: one per command an agent uses, each argument named as the CLI's. A call
//! becomes the command line it stands for and runs through the CLI's own parse, context,
//! command and JSON envelope, so its text is what `--json` prints.

use crate::cli::{self, Global};
use crate::error::usage;
use crate::output::{self, Format, Outcome, Style};
use serde_json::{Map, Value, json};

/// One tool: its name, the subcommand words it runs, what a model should know about it.
pub struct Tool {
    pub name: &'static str,
    /// The subcommand, as words on the command line.
    pub words: &'static [&'static str],
    pub about: &'static str,
    pub params: &'static [Param],
    /// When the call changes state and so must know the instance.
    pub changes: Changes,
}

/// When a tool changes the workspace (and so needs `instance` or BATON_INSTANCE).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Changes {
    Never,
    /// Unless `dry_run` is true.
    Always,
    /// When this boolean argument is true (and `dry_run` is not).
    With(&'static str),
}

/// One argument of a tool.
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub about: &'static str,
    pub required: bool,
    /// How it reaches the command line.
    pub cli: Cli,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Bool,
    Strs,
    OneOf(&'static [&'static str]),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Cli {
    /// The positional argument (after `--`).
    Positional,
    /// `--NAME=VALUE` (repeated for a list), or `--NAME` for a true boolean.
    Long(&'static str),
    /// Accepted and checked, not passed: the instance of a command that records none.
    Checked,
}

const fn p(name: &'static str, ty: Ty, about: &'static str, cli: Cli) -> Param {
    Param {
        name,
        ty,
        about,
        required: false,
        cli,
    }
}
const fn req(name: &'static str, ty: Ty, about: &'static str, cli: Cli) -> Param {
    Param {
        name,
        ty,
        about,
        required: true,
        cli,
    }
}

const REF: Param = req(
    "ref",
    Ty::Str,
    "The task: its ref (`4.1.2`), its number, `L<line>` for the line in TASKS.md, or a fragment of its title. A fragment that matches several tasks is refused with the candidates; then pass the ref.",
    Cli::Positional,
);
const INSTANCE: Param = p(
    "instance",
    Ty::Int,
    "Your instance number (1, 2, ...). Defaults to BATON_INSTANCE in the server's environment; a call that changes the workspace without either is refused.",
    Cli::Long("instance"),
);
const INSTANCE_CHECKED: Param = p(
    "instance",
    Ty::Int,
    "Your instance number. Defaults to BATON_INSTANCE; this call changes the workspace and is refused without either.",
    Cli::Checked,
);
const DRY_RUN: Param = p(
    "dry_run",
    Ty::Bool,
    "Show what would change and write nothing (needs no instance).",
    Cli::Long("dry-run"),
);
const FORCE_NOTE: &str =
    "Override the holder check: only when the user asked you to take over another instance's work.";
const KIND: Param = p(
    "kind",
    Ty::OneOf(&["research", "spec", "implementation"]),
    "Only tasks of this kind.",
    Cli::Long("kind"),
);
const SECTION: Param = p(
    "section",
    Ty::Str,
    "Only tasks whose section path contains this text (case-insensitive).",
    Cli::Long("section"),
);

/// Every tool, in the order `tools/list` gives them.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "status",
        words: &["status"],
        about: "The coordination board of TASKS.md: which instance holds which task, each instance's last session, progress, and the next ready tasks. Read-only; call it first to see the state of the work.",
        params: &[],
        changes: Changes::Never,
    },
    Tool {
        name: "list",
        words: &["list"],
        about: "List the tasks of TASKS.md with their refs, state, claims and links. Read-only. Filters combine.",
        params: &[
            p(
                "open",
                Ty::Bool,
                "Only open (unticked) tasks.",
                Cli::Long("open"),
            ),
            p(
                "done",
                Ty::Bool,
                "Only done (ticked) tasks.",
                Cli::Long("done"),
            ),
            p(
                "claimed",
                Ty::Bool,
                "Only claimed tasks.",
                Cli::Long("claimed"),
            ),
            p(
                "instance",
                Ty::Int,
                "Only tasks claimed by this instance (a filter: BATON_INSTANCE does not apply).",
                Cli::Long("instance"),
            ),
            KIND,
            SECTION,
        ],
        changes: Changes::Never,
    },
    Tool {
        name: "show",
        words: &["show"],
        about: "One task in full: section, links (spec, research), claim, line. Read-only.",
        params: &[REF],
        changes: Changes::Never,
    },
    Tool {
        name: "next",
        words: &["next"],
        about: "The next ready task (open, unclaimed, not a checklist item). With `claim: true` it is claimed for you in the same locked step, so two agents never get the same task: the usual way to pick up work. Refused when you already hold max_claims tasks (finish or release first, or pass `also`).",
        params: &[
            KIND,
            SECTION,
            p(
                "claim",
                Ty::Bool,
                "Claim the task for your instance (writes `[Instance N]` into TASKS.md).",
                Cli::Long("claim"),
            ),
            INSTANCE,
            p(
                "also",
                Ty::Bool,
                "With claim: hold this claim in addition to the ones you hold already.",
                Cli::Long("also"),
            ),
            p(
                "dry_run",
                Ty::Bool,
                "With claim: show what would change and write nothing.",
                Cli::Long("dry-run"),
            ),
        ],
        changes: Changes::With("claim"),
    },
    Tool {
        name: "claim",
        words: &["claim"],
        about: "Claim a task (or a whole section by its heading) for your instance before working on it: writes `[Instance N]` after its box in TASKS.md, atomically under the workspace lock. Refused when another instance holds it (use `steal` for a stale claim), when the task is done, or when you already hold max_claims tasks.",
        params: &[
            REF,
            INSTANCE,
            p(
                "also",
                Ty::Bool,
                "Hold this claim in addition to the ones you hold already (beyond max_claims).",
                Cli::Long("also"),
            ),
            p(
                "steal",
                Ty::Bool,
                "Take over a claim older than `stale_after` (an abandoned one).",
                Cli::Long("steal"),
            ),
            p("force", Ty::Bool, FORCE_NOTE, Cli::Long("force")),
            DRY_RUN,
        ],
        changes: Changes::Always,
    },
    Tool {
        name: "release",
        words: &["release"],
        about: "Release your claim on a task without finishing it, leaving its line as it was before the claim. Refused for another instance's claim unless `force`.",
        params: &[
            REF,
            INSTANCE,
            p("force", Ty::Bool, FORCE_NOTE, Cli::Long("force")),
            DRY_RUN,
        ],
        changes: Changes::Always,
    },
    Tool {
        name: "done",
        words: &["done"],
        about: "Finish a task: tick its box, drop your claim, and archive the research or spec file it frees. Refused for a task another instance holds or one with open subtasks (unless `force`), and for a research task until a spec links its research (create one with `spec_new` and `from_research`).",
        params: &[
            REF,
            INSTANCE,
            p(
                "no_archive",
                Ty::Bool,
                "Tick only: skip the research gate and archiving.",
                Cli::Long("no-archive"),
            ),
            p("force", Ty::Bool, FORCE_NOTE, Cli::Long("force")),
            DRY_RUN,
        ],
        changes: Changes::Always,
    },
    Tool {
        name: "reopen",
        words: &["reopen"],
        about: "Undo a tick: the task is open again (nothing archived comes back).",
        params: &[REF, INSTANCE_CHECKED, DRY_RUN],
        changes: Changes::Always,
    },
    Tool {
        name: "research_new",
        words: &["research", "new"],
        about: "Start a research note: creates docs/research/<slug>.md from a template and adds a `Research TITLE` task to TASKS.md.",
        params: &[
            req(
                "title",
                Ty::Str,
                "What the research is about, e.g. \"Proxy rotation\".",
                Cli::Positional,
            ),
            p(
                "section",
                Ty::Str,
                "The section the task goes under (default: the backlog section, created if missing).",
                Cli::Long("section"),
            ),
            INSTANCE_CHECKED,
            DRY_RUN,
        ],
        changes: Changes::Always,
    },
    Tool {
        name: "spec_new",
        words: &["spec", "new"],
        about: "Start a spec: creates docs/specs/NNN_SLUG.md from a template, with a spec-writing task and an implementation task linked to it.",
        params: &[
            req(
                "title",
                Ty::Str,
                "What the spec is for, e.g. \"Proxy rotation\" (gives 101_PROXY_ROTATION.md).",
                Cli::Positional,
            ),
            p(
                "from_research",
                Ty::Str,
                "The research this spec comes from: a research task's ref or the research file.",
                Cli::Long("from-research"),
            ),
            p(
                "section",
                Ty::Str,
                "The section the tasks go under (default: the research task's, else the backlog).",
                Cli::Long("section"),
            ),
            INSTANCE_CHECKED,
            DRY_RUN,
        ],
        changes: Changes::Always,
    },
    Tool {
        name: "archive",
        words: &["archive"],
        about: "Move every research and spec file the lifecycle rules make eligible to archive/ and fix the links to it.",
        params: &[INSTANCE_CHECKED, DRY_RUN],
        changes: Changes::Always,
    },
    Tool {
        name: "check",
        words: &["check"],
        about: "Check the workspace against every workflow rule (claims, links, sessions, lifecycle). Read-only unless `fix`. A check that finds errors is a tool error whose data lists them.",
        params: &[
            p(
                "fix",
                Ty::Bool,
                "Apply every safe fix (atomically, under the lock), then check again.",
                Cli::Long("fix"),
            ),
            p(
                "dry_run",
                Ty::Bool,
                "With fix: show the planned edits and write nothing.",
                Cli::Long("dry-run"),
            ),
            p(
                "strict",
                Ty::Bool,
                "Count warnings as errors.",
                Cli::Long("strict"),
            ),
            INSTANCE_CHECKED,
        ],
        changes: Changes::With("fix"),
    },
    Tool {
        name: "start",
        words: &["start"],
        about: "The session-start briefing for your instance: your claims, what the others did since, the next ready tasks. Records a snapshot that `ess` compares against: call it once when a session begins.",
        params: &[INSTANCE],
        changes: Changes::Always,
    },
    Tool {
        name: "ess",
        words: &["ess"],
        about: "End your session: ticks and releases your tasks, archives what is finished, runs the checks, writes the session entry (title, summary, decisions) into your instance file and rotates old entries. Call it once, last. When a check or an end-of-session question fails the call is a tool error, but the entry is written either way: read `data` and fix what it names.",
        params: &[
            INSTANCE,
            req(
                "title",
                Ty::Str,
                "A short title for the session entry, e.g. \"MCP server\".",
                Cli::Long("title"),
            ),
            req(
                "summary",
                Ty::Str,
                "What happened in the session, in a few sentences (no next steps: those belong in TASKS.md).",
                Cli::Long("summary"),
            ),
            p(
                "decision",
                Ty::Strs,
                "The key decisions of the session, one per item.",
                Cli::Long("decision"),
            ),
            p(
                "keep_claims",
                Ty::Bool,
                "Keep your claims on unfinished tasks instead of releasing them.",
                Cli::Long("keep-claims"),
            ),
            p(
                "no_archive",
                Ty::Bool,
                "Skip the archive sweep.",
                Cli::Long("no-archive"),
            ),
            p(
                "dry_run",
                Ty::Bool,
                "Show what would change and write nothing (the checks are not run).",
                Cli::Long("dry-run"),
            ),
        ],
        changes: Changes::Always,
    },
];

/// The JSON schema of a tool's arguments.
pub fn schema(tool: &Tool) -> Map<String, Value> {
    let mut props = Map::new();
    for p in tool.params {
        let mut s = match p.ty {
            Ty::Str => json!({"type": "string"}),
            Ty::Int => json!({"type": "integer", "minimum": 1}),
            Ty::Bool => json!({"type": "boolean", "default": false}),
            Ty::Strs => json!({"type": "array", "items": {"type": "string"}}),
            Ty::OneOf(v) => json!({"type": "string", "enum": v}),
        };
        s["description"] = Value::from(p.about);
        props.insert(p.name.to_string(), s);
    }
    let required: Vec<&str> = tool
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    let mut m = Map::new();
    m.insert("type".into(), "object".into());
    m.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m.insert("additionalProperties".into(), false.into());
    m
}

/// Run the tool `name` with `args`: the exit code and the JSON envelope `--json` prints.
pub fn call(global: &Global, name: &str, args: &Map<String, Value>) -> (i32, Vec<u8>) {
    let Some(tool) = TOOLS.iter().find(|t| t.name == name) else {
        let names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        let err = usage(format!("there is no tool `{name}`"))
            .hint(format!("call one of: {}", names.join(", ")));
        return output::envelope(name, &Err(err.into()));
    };
    let command = tool.words.join(" ");
    match command_line(global, tool, args) {
        Ok(argv) => run_json(&argv, &command),
        Err(e) => output::envelope(&command, &Err(e)),
    }
}

/// The command line a call stands for, after checking its arguments against the tool.
pub fn command_line(
    global: &Global,
    tool: &Tool,
    args: &Map<String, Value>,
) -> anyhow::Result<Vec<std::ffi::OsString>> {
    let names = || {
        let n: Vec<&str> = tool.params.iter().map(|p| p.name).collect();
        if n.is_empty() {
            format!("`{}` takes no arguments", tool.name)
        } else {
            format!("the arguments of `{}` are: {}", tool.name, n.join(", "))
        }
    };
    for key in args.keys() {
        if !tool.params.iter().any(|p| p.name == key) {
            return Err(usage(format!("`{}` has no argument `{key}`", tool.name))
                .hint(names())
                .into());
        }
    }
    let mut argv: Vec<String> = vec!["baton".into(), "--json".into()];
    if let Some(root) = &global.root {
        argv.push(format!("--root={}", root.display()));
    }
    argv.push(format!("--wait={}", global.wait));
    argv.extend(tool.words.iter().map(|w| w.to_string()));
    let mut positional = None;
    let flag = |p: &Param| match p.ty {
        Ty::Bool => "true or false",
        Ty::Int => "a whole number (1, 2, ...)",
        Ty::Strs => "a list of strings",
        Ty::Str | Ty::OneOf(_) => "a string",
    };
    for p in tool.params {
        let Some(v) = args.get(p.name).filter(|v| !v.is_null()) else {
            if p.required {
                return Err(
                    usage(format!("`{}` needs the argument `{}`", tool.name, p.name))
                        .hint(format!("pass `{}`: {}", p.name, p.about))
                        .into(),
                );
            }
            continue;
        };
        let wrong = || {
            anyhow::Error::new(
                usage(format!(
                    "argument `{}` of `{}` must be {}",
                    p.name,
                    tool.name,
                    flag(p)
                ))
                .hint(format!("pass `{}`: {}", p.name, p.about)),
            )
        };
        let values: Vec<String> = match (p.ty, v) {
            (Ty::Bool, Value::Bool(false)) => continue,
            (Ty::Bool, Value::Bool(true)) => Vec::new(),
            (Ty::Int, Value::Number(n)) if n.is_u64() => vec![n.to_string()],
            (Ty::Str | Ty::OneOf(_), Value::String(s)) => vec![s.clone()],
            (Ty::Strs, Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string).ok_or_else(wrong))
                .collect::<anyhow::Result<_>>()?,
            _ => return Err(wrong()),
        };
        match p.cli {
            Cli::Positional => positional = values.into_iter().next(),
            Cli::Long(long) if p.ty == Ty::Bool => argv.push(format!("--{long}")),
            Cli::Long(long) => argv.extend(values.iter().map(|v| format!("--{long}={v}"))),
            Cli::Checked => {}
        }
    }
    check_instance(tool, args)?;
    if let Some(v) = positional {
        argv.push("--".into());
        argv.push(v);
    }
    Ok(argv.into_iter().map(Into::into).collect())
}

/// A call that changes the workspace must name its instance (argument or BATON_INSTANCE).
fn check_instance(tool: &Tool, args: &Map<String, Value>) -> anyhow::Result<()> {
    let on = |name: &str| args.get(name).and_then(Value::as_bool).unwrap_or(false);
    let changes = match tool.changes {
        Changes::Never => false,
        Changes::Always => true,
        Changes::With(flag) => on(flag),
    };
    if !changes || on("dry_run") {
        return Ok(());
    }
    let from_env = std::env::var("BATON_INSTANCE").is_ok_and(|v| !v.trim().is_empty());
    match args.get("instance") {
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Err(usage(
            "instance numbers start at 1",
        )
        .hint(format!("pass your own instance number to `{}`, e.g. {{\"instance\": 1}}", tool.name))
        .into()),
        Some(Value::Number(_)) => Ok(()),
        _ if from_env => Ok(()),
        _ => Err(usage(format!(
            "`{}` changes the workspace and needs to know which instance you are",
            tool.name
        ))
        .hint(format!(
            "pass `instance` (e.g. {{\"instance\": 1}}) to `{}`, or start the server with BATON_INSTANCE=N (`BATON_INSTANCE=1 baton mcp`)",
            tool.name
        ))
        .into()),
    }
}

/// Run `argv` as the CLI does with `--json`: the exit code and the envelope.
pub fn run_json(argv: &[std::ffi::OsString], command: &str) -> (i32, Vec<u8>) {
    match run(argv, Format::Json) {
        Ok((name, result)) => output::envelope(name, &result),
        Err(e) => output::envelope(command, &Err(e)),
    }
}

/// Run `argv` in `format` through the CLI's parse, context and command: the command's
/// name and outcome (an error before the command ran is returned as the error).
pub fn run(
    argv: &[std::ffi::OsString],
    format: Format,
) -> anyhow::Result<(&'static str, anyhow::Result<Outcome>)> {
    let cli = cli::parse(argv).map_err(|e| crate::usage_error(&e))?;
    let name = cli.command.name();
    let result = crate::context(&cli.global, &cli.command, format, Style { color: false })
        .and_then(|ctx| crate::commands::run(&ctx, cli.command));
    Ok((name, result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of every tool reaches a flag (or the positional) its subcommand has,
    /// so the table cannot drift from `cli.rs`.
    #[test]
    fn every_tool_argument_is_an_argument_of_its_subcommand() {
        let mut tree = crate::cli::Cli::command();
        tree.build();
        for tool in TOOLS {
            let mut sub = &tree;
            for w in tool.words {
                sub = sub
                    .find_subcommand(w)
                    .unwrap_or_else(|| panic!("{}", tool.name));
            }
            for p in tool.params {
                match p.cli {
                    Cli::Long(long) => assert!(
                        sub.get_arguments().any(|a| a.get_long() == Some(long)),
                        "{}: --{long}",
                        tool.name
                    ),
                    Cli::Positional => assert!(
                        sub.get_positionals().count() == 1,
                        "{}: {}",
                        tool.name,
                        p.name
                    ),
                    Cli::Checked => assert!(
                        sub.get_arguments()
                            .all(|a| a.get_long() != Some("instance")),
                        "{}: the command takes --instance, pass it",
                        tool.name
                    ),
                }
            }
            let required = sub.get_arguments().filter(|a| a.is_required_set()).count();
            assert_eq!(
                required,
                tool.params.iter().filter(|p| p.required).count(),
                "{}",
                tool.name
            );
        }
    }

    #[test]
    fn a_call_becomes_the_command_line_it_stands_for() {
        let global = Global {
            root: Some("/w".into()),
            json: false,
            color: crate::cli::ColorChoice::Never,
            wait: 3.0,
        };
        let ess = TOOLS.iter().find(|t| t.name == "ess").unwrap();
        let args = json!({"instance": 2, "title": "-T", "summary": "S", "decision": ["-a", "b"], "dry_run": true, "keep_claims": false});
        let argv = command_line(&global, ess, args.as_object().unwrap()).unwrap();
        let argv: Vec<&str> = argv.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            argv,
            [
                "baton",
                "--json",
                "--root=/w",
                "--wait=3",
                "ess",
                "--instance=2",
                "--title=-T",
                "--summary=S",
                "--decision=-a",
                "--decision=b",
                "--dry-run"
            ]
        );
        let claim = TOOLS.iter().find(|t| t.name == "claim").unwrap();
        let args = json!({"ref": "--force", "instance": 1});
        let argv = command_line(&global, claim, args.as_object().unwrap()).unwrap();
        assert_eq!(argv[argv.len() - 2..], ["--", "--force"]);
        let cli = crate::cli::parse(&argv).unwrap();
        match cli.command {
            crate::cli::Command::Claim(a) => {
                assert_eq!(a.target.reference, "--force");
                assert!(!a.force);
            }
            other => panic!("{other:?}"),
        }
    }
}
