//! `POST /v1/records`: a device's signed batch, stored exactly once, one result per record.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use vrs_record::Uuid;
use vrs_sync_proto::{
    verify_body, ProblemKind, RecordResult, UploadRequest, UploadResponse, DEVICE_HEADER,
    SIGNATURE_HEADER,
};

use super::checks::check_all;
use super::problem::ApiProblem;
use super::{malformed, read_json_body, AppState};
use crate::store::Device;

pub async fn upload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadResponse>, ApiProblem> {
    let bytes = read_json_body(&headers, body, state.limits.max_body_bytes).await?;
    let device = authenticate(&state, &headers, &bytes).await?;
    state
        .rate
        .check(
            &device.device_id,
            state.limits.requests_per_device_per_minute,
        )
        .map_err(|wait| ApiProblem {
            retry_after: Some(wait),
            ..ApiProblem::new(
                ProblemKind::RateLimited,
                format!(
                    "at most {} requests a minute per device; retry in {wait} s",
                    state.limits.requests_per_device_per_minute
                ),
            )
        })?;
    let request: UploadRequest =
        serde_json::from_slice(&bytes).map_err(|e| malformed(format!("upload request: {e}")))?;
    if request.device_id != device.device_id {
        return Err(malformed(format!(
            "device_id {:?} in the body differs from the {DEVICE_HEADER} header",
            request.device_id
        ))
        .field("device_id"));
    }
    let limit = state.limits.max_records_per_batch;
    if request.records.len() > limit {
        return Err(ApiProblem::new(
            ProblemKind::TooManyRecords,
            format!(
                "{} records, at most {limit} per request",
                request.records.len()
            ),
        )
        .field("records"));
    }
    let now = Utc::now();
    let checked = check_all(&state.check_slots, request.records, &device, now).await?;

    let mut results: Vec<Option<RecordResult>> = vec![None; checked.len()];
    let mut to_store = Vec::new();
    let mut positions = Vec::new();
    for (index, outcome) in checked.into_iter().enumerate() {
        match outcome {
            Ok(verified) => {
                positions.push(index);
                to_store.push(verified);
            }
            Err(rejected) => results[index] = Some(rejected),
        }
    }
    let ids: Vec<(Uuid, u32)> = to_store
        .iter()
        .map(|v| (v.record.id, v.record.version))
        .collect();
    let stored = state.store.ingest(&device, to_store, now).await?;
    for ((index, (id, version)), result) in positions.into_iter().zip(ids).zip(stored) {
        results[index] = Some(RecordResult {
            index,
            id: Some(id),
            version: Some(version),
            outcome: result.outcome,
            flags: result.flags,
            reason: result.reason,
            field: None,
        });
    }
    Ok(Json(UploadResponse {
        server_time: now,
        results: results.into_iter().flatten().collect(),
    }))
}

/// The device named in the header, enrolled, not revoked, and the body signed by its key.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Device, ApiProblem> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| {
                ApiProblem::new(ProblemKind::UnknownDevice, format!("missing {name} header"))
                    .field(name.to_string())
            })
    };
    let device_id = header(DEVICE_HEADER)?;
    let signature = header(SIGNATURE_HEADER)?;
    let Some(device) = state.store.device(&device_id).await? else {
        return Err(ApiProblem::new(
            ProblemKind::UnknownDevice,
            format!("device {device_id:?} is not enrolled; enrol it with an activation code"),
        )
        .field(DEVICE_HEADER));
    };
    if let Some(at) = device.revoked_at {
        return Err(ApiProblem::new(
            ProblemKind::RevokedDevice,
            format!("device {device_id:?} was revoked at {}", at.to_rfc3339()),
        )
        .field(DEVICE_HEADER));
    }
    verify_body(&device.public_key, body, &signature).map_err(|e| {
        ApiProblem::new(ProblemKind::BadRequestSignature, e.to_string()).field(SIGNATURE_HEADER)
    })?;
    Ok(device)
}
