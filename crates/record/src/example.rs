//! A plausible record for tests elsewhere in the workspace (feature `test-support`), so that
//! each test suite does not spell out every field again.

use chrono::DateTime;
use uuid::Uuid;
use vrs_ticket::{Source, Ticket};

use crate::{RecordStatus, ScanEvidence, VaccinationRecord};

/// A first version made on `device_id` for `ticket` (its dose), read from the QR code, given
/// at 10:30 JST on 25 Nov 2026 at 千代田区役所, Pfizer lot FA1234.
pub fn record(ticket: Ticket, device_id: &str) -> VaccinationRecord {
    VaccinationRecord {
        id: Uuid::now_v7(),
        version: 1,
        dose: ticket.dose(),
        ticket,
        vaccinated_at: DateTime::parse_from_rfc3339("2026-11-25T10:30:00+09:00")
            .unwrap_or_default(),
        venue: "千代田区役所".into(),
        maker: "ファイザー".into(),
        lot: "FA1234".into(),
        operator: "佐藤 花子".into(),
        device_id: device_id.into(),
        evidence: ScanEvidence {
            sources: vec![Source::Qr],
            operator_confirmed: false,
            manual_entry: false,
        },
        status: RecordStatus::Active,
        change_reason: None,
    }
}
