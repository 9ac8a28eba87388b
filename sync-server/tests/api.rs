//! The real server process over HTTPS on loopback, driven by the sync client and by hand-made
//! requests: enrolment, sync, replay, refusals and limits (the register export: export.rs).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use vrs_record::VaccinationRecord;
use vrs_server::store::Store;
use vrs_sync_client::{load_enrolment, sync_once, ServerConfig, SyncOptions};
use vrs_sync_proto::{
    paths, DeviceKey, Outcome, SignedRecord, UploadRequest, UploadResponse, DEVICE_HEADER,
    SIGNATURE_HEADER,
};

async fn post_upload(
    world: &World,
    device_id: &str,
    key: &DeviceKey,
    records: &[SignedRecord],
) -> reqwest::Response {
    let body = serde_json::to_vec(&UploadRequest {
        device_id: device_id.into(),
        records: records.to_vec(),
    })
    .unwrap();
    post_raw(world, device_id, &key.sign_body(&body), body).await
}

async fn post_raw(
    world: &World,
    device_id: &str,
    signature: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    raw_client(&world.tls)
        .post(format!("{}{}", world.server.url(), paths::RECORDS))
        .header("content-type", "application/json")
        .header(DEVICE_HEADER, device_id)
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn signed(records: &[VaccinationRecord], key: &DeviceKey) -> Vec<SignedRecord> {
    records
        .iter()
        .map(|r| SignedRecord::sign(r, key).unwrap())
        .collect()
}

/// Makes every activation code of the store expired (as if 72 hours had passed).
async fn expire_all_codes(store: &StoreSpec) {
    store
        .execute_sql(
            "UPDATE activation_codes SET expires_at = now() - interval '1 hour'",
            "UPDATE activation_codes SET expires_at = '2021-01-01T00:00:00.000000Z'",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_enrols_syncs_and_a_replayed_batch_is_already_had() {
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
        let records = tablet.add(25, CHIYODA);
        let options = SyncOptions {
            batch_size: 10,
            ..SyncOptions::default()
        };
        let summary = sync_once(&mut tablet.queue, &options).await.unwrap();
        assert_eq!(
            serde_json::to_string(&summary).unwrap(),
            r#"{"sent":25,"accepted":25,"already_had":0,"rejected":0,"pending":0}"#,
            "{backend:?}"
        );
        assert!(tablet
            .queue
            .synced_at(&records[0].id.to_string(), 1)
            .unwrap()
            .is_some());
        assert!(tablet.queue.last_server_time().unwrap().is_some());
        let again = sync_once(&mut tablet.queue, &options).await.unwrap();
        assert_eq!(again.sent, 0);

        // The same batch replayed by hand: every record already had, nothing new stored.
        let (enrolment, key) = load_enrolment(&tablet.queue).unwrap();
        let response =
            post_upload(&world, &enrolment.device_id, &key, &signed(&records, &key)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let answer: UploadResponse = response.json().await.unwrap();
        assert!(answer
            .results
            .iter()
            .all(|r| r.outcome == Outcome::AlreadyHad));
        assert_eq!(answer.results.len(), 25);
        assert_eq!(world.stored_versions().await, 25);

        // A void on the tablet travels as a new version.
        let id = records[3].id.to_string();
        tablet.queue.void(&id, "誤登録").unwrap();
        let summary = sync_once(&mut tablet.queue, &options).await.unwrap();
        assert_eq!((summary.sent, summary.accepted), (1, 1));
        let versions = world
            .store
            .open()
            .await
            .versions(records[3].id)
            .await
            .unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1].record.status, vrs_record::RecordStatus::Voided);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_unknown_revoked_malformed_and_oversized_uploads_store_nothing() {
    for backend in backends() {
        let world = World::start(backend, &["--max-body-bytes", "20000", "--max-batch", "5"]).await;
        let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
        let (enrolment, key) = load_enrolment(&tablet.queue).unwrap();
        let device = enrolment.device_id.clone();
        let records = tablet.add(3, CHIYODA);
        let (forger, _) = DeviceKey::generate().unwrap();

        // A record signed by another key: refused alone, with the reason.
        let mut batch = signed(&records[..1], &key);
        batch.extend(signed(&records[1..2], &forger));
        let answer: UploadResponse = post_upload(&world, &device, &key, &batch)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer.results[0].outcome, Outcome::Accepted, "{backend:?}");
        assert_eq!(answer.results[1].outcome, Outcome::Rejected);
        assert_eq!(answer.results[1].field.as_deref(), Some("signature"));
        assert_eq!(world.stored_versions().await, 1);

        // A body signed by another key.
        let body = serde_json::to_vec(&UploadRequest {
            device_id: device.clone(),
            records: signed(&records[2..], &key),
        })
        .unwrap();
        let problem = problem_of(
            post_raw(&world, &device, &forger.sign_body(&body), body).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert_eq!(problem.type_uri, "urn:vrs:problem:bad-request-signature");

        // An unknown device.
        let problem = problem_of(
            post_upload(
                &world,
                "no-such-tablet",
                &forger,
                &signed(&records[2..], &forger),
            )
            .await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert_eq!(problem.type_uri, "urn:vrs:problem:unknown-device");

        // Malformed JSON, the wrong media type, too many records, too large a body.
        let junk = b"{\"device_id\": ".to_vec();
        let problem = problem_of(
            post_raw(&world, &device, &key.sign_body(&junk), junk).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(problem.type_uri, "urn:vrs:problem:malformed-request");
        let response = raw_client(&world.tls)
            .post(format!("{}{}", world.server.url(), paths::RECORDS))
            .header("content-type", "text/plain")
            .body("hello")
            .send()
            .await
            .unwrap();
        problem_of(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        let six = signed(
            &[
                records[2].clone(),
                records[2].clone(),
                records[2].clone(),
                records[2].clone(),
                records[2].clone(),
                records[2].clone(),
            ],
            &key,
        );
        let problem = problem_of(
            post_upload(&world, &device, &key, &six).await,
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
        assert_eq!(problem.type_uri, "urn:vrs:problem:too-many-records");
        assert_eq!(problem.field.as_deref(), Some("records"));
        let mut huge = signed(&records[2..], &key);
        let mut padded = huge[0].record_value().unwrap();
        padded["padding"] = serde_json::Value::String("x".repeat(30_000));
        huge[0].set_record_value(&padded).unwrap();
        let problem = problem_of(
            post_upload(&world, &device, &key, &huge).await,
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
        assert_eq!(problem.type_uri, "urn:vrs:problem:body-too-large");
        // A record the server cannot read (bad check digit) is refused alone.
        let mut unreadable = signed(&records[2..], &key);
        let mut bad_ticket = unreadable[0].record_value().unwrap();
        bad_ticket["ticket"] = serde_json::Value::String("121310170000012345".into());
        unreadable[0].set_record_value(&bad_ticket).unwrap();
        let answer: UploadResponse = post_upload(&world, &device, &key, &unreadable)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer.results[0].outcome, Outcome::Rejected);
        assert!(answer.results[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("check digit"));
        assert_eq!(world.stored_versions().await, 1);

        // A revoked device: the whole upload refused, and the client reports it.
        admin_ok(&world.store, &["device", "revoke", &device]);
        let problem = problem_of(
            post_upload(&world, &device, &key, &signed(&records[2..], &key)).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(problem.type_uri, "urn:vrs:problem:revoked-device");
        let failure = sync_once(&mut tablet.queue, &SyncOptions::default())
            .await
            .unwrap_err();
        assert!(
            failure.error.to_string().contains("revoked"),
            "{}",
            failure.error
        );
        assert!(!failure.error.is_transient());
        assert_eq!(failure.summary.pending, 3);
        assert_eq!(world.stored_versions().await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_codes_are_single_use_and_expire() {
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let code = world.issue_code(SAPPORO, "北区体育館");
        let mut first = Tablet::new("北区体育館");
        let enrolment = vrs_sync_client::enroll(&mut first.queue, &world.server_config(), &code)
            .await
            .unwrap();
        assert_eq!(enrolment.municipality, SAPPORO);
        assert_eq!(enrolment.municipality_name, "札幌市");
        assert_eq!(enrolment.venue, "北区体育館");

        let mut second = Tablet::new("北区体育館");
        let error = vrs_sync_client::enroll(&mut second.queue, &world.server_config(), &code)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("already been used"),
            "{backend:?}: {error}"
        );

        let stale = world.issue_code(SAPPORO, "北区体育館");
        expire_all_codes(&world.store).await;
        let error = vrs_sync_client::enroll(&mut second.queue, &world.server_config(), &stale)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("expired"), "{error}");
        let error = vrs_sync_client::enroll(
            &mut second.queue,
            &world.server_config(),
            "AAAA-BBBB-CCCC-DDDD",
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains("not known"), "{error}");
        assert!(load_enrolment(&second.queue).is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_per_device_limit_get_429() {
    let world = World::start(Backend::Sqlite, &["--rate-per-minute", "2"]).await;
    let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
    let (enrolment, key) = load_enrolment(&tablet.queue).unwrap();
    let records = tablet.add(1, CHIYODA);
    for _ in 0..2 {
        let response =
            post_upload(&world, &enrolment.device_id, &key, &signed(&records, &key)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = post_upload(&world, &enrolment.device_id, &key, &signed(&records, &key)).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let problem = problem_of(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem.type_uri, "urn:vrs:problem:rate-limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_record_is_quarantined_and_duplicates_are_flagged() {
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
        let records = tablet.add(5, CHIYODA);
        // Someone uploaded other content under the id and version of the third record.
        let (enrolment, key) = load_enrolment(&tablet.queue).unwrap();
        let mut impostor = records[2].clone();
        impostor.lot = "XX0000".into();
        post_upload(
            &world,
            &enrolment.device_id,
            &key,
            &signed(&[impostor], &key),
        )
        .await;

        let summary = sync_once(&mut tablet.queue, &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!(
            (summary.accepted, summary.rejected, summary.pending),
            (4, 1, 0),
            "{backend:?}"
        );
        let view = tablet.queue.get(&records[2].id.to_string()).unwrap();
        assert!(
            format!("{view:?}").contains("different content"),
            "{view:?}"
        );
        let store = world.store.open().await;
        assert_eq!(store.conflicts(records[2].id).await.unwrap().len(), 1);

        // Another tablet (another venue) records the same ticket and dose: stored and flagged.
        let mut other = world.enrolled_tablet(SAPPORO, "北区体育館").await;
        let twin = other.add_ticket(records[0].ticket.clone());
        let summary = sync_once(&mut other.queue, &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!(summary.accepted, 1);
        let versions = store.versions(twin.id).await.unwrap();
        assert!(versions[0].duplicate_dose);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_check_their_input() {
    let store = StoreSpec::new(Backend::Sqlite).await;
    let out = admin(&store, &["municipality", "add", "131017", "千代田区"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("check digit is 7, expected 6"));
    admin_ok(&store, &["municipality", "add", CHIYODA, "千代田区"]);
    assert!(
        !admin(&store, &["municipality", "add", CHIYODA, "千代田区"])
            .status
            .success()
    );
    let out = admin(
        &store,
        &[
            "device",
            "issue",
            "--municipality",
            SAPPORO,
            "--venue",
            "会場",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not registered"));
    let out = admin(
        &store,
        &[
            "device",
            "issue",
            "--municipality",
            CHIYODA,
            "--venue",
            &"会".repeat(31),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("venue"));
    assert!(!admin(&store, &["device", "revoke", "nobody"])
        .status
        .success());
    let code = admin_ok(
        &store,
        &[
            "device",
            "issue",
            "--municipality",
            CHIYODA,
            "--venue",
            "会場",
        ],
    );
    assert_eq!(code.trim().len(), 19);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_only_on_loopback_and_only_when_asked() {
    let store = StoreSpec::new(Backend::Sqlite).await;
    let run = |args: &[&str]| {
        std::process::Command::new(server_bin())
            .arg("serve")
            .args(store.args())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--listen", "127.0.0.1:0"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
    let out = run(&["--listen", "0.0.0.0:0", "--insecure-http"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));

    // Asked for on loopback, plain HTTP serves, and the client accepts http:// to loopback.
    admin_ok(&store, &["municipality", "add", CHIYODA, "千代田区"]);
    let plain = ServerProcess::start_insecure(&store);
    let code = admin_ok(
        &store,
        &[
            "device",
            "issue",
            "--municipality",
            CHIYODA,
            "--venue",
            "会場",
        ],
    );
    let mut tablet = Tablet::new("会場");
    let config = ServerConfig {
        url: format!("http://{}", plain.addr),
        ca_cert_pem: None,
    };
    vrs_sync_client::enroll(&mut tablet.queue, &config, code.trim())
        .await
        .unwrap();
    tablet.add(2, CHIYODA);
    let summary = sync_once(&mut tablet.queue, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.accepted, 2);
    drop(plain);

    // A client refuses a server whose certificate its CA did not sign.
    let world = World::start(Backend::Sqlite, &[]).await;
    let strangers = TlsFiles::new();
    let mut tablet = Tablet::new("会場");
    let config = ServerConfig {
        url: world.server.url(),
        ca_cert_pem: Some(strangers.ca_pem.clone()),
    };
    let code = world.issue_code(CHIYODA, "会場");
    let error = vrs_sync_client::enroll(&mut tablet.queue, &config, &code)
        .await
        .unwrap_err();
    assert!(
        error.to_string().to_lowercase().contains("certificate"),
        "{error}"
    );
    let config = ServerConfig {
        url: format!("http://{}", world.server.addr),
        ca_cert_pem: None,
    };
    // Plain HTTP to the HTTPS port fails; it never silently downgrades.
    assert!(vrs_sync_client::enroll(&mut tablet.queue, &config, &code)
        .await
        .is_err());
    drop(Store::open_sqlite(&store.data_dir()).await.unwrap());
}
