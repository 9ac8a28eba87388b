//! Server ingest throughput with 1, 10 and 100 simulated devices (HTTPS, signed records,
//! durable commits), beside the same rows inserted straight into the same database (the
//! ceiling); and a tablet's 10,000 queued records to all acknowledged.
//!
//! `cargo bench -p vrs-server --bench ingest` (SQLite), or through
//! `sync-server/scripts/with-postgres.sh cargo bench -p vrs-server --bench ingest` for both.
//! Each simulated device keeps two requests in flight, as the tablet's client does.
//! Every row is measured VRS_BENCH_RUNS times (default 5) and reported as medians;
//! VRS_BENCH_ONLY=sqlite or postgres measures one store. The server CPU column is the server
//! process's user + system time over a run divided by its records (robust to other load); the
//! last column how many of the machine's cores were busy, on average, while the server and the
//! ceiling ran (everything on the machine: a run that leaves cores idle waits on something).
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::*;
use vrs_record::{ScanEvidence, Uuid, VaccinationRecord};
use vrs_server::store::{Device, Store};
use vrs_sync_client::{sync_once, SyncOptions};
use vrs_sync_proto::{
    content_hash, DeviceKey, Outcome, SignedRecord, UploadRequest, UploadResponse, DEVICE_HEADER,
    SIGNATURE_HEADER,
};
use vrs_ticket::Source;

const RECORDS_PER_CONFIG: usize = 20_000;
const BATCH: usize = 500;

/// A first-dose record on a fresh Chiyoda ticket, built like the store tests' records.
fn record(device_id: &str) -> VaccinationRecord {
    common::ingest::record(new_ticket(CHIYODA, 1), device_id)
}

struct SimDevice {
    device: Device,
    key: DeviceKey,
}

async fn enrol_devices(store: &Store, count: usize) -> Vec<SimDevice> {
    let now = Utc::now();
    let mut devices = Vec::new();
    for i in 0..count {
        let device_id = format!("bench-device-{i}-{}", now.timestamp_micros());
        let (device, key) = common::ingest::enrolled(store, CHIYODA, &device_id, now).await;
        devices.push(SimDevice { device, key });
    }
    devices
}

/// Signed request bodies per device, made before the clock starts (the tablets' work).
fn bodies(devices: &[SimDevice], per_device: usize) -> Vec<Vec<(Vec<u8>, String)>> {
    devices
        .iter()
        .map(|sim| {
            let id = &sim.device.device_id;
            let records: Vec<VaccinationRecord> = (0..per_device).map(|_| record(id)).collect();
            records
                .chunks(BATCH)
                .map(|chunk| {
                    let body = serde_json::to_vec(&UploadRequest {
                        device_id: id.clone(),
                        records: chunk
                            .iter()
                            .map(|r| SignedRecord::sign(r, &sim.key).unwrap())
                            .collect(),
                    })
                    .unwrap();
                    let signature = sim.key.sign_body(&body);
                    (body, signature)
                })
                .collect()
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Requests each simulated device keeps in flight: 2, as the tablet's client does
/// (`SyncOptions::in_flight`), unless VRS_BENCH_IN_FLIGHT says otherwise.
fn in_flight() -> usize {
    env_count("VRS_BENCH_IN_FLIGHT", 2)
}

type Bodies = std::sync::Mutex<std::collections::VecDeque<(Vec<u8>, String)>>;

/// One device's requests, sent by [`in_flight`] senders that each take the next body when their
/// answer is in. Returns the latencies.
async fn upload_device(
    client: reqwest::Client,
    url: String,
    device_id: String,
    bodies: Vec<(Vec<u8>, String)>,
) -> Vec<Duration> {
    let bodies: Arc<Bodies> = Arc::new(std::sync::Mutex::new(bodies.into()));
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..in_flight() {
        let (client, url, device_id) = (client.clone(), url.clone(), device_id.clone());
        let bodies = Arc::clone(&bodies);
        senders.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let Some((body, signature)) = bodies.lock().unwrap().pop_front() else {
                    return latencies;
                };
                let sent = Instant::now();
                let answer: UploadResponse = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header(DEVICE_HEADER, &device_id)
                    .header(SIGNATURE_HEADER, signature)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                latencies.push(sent.elapsed());
                assert!(answer
                    .results
                    .iter()
                    .all(|r| r.outcome == Outcome::Accepted));
            }
        });
    }
    senders.join_all().await.into_iter().flatten().collect()
}

