//! What the commands send to the UI and take from it; mirrors `ui/src/types.ts`.

use serde::{Deserialize, Serialize};
use vrs_ticket::{DigitDifference, Source, Ticket};

use crate::camera::SourceInfo;
use crate::settings::FrameSourceSetting;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDto {
    pub venue: String,
    pub operator: String,
    pub maker: String,
    pub lot: String,
    /// YYYY-MM-DD.
    pub date: String,
    pub dose: u8,
}

#[derive(Debug, Serialize)]
pub struct AppStatus {
    pub initialized: bool,
    pub unlocked: bool,
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub device_id: Option<String>,
    pub session: Option<SessionDto>,
    pub source: Option<FrameSourceSetting>,
    pub today: String,
    /// The WebKit web process's memory limit in MB, when the window runs with one.
    pub web_memory_limit_mb: Option<u32>,
}

/// The 18 digits split into their fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketFields {
    pub digits: String,
    pub kind: u8,
    pub dose: u8,
    pub municipality: String,
    pub number: String,
}

impl From<&Ticket> for TicketFields {
    fn from(t: &Ticket) -> Self {
        Self {
            digits: t.digits(),
            kind: t.kind(),
            dose: t.dose(),
            municipality: t.municipality().as_string(),
            number: t.number().to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LineCheck {
    pub digits: String,
    pub complete: bool,
    pub valid: bool,
    pub fields: Option<TicketFields>,
    pub field: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateOf {
    pub record_id: String,
    pub vaccinated_at: String,
    pub venue: String,
    pub dose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictStatus {
    Accepted,
    Unconfirmed,
    /// An OCR-only read seen in one frame so far: waiting for a second agreeing frame.
    Pending,
    Mismatch,
    Invalid,
    Duplicate,
    Unreadable,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Consensus {
    pub seen: u32,
    pub needed: u32,
}

/// One frame's verdict, as the scan screen draws it.
#[derive(Debug, Clone, Serialize)]
pub struct ScanVerdict {
    pub run: u64,
    pub frame_id: u64,
    pub captured_ms: u64,
    pub decided_ms: u64,
    pub status: VerdictStatus,
    pub fields: Option<TicketFields>,
    pub agreed: Vec<Source>,
    pub reason: Option<String>,
    pub differences: Vec<DigitDifference>,
    pub record_id: Option<String>,
    pub already_saved: bool,
    pub duplicate_of: Option<DuplicateOf>,
    pub consensus: Option<Consensus>,
    pub crop_jpeg: Option<String>,
    pub label: Option<String>,
}

impl ScanVerdict {
    /// A verdict with only the status set; the analyser fills in the rest.
    pub fn bare(status: VerdictStatus) -> Self {
        Self {
            run: 0,
            frame_id: 0,
            captured_ms: 0,
            decided_ms: 0,
            status,
            fields: None,
            agreed: Vec::new(),
            reason: None,
            differences: Vec::new(),
            record_id: None,
            already_saved: false,
            duplicate_of: None,
            consensus: None,
            crop_jpeg: None,
            label: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanStats {
    pub run: u64,
    pub preview_fps: f64,
    pub reader_fps: f64,
    pub frames: u64,
    pub dropped: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScanEvent {
    Verdict(Box<ScanVerdict>),
    Stats(ScanStats),
    Stopped { run: u64, reason: Option<String> },
}

#[derive(Debug, Serialize)]
pub struct ScanStarted {
    pub run: u64,
    pub source: SourceInfo,
    pub preview_url: Option<String>,
    /// The URL of the loopback stream's page, for the scan screen's frame (stream transport).
    pub preview_stream: Option<String>,
    /// Whether previews carry their frame id in their top rows (`encode_preview`).
    pub preview_stamped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaveStatus {
    Saved,
    Duplicate,
}

#[derive(Debug, Clone, Serialize)]
pub struct SaveOutcome {
    pub status: SaveStatus,
    pub record_id: Option<String>,
    pub fields: TicketFields,
    pub duplicate_of: Option<DuplicateOf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub session: u64,
    pub total: u64,
    pub active: u64,
    pub voided: u64,
    pub pending: u64,
    pub synced: u64,
    pub quarantined: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Pending,
    Synced,
    Quarantined,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordRow {
    pub id: String,
    pub version: u32,
    pub fields: TicketFields,
    pub vaccinated_at: String,
    pub venue: String,
    pub operator: String,
    pub maker: String,
    pub lot: String,
    pub dose: u8,
    pub status: &'static str,
    pub sync: SyncState,
    pub server_reason: Option<String>,
    pub change_reason: Option<String>,
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RecordFilter {
    #[default]
    All,
    Pending,
    Synced,
    Quarantined,
    Voided,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordQuery {
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub filter: RecordFilter,
    pub limit: usize,
}

/// Fields a supervisor changes; each changed field becomes one correction.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Correction {
    pub venue: Option<String>,
    pub operator: Option<String>,
    pub maker: Option<String>,
    pub lot: Option<String>,
    pub dose: Option<u8>,
    pub vaccinated_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportItem {
    pub index: usize,
    pub total: usize,
    pub file: String,
    /// A verdict status, or `saved`.
    pub status: &'static str,
    pub fields: Option<TicketFields>,
    pub reason: Option<String>,
    pub record_id: Option<String>,
    /// For `duplicate`: the record that already holds this dose.
    pub duplicate_of: Option<DuplicateOf>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImportEvent {
    File(Box<ImportItem>),
    Done {
        total: usize,
        saved: usize,
        failed: usize,
    },
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub total: usize,
    pub saved: usize,
    pub duplicates: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncErrorDto {
    pub record_id: String,
    pub digits: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncStatusDto {
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub online: Option<bool>,
    pub syncing: bool,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    pub pending: u64,
    pub errors: Vec<SyncErrorDto>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReportDto {
    pub sent: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub pending: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnrolInfo {
    pub device_id: String,
    pub server_url: String,
    pub municipality: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub path: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefaultPaths {
    pub export_csv: String,
    pub backup: String,
    pub import: String,
}
