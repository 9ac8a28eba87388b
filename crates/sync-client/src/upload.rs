//! One sync run: every pending version, in signed batches, acknowledged one by one. Up to
//! `in_flight` batches travel at once (the server checks one while it stores another); each
//! version is in one request at a time, and a record's versions are never in two at once, so
//! they reach the server in order.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Client, Url};
use tokio::task::JoinSet;
use vrs_queue::{PendingRecord, Queue};
use vrs_record::Uuid;
use vrs_sync_proto::{
    paths, DeviceKey, Outcome, ProblemKind, RecordResult, SignedRecord, UploadRequest,
    UploadResponse, DEVICE_HEADER, SIGNATURE_HEADER,
};

use crate::backoff::Backoff;
use crate::enrolment::load_enrolment;
use crate::error::SyncError;
use crate::http::{build_client, parse_server_url, send_json};
use crate::summary::SyncSummary;

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Versions per request (halved automatically when the server says the body is too large).
    pub batch_size: usize,
    /// Requests in flight at once (at least 1).
    pub in_flight: usize,
    /// Tries of one request while the network or server fails transiently.
    pub attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub request_timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_size: 500,
            in_flight: 2,
            attempts: 5,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// A run that stopped early: what it did before, and why it stopped.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SyncFailure {
    pub summary: SyncSummary,
    #[source]
    pub error: SyncError,
}

/// Uploads every pending version. Each acknowledged version (accepted or already had) is marked
/// synced; each rejected one is quarantined with the server's reason, and the rest go on.
pub async fn sync_once(
    queue: &mut Queue,
    options: &SyncOptions,
) -> Result<SyncSummary, SyncFailure> {
    let mut summary = SyncSummary::default();
    let outcome = run(queue, options, &mut summary).await;
    summary.pending = count_pending(queue);
    match outcome {
        Ok(()) => Ok(summary),
        Err(error) => Err(SyncFailure { summary, error }),
    }
}

fn count_pending(queue: &Queue) -> u64 {
    queue
        .pending(usize::MAX)
        .map(|pending| pending.len() as u64)
        .unwrap_or(0)
}

/// Where the requests go, and how.
#[derive(Clone)]
struct Route {
    client: Client,
    url: Url,
    device_id: String,
    options: SyncOptions,
}

/// A batch on its way, and the server's answer to it.
type Sent = (Vec<PendingRecord>, Result<UploadResponse, SyncError>);

async fn run(
    queue: &mut Queue,
    options: &SyncOptions,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let (enrolment, key) = load_enrolment(queue)?;
    let base = parse_server_url(&enrolment.server.url)?;
    let route = Route {
        url: base
            .join(paths::RECORDS)
            .map_err(|e| SyncError::ServerUrl(e.to_string()))?,
        client: build_client(&enrolment.server, options.request_timeout)?,
        device_id: enrolment.device_id,
        options: options.clone(),
    };
    let mut batch_size = options.batch_size.max(1);
    let mut in_flight: JoinSet<Sent> = JoinSet::new();
    // Ids with a version in a request now; a later version of them waits for its answer.
    let mut sending: HashSet<Uuid> = HashSet::new();
    let mut latest_server_time: Option<DateTime<Utc>> = None;
    // After a failure no new request starts; those in flight are still answered and applied.
    let mut failure: Option<SyncError> = None;
    loop {
        while failure.is_none() && in_flight.len() < options.in_flight.max(1) {
            // Records with a version in a request now are left out: their later versions
            // must not overtake it.
            let batch = queue.pending_except(batch_size, &sending)?;
            if batch.is_empty() {
                break;
            }
            match signed_body(&route.device_id, &batch, &key) {
                Ok(body) => {
                    sending.extend(batch.iter().map(|pending| pending.record.id));
                    let signature = key.sign_body(&body);
                    let route = route.clone();
                    in_flight.spawn(async move {
                        let answer = upload_with_retry(&route, body, &signature).await;
                        (batch, answer)
                    });
                }
                Err(error) => failure = Some(error),
            }
        }
        let Some(joined) = in_flight.join_next().await else {
            break;
        };
        let (batch, answer) =
            joined.map_err(|e| SyncError::BadResponse(format!("upload task: {e}")))?;
        for pending in &batch {
            sending.remove(&pending.record.id);
        }
        match answer {
            Ok(response) => {
                let progressed = apply_results(queue, &batch, &response, summary)?;
                // Answers may arrive out of order; the server's clock only moves forward here.
                if latest_server_time.is_none_or(|t| t < response.server_time) {
                    latest_server_time = Some(response.server_time);
                    queue.set_last_server_time(response.server_time)?;
                }
                if progressed == 0 {
                    failure.get_or_insert(SyncError::BadResponse(
                        "the server acknowledged none of the batch".into(),
                    ));
                }
            }
            Err(SyncError::Refused(problem))
                if batch.len() > 1
                    && matches!(
                        problem.kind(),
                        Some(ProblemKind::BodyTooLarge | ProblemKind::TooManyRecords)
                    ) =>
            {
                // The batch stays pending and goes again, smaller.
                batch_size = batch_size.min(batch.len() / 2);
            }
            Err(error) => {
                failure.get_or_insert(error);
            }
        }
    }
    failure.map_or(Ok(()), Err)
}

