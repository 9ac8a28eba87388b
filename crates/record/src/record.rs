use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;
use vrs_ticket::{Source, Ticket};

/// Longest text per field, in characters: the municipal register export's column widths
/// (接種会場名 30, 接種医師名 20, ワクチンメーカー 20, ロット番号 20).
pub const FIELD_LIMITS: &[(&str, usize)] = &[
    ("venue", 30),
    ("operator", 20),
    ("maker", 20),
    ("lot", 20),
    ("device_id", 64),
    ("reason", 200),
];

fn limit_of(field: &str) -> usize {
    FIELD_LIMITS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(200, |(_, limit)| *limit)
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// Checks a free-text field: not blank, within its column width, no control characters.
pub fn check_text(field: &'static str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    let limit = limit_of(field);
    let count = value.chars().count();
    if count > limit {
        return Err(FieldError::new(
            field,
            format!("{count} characters, at most {limit} allowed"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, "contains a control character"));
    }
    Ok(())
}

/// How the ticket number came to be known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanEvidence {
    /// The sources that agreed on the ticket (empty for manual entry).
    pub sources: Vec<Source>,
    /// An operator confirmed an OCR-only (unconfirmed) read.
    pub operator_confirmed: bool,
    /// Typed in by hand because the ticket would not read.
    pub manual_entry: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    Voided,
}

/// One version of a vaccination record. Versions share the id; a later version never loses an
/// earlier one (the queue and the server keep them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaccinationRecord {
    /// UUIDv7, made on the tablet.
    pub id: Uuid,
    /// 1 for the first scan; each correction or void adds one.
    pub version: u32,
    pub ticket: Ticket,
    /// When the vaccination was given, with the tablet's UTC offset.
    pub vaccinated_at: DateTime<FixedOffset>,
    pub venue: String,
    pub maker: String,
    pub lot: String,
    pub dose: u8,
    /// The doctor or nurse (接種医師名).
    pub operator: String,
    pub device_id: String,
    pub evidence: ScanEvidence,
    pub status: RecordStatus,
    /// Why this version exists, for versions after the first (correction or void).
    pub change_reason: Option<String>,
}

impl VaccinationRecord {
    /// Checks every field; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.id.get_version_num() != 7 {
            return Err(FieldError::new("id", "must be a UUIDv7"));
        }
        if self.version == 0 {
            return Err(FieldError::new("version", "starts at 1"));
        }
        check_text("venue", &self.venue)?;
        check_text("maker", &self.maker)?;
        check_text("lot", &self.lot)?;
        check_text("operator", &self.operator)?;
        check_text("device_id", &self.device_id)?;
        if !(1..=9).contains(&self.dose) {
            return Err(FieldError::new(
                "dose",
                format!("{} is not 1 to 9", self.dose),
            ));
        }
        match (&self.change_reason, self.version) {
            (Some(reason), _) => check_text("reason", reason)?,
            (None, v) if v > 1 => {
                return Err(FieldError::new(
                    "reason",
                    "a correction or void must give a reason",
                ))
            }
            (None, _) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> VaccinationRecord {
        VaccinationRecord {
            id: Uuid::now_v7(),
            version: 1,
            ticket: Ticket::parse("121310160000012345").unwrap(),
            vaccinated_at: DateTime::parse_from_rfc3339("2026-11-25T10:30:00+09:00").unwrap(),
            venue: "千代田区役所".into(),
            maker: "ファイザー".into(),
            lot: "FA1234".into(),
            dose: 2,
            operator: "佐藤 花子".into(),
            device_id: "tablet-01".into(),
            evidence: ScanEvidence {
                sources: vec![Source::Ocr, Source::Qr],
                operator_confirmed: false,
                manual_entry: false,
            },
            status: RecordStatus::Active,
            change_reason: None,
        }
    }

    #[test]
    fn a_good_record_validates_and_round_trips() {
        let r = sample();
        r.validate().unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"ticket\":\"121310160000012345\""));
        let back: VaccinationRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Change = fn(&mut VaccinationRecord);
        let cases: Vec<(&str, Change)> = vec![
            ("venue", |r| r.venue = " ".into()),
            ("venue", |r| r.venue = "会".repeat(31)),
            ("lot", |r| r.lot = "A\u{0}B".into()),
            ("maker", |r| r.maker = String::new()),
            ("operator", |r| r.operator = "x".repeat(21)),
            ("dose", |r| r.dose = 0),
            ("id", |r| r.id = Uuid::nil()),
            ("reason", |r| r.version = 2),
        ];
        for (field, change) in cases {
            let mut r = sample();
            change(&mut r);
            assert_eq!(r.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn a_bad_ticket_cannot_be_deserialised() {
        let json = serde_json::to_string(&sample())
            .unwrap()
            .replace("121310160000012345", "121310170000012345");
        assert!(serde_json::from_str::<VaccinationRecord>(&json).is_err());
    }
}
