//! What the store holds, as the rest of the server sees it.

use chrono::{DateTime, Utc};
use vrs_record::{Uuid, VaccinationRecord};
use vrs_sync_proto::{Outcome, RecordFlag};
use vrs_ticket::MunicipalityCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub public_key: Vec<u8>,
    /// Where the venue is (the activation code's municipality).
    pub municipality: MunicipalityCode,
    pub venue: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The devices this one took over from, nearest first (a replacement of a replacement
    /// reaches back to the first): it may upload the records they made.
    pub predecessors: Vec<String>,
}

impl Device {
    /// Whether a record made on `maker` may come from this device: its own, or one made on a
    /// device it replaced (a restored backup's records keep their maker).
    pub fn may_upload_from(&self, maker: &str) -> bool {
        self.device_id == maker || self.predecessors.iter().any(|p| p == maker)
    }
}

/// An enrolled device as the admin's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceListing {
    pub device_id: String,
    pub municipality: MunicipalityCode,
    pub venue: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The device this one took over from.
    pub replaces: Option<String>,
}

/// A freshly issued activation code; the store keeps only its hash.
#[derive(Debug, Clone)]
pub struct NewActivationCode {
    pub code_hash: String,
    pub municipality: MunicipalityCode,
    pub venue: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The enrolled device the new tablet takes over from, if any.
    pub replaces_device: Option<String>,
}

/// An enrolment request after its public key was checked.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub code_hash: String,
    pub device_id: String,
    pub public_key: Vec<u8>,
}

/// A record whose signature, fields and sender were checked; ready to store.
#[derive(Debug, Clone)]
pub struct VerifiedRecord {
    pub record: VaccinationRecord,
    pub content_hash: String,
    pub signature: String,
    pub record_json: String,
}

/// What became of one verified record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestResult {
    pub outcome: Outcome,
    pub flags: Vec<RecordFlag>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Device,
    Server,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Device => "device",
            Origin::Server => "server",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "device" => Some(Origin::Device),
            "server" => Some(Origin::Server),
            _ => None,
        }
    }
}

/// Which version of a record counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Current,
    Superseded,
    /// A tablet version that arrived after a server-side correction: kept, not current.
    Held,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Current => "current",
            RowState::Superseded => "superseded",
            RowState::Held => "held",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "current" => Some(RowState::Current),
            "superseded" => Some(RowState::Superseded),
            "held" => Some(RowState::Held),
            _ => None,
        }
    }
}

/// One stored version of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    pub record: VaccinationRecord,
    pub content_hash: String,
    pub origin: Origin,
    pub state: RowState,
    pub venue_municipality: MunicipalityCode,
    pub duplicate_dose: bool,
    pub after_server_correction: bool,
    pub received_at: DateTime<Utc>,
}

/// An upload that reused an id and version with other content, kept for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub id: Uuid,
    pub version: u32,
    pub content_hash: String,
    pub device_id: String,
    pub record: VaccinationRecord,
    pub received_at: DateTime<Utc>,
}

/// Counts for tests and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreCounts {
    pub record_versions: u64,
    pub distinct_records: u64,
    pub conflicts: u64,
}
