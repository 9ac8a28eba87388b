//! Schema migrations, embedded in the binary and checksummed: a migration that was edited after
//! it was applied, or one the binary does not know, stops the server instead of drifting.

use ring::digest;

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// SHA-256 of the SQL text, hex.
    pub fn checksum(&self) -> String {
        hex::encode(digest::digest(&digest::SHA256, self.sql.as_bytes()))
    }
}

pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial.sql",
        sql: include_str!("../../../migrations/server/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_device_replacement.sql",
        sql: include_str!("../../../migrations/server/sqlite/0002_device_replacement.sql"),
    },
];

pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial.sql",
        sql: include_str!("../../../migrations/server/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_device_replacement.sql",
        sql: include_str!("../../../migrations/server/postgres/0002_device_replacement.sql"),
    },
];

/// A row of `schema_migrations` as found in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    pub checksum: String,
}

/// Checks what is applied against what is embedded; returns the migrations still to apply.
pub fn pending<'a>(
    embedded: &'a [Migration],
    applied: &[Applied],
) -> Result<Vec<&'a Migration>, String> {
    for row in applied {
        match embedded.iter().find(|m| m.version == row.version) {
            None => {
                return Err(format!(
                    "the database has migration {} which this server does not know; \
                     run a newer vrs-server",
                    row.version
                ))
            }
            Some(m) if m.checksum() != row.checksum => {
                return Err(format!(
                    "migration {} ({}) was changed after it was applied: checksum {} here, {} in the database",
                    m.version,
                    m.name,
                    m.checksum(),
                    row.checksum
                ))
            }
            Some(_) => {}
        }
    }
    Ok(embedded
        .iter()
        .filter(|m| applied.iter().all(|row| row.version != m.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applied_migrations_must_match_their_checksums() {
        let first = SQLITE[0];
        assert_eq!(pending(SQLITE, &[]).unwrap().len(), SQLITE.len());
        let good = Applied {
            version: 1,
            checksum: first.checksum(),
        };
        let after_first: Vec<i64> = pending(SQLITE, &[good])
            .unwrap()
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(after_first, (2..=SQLITE.len() as i64).collect::<Vec<_>>());
        let edited = Applied {
            version: 1,
            checksum: "00".into(),
        };
        assert!(pending(SQLITE, &[edited])
            .unwrap_err()
            .contains("changed after it was applied"));
        let unknown = Applied {
            version: 99,
            checksum: "00".into(),
        };
        assert!(pending(SQLITE, &[unknown])
            .unwrap_err()
            .contains("does not know"));
    }

    #[test]
    fn both_flavours_create_the_same_tables() {
        let tables = |sql: &str| {
            let mut names: Vec<String> = sql
                .lines()
                .filter_map(|l| l.strip_prefix("CREATE TABLE "))
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
                .collect();
            names.sort();
            names
        };
        assert_eq!(tables(SQLITE[0].sql), tables(POSTGRES[0].sql));
        assert_eq!(tables(SQLITE[0].sql).len(), 6);
    }
}
