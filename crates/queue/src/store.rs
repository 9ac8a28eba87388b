//! Opening and creating the store: one SQLite file per data directory, WAL with
//! `synchronous=FULL`, the schema migrated at open, the data key unwrapped with the PIN.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use serde_json::json;

use crate::audit;
use crate::checkpoint::Checkpointer;
use crate::crypto::{random_bytes, Keys, KEY_LEN};
use crate::error::{QueueError, Result};
use crate::meta;
use crate::migrate::{self, MIGRATIONS};
use crate::pin::{self, WrappedKey};

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "queue.db";
const BUILDING_SUFFIX: &str = ".building";

/// The tablet's encrypted record queue, unlocked.
pub struct Queue {
    pub(crate) conn: Connection,
    pub(crate) keys: Keys,
    pub(crate) device_id: String,
    pub(crate) dir: PathBuf,
    /// Declared after `conn`: dropping it joins the thread, which ends once `conn` is closed.
    _checkpointer: Checkpointer,
}

pub(crate) fn connect(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let fail = |e: rusqlite::Error| QueueError::from(e).at_path(path);
    let conn = Connection::open_with_flags(path, flags).map_err(fail)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(fail)?;
    set_journal_mode(&conn, path, "WAL")?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(fail)?;
    Ok(conn)
}

/// Switches the journal mode and checks that SQLite did (it refuses some switches, such as
/// leaving WAL while another connection is open, by answering with the mode it kept).
fn set_journal_mode(conn: &Connection, path: &Path, wanted: &str) -> Result<()> {
    let mode: String = conn
        .query_row(&format!("PRAGMA journal_mode = {wanted}"), [], |row| {
            row.get(0)
        })
        .map_err(|e| QueueError::from(e).at_path(path))?;
    if mode.eq_ignore_ascii_case(wanted) {
        Ok(())
    } else {
        Err(QueueError::Database(format!(
            "{}: journal mode is {mode}, {wanted} needed",
            path.display()
        )))
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| QueueError::io(dir, e))
}

