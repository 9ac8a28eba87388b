//! The tablet keeps two requests in flight: every queued version still reaches the server
//! exactly once, a record's versions in order, also when the server says the batches are too
//! large and the tablet halves them.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::proxy::FaultProxy;
use common::*;
use vrs_record::Uuid;
use vrs_server::store::{RowState, Store};
use vrs_sync_client::{sync_once, SyncOptions, SyncSummary};
use vrs_sync_proto::content_hash;

/// A tablet enrolled through a proxy that counts the connections open at once.
async fn tablet_behind_proxy(world: &World) -> (Tablet, FaultProxy) {
    let proxy = FaultProxy::start(world.server.addr, 7).await;
    let tablet = world
        .enrolled_tablet_via(proxy.addr, CHIYODA, "千代田区役所")
        .await;
    (tablet, proxy)
}

/// Queues `count` new records, then two more versions of every third one (each a pending
/// version of a record that has another pending version). Returns every version made.
fn queue_versions(tablet: &mut Tablet, count: usize) -> HashMap<(Uuid, u32), String> {
    let mut made = HashMap::new();
    let records = tablet.add(count, CHIYODA);
    for record in &records {
        made.insert((record.id, record.version), content_hash(record));
    }
    for record in records.iter().step_by(3) {
        let id = record.id.to_string();
        let corrected = tablet
            .queue
            .correct(&id, "lot", "FB9999", "ロット番号の訂正")
            .unwrap();
        let voided = tablet.queue.void(&id, "誤登録のため取消").unwrap();
        for version in [corrected, voided] {
            made.insert((version.id, version.version), content_hash(&version));
        }
    }
    made
}

/// Every version made is stored once, with its content; the last of each record is current.
async fn assert_stored_once(store: &Store, made: &HashMap<(Uuid, u32), String>, label: &str) {
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.record_versions, made.len() as u64, "{label}");
    assert_eq!(counts.conflicts, 0, "{label}");
    let mut latest: HashMap<Uuid, u32> = HashMap::new();
    for &(id, version) in made.keys() {
        let entry = latest.entry(id).or_default();
        *entry = (*entry).max(version);
    }
    for (id, last) in latest {
        let stored = store.versions(id).await.unwrap();
        let numbers: Vec<u32> = stored.iter().map(|v| v.record.version).collect();
        assert_eq!(numbers, (1..=last).collect::<Vec<_>>(), "{label} {id}");
        // Received in version order: no version overtook an earlier one on the way.
        assert!(
            stored
                .windows(2)
                .all(|pair| pair[0].received_at <= pair[1].received_at),
            "{label} {id}"
        );
        for version in &stored {
            assert_eq!(
                Some(&version.content_hash),
                made.get(&(id, version.record.version)),
                "{label} {id}"
            );
            // Held or conflicting versions would mean a later version overtook an earlier one.
            let expected = if version.record.version == last {
                RowState::Current
            } else {
                RowState::Superseded
            };
            assert_eq!(
                version.state, expected,
                "{label} {id} v{}",
                version.record.version
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_in_flight_deliver_every_version_once_and_in_order() {
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let (mut tablet, proxy) = tablet_behind_proxy(&world).await;
        let made = queue_versions(&mut tablet, 120);
        let options = SyncOptions {
            batch_size: 7,
            in_flight: 2,
            ..SyncOptions::default()
        };
        let summary = sync_once(&mut tablet.queue, &options).await.unwrap();
        let versions = made.len() as u64;
        assert_eq!(
            summary,
            SyncSummary {
                sent: versions,
                accepted: versions,
                already_had: 0,
                rejected: 0,
                pending: 0,
            },
            "{backend:?}"
        );
        assert!(
            proxy.most_open_at_once() >= 2,
            "{backend:?}: the requests went one at a time"
        );
        let store = world.store.open().await;
        assert_stored_once(&store, &made, &format!("{backend:?}")).await;
        let again = sync_once(&mut tablet.queue, &options).await.unwrap();
        assert_eq!(again.sent, 0, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_too_large_are_halved_with_two_in_flight() {
    for backend in backends() {
        let world = World::start(backend, &["--max-batch", "10"]).await;
        let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
        let made = queue_versions(&mut tablet, 90);
        let options = SyncOptions {
            batch_size: 64,
            in_flight: 2,
            ..SyncOptions::default()
        };
        let summary = sync_once(&mut tablet.queue, &options).await.unwrap();
        assert_eq!(
            (summary.accepted, summary.already_had, summary.pending),
            (made.len() as u64, 0, 0),
            "{backend:?}"
        );
        let store = world.store.open().await;
        assert_stored_once(&store, &made, &format!("{backend:?}")).await;
    }
}
