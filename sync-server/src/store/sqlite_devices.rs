//! Tablets in the SQLite store: activation codes, enrolment (with the replacement of a lost or
//! restored tablet), the lookup that authenticates every upload, and revocation.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use vrs_ticket::MunicipalityCode;

use super::model::{Device, DeviceListing, Enrolment, NewActivationCode};
use super::sqlite::{db_time, SqliteStore};
use super::{linkable, parse_code, EnrollError, StoreError, PREDECESSORS_MAX};
use crate::time::to_db_text;

/// An activation code: municipality, venue, expires at, used at, replaces.
type RawCode = (String, String, String, Option<String>, Option<String>);

/// public key, municipality, venue, enrolled at, revoked at, replaces.
type RawDevice = (
    Vec<u8>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

impl SqliteStore {
    pub async fn issue_activation_code(&self, code: NewActivationCode) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO activation_codes
                     (code_hash, municipality, venue, issued_at, expires_at, replaces_device)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    code.code_hash,
                    code.municipality.to_string(),
                    code.venue,
                    to_db_text(code.issued_at),
                    to_db_text(code.expires_at),
                    code.replaces_device
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn enroll(
        &self,
        enrolment: Enrolment,
        now: DateTime<Utc>,
    ) -> Result<Device, EnrollError> {
        self.call(move |conn| {
            // IMMEDIATE: the code's used_at and the replaced device's successor are checked and
            // set under the write lock, so two tablets racing cannot both pass.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let code: Option<RawCode> = tx
                .query_row(
                    "SELECT municipality, venue, expires_at, used_at, replaces_device
                     FROM activation_codes WHERE code_hash = ?1",
                    [&enrolment.code_hash],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                        ))
                    },
                )
                .optional()
                .map_err(StoreError::from)?;
            let Some((municipality, venue, expires_at, used_at, replaces)) = code else {
                return Err(EnrollError::UnknownCode);
            };
            if used_at.is_some() {
                return Err(EnrollError::Used);
            }
            let expires_at = db_time(&expires_at)?;
            if expires_at <= now {
                return Err(EnrollError::Expired(expires_at));
            }
            if device_exists(&tx, &enrolment.device_id)? {
                return Err(EnrollError::DeviceExists(enrolment.device_id));
            }
            if let Some(replaced) = &replaces {
                take_over(&tx, replaced, now)?;
            }
            tx.execute(
                "UPDATE activation_codes SET used_at = ?2, used_by = ?3 WHERE code_hash = ?1",
                params![enrolment.code_hash, to_db_text(now), enrolment.device_id],
            )
            .map_err(StoreError::from)?;
            tx.execute(
                "INSERT INTO devices
                     (device_id, public_key, municipality, venue, enrolled_at, replaces_device)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    enrolment.device_id,
                    enrolment.public_key,
                    municipality,
                    venue,
                    to_db_text(now),
                    replaces
                ],
            )
            .map_err(StoreError::from)?;
            let predecessors = predecessors(&tx, replaces)?;
            tx.commit().map_err(StoreError::from)?;
            Ok(Device {
                device_id: enrolment.device_id,
                public_key: enrolment.public_key,
                municipality: parse_code(&municipality)?,
                venue,
                enrolled_at: now,
                revoked_at: None,
                predecessors,
            })
        })
        .await
    }

    pub async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        let device_id = device_id.to_string();
        Self::call_on(&self.reader, move |conn| {
            let row: Option<RawDevice> = conn
                .prepare_cached(
                    "SELECT public_key, municipality, venue, enrolled_at, revoked_at,
                            replaces_device
                     FROM devices WHERE device_id = ?1",
                )?
                .query_row([&device_id], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                    ))
                })
                .optional()?;
            let Some((public_key, municipality, venue, enrolled_at, revoked_at, replaces)) = row
            else {
                return Ok(None);
            };
            Ok(Some(Device {
                device_id,
                public_key,
                municipality: parse_code(&municipality)?,
                venue,
                enrolled_at: db_time(&enrolled_at)?,
                revoked_at: revoked_at.as_deref().map(db_time).transpose()?,
                predecessors: predecessors(conn, replaces)?,
            }))
        })
        .await
    }

    pub async fn revoke_device(
        &self,
        device_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let device_id = device_id.to_string();
        self.call(move |conn| {
            revoke(conn, &device_id, now)?;
            device_exists(conn, &device_id)
        })
        .await
    }

    pub async fn devices(
        &self,
        municipality: Option<MunicipalityCode>,
    ) -> Result<Vec<DeviceListing>, StoreError> {
        let municipality = municipality.map(|code| code.to_string());
        Self::call_on(&self.reader, move |conn| {
            let mut statement = conn.prepare(
                "SELECT device_id, municipality, venue, enrolled_at, revoked_at, replaces_device
                 FROM devices WHERE ?1 IS NULL OR municipality = ?1
                 ORDER BY enrolled_at, device_id",
            )?;
            let rows = statement.query_map([&municipality], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<String>>(5)?,
                ))
            })?;
            let mut listed = Vec::new();
            for row in rows {
                let (device_id, code, venue, enrolled_at, revoked_at, replaces) = row?;
                listed.push(DeviceListing {
                    device_id,
                    municipality: parse_code(&code)?,
                    venue,
                    enrolled_at: db_time(&enrolled_at)?,
                    revoked_at: revoked_at.as_deref().map(db_time).transpose()?,
                    replaces,
                });
            }
            Ok(listed)
        })
        .await
    }

    pub async fn link_replacement(
        &self,
        device_id: &str,
        replaced: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (device_id, replaced) = (device_id.to_string(), replaced.to_string());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(Option<String>, Option<String>)> = tx
                .query_row(
                    "SELECT replaces_device, revoked_at FROM devices WHERE device_id = ?1",
                    [&device_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((replaces, revoked_at)) = row else {
                return Err(StoreError::NotFound(format!("device {device_id}")));
            };
            linkable(&device_id, &replaced, replaces, revoked_at.is_some())?;
            take_over(&tx, &replaced, now).map_err(super::link_error)?;
            tx.execute(
                "UPDATE devices SET replaces_device = ?2 WHERE device_id = ?1",
                params![device_id, replaced],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// The device that took over from `device_id`, if one did.
    pub async fn successor(&self, device_id: &str) -> Result<Option<String>, StoreError> {
        let device_id = device_id.to_string();
        Self::call_on(&self.reader, move |conn| successor(conn, &device_id)).await
    }
}

fn device_exists(conn: &Connection, device_id: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?1)",
        [device_id],
        |row| row.get(0),
    )?)
}