impl Queue {
    /// The database file of a data directory.
    pub fn db_path(dir: &Path) -> PathBuf {
        dir.join(DB_FILE)
    }

    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        Self::db_path(dir).is_file()
    }

    /// Creates a new store in `dir` (made if missing) protected by `pin`.
    pub fn create(dir: &Path, pin: &str) -> Result<Self> {
        Self::build(dir, pin, |_| Ok(()))
    }

    /// Builds a complete store beside the final name and renames it into place, so that an
    /// interrupted `init` or `restore` leaves no half-made store behind.
    pub(crate) fn build(
        dir: &Path,
        pin: &str,
        fill: impl FnOnce(&mut Queue) -> Result<()>,
    ) -> Result<Self> {
        pin::check_pin_rules(pin)?;
        std::fs::create_dir_all(dir).map_err(|e| QueueError::io(dir, e))?;
        let final_path = Self::db_path(dir);
        if final_path.exists() {
            return Err(QueueError::AlreadyExists(dir.to_path_buf()));
        }
        let building = dir.join(format!("{DB_FILE}{BUILDING_SUFFIX}"));
        for suffix in ["", "-wal", "-shm"] {
            let stale = PathBuf::from(format!("{}{suffix}", building.display()));
            if stale.exists() {
                std::fs::remove_file(&stale).map_err(|e| QueueError::io(&stale, e))?;
            }
        }
        let mut conn = connect(&building, true)?;
        migrate::apply(&mut conn, MIGRATIONS)?;
        let checkpointer = Checkpointer::attach(&conn, &building)?;
        let data_key = random_bytes::<KEY_LEN>()?;
        let wrapped = WrappedKey::wrap(pin, &data_key)?;
        let keys = Keys::from_data_key(data_key)?;
        let device_id = uuid::Uuid::now_v7().to_string();
        let tx = conn.transaction()?;
        wrapped.store(&tx)?;
        meta::put(&tx, "device_id", device_id.as_bytes())?;
        audit::append(&tx, &keys, "init", None, &json!({ "device_id": device_id }))?;
        tx.commit()?;
        let mut queue = Queue {
            conn,
            keys,
            device_id,
            dir: dir.to_path_buf(),
            _checkpointer: checkpointer,
        };
        fill(&mut queue)?;
        let Queue {
            conn,
            keys,
            device_id,
            dir: _,
            _checkpointer: checkpointer,
        } = queue;
        // Stop the checkpoint thread, then leave WAL mode: that writes every committed page
        // into the file and removes the WAL, and SQLite does it only for the last connection,
        // so the rename below moves one complete file. (Relying on the thread's connection to
        // write the WAL back as it closed lost the meta rows now and then under load: `init`
        // made a store that could not be opened.)
        checkpointer.stop(&conn);
        set_journal_mode(&conn, &building, "DELETE")?;
        conn.close().map_err(|(_, e)| QueueError::from(e))?;
        std::fs::rename(&building, &final_path).map_err(|e| QueueError::io(&final_path, e))?;
        sync_dir(dir)?;
        let mut conn = connect(&final_path, false)?;
        migrate::apply(&mut conn, MIGRATIONS)?;
        let checkpointer = Checkpointer::attach(&conn, &final_path)?;
        Ok(Queue {
            conn,
            keys,
            device_id,
            dir: dir.to_path_buf(),
            _checkpointer: checkpointer,
        })
    }

    /// Opens the store in `dir` with the PIN. A wrong PIN is counted; ten in a row lock it.
    pub fn open(dir: &Path, pin: &str) -> Result<Self> {
        let path = Self::db_path(dir);
        if !path.is_file() {
            return Err(QueueError::NoStore(dir.to_path_buf()));
        }
        let mut conn = connect(&path, false)?;
        migrate::apply(&mut conn, MIGRATIONS).map_err(|e| e.at_path(&path))?;
        let keys = pin::unlock(&conn, pin)?;
        let device_id = meta::get_text(&conn, "device_id")?
            .ok_or_else(|| QueueError::Database("meta device_id missing".into()))?;
        let checkpointer = Checkpointer::attach(&conn, &path)?;
        Ok(Queue {
            conn,
            keys,
            device_id,
            dir: dir.to_path_buf(),
            _checkpointer: checkpointer,
        })
    }

    /// Re-wraps the data key under a new PIN (and a new salt); records are not touched.
    pub fn change_pin(&mut self, new_pin: &str) -> Result<()> {
        pin::check_pin_rules(new_pin)?;
        let wrapped = WrappedKey::wrap(new_pin, &self.keys.data_key)?;
        let tx = self.conn.transaction()?;
        wrapped.store(&tx)?;
        audit::append(&tx, &self.keys, "pin_changed", None, &json!({}))?;
        tx.commit()?;
        Ok(())
    }

    /// This tablet's id (a UUIDv7 made at `init`), written into every record it makes.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The newest server time the sync client has seen, if any.
    pub fn last_server_time(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(meta::get_text(&self.conn, "last_server_time")?
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Records the server's time from a sync exchange (used for clock sanity).
    pub fn set_last_server_time(&mut self, at: DateTime<Utc>) -> Result<()> {
        meta::put(&self.conn, "last_server_time", at.to_rfc3339().as_bytes())
    }

    /// Stores a small secret (e.g. the device's signing key) sealed under the data key.
    pub fn put_secret(&mut self, name: &str, value: &[u8]) -> Result<()> {
        let sealed = self.keys.seal.seal(&secret_context(name), value)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO secrets (name, sealed) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed",
            rusqlite::params![name, sealed],
        )?;
        audit::append(
            &tx,
            &self.keys,
            "secret_set",
            None,
            &json!({ "name": name }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A secret stored with [`Queue::put_secret`], or `None` if never stored.
    pub fn get_secret(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(sealed) = rusqlite::OptionalExtension::optional(self.conn.query_row(
            "SELECT sealed FROM secrets WHERE name = ?1",
            [name],
            |row| row.get::<_, Vec<u8>>(0),
        ))?
        else {
            return Ok(None);
        };
        self.keys
            .seal
            .open(&secret_context(name), &sealed)
            .map(Some)
            .ok_or_else(|| QueueError::Damaged {
                what: format!("secret {name}"),
            })
    }
}

fn secret_context(name: &str) -> Vec<u8> {
    format!("secret|{name}").into_bytes()
}
