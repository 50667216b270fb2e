//! The clock, injectable for tests through `BATON_NOW` (RFC 3339).

use chrono::{DateTime, FixedOffset, Local};

/// The environment variable that fixes "now" (honoured for tests and reproducible runs).
pub const ENV: &str = "BATON_NOW";

pub fn now() -> DateTime<FixedOffset> {
    if let Ok(v) = std::env::var(ENV)
        && let Ok(t) = DateTime::parse_from_rfc3339(v.trim())
    {
        return t;
    }
    Local::now().fixed_offset()
}

/// A short human age: `45s`, `12m`, `3h`, `2d`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86400 * 2 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}
