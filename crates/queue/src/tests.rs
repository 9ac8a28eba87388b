//! Behaviour of the queue on real SQLite files.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use rusqlite::Connection;
use vrs_record::{RecordStatus, ScanEvidence};
use vrs_ticket::{Source, Ticket};

use crate::{Filter, Queue, QueueError, Session, State, DB_FILE};

const PIN: &str = "246810";

fn ticket(dose: u8, number: u64) -> Ticket {
    Ticket::parse(&format!("1{dose}131016{number:010}")).unwrap()
}

fn evidence() -> ScanEvidence {
    ScanEvidence {
        sources: vec![Source::Ocr, Source::Qr],
        operator_confirmed: false,
        manual_entry: false,
    }
}

fn session() -> Session {
    Session {
        venue: "千代田区役所".into(),
        maker: "ファイザー".into(),
        lot: "FA1234".into(),
        operator: "佐藤花子".into(),
        date: None,
        dose: None,
    }
}

fn new_queue(dir: &Path) -> Queue {
    let mut queue = Queue::create(dir, PIN).unwrap();
    queue.set_session(&session()).unwrap();
    queue
}

fn raw(dir: &Path) -> Connection {
    Connection::open(dir.join(DB_FILE)).unwrap()
}

#[test]
fn add_refuses_a_duplicate_dose_naming_when_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let first = queue.add(ticket(1, 42), evidence(), None).unwrap();
    assert_eq!(first.device_id, queue.device_id());
    let err = queue.add(ticket(1, 42), evidence(), None).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, QueueError::Duplicate { .. }));
    assert!(
        text.contains("千代田区役所") && text.contains(&first.id.to_string()),
        "{text}"
    );
    // Another dose of the same ticket is not a duplicate.
    queue.add(ticket(2, 42), evidence(), None).unwrap();
    // A supervisor override goes through and its reason is in the audit log.
    let second = queue
        .add(ticket(1, 42), evidence(), Some("二重券の確認済み"))
        .unwrap();
    let entries = queue.audit_entries(Some(&second.id.to_string())).unwrap();
    assert_eq!(entries[0].detail["override_reason"], "二重券の確認済み");
    assert_eq!(
        queue.search_ticket(&ticket(1, 42)).unwrap().records.len(),
        2
    );
    // A voided record no longer blocks the dose.
    let third = queue.add(ticket(3, 7), evidence(), None).unwrap();
    queue.void(&third.id.to_string(), "誤登録").unwrap();
    queue.add(ticket(3, 7), evidence(), None).unwrap();
    assert!(queue.verify().unwrap().is_ok());
}