/// Clock ticks per second in /proc's CPU times (USER_HZ, 100 on Linux).
const USER_HZ: f64 = 100.0;

/// CPU time (user + system, all threads) the process has used so far, from /proc; None where
/// unreadable.
fn process_cpu(pid: Option<u32>) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime: fields 14 and 15 of the line, 12th and 13th after the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / USER_HZ))
}

/// Busy CPU time of the whole machine so far (all cores, everything but idle and I/O wait), from
/// /proc/stat; None where unreadable.
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some(Duration::from_secs_f64(
        (ticks.iter().sum::<u64>() - idle) as f64 / USER_HZ,
    ))
}

/// The median with `decimals` places, or a dash where nothing could be measured.
fn median_text(values: &mut [f64], decimals: usize) -> String {
    if values.is_empty() {
        "–".to_string()
    } else {
        format!("{:.*}", decimals, median(values))
    }
}

/// How many of the machine's cores were busy, on average, over `elapsed` since `before`.
fn cores_busy(before: Option<Duration>, elapsed: Duration) -> Option<f64> {
    Some((machine_busy()? - before?).as_secs_f64() / elapsed.as_secs_f64())
}

/// Devices upload at once, each [`in_flight`] requests at a time. Returns (records/s, latencies,
/// server CPU µs per record, cores busy).
async fn server_ingest(
    world: &World,
    devices: &[SimDevice],
    per_device: usize,
) -> (f64, Vec<Duration>, Option<f64>, Option<f64>) {
    let bodies = bodies(devices, per_device);
    let url = format!("{}/v1/records", world.server.url());
    let pid = world.server.pid();
    let cpu_before = process_cpu(pid);
    let busy_before = machine_busy();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (sim, device_bodies) in devices.iter().zip(bodies) {
        let client = raw_client(&world.tls);
        tasks.push(tokio::spawn(upload_device(
            client,
            url.clone(),
            sim.device.device_id.clone(),
            device_bodies,
        )));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    let busy = cores_busy(busy_before, elapsed);
    let records = (devices.len() * per_device) as f64;
    let cpu_per_record = process_cpu(pid)
        .zip(cpu_before)
        .map(|(after, before)| (after - before).as_secs_f64() * 1e6 / records);
    latencies.sort();
    (
        records / elapsed.as_secs_f64(),
        latencies,
        cpu_per_record,
        busy,
    )
}

/// Every device's rows cut into batches, taken round-robin across the devices: the order in
/// which batches reach a server that all devices upload to at once (and the PostgreSQL
/// ceiling's connections write), rather than one device's rows after another's, whose ids and
/// tickets would always append to the indexes.
fn arrival_order<T>(rows: Vec<Vec<T>>) -> Vec<Vec<T>> {
    let mut per_device: Vec<std::vec::IntoIter<Vec<T>>> = rows
        .into_iter()
        .map(|device_rows| {
            let mut batches = Vec::new();
            let mut device_rows = device_rows.into_iter().peekable();
            while device_rows.peek().is_some() {
                batches.push(device_rows.by_ref().take(BATCH).collect());
            }
            batches.into_iter()
        })
        .collect();
    let mut ordered = Vec::new();
    loop {
        let before = ordered.len();
        ordered.extend(per_device.iter_mut().filter_map(Iterator::next));
        if ordered.len() == before {
            return ordered;
        }
    }
}

/// The same rows straight into the same database, one transaction per batch, same durability,
/// no HTTP, JSON or signatures, written the way the server writes them: one writer with a
/// cached single-row INSERT on SQLite (it has one write lock; more writers only wait on it), one
/// connection per device with one multi-row INSERT per batch on PostgreSQL.
/// Returns (records/s, cores busy).
async fn ceiling(spec: &StoreSpec, devices: &[SimDevice], per_device: usize) -> (f64, Option<f64>) {
    let rows: Vec<Vec<(VaccinationRecord, String, String, String)>> = devices
        .iter()
        .map(|sim| {
            (0..per_device)
                .map(|_| {
                    let r = record(&sim.device.device_id);
                    let json = serde_json::to_string(&r).unwrap();
                    let signature = sim.key.sign_record(&r);
                    (content_hash(&r), json, signature, r)
                })
                .map(|(h, j, s, r)| (r, h, j, s))
                .collect()
        })
        .collect();
    let busy_before = machine_busy();
    let started = Instant::now();
    match &spec.postgres_url {
        None => {
            let db = spec.data_dir().join(vrs_server::store::sqlite::DB_FILE);
            let batches = arrival_order(rows);
            let threads: Vec<_> = [batches]
                .into_iter()
                .map(|batches| {
                    let db = db.clone();
                    std::thread::spawn(move || {
                        let mut conn = rusqlite::Connection::open(db).unwrap();
                        conn.busy_timeout(Duration::from_secs(60)).unwrap();
                        conn.pragma_update(None, "synchronous", "FULL").unwrap();
                        for chunk in &batches {
                            let tx = conn
                                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                                .unwrap();
                            {
                                let mut insert = tx.prepare_cached(SQLITE_INSERT).unwrap();
                                for (r, hash, json, signature) in chunk {
                                    insert
                                        .execute(rusqlite::params![
                                            r.id.to_string(),
                                            r.version,
                                            hash,
                                            signature,
                                            r.ticket.municipality().to_string(),
                                            r.ticket.number(),
                                            r.dose,
                                            json,
                                            vrs_server::time::to_db_text(Utc::now()),
                                            vrs_server::time::to_db_text(
                                                r.vaccinated_at.with_timezone(&Utc)
                                            ),
                                            r.device_id,
                                        ])
                                        .unwrap();
                                }
                            }
                            tx.commit().unwrap();
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
        }
        Some(url) => {
            let url = Arc::new(url.clone());
            let mut tasks = Vec::new();
            for device_rows in rows {
                let url = Arc::clone(&url);
                tasks.push(tokio::spawn(async move {
                    let (mut client, connection) =
                        tokio_postgres::connect(&url, tokio_postgres::NoTls)
                            .await
                            .unwrap();
                    tokio::spawn(connection);
                    for chunk in device_rows.chunks(BATCH) {
                        // One multi-row INSERT per batch, as the server writes its rows.
                        let tx = client.transaction().await.unwrap();
                        let insert = tx.prepare(POSTGRES_INSERT).await.unwrap();
                        let ids: Vec<Uuid> = chunk.iter().map(|(r, ..)| r.id).collect();
                        let versions: Vec<i32> =
                            chunk.iter().map(|(r, ..)| r.version as i32).collect();
                        let hashes: Vec<&str> = chunk.iter().map(|(_, h, ..)| h.as_str()).collect();
                        let signatures: Vec<&str> =
                            chunk.iter().map(|(.., s)| s.as_str()).collect();
                        let municipalities: Vec<String> = chunk
                            .iter()
                            .map(|(r, ..)| r.ticket.municipality().to_string())
                            .collect();
                        let numbers: Vec<&str> =
                            chunk.iter().map(|(r, ..)| r.ticket.number()).collect();
                        let doses: Vec<i32> =
                            chunk.iter().map(|(r, ..)| i32::from(r.dose)).collect();
                        let json: Vec<&str> = chunk.iter().map(|(_, _, j, _)| j.as_str()).collect();
                        let vaccinated_at: Vec<DateTime<Utc>> = chunk
                            .iter()
                            .map(|(r, ..)| r.vaccinated_at.with_timezone(&Utc))
                            .collect();
                        let device_ids: Vec<&str> =
                            chunk.iter().map(|(r, ..)| r.device_id.as_str()).collect();
                        tx.execute(
                            &insert,
                            &[
                                &ids,
                                &versions,
                                &hashes,
                                &signatures,
                                &municipalities,
                                &numbers,
                                &doses,
                                &json,
                                &Utc::now(),
                                &vaccinated_at,
                                &device_ids,
                            ],
                        )
                        .await
                        .unwrap();
                        tx.commit().await.unwrap();
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
        }
    }
    let elapsed = started.elapsed();
    (
        (devices.len() * per_device) as f64 / elapsed.as_secs_f64(),
        cores_busy(busy_before, elapsed),
    )
}

const SQLITE_INSERT: &str =
    "INSERT INTO records (id, version, content_hash, origin, state, signature,
    ticket_municipality, ticket_number, dose, venue_municipality, status, record_json, received_at,
    vaccinated_at, device_id)
    VALUES (?1, ?2, ?3, 'device', 'current', ?4, ?5, ?6, ?7, '131016', 'active', ?8, ?9, ?10, ?11)";
const POSTGRES_INSERT: &str =
    "INSERT INTO records (id, version, content_hash, origin, state, signature,
    ticket_municipality, ticket_number, dose, venue_municipality, status, record_json, received_at,
    vaccinated_at, device_id)
    SELECT id, version, content_hash, 'device', 'current', signature, ticket_municipality,
        ticket_number, dose, '131016', 'active', record_json, $9::timestamptz, vaccinated_at,
        device_id
    FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::int4[], $8::text[], $10::timestamptz[], $11::text[])
      AS r (id, version, content_hash, signature, ticket_municipality, ticket_number, dose,
        record_json, vaccinated_at, device_id)";

async fn end_to_end(backend: Backend) -> Duration {
    let world = World::start(backend, &["--rate-per-minute", "1000000"]).await;
    let mut tablet = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
    for _ in 0..10 {
        let tickets = (0..1000)
            .map(|_| {
                (
                    new_ticket(CHIYODA, 1),
                    ScanEvidence {
                        sources: vec![Source::Qr],
                        operator_confirmed: false,
                        manual_entry: false,
                    },
                )
            })
            .collect();
        tablet.queue.add_many(tickets).unwrap();
    }
    let started = Instant::now();
    let summary = sync_once(&mut tablet.queue, &SyncOptions::default())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!((summary.accepted, summary.pending), (10_000, 0));
    elapsed
}

/// Repetitions of every measurement (VRS_BENCH_RUNS, default 5); the tables give medians.
fn runs() -> usize {
    env_count("VRS_BENCH_RUNS", 5)
}

/// A positive count from the environment, else `default`.
fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let runs = runs();
    println!("{runs} runs per row, {} requests in flight per device; medians (the ratio is the median of each run's server / ceiling, both measured back to back)", in_flight());
    println!();
    println!("| store | devices | server records/s | request median ms | request p95 ms | ceiling records/s | server / ceiling | server CPU µs/record | cores busy, server / ceiling |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut end_to_end_rows = Vec::new();
    // VRS_BENCH_ONLY=sqlite|postgres measures one store only.
    let only = std::env::var("VRS_BENCH_ONLY").ok();
    let wanted = |backend: &Backend| {
        only.as_deref()
            .is_none_or(|name| format!("{backend:?}").eq_ignore_ascii_case(name))
    };
    for backend in backends().into_iter().filter(wanted) {
        let world = World::start(
            backend,
            &["--rate-per-minute", "1000000", "--max-batch", "1000"],
        )
        .await;
        let store = world.store.open().await;
        let devices = enrol_devices(&store, 100).await;
        for count in [1usize, 10, 100] {
            let per_device = RECORDS_PER_CONFIG / count;
            let (mut rates, mut ceilings, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            let mut latencies = Vec::new();
            let mut cpu = Vec::new();
            let (mut server_busy, mut ceiling_busy) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                let (rate, run_latencies, run_cpu, busy) =
                    server_ingest(&world, &devices[..count], per_device).await;
                cpu.extend(run_cpu);
                server_busy.extend(busy);
                let (ceiling, busy) = ceiling(&world.store, &devices[..count], per_device).await;
                ceiling_busy.extend(busy);
                rates.push(rate);
                ceilings.push(ceiling);
                ratios.push(rate / ceiling);
                latencies.extend(run_latencies);
            }
            latencies.sort();
            let cpu = median_text(&mut cpu, 1);
            println!(
                "| {backend:?} | {count} | {:.0} | {:.1} | {:.1} | {:.0} | {:.0} % | {cpu} | {} / {} |",
                median(&mut rates),
                percentile(&latencies, 0.5).as_secs_f64() * 1e3,
                percentile(&latencies, 0.95).as_secs_f64() * 1e3,
                median(&mut ceilings),
                100.0 * median(&mut ratios),
                median_text(&mut server_busy, 2),
                median_text(&mut ceiling_busy, 2)
            );
        }
        drop(world);
        let mut seconds = Vec::new();
        for _ in 0..runs {
            seconds.push(end_to_end(backend).await.as_secs_f64());
        }
        end_to_end_rows.push((backend, seconds));
    }
    println!();
    println!(
        "| store | 10,000 queued records to all acknowledged, median s | fastest s | slowest s |"
    );
    println!("| --- | --- | --- | --- |");
    for (backend, mut seconds) in end_to_end_rows {
        let middle = median(&mut seconds);
        println!(
            "| {backend:?} | {middle:.2} | {:.2} | {:.2} |",
            seconds[0],
            seconds[seconds.len() - 1]
        );
    }
}
