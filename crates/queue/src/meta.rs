//! The `meta` key-value table.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{QueueError, Result};

pub fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?)
}

pub fn require(conn: &Connection, key: &str) -> Result<Vec<u8>> {
    get(conn, key)?.ok_or_else(|| QueueError::Database(format!("meta {key} missing")))
}

pub fn get_text(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(get(conn, key)?.and_then(|bytes| String::from_utf8(bytes).ok()))
}

pub fn put(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