#[test]
fn corrections_keep_old_versions_and_survive_late_acknowledgements() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let record = queue.add(ticket(1, 5), evidence(), None).unwrap();
    let id = record.id.to_string();
    assert_eq!(queue.pending(10).unwrap().len(), 1);
    let corrected = queue
        .correct(&id, "lot", "FB9999", "ロット番号の誤り")
        .unwrap();
    assert_eq!(corrected.version, 2);
    // The server acknowledges version 1 after the correction was made.
    queue.mark_synced(&id, 1, Utc::now()).unwrap();
    let current = queue.get(&id).unwrap();
    assert_eq!(
        (current.record.version, current.record.lot.as_str()),
        (2, "FB9999")
    );
    assert_eq!(current.state, State::Queued);
    let pending = queue.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record.version, 2);
    let versions = queue.versions(&id).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].record.lot, "FA1234");
    assert_eq!(versions[0].state, State::Synced);
    assert_eq!(
        versions[1].record.change_reason.as_deref(),
        Some("ロット番号の誤り")
    );

    queue.mark_synced(&id, 2, Utc::now()).unwrap();
    queue.mark_synced(&id, 2, Utc::now()).unwrap();
    assert_eq!(queue.get(&id).unwrap().state, State::Synced);
    assert!(queue.pending(10).unwrap().is_empty());

    let other = queue.add(ticket(1, 6), evidence(), None).unwrap();
    let other_id = other.id.to_string();
    queue
        .quarantine(&other_id, 1, "municipality unknown")
        .unwrap();
    let listing = queue
        .list(&Filter {
            state: Some(State::Quarantined),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(listing.records.len(), 1);
    assert_eq!(
        listing.records[0].quarantine_reason.as_deref(),
        Some("municipality unknown")
    );
    let voided = queue.void(&id, "別人の券").unwrap();
    assert_eq!(voided.status, RecordStatus::Voided);
    assert!(queue.correct(&id, "lot", "X", "late").is_err());
    assert!(matches!(
        queue.correct(&other_id, "colour", "x", "r"),
        Err(QueueError::UnknownField(_))
    ));
    assert!(queue.verify().unwrap().is_ok());
    assert!(matches!(
        queue.mark_synced(&id, 9, Utc::now()),
        Err(QueueError::VersionNotFound { .. })
    ));
}

#[test]
fn filters_and_hourly_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let mut past = session();
    past.date = NaiveDate::from_ymd_opt(2025, 3, 3);
    queue.set_session(&past).unwrap();
    for n in 1..=3 {
        queue.add(ticket(1, n), evidence(), None).unwrap();
    }
    queue.set_session(&session()).unwrap();
    queue.add(ticket(1, 4), evidence(), None).unwrap();
    let on_day = queue
        .list(&Filter {
            date: past.date,
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(on_day.records.len(), 3);
    let counts = queue.counts_per_hour(past.date).unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 3);
    assert_eq!(
        queue
            .counts_per_hour(None)
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum::<u64>(),
        4
    );
    assert_eq!(
        queue
            .list(&Filter {
                state: Some(State::Synced),
                ..Filter::default()
            })
            .unwrap()
            .records
            .len(),
        0
    );
}

#[test]
fn clock_sanity_uses_the_last_server_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    queue
        .set_last_server_time(Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap())
        .unwrap();
    let err = queue.add(ticket(1, 1), evidence(), None).unwrap_err();
    assert!(err.to_string().contains("ahead"), "{err}");
    queue.set_last_server_time(Utc::now()).unwrap();
    let mut early = session();
    early.date = NaiveDate::from_ymd_opt(2020, 12, 1);
    queue.set_session(&early).unwrap();
    let err = queue.add(ticket(1, 1), evidence(), None).unwrap_err();
    assert!(err.to_string().contains("2021-02-01"), "{err}");
    assert!(queue.list(&Filter::default()).unwrap().records.is_empty());
}

fn assert_absent(haystack: &[u8], needle: &str, file: &str) {
    assert!(
        !haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes()),
        "{needle:?} found in {file}"
    );
}

#[test]
fn nothing_identifying_is_in_plaintext_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let t = ticket(1, 9_876_543_210);
    let id = queue
        .add(t.clone(), evidence(), None)
        .unwrap()
        .id
        .to_string();
    queue
        .correct(&id, "operator", "山田太郎", "担当医の誤り")
        .unwrap();
    queue
        .put_secret("device_key", b"SECRET-SIGNING-KEY")
        .unwrap();
    let check = |when: &str| {
        let mut seen = 0;
        for suffix in ["", "-wal", "-shm"] {
            let file = dir.path().join(format!("{DB_FILE}{suffix}"));
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            seen += 1;
            let name = format!("{} ({when})", file.display());
            for needle in [
                t.digits().as_str(),
                t.number(),
                "千代田区役所",
                "FA1234",
                "佐藤花子",
                "山田太郎",
                "担当医の誤り",
                "SECRET-SIGNING-KEY",
            ] {
                assert_absent(&bytes, needle, &name);
            }
        }
        seen
    };
    // While open the WAL holds the newest pages; after closing they are in the main file.
    assert!(check("open") >= 2);
    drop(queue);
    assert!(check("closed") >= 1);
    let queue = Queue::open(dir.path(), PIN).unwrap();
    assert_eq!(
        queue.get_secret("device_key").unwrap().unwrap(),
        b"SECRET-SIGNING-KEY"
    );
    assert_eq!(queue.get_secret("none").unwrap(), None);
    assert_eq!(
        queue.search_ticket(&t).unwrap().records[0].record.operator,
        "山田太郎"
    );
}

