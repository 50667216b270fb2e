//! Output: the JSON envelope, human rendering, colour. Commands hand over a serialisable
//! value and a renderer from `render`; this module decides which one reaches stdout.
//!
//! Layer: the interface, below `context` and `commands`. How to render comes in through
//! the `Mode` trait; it reads no files and decides nothing.

pub mod render;
pub mod waits;
pub mod wire;

use crate::error;
use serde::Serialize;
use std::io::{IsTerminal, Write};

pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// How a command's output is to be rendered (`context::Ctx` says it): the format and,
/// for people, the styling.
pub trait Mode {
    fn format(&self) -> Format;
    fn style(&self) -> Style;
}

/// ANSI styling, enabled or not.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn new(choice: crate::cli::ColorChoice, stream_is_tty: bool) -> Style {
        use crate::cli::ColorChoice::*;
        let color = match choice {
            Always => true,
            Never => false,
            Auto => stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        Style { color }
    }
    fn paint(&self, code: &str, s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 8);
        self.push(&mut out, code, format_args!("{s}"));
        out
    }
    /// Write `args` painted with `code` into `out`.
    fn push(&self, out: &mut String, code: &str, args: std::fmt::Arguments) {
        use std::fmt::Write;
        let _ = if self.color {
            write!(out, "\x1b[{code}m{args}\x1b[0m")
        } else {
            out.write_fmt(args)
        };
    }
    pub fn push_bold(&self, out: &mut String, args: std::fmt::Arguments) {
        self.push(out, "1", args)
    }
    pub fn push_dim(&self, out: &mut String, args: std::fmt::Arguments) {
        self.push(out, "2", args)
    }
    pub fn push_green(&self, out: &mut String, args: std::fmt::Arguments) {
        self.push(out, "32", args)
    }
    pub fn push_cyan(&self, out: &mut String, args: std::fmt::Arguments) {
        self.push(out, "36", args)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("1;33", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn cyan(&self, s: &str) -> String {
        self.paint("36", s)
    }
}

/// What a command produced: the `data` document (serialised already, or a writer for it),
/// the human text, warnings, and the exit code.
pub struct Outcome {
    pub data: Option<Data>,
    pub human: String,
    pub warnings: Vec<String>,
    pub exit: i32,
    /// For an exit other than 0: the error that goes with the data.
    pub error: Option<error::BatonError>,
}

/// The `data` document of an outcome.
pub enum Data {
    /// Serialised already, as compact JSON.
    Json(Vec<u8>),
    /// Written by `emit` straight to stdout, so that a large document is never held in
    /// memory whole (the writer is infallible but for I/O errors).
    Stream(Box<WriteData>),
}

/// Writes a `data` document.
pub type WriteData = dyn Fn(&mut dyn Write) -> std::io::Result<()>;

impl Outcome {
    /// Build the output for `format`: only the needed representation is computed.
    pub fn new<T: Serialize>(
        ctx: &impl Mode,
        data: &T,
        human: impl FnOnce(&T, &Style) -> String,
    ) -> anyhow::Result<Outcome> {
        Outcome::with_json(
            ctx,
            data,
            |d, buf| Ok(serde_json::to_writer(buf, d)?),
            human,
        )
    }

    /// `new` with the JSON written by `json` into an empty buffer (for the hand-written
    /// writers of `wire`).
    pub fn with_json<T>(
        ctx: &impl Mode,
        data: &T,
        json: impl FnOnce(&T, &mut Vec<u8>) -> anyhow::Result<()>,
        human: impl FnOnce(&T, &Style) -> String,
    ) -> anyhow::Result<Outcome> {
        let (data, human) = match ctx.format() {
            Format::Json => {
                let mut buf = Vec::with_capacity(1024);
                json(data, &mut buf)?;
                (Some(Data::Json(buf)), String::new())
            }
            Format::Human => (None, human(data, &ctx.style())),
        };
        Ok(Outcome {
            data,
            human,
            warnings: Vec::new(),
            exit: 0,
            error: None,
        })
    }

    /// The outcome of a command whose data is one task (`show`, `next`).
    pub fn task(
        ctx: &impl Mode,
        data: &wire::TaskData,
        human: impl FnOnce(&wire::TaskData, &Style) -> String,
    ) -> anyhow::Result<Outcome> {
        Outcome::with_json(
            ctx,
            data,
            |d, buf| {
                d.write_json(buf);
                Ok(())
            },
            human,
        )
    }

    /// A JSON outcome whose `data` `write` writes when the outcome is printed.
    pub fn stream(write: impl Fn(&mut dyn Write) -> std::io::Result<()> + 'static) -> Outcome {
        Outcome {
            data: Some(Data::Stream(Box::new(write))),
            human: String::new(),
            warnings: Vec::new(),
            exit: 0,
            error: None,
        }
    }

    /// `baton --version --json`: the program's version as the data.
    pub fn version(version: &str) -> Outcome {
        Outcome::json(serde_json::json!({ "name": "baton", "version": version }))
    }

    /// An outcome whose data is `data` as it is, with no human form (help, completion
    /// scripts and the man page under `--json`).
    pub fn json(data: serde_json::Value) -> Outcome {
        Outcome {
            data: Some(Data::Json(data.to_string().into_bytes())),
            human: String::new(),
            warnings: Vec::new(),
            exit: 0,
            error: None,
        }
    }

    pub fn warn(mut self, w: Vec<String>) -> Self {
        self.warnings.extend(w);
        self
    }

    /// Mark the outcome as failed with `err` (exit code from its kind), keeping the data.
    pub fn fail(mut self, err: error::BatonError) -> Self {
        self.exit = err.kind.exit_code();
        self.error = Some(err);
        self
    }
}

#[derive(Serialize)]
struct ErrorWire<'a> {
    kind: &'a str,
    message: &'a str,
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    causes: Vec<String>,
}

