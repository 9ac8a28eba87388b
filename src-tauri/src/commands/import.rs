//! Import: a folder of scanned forms read one by one; accepted tickets saved, the rest listed.

use tauri::ipc::Channel;
use tauri::State;
use vrs_ticket::Status;

use super::blocking;
use crate::camera::image_files;
use crate::dto::{ImportEvent, ImportItem, ImportSummary, SaveStatus, TicketFields};
use crate::error::{AppError, AppResult};
use crate::reader::shared_reader;
use crate::records::{evidence, save_ticket};
use crate::state::{AppState, Shared};

#[tauri::command]
pub async fn import_folder(
    state: State<'_, Shared>,
    path: String,
    events: Channel<ImportEvent>,
) -> AppResult<ImportSummary> {
    blocking(&state, move |s| {
        import(s, std::path::Path::new(path.trim()), &mut |ev| {
            // The window may have gone; the import still finishes.
            let _ = events.send(ev);
        })
    })
    .await
}

/// Reads every image in `folder` in name order, reporting each file as it is done.
pub fn import(
    s: &AppState,
    folder: &std::path::Path,
    report: &mut dyn FnMut(ImportEvent),
) -> AppResult<ImportSummary> {
    if !s.is_unlocked() {
        return Err(AppError::Locked);
    }
    if s.with_queue(|q| Ok(q.session()?))?.is_none() {
        return Err(AppError::NoSession);
    }
    let files = image_files(folder)?;
    let reader = shared_reader(s)?;
    let mut summary = ImportSummary {
        total: files.len(),
        ..ImportSummary::default()
    };
    for (index, file) in files.iter().enumerate() {
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let mut item = ImportItem {
            index,
            total: files.len(),
            file: name,
            status: "error",
            fields: None,
            reason: None,
            record_id: None,
            duplicate_of: None,
        };
        {
            match reader.read_file(file) {
                Err(e) => item.reason = Some(e.to_string()),
                Ok(read) => {
                    let v = &read.verdict;
                    item.status = v.status.as_str();
                    item.reason.clone_from(&v.reason);
                    item.fields = v.ticket.as_ref().map(TicketFields::from);
                    if let (Status::Accepted, Some(ticket)) = (v.status, &v.ticket) {
                        match save_ticket(s, ticket, evidence(&v.agreed, false, false)) {
                            Ok(outcome) => {
                                item.status = match outcome.status {
                                    SaveStatus::Saved => "saved",
                                    SaveStatus::Duplicate => "duplicate",
                                };
                                item.record_id = outcome.record_id;
                                if let Some(d) = &outcome.duplicate_of {
                                    item.reason = Some(format!(
                                        "dose {} already recorded {} at {}",
                                        d.dose, d.vaccinated_at, d.venue
                                    ));
                                }
                                item.duplicate_of = outcome.duplicate_of;
                            }
                            Err(e) => {
                                item.status = "error";
                                item.reason = Some(e.to_string());
                            }
                        }
                    }
                }
            }
        }
        match item.status {
            "saved" => summary.saved += 1,
            "duplicate" => summary.duplicates += 1,
            _ => summary.failed += 1,
        }
        report(ImportEvent::File(Box::new(item)));
    }
    report(ImportEvent::Done {
        total: summary.total,
        saved: summary.saved,
        failed: summary.failed + summary.duplicates,
    });
    Ok(summary)
}
