use std::path::PathBuf;

use thiserror::Error;
use vrs_record::{ClockError, FieldError};
use vrs_ticket::TicketError;

/// Everything the queue can refuse or fail with. Each names what is at fault and why.
#[derive(Debug, Error)]
pub enum QueueError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no store in {0}; run `vrs init` first")]
    NoStore(PathBuf),
    #[error("a store already exists in {0}")]
    AlreadyExists(PathBuf),
    #[error("{path}: not a readable VRS store (file is corrupt or not a database): {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the disk is full: nothing was saved by this step; records already stored are intact")]
    DiskFull,
    #[error("database: {0}")]
    Database(String),
    #[error("migration {name}: {reason}")]
    Migration { name: String, reason: String },
    #[error("PIN: {0}")]
    PinRule(String),
    #[error("wrong PIN ({failures} wrong in a row; the store locks after {limit})")]
    WrongPin { failures: u32, limit: u32 },
    #[error(
        "locked after {failures} wrong PINs in a row; try again after {until} ({seconds_left} s)"
    )]
    Locked {
        failures: u32,
        until: String,
        seconds_left: i64,
    },
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error("no session set: run `vrs session set --venue .. --maker .. --lot ..` first")]
    NoSession,
    #[error("duplicate: this ticket's dose {dose} was already recorded at {at} at {venue} (record {id}, {state}); a supervisor may override with a reason")]
    Duplicate {
        dose: u8,
        at: String,
        venue: String,
        id: String,
        state: String,
    },
    #[error("record {0}: not found")]
    NotFound(String),
    #[error("record {id} version {version}: not found")]
    VersionNotFound { id: String, version: u32 },
    #[error("record {id}: {reason}")]
    NotAllowed { id: String, reason: String },
    #[error("{what}: fails authentication (altered on disk, or swapped from another row)")]
    Damaged { what: String },
    #[error(
        "correction: unknown field {0:?} (ticket, date, time, venue, maker, lot, dose, operator)"
    )]
    UnknownField(String),
    #[error("record {id} field {field}: {reason}")]
    Export {
        id: String,
        field: &'static str,
        reason: String,
    },
    #[error("backup: {0}")]
    Backup(String),
    #[error("backup: wrong PIN, or the backup file was altered")]
    BackupRefused,
    #[error("random number generator failed")]
    Random,
}

pub type Result<T, E = QueueError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for QueueError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        if let rusqlite::Error::SqliteFailure(code, _) = &error {
            match code.code {
                ErrorCode::DiskFull => return QueueError::DiskFull,
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                    return QueueError::Corrupt {
                        path: PathBuf::new(),
                        detail: error.to_string(),
                    }
                }
                _ => {}
            }
        }
        QueueError::Database(error.to_string())
    }
}

impl QueueError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        QueueError::Io {
            path: path.into(),
            source,
        }
    }

    /// Names the database file in a corruption error raised without one.
    pub(crate) fn at_path(self, path: &std::path::Path) -> Self {
        match self {
            QueueError::Corrupt { detail, path: p } if p.as_os_str().is_empty() => {
                QueueError::Corrupt {
                    path: path.to_path_buf(),
                    detail,
                }
            }
            other => other,
        }
    }
}
