//! The `**Last Updated**: YYYY-MM-DD` line of a tasks file: the edit that brings its date
//! to the day of the command that edits the file.

use crate::edit::Edit;
use std::ops::Range;

/// The date of the first line that starts `**Last Updated**:` (or `**Last Updated:**`)
/// with a `YYYY-MM-DD` date: its byte range. Other values (prose dates) are left alone.
pub fn last_updated_date(text: &str) -> Option<Range<usize>> {
    let b = text.as_bytes();
    for at in memchr::memmem::find_iter(b, b"**Last Updated") {
        if at != 0 && b[at - 1] != b'\n' && !(at == 3 && text.starts_with(crate::text::BOM)) {
            continue;
        }
        let rest = &text[at + "**Last Updated".len()..];
        let Some(after) = ["**:", ":**"].iter().find_map(|p| rest.strip_prefix(p)) else {
            continue;
        };
        let value = after.trim_start_matches([' ', '\t']);
        let start = text.len() - value.len();
        let date = value.get(..10)?;
        let shape = date.bytes().enumerate().all(|(i, c)| match i {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        });
        return shape.then_some(start..start + 10);
    }
    None
}

/// The edit that sets the Last Updated date to `today` (`YYYY-MM-DD`), if the file has
/// such a line and it names another day.
pub fn last_updated_edit(text: &str, today: &str) -> Option<Edit> {
    let r = last_updated_date(text)?;
    (text[r.clone()] != *today).then(|| Edit::replace(r, today))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_date_in_both_spellings_and_only_at_a_line_start() {
        for (text, want) in [
            ("# T\n\n**Last Updated**: 2025-01-02\n", Some("2025-01-02")),
            (
                "**Last Updated:** 2025-01-02 (Session 3)",
                Some("2025-01-02"),
            ),
            ("\u{feff}**Last Updated**: 2025-01-02", Some("2025-01-02")),
            ("say **Last Updated**: 2025-01-02\n", None),
            ("**Last Updated**: January 2, 2025\n", None),
            ("no line\n", None),
        ] {
            assert_eq!(last_updated_date(text).map(|r| &text[r]), want, "{text:?}");
        }
        assert!(last_updated_edit("**Last Updated**: 2025-01-02", "2025-01-02").is_none());
        let e = last_updated_edit("**Last Updated**: 2025-01-02", "2026-03-04").unwrap();
        assert_eq!(
            crate::edit::apply("**Last Updated**: 2025-01-02", &[e]).unwrap(),
            "**Last Updated**: 2026-03-04"
        );
    }
}
