//! The embedded store: one SQLite file (WAL, `synchronous=FULL`), calls run on blocking threads.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use vrs_record::{Uuid, VaccinationRecord};
use vrs_ticket::MunicipalityCode;

use super::migrate::{self, Applied};
use super::model::*;
use super::sqlite_ingest::{insert_row_with, write_waiting};
use super::{parse_code, parse_record_json, Job, StoreError};
use crate::time::{from_db_text, to_db_text};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "vrs-server.sqlite3";

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// A second connection for the device lookup that authenticates every upload: in WAL mode
    /// it reads the last commit while the writer is inside an ingest transaction, so one
    /// request's check need not wait for another's store.
    pub(super) reader: Arc<Mutex<Connection>>,
    /// Batches waiting for the writer (see [`super::sqlite_ingest`]).
    waiting: Arc<Mutex<Vec<Job>>>,
}

impl SqliteStore {
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let dir = data_dir.to_path_buf();
        let (conn, reader) = tokio::task::spawn_blocking(move || {
            let conn = open_blocking(&dir)?;
            let reader = Connection::open(dir.join(DB_FILE))?;
            reader.busy_timeout(std::time::Duration::from_secs(10))?;
            Ok::<_, StoreError>((conn, reader))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            reader: Arc::new(Mutex::new(reader)),
            waiting: Arc::default(),
        })
    }

    pub(super) async fn call<R, E, F>(&self, work: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, E> + Send + 'static,
    {
        Self::call_on(&self.conn, work).await
    }

    pub(super) async fn call_on<R, E, F>(conn: &Arc<Mutex<Connection>>, work: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, E> + Send + 'static,
    {
        let conn = Arc::clone(conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Task("SQLite connection lock poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    pub async fn add_municipality(
        &self,
        code: MunicipalityCode,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let name = name.to_string();
        self.call(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO municipalities (code, name, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code) DO NOTHING",
                params![code.to_string(), name, to_db_text(now)],
            )?;
            if inserted == 0 {
                return Err(StoreError::Conflict(format!(
                    "municipality {code} already exists"
                )));
            }
            Ok(())
        })
        .await
    }

    pub async fn municipality(
        &self,
        code: MunicipalityCode,
    ) -> Result<Option<Municipality>, StoreError> {
        self.call(move |conn| {
            let name: Option<String> = conn
                .query_row(
                    "SELECT name FROM municipalities WHERE code = ?1",
                    [code.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(name.map(|name| Municipality { code, name }))
        })
        .await
    }

    pub async fn add_municipality_token(
        &self,
        token_hash: &str,
        code: MunicipalityCode,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let token_hash = token_hash.to_string();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO municipality_tokens (token_hash, municipality, issued_at)
                 VALUES (?1, ?2, ?3)",
                params![token_hash, code.to_string(), to_db_text(now)],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn token_municipality(
        &self,
        token_hash: &str,
    ) -> Result<Option<MunicipalityCode>, StoreError> {
        let token_hash = token_hash.to_string();
        self.call(move |conn| {
            let code: Option<String> = conn
                .query_row(
                    "SELECT municipality FROM municipality_tokens WHERE token_hash = ?1",
                    [&token_hash],
                    |row| row.get(0),
                )
                .optional()?;
            code.as_deref().map(parse_code).transpose()
        })
        .await
    }

    pub async fn ingest(
        &self,
        device: &Device,
        records: Vec<VerifiedRecord>,
        now: DateTime<Utc>,
    ) -> Result<Vec<IngestResult>, StoreError> {
        let (job, answer) = Job::new(device, records, now);
        self.waiting
            .lock()
            .map_err(|_| StoreError::Task("SQLite ingest queue lock poisoned".into()))?
            .push(job);
        let waiting = Arc::clone(&self.waiting);
        self.call(move |conn| {
            write_waiting(conn, &waiting);
            Ok::<_, StoreError>(())
        })
        .await?;
        answer
            .await
            .map_err(|_| StoreError::Task("the SQLite writer dropped a batch".into()))?
    }

    pub async fn correct_record(
        &self,
        corrected: VaccinationRecord,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = corrected.id.to_string();
            let current: Option<(u32, String)> = tx
                .query_row(
                    "SELECT (SELECT MAX(version) FROM records WHERE id = ?1), venue_municipality
                     FROM records WHERE id = ?1 AND state = 'current'",
                    [&id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((newest, venue_municipality)) = current else {
                return Err(StoreError::NotFound(format!("record {id}")));
            };
            let mut record = corrected;
            record.version = newest + 1;
            let json = serde_json::to_string(&record)
                .map_err(|e| StoreError::Corrupt(format!("record_json: {e}")))?;
            tx.execute(
                "UPDATE records SET state = 'superseded' WHERE id = ?1 AND state = 'current'",
                [&id],
            )?;
            insert_row(
                &tx,
                &RowInsert {
                    record: &record,
                    content_hash: &vrs_sync_proto::content_hash(&record),
                    origin: Origin::Server,
                    state: RowState::Current,
                    device_id: None,
                    signature: None,
                    venue_municipality: &venue_municipality,
                    duplicate_dose: false,
                    after_server_correction: false,
                    record_json: &json,
                    received_at: &to_db_text(now),
                },
            )?;
            tx.commit()?;
            Ok(record.version)
        })
        .await
    }

    pub async fn versions(&self, id: Uuid) -> Result<Vec<StoredVersion>, StoreError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {VERSION_COLUMNS} FROM records WHERE id = ?1 ORDER BY version"
            ))?;
            let rows = stmt.query_map([id.to_string()], raw_version)?;
            rows.map(|row| stored_version(row?)).collect()
        })
        .await
    }

    pub async fn conflicts(&self, id: Uuid) -> Result<Vec<Conflict>, StoreError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT version, content_hash, device_id, record_json, received_at
                 FROM conflicts WHERE id = ?1 ORDER BY received_at",
            )?;
            let rows = stmt.query_map([id.to_string()], |row| {
                Ok((
                    row.get::<_, u32>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (version, content_hash, device_id, json, received_at) = row?;
                Ok(Conflict {
                    id,
                    version,
                    content_hash,
                    device_id,
                    record: parse_record_json(&json)?,
                    received_at: db_time(&received_at)?,
                })
            })
            .collect()
        })
        .await
    }

    pub async fn visible_records(
        &self,
        code: MunicipalityCode,
    ) -> Result<Vec<StoredVersion>, StoreError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {VERSION_COLUMNS} FROM records
                 WHERE state = 'current' AND status = 'active'
                   AND (ticket_municipality = ?1 OR venue_municipality = ?1)
                 ORDER BY ticket_municipality, ticket_number, dose, vaccinated_at"
            ))?;
            let rows = stmt.query_map([code.to_string()], raw_version)?;
            rows.map(|row| stored_version(row?)).collect()
        })
        .await
    }

    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        self.call(|conn| {
            let (record_versions, distinct_records, conflicts) = conn.query_row(
                "SELECT (SELECT COUNT(*) FROM records),
                        (SELECT COUNT(DISTINCT id) FROM records),
                        (SELECT COUNT(*) FROM conflicts)",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )?;
            Ok(StoreCounts {
                record_versions: record_versions.unsigned_abs(),
                distinct_records: distinct_records.unsigned_abs(),
                conflicts: conflicts.unsigned_abs(),
            })
        })
        .await
    }
}