/// Print a successful (or data-carrying failed) outcome; returns the exit code.
pub fn emit(format: Format, style: Style, command: &str, out: &Outcome) -> i32 {
    let r = match format {
        Format::Json => {
            let (head, tail) = envelope_parts(command, out);
            write_json_doc(&head, out.data.as_ref(), &tail)
        }
        Format::Human => (|| -> std::io::Result<()> {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            w.write_all(out.human.as_bytes())?;
            if !out.human.is_empty() && !out.human.ends_with('\n') {
                w.write_all(b"\n")?;
            }
            w.flush()?;
            drop(w);
            let mut e = std::io::stderr().lock();
            for warn in &out.warnings {
                writeln!(e, "{} {warn}", style.yellow("warning:"))?;
            }
            if let Some(err) = &out.error {
                write_human_error(&mut e, style, &err.message, err.hint.as_deref(), &[])?;
            }
            Ok(())
        })(),
    };
    match r {
        Ok(()) => out.exit,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => out.exit,
        // The change was made: the exit code says so, whatever became of its report.
        Err(e) if crate::txn::wrote_files() => {
            let _ = writeln!(
                std::io::stderr(),
                "baton: could not print the report ({e}); the change itself was made: `baton status` shows it"
            );
            out.exit
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "baton: could not print the output: {e}");
            error::exit::FAILURE
        }
    }
}

/// The JSON envelope of `out` around its data: the bytes before and after it.
fn envelope_parts(command: &str, out: &Outcome) -> (Vec<u8>, Vec<u8>) {
    let err = out.error.as_ref().map(|e| ErrorWire {
        kind: e.kind.as_str(),
        message: &e.message,
        hint: e.hint.as_deref(),
        detail: e.detail.as_ref(),
        causes: Vec::new(),
    });
    let mut head = Vec::with_capacity(128);
    head.extend_from_slice(format!("{{\"version\":{JSON_VERSION},\"command\":").as_bytes());
    serde_json::to_writer(&mut head, command).expect("a string serialises");
    head.extend_from_slice(format!(",\"ok\":{}", out.exit == 0).as_bytes());
    if out.data.is_some() {
        head.extend_from_slice(b",\"data\":");
    }
    let mut tail = Vec::with_capacity(64);
    if let Some(e) = err {
        tail.extend_from_slice(b",\"error\":");
        serde_json::to_writer(&mut tail, &e).expect("an error serialises");
    }
    tail.extend_from_slice(b",\"warnings\":");
    serde_json::to_writer(&mut tail, &out.warnings).expect("strings serialise");
    tail.extend_from_slice(b"}\n");
    (head, tail)
}

/// The JSON envelope `--json` prints for `result`, as bytes, and the exit code: what
/// `emit` or `emit_error` would print on stdout.
pub fn envelope(command: &str, result: &anyhow::Result<Outcome>) -> (i32, Vec<u8>) {
    match result {
        Ok(out) => {
            let (head, tail) = envelope_parts(command, out);
            let mut buf = Vec::with_capacity(head.len() + tail.len() + 1024);
            buf.extend_from_slice(&head);
            let written = match &out.data {
                Some(Data::Json(d)) => {
                    buf.extend_from_slice(d);
                    Ok(())
                }
                Some(Data::Stream(write)) => write(&mut buf),
                None => Ok(()),
            };
            match written {
                Ok(()) => {
                    buf.extend_from_slice(&tail);
                    (out.exit, buf)
                }
                Err(e) => envelope(command, &Err(anyhow::Error::new(e))),
            }
        }
        Err(err) => {
            let (kind, doc, ..) = error_document(command, err);
            (kind.exit_code(), format!("{doc}\n").into_bytes())
        }
    }
}

