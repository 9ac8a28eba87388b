//! The ticket reader (`vrs-reader`), loaded once per process and shared by scanning and import.

use std::path::Path;
use std::sync::{Arc, Mutex};

use image::DynamicImage;
use vrs_reader::{Reader, ReaderConfig, ScanReport};

use crate::analyzer::{FrameRead, TicketReader};
use crate::error::{AppError, AppResult};
use crate::state::{lock, AppState};

impl From<ScanReport> for FrameRead {
    fn from(report: ScanReport) -> Self {
        FrameRead {
            verdict: report.verdict,
            ocr_digits: report.ocr.map(|l| l.digits),
        }
    }
}

impl TicketReader for Reader {
    fn read(&self, image: &DynamicImage) -> AppResult<FrameRead> {
        Ok(self.read_image(image).into())
    }

    fn read_file(&self, path: &Path) -> AppResult<FrameRead> {
        self.read_path(path)
            .map(FrameRead::from)
            .map_err(|e| AppError::Other(e.to_string()))
    }
}

static READER: Mutex<Option<Arc<Reader>>> = Mutex::new(None);

/// The process's reader; its OCR models load on first use.
pub fn shared_reader(_state: &AppState) -> AppResult<Arc<dyn TicketReader>> {
    let mut slot = lock(&READER);
    if let Some(reader) = slot.as_ref() {
        return Ok(Arc::clone(reader) as Arc<dyn TicketReader>);
    }
    let reader = Arc::new(
        Reader::new(ReaderConfig::default())
            .map_err(|e| AppError::Other(format!("reader: {e}")))?,
    );
    *slot = Some(Arc::clone(&reader));
    Ok(reader)
}
