//! The stored rows a batch's plan needs, read from SQLite in groups: the batch's ids and dose
//! keys are bound [`GROUP`] at a time into one cached statement each, instead of one statement
//! run per id and per key (each run costs a reset and a fresh cursor). Places a last group
//! leaves over are bound to NULL, which matches no row.

use std::collections::HashSet;
use std::sync::OnceLock;

use rusqlite::types::Null;
use rusqlite::{Connection, Statement};
use vrs_record::Uuid;

use super::model::{Origin, RowState, VerifiedRecord};
use super::plan::{active_keys, DoseKey, StoredRow};
use super::StoreError;

/// Ids or dose keys per statement run: a 500-record batch in four runs of each statement.
const GROUP: usize = 128;

const ROW_COLUMNS: &str = "r.id, r.version, r.content_hash, r.origin, r.state, \
     r.status = 'active', r.ticket_municipality, r.ticket_number, r.dose";

/// The two statements, made once: by id (`id IN (…)`, the primary key), and by dose key (a
/// VALUES list joined to the ticket-and-dose index; CROSS JOIN keeps the list the outer loop,
/// as SQLite does not search an index for a row-value IN list).
fn statements() -> &'static (String, String) {
    static SQL: OnceLock<(String, String)> = OnceLock::new();
    SQL.get_or_init(|| {
        let places: Vec<String> = (1..=GROUP).map(|i| format!("?{i}")).collect();
        let by_id = format!(
            "SELECT {ROW_COLUMNS} FROM records r WHERE r.id IN ({})",
            places.join(", ")
        );
        let keys: Vec<String> = (0..GROUP)
            .map(|i| format!("(?{}, ?{}, ?{})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let by_key = format!(
            "WITH k (municipality, number, dose) AS (VALUES {})
             SELECT {ROW_COLUMNS} FROM k CROSS JOIN records r
             WHERE r.ticket_municipality = k.municipality AND r.ticket_number = k.number
               AND r.dose = k.dose AND r.status = 'active' AND r.state IN ('current', 'held')",
            keys.join(", ")
        );
        (by_id, by_key)
    })
}

/// Every stored row of the batch's ids, and the active current or held rows of its dose keys.
pub(super) fn stored_rows(
    tx: &Connection,
    records: &[VerifiedRecord],
    keys: &[DoseKey],
) -> Result<Vec<StoredRow>, StoreError> {
    let (by_id_sql, by_key_sql) = statements();
    let mut rows = Vec::new();
    let id_set: HashSet<Uuid> = records.iter().map(|v| v.record.id).collect();
    let ids: Vec<Uuid> = id_set.iter().copied().collect();
    let mut by_id = tx.prepare_cached(by_id_sql)?;
    for group in ids.chunks(GROUP) {
        for place in 0..GROUP {
            match group.get(place) {
                Some(id) => {
                    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
                    let text: &str = id.hyphenated().encode_lower(&mut text);
                    by_id.raw_bind_parameter(place + 1, text)?
                }
                None => by_id.raw_bind_parameter(place + 1, Null)?,
            }
        }
        read_rows(&mut by_id, |row| {
            rows.push(row);
        })?;
    }
    let keys = active_keys(records, keys);
    let mut by_key = tx.prepare_cached(by_key_sql)?;
    for group in keys.chunks(GROUP) {
        for place in 0..GROUP {
            let first = 3 * place + 1;
            match group.get(place) {
                Some(key) => {
                    by_key.raw_bind_parameter(first, key.municipality.as_str())?;
                    by_key.raw_bind_parameter(first + 1, key.number.as_str())?;
                    by_key.raw_bind_parameter(first + 2, key.dose)?;
                }
                None => {
                    for offset in 0..3 {
                        by_key.raw_bind_parameter(first + offset, Null)?;
                    }
                }
            }
        }
        read_rows(&mut by_key, |row| {
            // Rows of the batch's own ids were all read above.
            if !id_set.contains(&row.id) {
                rows.push(row);
            }
        })?;
    }
    Ok(rows)
}

/// Runs a statement whose parameters are bound and hands each row to `each`.
fn read_rows(
    statement: &mut Statement<'_>,
    mut each: impl FnMut(StoredRow),
) -> Result<(), StoreError> {
    let mut found = statement.raw_query();
    while let Some(row) = found.next()? {
        each(stored_row(row)?);
    }
    Ok(())
}

/// Columns as in [`ROW_COLUMNS`].
fn stored_row(row: &rusqlite::Row<'_>) -> Result<StoredRow, StoreError> {
    let id: String = row.get(0)?;
    let origin: String = row.get(3)?;
    let state: String = row.get(4)?;
    Ok(StoredRow {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("id {id}: {e}")))?,
        version: row.get(1)?,
        content_hash: row.get(2)?,
        origin: Origin::parse(&origin)
            .ok_or_else(|| StoreError::Corrupt(format!("origin {origin}")))?,
        state: RowState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        active: row.get(5)?,
        key: DoseKey {
            municipality: row.get(6)?,
            number: row.get(7)?,
            dose: row.get(8)?,
        },
    })
}