fn signed_body(
    device_id: &str,
    batch: &[PendingRecord],
    key: &DeviceKey,
) -> Result<Vec<u8>, SyncError> {
    let records = batch
        .iter()
        .map(|pending| SignedRecord::sign(&pending.record, key))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SyncError::Key(e.to_string()))?;
    serde_json::to_vec(&UploadRequest {
        device_id: device_id.to_string(),
        records,
    })
    .map_err(|e| SyncError::Key(e.to_string()))
}

async fn upload_with_retry(
    route: &Route,
    body: Vec<u8>,
    signature: &str,
) -> Result<UploadResponse, SyncError> {
    let options = &route.options;
    let mut backoff = Backoff::new(options.backoff_base, options.backoff_max);
    loop {
        let request = route
            .client
            .post(route.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DEVICE_HEADER, &route.device_id)
            .header(SIGNATURE_HEADER, signature)
            .body(body.clone());
        match send_json::<UploadResponse>(request).await {
            Ok(response) => return Ok(response),
            Err(error) if error.is_transient() && backoff.attempts() + 1 < options.attempts => {
                tokio::time::sleep(backoff.next_delay()).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Marks or quarantines each version the server answered for; returns how many. The
/// acknowledged versions are marked synced together, in one queue transaction.
fn apply_results(
    queue: &mut Queue,
    batch: &[PendingRecord],
    response: &UploadResponse,
    summary: &mut SyncSummary,
) -> Result<usize, SyncError> {
    let mut applied = 0;
    summary.sent += batch.len() as u64;
    let mut acknowledged: Vec<(String, u32)> = Vec::with_capacity(response.results.len());
    let (mut accepted, mut already_had) = (0, 0);
    for result in &response.results {
        let Some(pending) = batch.get(result.index) else {
            continue;
        };
        let record = &pending.record;
        // The answer must be about this very version; anything else is ignored, not guessed at.
        if result.id.is_some_and(|id| id != record.id)
            || result.version.is_some_and(|v| v != record.version)
        {
            continue;
        }
        let id = record.id.to_string();
        match result.outcome {
            Outcome::Accepted => {
                acknowledged.push((id, record.version));
                accepted += 1;
            }
            Outcome::AlreadyHad => {
                acknowledged.push((id, record.version));
                already_had += 1;
            }
            Outcome::Rejected => {
                queue.quarantine(&id, record.version, &quarantine_reason(result))?;
                summary.rejected += 1;
            }
        }
        applied += 1;
    }
    let versions: Vec<(&str, u32)> = acknowledged
        .iter()
        .map(|(id, version)| (id.as_str(), *version))
        .collect();
    queue.mark_synced_many(&versions, response.server_time)?;
    summary.accepted += accepted;
    summary.already_had += already_had;
    Ok(applied)
}

/// The server's reason, fitted to the queue's reason field (≤200 characters, no controls).
fn quarantine_reason(result: &RecordResult) -> String {
    let reason = result
        .reason
        .clone()
        .unwrap_or_else(|| "refused by the server without a reason".into());
    let text: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let prefixed = format!("server: {}", text.trim());
    prefixed.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_fit_the_queue_field() {
        let result = RecordResult {
            index: 0,
            id: None,
            version: None,
            outcome: Outcome::Rejected,
            flags: vec![],
            reason: Some(format!("bad\nline {}", "x".repeat(300))),
            field: None,
        };
        let reason = quarantine_reason(&result);
        assert_eq!(reason.chars().count(), 200);
        assert!(reason.starts_with("server: bad line"));
        vrs_record::check_text("reason", &reason).unwrap();
    }
}
