//! Scanning: the frame source, starting and stopping a run, confirming OCR-only reads, manual entry.

use std::sync::Arc;

use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::State;
use vrs_ticket::{Source, Ticket};

use super::blocking;
use crate::analyzer::TicketAnalyzer;
use crate::camera::{self, CameraInfo};
use crate::dto::{LineCheck, SaveOutcome, ScanEvent, ScanStarted};
use crate::error::{AppError, AppResult};
use crate::line_check::check_line as check;
use crate::pipeline::{RunOptions, ScanRun, Sinks};
use crate::reader::shared_reader;
use crate::records::{evidence, save_ticket};
use crate::settings::{FrameSourceSetting, PreviewTransport};
use crate::state::{lock, Shared};

/// Where the UI pulls previews from when the protocol transport is chosen.
pub const PREVIEW_URL: &str = if cfg!(windows) {
    "http://preview.localhost/latest"
} else {
    "preview://localhost/latest"
};

#[tauri::command]
pub async fn list_cameras() -> AppResult<Vec<CameraInfo>> {
    tauri::async_runtime::spawn_blocking(camera::list_cameras)
        .await
        .map_err(|e| AppError::Other(format!("listing cameras: {e}")))
}

#[tauri::command]
pub async fn set_source(state: State<'_, Shared>, source: FrameSourceSetting) -> AppResult<()> {
    blocking(&state, move |s| {
        if let FrameSourceSetting::Folder { path, .. } = &source {
            camera::check_folder(path)?;
        }
        let mut settings = lock(&s.settings);
        settings.source = source;
        settings.save(&s.data_dir)
    })
    .await
}

#[tauri::command]
pub async fn start_scan(
    state: State<'_, Shared>,
    events: Channel<ScanEvent>,
    preview: Channel<InvokeResponseBody>,
) -> AppResult<ScanStarted> {
    blocking(&state, move |s| {
        if !s.is_unlocked() {
            return Err(AppError::Locked);
        }
        if s.with_queue(|q| Ok(q.session()?))?.is_none() {
            return Err(AppError::NoSession);
        }
        s.replace_scan(None);
        let reader = shared_reader(s)?;
        let run = s.next_run();
        let (setting, transport, stamp_previews) = {
            let settings = lock(&s.settings);
            (
                settings.source.clone(),
                settings.preview,
                settings.stamp_previews,
            )
        };
        let state = Arc::clone(s);
        let analyzer = TicketAnalyzer::new(Arc::clone(&state), reader, run);
        let latest = Arc::clone(&s.latest_preview);
        let send_preview: Box<dyn FnMut(Vec<u8>) + Send> = match transport {
            PreviewTransport::Channel => Box::new(move |bytes| {
                // The window may be gone; the run ends with it.
                let _ = preview.send(InvokeResponseBody::Raw(bytes));
            }),
            PreviewTransport::Protocol => Box::new(move |bytes| {
                *lock(&latest) = Some(Arc::new(bytes));
            }),
            PreviewTransport::Stream => {
                let stream = s
                    .preview_stream
                    .clone()
                    .ok_or_else(|| AppError::Other("the preview stream is not running".into()))?;
                // The page reads the frame id from the stamp, if any; the stream carries JPEG only
                // (the 8-byte id prefix is dropped in place, no copy per frame).
                Box::new(move |mut bytes: Vec<u8>| {
                    bytes.drain(..bytes.len().min(8));
                    stream.publish(bytes)
                })
            }
        };
        let sinks = Sinks {
            preview: send_preview,
            event: Arc::new(move |ev: ScanEvent| {
                let _ = events.send(ev);
            }),
        };
        let (scan, source) = ScanRun::start(
            run,
            setting,
            Box::new(analyzer),
            sinks,
            RunOptions {
                stamp_previews,
                ..RunOptions::default()
            },
        )?;
        s.replace_scan(Some(scan));
        Ok(ScanStarted {
            run,
            source,
            preview_url: (transport == PreviewTransport::Protocol).then(|| PREVIEW_URL.to_string()),
            preview_stream: match (&s.preview_stream, transport) {
                (Some(stream), PreviewTransport::Stream) => Some(stream.page_url()),
                _ => None,
            },
            preview_stamped: stamp_previews,
        })
    })
    .await
}

#[tauri::command]
pub async fn stop_scan(state: State<'_, Shared>) -> AppResult<()> {
    blocking(&state, |s| {
        s.replace_scan(None);
        Ok(())
    })
    .await
}

/// Saves an OCR-only read the operator confirmed, or corrected, for a frame the app offered.
#[tauri::command]
pub async fn confirm_read(
    state: State<'_, Shared>,
    run: u64,
    frame_id: u64,
    digits: String,
) -> AppResult<SaveOutcome> {
    blocking(&state, move |s| {
        let offered = s.unconfirmed_read(run, frame_id).ok_or_else(|| {
            AppError::field(
                "frame",
                format!("frame {frame_id} of run {run} offered no read to confirm"),
            )
        })?;
        let typed: String = digits.chars().filter(|c| !c.is_whitespace()).collect();
        let ticket = Ticket::parse(&typed).map_err(|e| AppError::field("digits", e.to_string()))?;
        let as_read = typed == offered;
        // Unchanged: the OCR line, confirmed; corrected: the operator's typing.
        let sources: &[Source] = if as_read { &[Source::Ocr] } else { &[] };
        save_ticket(s, &ticket, evidence(sources, true, !as_read))
    })
    .await
}

#[tauri::command]
pub fn check_line(text: String) -> LineCheck {
    check(&text)
}

#[tauri::command]
pub async fn save_manual(state: State<'_, Shared>, digits: String) -> AppResult<SaveOutcome> {
    blocking(&state, move |s| {
        let ticket =
            Ticket::parse(digits.trim()).map_err(|e| AppError::field("digits", e.to_string()))?;
        save_ticket(s, &ticket, evidence(&[], false, true))
    })
    .await
}
