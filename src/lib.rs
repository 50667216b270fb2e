//! baton: lets several AI coding instances (and their humans) share one TASKS.md without
//! stepping on each other. `run` is the whole program; `main.rs` only calls it.

pub mod atomic;
pub mod cache;
pub mod check;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod context;
pub mod edit;
pub mod error;
pub mod exists;
pub mod hugepages;
pub mod lifecycle;
pub mod lock;
pub mod model;
pub mod output;
pub mod sessions;
pub mod store;
pub mod testhook;
pub mod text;
pub mod txn;
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
                let msg = e.to_string();
                let first = msg
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("error: ")
                    .to_string();
                let err =
                    anyhow::Error::new(error::usage(first).hint("run `baton --help` for usage"));
                // The command the line names, when it names one.
                return output::emit_error(
                    output::Format::Json,
                    output::Style { color: false },
                    cli::command_named(&args).unwrap_or(""),
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
    let cwd = match std::env::current_dir() {
        Ok(c) => c,
        Err(e) => {
            let err = anyhow::Error::new(e).context("reading the current directory");
            return output::emit_error(format, style, command, &err);
        }
    };
    // `init` makes a workspace where there is none yet: --root or the current directory.
    let ws = if let cli::Command::Init(_) = &cli.command {
        commands::init::workspace(cli.global.root.as_deref(), &cwd)
    } else {
        workspace::Workspace::discover(cli.global.root.as_deref(), &cwd)
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => return output::emit_error(format, style, command, &e),
    };
    if !(cli.global.wait.is_finite() && cli.global.wait >= 0.0) {
        let err = anyhow::Error::new(error::usage("--wait takes a number of seconds, 0 or more"));
        return output::emit_error(format, style, command, &err);
    }
    // A large plan: start again with huge pages (before anything is read or locked).
    hugepages::reexec_for(&ws.abs(ws.tasks_rel()));
    let ctx = context::Ctx {
        ws,
        format,
        style,
        now: clock::now(),
        wait: Duration::from_secs_f64(cli.global.wait.min(1e9)),
        command: command.to_string(),
    };
    match commands::run(&ctx, cli.command) {
        Ok(out) => output::emit(format, style, command, &out),
        Err(e) => output::emit_error(format, style, command, &e),
    }
}
