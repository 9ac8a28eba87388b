//! How the server writes times as text (SQLite columns, CSV).

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};

/// UTC with microseconds and `Z`: fixed width, so text order is time order.
pub fn to_db_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn from_db_text(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Japan Standard Time (UTC+9), the zone of every register date.
pub fn jst() -> FixedOffset {
    // Nine hours is within ±24 h, so the fallback is never taken.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_text_round_trips_and_sorts_as_time() {
        let earlier = from_db_text("2026-11-25T10:00:00+09:00").unwrap();
        let later = from_db_text("2026-11-25T01:30:00.5Z").unwrap();
        assert_eq!(from_db_text(&to_db_text(later)), Some(later));
        assert_eq!(to_db_text(earlier), "2026-11-25T01:00:00.000000Z");
        assert!(to_db_text(earlier) < to_db_text(later));
        assert_eq!(jst().local_minus_utc(), 9 * 3600);
    }
}
