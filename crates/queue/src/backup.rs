//! The encrypted backup file, for when a tablet dies before it syncs.
//!
//! Layout: `VRSBACKUP1\n`, a 4-byte big-endian header length, the header (JSON: salt,
//! iteration count and the data key wrapped under the PIN, as on the tablet), then the body
//! (JSON of every version with its sync state) sealed with AES-256-GCM under the data key,
//! the magic and header bound as associated data, so altering any byte is refused.
//! Secrets (the device's signing key) are left out: a replacement tablet enrols as itself;
//! the restored records keep the device id they were made on.

use std::path::Path;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use vrs_record::VaccinationRecord;

use crate::audit;
use crate::error::{QueueError, Result};
use crate::files::write_atomically;
use crate::hex;
use crate::meta;
use crate::pin::WrappedKey;
use crate::records::{insert_version, view_from_row, VERSION_COLUMNS};
use crate::session::Session;
use crate::store::Queue;

const MAGIC: &[u8] = b"VRSBACKUP1\n";
const FORMAT: u32 = 1;
/// Bounds on the iteration count read from a file, before it is authenticated.
const ITERATIONS_ACCEPTED: std::ops::RangeInclusive<u32> = 100_000..=10_000_000;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    created_at: String,
    device_id: String,
    kdf_salt: String,
    kdf_iterations: u32,
    wrapped_key: String,
    versions: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct BackedVersion {
    record: VaccinationRecord,
    queued_ms: i64,
    synced_ms: Option<i64>,
    quarantine: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Body {
    versions: Vec<BackedVersion>,
    session: Option<Session>,
    last_server_time: Option<String>,
}

/// What a backup wrote, or a restore read.
#[derive(Debug, Clone, Default)]
pub struct BackupReport {
    pub versions: usize,
    /// Versions left out of a backup because they fail authentication.
    pub damaged: Vec<String>,
}

fn body_context(header: &[u8]) -> Vec<u8> {
    let mut context = b"backup|".to_vec();
    context.extend_from_slice(MAGIC);
    context.extend_from_slice(header);
    context
}

fn json_err(e: serde_json::Error) -> QueueError {
    QueueError::Backup(e.to_string())
}

impl Queue {
    /// Writes every version (all states), the session and the key wrapped under the PIN.
    pub fn backup(&self, path: &Path) -> Result<BackupReport> {
        let sql = format!("SELECT {VERSION_COLUMNS} FROM versions v ORDER BY v.seq");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut report = BackupReport::default();
        let mut versions = Vec::new();
        for view in stmt.query_map([], |row| view_from_row(&self.keys, row))? {
            match view? {
                Ok(view) => versions.push(BackedVersion {
                    queued_ms: view.queued_at.timestamp_millis(),
                    synced_ms: view.synced_at.map(|t| t.timestamp_millis()),
                    quarantine: view.quarantine_reason,
                    record: view.record,
                }),
                Err(e) => report.damaged.push(e.to_string()),
            }
        }
        report.versions = versions.len();
        let wrapped = WrappedKey::load(&self.conn)?;
        let header = serde_json::to_vec(&Header {
            format: FORMAT,
            created_at: Utc::now().to_rfc3339(),
            device_id: self.device_id.clone(),
            kdf_salt: hex::encode(&wrapped.salt),
            kdf_iterations: wrapped.iterations,
            wrapped_key: hex::encode(&wrapped.wrapped),
            versions: versions.len(),
        })
        .map_err(json_err)?;
        let body = serde_json::to_vec(&Body {
            versions,
            session: self.session()?,
            last_server_time: self.last_server_time()?.map(|t| t.to_rfc3339()),
        })
        .map_err(json_err)?;
        let sealed = self.keys.seal.seal(&body_context(&header), &body)?;
        let header_len = u32::try_from(header.len())
            .map_err(|_| QueueError::Backup("header too long".into()))?;
        let mut file = Vec::with_capacity(MAGIC.len() + 4 + header.len() + sealed.len());
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&header_len.to_be_bytes());
        file.extend_from_slice(&header);
        file.extend_from_slice(&sealed);
        write_atomically(path, &file)?;
        let tx = self.conn.unchecked_transaction()?;
        audit::append(
            &tx,
            &self.keys,
            "backup",
            None,
            &json!({ "versions": report.versions }),
        )?;
        tx.commit()?;
        Ok(report)
    }

    /// Makes a new store in `dir` (which must hold none) from a backup, with the backup's PIN.
    /// The new store gets its own device id, salt and data key; nothing is written unless the
    /// whole backup opens.
    pub fn restore(dir: &Path, backup: &Path, pin: &str) -> Result<(Queue, BackupReport)> {
        if Queue::exists(dir) {
            return Err(QueueError::AlreadyExists(dir.to_path_buf()));
        }
        let bytes = std::fs::read(backup).map_err(|e| QueueError::io(backup, e))?;
        let (header_bytes, sealed) = split_file(&bytes)?;
        let header: Header = serde_json::from_slice(header_bytes)
            .map_err(|e| QueueError::Backup(format!("header: {e}")))?;
        if header.format != FORMAT {
            return Err(QueueError::Backup(format!(
                "format {} is not supported",
                header.format
            )));
        }
        if !ITERATIONS_ACCEPTED.contains(&header.kdf_iterations) {
            return Err(QueueError::BackupRefused);
        }
        let wrapped = WrappedKey {
            salt: hex::decode(&header.kdf_salt).ok_or(QueueError::BackupRefused)?,
            iterations: header.kdf_iterations,
            wrapped: hex::decode(&header.wrapped_key).ok_or(QueueError::BackupRefused)?,
        };
        let keys = wrapped.unwrap_with(pin)?.ok_or(QueueError::BackupRefused)?;
        let plain = keys
            .seal
            .open(&body_context(header_bytes), sealed)
            .ok_or(QueueError::BackupRefused)?;
        let body: Body = serde_json::from_slice(&plain).map_err(json_err)?;
        let report = BackupReport {
            versions: body.versions.len(),
            damaged: Vec::new(),
        };
        let queue = Queue::build(dir, pin, |queue| {
            for version in &body.versions {
                version.record.validate()?;
            }
            if let Some(session) = &body.session {
                queue.set_session(session)?;
            }
            let tx = queue.conn.transaction()?;
            for v in &body.versions {
                insert_version(
                    &tx,
                    &queue.keys,
                    &v.record,
                    v.queued_ms,
                    v.synced_ms,
                    v.quarantine.as_deref(),
                )?;
                let id = v.record.id.to_string();
                audit::append(
                    &tx,
                    &queue.keys,
                    "restore_version",
                    Some((&id, v.record.version)),
                    &json!({}),
                )?;
            }
            if let Some(at) = &body.last_server_time {
                meta::put(&tx, "last_server_time", at.as_bytes())?;
            }
            audit::append(
                &tx,
                &queue.keys,
                "restore",
                None,
                &json!({ "from_device": header.device_id, "backup_created_at": header.created_at, "versions": body.versions.len() }),
            )?;
            tx.commit()?;
            Ok(())
        })?;
        Ok((queue, report))
    }
}

fn split_file(bytes: &[u8]) -> Result<(&[u8], &[u8])> {
    let not_backup = || QueueError::Backup("not a VRS backup file (or truncated)".into());
    let rest = bytes.strip_prefix(MAGIC).ok_or_else(not_backup)?;
    let (len, rest) = rest.split_first_chunk::<4>().ok_or_else(not_backup)?;
    let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| not_backup())?;
    if rest.len() < len {
        return Err(not_backup());
    }
    Ok(rest.split_at(len))
}
