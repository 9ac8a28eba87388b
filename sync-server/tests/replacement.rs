//! A tablet that dies before it syncs: its backup is restored onto a new queue (a new device
//! id, no key), which enrols with a code that replaces the old device. The server then takes
//! the old device's records from it, exactly once, and from no other device.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use vrs_queue::Queue;
use vrs_sync_client::{sync_once, SyncOptions, SyncSummary};

const VENUE: &str = "千代田区役所";

/// A queue restored from `backup` into a fresh directory, and the directory's owner.
fn restored(backup: &Path) -> Tablet {
    let dir = tempfile::tempdir().unwrap();
    let (queue, report) = Queue::restore(&dir.path().join("queue"), backup, PIN).unwrap();
    assert!(report.damaged.is_empty());
    Tablet { dir, queue }
}

/// `vrs-server admin device issue … --replaces REPLACED`.
fn issue_replacing(world: &World, municipality: &str, replaced: &str) -> std::process::Output {
    admin(
        &world.store,
        &[
            "device",
            "issue",
            "--municipality",
            municipality,
            "--venue",
            VENUE,
            "--replaces",
            replaced,
        ],
    )
}

fn replacing_code(world: &World, municipality: &str, replaced: &str) -> String {
    let out = issue_replacing(world, municipality, replaced);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn enrol(world: &World, tablet: &mut Tablet, code: &str) -> String {
    vrs_sync_client::enroll(&mut tablet.queue, &world.server_config(), code)
        .await
        .unwrap()
        .device_id
}

fn summary(sent: u64, accepted: u64, already_had: u64, rejected: u64) -> SyncSummary {
    SyncSummary {
        sent,
        accepted,
        already_had,
        rejected,
        pending: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_queue_delivers_through_a_replacement_and_only_through_one() {
    let options = SyncOptions::default();
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let mut old = world.enrolled_tablet(CHIYODA, VENUE).await;
        let old_id = old.queue.device_id().to_string();
        old.add(3, CHIYODA);
        assert_eq!(
            sync_once(&mut old.queue, &options).await.unwrap(),
            summary(3, 3, 0, 0)
        );
        // Four more, then the backup; the tablet dies before it syncs them.
        let unsent = old.add(4, CHIYODA);
        let backup = old.dir.path().join("backup.vrsq");
        old.queue.backup(&backup).unwrap();

        // Enrolled with a plain code, a restored queue may not upload another device's records:
        // each is refused, naming the field, and quarantined on the tablet.
        let mut plain = restored(&backup);
        assert_eq!(
            plain.queue.pending_makers_elsewhere().unwrap(),
            vec![old_id.clone()]
        );
        let code = world.issue_code(CHIYODA, VENUE);
        enrol(&world, &mut plain, &code).await;
        assert_eq!(
            sync_once(&mut plain.queue, &options).await.unwrap(),
            summary(4, 0, 0, 4),
            "{backend:?}"
        );
        let reason = plain
            .queue
            .get(&unsent[0].id.to_string())
            .unwrap()
            .quarantine_reason
            .unwrap();
        assert!(reason.contains("device_id"), "{reason}");
        assert_eq!(world.stored_versions().await, 3);

        // The code can only name an enrolled device of its own municipality.
        let out = issue_replacing(&world, CHIYODA, "no-such-tablet");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not enrolled"));
        let out = issue_replacing(&world, SAPPORO, &old_id);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("enrolled in municipality 131016"));

        // With a code that replaces the old device: all four delivered, the old one revoked.
        let mut replacement = restored(&backup);
        let code = replacing_code(&world, CHIYODA, &old_id);
        let replacement_id = enrol(&world, &mut replacement, &code).await;
        assert_eq!(
            sync_once(&mut replacement.queue, &options).await.unwrap(),
            summary(4, 4, 0, 0),
            "{backend:?}"
        );
        assert_eq!(world.stored_versions().await, 7);
        let store = world.store.open().await;
        let old_device = store.device(&old_id).await.unwrap().unwrap();
        assert!(old_device.revoked_at.is_some());
        old.add(1, CHIYODA);
        let failure = sync_once(&mut old.queue, &options).await.unwrap_err();
        assert!(failure.error.to_string().contains("revoked"), "{failure}");

        // One replacement per device: refused when the code is issued, and when a code issued
        // before the first enrolment is used after it.
        let out = issue_replacing(&world, CHIYODA, &old_id);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("already replaced"));
        let first = replacing_code(&world, CHIYODA, &replacement_id);
        let second = replacing_code(&world, CHIYODA, &replacement_id);

        // A replacement of the replacement reaches back to the first tablet: the same backup
        // restored again is already on the server, so nothing is stored twice.
        let mut third = restored(&backup);
        let third_id = enrol(&world, &mut third, &first).await;
        assert_eq!(
            store.device(&third_id).await.unwrap().unwrap().predecessors,
            [replacement_id.clone(), old_id.clone()]
        );
        assert_eq!(
            sync_once(&mut third.queue, &options).await.unwrap(),
            summary(4, 0, 4, 0),
            "{backend:?}"
        );
        assert_eq!(world.stored_versions().await, 7);

        let mut fourth = restored(&backup);
        let error = vrs_sync_client::enroll(&mut fourth.queue, &world.server_config(), &second)
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("already replaced by {third_id}")),
            "{backend:?}: {error}"
        );
        assert!(store.successor(&third_id).await.unwrap().is_none());

        // The admin's list: every tablet of the municipality, oldest first, what each replaced
        // and which are revoked (the first two replaced ones).
        let listed = admin_ok(&world.store, &["device", "list", "--municipality", CHIYODA]);
        let rows: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows[0][0], "device");
        let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
        assert_eq!(rows.len(), 1 + 4, "{listed}");
        assert_eq!(rows[1][0], old_id);
        assert_eq!(row(&old_id)[5], "-");
        assert_ne!(row(&old_id)[4], "-", "the replaced tablet is revoked");
        assert_eq!(row(&replacement_id)[5], old_id);
        assert_ne!(row(&replacement_id)[4], "-");
        assert_eq!(row(&third_id)[5], replacement_id);
        assert_eq!(row(&third_id)[4], "-");
        assert_eq!(row(&third_id)[2], VENUE);
        let none = admin_ok(&world.store, &["device", "list", "--municipality", SAPPORO]);
        assert_eq!(none.lines().count(), 1, "{none}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_enrolled_with_a_plain_code_is_linked_afterwards_and_sends_again() {
    let options = SyncOptions::default();
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let mut old = world.enrolled_tablet(CHIYODA, VENUE).await;
        let old_id = old.queue.device_id().to_string();
        let unsent = old.add(2, CHIYODA);
        let backup = old.dir.path().join("backup.vrsq");
        old.queue.backup(&backup).unwrap();

        // The supervisor enrolled the restored queue with a plain code: both refused.
        let mut restored_queue = restored(&backup);
        let code = world.issue_code(CHIYODA, VENUE);
        let new_id = enrol(&world, &mut restored_queue, &code).await;
        assert_eq!(
            sync_once(&mut restored_queue.queue, &options)
                .await
                .unwrap(),
            summary(2, 0, 0, 2)
        );

        // Linked afterwards by the administrator (not to itself, and only once) ...
        let out = admin(
            &world.store,
            &["device", "link", &new_id, "--replaces", &new_id],
        );
        assert!(!out.status.success());
        admin_ok(
            &world.store,
            &["device", "link", &new_id, "--replaces", &old_id],
        );
        let out = admin(
            &world.store,
            &["device", "link", &new_id, "--replaces", &old_id],
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("already replaced"));
        // ... the records are sent again by the supervisor and taken.
        for record in &unsent {
            assert_eq!(
                restored_queue
                    .queue
                    .release_quarantine(&record.id.to_string())
                    .unwrap(),
                1
            );
        }
        assert_eq!(
            sync_once(&mut restored_queue.queue, &options)
                .await
                .unwrap(),
            summary(2, 2, 0, 0),
            "{backend:?}"
        );
        assert_eq!(world.stored_versions().await, 2);
        let store = world.store.open().await;
        assert!(store
            .device(&old_id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some());
    }
}
