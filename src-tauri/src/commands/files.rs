//! Files: CSV export, backup and restore, and where they go by default.

use std::path::{Path, PathBuf};

use tauri::State;
use vrs_queue::{CsvEncoding, Filter, Queue};

use super::blocking;
use crate::dto::{DefaultPaths, FileResult};
use crate::error::{AppError, AppResult};
use crate::state::Shared;

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

/// Replaces the queue with a backup's. The current store is kept aside (renamed), and put back
/// if the backup does not open.
#[tauri::command]
pub async fn restore(state: State<'_, Shared>, path: String, pin: String) -> AppResult<FileResult> {
    blocking(&state, move |s| {
        let path = path_arg(&path)?;
        if !path.is_file() {
            return Err(AppError::field(
                "path",
                format!("{} is not a file", shown(&path)),
            ));
        }
        s.replace_scan(None);
        let dir = s.queue_dir()?;
        let aside = s.data_dir.join(format!(
            "queue-replaced-{}",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        s.set_queue(None);
        std::fs::rename(&dir, &aside).map_err(|e| AppError::io(shown(&dir), e))?;
        match Queue::restore(&dir, &path, &pin) {
            Ok((queue, report)) => {
                s.set_queue(Some(queue));
                Ok(FileResult {
                    path: shown(&path),
                    count: report.versions,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::rename(&aside, &dir).map_err(|e| AppError::io(shown(&aside), e))?;
                Err(e.into())
            }
        }
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
