//! Tablets in the PostgreSQL store: activation codes, enrolment (with the replacement of a lost
//! or restored tablet), the lookup that authenticates every upload, and revocation.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use vrs_ticket::MunicipalityCode;

use super::model::{Device, DeviceListing, Enrolment, NewActivationCode};
use super::postgres::PostgresStore;
use super::{parse_code, EnrollError, StoreError, PREDECESSORS_MAX};

impl PostgresStore {
    pub async fn issue_activation_code(&self, code: NewActivationCode) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO activation_codes
                     (code_hash, municipality, venue, issued_at, expires_at, replaces_device)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &code.code_hash,
                    &code.municipality.to_string(),
                    &code.venue,
                    &code.issued_at,
                    &code.expires_at,
                    &code.replaces_device,
                ],
            )
            .await?;
        Ok(())
    }

    pub async fn enroll(
        &self,
        enrolment: Enrolment,
        now: DateTime<Utc>,
    ) -> Result<Device, EnrollError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::from)?;
        // FOR UPDATE: two tablets racing with one code cannot both pass the used_at check.
        let row = tx
            .query_opt(
                "SELECT municipality, venue, expires_at, used_at, replaces_device
                 FROM activation_codes WHERE code_hash = $1 FOR UPDATE",
                &[&enrolment.code_hash],
            )
            .await
            .map_err(StoreError::from)?;
        let Some(row) = row else {
            return Err(EnrollError::UnknownCode);
        };
        let municipality: String = row.get(0);
        let venue: String = row.get(1);
        let expires_at: DateTime<Utc> = row.get(2);
        let used_at: Option<DateTime<Utc>> = row.get(3);
        let replaces: Option<String> = row.get(4);
        if used_at.is_some() {
            return Err(EnrollError::Used);
        }
        if expires_at <= now {
            return Err(EnrollError::Expired(expires_at));
        }
        if let Some(replaced) = &replaces {
            take_over(&tx, replaced, now).await?;
        }
        let inserted = tx
            .execute(
                "INSERT INTO devices
                     (device_id, public_key, municipality, venue, enrolled_at, replaces_device)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (device_id) DO NOTHING",
                &[
                    &enrolment.device_id,
                    &enrolment.public_key,
                    &municipality,
                    &venue,
                    &now,
                    &replaces,
                ],
            )
            .await
            .map_err(StoreError::from)?;
        if inserted == 0 {
            return Err(EnrollError::DeviceExists(enrolment.device_id));
        }
        tx.execute(
            "UPDATE activation_codes SET used_at = $2, used_by = $3 WHERE code_hash = $1",
            &[&enrolment.code_hash, &now, &enrolment.device_id],
        )
        .await
        .map_err(StoreError::from)?;
        let predecessors = predecessors(&tx, replaces).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Device {
            device_id: enrolment.device_id,
            public_key: enrolment.public_key,
            municipality: parse_code(&municipality)?,
            venue,
            enrolled_at: now,
            revoked_at: None,
            predecessors,
        })
    }

    pub async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT public_key, municipality, venue, enrolled_at, revoked_at, replaces_device
                 FROM devices WHERE device_id = $1",
                &[&device_id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Device {
            device_id: device_id.to_string(),
            public_key: row.get(0),
            municipality: parse_code(row.get(1))?,
            venue: row.get(2),
            enrolled_at: row.get(3),
            revoked_at: row.get(4),
            predecessors: predecessors(&client, row.get(5)).await?,
        }))
    }

    pub async fn revoke_device(
        &self,
        device_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        revoke(&client, device_id, now).await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = $1)",
                &[&device_id],
            )
            .await?;
        Ok(row.get(0))
    }

    pub async fn devices(
        &self,
        municipality: Option<MunicipalityCode>,
    ) -> Result<Vec<DeviceListing>, StoreError> {
        let municipality = municipality.map(|code| code.to_string());
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_id, municipality, venue, enrolled_at, revoked_at, replaces_device
                 FROM devices WHERE $1::text IS NULL OR municipality = $1
                 ORDER BY enrolled_at, device_id",
                &[&municipality],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeviceListing {
                    device_id: row.get(0),
                    municipality: parse_code(row.get(1))?,
                    venue: row.get(2),
                    enrolled_at: row.get(3),
                    revoked_at: row.get(4),
                    replaces: row.get(5),
                })
            })
            .collect()
    }

    pub async fn link_replacement(
        &self,
        device_id: &str,
        replaced: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT replaces_device, revoked_at IS NOT NULL FROM devices
                 WHERE device_id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("device {device_id}")));
        };
        super::linkable(device_id, replaced, row.get(0), row.get(1))?;
        take_over(&tx, replaced, now)
            .await
            .map_err(super::link_error)?;
        tx.execute(
            "UPDATE devices SET replaces_device = $2 WHERE device_id = $1",
            &[&device_id, &replaced],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The device that took over from `device_id`, if one did.
    pub async fn successor(&self, device_id: &str) -> Result<Option<String>, StoreError> {
        successor(&self.client().await?, device_id).await
    }
}

async fn successor<C: GenericClient>(
    client: &C,
    device_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT device_id FROM devices WHERE replaces_device = $1",
            &[&device_id],
        )
        .await?
        .map(|row| row.get(0)))
}

/// The new device takes over from `replaced`: refused when another already did; the replaced
/// device is revoked (its key may be in a lost tablet). The replaced device's row is locked
/// first, so two enrolments replacing it take turns and the second sees the first's successor.
async fn take_over<C: GenericClient>(
    tx: &C,
    replaced: &str,
    now: DateTime<Utc>,
) -> Result<(), EnrollError> {
    tx.query_opt(
        "SELECT 1 FROM devices WHERE device_id = $1 FOR UPDATE",
        &[&replaced],
    )
    .await
    .map_err(StoreError::from)?;
    if let Some(by) = successor(tx, replaced).await? {
        return Err(EnrollError::AlreadyReplaced {
            replaced: replaced.to_string(),
            by,
        });
    }
    revoke(tx, replaced, now).await?;
    Ok(())
}

/// Revokes `device_id` unless it already is (the first revocation time stays).
async fn revoke<C: GenericClient>(
    client: &C,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    client
        .execute(
            "UPDATE devices SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL",
            &[&device_id, &now],
        )
        .await?;
    Ok(())
}

/// The chain of replaced devices starting at `first`, nearest first, in one query.
async fn predecessors<C: GenericClient>(
    client: &C,
    first: Option<String>,
) -> Result<Vec<String>, StoreError> {
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let limit = i32::try_from(PREDECESSORS_MAX).unwrap_or(i32::MAX);
    let rows = client
        .query(
            "WITH RECURSIVE chain (device_id, depth) AS (
                 SELECT $1::text, 1
                 UNION ALL
                 SELECT d.replaces_device, c.depth + 1
                 FROM devices d JOIN chain c ON d.device_id = c.device_id
                 WHERE d.replaces_device IS NOT NULL AND c.depth <= $2
             )
             SELECT device_id FROM chain ORDER BY depth",
            &[&first, &limit],
        )
        .await?;
    if rows.len() > PREDECESSORS_MAX {
        return Err(StoreError::Corrupt(format!(
            "devices: the replacement chain through {first} does not end"
        )));
    }
    Ok(rows.into_iter().map(|row| row.get(0)).collect())
}
