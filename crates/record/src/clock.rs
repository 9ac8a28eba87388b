use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use thiserror::Error;

/// Japan's first COVID-19 vaccinations were on 2021-02-17; nothing before February 2021 is real.
pub const EARLIEST_VACCINATION: &str = "2021-02-01T00:00:00+09:00";
/// [`EARLIEST_VACCINATION`] as Unix seconds.
const EARLIEST_UNIX_SECONDS: i64 = 1_612_105_200;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClockError {
    #[error("vaccination date {0}: before 2021-02-01, when vaccinations began; check the tablet's clock or the date entered")]
    TooEarly(String),
    #[error("vaccination date {at}: more than a day ahead of the last server time seen ({server}); check the tablet's clock")]
    InFuture { at: String, server: String },
}

/// Refuses a vaccination time before 2021-02-01 or more than a day ahead of the newest trusted
/// time (the last server time seen, or the tablet clock when no server was ever reached).
pub fn check_vaccination_time(
    at: DateTime<FixedOffset>,
    trusted_now: DateTime<Utc>,
) -> Result<(), ClockError> {
    if at.timestamp() < EARLIEST_UNIX_SECONDS {
        return Err(ClockError::TooEarly(at.to_rfc3339()));
    }
    if at.with_timezone(&Utc) > trusted_now + TimeDelta::days(1) {
        return Err(ClockError::InFuture {
            at: at.to_rfc3339(),
            server: trusted_now.to_rfc3339(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn earliest_constant_matches_its_text() {
        assert_eq!(at(EARLIEST_VACCINATION).timestamp(), EARLIEST_UNIX_SECONDS);
    }

    #[test]
    fn refuses_dates_before_the_programme() {
        let now = Utc::now();
        assert!(check_vaccination_time(at("2021-01-31T23:59:59+09:00"), now).is_err());
        assert!(check_vaccination_time(at("2021-02-01T00:00:00+09:00"), now).is_ok());
    }

    #[test]
    fn refuses_more_than_a_day_ahead_of_server_time() {
        let server = at("2026-11-25T10:00:00Z").with_timezone(&Utc);
        assert!(check_vaccination_time(at("2026-11-26T09:59:00Z"), server).is_ok());
        let err = check_vaccination_time(at("2026-11-26T10:00:01Z"), server).unwrap_err();
        assert!(err.to_string().contains("ahead"));
    }
}
