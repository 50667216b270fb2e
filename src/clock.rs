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

/// RFC 3339 as the store writes it (`2026-12-06T21:50:07.580647032Z`), the format of
/// chrono's own serde (`AutoSi` fraction digits, `Z` for UTC), written and read with
/// plain digit work: the claim store holds one per claim and reads them all on every
/// command. Anything off the common shape falls back to chrono.
pub mod rfc3339 {
    use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Timelike};

    pub fn format(t: &DateTime<FixedOffset>) -> String {
        let mut buf = [0u8; 35];
        match write(t, &mut buf) {
            Some(text) => text.to_string(),
            None => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        }
    }

    /// `t` written into `buf`; `None` off the common shape (a year outside 0 to 9999, a
    /// leap second), which chrono writes instead.
    fn write<'b>(t: &DateTime<FixedOffset>, buf: &'b mut [u8; 35]) -> Option<&'b str> {
        let n = t.naive_local();
        let (year, nanos) = (n.year(), n.nanosecond());
        if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
            return None;
        }
        let mut at = 0;
        // `before` (a separator), then `v` in `width` digits, zero-padded.
        let mut put = |before: Option<u8>, v: u32, width: usize| {
            if let Some(c) = before {
                buf[at] = c;
                at += 1;
            }
            let mut v = v;
            for k in (0..width).rev() {
                buf[at + k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            at += width;
        };
        put(None, year as u32, 4);
        put(Some(b'-'), n.month(), 2);
        put(Some(b'-'), n.day(), 2);
        put(Some(b'T'), n.hour(), 2);
        put(Some(b':'), n.minute(), 2);
        put(Some(b':'), n.second(), 2);
        match nanos {
            0 => {}
            v if v % 1_000_000 == 0 => put(Some(b'.'), v / 1_000_000, 3),
            v if v % 1_000 == 0 => put(Some(b'.'), v / 1_000, 6),
            v => put(Some(b'.'), v, 9),
        }
        match t.offset().local_minus_utc() {
            0 => put(Some(b'Z'), 0, 0),
            off => {
                let m = off.unsigned_abs() / 60;
                put(Some(if off < 0 { b'-' } else { b'+' }), m / 60, 2);
                put(Some(b':'), m % 60, 2);
            }
        }
        std::str::from_utf8(&buf[..at]).ok()
    }

    pub fn parse(s: &str) -> Option<DateTime<FixedOffset>> {
        parse_common(s.as_bytes()).or_else(|| s.parse().ok())
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `None` for any other shape.
    fn parse_common(b: &[u8]) -> Option<DateTime<FixedOffset>> {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b.get(r)?.iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let at = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
        let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut i = 19;
        let mut nanos = 0;
        if at(i, b'.') {
            let start = i + 1;
            let len = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
            if len == 0 || len > 9 {
                return None;
            }
            nanos = num(start..start + len)? * 10u32.pow(9 - len as u32);
            i = start + len;
        }
        let offset = match b.get(i..)? {
            b"Z" => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let mins = (num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?) as i32;
                if *sign == b'-' { -mins * 60 } else { mins * 60 }
            }
            _ => return None,
        };
        let time = chrono::NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
        let offset = FixedOffset::east_opt(offset)?;
        date.and_time(time).and_local_timezone(offset).single()
    }

    pub fn serialize<S: serde::Serializer>(
        t: &DateTime<FixedOffset>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 35];
        match write(t, &mut buf) {
            Some(text) => s.serialize_str(text),
            None => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<DateTime<FixedOffset>, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = DateTime<FixedOffset>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an RFC 3339 date and time")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                parse(s).ok_or_else(|| E::custom(format!("not an RFC 3339 time: {s}")))
            }
        }
        d.deserialize_str(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;
    use chrono::{DateTime, FixedOffset, TimeZone};
    use proptest::prelude::*;

    proptest! {
        /// Written exactly as chrono's serde writes it, and read back to the same instant
        /// and offset (RFC 3339 offsets are whole minutes).
        #[test]
        fn rfc3339_matches_chrono(
            secs in -62_135_596_800i64..253_402_300_799,
            nanos in prop_oneof![Just(0u32), 0u32..1_000, (0u32..1_000).prop_map(|n| n * 1_000_000), (0u32..1_000_000).prop_map(|n| n * 1_000), 0u32..1_000_000_000],
            offset in prop_oneof![Just(0i32), (-1_439i32..1_440).prop_map(|m| m * 60)],
        ) {
            let tz = FixedOffset::east_opt(offset).unwrap();
            let t: DateTime<FixedOffset> = tz.timestamp_opt(secs, nanos).unwrap();
            let ours = rfc3339::format(&t);
            let chrono = serde_json::to_string(&t).unwrap();
            prop_assert_eq!(format!("\"{ours}\""), chrono);
            let back = rfc3339::parse(&ours).unwrap();
            prop_assert_eq!(back, t);
            prop_assert_eq!(back.offset(), t.offset());
        }
    }

    #[test]
    fn rfc3339_reads_what_chrono_reads_and_refuses_the_rest() {
        for s in [
            "2026-01-15T10:00:00Z",
            "2026-01-15T10:00:00.5+01:00",
            "2026-01-15 10:00:00z",
            "2026-01-15T10:00:00.123456789-05:30",
            "2016-12-31T23:59:60Z",
        ] {
            let want: DateTime<FixedOffset> = s.parse().unwrap();
            assert_eq!(rfc3339::parse(s), Some(want), "{s}");
        }
        for s in [
            "",
            "2026-01-15",
            "2026-13-15T10:00:00Z",
            "2026-01-15T10:00:00",
            "2026-01-15T10:00:00.Z",
        ] {
            assert_eq!(rfc3339::parse(s), None, "{s}");
        }
    }
}
