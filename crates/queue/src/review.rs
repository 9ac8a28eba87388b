//! Supervisor review: list, search, filter, hourly counts, version history and verification.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, TimeZone};
use rusqlite::types::Value as SqlValue;
use vrs_ticket::Ticket;

use crate::audit::{self, AuditEntry};
use crate::error::{QueueError, Result};
use crate::records::{ticket_mac, view_from_row, RecordView, VERSION_COLUMNS};
use crate::state::State;
use crate::store::Queue;

/// Which records to list; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<State>,
    /// Vaccination date, in the tablet's time zone.
    pub date: Option<NaiveDate>,
    pub ticket: Option<Ticket>,
    pub limit: Option<usize>,
}

/// Records that could be read, and a line for each one that could not.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub records: Vec<RecordView>,
    pub damaged: Vec<String>,
}

/// Records vaccinated within one hour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HourCount {
    pub hour: DateTime<FixedOffset>,
    pub count: u64,
}

/// What `verify` found across the audit log and the records.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub audit_entries: u64,
    pub versions: u64,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Unix-millisecond bounds of a local calendar day.
fn day_bounds(date: NaiveDate) -> (i64, i64) {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| Local.from_local_datetime(&t).earliest())
            .map_or(0, |t| t.timestamp_millis())
    };
    let next = date.succ_opt().unwrap_or(date);
    (start(date), start(next))
}

impl Queue {
    /// The current version of each record matching `filter`, in vaccination order.
    pub fn list(&self, filter: &Filter) -> Result<Listing> {
        let mut sql = format!(
            "SELECT {VERSION_COLUMNS} FROM records r JOIN versions v
             ON v.id = r.id AND v.version = r.current_version WHERE 1 = 1"
        );
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(state) = filter.state {
            sql.push_str(" AND r.state = ?");
            args.push(SqlValue::Text(state.as_str().into()));
        }
        if let Some(date) = filter.date {
            let (from, to) = day_bounds(date);
            sql.push_str(" AND r.vaccinated_at_ms >= ? AND r.vaccinated_at_ms < ?");
            args.push(SqlValue::Integer(from));
            args.push(SqlValue::Integer(to));
        }
        if let Some(ticket) = &filter.ticket {
            sql.push_str(" AND r.ticket_mac = ?");
            args.push(SqlValue::Blob(ticket_mac(&self.keys, ticket)));
        }
        sql.push_str(" ORDER BY r.vaccinated_at_ms, r.id");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |row| {
            view_from_row(&self.keys, row)
        })?;
        let mut listing = Listing::default();
        for row in rows {
            match row? {
                Ok(view) => listing.records.push(view),
                Err(e) => listing.damaged.push(e.to_string()),
            }
        }
        Ok(listing)
    }

    /// Every record (current version) for one ticket, found by its keyed hash.
    pub fn search_ticket(&self, ticket: &Ticket) -> Result<Listing> {
        self.list(&Filter {
            ticket: Some(ticket.clone()),
            ..Filter::default()
        })
    }

    /// Every version of one record, oldest first, each with its own sync state.
    pub fn versions(&self, id: &str) -> Result<Vec<RecordView>> {
        let sql =
            format!("SELECT {VERSION_COLUMNS} FROM versions v WHERE v.id = ?1 ORDER BY v.version");
        let mut stmt = self.conn.prepare(&sql)?;
        let views = stmt
            .query_map([id], |row| view_from_row(&self.keys, row))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        if views.is_empty() {
            return Err(QueueError::NotFound(id.to_string()));
        }
        Ok(views)
    }

    /// Records not voided, per hour of vaccination in the tablet's time zone.
    pub fn counts_per_hour(&self, date: Option<NaiveDate>) -> Result<Vec<HourCount>> {
        let (from, to) = date.map_or((i64::MIN, i64::MAX), day_bounds);
        let offset = *Local::now().fixed_offset().offset();
        let offset_ms = i64::from(offset.local_minus_utc()) * 1000;
        let mut stmt = self.conn.prepare(
            "SELECT (vaccinated_at_ms + ?1) / 3600000 AS hour, COUNT(*) FROM records
             WHERE state != 'voided' AND vaccinated_at_ms >= ?2 AND vaccinated_at_ms < ?3
             GROUP BY hour ORDER BY hour",
        )?;
        let rows = stmt
            .query_map([offset_ms, from, to], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(hour, count)| {
                let utc = DateTime::from_timestamp(hour * 3600 - offset_ms / 1000, 0)?;
                Some(HourCount {
                    hour: utc.with_timezone(&offset),
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect())
    }

    /// The audit entries, for one record or all.
    pub fn audit_entries(&self, record_id: Option<&str>) -> Result<Vec<AuditEntry>> {
        audit::entries(&self.conn, &self.keys, record_id)
    }

    /// Checks everything: SQLite's own integrity check, the audit chain, that every version
    /// opens under its own id and version, and that every version has its audit entry.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if integrity != ["ok"] {
            report.problems.extend(
                integrity
                    .into_iter()
                    .map(|line| format!("database: {line}")),
            );
        }
        let mut check = audit::verify(&self.conn, &self.keys)?;
        report.audit_entries = check.entries;
        report.problems.append(&mut check.problems);
        let sql = format!("SELECT {VERSION_COLUMNS} FROM versions v ORDER BY v.seq");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            report.versions += 1;
            let id: String = row.get(0)?;
            let version: u32 = row.get(1)?;
            if let Err(e) = view_from_row(&self.keys, row)? {
                report.problems.push(e.to_string());
            }
            if !check.versions_created.remove(&(id.clone(), version)) {
                report.problems.push(format!(
                    "record {id} version {version}: has no audit entry (added behind the app's back)"
                ));
            }
        }
        for (id, version) in check.versions_created {
            report.problems.push(format!(
                "record {id} version {version}: in the audit log but missing from the store (deleted)"
            ));
        }
        Ok(report)
    }
}
