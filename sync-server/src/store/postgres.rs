//! The scale-out store: PostgreSQL through a connection pool. Ingest goes through one writer
//! per process ([`super::postgres_writer`]) in SERIALIZABLE transactions (retried on
//! serialisation failures), so that concurrent servers and devices get the same exactly-once
//! answers as the single-writer SQLite store.

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio::sync::mpsc::UnboundedSender;
use tokio_postgres::{IsolationLevel, NoTls, Row};
use vrs_record::{Uuid, VaccinationRecord};
use vrs_ticket::MunicipalityCode;

use super::migrate::{self, Applied};
use super::model::*;
use super::{parse_code, parse_record_json, postgres_writer, status_text};
use super::{Job, StoreError};

/// Connections per server process.
const POOL_SIZE: usize = 16;
/// Key of the advisory lock that keeps two servers from migrating at once.
const MIGRATION_LOCK: i64 = 0x5652_5330_0001;

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// The ingest writer's queue.
    writer: UnboundedSender<Job>,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Pool(format!("--db URL: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let writer = postgres_writer::start(pool.clone());
        let store = Self { pool, writer };
        store.migrate().await?;
        Ok(store)
    }

    pub(super) async fn client(&self) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Pool(e.to_string()))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                 checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
        )
        .await?;
        let applied: Vec<Applied> = tx
            .query("SELECT version, checksum FROM schema_migrations", &[])
            .await?
            .iter()
            .map(|row| Applied {
                version: row.get(0),
                checksum: row.get(1),
            })
            .collect();
        for migration in
            migrate::pending(migrate::POSTGRES, &applied).map_err(StoreError::Migration)?
        {
            tx.batch_execute(migration.sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at)
                 VALUES ($1, $2, $3, now())",
                &[&migration.version, &migration.name, &migration.checksum()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_municipality(
        &self,
        code: MunicipalityCode,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let inserted = self
            .client()
            .await?
            .execute(
                "INSERT INTO municipalities (code, name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO NOTHING",
                &[&code.to_string(), &name, &now],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "municipality {code} already exists"
            )));
        }
        Ok(())
    }

    pub async fn municipality(
        &self,
        code: MunicipalityCode,
    ) -> Result<Option<Municipality>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT name FROM municipalities WHERE code = $1",
                &[&code.to_string()],
            )
            .await?;
        Ok(row.map(|row| Municipality {
            code,
            name: row.get(0),
        }))
    }

    pub async fn add_municipality_token(
        &self,
        token_hash: &str,
        code: MunicipalityCode,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO municipality_tokens (token_hash, municipality, issued_at)
                 VALUES ($1, $2, $3)",
                &[&token_hash, &code.to_string(), &now],
            )
            .await?;
        Ok(())
    }

    pub async fn token_municipality(
        &self,
        token_hash: &str,
    ) -> Result<Option<MunicipalityCode>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT municipality FROM municipality_tokens WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        row.map(|row| parse_code(row.get(0))).transpose()
    }

    pub async fn ingest(
        &self,
        device: &Device,
        records: Vec<VerifiedRecord>,
        now: DateTime<Utc>,
    ) -> Result<Vec<IngestResult>, StoreError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let (job, answer) = Job::new(device, records, now);
        self.writer
            .send(job)
            .map_err(|_| StoreError::Task("the PostgreSQL writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Task("the PostgreSQL writer dropped a batch".into()))?
    }

    pub async fn correct_record(
        &self,
        corrected: VaccinationRecord,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .await?;
        let row = tx
            .query_opt(
                "SELECT (SELECT MAX(version) FROM records WHERE id = $1), venue_municipality
                 FROM records WHERE id = $1 AND state = 'current'",
                &[&corrected.id],
            )
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("record {}", corrected.id)));
        };
        let newest: i32 = row.get(0);
        let venue_municipality: String = row.get(1);
        let mut record = corrected;
        record.version = u32::try_from(newest + 1)
            .map_err(|_| StoreError::Corrupt(format!("version {newest}")))?;
        let json = serde_json::to_string(&record)
            .map_err(|e| StoreError::Corrupt(format!("record_json: {e}")))?;
        tx.execute(
            "UPDATE records SET state = 'superseded' WHERE id = $1 AND state = 'current'",
            &[&record.id],
        )
        .await?;
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
                received_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(record.version)
    }

    pub async fn versions(&self, id: Uuid) -> Result<Vec<StoredVersion>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {VERSION_COLUMNS} FROM records WHERE id = $1 ORDER BY version"),
                &[&id],
            )
            .await?;
        rows.iter().map(stored_version).collect()
    }

    pub async fn conflicts(&self, id: Uuid) -> Result<Vec<Conflict>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT version, content_hash, device_id, record_json, received_at
                 FROM conflicts WHERE id = $1 ORDER BY received_at",
                &[&id],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Conflict {
                    id,
                    version: version_of(row.get(0))?,
                    content_hash: row.get(1),
                    device_id: row.get(2),
                    record: parse_record_json(row.get(3))?,
                    received_at: row.get(4),
                })
            })
            .collect()
    }

    pub async fn visible_records(
        &self,
        code: MunicipalityCode,
    ) -> Result<Vec<StoredVersion>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM records
                     WHERE state = 'current' AND status = 'active'
                       AND (ticket_municipality = $1 OR venue_municipality = $1)
                     ORDER BY ticket_municipality, ticket_number, dose, vaccinated_at"
                ),
                &[&code.to_string()],
            )
            .await?;
        rows.iter().map(stored_version).collect()
    }

    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT COUNT(*) FROM records), (SELECT COUNT(DISTINCT id) FROM records),
                        (SELECT COUNT(*) FROM conflicts)",
                &[],
            )
            .await?;
        let count = |i: usize| row.get::<_, i64>(i).unsigned_abs();
        Ok(StoreCounts {
            record_versions: count(0),
            distinct_records: count(1),
            conflicts: count(2),
        })
    }
}

