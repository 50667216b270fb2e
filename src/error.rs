//! Domain error kinds and the exit codes they map to.

use std::fmt;

/// The stable exit codes of every baton command.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const REFUSED: i32 = 3;
    pub const BUSY: i32 = 4;
}

/// What kind of failure an error is; decides the exit code and the JSON `error.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A task, file or instance was not found (exit 1).
    NotFound,
    /// The input is invalid: a bad reference, a file that is not UTF-8, a bad config (exit 1).
    Invalid,
    /// A check or verification found errors (exit 1).
    Failed,
    /// The command line itself is wrong (exit 2).
    Usage,
    /// A conflict or a workflow rule blocks the action (exit 3).
    Refused,
    /// The workspace is busy: lock timeout or concurrent modification (exit 4).
    Busy,
}

impl Kind {
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::NotFound | Kind::Invalid | Kind::Failed => exit::FAILURE,
            Kind::Usage => exit::USAGE,
            Kind::Refused => exit::REFUSED,
            Kind::Busy => exit::BUSY,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NotFound => "not_found",
            Kind::Invalid => "invalid",
            Kind::Failed => "failed",
            Kind::Usage => "usage",
            Kind::Refused => "refused",
            Kind::Busy => "busy",
        }
    }
}

/// An error with a kind, a message and an optional hint naming the command to run next.
#[derive(Debug, Clone)]
pub struct BatonError {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    /// Extra structured detail for `--json` (candidates, holder, ...).
    pub detail: Option<serde_json::Value>,
}

impl BatonError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        BatonError {
            kind,
            message: message.into(),
            hint: None,
            detail: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

impl fmt::Display for BatonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BatonError {}

/// Shorthand constructors.
pub fn not_found(msg: impl Into<String>) -> BatonError {
    BatonError::new(Kind::NotFound, msg)
}
pub fn invalid(msg: impl Into<String>) -> BatonError {
    BatonError::new(Kind::Invalid, msg)
}
pub fn refused(msg: impl Into<String>) -> BatonError {
    BatonError::new(Kind::Refused, msg)
}
pub fn busy(msg: impl Into<String>) -> BatonError {
    BatonError::new(Kind::Busy, msg)
}
pub fn usage(msg: impl Into<String>) -> BatonError {
    BatonError::new(Kind::Usage, msg)
}

/// The kind of an arbitrary error: a `BatonError` anywhere in the chain decides, else failure.
pub fn kind_of(err: &anyhow::Error) -> Kind {
    err.chain()
        .find_map(|e| e.downcast_ref::<BatonError>())
        .map(|e| e.kind)
        .unwrap_or(Kind::Failed)
}

/// The first `BatonError` in the chain, if any.
pub fn baton_error(err: &anyhow::Error) -> Option<&BatonError> {
    err.chain().find_map(|e| e.downcast_ref::<BatonError>())
}
