//! Fixtures for the store tests: records, their verified form, municipalities, enrolled devices.

use chrono::{DateTime, Utc};
// Not every test binary that shares these fixtures makes records.
#[allow(unused_imports)]
pub use vrs_record::example::record;
use vrs_record::VaccinationRecord;
use vrs_server::codes::{secret_hash, ACTIVATION_CODE_LIFETIME};
use vrs_server::store::{Device, Enrolment, NewActivationCode, Store, VerifiedRecord};
use vrs_sync_proto::{content_hash, DeviceKey};
use vrs_ticket::MunicipalityCode;

use super::{CHIYODA, SAPPORO, YOKOHAMA};

pub fn code(text: &str) -> MunicipalityCode {
    MunicipalityCode::parse(text).unwrap()
}

pub fn verified(record: &VaccinationRecord, key: &DeviceKey) -> VerifiedRecord {
    VerifiedRecord {
        content_hash: content_hash(record),
        signature: key.sign_record(record),
        record_json: serde_json::to_string(record).unwrap(),
        record: record.clone(),
    }
}

pub async fn setup(store: &Store, now: DateTime<Utc>) {
    for (c, name) in [
        (CHIYODA, "千代田区"),
        (SAPPORO, "札幌市"),
        (YOKOHAMA, "横浜市"),
    ] {
        store.add_municipality(code(c), name, now).await.unwrap();
    }
}

pub async fn enrolled(
    store: &Store,
    municipality: &str,
    device_id: &str,
    now: DateTime<Utc>,
) -> (Device, DeviceKey) {
    let (key, _) = DeviceKey::generate().unwrap();
    let secret = format!("code-for-{device_id}");
    store
        .issue_activation_code(NewActivationCode {
            code_hash: secret_hash(&secret),
            municipality: code(municipality),
            venue: "会場".into(),
            issued_at: now,
            expires_at: now + ACTIVATION_CODE_LIFETIME,
            replaces_device: None,
        })
        .await
        .unwrap();
    let device = store
        .enroll(
            Enrolment {
                code_hash: secret_hash(&secret),
                device_id: device_id.into(),
                public_key: key.public_key().to_vec(),
            },
            now,
        )
        .await
        .unwrap();
    (device, key)
}
