//! The checks every uploaded record must pass before it may be stored; a failure rejects that
//! record alone. In order: readable, valid fields, made by the uploading device (or one it
//! replaced), signed by its key, a plausible vaccination time.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use vrs_record::{check_vaccination_time, Uuid, VaccinationRecord};
use vrs_sync_proto::{
    canonical_bytes, content_hash_of_canonical, verify_records_batch, Outcome, ProblemKind,
    RecordResult, SignatureError, SignedRecord,
};

use super::problem::ApiProblem;
use crate::store::{Device, VerifiedRecord};

/// Fewer records per worker than this are not worth another thread.
const MIN_RECORDS_PER_WORKER: usize = 64;

/// How many record checks run at once in the whole server: one per core. More would only
/// take turns on the same cores, and starve the database writer, which runs beside them.
pub fn check_slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(workers()))
}

fn workers() -> usize {
    // Asked once: on Linux each call reads the process's cgroup files (several system calls),
    // and every request needs the count.
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Checks every record, split across the machine's cores (signature checks are CPU work; they
/// stay off the threads that serve connections, and take one of `slots` each). One result per
/// record, in request order.
pub async fn check_all(
    slots: &Arc<Semaphore>,
    records: Vec<SignedRecord>,
    device: &Device,
    now: DateTime<Utc>,
) -> Result<Vec<Result<VerifiedRecord, RecordResult>>, ApiProblem> {
    let failed =
        |e: String| ApiProblem::new(ProblemKind::Internal, format!("record checks failed: {e}"));
    let chunk_len = records
        .len()
        .div_ceil(workers())
        .max(MIN_RECORDS_PER_WORKER);
    let mut records = records.into_iter().enumerate().peekable();
    let mut chunks: Vec<Vec<(usize, SignedRecord)>> = Vec::new();
    while records.peek().is_some() {
        chunks.push(records.by_ref().take(chunk_len).collect());
    }
    // All of a request's slots at once, in arrival order: requests then finish their checks
    // one after another and each goes on to the writer while the next is checked, instead of
    // all finishing together at the end with the writer idle meanwhile.
    let wanted = chunks.len().min(workers());
    let mut slots = Arc::clone(slots)
        .acquire_many_owned(u32::try_from(wanted).unwrap_or(1))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let mut tasks = Vec::new();
    for chunk in chunks {
        let device = device.clone();
        // Each worker gives its slot back when it is done.
        let slot = slots.split(1);
        tasks.push(tokio::task::spawn_blocking(move || {
            let checked = check_chunk(chunk, &device, now);
            drop(slot);
            checked
        }));
    }
    let mut checked = Vec::new();
    for task in tasks {
        checked.extend(task.await.map_err(|e| failed(e.to_string()))?);
    }
    Ok(checked)
}

/// Most bytes reserved up front for writing a record's JSON back.
const JSON_ROOM_MAX: usize = 4096;

/// A record that was read and whose fields and sender are right; its signature is next.
struct Readable {
    index: usize,
    record: VaccinationRecord,
    signature: String,
    canonical: Vec<u8>,
    /// Length of the record's JSON as received: about the length written back.
    json_len: usize,
}

/// The checks for one worker's records; the signatures of the readable ones are checked as one
/// batch (one device signed them all).
fn check_chunk(
    chunk: Vec<(usize, SignedRecord)>,
    device: &Device,
    now: DateTime<Utc>,
) -> Vec<Result<VerifiedRecord, RecordResult>> {
    let read: Vec<Result<Readable, RecordResult>> = chunk
        .into_iter()
        .map(|(index, signed)| read_record(index, signed, device))
        .collect();
    let canonical_and_signature: Vec<(&[u8], &str)> = read
        .iter()
        .flatten()
        .map(|r| (r.canonical.as_slice(), r.signature.as_str()))
        .collect();
    let mut signatures =
        verify_records_batch(&device.public_key, &canonical_and_signature).into_iter();
    read.into_iter()
        .map(|outcome| {
            let readable = outcome?;
            // One signature result per readable record, in the same order.
            let signature = signatures.next().unwrap_or(Err(SignatureError::Invalid));
            finish_record(readable, signature, now)
        })
        .collect()
}

fn rejection(
    index: usize,
    id: Option<Uuid>,
    version: Option<u32>,
    field: &str,
    reason: String,
) -> RecordResult {
    RecordResult {
        index,
        id,
        version,
        outcome: Outcome::Rejected,
        flags: vec![],
        reason: Some(reason),
        field: Some(field.to_string()),
    }
}

/// Readable, valid, and made by the uploading device or one it replaced.
fn read_record(
    index: usize,
    signed: SignedRecord,
    device: &Device,
) -> Result<Readable, RecordResult> {
    let record: VaccinationRecord = match serde_json::from_str(signed.record.get()) {
        Ok(record) => record,
        Err(e) => {
            let (id, version) = id_and_version(signed.record.get());
            return Err(rejection(
                index,
                id,
                version,
                "record",
                format!("record: {e}"),
            ));
        }
    };
    let (id, version) = (Some(record.id), Some(record.version));
    let reject = |field: &str, reason: String| rejection(index, id, version, field, reason);
    record
        .validate()
        .map_err(|e| reject(e.field, e.to_string()))?;
    if !device.may_upload_from(&record.device_id) {
        return Err(reject(
            "device_id",
            format!(
                "device_id: record made by {:?}, uploaded by {:?}, which does not replace it",
                record.device_id, device.device_id
            ),
        ));
    }
    Ok(Readable {
        index,
        canonical: canonical_bytes(&record),
        record,
        signature: signed.signature,
        json_len: signed.record.get().len(),
    })
}

/// The id and version of a record that could not be read, where they can be made out.
fn id_and_version(raw: &str) -> (Option<Uuid>, Option<u32>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(raw) else {
        return (None, None);
    };
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .and_then(|text| Uuid::parse_str(text).ok());
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .and_then(|v| u32::try_from(v).ok());
    (id, version)
}

/// Signed by the device's key, a plausible vaccination time: ready to store.
fn finish_record(
    readable: Readable,
    signature: Result<(), SignatureError>,
    now: DateTime<Utc>,
) -> Result<VerifiedRecord, RecordResult> {
    let Readable {
        index,
        record,
        signature: signature_hex,
        canonical,
        json_len,
    } = readable;
    let reject = |field: &str, reason: String| {
        rejection(index, Some(record.id), Some(record.version), field, reason)
    };
    signature.map_err(|e| reject("signature", e.to_string()))?;
    check_vaccination_time(record.vaccinated_at, now)
        .map_err(|e| reject("vaccinated_at", format!("vaccinated_at: {e}")))?;
    // Written into room for the JSON as received, not grown (and copied) step by step; a valid
    // record's JSON is well under the cap, which bounds what padding in an upload can reserve.
    let mut record_json = Vec::with_capacity(json_len.min(JSON_ROOM_MAX));
    serde_json::to_writer(&mut record_json, &record)
        .map_err(|e| reject("record", format!("record: {e}")))?;
    let record_json =
        String::from_utf8(record_json).map_err(|e| reject("record", format!("record: {e}")))?;
    Ok(VerifiedRecord {
        content_hash: content_hash_of_canonical(&canonical),
        signature: signature_hex,
        record_json,
        record,
    })
}
