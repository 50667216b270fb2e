//! The integration tests: one binary, one module per area, all through the real `baton`.

mod support;

mod build;
mod cache;
mod check;
mod claims;
mod concurrency;
mod lifecycle;
mod props;
mod read;
mod rollback;
mod sessions;
