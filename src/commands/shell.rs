//! `baton completions SHELL` and `baton man`: clap's own tree, printed as a completion
//! script (clap_complete) or a roff man page (clap_mangen).

use crate::cli::Cli;
use crate::error::exit;
use clap::CommandFactory;
use std::io::Write;

/// What `completions` and `man` print: the text as it is, and the document `--json`
/// prints instead (the text inside it).
pub struct Generated {
    pub text: Vec<u8>,
    pub data: serde_json::Value,
}

/// The completion script for `shell` (`data.script`, `data.shell`).
pub fn completions(shell: clap_complete::Shell) -> Generated {
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "baton", &mut text);
    let data = serde_json::json!({
        "shell": shell.to_string(),
        "script": String::from_utf8_lossy(&text),
    });
    Generated { text, data }
}

/// The man page: the root page, then each subcommand's page as a section of it
/// (`data.roff`).
pub fn man() -> anyhow::Result<Generated> {
    let text = page().map_err(|e| anyhow::Error::new(e).context("writing the man page"))?;
    let data = serde_json::json!({ "roff": String::from_utf8_lossy(&text) });
    Ok(Generated { text, data })
}

/// The man page as roff: `baton(1)`, then a `BATON NAME` section per subcommand holding
/// its description, synopsis and options (clap_mangen's sections, one level down).
fn page() -> std::io::Result<Vec<u8>> {
    let mut tree = Cli::command();
    tree.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(tree.clone()).render(&mut out)?;
    for sub in tree.get_subcommands().filter(|s| s.get_name() != "help") {
        writeln!(out, ".SH \"BATON {}\"", sub.get_name().to_uppercase())?;
        let man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        man.render_description_section(&mut part)?;
        man.render_synopsis_section(&mut part)?;
        man.render_options_section(&mut part)?;
        if sub.has_subcommands() {
            man.render_subcommands_section(&mut part)?;
        }
        for line in String::from_utf8_lossy(&part).lines() {
            // Each part repeats the quote-string definitions the page opened with.
            if line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq") {
                continue;
            }
            match line.strip_prefix(".SH ") {
                Some(title) => writeln!(out, ".SS {title}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(out)
}

/// Write `bytes` to stdout as they are; returns the exit code.
pub fn print(bytes: &[u8]) -> i32 {
    let mut o = std::io::stdout().lock();
    match o.write_all(bytes).and_then(|()| o.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(_) => exit::FAILURE,
    }
}