#[test]
fn tampered_rows_are_named_and_the_rest_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let ids: Vec<String> = (1..=4)
        .map(|n| {
            queue
                .add(ticket(1, n), evidence(), None)
                .unwrap()
                .id
                .to_string()
        })
        .collect();
    assert!(queue.verify().unwrap().is_ok());
    let db = raw(dir.path());
    // A flipped byte in one ciphertext.
    let mut sealed: Vec<u8> = db
        .query_row(
            "SELECT sealed FROM versions WHERE id = ?1",
            [&ids[0]],
            |r| r.get(0),
        )
        .unwrap();
    sealed[20] ^= 0x01;
    db.execute(
        "UPDATE versions SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![sealed, ids[0]],
    )
    .unwrap();
    // Two rows' ciphertexts swapped.
    db.execute_batch(&format!(
        "UPDATE versions SET sealed = (SELECT sealed FROM versions WHERE id = '{b}') WHERE id = '{a}';",
        a = ids[1], b = ids[2]
    )).unwrap();
    let listing = queue.list(&Filter::default()).unwrap();
    assert_eq!(listing.records.len(), 2, "{:?}", listing.damaged);
    assert_eq!(listing.damaged.len(), 2);
    assert!(listing
        .damaged
        .iter()
        .any(|d| d.contains(&ids[0]) && d.contains("fails authentication")));
    assert!(listing.damaged.iter().any(|d| d.contains(&ids[1])));
    let report = queue.verify().unwrap();
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert_eq!(queue.pending(10).unwrap().len(), 2);
}

#[test]
fn audit_edits_deletions_and_reorders_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    for n in 1..=4 {
        queue.add(ticket(1, n), evidence(), None).unwrap();
    }
    let db = raw(dir.path());
    let problems = |queue: &Queue| queue.verify().unwrap().problems;
    assert!(problems(&queue).is_empty());

    db.execute("UPDATE audit_log SET at_ms = at_ms + 1 WHERE seq = 3", [])
        .unwrap();
    let found = problems(&queue);
    assert!(
        found
            .iter()
            .any(|p| p.contains("entry 3") && p.contains("altered")),
        "{found:?}"
    );
    db.execute("UPDATE audit_log SET at_ms = at_ms - 1 WHERE seq = 3", [])
        .unwrap();
    assert!(problems(&queue).is_empty());

    // Reorder: swap the contents of entries 3 and 4.
    db.execute_batch(
        "UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = -3;",
    )
    .unwrap();
    let found = problems(&queue);
    assert!(
        found.iter().any(|p| p.contains("does not follow")),
        "{found:?}"
    );
    db.execute_batch(
        "UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = -3;",
    )
    .unwrap();
    assert!(problems(&queue).is_empty());

    db.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    let found = problems(&queue);
    assert!(
        found.iter().any(|p| p.contains("missing (deleted)")),
        "{found:?}"
    );

    // Cutting off the newest entry is caught by the keyed head.
    let dir2 = tempfile::tempdir().unwrap();
    let mut queue2 = new_queue(dir2.path());
    queue2.add(ticket(1, 1), evidence(), None).unwrap();
    raw(dir2.path())
        .execute(
            "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
            [],
        )
        .unwrap();
    let found = problems(&queue2);
    assert!(
        found.iter().any(|p| p.contains("newest entry")),
        "{found:?}"
    );
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let pages: i64 = queue
        .conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    queue
        .conn
        .execute_batch(&format!("PRAGMA max_page_count = {}", pages + 3))
        .unwrap();
    let mut stored = 0;
    let err = loop {
        match queue.add(ticket(1, stored + 1), evidence(), None) {
            Ok(_) => stored += 1,
            Err(e) => break e,
        }
        assert!(stored < 10_000, "never filled");
    };
    assert!(matches!(err, QueueError::DiskFull), "{err}");
    assert!(err.to_string().contains("disk is full"));
    assert_eq!(
        queue.list(&Filter::default()).unwrap().records.len() as u64,
        stored
    );
    assert!(queue.verify().unwrap().is_ok());
}

