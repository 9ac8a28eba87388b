//! Crash safety: `vrs add --stdin` is killed with SIGKILL at random moments, 100 times. Every
//! record whose id was printed must be there afterwards, SQLite's integrity check must pass
//! and the audit chain must verify.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{ticket, Store, PIN};

const KILLS: u64 = 100;

/// xorshift64*: enough randomness for kill timings, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

#[test]
fn killed_adds_lose_nothing_that_was_acknowledged() {
    let store = Store::new();
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let mut acknowledged = HashSet::new();
    for round in 0..KILLS {
        let mut child = common::command(store.path(), PIN)
            .args(["add", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for n in 0..5_000 {
                if writeln!(stdin, "{}", ticket(1, round * 10_000 + n + 1)).is_err() {
                    break;
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            // Only complete lines count: a line cut off by the kill was never acknowledged.
            let mut ids = Vec::new();
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line.ends_with('\n') {
                    ids.push(line.trim().to_string());
                }
                line.clear();
            }
            ids
        });
        // Unlocking takes a few hundred milliseconds; kill before, during and after it.
        let deadline = Instant::now() + Duration::from_millis(50 + rng.below(450));
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        writer.join().unwrap();
        acknowledged.extend(reader.join().unwrap());
    }
    assert!(
        acknowledged.len() > 100,
        "too few records were added to prove anything: {}",
        acknowledged.len()
    );

    let db = rusqlite::Connection::open(store.db()).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(db);
    let stored: HashSet<String> = store
        .list()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let verify = store.run(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    println!(
        "{} acknowledged, {} stored after {KILLS} kills",
        acknowledged.len(),
        stored.len()
    );
}
