//! The supervisor's queue: counts, listing, versions, void and correct.

use tauri::State;

use super::blocking;
use crate::dto::{Correction, Counts, RecordQuery, RecordRow};
use crate::error::{AppError, AppResult};
use crate::records::{self as rec, row};
use crate::state::Shared;

#[tauri::command]
pub async fn counts(state: State<'_, Shared>) -> AppResult<Counts> {
    blocking(&state, |s| rec::counts(s)).await
}

#[tauri::command]
pub async fn list_records(
    state: State<'_, Shared>,
    query: RecordQuery,
) -> AppResult<Vec<RecordRow>> {
    blocking(&state, move |s| s.with_queue(|q| rec::list(q, &query))).await
}

#[tauri::command]
pub async fn record_versions(state: State<'_, Shared>, id: String) -> AppResult<Vec<RecordRow>> {
    blocking(&state, move |s| {
        s.with_queue(|q| Ok(q.versions(&id)?.iter().map(row).collect()))
    })
    .await
}

#[tauri::command]
pub async fn void_record(
    state: State<'_, Shared>,
    id: String,
    reason: String,
) -> AppResult<RecordRow> {
    blocking(&state, move |s| {
        let view = s.with_queue(|q| {
            q.void(&id, reason.trim())?;
            Ok(q.get(&id)?)
        })?;
        s.changed();
        Ok(row(&view))
    })
    .await
}

/// Sends a quarantined record again (the server's reason was dealt with, e.g. the tablet was
/// linked as the replacement of the one that made it).
#[tauri::command]
pub async fn retry_record(state: State<'_, Shared>, id: String) -> AppResult<RecordRow> {
    blocking(&state, move |s| {
        let view = s.with_queue(|q| {
            q.release_quarantine(&id)?;
            Ok(q.get(&id)?)
        })?;
        s.changed();
        Ok(row(&view))
    })
    .await
}

/// Each changed field is one correction (one version) with the same reason.
#[tauri::command]
pub async fn correct_record(
    state: State<'_, Shared>,
    id: String,
    changes: Correction,
    reason: String,
) -> AppResult<RecordRow> {
    blocking(&state, move |s| {
        let mut fields: Vec<(&str, String)> = Vec::new();
        for (name, value) in [
            ("venue", &changes.venue),
            ("operator", &changes.operator),
            ("maker", &changes.maker),
            ("lot", &changes.lot),
            ("date", &changes.vaccinated_at),
        ] {
            if let Some(v) = value {
                fields.push((name, v.trim().to_string()));
            }
        }
        if let Some(dose) = changes.dose {
            fields.push(("dose", dose.to_string()));
        }
        if fields.is_empty() {
            return Err(AppError::field("changes", "nothing was changed"));
        }
        let view = s.with_queue(|q| {
            for (field, value) in &fields {
                q.correct(&id, field, value, reason.trim())?;
            }
            Ok(q.get(&id)?)
        })?;
        s.changed();
        Ok(row(&view))
    })
    .await
}
