//! The context every command runs in: workspace, output mode, clock, lock settings.

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
    /// Take the workspace lock, exiting with code 4 (and the error document) on timeout.
    pub fn lock(&self) -> anyhow::Result<Lock> {
        let format = self.format;
        let style = self.style;
        let command = self.command.clone();
        self.ws.ignore_state_dir();
        lock::acquire(
            &self.ws.state_dir(),
            self.wait,
            Box::new(move |err| {
                let e = anyhow::Error::new(err);
                crate::output::emit_error(format, style, &command, &e);
                std::process::exit(crate::error::exit::BUSY);
            }),
        )
    }

    pub fn now_secs(&self) -> i64 {
        self.now.timestamp()
    }
}