struct RowInsert<'a> {
    record: &'a VaccinationRecord,
    content_hash: &'a str,
    origin: Origin,
    state: RowState,
    device_id: Option<&'a str>,
    signature: Option<&'a str>,
    venue_municipality: &'a str,
    duplicate_dose: bool,
    after_server_correction: bool,
    record_json: &'a str,
    received_at: DateTime<Utc>,
}

async fn insert_row(
    tx: &deadpool_postgres::Transaction<'_>,
    row: &RowInsert<'_>,
) -> Result<(), StoreError> {
    let record = row.record;
    let version = i32::try_from(record.version)
        .map_err(|_| StoreError::Corrupt(format!("version {}", record.version)))?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO records (id, version, content_hash, origin, state, device_id, signature,
                 ticket_municipality, ticket_number, dose, venue_municipality, status, vaccinated_at,
                 duplicate_dose, after_server_correction, record_json, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .await?;
    tx.execute(
        &insert,
        &[
            &record.id,
            &version,
            &row.content_hash,
            &row.origin.as_str(),
            &row.state.as_str(),
            &row.device_id,
            &row.signature,
            &record.ticket.municipality().to_string(),
            &record.ticket.number(),
            &i32::from(record.dose),
            &row.venue_municipality,
            &status_text(record),
            &record.vaccinated_at.with_timezone(&Utc),
            &row.duplicate_dose,
            &row.after_server_correction,
            &row.record_json,
            &row.received_at,
        ],
    )
    .await?;
    Ok(())
}

const VERSION_COLUMNS: &str = "record_json, content_hash, origin, state, venue_municipality, \
     duplicate_dose, after_server_correction, received_at";

fn stored_version(row: &Row) -> Result<StoredVersion, StoreError> {
    let origin: &str = row.get(2);
    let state: &str = row.get(3);
    Ok(StoredVersion {
        record: parse_record_json(row.get(0))?,
        content_hash: row.get(1),
        origin: Origin::parse(origin)
            .ok_or_else(|| StoreError::Corrupt(format!("origin {origin}")))?,
        state: RowState::parse(state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        venue_municipality: parse_code(row.get(4))?,
        duplicate_dose: row.get(5),
        after_server_correction: row.get(6),
        received_at: row.get(7),
    })
}

fn version_of(value: i32) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("version {value}")))
}
