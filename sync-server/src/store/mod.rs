//! The server's store: one interface, two databases with the same behaviour.
//!
//! - [`sqlite`]: the embedded default, one file in the data directory.
//! - [`postgres`]: the scale-out store (PostgreSQL or a compatible distributed database).
//!
//! The rules for exactly-once storage live in [`decide`] and are shared by both; [`plan`] applies
//! them to a whole uploaded batch at once, so that each store reads and writes once per batch.

pub mod decide;
pub mod migrate;
pub mod model;
pub mod plan;
pub mod postgres;
mod postgres_devices;
mod postgres_ingest;
mod postgres_writer;
pub mod sqlite;
mod sqlite_devices;
mod sqlite_ingest;
mod sqlite_rows;

use std::path::Path;

use chrono::{DateTime, Utc};
use thiserror::Error;
use vrs_record::{Uuid, VaccinationRecord};
use vrs_ticket::MunicipalityCode;

pub use model::{
    Conflict, Device, DeviceListing, Enrolment, IngestResult, Municipality, NewActivationCode,
    Origin, RowState, StoreCounts, StoredVersion, VerifiedRecord,
};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL connection pool: {0}")]
    Pool(String),
    #[error("schema migration: {0}")]
    Migration(String),
    #[error("stored data unreadable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("background task failed: {0}")]
    Task(String),
}

/// Most devices a replacement chain may reach back through; more means the table is damaged.
pub(crate) const PREDECESSORS_MAX: usize = 1000;

#[derive(Debug, Error)]
pub enum EnrollError {
    #[error("activation_code: not known to this server")]
    UnknownCode,
    #[error("activation_code: expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("activation_code: already used")]
    Used,
    #[error("device_id: {0} is already enrolled")]
    DeviceExists(String),
    #[error("activation_code: the device it replaces, {replaced}, was already replaced by {by}")]
    AlreadyReplaced { replaced: String, by: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `device_id` (which replaces `replaces`, if anything, and may be revoked) can be
/// made the replacement of `replaced` after the fact.
fn linkable(
    device_id: &str,
    replaced: &str,
    replaces: Option<String>,
    revoked: bool,
) -> Result<(), StoreError> {
    if device_id == replaced {
        return Err(StoreError::Conflict(format!(
            "device {device_id} cannot replace itself"
        )));
    }
    if revoked {
        return Err(StoreError::Conflict(format!(
            "device {device_id} is revoked"
        )));
    }
    if let Some(earlier) = replaces {
        return Err(StoreError::Conflict(format!(
            "device {device_id} already replaces {earlier}"
        )));
    }
    Ok(())
}

/// A take-over refused while linking a replacement, as a store error.
fn link_error(error: EnrollError) -> StoreError {
    match error {
        EnrollError::Store(store) => store,
        other => StoreError::Conflict(other.to_string()),
    }
}

/// Either database, behind the same methods.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PostgresStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

impl Store {
    /// Opens (creating when missing) the SQLite store in `data_dir` and applies migrations.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, StoreError> {
        Ok(Store::Sqlite(sqlite::SqliteStore::open(data_dir).await?))
    }

    /// Connects to PostgreSQL (`postgres://…`) and applies migrations.
    pub async fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        Ok(Store::Postgres(
            postgres::PostgresStore::connect(url).await?,
        ))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn add_municipality(
        &self,
        code: MunicipalityCode,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.add_municipality(code, name, now).await)
    }

    pub async fn municipality(
        &self,
        code: MunicipalityCode,
    ) -> Result<Option<Municipality>, StoreError> {
        dispatch!(self, s => s.municipality(code).await)
    }

    pub async fn issue_activation_code(&self, code: NewActivationCode) -> Result<(), StoreError> {
        dispatch!(self, s => s.issue_activation_code(code).await)
    }

    pub async fn enroll(
        &self,
        enrolment: Enrolment,
        now: DateTime<Utc>,
    ) -> Result<Device, EnrollError> {
        dispatch!(self, s => s.enroll(enrolment, now).await)
    }

