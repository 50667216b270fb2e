//! The integration tests: one binary, one module per area, all through the real `baton`.

mod support;

mod agents;
mod cache;
mod check;
mod claims;
mod concurrency;
mod edges;
mod layers;
mod lifecycle;
mod mcp;
mod props;
mod read;
mod ready;
mod reliability;
mod remote;
mod rollback;
mod sessions;
mod shell;
mod store;
