//! The tablet's `vrs enroll` and `vrs sync [--watch]` against the real server process.
//! Needs the `vrs` binary beside this test's (scripts/test.sh builds every binary first).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// target/<profile>/vrs, found from this test binary's own path (target/<profile>/deps/…).
fn vrs_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()?
        .parent()?
        .join(format!("vrs{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is missing: build it with `cargo build -p vrs-cli`",
            path.display()
        );
    }
    eprintln!(
        "notice: {} is missing (cargo build -p vrs-cli); vrs command tests skipped",
        path.display()
    );
    None
}

fn vrs(bin: &PathBuf, tablet: &Tablet) -> Command {
    vrs_in(bin, &tablet.queue_dir())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vrs_enroll_and_sync_print_the_contract() {
    let Some(bin) = vrs_bin() else { return };
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let mut tablet = Tablet::new("千代田区役所");
        tablet.add(7, CHIYODA);
        let code = world.issue_code(CHIYODA, "千代田区役所");
        let out = vrs(&bin, &tablet)
            .args([
                "enroll",
                "--server",
                &world.server.url(),
                "--code",
                &code,
                "--ca-cert",
            ])
            .arg(world.tls.ca())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let enrolled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(enrolled["municipality"], CHIYODA);
        assert_eq!(enrolled["venue"], "千代田区役所");

        let out = vrs(&bin, &tablet)
            .args(["sync", "--batch", "3"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim(),
            r#"{"sent":7,"accepted":7,"already_had":0,"rejected":0,"pending":0}"#,
            "{backend:?}"
        );
        assert_eq!(
            world
                .store
                .open()
                .await
                .counts()
                .await
                .unwrap()
                .record_versions,
            7
        );

        // Reusing the code from a second tablet is refused with the server's reason.
        let second = Tablet::new("千代田区役所");
        let out = vrs(&bin, &second)
            .args([
                "enroll",
                "--server",
                &world.server.url(),
                "--code",
                &code,
                "--ca-cert",
            ])
            .arg(world.tls.ca())
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("already been used"));

        // A revoked tablet's sync is refused: exit code 8, records stay pending.
        tablet.reopen();
        tablet.add(2, CHIYODA);
        let device = enrolled["device_id"].as_str().unwrap();
        admin_ok(&world.store, &["device", "revoke", device]);
        let out = vrs(&bin, &tablet).arg("sync").output().unwrap();
        assert_eq!(out.status.code(), Some(8));
        assert!(String::from_utf8_lossy(&out.stdout).contains(r#""pending":2"#));
        assert!(String::from_utf8_lossy(&out.stderr).contains("revoked"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vrs_sync_watch_resumes_when_the_server_comes_back() {
    let Some(bin) = vrs_bin() else { return };
    let mut world = World::start(Backend::Sqlite, &[]).await;
    let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
    world.server.kill();
    tablet.add(5, CHIYODA);

    let mut watch = vrs(&bin, &tablet)
        .args(["sync", "--watch", "--interval", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While the server is down the watcher reports failures and retries.
    let stderr = BufReader::new(watch.stderr.take().unwrap());
    let mut failures = stderr.lines();
    let first_failure = failures.next().unwrap().unwrap();
    assert!(first_failure.contains("retrying"), "{first_failure}");
    std::thread::spawn(move || for _ in failures {});

    world.server.restart();
    let stdout = BufReader::new(watch.stdout.take().unwrap());
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let _ = sender.send(line.unwrap());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let line = receiver.recv_timeout(deadline - Instant::now()).unwrap();
    assert_eq!(
        line,
        r#"{"sent":5,"accepted":5,"already_had":0,"rejected":0,"pending":0}"#
    );
    watch.kill().unwrap();
    watch.wait().unwrap();
    assert_eq!(
        world
            .store
            .open()
            .await
            .counts()
            .await
            .unwrap()
            .record_versions,
        5
    );
}

/// `vrs` with the test PIN on the store in `dir`.
fn vrs_in(bin: &PathBuf, dir: &std::path::Path) -> Command {
    let mut command = Command::new(bin);
    command.arg("--data-dir").arg(dir).env("VRS_PIN", PIN);
    command
}

/// Runs `vrs ARGS…` on `dir`, which must succeed; its stdout.
fn vrs_ok(bin: &PathBuf, dir: &std::path::Path, args: &[&str]) -> String {
    let out = vrs_in(bin, dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "vrs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vrs_restore_names_the_maker_and_queue_retry_sends_again_after_a_link() {
    let Some(bin) = vrs_bin() else { return };
    let world = World::start(Backend::Sqlite, &[]).await;
    let mut old = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
    let old_id = old.queue.device_id().to_string();
    let made = old.add(1, CHIYODA);
    let backup = old.dir.path().join("backup.vrsq");
    old.queue.backup(&backup).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let restored = dir.path().join("queue");
    let out = vrs_in(&bin, &restored)
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("--replaces {old_id}")));
    // Enrolled with a plain code regardless: the record is quarantined.
    let code = world.issue_code(CHIYODA, "千代田区役所");
    let enrolled: serde_json::Value = serde_json::from_str(&vrs_ok(
        &bin,
        &restored,
        &[
            "enroll",
            "--server",
            &world.server.url(),
            "--code",
            &code,
            "--ca-cert",
            world.tls.ca().to_str().unwrap(),
        ],
    ))
    .unwrap();
    let out = vrs_in(&bin, &restored).arg("sync").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""rejected":1"#));

    // Linked by the administrator, then sent again from the tablet.
    let new_id = enrolled["device_id"].as_str().unwrap();
    admin_ok(
        &world.store,
        &["device", "link", new_id, "--replaces", &old_id],
    );
    let id = made[0].id.to_string();
    assert_eq!(
        vrs_ok(&bin, &restored, &["queue", "retry", &id]).trim(),
        format!("{id}: 1 quarantined versions will be sent again")
    );
    assert_eq!(
        vrs_ok(&bin, &restored, &["sync"]).trim(),
        r#"{"sent":1,"accepted":1,"already_had":0,"rejected":0,"pending":0}"#
    );
}