    pub async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        dispatch!(self, s => s.device(device_id).await)
    }

    /// Every enrolled device (of one municipality, when given), by enrolment time.
    pub async fn devices(
        &self,
        municipality: Option<MunicipalityCode>,
    ) -> Result<Vec<DeviceListing>, StoreError> {
        dispatch!(self, s => s.devices(municipality).await)
    }

    /// Makes an enrolled device the replacement of `replaced` after the fact (it enrolled with
    /// a plain code): `replaced` is revoked and its records are taken from `device_id`.
    pub async fn link_replacement(
        &self,
        device_id: &str,
        replaced: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.link_replacement(device_id, replaced, now).await)
    }

    /// The device that took over from `device_id` (enrolled with a code that replaces it).
    pub async fn successor(&self, device_id: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.successor(device_id).await)
    }

    /// Revokes a device; false when no such device is enrolled.
    pub async fn revoke_device(
        &self,
        device_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.revoke_device(device_id, now).await)
    }

    pub async fn add_municipality_token(
        &self,
        token_hash: &str,
        code: MunicipalityCode,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.add_municipality_token(token_hash, code, now).await)
    }

    pub async fn token_municipality(
        &self,
        token_hash: &str,
    ) -> Result<Option<MunicipalityCode>, StoreError> {
        dispatch!(self, s => s.token_municipality(token_hash).await)
    }

    /// Stores a device's verified records exactly once, in one transaction; one result each.
    pub async fn ingest(
        &self,
        device: &Device,
        records: Vec<VerifiedRecord>,
        now: DateTime<Utc>,
    ) -> Result<Vec<IngestResult>, StoreError> {
        dispatch!(self, s => s.ingest(device, records, now).await)
    }

    /// A correction made on the server (by the municipality): stored as the next version and
    /// made current; tablet versions arriving later are held instead of replacing it.
    pub async fn correct_record(
        &self,
        corrected: VaccinationRecord,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        dispatch!(self, s => s.correct_record(corrected, now).await)
    }

    /// Every stored version of a record, oldest version first.
    pub async fn versions(&self, id: Uuid) -> Result<Vec<StoredVersion>, StoreError> {
        dispatch!(self, s => s.versions(id).await)
    }

    pub async fn conflicts(&self, id: Uuid) -> Result<Vec<Conflict>, StoreError> {
        dispatch!(self, s => s.conflicts(id).await)
    }

    /// Current, active records a municipality may see: its own tickets and its venues'.
    pub async fn visible_records(
        &self,
        code: MunicipalityCode,
    ) -> Result<Vec<StoredVersion>, StoreError> {
        dispatch!(self, s => s.visible_records(code).await)
    }

    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        dispatch!(self, s => s.counts().await)
    }
}

/// A batch waiting for a store's writer, and where its answer goes.
struct Job {
    device: Device,
    records: Vec<VerifiedRecord>,
    now: DateTime<Utc>,
    reply: tokio::sync::oneshot::Sender<Result<Vec<IngestResult>, StoreError>>,
}

/// Where a job's answer arrives.
type Answer = tokio::sync::oneshot::Receiver<Result<Vec<IngestResult>, StoreError>>;

impl Job {
    fn new(device: &Device, records: Vec<VerifiedRecord>, now: DateTime<Utc>) -> (Self, Answer) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            device: device.clone(),
            records,
            now,
            reply,
        };
        (job, answer)
    }
}

/// Why a writer's transaction did not commit: an error in one batch's statements (its index in
/// the group), or around them (begin, commit, the connection).
struct Failure {
    batch: Option<usize>,
    error: StoreError,
}

/// Answers a group of jobs after a writer's attempt: each its own answer when the transaction
/// committed; when one batch failed, that batch its error, and the others are returned to be
/// written again without it (batches are not behind savepoints, which cost SQLite a copy of
/// every page they touch); when the transaction failed around the batches, all of them.
fn settle(
    mut jobs: Vec<Job>,
    outcome: Result<Vec<Vec<IngestResult>>, Failure>,
    database: &str,
) -> Vec<Job> {
    // A caller that has gone (its request was cancelled) has nothing to be told.
    match outcome {
        Ok(answers) => {
            for (job, answer) in jobs.into_iter().zip(answers) {
                let _ = job.reply.send(Ok(answer));
            }
            Vec::new()
        }
        Err(Failure {
            batch: Some(index),
            error,
        }) if index < jobs.len() => {
            let failed = jobs.remove(index);
            let _ = failed.reply.send(Err(error));
            jobs
        }
        Err(Failure { error, .. }) => {
            for job in jobs {
                let _ = job.reply.send(Err(StoreError::Task(format!(
                    "{database} ingest transaction: {error}"
                ))));
            }
            Vec::new()
        }
    }
}

/// Parses a stored record's JSON.
pub(crate) fn parse_record_json(json: &str) -> Result<VaccinationRecord, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("record_json: {e}")))
}

pub(crate) fn parse_code(text: &str) -> Result<MunicipalityCode, StoreError> {
    MunicipalityCode::parse(text)
        .map_err(|e| StoreError::Corrupt(format!("municipality code {text}: {e}")))
}

pub(crate) fn status_text(record: &VaccinationRecord) -> &'static str {
    match record.status {
        vrs_record::RecordStatus::Active => "active",
        vrs_record::RecordStatus::Voided => "voided",
    }
}
