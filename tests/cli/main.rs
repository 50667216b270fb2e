//! The integration tests: one binary, one module per area, all through the real `baton`.

mod support;

mod cache;
mod check;
mod claims;
mod concurrency;
mod layers;
mod lifecycle;
mod props;
mod read;
mod ready;
mod sessions;
