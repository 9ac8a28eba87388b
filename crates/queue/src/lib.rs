//! The tablet's encrypted local record queue.
//!
//! Every accepted ticket becomes a record sealed with AES-256-GCM in a local SQLite store
//! (WAL, `synchronous=FULL`) and stays there until the server acknowledges it. Supervisors
//! review, void and correct records (each change a new version; nothing is overwritten), and an
//! append-only hash-chained audit log records every change. See the crate README.

mod audit;
mod backup;
mod checkpoint;
mod clock;
mod crypto;
mod error;
mod export;
mod files;
mod hex;
mod meta;
pub mod migrate;
mod pin;
mod records;
mod review;
mod session;
mod state;
mod store;
mod sync;
#[cfg(test)]
mod tests;

pub use audit::AuditEntry;
pub use backup::BackupReport;
pub use crypto::PIN_ITERATIONS;
pub use error::{QueueError, Result};
pub use export::{csv_bytes, CsvEncoding, ExportReport, CSV_COLUMNS};
pub use pin::{check_pin_rules, lock_delay, LOCK_AFTER};
pub use records::{field_value, RecordView};
pub use review::{Filter, HourCount, Listing, VerifyReport};
pub use session::{local_now, Session, OPERATOR_NOT_GIVEN};
pub use state::State;
pub use store::{Queue, DB_FILE};
pub use sync::PendingRecord;
