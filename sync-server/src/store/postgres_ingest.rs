//! A device's batch into PostgreSQL in a handful of round trips, inside the writer's transaction
//! ([`super::postgres_writer`]): one query for the stored rows of the batch's ids and dose keys,
//! the batch planned in memory ([`super::plan`]), then one UPDATE for superseded rows and one
//! multi-row INSERT each for conflicts and records (arrays unnested server-side).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use vrs_record::Uuid;

use super::model::{Device, IngestResult, Origin, RowState, VerifiedRecord};
use super::plan::{active_keys, dose_keys, plan, results, DoseKey, Step, StoredRow};
use super::{status_text, StoreError};

/// The rows the plan needs, in one statement: every row of the batch's ids, and every active
/// current or held row with one of its dose keys.
const STORED_ROWS: &str = "
    SELECT id, version, content_hash, origin, state, status = 'active',
           ticket_municipality, ticket_number, dose
    FROM records WHERE id = ANY($1)
    UNION
    SELECT r.id, r.version, r.content_hash, r.origin, r.state, r.status = 'active',
           r.ticket_municipality, r.ticket_number, r.dose
    FROM records r
    JOIN unnest($2::text[], $3::text[], $4::int4[]) AS k (municipality, number, dose)
      ON r.ticket_municipality = k.municipality AND r.ticket_number = k.number
     AND r.dose = k.dose
    WHERE r.status = 'active' AND r.state IN ('current', 'held')";

const SUPERSEDE: &str =
    "UPDATE records SET state = 'superseded' WHERE id = ANY($1) AND state = 'current'";

const INSERT_CONFLICTS: &str = "
    INSERT INTO conflicts (id, version, content_hash, device_id, signature, record_json, received_at)
    SELECT id, version, content_hash, $4::text, signature, record_json, $5::timestamptz
    FROM unnest($1::uuid[], $2::int4[], $3::text[], $6::text[], $7::text[])
      AS c (id, version, content_hash, signature, record_json)
    ON CONFLICT DO NOTHING";

const INSERT_RECORDS: &str = "
    INSERT INTO records (id, version, content_hash, origin, state, device_id, signature,
        ticket_municipality, ticket_number, dose, venue_municipality, status, vaccinated_at,
        duplicate_dose, after_server_correction, record_json, received_at)
    SELECT id, version, content_hash, 'device', state, $4::text, signature,
        ticket_municipality, ticket_number, dose, $5::text, status, vaccinated_at,
        duplicate_dose, after_server_correction, record_json, $6::timestamptz
    FROM unnest($1::uuid[], $2::int4[], $3::text[], $7::text[], $8::text[], $9::text[],
                $10::text[], $11::int4[], $12::text[], $13::timestamptz[], $14::bool[],
                $15::bool[], $16::text[])
      AS r (id, version, content_hash, state, signature, ticket_municipality, ticket_number,
            dose, status, vaccinated_at, duplicate_dose, after_server_correction, record_json)";

/// Stores one batch in `tx`, which the caller commits; a batch sees the rows of the batches
/// written before it in the same transaction.
pub(super) async fn ingest_batch(
    tx: &Transaction<'_>,
    device: &Device,
    records: &[VerifiedRecord],
    now: DateTime<Utc>,
) -> Result<Vec<IngestResult>, StoreError> {
    let keys = dose_keys(records);
    let stored = stored_rows(tx, records, &keys).await?;
    let plan = plan(records, &keys, &stored);
    if !plan.supersede.is_empty() {
        let statement = tx.prepare_cached(SUPERSEDE).await?;
        tx.execute(&statement, &[&plan.supersede]).await?;
    }
    insert_conflicts(tx, device, records, &plan.steps, now).await?;
    insert_records(tx, device, records, &plan.steps, now).await?;
    Ok(results(&plan, records))
}

fn version(value: u32) -> Result<i32, StoreError> {
    i32::try_from(value).map_err(|_| StoreError::Corrupt(format!("version {value}")))
}

