//! Devices' batches into SQLite. Batches that wait for the writer while it commits are written
//! together in its next transaction (one fsync for all; a batch that fails is answered with its
//! error and the others are written again without it), and each is answered only after that
//! commit. In a batch
//! the rows the plan needs are read in groups ([`super::sqlite_rows`]), the batch is planned in
//! memory ([`super::plan`]), then written with cached statements; a batch sees the rows of the
//! batches before it in the same transaction, as if they were committed.

use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};

use super::model::{Device, IngestResult, Origin, VerifiedRecord};
use super::plan::{dose_keys, plan, results, Step};
use super::sqlite::{RowInsert, INSERT_ROW};
use super::sqlite_rows::stored_rows;
use super::{settle, status_text, Failure, Job, StoreError};
use crate::time::to_db_text;

/// Writes every waiting batch in one transaction and answers each. Called once per batch
/// queued; a call that finds the queue empty has had its batch written by an earlier one.
pub(super) fn write_waiting(conn: &mut Connection, waiting: &Mutex<Vec<Job>>) {
    let jobs = match waiting.lock() {
        Ok(mut queue) => std::mem::take(&mut *queue),
        // Only a panic while pushing could poison it; its batches are lost with their callers.
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    if jobs.is_empty() {
        return;
    }
    let mut jobs = jobs;
    while !jobs.is_empty() {
        let outcome = write_group(conn, &jobs);
        jobs = settle(jobs, outcome, "SQLite");
    }
}

/// The jobs' batches in one transaction, in order; one answer per job when it committed.
fn write_group(conn: &mut Connection, jobs: &[Job]) -> Result<Vec<Vec<IngestResult>>, Failure> {
    let around = |e: rusqlite::Error| Failure {
        batch: None,
        error: e.into(),
    };
    // Dropped without a commit, the transaction rolls back.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(around)?;
    let mut answers = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let answer =
            ingest_batch(&tx, &job.device, &job.records, job.now).map_err(|error| Failure {
                batch: Some(index),
                error,
            })?;
        answers.push(answer);
    }
    tx.commit().map_err(around)?;
    Ok(answers)
}

fn ingest_batch(
    tx: &Connection,
    device: &Device,
    records: &[VerifiedRecord],
    now: DateTime<Utc>,
) -> Result<Vec<IngestResult>, StoreError> {
    let keys = dose_keys(records);
    let stored = stored_rows(tx, records, &keys)?;
    let plan = plan(records, &keys, &stored);
    {
        let mut supersede = tx.prepare_cached(
            "UPDATE records SET state = 'superseded' WHERE id = ?1 AND state = 'current'",
        )?;
        for id in &plan.supersede {
            supersede.execute([id.to_string()])?;
        }
    }
    let venue_municipality = device.municipality.to_string();
    let received_at = to_db_text(now);
    let mut conflict = tx.prepare_cached(
        "INSERT INTO conflicts (id, version, content_hash, device_id, signature, record_json, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
    )?;
    let mut rows = Vec::with_capacity(records.len());
    for (verified, step) in records.iter().zip(&plan.steps) {
        match step {
            Step::AlreadyHad => {}
            Step::Conflict => {
                conflict.execute(params![
                    verified.record.id.to_string(),
                    verified.record.version,
                    verified.content_hash,
                    device.device_id,
                    verified.signature,
                    verified.record_json,
                    received_at
                ])?;
            }
            Step::Insert {
                state,
                duplicate_dose,
                after_server_correction,
            } => rows.push(RowInsert {
                record: &verified.record,
                content_hash: &verified.content_hash,
                origin: Origin::Device,
                state: *state,
                device_id: Some(&device.device_id),
                signature: Some(&verified.signature),
                venue_municipality: &venue_municipality,
                duplicate_dose: *duplicate_dose,
                after_server_correction: *after_server_correction,
                record_json: &verified.record_json,
                received_at: &received_at,
            }),
        }
    }
    insert_rows(tx, &rows)?;
    Ok(results(&plan, records))
}

/// Rows per INSERT statement, largest first: a batch is written with few statement runs (each
/// run costs a statement reset and SQLite's setup of the CHECK constraints' IN lists), from at
/// most three cached statements.
const ROWS_PER_INSERT: [usize; 3] = [64, 8, 1];

/// Inserts the rows with multi-row INSERTs of [`ROWS_PER_INSERT`] rows.
fn insert_rows(tx: &Connection, rows: &[RowInsert<'_>]) -> Result<(), StoreError> {
    let mut rest = rows;
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let sql = SQL.get_or_init(|| ROWS_PER_INSERT.iter().map(|&n| insert_sql(n)).collect());
    for (size, sql) in ROWS_PER_INSERT.into_iter().zip(sql) {
        if rest.len() < size {
            continue;
        }
        let mut insert = tx.prepare_cached(sql)?;
        while rest.len() >= size {
            let (now, later) = rest.split_at(size);
            for (i, row) in now.iter().enumerate() {
                bind_row(&mut insert, 1 + i * ROW_PARAMS, row)?;
            }
            insert.raw_execute()?;
            rest = later;
        }
    }
    Ok(())
}

/// [`INSERT_ROW`] with `rows` rows of numbered parameters.
fn insert_sql(rows: usize) -> String {
    let columns = INSERT_ROW
        .split_once("VALUES")
        .map_or(INSERT_ROW, |(columns, _)| columns);
    let mut sql = format!("{columns}VALUES ");
    for row in 0..rows {
        let params: Vec<String> = (1..=ROW_PARAMS)
            .map(|column| format!("?{}", row * ROW_PARAMS + column))
            .collect();
        let separator = if row == 0 { "" } else { ", " };
        sql.push_str(&format!("{separator}({})", params.join(", ")));
    }
    sql
}

/// [`insert_row`] with [`INSERT_ROW`] already prepared (a batch prepares it once).
pub(super) fn insert_row_with(
    insert: &mut rusqlite::Statement<'_>,
    row: &RowInsert<'_>,
) -> Result<(), StoreError> {
    bind_row(insert, 1, row)?;
    insert.raw_execute()?;
    Ok(())
}

/// Columns bound per row by [`bind_row`].
const ROW_PARAMS: usize = 17;

/// Binds a row's [`ROW_PARAMS`] values to the parameters from `first` (one-based) on, in the
/// column order of [`INSERT_ROW`].
fn bind_row(
    insert: &mut rusqlite::Statement<'_>,
    first: usize,
    row: &RowInsert<'_>,
) -> rusqlite::Result<()> {
    let record = row.record;
    let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let values: [&dyn rusqlite::ToSql; ROW_PARAMS] = [
        &&*record.id.hyphenated().encode_lower(&mut id),
        &record.version,
        &row.content_hash,
        &row.origin.as_str(),
        &row.state.as_str(),
        &row.device_id,
        &row.signature,
        &record.ticket.municipality().to_string(),
        &record.ticket.number(),
        &record.dose,
        &row.venue_municipality,
        &status_text(record),
        &to_db_text(record.vaccinated_at.with_timezone(&Utc)),
        &row.duplicate_dose,
        &row.after_server_correction,
        &row.record_json,
        &row.received_at,
    ];
    for (offset, value) in values.into_iter().enumerate() {
        insert.raw_bind_parameter(first + offset, value)?;
    }
    Ok(())
}
