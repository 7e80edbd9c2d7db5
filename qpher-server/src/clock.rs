//! Wall-clock time in the two forms the server writes: ISO-8601 text and Unix seconds.

use time::OffsetDateTime;
use time::macros::format_description;

/// Returns the current UTC time as ISO-8601 text with milliseconds, such as
/// `2026-01-01T10:30:00.000Z`.
pub(crate) fn timestamp_now() -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
}

/// Returns the current time in whole seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_shape() {
        let text = timestamp_now();
        assert_eq!(text.len(), 24, "{text}");
        assert!(text.ends_with('Z'));
        assert_eq!(&text[10..11], "T");
        assert_eq!(&text[19..20], ".");
    }
}
