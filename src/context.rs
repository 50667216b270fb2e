//! The context every command runs in: workspace, output mode, clock, lock settings.
//!
//! Layer: the interface, above output. It gives `txn` its `Scope` and `output` its `Mode`,
//! so that neither reaches up to it.

use crate::lock::{self, Lock};
use crate::output::{Format, Style};
use crate::workspace::Workspace;
use chrono::{DateTime, FixedOffset};
use std::time::Duration;

pub struct Ctx {
    pub ws: Workspace,
    pub format: Format,
    pub style: Style,
    pub now: DateTime<FixedOffset>,
    /// How long to wait for the workspace lock.
    pub wait: Duration,
    /// The command name, for the JSON envelope.
    pub command: String,
}

impl Ctx {
    /// Take the workspace lock, exiting with code 4 (and the error document) on timeout;
    /// a serving process (`baton mcp`) gets the busy error back instead.
    pub fn lock(&self) -> anyhow::Result<Lock> {
        let format = self.format;
        let style = self.style;
        let on_timeout = || -> lock::OnTimeout {
            let command = self.command.clone();
            Box::new(move |err| {
                let e = anyhow::Error::new(err);
                crate::output::emit_error(format, style, &command, &e);
                std::process::exit(crate::error::exit::BUSY);
            })
        };
        let waiting = if crate::lifetime::serving() {
            lock::Waiting::Return
        } else {
            lock::Waiting::Exit(&on_timeout)
        };
        lock::acquire(
            &self.ws.lock_dirs(),
            &self.ws.state_dir(),
            self.wait,
            waiting,
        )
    }

    pub fn now_secs(&self) -> i64 {
        self.now.timestamp()
    }
}

impl crate::txn::Scope for Ctx {
    fn lock(&self) -> anyhow::Result<Lock> {
        Ctx::lock(self)
    }

    fn root(&self) -> &std::path::Path {
        &self.ws.root
    }

    fn state_dir(&self) -> std::path::PathBuf {
        self.ws.state_dir()
    }

    fn command(&self) -> &str {
        &self.command
    }

    fn sweep(&self) {
        self.ws.sweep(true);
    }
}

impl crate::output::Mode for Ctx {
    fn format(&self) -> Format {
        self.format
    }

    fn style(&self) -> Style {
        self.style
    }
}
