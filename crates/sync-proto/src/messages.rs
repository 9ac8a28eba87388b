//! JSON bodies of the sync API.
//!
//! | method | path | body | answer |
//! |--------|------|------|--------|
//! | GET | [`paths::HEALTH`] | – | `{"status":"ok","server_time":…}` |
//! | POST | [`paths::ENROLL`] | [`EnrollRequest`] | 201 [`EnrollResponse`] |
//! | POST | [`paths::RECORDS`] | [`UploadRequest`], headers [`DEVICE_HEADER`], [`SIGNATURE_HEADER`] | 200 [`UploadResponse`] |
//! | GET | `/v1/municipalities/{code}/export?encoding=utf-8\|shift_jis` | bearer token of that municipality | CSV |
//!
//! Errors are [`crate::Problem`] documents (`application/problem+json`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use vrs_record::{Uuid, VaccinationRecord};
use vrs_ticket::MunicipalityCode;

use crate::signing::DeviceKey;

pub mod paths {
    pub const HEALTH: &str = "/v1/health";
    pub const ENROLL: &str = "/v1/enroll";
    pub const RECORDS: &str = "/v1/records";
    /// Followed by `{code}/export`.
    pub const MUNICIPALITIES: &str = "/v1/municipalities";
}

/// The uploading device's id.
pub const DEVICE_HEADER: &str = "x-vrs-device";
/// The device's signature over the request body ([`DeviceKey::sign_body`]).
pub const SIGNATURE_HEADER: &str = "x-vrs-signature";

/// A tablet asks to be enrolled with a one-time activation code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub activation_code: String,
    /// The id the tablet's queue gives its records (`VaccinationRecord::device_id`).
    pub device_id: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    /// Where the venue is: the municipality of the activation code.
    pub municipality: MunicipalityCode,
    pub municipality_name: String,
    pub venue: String,
    pub server_time: DateTime<Utc>,
}

/// One record with its device signature. The record travels as raw JSON, read on its own, so
/// that one record the server cannot read is refused alone, not with its whole batch (and the
/// request is read without building a JSON tree of every record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedRecord {
    pub record: Box<RawValue>,
    /// [`DeviceKey::sign_record`], hex.
    pub signature: String,
}

impl SignedRecord {
    pub fn sign(record: &VaccinationRecord, key: &DeviceKey) -> Result<Self, serde_json::Error> {
        Ok(Self {
            record: serde_json::value::to_raw_value(record)?,
            signature: key.sign_record(record),
        })
    }

    /// The record's JSON as a tree (for callers that inspect or alter it).
    pub fn record_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.record.get())
    }

    /// Replaces the record's JSON by `value`, keeping the signature.
    pub fn set_record_value(&mut self, value: &serde_json::Value) -> Result<(), serde_json::Error> {
        self.record = serde_json::value::to_raw_value(value)?;
        Ok(())
    }
}

impl PartialEq for SignedRecord {
    fn eq(&self, other: &Self) -> bool {
        self.record.get() == other.record.get() && self.signature == other.signature
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRequest {
    pub device_id: String,
    pub records: Vec<SignedRecord>,
}

/// What the server did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stored now.
    Accepted,
    /// Stored before with exactly this content; nothing new stored.
    AlreadyHad,
    /// Not stored as a record (see `reason`); the tablet quarantines it.
    Rejected,
}

impl Outcome {
    /// The server holds this record: the tablet may mark it synced.
    pub fn is_acknowledged(self) -> bool {
        matches!(self, Outcome::Accepted | Outcome::AlreadyHad)
    }
}

/// Something the municipality must look at; the record is stored all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordFlag {
    /// Another record has the same ticket and dose.
    DuplicateDose,
    /// The server corrected this record before this tablet version arrived; the correction stays current.
    AfterServerCorrection,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    /// Position in the request's `records`.
    pub index: usize,
    /// Absent only when the record was too malformed to carry one.
    pub id: Option<Uuid>,
    pub version: Option<u32>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<RecordFlag>,
    /// Why a record was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The field the rejection is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResponse {
    pub server_time: DateTime<Utc>,
    /// One per uploaded record, in request order.
    pub results: Vec<RecordResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::tests::sample;
    use crate::signing::verify_record;

    #[test]
    fn a_signed_record_survives_the_wire() {
        let (key, _) = DeviceKey::generate().unwrap();
        let request = UploadRequest {
            device_id: "tablet-01".into(),
            records: vec![SignedRecord::sign(&sample(), &key).unwrap()],
        };
        let json = serde_json::to_vec(&request).unwrap();
        let back: UploadRequest = serde_json::from_slice(&json).unwrap();
        let signed = &back.records[0];
        let record: VaccinationRecord = serde_json::from_str(signed.record.get()).unwrap();
        verify_record(key.public_key(), &record, &signed.signature).unwrap();
    }

    #[test]
    fn results_serialise_compactly() {
        let result = RecordResult {
            index: 0,
            id: None,
            version: None,
            outcome: Outcome::AlreadyHad,
            flags: vec![],
            reason: None,
            field: None,
        };
        assert_eq!(
            serde_json::to_string(&result).unwrap(),
            r#"{"index":0,"id":null,"version":null,"outcome":"already_had"}"#
        );
        assert!(Outcome::AlreadyHad.is_acknowledged());
        assert!(!Outcome::Rejected.is_acknowledged());
    }
}