async fn stored_rows(
    tx: &Transaction<'_>,
    records: &[VerifiedRecord],
    keys: &[DoseKey],
) -> Result<Vec<StoredRow>, StoreError> {
    let ids: Vec<Uuid> = records
        .iter()
        .map(|v| v.record.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let keys = active_keys(records, keys);
    let municipalities: Vec<&str> = keys.iter().map(|k| k.municipality.as_str()).collect();
    let numbers: Vec<&str> = keys.iter().map(|k| k.number.as_str()).collect();
    let doses: Vec<i32> = keys.iter().map(|k| i32::from(k.dose)).collect();
    let statement = tx.prepare_cached(STORED_ROWS).await?;
    let rows = tx
        .query(&statement, &[&ids, &municipalities, &numbers, &doses])
        .await?;
    rows.iter()
        .map(|row| {
            let origin: &str = row.get(3);
            let state: &str = row.get(4);
            let stored_version: i32 = row.get(1);
            let dose: i32 = row.get(8);
            Ok(StoredRow {
                id: row.get(0),
                version: u32::try_from(stored_version)
                    .map_err(|_| StoreError::Corrupt(format!("version {stored_version}")))?,
                content_hash: row.get(2),
                origin: Origin::parse(origin)
                    .ok_or_else(|| StoreError::Corrupt(format!("origin {origin}")))?,
                state: RowState::parse(state)
                    .ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
                active: row.get(5),
                key: DoseKey {
                    municipality: row.get(6),
                    number: row.get(7),
                    dose: u8::try_from(dose)
                        .map_err(|_| StoreError::Corrupt(format!("dose {dose}")))?,
                },
            })
        })
        .collect()
}

async fn insert_conflicts(
    tx: &Transaction<'_>,
    device: &Device,
    records: &[VerifiedRecord],
    steps: &[Step],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let conflicts: Vec<&VerifiedRecord> = records
        .iter()
        .zip(steps)
        .filter(|(_, step)| **step == Step::Conflict)
        .map(|(verified, _)| verified)
        .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = conflicts.iter().map(|v| v.record.id).collect();
    let versions = conflicts
        .iter()
        .map(|v| version(v.record.version))
        .collect::<Result<Vec<_>, _>>()?;
    let hashes: Vec<&str> = conflicts.iter().map(|v| v.content_hash.as_str()).collect();
    let signatures: Vec<&str> = conflicts.iter().map(|v| v.signature.as_str()).collect();
    let json: Vec<&str> = conflicts.iter().map(|v| v.record_json.as_str()).collect();
    let statement = tx.prepare_cached(INSERT_CONFLICTS).await?;
    tx.execute(
        &statement,
        &[
            &ids,
            &versions,
            &hashes,
            &device.device_id,
            &now,
            &signatures,
            &json,
        ],
    )
    .await?;
    Ok(())
}

/// The columns of the rows to insert, one array each.
#[derive(Default)]
struct RecordColumns<'a> {
    ids: Vec<Uuid>,
    versions: Vec<i32>,
    hashes: Vec<&'a str>,
    states: Vec<&'static str>,
    signatures: Vec<&'a str>,
    municipalities: Vec<String>,
    numbers: Vec<&'a str>,
    doses: Vec<i32>,
    statuses: Vec<&'static str>,
    vaccinated_at: Vec<DateTime<Utc>>,
    duplicate_dose: Vec<bool>,
    after_server_correction: Vec<bool>,
    json: Vec<&'a str>,
}

async fn insert_records(
    tx: &Transaction<'_>,
    device: &Device,
    records: &[VerifiedRecord],
    steps: &[Step],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut columns = RecordColumns::default();
    for (verified, step) in records.iter().zip(steps) {
        let Step::Insert {
            state,
            duplicate_dose,
            after_server_correction,
        } = step
        else {
            continue;
        };
        let record = &verified.record;
        columns.ids.push(record.id);
        columns.versions.push(version(record.version)?);
        columns.hashes.push(&verified.content_hash);
        columns.states.push(state.as_str());
        columns.signatures.push(&verified.signature);
        columns
            .municipalities
            .push(record.ticket.municipality().to_string());
        columns.numbers.push(record.ticket.number());
        columns.doses.push(i32::from(record.dose));
        columns.statuses.push(status_text(record));
        columns
            .vaccinated_at
            .push(record.vaccinated_at.with_timezone(&Utc));
        columns.duplicate_dose.push(*duplicate_dose);
        columns
            .after_server_correction
            .push(*after_server_correction);
        columns.json.push(&verified.record_json);
    }
    if columns.ids.is_empty() {
        return Ok(());
    }
    let statement = tx.prepare_cached(INSERT_RECORDS).await?;
    tx.execute(
        &statement,
        &[
            &columns.ids,
            &columns.versions,
            &columns.hashes,
            &device.device_id,
            &device.municipality.to_string(),
            &now,
            &columns.states,
            &columns.signatures,
            &columns.municipalities,
            &columns.numbers,
            &columns.doses,
            &columns.statuses,
            &columns.vaccinated_at,
            &columns.duplicate_dose,
            &columns.after_server_correction,
            &columns.json,
        ],
    )
    .await?;
    Ok(())
}
