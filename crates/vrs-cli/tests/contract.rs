//! The `vrs` command contract, run as a real process on real files.
#![allow(clippy::unwrap_used)]

mod common;

use common::{run_in, ticket, Store, PIN};

#[test]
fn add_duplicate_invalid_list_void_correct() {
    let store = Store::new();
    let t1 = ticket(1, 1_234_567_890);
    let id = store.add(&t1);
    assert_eq!(uuid_version(&id), 7, "{id}");

    let dup = store.run(&["add", &t1]);
    assert_eq!(dup.code, 3, "{}", dup.stderr);
    assert!(
        dup.stderr.contains("duplicate")
            && dup.stderr.contains("千代田区役所")
            && dup.stderr.contains(&id),
        "{}",
        dup.stderr
    );

    for (bad, field) in [
        ("12131016000001234", "OCR line"),
        ("12131017000001234x", "OCR line"),
        ("121310170000012345", "municipality code"),
        ("101310160000012345", "dose"),
    ] {
        let run = store.run(&["add", bad]);
        assert_eq!(run.code, 4, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains(field), "{bad}: {}", run.stderr);
    }
    let huge = "会".repeat(31);
    let run = store.run(&[
        "session", "set", "--venue", &huge, "--maker", "m", "--lot", "l",
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("venue") && run.stderr.contains("31 characters"),
        "{}",
        run.stderr
    );
    let run = store.run(&[
        "session", "set", "--venue", "", "--maker", "m", "--lot", "l",
    ]);
    assert!(
        run.code == 4 && run.stderr.contains("venue"),
        "{}",
        run.stderr
    );

    let overridden = store.ok(&["add", &t1, "--override-reason", "再接種の確認済み"]);
    let t2 = ticket(2, 55);
    let id2 = store.add(&t2);

    let list = store.list();
    assert_eq!(list.len(), 3);
    let first = list.iter().find(|r| r["id"] == id.as_str()).unwrap();
    for (key, value) in [
        ("ticket", t1.as_str()),
        ("venue", "千代田区役所"),
        ("maker", "ファイザー"),
        ("lot", "FA1234"),
        ("state", "queued"),
    ] {
        assert_eq!(first[key], value, "{key}");
    }
    assert_eq!(first["dose"], 1);
    assert_eq!(first["version"], 1);
    assert_eq!(first["date"].as_str().unwrap().len(), 10);

    store.ok(&["queue", "void", &id, "--reason", "別人の券"]);
    let out = store.ok(&[
        "queue",
        "correct",
        &id2,
        "--field",
        "lot",
        "--value",
        "FB0002",
        "--reason",
        "ロット誤り",
    ]);
    assert!(out.contains("version 2"), "{out}");
    let list = store.list();
    let voided = list.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(
        (voided["state"].as_str(), voided["version"].as_u64()),
        (Some("voided"), Some(2))
    );
    let corrected = list.iter().find(|r| r["id"] == id2.as_str()).unwrap();
    assert_eq!(corrected["lot"], "FB0002");
    let versions: Vec<serde_json::Value> = store
        .ok(&["queue", "versions", &id2, "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["lot"], "FA1234");
    assert_eq!(versions[1]["change_reason"], "ロット誤り");

    let run = store.run(&[
        "queue", "correct", &id2, "--field", "shoe", "--value", "x", "--reason", "r",
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let run = store.run(&[
        "queue", "correct", &id, "--field", "lot", "--value", "x", "--reason", "r",
    ]);
    assert!(
        run.code != 0 && run.stderr.contains("voided"),
        "{}",
        run.stderr
    );

    let found = store.ok(&["queue", "search", &t1, "--json"]);
    assert_eq!(found.lines().count(), 2, "{found}");
    assert!(found.contains(overridden.trim()));
    let voided_only = store.ok(&["queue", "list", "--json", "--state", "voided"]);
    assert_eq!(voided_only.lines().count(), 1);
    let counts = store.ok(&["queue", "counts", "--json"]);
    let total: u64 = counts
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["count"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(total, 2);
    assert!(store.ok(&["audit", "verify"]).starts_with("ok"));
    let log = store.ok(&["audit", "log", "--record", overridden.trim()]);
    assert!(log.contains("再接種の確認済み"), "{log}");

    // The ticket's digits are nowhere in the database files.
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", store.db().display());
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for needle in [t1.as_str(), &t1[8..], t2.as_str(), &t2[8..]] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in {path}"
            );
        }
    }
}

fn uuid_version(id: &str) -> u32 {
    id.chars().nth(14).and_then(|c| c.to_digit(16)).unwrap_or(0)
}

#[test]
fn audit_verify_and_list_detect_tampering() {
    let store = Store::new();
    let a = store.add(&ticket(1, 1));
    let b = store.add(&ticket(1, 2));
    let db = rusqlite::Connection::open(store.db()).unwrap();
    let mut sealed: Vec<u8> = db
        .query_row("SELECT sealed FROM versions WHERE id = ?1", [&a], |r| {
            r.get(0)
        })
        .unwrap();
    sealed[30] ^= 0x80;
    db.execute(
        "UPDATE versions SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![sealed, a],
    )
    .unwrap();
    let list = store.run(&["queue", "list", "--json"]);
    assert_eq!(list.code, 6, "{}", list.stderr);
    assert!(list.stdout.contains(&b) && !list.stdout.contains(&a));
    assert!(
        list.stderr.contains(&a) && list.stderr.contains("fails authentication"),
        "{}",
        list.stderr
    );

    db.execute("UPDATE audit_log SET action = 'add ' WHERE seq = 2", [])
        .unwrap();
    let verify = store.run(&["audit", "verify"]);
    assert_eq!(verify.code, 6);
    assert!(
        verify.stderr.contains("audit entry 2: content altered"),
        "{}",
        verify.stderr
    );
    assert!(verify.stderr.contains(&a), "{}", verify.stderr);
}

#[test]
fn csv_export_in_both_encodings() {
    let store = Store::new();
    let id = store.add(&ticket(1, 77));
    let utf8 = store.path().join("out-utf8.csv");
    store.ok(&["export", "--csv", utf8.to_str().unwrap()]);
    let bytes = std::fs::read(&utf8).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("id,version,state,ticket"));
    assert!(
        lines[1].contains(&id)
            && lines[1].contains("千代田区役所")
            && lines[1].contains(&ticket(1, 77))
    );

    let sjis = store.path().join("out-sjis.csv");
    store.ok(&[
        "export",
        "--csv",
        sjis.to_str().unwrap(),
        "--encoding",
        "shift_jis",
    ]);
    let bytes = std::fs::read(&sjis).unwrap();
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!errors);
    assert_eq!(decoded.replace("\r\n", "\n"), text.replace("\r\n", "\n"));
    assert!(
        !bytes.windows(9).any(|w| w == "千代田".as_bytes()),
        "not UTF-8"
    );

    store.ok(&[
        "session",
        "set",
        "--venue",
        "𠮷野会場",
        "--maker",
        "モデルナ",
        "--lot",
        "M1",
    ]);
    let odd = store.add(&ticket(1, 78));
    let bad = store.path().join("bad.csv");
    let run = store.run(&[
        "export",
        "--csv",
        bad.to_str().unwrap(),
        "--encoding",
        "shift_jis",
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(&odd)
            && run.stderr.contains("venue")
            && run.stderr.contains("Shift_JIS"),
        "{}",
        run.stderr
    );
    assert!(!bad.exists());

    // A full disk: /dev/full, reached through a link in the temporary directory (so that
    // nothing outside it could ever be replaced).
    #[cfg(target_os = "linux")]
    {
        let full = store.path().join("full.csv");
        std::os::unix::fs::symlink("/dev/full", &full).unwrap();
        let run = store.run(&["export", "--csv", full.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("full.csv") && run.stderr.contains("space"),
            "{}",
            run.stderr
        );
        assert!(std::fs::symlink_metadata(&full)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}

#[test]
fn backup_and_restore_to_another_dir() {
    let store = Store::new();
    let a = store.add(&ticket(1, 10));
    store.add(&ticket(2, 10));
    store.ok(&[
        "queue",
        "correct",
        &a,
        "--field",
        "dose",
        "--value",
        "3",
        "--reason",
        "回数の誤り",
    ]);
    let file = store.path().join("tablet.vrsbak");
    store.ok(&["backup", file.to_str().unwrap()]);
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.windows(18).any(|w| w == ticket(1, 10).as_bytes()));

    let other = tempfile::tempdir().unwrap();
    let target = other.path().join("tablet-2");
    let wrong = run_in(&target, "99999999", &["restore", file.to_str().unwrap()]);
    assert_eq!(wrong.code, 5, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("wrong PIN"), "{}", wrong.stderr);
    assert!(!target.join("queue.db").exists());

    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let tampered_file = other.path().join("tampered.vrsbak");
    std::fs::write(&tampered_file, &tampered).unwrap();
    let run = run_in(&target, PIN, &["restore", tampered_file.to_str().unwrap()]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(!target.join("queue.db").exists());

    let run = run_in(&target, PIN, &["restore", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The records were never synced: the restore names the device that made them, which the
    // new store's activation code must replace.
    let listed_json = store.ok(&["queue", "list", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(listed_json.lines().next().unwrap()).unwrap();
    let maker = first["device_id"].as_str().unwrap();
    assert!(
        run.stderr.contains(&format!("--replaces {maker}")),
        "{}",
        run.stderr
    );
    let listed = |dir: &std::path::Path| -> Vec<String> {
        let out = run_in(dir, PIN, &["queue", "list", "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut lines: Vec<String> = out
            .stdout
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("device_id");
                v.to_string()
            })
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(listed(&target), listed(store.path()));
    let again = run_in(&target, PIN, &["restore", file.to_str().unwrap()]);
    assert!(
        again.code != 0 && again.stderr.contains("already exists"),
        "{}",
        again.stderr
    );
    assert_eq!(run_in(&target, PIN, &["audit", "verify"]).code, 0);
}

#[test]
fn wrong_pin_locks_after_ten_and_survives_restart() {
    let store = Store::new();
    store.add(&ticket(1, 1));
    for attempt in 1..=9 {
        let run = run_in(store.path(), "00000000", &["queue", "list"]);
        assert_eq!(run.code, 5);
        assert!(
            run.stderr.contains(&format!("wrong PIN ({attempt} wrong")),
            "{}",
            run.stderr
        );
    }
    let run = run_in(store.path(), "00000000", &["queue", "list"]);
    assert_eq!(run.code, 5);
    assert!(run.stderr.contains("locked after 10"), "{}", run.stderr);
    // A new process with the right PIN is still refused: the lock is on disk.
    let run = store.run(&["queue", "list"]);
    assert_eq!(run.code, 5);
    assert!(run.stderr.contains("locked"), "{}", run.stderr);
    // When the delay has passed (simulated), the right PIN opens and resets the count.
    let db = rusqlite::Connection::open(store.db()).unwrap();
    db.execute("UPDATE pin_guard SET locked_until_ms = 1 WHERE id = 1", [])
        .unwrap();
    assert_eq!(store.list().len(), 1);
    let failures: i64 = db
        .query_row("SELECT failures FROM pin_guard", [], |r| r.get(0))
        .unwrap();
    assert_eq!(failures, 0);
}

#[test]
fn pin_change_rewraps_and_bad_inputs_are_refused() {
    let store = Store::new();
    store.add(&ticket(1, 3));
    let run = common::command(store.path(), PIN)
        .env("VRS_NEW_PIN", "11223344")
        .args(["pin", "change"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        run_in(store.path(), "11223344", &["queue", "list", "--json"])
            .stdout
            .lines()
            .count(),
        1
    );
    assert_eq!(store.run(&["queue", "list"]).code, 5);

    let short = tempfile::tempdir().unwrap();
    let run = run_in(short.path(), "123", &["init"]);
    assert_eq!(run.code, 4);
    assert!(
        run.stderr.contains("PIN") && run.stderr.contains("at least 6"),
        "{}",
        run.stderr
    );

    let none = tempfile::tempdir().unwrap();
    let run = run_in(none.path(), PIN, &["queue", "list"]);
    assert!(
        run.code == 1 && run.stderr.contains("vrs init"),
        "{}",
        run.stderr
    );

    let corrupt = tempfile::tempdir().unwrap();
    std::fs::write(corrupt.path().join("queue.db"), vec![0x42u8; 4096]).unwrap();
    let run = run_in(corrupt.path(), PIN, &["queue", "list"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains("queue.db") && run.stderr.contains("corrupt"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(corrupt.path().join("queue.db")).unwrap(),
        vec![0x42u8; 4096]
    );
}
