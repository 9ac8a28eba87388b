//! Queue benchmark: enqueue latency with fsync against a plain rusqlite insert of a
//! same-size blob (same run, same disk, interleaved), then search and list times with a large
//! queue. `cargo bench -p vrs-queue --bench queue -- [--records N] [--enqueue N]`
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};
use vrs_queue::{Filter, Queue, Session, State};
use vrs_record::ScanEvidence;
use vrs_ticket::{Source, Ticket};

fn ticket(number: u64) -> Ticket {
    Ticket::parse(&format!("11131016{number:010}")).unwrap()
}

fn evidence() -> ScanEvidence {
    ScanEvidence {
        sources: vec![Source::Ocr, Source::Qr],
        operator_confirmed: false,
        manual_entry: false,
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().unwrap())
}

struct Stats {
    p50: Duration,
    p95: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn row(name: &str, s: &Stats) {
    println!("| {name} | {} | {} | {} |", ms(s.p50), ms(s.p95), ms(s.p99));
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// Enqueues `numbers` one commit at a time, each followed by the plain peer
/// insert, and prints their latencies side by side.
fn enqueue_round(
    queue: &mut Queue,
    peer: &Connection,
    blob: &[u8],
    numbers: std::ops::Range<u64>,
    context: &str,
) {
    let count = numbers.end - numbers.start;
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for n in numbers {
        let (_, t) = timed(|| queue.add(ticket(n), evidence(), None).unwrap());
        ours.push(t);
        let (_, t) = timed(|| {
            peer.execute(
                "INSERT INTO blobs (id, data) VALUES (?1, ?2)",
                params![uuid::Uuid::now_v7().to_string(), blob],
            )
            .unwrap()
        });
        theirs.push(t);
    }
    let ours = stats(ours);
    let theirs = stats(theirs);
    println!(
        "Enqueue into {context}, {count} records, each its own commit with fsync (WAL, synchronous=FULL), blob {} bytes:\n",
        blob.len()
    );
    println!("| what | p50 ms | p95 ms | p99 ms |\n| --- | --- | --- | --- |");
    row(
        "Queue::add (seal, HMAC index, duplicate check, audit entry)",
        &ours,
    );
    row("plain rusqlite INSERT of a same-size blob", &theirs);
    println!(
        "| ratio | {:.2} | {:.2} | {:.2} |\n",
        ours.p50.as_secs_f64() / theirs.p50.as_secs_f64(),
        ours.p95.as_secs_f64() / theirs.p95.as_secs_f64(),
        ours.p99.as_secs_f64() / theirs.p99.as_secs_f64()
    );
}

fn main() {
    let records = arg("--records", 1_000_000);
    let enqueues = arg("--enqueue", 2_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (mut queue, unlock) =
        timed(|| Queue::create(&dir.path().join("queue"), "24681357").unwrap());
    queue
        .set_session(&Session {
            venue: "千代田区役所".into(),
            maker: "ファイザー".into(),
            lot: "FA1234".into(),
            operator: "佐藤花子".into(),
            date: None,
            dose: None,
        })
        .unwrap();

    // Same-size blob for the peer: the record's JSON plus nonce and tag.
    let sample = queue.add(ticket(1), evidence(), None).unwrap();
    let blob = vec![0xA5u8; serde_json::to_vec(&sample).unwrap().len() + 28];
    let peer = Connection::open(dir.path().join("peer.db")).unwrap();
    peer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        .unwrap();
    peer.execute_batch(
        "PRAGMA synchronous = FULL; CREATE TABLE blobs (id TEXT PRIMARY KEY, data BLOB NOT NULL);",
    )
    .unwrap();

    println!("## vrs-queue\n");
    println!(
        "PIN unlock (PBKDF2-HMAC-SHA256, 600,000 iterations) + create: {} ms\n",
        ms(unlock)
    );
    let first = 2;
    enqueue_round(
        &mut queue,
        &peer,
        &blob,
        first..first + enqueues,
        "an empty queue",
    );

    let start = enqueues + 2;
    let fill = Instant::now();
    let mut next = start;
    while next < records {
        let end = (next + 10_000).min(records);
        queue
            .add_many((next..end).map(|n| (ticket(n), evidence())).collect())
            .unwrap();
        next = end;
    }
    let filled = records.max(start);
    println!(
        "Filled to {filled} records in {:.1} s (batches of 10,000).\n",
        fill.elapsed().as_secs_f64()
    );
    // The same enqueue again on the full queue: the duplicate check and the
    // indexes now work over every record already there.
    let beyond = filled + 1_000_000;
    enqueue_round(
        &mut queue,
        &peer,
        &blob,
        beyond..beyond + enqueues,
        &format!("{filled} records already queued"),
    );
    let total = filled;

    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut searches = Vec::new();
    for _ in 0..300 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let number = 1 + state % (total - 1);
        let (found, t) = timed(|| queue.search_ticket(&ticket(number)).unwrap());
        assert_eq!(found.records.len(), 1, "ticket {number}");
        searches.push(t);
    }
    let mut misses = Vec::new();
    for n in 0..100 {
        let (found, t) = timed(|| queue.search_ticket(&ticket(total + 1000 + n)).unwrap());
        assert!(found.records.is_empty());
        misses.push(t);
    }
    let mut pages = Vec::new();
    let mut quarantined = Vec::new();
    let mut pending = Vec::new();
    for _ in 0..20 {
        pages.push(
            timed(|| {
                queue
                    .list(&Filter {
                        state: Some(State::Queued),
                        limit: Some(100),
                        ..Filter::default()
                    })
                    .unwrap()
            })
            .1,
        );
        quarantined.push(
            timed(|| {
                queue
                    .list(&Filter {
                        state: Some(State::Quarantined),
                        ..Filter::default()
                    })
                    .unwrap()
            })
            .1,
        );
        pending.push(timed(|| queue.pending(100).unwrap()).1);
    }
    let counts: Vec<Duration> = (0..3)
        .map(|_| timed(|| queue.counts_per_hour(None).unwrap()).1)
        .collect();
    println!("With {total} records in the queue:\n");
    println!("| what | p50 ms | p95 ms | p99 ms |\n| --- | --- | --- | --- |");
    row("search by ticket (HMAC index), found", &stats(searches));
    row("search by ticket, not there", &stats(misses));
    row("list first 100 queued", &stats(pages));
    row("list quarantined (none)", &stats(quarantined));
    row("pending(100) for sync", &stats(pending));
    row("counts per hour, whole queue", &stats(counts));
    let size: u64 = std::fs::read_dir(dir.path().join("queue"))
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "\nStore size: {:.0} MB ({:.0} bytes per record)",
        size as f64 / 1e6,
        size as f64 / total as f64
    );
}
