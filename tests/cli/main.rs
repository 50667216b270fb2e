//! The integration tests: one binary, one module per area, all through the real `baton`.

mod support;

mod claims;
mod concurrency;
mod props;
mod read;
