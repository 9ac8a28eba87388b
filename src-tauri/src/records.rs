//! The queue seen through the UI's shapes: saving a ticket, rows, counts, sessions.

use chrono::NaiveDate;
use vrs_queue::{Filter, Queue, QueueError, RecordView, State};
use vrs_record::{RecordStatus, ScanEvidence, VaccinationRecord};
use vrs_ticket::{Source, Ticket};

use crate::dto::{
    Counts, DuplicateOf, RecordFilter, RecordQuery, RecordRow, SaveOutcome, SaveStatus, SessionDto,
    SyncState, TicketFields,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Saves a ticket with the session; a duplicate dose is an outcome, not an error, so the scan
/// screen can show when and where it was first recorded.
pub fn save_ticket(
    state: &AppState,
    ticket: &Ticket,
    evidence: ScanEvidence,
) -> AppResult<SaveOutcome> {
    let fields = TicketFields::from(ticket);
    let added = state.with_queue(|q| Ok(q.add(ticket.clone(), evidence, None)));
    match added? {
        Ok(record) => {
            state.changed();
            Ok(SaveOutcome {
                status: SaveStatus::Saved,
                record_id: Some(record.id.to_string()),
                fields,
                duplicate_of: None,
            })
        }
        Err(QueueError::Duplicate {
            dose,
            at,
            venue,
            id,
            ..
        }) => Ok(SaveOutcome {
            status: SaveStatus::Duplicate,
            record_id: None,
            fields,
            duplicate_of: Some(DuplicateOf {
                record_id: id,
                vaccinated_at: at,
                venue,
                dose,
            }),
        }),
        Err(e) => Err(e.into()),
    }
}

pub fn evidence(sources: &[Source], operator_confirmed: bool, manual_entry: bool) -> ScanEvidence {
    ScanEvidence {
        sources: sources.to_vec(),
        operator_confirmed,
        manual_entry,
    }
}

fn evidence_text(e: &ScanEvidence) -> String {
    let mut parts: Vec<String> = e.sources.iter().map(|s| s.to_string()).collect();
    if e.operator_confirmed {
        parts.push("operator confirmed".into());
    }
    if e.manual_entry {
        parts.push("manual entry".into());
    }
    parts.join(" + ")
}

fn sync_state(view: &RecordView) -> SyncState {
    match view.state {
        State::Synced => SyncState::Synced,
        State::Quarantined => SyncState::Quarantined,
        State::Queued => SyncState::Pending,
        // A void is itself a version to send; it is synced once the server has it.
        State::Voided if view.synced_at.is_some() => SyncState::Synced,
        State::Voided => SyncState::Pending,
    }
}

pub fn row(view: &RecordView) -> RecordRow {
    let r: &VaccinationRecord = &view.record;
    RecordRow {
        id: r.id.to_string(),
        version: r.version,
        fields: TicketFields::from(&r.ticket),
        vaccinated_at: r.vaccinated_at.to_rfc3339(),
        venue: r.venue.clone(),
        operator: r.operator.clone(),
        maker: r.maker.clone(),
        lot: r.lot.clone(),
        dose: r.dose,
        status: match r.status {
            RecordStatus::Active => "active",
            RecordStatus::Voided => "voided",
        },
        sync: sync_state(view),
        server_reason: view.quarantine_reason.clone(),
        change_reason: r.change_reason.clone(),
        evidence: evidence_text(&r.evidence),
    }
}

fn in_session(view: &RecordView, session: Option<&vrs_queue::Session>) -> bool {
    let Some(s) = session else { return false };
    let r = &view.record;
    let date = s
        .date
        .unwrap_or_else(|| vrs_queue::local_now().date_naive());
    r.status == RecordStatus::Active
        && r.venue == s.venue
        && r.lot == s.lot
        && r.vaccinated_at.date_naive() == date
}

pub fn count(queue: &Queue) -> AppResult<Counts> {
    let listing = queue.list(&Filter::default())?;
    let session = queue.session()?;
    let mut c = Counts::default();
    for view in &listing.records {
        c.total += 1;
        match view.record.status {
            RecordStatus::Active => c.active += 1,
            RecordStatus::Voided => c.voided += 1,
        }
        match sync_state(view) {
            SyncState::Pending => c.pending += 1,
            SyncState::Synced => c.synced += 1,
            SyncState::Quarantined => c.quarantined += 1,
        }
        if in_session(view, session.as_ref()) {
            c.session += 1;
        }
    }
    Ok(c)
}

pub fn counts(state: &AppState) -> AppResult<Counts> {
    if let Some(c) = state.cached_counts() {
        return Ok(c);
    }
    let c = state.with_queue(|q| count(q))?;
    state.cache_counts(c);
    Ok(c)
}

fn matches(row: &RecordRow, query: &RecordQuery) -> bool {
    let wanted = match query.filter {
        RecordFilter::All => true,
        RecordFilter::Pending => row.sync == SyncState::Pending,
        RecordFilter::Synced => row.sync == SyncState::Synced,
        RecordFilter::Quarantined => row.sync == SyncState::Quarantined,
        RecordFilter::Voided => row.status == "voided",
    };
    let text = query.search.trim().to_lowercase();
    wanted
        && (text.is_empty()
            || [
                &row.fields.digits,
                &row.venue,
                &row.lot,
                &row.maker,
                &row.operator,
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&text)))
}

/// The newest records first, filtered and searched.
pub fn list(queue: &Queue, query: &RecordQuery) -> AppResult<Vec<RecordRow>> {
    let listing = queue.list(&Filter::default())?;
    Ok(listing
        .records
        .iter()
        .rev()
        .map(row)
        .filter(|r| matches(r, query))
        .take(query.limit.max(1))
        .collect())
}

pub fn session_from_dto(s: &SessionDto) -> AppResult<vrs_queue::Session> {
    let date = NaiveDate::parse_from_str(&s.date, "%Y-%m-%d")
        .map_err(|_| AppError::field("date", format!("{:?} is not a date (YYYY-MM-DD)", s.date)))?;
    Ok(vrs_queue::Session {
        venue: s.venue.trim().to_string(),
        maker: s.maker.trim().to_string(),
        lot: s.lot.trim().to_string(),
        operator: s.operator.trim().to_string(),
        date: Some(date),
        dose: Some(s.dose),
    })
}

pub fn session_to_dto(s: &vrs_queue::Session) -> SessionDto {
    let today = vrs_queue::local_now().date_naive();
    SessionDto {
        venue: s.venue.clone(),
        operator: s.operator.clone(),
        maker: s.maker.clone(),
        lot: s.lot.clone(),
        date: s.date.unwrap_or(today).format("%Y-%m-%d").to_string(),
        dose: s.dose.unwrap_or(1),
    }
}
