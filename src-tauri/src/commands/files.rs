//! Files: CSV export, backup and restore, and where they go by default.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tauri::State;
use vrs_queue::{CsvEncoding, Filter, Queue};

use super::blocking;
use crate::dto::{DefaultPaths, FileResult};
use crate::error::{AppError, AppResult};
use crate::state::Shared;
use crate::sync::SyncAgent;

fn path_arg(path: &str) -> AppResult<PathBuf> {
    let p = path.trim();
    if p.is_empty() {
        return Err(AppError::field("path", "no file given"));
    }
    Ok(PathBuf::from(p))
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[tauri::command]
pub async fn export_csv(state: State<'_, Shared>, path: String) -> AppResult<FileResult> {
    blocking(&state, move |s| {
        let path = path_arg(&path)?;
        let report =
            s.with_queue(|q| Ok(q.export_csv(&path, CsvEncoding::Utf8Bom, &Filter::default())?))?;
        Ok(FileResult {
            path: shown(&path),
            count: report.rows,
        })
    })
    .await
}

#[tauri::command]
pub async fn backup(state: State<'_, Shared>, path: String) -> AppResult<FileResult> {
    blocking(&state, move |s| {
        let path = path_arg(&path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| AppError::io(shown(parent), e))?;
        }
        let report = s.with_queue(|q| Ok(q.backup(&path)?))?;
        Ok(FileResult {
            path: shown(&path),
            count: report.versions,
        })
    })
    .await
}

/// Replaces the queue with a backup's. The backup is first written out beside the current
/// queue, so a wrong PIN or a damaged file changes nothing; then scanning and the sync thread
/// stop, the current queue is kept aside (renamed) and the restored one takes its place, and
/// syncing starts again on it. A restored queue is a new tablet (backups carry no device key):
/// it enrols as itself.
#[tauri::command]
pub async fn restore(
    state: State<'_, Shared>,
    agent: State<'_, Arc<SyncAgent>>,
    path: String,
    pin: String,
) -> AppResult<FileResult> {
    let agent = Arc::clone(&agent);
    blocking(&state, move |s| {
        let path = path_arg(&path)?;
        if !path.is_file() {
            return Err(AppError::field(
                "path",
                format!("{} is not a file", shown(&path)),
            ));
        }
        let staging = s.data_dir.join("queue-restoring");
        // What an interrupted restore left here is no queue anyone uses.
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| AppError::io(shown(&staging), e))?;
        }
        let versions = match Queue::restore(&staging, &path, &pin) {
            Ok((restored, report)) => {
                drop(restored);
                report.versions
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e.into());
            }
        };
        s.replace_scan(None);
        agent.locked();
        s.set_queue(None);
        let dir = s.queue_dir()?;
        let aside = s.data_dir.join(format!(
            "queue-replaced-{}",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        std::fs::rename(&dir, &aside).map_err(|e| AppError::io(shown(&dir), e))?;
        if let Err(e) = std::fs::rename(&staging, &dir) {
            let _ = std::fs::rename(&aside, &dir);
            return Err(AppError::io(shown(&staging), e));
        }
        s.set_queue(Some(Queue::open(&dir, &pin)?));
        agent.unlocked(s, &pin)?;
        Ok(FileResult {
            path: shown(&path),
            count: versions,
        })
    })
    .await
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

#[tauri::command]
pub async fn default_paths(state: State<'_, Shared>) -> AppResult<DefaultPaths> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M").to_string();
    let data = state.data_dir.clone();
    Ok(DefaultPaths {
        export_csv: shown(&home().join(format!("vrs-export-{stamp}.csv"))),
        backup: shown(
            &data
                .join("backups")
                .join(format!("vrs-backup-{stamp}.vrsq")),
        ),
        import: shown(&home().join("scans")),
    })
}
