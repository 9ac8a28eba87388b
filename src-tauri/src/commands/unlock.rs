//! PIN, lock, session and the app's status.

use std::sync::Arc;

use tauri::State;
use vrs_queue::Queue;

use super::blocking;
use crate::dto::{AppStatus, SessionDto};
use crate::error::AppResult;
use crate::records::{session_from_dto, session_to_dto};
use crate::state::{lock as guard, Shared};
use crate::sync::SyncAgent;

#[tauri::command]
pub async fn app_status(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
) -> AppResult<AppStatus> {
    let enrolment = agent.enrolment();
    blocking(&state, move |s| {
        let session = if s.is_unlocked() {
            s.with_queue(|q| Ok(q.session()?))?
                .as_ref()
                .map(session_to_dto)
        } else {
            None
        };
        Ok(AppStatus {
            initialized: s.queue_exists(),
            unlocked: s.is_unlocked(),
            enrolled: enrolment.is_some(),
            server_url: enrolment.as_ref().map(|e| e.server_url.clone()),
            device_id: enrolment.map(|e| e.device_id),
            session,
            source: Some(guard(&s.settings).source.clone()),
            today: vrs_queue::local_now().format("%Y-%m-%d").to_string(),
            web_memory_limit_mb: web_memory_limit_mb(),
        })
    })
    .await
}

#[tauri::command]
pub fn vaccine_makers() -> Vec<&'static str> {
    vrs_record::VACCINE_MAKERS.to_vec()
}

#[tauri::command]
pub async fn create_pin(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
    pin: String,
) -> AppResult<()> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |s| {
        let dir = s.queue_dir()?;
        let queue = Queue::create(&dir, &pin)?;
        s.set_queue(Some(queue));
        agent.unlocked(s, &pin)
    })
    .await
}

#[tauri::command]
pub async fn unlock(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
    pin: String,
) -> AppResult<()> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |s| {
        let queue = Queue::open(&s.queue_dir()?, &pin)?;
        s.set_queue(Some(queue));
        agent.unlocked(s, &pin)
    })
    .await
}

#[tauri::command]
pub async fn lock(state: State<'_, Shared>, agent: State<'_, Arc<SyncAgent>>) -> AppResult<()> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |s| {
        agent.locked();
        s.replace_scan(None);
        s.set_queue(None);
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn set_session(state: State<'_, Shared>, session: SessionDto) -> AppResult<SessionDto> {
    blocking(&state, move |s| {
        let session = session_from_dto(&session)?;
        s.with_queue(|q| {
            q.set_session(&session)?;
            Ok(())
        })?;
        s.changed();
        Ok(session_to_dto(&session))
    })
    .await
}

#[cfg(target_os = "linux")]
fn web_memory_limit_mb() -> Option<u32> {
    crate::web_memory::active_limit_mb()
}

#[cfg(not(target_os = "linux"))]
fn web_memory_limit_mb() -> Option<u32> {
    None
}
