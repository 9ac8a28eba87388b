//! The store's exactly-once rules, enrolment and visibility, the same on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{TimeDelta, Utc};
use common::ingest::{code, enrolled, record, setup, verified};
use common::{backends, new_ticket, StoreSpec, CHIYODA, SAPPORO, YOKOHAMA};
use vrs_record::{RecordStatus, Uuid, VaccinationRecord};
use vrs_server::codes::{secret_hash, ACTIVATION_CODE_LIFETIME};
use vrs_server::store::{
    EnrollError, Enrolment, NewActivationCode, Origin, RowState, Store, VerifiedRecord,
};
use vrs_sync_proto::{DeviceKey, Outcome, RecordFlag};
use vrs_ticket::Ticket;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_rules_hold_on_every_store() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let store = spec.open().await;
        let now = Utc::now();
        setup(&store, now).await;
        let (device, key) = enrolled(&store, CHIYODA, "tablet-a", now).await;

        let first = record(new_ticket(CHIYODA, 1), "tablet-a");
        let results = store
            .ingest(
                &device,
                vec![verified(&first, &key), verified(&first, &key)],
                now,
            )
            .await
            .unwrap();
        let outcomes: Vec<Outcome> = results.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Accepted, Outcome::AlreadyHad],
            "{backend:?}"
        );
        let again = store
            .ingest(&device, vec![verified(&first, &key)], now)
            .await
            .unwrap();
        assert_eq!(again[0].outcome, Outcome::AlreadyHad);
        assert_eq!(store.versions(first.id).await.unwrap().len(), 1);

        // Same id and version, other content: refused, both kept.
        let mut changed = first.clone();
        changed.lot = "ZZ9999".into();
        let refused = store
            .ingest(&device, vec![verified(&changed, &key)], now)
            .await
            .unwrap();
        assert_eq!(refused[0].outcome, Outcome::Rejected);
        assert!(refused[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("different content"));
        let versions = store.versions(first.id).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].record.lot, "FA1234");
        let conflicts = store.conflicts(first.id).await.unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].record.lot, "ZZ9999");
        // Replaying the conflicting upload keeps one copy of it.
        store
            .ingest(&device, vec![verified(&changed, &key)], now)
            .await
            .unwrap();
        assert_eq!(store.conflicts(first.id).await.unwrap().len(), 1);

        // Same ticket and dose, another record: stored and flagged.
        let mut twin = record(first.ticket.clone(), "tablet-a");
        twin.vaccinated_at = first.vaccinated_at + TimeDelta::hours(1);
        let flagged = store
            .ingest(&device, vec![verified(&twin, &key)], now)
            .await
            .unwrap();
        assert_eq!(flagged[0].outcome, Outcome::Accepted);
        assert_eq!(flagged[0].flags, [RecordFlag::DuplicateDose]);
        assert!(store.versions(twin.id).await.unwrap()[0].duplicate_dose);

        // A tablet correction becomes current; the first version stays as history.
        let mut v2 = first.clone();
        v2.version = 2;
        v2.lot = "FB5678".into();
        v2.change_reason = Some("ロット番号の訂正".into());
        store
            .ingest(&device, vec![verified(&v2, &key)], now)
            .await
            .unwrap();
        let states: Vec<(u32, RowState)> = store
            .versions(first.id)
            .await
            .unwrap()
            .iter()
            .map(|v| (v.record.version, v.state))
            .collect();
        assert_eq!(states, [(1, RowState::Superseded), (2, RowState::Current)]);

        // A server-side correction (version 3) is never replaced by a later tablet version.
        let mut server_fix = v2.clone();
        server_fix.operator = "鈴木 一郎".into();
        server_fix.change_reason = Some("自治体による訂正".into());
        assert_eq!(store.correct_record(server_fix, now).await.unwrap(), 3);
        let mut v3_tablet = v2.clone();
        v3_tablet.version = 3;
        v3_tablet.status = RecordStatus::Voided;
        v3_tablet.change_reason = Some("取消".into());
        let mut v4_tablet = v3_tablet.clone();
        v4_tablet.version = 4;
        let late = store
            .ingest(
                &device,
                vec![verified(&v3_tablet, &key), verified(&v4_tablet, &key)],
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            late[0].outcome,
            Outcome::Rejected,
            "same version as the server's correction"
        );
        assert_eq!(late[1].outcome, Outcome::Accepted);
        assert_eq!(late[1].flags, [RecordFlag::AfterServerCorrection]);
        let versions = store.versions(first.id).await.unwrap();
        let current: Vec<_> = versions
            .iter()
            .filter(|v| v.state == RowState::Current)
            .collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].origin, Origin::Server);
        assert_eq!(current[0].record.operator, "鈴木 一郎");
        assert_eq!(versions.last().unwrap().state, RowState::Held);

        let counts = store.counts().await.unwrap();
        assert_eq!(counts.distinct_records, 2);
        assert_eq!(counts.record_versions, 5);
        assert_eq!(counts.conflicts, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_codes_work_once_and_expire() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let store = spec.open().await;
        let now = Utc::now();
        setup(&store, now).await;
        let (key, _) = DeviceKey::generate().unwrap();
        store
            .issue_activation_code(NewActivationCode {
                code_hash: secret_hash("ABCD-EFGH"),
                municipality: code(SAPPORO),
                venue: "北区体育館".into(),
                issued_at: now,
                expires_at: now + ACTIVATION_CODE_LIFETIME,
                replaces_device: None,
            })
            .await
            .unwrap();
        let enrolment = |device: &str, secret: &str| Enrolment {
            code_hash: secret_hash(secret),
            device_id: device.into(),
            public_key: key.public_key().to_vec(),
        };
        let later = now + TimeDelta::hours(73);
        assert!(
            matches!(
                store.enroll(enrolment("t1", "ABCD-EFGH"), later).await,
                Err(EnrollError::Expired(_))
            ),
            "{backend:?}"
        );
        assert!(matches!(
            store.enroll(enrolment("t1", "NOPE-NOPE"), now).await,
            Err(EnrollError::UnknownCode)
        ));
        let device = store
            .enroll(enrolment("t1", "abcd efgh"), now + TimeDelta::hours(71))
            .await
            .unwrap();
        assert_eq!(device.municipality, code(SAPPORO));
        assert_eq!(device.venue, "北区体育館");
        assert!(matches!(
            store.enroll(enrolment("t2", "ABCD-EFGH"), now).await,
            Err(EnrollError::Used)
        ));
        assert!(store.revoke_device("t1", now).await.unwrap());
        assert!(store
            .device("t1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some());
        assert!(!store.revoke_device("nobody", now).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_is_seen_by_its_ticket_and_venue_municipalities_only() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let store = spec.open().await;
        let now = Utc::now();
        setup(&store, now).await;
        // A Chiyoda venue vaccinates a Sapporo resident and a Chiyoda resident.
        let (device, key) = enrolled(&store, CHIYODA, "tablet-v", now).await;
        let sapporo_resident = record(new_ticket(SAPPORO, 1), "tablet-v");
        let chiyoda_resident = record(new_ticket(CHIYODA, 1), "tablet-v");
        store
            .ingest(
                &device,
                vec![
                    verified(&sapporo_resident, &key),
                    verified(&chiyoda_resident, &key),
                ],
                now,
            )
            .await
            .unwrap();
        let ids = |records: Vec<vrs_server::store::StoredVersion>| {
            let mut ids: Vec<Uuid> = records.iter().map(|r| r.record.id).collect();
            ids.sort();
            ids
        };
        let mut both = vec![sapporo_resident.id, chiyoda_resident.id];
        both.sort();
        assert_eq!(
            ids(store.visible_records(code(CHIYODA)).await.unwrap()),
            both
        );
        assert_eq!(
            ids(store.visible_records(code(SAPPORO)).await.unwrap()),
            [sapporo_resident.id]
        );
        assert!(store
            .visible_records(code(YOKOHAMA))
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_migration_stops_the_server() {
    let spec = StoreSpec::new(common::Backend::Sqlite).await;
    drop(spec.open().await);
    // Opening again is fine: nothing pending, checksums match.
    drop(spec.open().await);
    let db = spec.data_dir().join(vrs_server::store::sqlite::DB_FILE);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE schema_migrations SET checksum = 'edited'", [])
        .unwrap();
    drop(conn);
    let error = Store::open_sqlite(&spec.data_dir()).await.err().unwrap();
    assert!(
        error.to_string().contains("changed after it was applied"),
        "{error}"
    );
}

/// What a store holds for one id, without the receiving time.
async fn stored_shape(store: &Store, id: Uuid) -> Vec<(u32, String, Origin, RowState, bool, bool)> {
    store
        .versions(id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| {
            (
                v.record.version,
                v.content_hash,
                v.origin,
                v.state,
                v.duplicate_dose,
                v.after_server_correction,
            )
        })
        .collect()
}

/// One upload whose records touch each other (replays, conflicts, corrections, duplicate doses,
/// versions after a server correction) gets the same answers and leaves the same rows as the
/// same records uploaded one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_stored_as_if_its_records_came_one_by_one() {
    for backend in backends() {
        let now = Utc::now();
        let one_by_one = StoreSpec::new(backend).await;
        let batched = StoreSpec::new(backend).await;
        let stores = [one_by_one.open().await, batched.open().await];
        let t = |dose| new_ticket(CHIYODA, dose);
        let (t1, t2, t3, t4, t5) = (t(1), t(1), t(2), t(1), t(3));

        let x1 = record(t1.clone(), "tablet-b");
        let y1 = record(t2.clone(), "tablet-b");
        let z1 = record(t3.clone(), "tablet-b");
        let mut devices = Vec::new();
        for store in &stores {
            setup(store, now).await;
            let (device, key) = enrolled(store, CHIYODA, "tablet-b", now).await;
            for r in [&x1, &y1, &z1] {
                store
                    .ingest(&device, vec![verified(r, &key)], now)
                    .await
                    .unwrap();
            }
            let mut fix = y1.clone();
            fix.lot = "SV0001".into();
            assert_eq!(store.correct_record(fix, now).await.unwrap(), 2);
            devices.push((device, key));
        }

        let next = |r: &VaccinationRecord, ticket: &Ticket| {
            let mut n = r.clone();
            n.version += 1;
            n.ticket = ticket.clone();
            n.dose = ticket.dose();
            n.change_reason = Some("訂正".into());
            n
        };
        let mut x1_changed = x1.clone();
        x1_changed.lot = "ZZ0001".into();
        let x2 = next(&x1, &t1);
        let mut y2_tablet = next(&y1, &t2);
        y2_tablet.lot = "TB0002".into();
        let y3_tablet = next(&y2_tablet, &t2);
        let mut z2_void = next(&z1, &t3);
        z2_void.status = RecordStatus::Voided;
        let d1 = record(t4.clone(), "tablet-b");
        let d2 = next(&d1, &t5);
        let g1 = record(t(2), "tablet-b");
        let g2 = next(&g1, &g1.ticket);
        let batch = vec![
            x1.clone(),                     // 0 already had
            x1_changed,                     // 1 conflict
            x2,                             // 2 current, stored x1 superseded
            record(t1.clone(), "tablet-b"), // 3 duplicate of x2
            y2_tablet,                      // 4 conflict with the server's version 2
            y3_tablet,                      // 5 held after the server's correction
            record(t2.clone(), "tablet-b"), // 6 duplicate of the server's y2
            z2_void,                        // 7 voided version becomes current
            record(t3.clone(), "tablet-b"), // 8 no duplicate: z is voided
            d1.clone(),                     // 9 stored, then superseded by 10
            d2,                             // 10 moves d to another ticket
            record(t4.clone(), "tablet-b"), // 11 no duplicate: d left t4
            record(t5.clone(), "tablet-b"), // 12 duplicate of d2
            d1.clone(),                     // 13 already had (earlier in this batch)
            g2,                             // 14 a later version first
            g1.clone(),                     // 15 the older one: history
        ];

        let mut sequential = Vec::new();
        let (device, key) = &devices[0];
        for r in &batch {
            let mut result = stores[0]
                .ingest(device, vec![verified(r, key)], now)
                .await
                .unwrap();
            sequential.push(result.remove(0));
        }
        let (device, key) = &devices[1];
        let together = stores[1]
            .ingest(
                device,
                batch.iter().map(|r| verified(r, key)).collect(),
                now,
            )
            .await
            .unwrap();
        assert_eq!(together, sequential, "{backend:?}");

        let outcomes: Vec<Outcome> = together.iter().map(|r| r.outcome).collect();
        use Outcome::{Accepted as A, AlreadyHad as H, Rejected as R};
        assert_eq!(
            outcomes,
            [H, R, A, A, R, A, A, A, A, A, A, A, A, H, A, A],
            "{backend:?}"
        );
        let duplicates: Vec<usize> = (0..together.len())
            .filter(|&i| together[i].flags.contains(&RecordFlag::DuplicateDose))
            .collect();
        assert_eq!(duplicates, [3, 6, 12], "{backend:?}");
        assert_eq!(together[5].flags, [RecordFlag::AfterServerCorrection]);

        let mut ids: Vec<Uuid> = batch.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            assert_eq!(
                stored_shape(&stores[0], id).await,
                stored_shape(&stores[1], id).await,
                "{backend:?} {id}"
            );
            assert_eq!(
                stores[0].conflicts(id).await.unwrap().len(),
                stores[1].conflicts(id).await.unwrap().len()
            );
        }
        let states = |shape: Vec<(u32, String, Origin, RowState, bool, bool)>| {
            shape.into_iter().map(|s| (s.0, s.3)).collect::<Vec<_>>()
        };
        assert_eq!(
            states(stored_shape(&stores[1], d1.id).await),
            [(1, RowState::Superseded), (2, RowState::Current)]
        );
        assert_eq!(
            states(stored_shape(&stores[1], g1.id).await),
            [(1, RowState::Superseded), (2, RowState::Current)]
        );
        assert_eq!(
            states(stored_shape(&stores[1], y1.id).await),
            [
                (1, RowState::Superseded),
                (2, RowState::Current),
                (3, RowState::Held)
            ]
        );
    }
}

/// Batches that reach the store at once (on SQLite written together, in one transaction) are
/// each answered, and a batch sent twice at once is stored once: accepted in one answer,
/// already had in the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_are_each_stored_once() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let store = spec.open().await;
        let now = Utc::now();
        setup(&store, now).await;
        let (device, key) = enrolled(&store, CHIYODA, "tablet-c", now).await;
        let batches: Vec<Vec<VerifiedRecord>> = (0..12)
            .map(|_| {
                (0..20)
                    .map(|_| verified(&record(new_ticket(CHIYODA, 1), "tablet-c"), &key))
                    .collect()
            })
            .collect();
        let mut sent = batches.clone();
        sent.push(batches[0].clone());
        let tasks: Vec<_> = sent
            .into_iter()
            .map(|batch| {
                let (store, device) = (store.clone(), device.clone());
                tokio::spawn(async move {
                    let ids: Vec<Uuid> = batch.iter().map(|v| v.record.id).collect();
                    let results = store.ingest(&device, batch, now).await.unwrap();
                    ids.into_iter().zip(results).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut outcomes: std::collections::HashMap<Uuid, Vec<Outcome>> = Default::default();
        for task in tasks {
            for (id, result) in task.await.unwrap() {
                outcomes.entry(id).or_default().push(result.outcome);
            }
        }
        for (index, batch) in batches.iter().enumerate() {
            for verified in batch {
                let mut got = outcomes[&verified.record.id].clone();
                got.sort_by_key(|o| format!("{o:?}"));
                let expected = if index == 0 {
                    vec![Outcome::Accepted, Outcome::AlreadyHad]
                } else {
                    vec![Outcome::Accepted]
                };
                assert_eq!(got, expected, "{backend:?}");
            }
        }
        let counts = store.counts().await.unwrap();
        assert_eq!(counts.record_versions, 12 * 20, "{backend:?}");
        assert_eq!(counts.conflicts, 0, "{backend:?}");
    }
}
