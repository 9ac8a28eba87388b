//! The PIN: its rules, the wrapped data key, and the wrong-PIN lockout.
//!
//! The counter lives in the database and is written before the refusal is returned, so that
//! restarting the app does not reset it.

use chrono::TimeDelta;
use rusqlite::{params, Connection};

use crate::clock::{from_ms, now_ms};
use crate::crypto::{pin_key, random_bytes, Keys, KEY_LEN, PIN_ITERATIONS, SALT_LEN};
use crate::error::{QueueError, Result};
use crate::meta;

/// Wrong PINs in a row before the store locks.
pub const LOCK_AFTER: u32 = 10;
const WRAP_CONTEXT: &[u8] = b"vrs-queue data key v1";
const MIN_PIN_CHARS: usize = 6;
const MAX_PIN_CHARS: usize = 64;

/// A PIN must be at least 6 characters: with 600,000 PBKDF2 iterations a 4-digit PIN falls to
/// an offline guesser in under an hour of one core.
pub fn check_pin_rules(pin: &str) -> Result<()> {
    let count = pin.chars().count();
    if count < MIN_PIN_CHARS {
        return Err(QueueError::PinRule(format!(
            "{count} characters, at least {MIN_PIN_CHARS} needed"
        )));
    }
    if count > MAX_PIN_CHARS {
        return Err(QueueError::PinRule(format!(
            "{count} characters, at most {MAX_PIN_CHARS} allowed"
        )));
    }
    if pin.chars().any(char::is_control) {
        return Err(QueueError::PinRule("contains a control character".into()));
    }
    Ok(())
}

/// How long the store stays locked after `failures` wrong PINs in a row: nothing before the
/// tenth, then 30 s doubling with each further wrong PIN, at most an hour.
pub fn lock_delay(failures: u32) -> TimeDelta {
    if failures < LOCK_AFTER {
        return TimeDelta::zero();
    }
    let doublings = (failures - LOCK_AFTER).min(7);
    TimeDelta::seconds((30i64 << doublings).min(3600))
}

/// Key material kept in `meta`: the salt, the iteration count and the wrapped data key.
pub struct WrappedKey {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub wrapped: Vec<u8>,
}

impl WrappedKey {
    /// Wraps `data_key` under a fresh salt and the PIN.
    pub fn wrap(pin: &str, data_key: &[u8; KEY_LEN]) -> Result<Self> {
        let salt = random_bytes::<SALT_LEN>()?.to_vec();
        let kek = pin_key(pin, &salt, PIN_ITERATIONS)?;
        Ok(Self {
            wrapped: kek.seal(WRAP_CONTEXT, data_key)?,
            salt,
            iterations: PIN_ITERATIONS,
        })
    }

    /// The data key, or `None` for a wrong PIN (or an altered key block).
    pub fn unwrap_with(&self, pin: &str) -> Result<Option<Keys>> {
        let kek = pin_key(pin, &self.salt, self.iterations)?;
        let Some(bytes) = kek.open(WRAP_CONTEXT, &self.wrapped) else {
            return Ok(None);
        };
        let data_key: [u8; KEY_LEN] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| QueueError::Damaged {
                    what: "wrapped data key".into(),
                })?;
        Keys::from_data_key(data_key).map(Some)
    }

    pub fn load(conn: &Connection) -> Result<Self> {
        let iterations = meta::get_text(conn, "kdf_iterations")?
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| QueueError::Database("meta kdf_iterations missing".into()))?;
        Ok(Self {
            salt: meta::require(conn, "kdf_salt")?,
            iterations,
            wrapped: meta::require(conn, "wrapped_key")?,
        })
    }

    pub fn store(&self, conn: &Connection) -> Result<()> {
        meta::put(conn, "kdf_salt", &self.salt)?;
        meta::put(
            conn,
            "kdf_iterations",
            self.iterations.to_string().as_bytes(),
        )?;
        meta::put(conn, "wrapped_key", &self.wrapped)
    }
}

fn guard(conn: &Connection) -> Result<(u32, i64)> {
    Ok(conn.query_row(
        "SELECT failures, locked_until_ms FROM pin_guard WHERE id = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?)
}

fn locked_error(failures: u32, until_ms: i64) -> QueueError {
    QueueError::Locked {
        failures,
        until: from_ms(until_ms).to_rfc3339(),
        seconds_left: (until_ms - now_ms() + 999) / 1000,
    }
}

/// Unwraps the data key with `pin`, keeping the wrong-PIN count.
pub fn unlock(conn: &Connection, pin: &str) -> Result<Keys> {
    let (failures, locked_until_ms) = guard(conn)?;
    if now_ms() < locked_until_ms {
        return Err(locked_error(failures, locked_until_ms));
    }
    let wrapped = WrappedKey::load(conn)?;
    match wrapped.unwrap_with(pin)? {
        Some(keys) => {
            if failures > 0 {
                conn.execute(
                    "UPDATE pin_guard SET failures = 0, locked_until_ms = 0 WHERE id = 1",
                    [],
                )?;
            }
            Ok(keys)
        }
        None => {
            let failures = failures.saturating_add(1);
            let delay = lock_delay(failures);
            let until = if delay > TimeDelta::zero() {
                now_ms() + delay.num_milliseconds()
            } else {
                0
            };
            conn.execute(
                "UPDATE pin_guard SET failures = ?1, locked_until_ms = ?2 WHERE id = 1",
                params![failures, until],
            )?;
            if until > 0 {
                Err(locked_error(failures, until))
            } else {
                Err(QueueError::WrongPin {
                    failures,
                    limit: LOCK_AFTER,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_after_ten_and_is_capped() {
        assert_eq!(lock_delay(9), TimeDelta::zero());
        assert_eq!(lock_delay(10), TimeDelta::seconds(30));
        assert_eq!(lock_delay(11), TimeDelta::seconds(60));
        assert_eq!(lock_delay(40), TimeDelta::seconds(3600));
    }

    #[test]
    fn pin_rules_name_the_problem() {
        assert!(check_pin_rules("12345")
            .unwrap_err()
            .to_string()
            .contains("at least 6"));
        assert!(check_pin_rules("123456").is_ok());
        assert!(check_pin_rules("1234\n56").is_err());
    }
}
