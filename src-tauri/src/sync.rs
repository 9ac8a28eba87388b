//! Background sync with the server: enrolment, status for the UI, upload when there is work.

use std::sync::{Arc, Mutex};

use crate::dto::{EnrolInfo, SyncErrorDto, SyncReportDto};
use crate::error::{AppError, AppResult};
use crate::state::{lock, AppState};

#[derive(Debug, Clone)]
pub struct Enrolment {
    pub server_url: String,
    pub device_id: String,
}

#[derive(Debug, Default, Clone)]
pub struct SyncInfo {
    pub enrolment: Option<Enrolment>,
    pub online: Option<bool>,
    pub syncing: bool,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    pub errors: Vec<SyncErrorDto>,
}

/// Managed by Tauri beside the app state.
#[derive(Default)]
pub struct SyncAgent {
    info: Arc<Mutex<SyncInfo>>,
}

impl SyncAgent {
    pub fn enrolment(&self) -> Option<Enrolment> {
        lock(&self.info).enrolment.clone()
    }

    pub fn info(&self) -> SyncInfo {
        lock(&self.info).clone()
    }

    /// The queue was unlocked: load the enrolment and start syncing in the background.
    pub fn unlocked(&self, _state: &Arc<AppState>) {}

    /// The queue was locked: stop syncing.
    pub fn locked(&self) {}

    pub fn enrol(&self, _state: &AppState, _url: &str, _code: &str) -> AppResult<EnrolInfo> {
        Err(AppError::NotAvailable("enrolment (vrs-sync-client)"))
    }

    pub fn sync_now(&self, _state: &AppState) -> AppResult<SyncReportDto> {
        Err(AppError::NotAvailable("sync (vrs-sync-client)"))
    }
}
