//! A store made by a server that knew only the first migration, opened by this one: the later
//! migrations apply over its data, and what it held keeps working (SQLite and PostgreSQL).
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Utc;
use common::ingest::{code, record, verified};
use common::*;
use vrs_server::codes::{secret_hash, ACTIVATION_CODE_LIFETIME};
use vrs_server::store::migrate::{Migration, POSTGRES, SQLITE};
use vrs_server::store::{Enrolment, NewActivationCode};
use vrs_sync_proto::{DeviceKey, Outcome};

/// The first migration, its bookkeeping row, and what an old server had stored: a
/// municipality, an enrolled tablet and an activation code not yet used.
fn first_release(first: &Migration, public_key_hex: &str, postgres: bool) -> String {
    let (time, key, bookkeeping) = if postgres {
        (
            "now()",
            format!("decode('{public_key_hex}', 'hex')"),
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                 checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
        )
    } else {
        (
            "'2026-11-30T09:00:00.000000Z'",
            format!("X'{public_key_hex}'"),
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
    };
    let expires = if postgres {
        "now() + interval '1 day'".to_string()
    } else {
        format!(
            "'{}'",
            vrs_server::time::to_db_text(Utc::now() + ACTIVATION_CODE_LIFETIME)
        )
    };
    format!(
        "{sql};
         {bookkeeping};
         INSERT INTO schema_migrations VALUES (1, '{name}', '{checksum}', {time});
         INSERT INTO municipalities VALUES ('{CHIYODA}', '千代田区', {time});
         INSERT INTO devices (device_id, public_key, municipality, venue, enrolled_at)
             VALUES ('old-tablet', {key}, '{CHIYODA}', '会場', {time});
         INSERT INTO activation_codes (code_hash, municipality, venue, issued_at, expires_at)
             VALUES ('{code_hash}', '{CHIYODA}', '会場', {time}, {expires});",
        sql = first.sql,
        name = first.name,
        checksum = first.checksum(),
        code_hash = secret_hash("OLD-CODE"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_release_store_upgrades_and_keeps_working() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        std::fs::create_dir_all(spec.data_dir()).unwrap();
        let (old_key, _) = DeviceKey::generate().unwrap();
        spec.execute_sql(
            &first_release(&POSTGRES[0], &old_key.public_key_hex(), true),
            &first_release(&SQLITE[0], &old_key.public_key_hex(), false),
        )
        .await;

        let store = spec.open().await;
        let now = Utc::now();
        let old = store.device("old-tablet").await.unwrap().unwrap();
        assert!(old.revoked_at.is_none() && old.predecessors.is_empty());
        // The old tablet still uploads.
        let made = record(new_ticket(CHIYODA, 1), "old-tablet");
        let answers = store
            .ingest(&old, vec![verified(&made, &old_key)], now)
            .await
            .unwrap();
        assert_eq!(answers[0].outcome, Outcome::Accepted, "{backend:?}");
        // A code issued before the upgrade still enrols, as a plain tablet.
        let (key, _) = DeviceKey::generate().unwrap();
        let enrolment = |device: &str, secret: &str| Enrolment {
            code_hash: secret_hash(secret),
            device_id: device.into(),
            public_key: key.public_key().to_vec(),
        };
        let plain = store
            .enroll(enrolment("plain-tablet", "OLD-CODE"), now)
            .await
            .unwrap();
        assert!(plain.predecessors.is_empty());
        // And the old tablet can be replaced.
        store
            .issue_activation_code(NewActivationCode {
                code_hash: secret_hash("NEW-CODE"),
                municipality: code(CHIYODA),
                venue: "会場".into(),
                issued_at: now,
                expires_at: now + ACTIVATION_CODE_LIFETIME,
                replaces_device: Some("old-tablet".into()),
            })
            .await
            .unwrap();
        let successor = store
            .enroll(enrolment("new-tablet", "NEW-CODE"), now)
            .await
            .unwrap();
        assert_eq!(successor.predecessors, ["old-tablet"]);
        let old = store.device("old-tablet").await.unwrap().unwrap();
        assert!(old.revoked_at.is_some(), "{backend:?}");
    }
}