fn successor(conn: &Connection, device_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT device_id FROM devices WHERE replaces_device = ?1",
            [device_id],
            |row| row.get(0),
        )
        .optional()?)
}

/// The new device takes over from `replaced`: refused when another already did; the replaced
/// device is revoked (its key may be in a lost tablet).
fn take_over(tx: &Transaction<'_>, replaced: &str, now: DateTime<Utc>) -> Result<(), EnrollError> {
    if let Some(by) = successor(tx, replaced)? {
        return Err(EnrollError::AlreadyReplaced {
            replaced: replaced.to_string(),
            by,
        });
    }
    revoke(tx, replaced, now)?;
    Ok(())
}

/// Revokes `device_id` unless it already is (the first revocation time stays).
fn revoke(conn: &Connection, device_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
        params![device_id, to_db_text(now)],
    )?;
    Ok(())
}

/// The chain of replaced devices starting at `first`, nearest first.
fn predecessors(conn: &Connection, first: Option<String>) -> Result<Vec<String>, StoreError> {
    let mut chain = Vec::new();
    let mut next = first;
    while let Some(device) = next {
        if chain.len() >= PREDECESSORS_MAX || chain.contains(&device) {
            return Err(StoreError::Corrupt(format!(
                "devices: the replacement chain through {device} does not end"
            )));
        }
        next = conn
            .prepare_cached("SELECT replaces_device FROM devices WHERE device_id = ?1")?
            .query_row([&device], |row| row.get(0))
            .optional()?
            .flatten();
        chain.push(device);
    }
    Ok(chain)
}
