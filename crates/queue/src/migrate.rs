//! Schema migrations embedded from `migrations/tablet/`, applied in order at open. Each applied
//! migration is recorded with its SHA-256 so that an edited old migration is refused rather
//! than leaving tablets with silently different schemas.

use ring::digest::{digest, SHA256};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{QueueError, Result};
use crate::hex;

/// One migration: its number, name and SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub number: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The tablet schema, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        number: 1,
        name: "0001_init",
        sql: include_str!("../../../migrations/tablet/0001_init.sql"),
    },
    Migration {
        number: 2,
        name: "0002_state_index",
        sql: include_str!("../../../migrations/tablet/0002_state_index.sql"),
    },
];

fn checksum(sql: &str) -> String {
    hex::encode(digest(&SHA256, sql.as_bytes()).as_ref())
}

/// Applies the migrations not yet applied; refuses an edited or unknown applied migration.
pub fn apply(conn: &mut Connection, migrations: &[Migration]) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            number INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            applied_ms INTEGER NOT NULL
        ) STRICT",
    )?;
    let newest_applied: Option<u32> =
        conn.query_row("SELECT MAX(number) FROM schema_migrations", [], |row| {
            row.get(0)
        })?;
    let newest_known = migrations.iter().map(|m| m.number).max().unwrap_or(0);
    if let Some(newest) = newest_applied.filter(|n| *n > newest_known) {
        return Err(QueueError::Migration {
            name: format!("{newest:04}"),
            reason: "the store was written by a newer version of this app".into(),
        });
    }
    let mut applied = 0;
    for migration in migrations {
        let recorded: Option<(String, String)> = conn
            .query_row(
                "SELECT name, sha256 FROM schema_migrations WHERE number = ?1",
                [migration.number],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let sum = checksum(migration.sql);
        match recorded {
            Some((_, recorded_sum)) if recorded_sum == sum => continue,
            Some((name, recorded_sum)) => {
                return Err(QueueError::Migration {
                    name,
                    reason: format!(
                    "was edited after it was applied (applied sha256 {recorded_sum}, now {sum}); \
                         add a new migration instead"
                ),
                })
            }
            None => {
                let tx = conn.transaction()?;
                tx.execute_batch(migration.sql)
                    .map_err(|e| QueueError::Migration {
                        name: migration.name.into(),
                        reason: e.to_string(),
                    })?;
                tx.execute(
                    "INSERT INTO schema_migrations (number, name, sha256, applied_ms) VALUES (?1, ?2, ?3, ?4)",
                    params![migration.number, migration.name, sum, crate::clock::now_ms()],
                )?;
                tx.commit()?;
                applied += 1;
            }
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_once_and_refuses_an_edited_migration() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("m.db")).unwrap();
        assert_eq!(apply(&mut conn, MIGRATIONS).unwrap(), MIGRATIONS.len());
        assert_eq!(apply(&mut conn, MIGRATIONS).unwrap(), 0);

        let mut edited = MIGRATIONS.to_vec();
        edited[0].sql = "CREATE TABLE meta (key TEXT);";
        let err = apply(&mut conn, &edited).unwrap_err();
        assert!(err.to_string().contains("0001_init"), "{err}");
        assert!(err.to_string().contains("edited"), "{err}");
    }

    #[test]
    fn applies_new_migrations_in_order_and_refuses_a_newer_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("m.db")).unwrap();
        apply(&mut conn, MIGRATIONS).unwrap();
        let mut more = MIGRATIONS.to_vec();
        more.push(Migration {
            number: 99,
            name: "0099_extra",
            sql: "CREATE TABLE extra (x INTEGER) STRICT;",
        });
        assert_eq!(apply(&mut conn, &more).unwrap(), 1);
        conn.execute("INSERT INTO extra (x) VALUES (1)", [])
            .unwrap();
        let err = apply(&mut conn, MIGRATIONS).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }
}
