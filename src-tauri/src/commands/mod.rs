//! The commands the UI calls (through `ui/src/ipc.ts`). Each is thin: it calls the crates and
//! converts to the UI's shapes; work that blocks runs off the async runtime's threads.

pub mod files;
pub mod import;
pub mod records;
pub mod scan;
pub mod sync;
pub mod unlock;

use std::sync::Arc;

use crate::error::{AppError, AppResult};
use crate::state::Shared;

/// Runs blocking work (PIN stretching, SQLite, image decoding) on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&Shared) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let state = Arc::clone(state);
    tauri::async_runtime::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| AppError::Other(format!("background task: {e}")))?
}
