//! baton: lets several AI coding instances (and their humans) share one TASKS.md without
//! stepping on each other. `run` is the whole program; `main.rs` only calls it.

pub mod agents;
pub mod atomic;
pub mod cache;
pub mod check;
pub mod claims;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod context;
pub mod edit;
pub mod error;
pub mod exists;
pub mod faults;
pub mod intent;
pub mod lifecycle;
pub mod lifetime;
pub mod lock;
pub mod marks;
pub mod mcp;
pub mod model;
pub mod output;
pub mod rules;
pub mod sessions;
pub mod store;
pub mod text;
pub mod txn;
pub mod usage;
pub mod workspace;

use std::time::Duration;

/// Parse the command line, run the command, print its output; returns the exit code.
pub fn run() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    let parsed = cli::parse(&args);
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if json && e.kind() == K::DisplayVersion {
                return output::emit(
                    output::Format::Json,
                    output::Style { color: false },
                    "",
                    &output::Outcome::version(env!("CARGO_PKG_VERSION")),
                );
            }
            if json && e.kind() == K::DisplayHelp {
                // The help text as one document, like every other answer under --json.
                let help = e.render().to_string();
                return output::emit(
                    output::Format::Json,
                    output::Style { color: false },
                    cli::command_named(&args).unwrap_or(""),
                    &output::Outcome::json(serde_json::json!({ "help": help })),
                );
            }
            if matches!(
                e.kind(),
                K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
                    error::exit::USAGE
                } else {
                    0
                };
            }
            if json {
                let named = cli::command_named(&args);
                let err = anyhow::Error::new(usage::from_clap(&e, named));
                // The command the line names, when it names one.
                return output::emit_error(
                    output::Format::Json,
                    output::Style { color: false },
                    named.unwrap_or(""),
                    &err,
                );
            }
            let _ = e.print();
            return error::exit::USAGE;
        }
    };
    let format = if cli.global.json {
        output::Format::Json
    } else {
        output::Format::Human
    };
    let style = output::Style::new(cli.global.color, output::stdout_is_tty());
    let command = cli.command.name();
    // Generated text: as it is, or under --json as one document holding it.
    let generated = match &cli.command {
        cli::Command::Mcp => return mcp::serve(cli.global),
        cli::Command::Completions(a) => Some(Ok(commands::shell::completions(a.shell))),
        cli::Command::Man => Some(commands::shell::man()),
        _ => None,
    };
    if let Some(g) = generated {
        return match g {
            Ok(g) if !cli.global.json => commands::shell::print(&g.text),
            Ok(g) => output::emit(format, style, command, &output::Outcome::json(g.data)),
            Err(e) => output::emit_error(format, style, command, &e),
        };
    }
    let ctx = match context(&cli.global, &cli.command, format, style) {
        Ok(ctx) => ctx,
        Err(e) => return output::emit_error(format, style, command, &e),
    };
    match commands::run(&ctx, cli.command) {
        Ok(out) => {
            let code = output::emit(format, style, command, &out);
            output::leak_at_exit(out);
            code
        }
        Err(e) => output::emit_error(format, style, command, &e),
    }
}

/// A command-line mistake as baton's usage error: clap's message, its tip, and where to
/// look (`usage::from_clap`).
pub fn usage_error(e: &clap::Error) -> anyhow::Error {
    anyhow::Error::new(usage::from_clap(e, None))
}

/// The context `command` runs in: its workspace (found from `--root` or the current
/// directory, or made there for `init`), the output mode, the clock, the lock wait.
pub fn context(
    global: &cli::Global,
    command: &cli::Command,
    format: output::Format,
    style: output::Style,
) -> anyhow::Result<context::Ctx> {
    let cwd = std::env::current_dir()
        .map_err(|e| anyhow::Error::new(e).context("reading the current directory"))?;
    // `init` makes a workspace where there is none yet: --root or the current directory.
    let ws = match command {
        cli::Command::Init(_) => commands::init::workspace(global.root.as_deref(), &cwd)?,
        // The defaults need no workspace.
        cli::Command::Config(a) if a.defaults => {
            workspace::Workspace::discover(global.root.as_deref(), &cwd).unwrap_or_else(|_| {
                workspace::Workspace {
                    root: cwd.clone(),
                    config: config::Config::default(),
                }
            })
        }
        _ => workspace::Workspace::discover(global.root.as_deref(), &cwd)?,
    };
    // Where a save that was still being written in place when baton replaced the file is
    // kept until it is put back (`atomic`).
    atomic::keep_in(ws.state_dir().join("saved"));
    if !(global.wait.is_finite() && global.wait >= 0.0) {
        return Err(error::usage("--wait takes a number of seconds, 0 or more").into());
    }
    // The git remote that keeps the claims: `--remote`/`BATON_REMOTE`, else `remote:`.
    let remote = global.remote.clone().or_else(|| ws.config.remote.clone());
    Ok(context::Ctx {
        remote,
        ws,
        format,
        style,
        now: clock::now(),
        wait: Duration::from_secs_f64(global.wait.min(1e9)),
        command: command.name().to_string(),
    })
}