fn open_blocking(dir: &Path) -> Result<Connection, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::DataDir {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut conn = Connection::open(dir.join(DB_FILE))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL with FULL sync: a commit is on disk before the server acknowledges it.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate_blocking(&mut conn)?;
    Ok(conn)
}

fn migrate_blocking(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL,
             checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let applied: Vec<Applied> = {
        let mut stmt = tx.prepare("SELECT version, checksum FROM schema_migrations")?;
        let rows = stmt.query_map([], |row| {
            Ok(Applied {
                version: row.get(0)?,
                checksum: row.get(1)?,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for migration in migrate::pending(migrate::SQLITE, &applied).map_err(StoreError::Migration)? {
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                migration.version,
                migration.name,
                migration.checksum(),
                to_db_text(Utc::now())
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(super) struct RowInsert<'a> {
    pub(super) record: &'a VaccinationRecord,
    pub(super) content_hash: &'a str,
    pub(super) origin: Origin,
    pub(super) state: RowState,
    pub(super) device_id: Option<&'a str>,
    pub(super) signature: Option<&'a str>,
    pub(super) venue_municipality: &'a str,
    pub(super) duplicate_dose: bool,
    pub(super) after_server_correction: bool,
    pub(super) record_json: &'a str,
    /// As stored ([`to_db_text`]).
    pub(super) received_at: &'a str,
}

pub(super) const INSERT_ROW: &str =
    "INSERT INTO records (id, version, content_hash, origin, state, device_id, signature,
         ticket_municipality, ticket_number, dose, venue_municipality, status, vaccinated_at,
         duplicate_dose, after_server_correction, record_json, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

pub(super) fn insert_row(
    tx: &rusqlite::Transaction<'_>,
    row: &RowInsert<'_>,
) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(INSERT_ROW)?;
    insert_row_with(&mut insert, row)
}

const VERSION_COLUMNS: &str = "record_json, content_hash, origin, state, venue_municipality, \
     duplicate_dose, after_server_correction, received_at";

type RawVersion = (String, String, String, String, String, bool, bool, String);

fn raw_version(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawVersion> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn stored_version(raw: RawVersion) -> Result<StoredVersion, StoreError> {
    let (json, content_hash, origin, state, venue, duplicate_dose, after_correction, received_at) =
        raw;
    Ok(StoredVersion {
        record: parse_record_json(&json)?,
        content_hash,
        origin: Origin::parse(&origin)
            .ok_or_else(|| StoreError::Corrupt(format!("origin {origin}")))?,
        state: RowState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        venue_municipality: parse_code(&venue)?,
        duplicate_dose,
        after_server_correction: after_correction,
        received_at: db_time(&received_at)?,
    })
}

pub(super) fn db_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    from_db_text(text).ok_or_else(|| StoreError::Corrupt(format!("time {text}")))
}
