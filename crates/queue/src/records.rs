//! Writing record versions: add (with duplicate detection), void and correct. Every version is
//! a new sealed row; nothing written is ever overwritten.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use uuid::Uuid;
use vrs_record::{
    check_text, check_vaccination_time, FieldError, RecordStatus, ScanEvidence, VaccinationRecord,
};
use vrs_ticket::Ticket;

use crate::audit;
use crate::clock::{from_ms, now_ms};
use crate::crypto::Keys;
use crate::error::{QueueError, Result};
use crate::session::{local_now, Session};
use crate::state::State;
use crate::store::Queue;

/// One stored version with its sync outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordView {
    pub record: VaccinationRecord,
    pub state: State,
    pub queued_at: DateTime<Utc>,
    pub synced_at: Option<DateTime<Utc>>,
    pub quarantine_reason: Option<String>,
}

pub(crate) fn record_context(id: &str, version: u32) -> Vec<u8> {
    format!("record|{id}|{version}").into_bytes()
}

fn quarantine_context(id: &str, version: u32) -> Vec<u8> {
    format!("quarantine|{id}|{version}").into_bytes()
}

pub(crate) fn seal_quarantine(
    keys: &Keys,
    id: &str,
    version: u32,
    reason: &str,
) -> Result<Vec<u8>> {
    keys.seal
        .seal(&quarantine_context(id, version), reason.as_bytes())
}

/// Opens one version row; the error names the record and version.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open_version(
    keys: &Keys,
    id: &str,
    version: u32,
    voided: bool,
    sealed: &[u8],
    queued_ms: i64,
    synced_ms: Option<i64>,
    quarantine: Option<Vec<u8>>,
) -> Result<RecordView> {
    let damaged = || QueueError::Damaged {
        what: format!("record {id} version {version}"),
    };
    let plain = keys
        .seal
        .open(&record_context(id, version), sealed)
        .ok_or_else(damaged)?;
    let record: VaccinationRecord = serde_json::from_slice(&plain).map_err(|_| damaged())?;
    if record.id.to_string() != id || record.version != version {
        return Err(damaged());
    }
    let quarantine_reason = match &quarantine {
        Some(sealed) => Some(
            keys.seal
                .open(&quarantine_context(id, version), sealed)
                .map(|r| String::from_utf8_lossy(&r).into_owned())
                .ok_or_else(damaged)?,
        ),
        None => None,
    };
    Ok(RecordView {
        state: State::of_version(voided, synced_ms.is_some(), quarantine.is_some()),
        record,
        queued_at: from_ms(queued_ms),
        synced_at: synced_ms.map(from_ms),
        quarantine_reason,
    })
}

pub(crate) const VERSION_COLUMNS: &str =
    "v.id, v.version, v.voided, v.sealed, v.queued_ms, v.synced_ms, v.quarantine";