/// Print the JSON document `head`, `data`, `tail` on stdout.
fn write_json_doc(head: &[u8], data: Option<&Data>, tail: &[u8]) -> std::io::Result<()> {
    fn write_parts(
        w: &mut impl Write,
        head: &[u8],
        data: Option<&Data>,
        tail: &[u8],
    ) -> std::io::Result<()> {
        w.write_all(head)?;
        match data {
            Some(Data::Json(d)) => w.write_all(d)?,
            Some(Data::Stream(write)) => write(w)?,
            None => {}
        }
        w.write_all(tail)?;
        w.flush()
    }
    let mut stdout = std::io::stdout().lock();
    match raw_stdout(&mut stdout) {
        Some(f) => write_parts(
            &mut std::io::BufWriter::with_capacity(1 << 16, f),
            head,
            data,
            tail,
        ),
        None => write_parts(
            &mut std::io::BufWriter::with_capacity(1 << 16, stdout),
            head,
            data,
            tail,
        ),
    }
}

/// Stdout as a plain file (a duplicate of the descriptor; `stdout` stays locked): the
/// standard handle is line-buffered and scans every byte written for a newline.
#[cfg(unix)]
fn raw_stdout(stdout: &mut std::io::StdoutLock) -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    stdout.flush().ok()?;
    let fd = stdout.as_fd().try_clone_to_owned().ok()?;
    Some(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn raw_stdout(_: &mut std::io::StdoutLock) -> Option<std::fs::File> {
    None
}

fn write_human_error(
    w: &mut impl Write,
    style: Style,
    message: &str,
    hint: Option<&str>,
    causes: &[String],
) -> std::io::Result<()> {
    writeln!(w, "{} {message}", style.red("error:"))?;
    for c in causes {
        writeln!(w, "  caused by: {c}")?;
    }
    if let Some(h) = hint {
        writeln!(w, "  {} {h}", style.cyan("hint:"))?;
    }
    Ok(())
}

/// The JSON error document of `err` for `command`, with its kind, message, hint and causes.
fn error_document(
    command: &str,
    err: &anyhow::Error,
) -> (
    error::Kind,
    serde_json::Value,
    String,
    Option<String>,
    Vec<String>,
) {
    let kind = error::kind_of(err);
    let be = error::baton_error(err);
    let message = be
        .map(|b| b.message.clone())
        .unwrap_or_else(|| err.to_string());
    let hint = be.and_then(|b| b.hint.clone());
    let causes: Vec<String> = if be.is_some() {
        Vec::new()
    } else {
        err.chain().skip(1).map(|c| c.to_string()).collect()
    };
    let doc = serde_json::json!({
        "version": JSON_VERSION,
        "command": command,
        "ok": false,
        "error": ErrorWire {
            kind: kind.as_str(),
            message: &message,
            hint: hint.as_deref(),
            detail: be.and_then(|b| b.detail.as_ref()),
            causes: causes.clone(),
        },
        "warnings": [],
    });
    (kind, doc, message, hint, causes)
}

/// Print an error: JSON on stdout, or `error:`/`caused by:`/`hint:` on stderr. Returns the exit code.
pub fn emit_error(format: Format, style: Style, command: &str, err: &anyhow::Error) -> i32 {
    let (kind, doc, message, hint, causes) = error_document(command, err);
    match format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{doc}");
            let _ = out.flush();
            // The diagnostic also goes to stderr, for people watching an agent's terminal.
            let mut e = std::io::stderr().lock();
            let _ = write_human_error(
                &mut e,
                Style { color: false },
                &message,
                hint.as_deref(),
                &causes,
            );
        }
        Format::Human => {
            let mut e = std::io::stderr().lock();
            let _ = write_human_error(&mut e, style, &message, hint.as_deref(), &causes);
        }
    }
    kind.exit_code()
}

/// Skip freeing `value`: a command's document lives until the process exits right after
/// printing, and freeing a large one piece by piece only costs time. A serving process
/// (`baton mcp`) frees it.
pub fn leak_at_exit<T>(value: T) {
    if crate::lifetime::serving() {
        drop(value);
    } else {
        std::mem::forget(value);
    }
}

/// Whether stdout is a terminal (for colour and layout decisions).
pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}
