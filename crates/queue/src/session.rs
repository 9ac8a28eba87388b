//! The session context: set once per batch, applied to every add and scan until changed.
//! Stored sealed (venue, lot and operator are not for plain view on disk).

use chrono::{DateTime, FixedOffset, Local, NaiveDate, TimeZone, Timelike};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vrs_record::{check_text, FieldError};

use crate::audit;
use crate::error::{QueueError, Result};
use crate::meta;
use crate::store::Queue;

/// Operator written into records when the session names none.
pub const OPERATOR_NOT_GIVEN: &str = "未入力";
const SESSION_CONTEXT: &[u8] = b"session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub venue: String,
    pub maker: String,
    pub lot: String,
    /// The doctor or nurse giving the vaccinations.
    pub operator: String,
    /// The vaccination date when entering a past day's forms; today when `None`.
    pub date: Option<NaiveDate>,
    /// The dose number to record; the ticket's own dose digit when `None`.
    pub dose: Option<u8>,
}

impl Session {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_text("venue", &self.venue)?;
        check_text("maker", &self.maker)?;
        check_text("lot", &self.lot)?;
        check_text("operator", &self.operator)?;
        if let Some(dose) = self.dose {
            if !(1..=9).contains(&dose) {
                return Err(FieldError::new("dose", format!("{dose} is not 1 to 9")));
            }
        }
        Ok(())
    }

    /// The vaccination time for a record made `now`: today's time, or the session's date at
    /// the current time of day (keeps hourly counts meaningful when a batch is entered late).
    pub fn vaccination_time(&self, now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        match self.date {
            Some(date) if date != now.date_naive() => now
                .offset()
                .from_local_datetime(&date.and_time(now.time()))
                .single()
                .unwrap_or(now),
            _ => now,
        }
    }
}

/// The tablet's current time with its UTC offset.
/// Whole seconds: a vaccination time is not known more finely, and it keeps exports tidy.
pub fn local_now() -> DateTime<FixedOffset> {
    let now = Local::now().fixed_offset();
    now.with_nanosecond(0).unwrap_or(now)
}

impl Queue {
    /// Sets the session context for the following adds and scans.
    pub fn set_session(&mut self, session: &Session) -> Result<()> {
        session.validate()?;
        let plain = serde_json::to_vec(session).map_err(|e| QueueError::Database(e.to_string()))?;
        let sealed = self.keys.seal.seal(SESSION_CONTEXT, &plain)?;
        let tx = self.conn.transaction()?;
        meta::put(&tx, "session", &sealed)?;
        audit::append(
            &tx,
            &self.keys,
            "session_set",
            None,
            &json!({ "session": session }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The current session context, if one was set.
    pub fn session(&self) -> Result<Option<Session>> {
        let Some(sealed) = meta::get(&self.conn, "session")? else {
            return Ok(None);
        };
        let plain = self
            .keys
            .seal
            .open(SESSION_CONTEXT, &sealed)
            .ok_or_else(|| QueueError::Damaged {
                what: "session context".into(),
            })?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|e| QueueError::Database(format!("session context: {e}")))
    }
}
