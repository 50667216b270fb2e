//! The document model: TASKS.md and instance files parsed into spans over their text.

pub mod codec;
pub mod coord;
pub mod edits;
pub mod frontmatter;
pub mod links;
pub mod rebase;
pub mod refs;
pub mod session;
pub mod tasks;

pub use tasks::{Document, ParseEnv, Task, TaskKind};
