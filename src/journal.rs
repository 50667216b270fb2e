//! The intent record of a multi-file transaction (`.baton/txn.json`).

pub const FILE: &str = "txn.json";