#[test]
fn pin_change_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let a = queue.add(ticket(1, 1), evidence(), None).unwrap();
    let id = a.id.to_string();
    queue.correct(&id, "dose", "2", "回数の誤り").unwrap();
    queue.mark_synced(&id, 1, Utc::now()).unwrap();
    queue.add(ticket(1, 2), evidence(), None).unwrap();
    queue.change_pin("135790").unwrap();
    let file = dir.path().join("tablet.vrsbak");
    assert_eq!(queue.backup(&file).unwrap().versions, 3);
    drop(queue);
    assert!(matches!(
        Queue::open(dir.path(), PIN),
        Err(QueueError::WrongPin { failures: 1, .. })
    ));

    let other = tempfile::tempdir().unwrap();
    let target = other.path().join("new");
    assert!(matches!(
        Queue::restore(&target, &file, PIN),
        Err(QueueError::BackupRefused)
    ));
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 5;
    bytes[last] ^= 1;
    let tampered = other.path().join("tampered.vrsbak");
    std::fs::write(&tampered, &bytes).unwrap();
    assert!(matches!(
        Queue::restore(&target, &tampered, "135790"),
        Err(QueueError::BackupRefused)
    ));
    assert!(!Queue::exists(&target));

    let (restored, report) = Queue::restore(&target, &file, "135790").unwrap();
    assert_eq!(report.versions, 3);
    let versions = restored.versions(&id).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].state, State::Synced);
    assert_eq!(versions[1].record.dose, 2);
    assert_eq!(restored.pending(10).unwrap().len(), 2);
    assert_eq!(restored.session().unwrap().unwrap(), session());
    assert_ne!(restored.device_id(), a.device_id);
    assert!(restored.verify().unwrap().is_ok());
    assert!(matches!(
        Queue::restore(&target, &file, "135790"),
        Err(QueueError::AlreadyExists(_))
    ));
}

#[test]
fn a_corrupt_database_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_FILE), vec![0x5a; 8192]).unwrap();
    let err = Queue::open(dir.path(), PIN).err().unwrap();
    assert!(matches!(err, QueueError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(DB_FILE), "{err}");
    assert!(matches!(
        Queue::open(&dir.path().join("none"), PIN),
        Err(QueueError::NoStore(_))
    ));
}

#[test]
fn a_batch_is_stored_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let batch: Vec<_> = (1..=50).map(|n| (ticket(1, n), evidence())).collect();
    assert_eq!(queue.add_many(batch).unwrap().len(), 50);
    let with_duplicate = vec![(ticket(1, 100), evidence()), (ticket(1, 100), evidence())];
    assert!(matches!(
        queue.add_many(with_duplicate),
        Err(QueueError::Duplicate { .. })
    ));
    let against_store = vec![(ticket(1, 101), evidence()), (ticket(1, 7), evidence())];
    assert!(matches!(
        queue.add_many(against_store),
        Err(QueueError::Duplicate { .. })
    ));
    assert_eq!(queue.list(&Filter::default()).unwrap().records.len(), 50);
    assert!(queue.verify().unwrap().is_ok());
}

#[test]
fn pending_except_leaves_out_every_version_of_the_records_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = new_queue(dir.path());
    let first = queue.add(ticket(1, 1), evidence(), None).unwrap();
    let second = queue.add(ticket(1, 2), evidence(), None).unwrap();
    let third = queue.add(ticket(1, 3), evidence(), None).unwrap();
    // The first record has two pending versions; both must wait while it is in flight.
    queue
        .correct(&first.id.to_string(), "lot", "FB9999", "ロット番号の誤り")
        .unwrap();
    let in_flight = std::collections::HashSet::from([first.id]);
    let ids = |pending: Vec<crate::PendingRecord>| -> Vec<_> {
        pending
            .iter()
            .map(|p| (p.record.id, p.record.version))
            .collect()
    };
    assert_eq!(
        ids(queue.pending_except(10, &in_flight).unwrap()),
        vec![(second.id, 1), (third.id, 1)]
    );
    // The limit counts versions taken, not rows passed over.
    assert_eq!(
        ids(queue.pending_except(1, &in_flight).unwrap()),
        vec![(second.id, 1)]
    );
    assert_eq!(
        ids(queue.pending(10).unwrap()),
        vec![(first.id, 1), (second.id, 1), (third.id, 1), (first.id, 2)]
    );
}

#[test]
fn a_new_store_is_moved_into_place_complete() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::create(dir.path(), PIN).unwrap();
    // What `init` committed is in the database file itself, not in a WAL left beside the
    // building file (which the rename does not move): a copy of the file alone holds it.
    let alone = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join(DB_FILE), alone.path().join(DB_FILE)).unwrap();
    let copy = raw(alone.path());
    for key in ["kdf_salt", "kdf_iterations", "wrapped_key", "device_id"] {
        let found: i64 = copy
            .query_row("SELECT count(*) FROM meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(found, 1, "meta {key} missing from the database file");
    }
    drop(queue);
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("building"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    Queue::open(dir.path(), PIN).unwrap();
}
