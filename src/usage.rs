//! A command line clap could not parse, as baton's own usage error: clap's message whole
//! (the missing argument's name included) and its tip (a similar subcommand) in the hint.

use crate::error::{self, BatonError};

/// The usage error for `e`; `command` is the subcommand the line names, if any.
pub fn from_clap(e: &clap::Error, command: Option<&str>) -> BatonError {
    let text = e.to_string();
    let mut message = String::new();
    let mut tips = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if let Some(tip) = line.strip_prefix("tip: ") {
            tips.push(tip_as_command(tip));
        } else if !line.is_empty() {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(line.trim_start_matches("error: "));
        }
    }
    let help = match command {
        Some(c) => format!("run `baton {c} --help` for usage"),
        None => "run `baton --help` for usage".to_string(),
    };
    tips.push(help);
    error::usage(message).hint(tips.join("; "))
}

/// clap's `a similar subcommand exists: 'list'`, naming the whole command.
fn tip_as_command(tip: &str) -> String {
    match tip.strip_prefix("a similar subcommand exists: ") {
        Some(name) => format!(
            "a similar subcommand exists: `baton {}`",
            name.trim_matches('\'')
        ),
        None => tip.to_string(),
    }
}
