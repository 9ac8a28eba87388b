//! Enrolment and sync.

use std::sync::Arc;

use tauri::State;

use super::blocking;
use crate::dto::{EnrolInfo, SyncReportDto, SyncStatusDto};
use crate::error::AppResult;
use crate::records;
use crate::state::Shared;
use crate::sync::SyncAgent;

#[tauri::command]
pub async fn enrol(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
    server_url: String,
    activation_code: String,
) -> AppResult<EnrolInfo> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |_| {
        agent.enrol(server_url.trim(), activation_code.trim())
    })
    .await
}

#[tauri::command]
pub async fn sync_status(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
) -> AppResult<SyncStatusDto> {
    let info = agent.info();
    let pending = blocking(&state, |s| Ok(records::counts(s).map_or(0, |c| c.pending))).await?;
    Ok(SyncStatusDto {
        enrolled: info.enrolment.is_some(),
        server_url: info.enrolment.map(|e| e.server_url),
        online: info.online,
        syncing: info.syncing,
        last_sync_at: info.last_sync_at,
        last_error: info.last_error,
        pending,
        errors: info.errors,
    })
}

/// The devices that made records still to be sent, other than this one (a restored queue's):
/// the activation code must replace them for the server to take those records. Asked by the
/// enrolment form only, not by the status polls: it opens every pending version.
#[tauri::command]
pub async fn pending_makers_elsewhere(state: State<'_, Shared>) -> AppResult<Vec<String>> {
    blocking(&state, |s| {
        s.with_queue(|q| Ok(q.pending_makers_elsewhere()?))
    })
    .await
}

#[tauri::command]
pub async fn sync_now(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
) -> AppResult<SyncReportDto> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |_| agent.sync_now()).await
}
