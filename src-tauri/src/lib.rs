//! The venue tablet app: Tauri commands over the shared crates; no ticket or record logic here.
//!
//! - [`camera`]: frame sources (a camera through nokhwa, or a folder of images).
//! - [`pipeline`]: a scanning run's threads; frames dropped, never queued.
//! - [`analyzer`]: one frame to one verdict (reader, two-frame rule, save).
//! - [`commands`]: what the UI calls; [`dto`] the shapes it gets.

pub mod analyzer;
pub mod camera;
pub mod commands;
pub mod dto;
pub mod error;
pub mod line_check;
pub mod pipeline;
pub mod preview_stream;
pub mod reader;
pub mod records;
pub mod settings;
pub mod state;
pub mod sync;
#[cfg(target_os = "linux")]
pub mod web_memory;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::http::{Response, StatusCode};
use tauri::Manager;

use crate::preview_stream::PreviewStream;
use crate::settings::{PreviewTransport, Settings, DATA_DIR_ENV};
use crate::state::{lock, AppState, LatestPreview};
use crate::sync::SyncAgent;

fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let dir = match std::env::var_os(DATA_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("data folder {}: {e}", dir.display()))?;
    Ok(dir)
}

/// `preview://localhost/latest?after=ID`: the newest preview JPEG, for the protocol transport;
/// 204 when it is not newer than frame `ID` (the one the page already has), so polling does
/// not carry the same JPEG again.
fn preview_response(latest: &LatestPreview, query: Option<&str>) -> Response<Vec<u8>> {
    let after = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|id| id.parse::<u64>().ok())
        .unwrap_or(0);
    let builder = Response::builder()
        .header("Cache-Control", "no-store")
        .header("Access-Control-Allow-Origin", "*")
        // The page's origin differs from the protocol's: let it read the frame id.
        .header("Access-Control-Expose-Headers", "X-Frame-Id");
    let frame = lock(latest).clone();
    // The first 8 bytes are the frame id; the UI gets it as a header.
    let newer = frame.as_deref().and_then(|bytes| {
        let id = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
        (id > after).then(|| (id, bytes[8..].to_vec()))
    });
    let response = match newer {
        Some((id, jpeg)) => builder
            .header("Content-Type", "image/jpeg")
            .header("X-Frame-Id", id.to_string())
            .body(jpeg),
        None => builder.status(StatusCode::NO_CONTENT).body(Vec::new()),
    };
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// The context `build.rs` generated (config, embedded UI, capabilities).
#[allow(clippy::unwrap_used)] // tauri-build's generated code unwraps constants it wrote itself
fn context() -> tauri::Context<tauri::Wry> {
    tauri::tauri_build_context!()
}

pub fn run() {
    #[cfg(target_os = "linux")]
    match web_memory::WebMemoryLimit::from_env_text(
        std::env::var(web_memory::LIMIT_ENV).ok().as_deref(),
    ) {
        Ok(Some(limit)) => web_memory::install(limit),
        Ok(None) => {}
        Err(e) => {
            eprintln!("vrs-app: {e}");
            std::process::exit(2);
        }
    }
    let latest: LatestPreview = Arc::default();
    let for_protocol = Arc::clone(&latest);
    let result = tauri::Builder::default()
        .register_uri_scheme_protocol("preview", move |_ctx, request| {
            preview_response(&for_protocol, request.uri().query())
        })
        .setup(move |app| {
            let dir = data_dir(app)?;
            let mut settings = Settings::load(Settings::read_saved(&dir))?;
            let mut stream = None;
            if settings.preview == PreviewTransport::Stream {
                match PreviewStream::start() {
                    Ok(started) => stream = Some(started),
                    // Scanning matters more than how previews travel.
                    Err(e) => {
                        eprintln!("vrs-app: no preview stream on loopback ({e}); previews go over the channel");
                        settings.preview = PreviewTransport::Channel;
                    }
                }
            }
            let mut state = AppState::new(dir, settings).with_latest_preview(latest);
            if let Some(stream) = stream {
                state = state.with_preview_stream(stream);
            }
            app.manage(Arc::new(state));
            app.manage(Arc::new(SyncAgent::default()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::unlock::app_status,
            commands::unlock::vaccine_makers,
            commands::unlock::create_pin,
            commands::unlock::unlock,
            commands::unlock::lock,
            commands::unlock::set_session,
            commands::scan::list_cameras,
            commands::scan::set_source,
            commands::scan::start_scan,
            commands::scan::stop_scan,
            commands::scan::confirm_read,
            commands::scan::check_line,
            commands::scan::save_manual,
            commands::import::import_folder,
            commands::records::counts,
            commands::records::list_records,
            commands::records::record_versions,
            commands::records::void_record,
            commands::records::retry_record,
            commands::records::correct_record,
            commands::files::export_csv,
            commands::files::backup,
            commands::files::restore,
            commands::files::default_paths,
            commands::sync::enrol,
            commands::sync::sync_status,
            commands::sync::pending_makers_elsewhere,
            commands::sync::sync_now,
        ])
        .run(context());
    if let Err(e) = result {
        eprintln!("vrs-app: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: u64, jpeg: &[u8]) -> LatestPreview {
        let latest: LatestPreview = Arc::default();
        let mut bytes = id.to_le_bytes().to_vec();
        bytes.extend_from_slice(jpeg);
        *lock(&latest) = Some(Arc::new(bytes));
        latest
    }

    #[test]
    fn the_preview_protocol_sends_a_frame_only_when_it_is_newer() {
        let latest = frame(7, b"jpeg");
        let first = preview_response(&latest, None);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()["X-Frame-Id"], "7");
        assert_eq!(first.body().as_slice(), b"jpeg");
        assert_eq!(
            preview_response(&latest, Some("after=6")).status(),
            StatusCode::OK
        );
        assert_eq!(
            preview_response(&latest, Some("after=7")).status(),
            StatusCode::NO_CONTENT
        );
        // A malformed query is read as "nothing yet".
        assert_eq!(
            preview_response(&latest, Some("after=x")).status(),
            StatusCode::OK
        );
        let empty: LatestPreview = Arc::default();
        assert_eq!(
            preview_response(&empty, None).status(),
            StatusCode::NO_CONTENT
        );
    }
}
