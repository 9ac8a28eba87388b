//! Enrolment and sync.

use std::sync::Arc;

use tauri::State;

use super::blocking;
use crate::dto::{EnrolInfo, SyncReportDto, SyncStatusDto};
use crate::error::{AppError, AppResult};
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
    let enrolled = info.enrolment.is_some();
    let (pending, made_elsewhere) = blocking(&state, move |s| {
        let pending = records::counts(s).map_or(0, |c| c.pending);
        // Only asked before enrolment, when the enrolment form needs it: it opens every
        // pending version.
        let made_elsewhere = if enrolled {
            Vec::new()
        } else {
            match s.with_queue(|q| Ok(q.pending_makers_elsewhere()?)) {
                Err(AppError::Locked) => Vec::new(),
                other => other?,
            }
        };
        Ok((pending, made_elsewhere))
    })
    .await?;
    Ok(SyncStatusDto {
        enrolled,
        server_url: info.enrolment.map(|e| e.server_url),
        online: info.online,
        syncing: info.syncing,
        last_sync_at: info.last_sync_at,
        last_error: info.last_error,
        pending,
        errors: info.errors,
        made_elsewhere,
    })
}

#[tauri::command]
pub async fn sync_now(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
) -> AppResult<SyncReportDto> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |_| agent.sync_now()).await
}