pub(crate) fn view_from_row(
    keys: &Keys,
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<RecordView>> {
    let id: String = row.get(0)?;
    let version: u32 = row.get(1)?;
    let sealed: Vec<u8> = row.get(3)?;
    Ok(open_version(
        keys,
        &id,
        version,
        row.get(2)?,
        &sealed,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

pub(crate) fn dose_mac(keys: &Keys, ticket: &Ticket, dose: u8) -> Vec<u8> {
    keys.index_mac(&["dose", &ticket.digits(), &dose.to_string()])
}

pub(crate) fn ticket_mac(keys: &Keys, ticket: &Ticket) -> Vec<u8> {
    keys.index_mac(&["ticket", &ticket.digits()])
}

/// Writes one version and points the record's index row at it.
pub(crate) fn insert_version(
    conn: &Connection,
    keys: &Keys,
    record: &VaccinationRecord,
    queued_ms: i64,
    synced_ms: Option<i64>,
    quarantine: Option<&str>,
) -> Result<()> {
    let id = record.id.to_string();
    let payload = serde_json::to_vec(record).map_err(|e| QueueError::Database(e.to_string()))?;
    let sealed = keys
        .seal
        .seal(&record_context(&id, record.version), &payload)?;
    let voided = record.status == RecordStatus::Voided;
    let quarantine = quarantine
        .map(|reason| seal_quarantine(keys, &id, record.version, reason))
        .transpose()?;
    let state = State::of_version(voided, synced_ms.is_some(), quarantine.is_some());
    conn.execute(
        "INSERT INTO records (id, current_version, ticket_mac, dose_mac, vaccinated_at_ms, state, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET current_version = excluded.current_version,
             ticket_mac = excluded.ticket_mac, dose_mac = excluded.dose_mac,
             vaccinated_at_ms = excluded.vaccinated_at_ms, state = excluded.state
         WHERE excluded.current_version > records.current_version",
        params![
            id,
            record.version,
            ticket_mac(keys, &record.ticket),
            dose_mac(keys, &record.ticket, record.dose),
            record.vaccinated_at.timestamp_millis(),
            state.as_str(),
            queued_ms
        ],
    )?;
    conn.execute(
        "INSERT INTO versions (id, version, voided, sealed, queued_ms, synced_ms, quarantine)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            record.version,
            voided,
            sealed,
            queued_ms,
            synced_ms,
            quarantine
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ffi::ErrorCode::ConstraintViolation =>
        {
            QueueError::NotAllowed {
                id: id.clone(),
                reason: format!("version {} already exists", record.version),
            }
        }
        other => other.into(),
    })?;
    Ok(())
}

impl Queue {
    /// The current version of a record.
    pub fn get(&self, id: &str) -> Result<RecordView> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM records r JOIN versions v
             ON v.id = r.id AND v.version = r.current_version WHERE r.id = ?1"
        );
        self.conn
            .query_row(&sql, [id], |row| view_from_row(&self.keys, row))
            .optional()?
            .ok_or_else(|| QueueError::NotFound(id.to_string()))?
    }

    /// Refuses when the same ticket and dose is already queued or synced in another record.
    fn check_duplicate(
        &self,
        ticket: &Ticket,
        dose: u8,
        except: Option<&str>,
    ) -> Result<Option<String>> {
        let mac = dose_mac(&self.keys, ticket, dose);
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, state FROM records WHERE dose_mac = ?1 ORDER BY created_ms",
        )?;
        let rows = stmt
            .query_map([mac], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, state) in rows {
            let blocks = state.parse::<State>().is_ok_and(State::blocks_duplicates);
            if blocks && Some(id.as_str()) != except {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn duplicate_error(&self, id: &str, dose: u8) -> QueueError {
        match self.get(id) {
            Ok(view) => QueueError::Duplicate {
                dose,
                at: view.record.vaccinated_at.to_rfc3339(),
                venue: view.record.venue,
                id: id.to_string(),
                state: view.state.to_string(),
            },
            Err(e) => e,
        }
    }

    fn trusted_now(&self) -> Result<DateTime<Utc>> {
        Ok(self.last_server_time()?.unwrap_or_else(Utc::now))
    }

    /// A new record for `ticket` from the session context, checked but not stored.
    fn draft(
        &self,
        session: &Session,
        ticket: Ticket,
        evidence: ScanEvidence,
    ) -> Result<VaccinationRecord> {
        let vaccinated_at = session.vaccination_time(local_now());
        check_vaccination_time(vaccinated_at, self.trusted_now()?)?;
        let dose = session.dose.unwrap_or_else(|| ticket.dose());
        let record = VaccinationRecord {
            id: Uuid::now_v7(),
            version: 1,
            ticket,
            vaccinated_at,
            venue: session.venue.clone(),
            maker: session.maker.clone(),
            lot: session.lot.clone(),
            dose,
            operator: session.operator.clone(),
            device_id: self.device_id.clone(),
            evidence,
            status: RecordStatus::Active,
            change_reason: None,
        };
        record.validate()?;
        Ok(record)
    }

    /// Writes a draft unless its dose is a duplicate (and not overridden); the caller commits.
    fn insert_new(
        &self,
        conn: &Connection,
        record: &VaccinationRecord,
        override_reason: Option<&str>,
    ) -> Result<()> {
        let duplicate_of = self.check_duplicate(&record.ticket, record.dose, None)?;
        let detail = match (&duplicate_of, override_reason) {
            (Some(first), None) => return Err(self.duplicate_error(first, record.dose)),
            (Some(first), Some(reason)) => {
                check_text("reason", reason)?;
                json!({ "duplicate_of": first, "override_reason": reason })
            }
            (None, _) => json!({}),
        };
        let id = record.id.to_string();
        insert_version(conn, &self.keys, record, now_ms(), None, None)?;
        audit::append(conn, &self.keys, "add", Some((&id, 1)), &detail)
    }

    /// Enqueues a ticket with the session context. A duplicate dose is refused unless
    /// `override_reason` is given (a supervisor's override, kept in the audit log).
    /// Returns once the record is committed.
    pub fn add(
        &mut self,
        ticket: Ticket,
        evidence: ScanEvidence,
        override_reason: Option<&str>,
    ) -> Result<VaccinationRecord> {
        let session = self.session()?.ok_or(QueueError::NoSession)?;
        let record = self.draft(&session, ticket, evidence)?;
        let tx = self.conn.unchecked_transaction()?;
        self.insert_new(&tx, &record, override_reason)?;
        tx.commit()?;
        Ok(record)
    }

    /// Enqueues many tickets in one transaction (a batch import): all are stored, or none.
    /// Duplicates are refused against the store and within the batch.
    pub fn add_many(
        &mut self,
        tickets: Vec<(Ticket, ScanEvidence)>,
    ) -> Result<Vec<VaccinationRecord>> {
        let session = self.session()?.ok_or(QueueError::NoSession)?;
        let tx = self.conn.unchecked_transaction()?;
        let mut records = Vec::with_capacity(tickets.len());
        for (ticket, evidence) in tickets {
            let record = self.draft(&session, ticket, evidence)?;
            self.insert_new(&tx, &record, None)?;
            records.push(record);
        }
        tx.commit()?;
        Ok(records)
    }

    fn next_version(&mut self, id: &str, reason: &str) -> Result<VaccinationRecord> {
        check_text("reason", reason)?;
        let current = self.get(id)?;
        if current.record.status == RecordStatus::Voided {
            return Err(QueueError::NotAllowed {
                id: id.to_string(),
                reason: "is voided; a voided record cannot change".into(),
            });
        }
        let mut next = current.record;
        next.version += 1;
        next.change_reason = Some(reason.to_string());
        Ok(next)
    }

    fn commit_version(
        &mut self,
        record: &VaccinationRecord,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        record.validate()?;
        let id = record.id.to_string();
        let tx = self.conn.transaction()?;
        insert_version(&tx, &self.keys, record, now_ms(), None, None)?;
        audit::append(
            &tx,
            &self.keys,
            action,
            Some((&id, record.version)),
            &detail,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Voids a record with a reason: a new version; earlier versions stay.
    pub fn void(&mut self, id: &str, reason: &str) -> Result<VaccinationRecord> {
        let mut next = self.next_version(id, reason)?;
        next.status = RecordStatus::Voided;
        self.commit_version(&next, "void", json!({ "reason": reason }))?;
        Ok(next)
    }

    /// Corrects one field with a reason: a new version; earlier versions stay.
    pub fn correct(
        &mut self,
        id: &str,
        field: &str,
        value: &str,
        reason: &str,
    ) -> Result<VaccinationRecord> {
        let mut next = self.next_version(id, reason)?;
        let old = field_value(&next, field)?;
        apply_correction(&mut next, field, value)?;
        if field == "date" || field == "time" {
            check_vaccination_time(next.vaccinated_at, self.trusted_now()?)?;
        }
        if let Some(first) = self.check_duplicate(&next.ticket, next.dose, Some(id))? {
            return Err(self.duplicate_error(&first, next.dose));
        }
        let new = field_value(&next, field)?;
        self.commit_version(
            &next,
            "correct",
            json!({ "field": field, "old": old, "new": new, "reason": reason }),
        )?;
        Ok(next)
    }
}

/// The fields a supervisor may correct, as text.
pub fn field_value(record: &VaccinationRecord, field: &str) -> Result<String> {
    Ok(match field {
        "ticket" => record.ticket.digits(),
        "date" | "time" => record.vaccinated_at.to_rfc3339(),
        "venue" => record.venue.clone(),
        "maker" => record.maker.clone(),
        "lot" => record.lot.clone(),
        "operator" => record.operator.clone(),
        "dose" => record.dose.to_string(),
        other => return Err(QueueError::UnknownField(other.to_string())),
    })
}

fn apply_correction(record: &mut VaccinationRecord, field: &str, value: &str) -> Result<()> {
    let at = record.vaccinated_at;
    match field {
        "ticket" => {
            record.ticket = Ticket::parse(value)?;
            // A ticket typed by a supervisor no longer rests on what the camera read.
            record.evidence = ScanEvidence {
                sources: Vec::new(),
                operator_confirmed: false,
                manual_entry: true,
            };
        }
        "date" => record.vaccinated_at = parse_date(value, at)?,
        "time" => {
            let time = NaiveTime::parse_from_str(value, "%H:%M")
                .map_err(|_| FieldError::new("time", format!("{value:?} is not HH:MM")))?;
            record.vaccinated_at = with_local(at, at.date_naive(), time);
        }
        "venue" => record.venue = value.to_string(),
        "maker" => record.maker = value.to_string(),
        "lot" => record.lot = value.to_string(),
        "operator" => record.operator = value.to_string(),
        "dose" => {
            record.dose = value
                .parse()
                .map_err(|_| FieldError::new("dose", format!("{value:?} is not a number")))?;
        }
        other => return Err(QueueError::UnknownField(other.to_string())),
    }
    Ok(())
}

/// `YYYY-MM-DD` keeps the time of day; a full RFC 3339 time replaces both.
fn parse_date(value: &str, at: DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>> {
    if let Ok(full) = DateTime::parse_from_rfc3339(value) {
        return Ok(full);
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "date",
            format!("{value:?} is not YYYY-MM-DD or an RFC 3339 time"),
        )
    })?;
    Ok(with_local(at, date, at.time()))
}

fn with_local(
    at: DateTime<FixedOffset>,
    date: NaiveDate,
    time: NaiveTime,
) -> DateTime<FixedOffset> {
    use chrono::TimeZone;
    at.offset()
        .from_local_datetime(&date.and_time(time))
        .single()
        .unwrap_or(at)
}
