//! The integration tests: one binary, one module per area, all through the real `baton`.

mod support;

mod agents;
mod cache;
mod check;
mod claims;
mod concurrency;
mod layers;
mod lifecycle;
mod mcp;
mod props;
mod read;
mod reliability;
mod rollback;
mod sessions;
mod shell;
