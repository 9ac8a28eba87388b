//! `POST /v1/enroll`: binds a device's public key to the venue of a one-time activation code.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use vrs_sync_proto::signing::parse_public_key;
use vrs_sync_proto::{EnrollRequest, EnrollResponse, ProblemKind};

use super::problem::ApiProblem;
use super::{malformed, read_json_body, AppState};
use crate::codes::secret_hash;
use crate::store::{EnrollError, Enrolment};

const MAX_ENROL_BODY: usize = 16 * 1024;

pub async fn enroll(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiProblem> {
    let bytes = read_json_body(&headers, body, MAX_ENROL_BODY).await?;
    let request: EnrollRequest =
        serde_json::from_slice(&bytes).map_err(|e| malformed(format!("enrolment request: {e}")))?;
    vrs_record::check_text("device_id", &request.device_id)
        .map_err(|e| malformed(e.to_string()).field("device_id"))?;
    let public_key = parse_public_key(&request.public_key)
        .map_err(|e| malformed(e.to_string()).field("public_key"))?;
    let now = Utc::now();
    let enrolment = Enrolment {
        code_hash: secret_hash(&request.activation_code),
        device_id: request.device_id,
        public_key,
    };
    let device = state.store.enroll(enrolment, now).await.map_err(|e| {
        let kind = match &e {
            EnrollError::UnknownCode => ProblemKind::UnknownActivationCode,
            EnrollError::Expired(_) => ProblemKind::ExpiredActivationCode,
            EnrollError::Used => ProblemKind::UsedActivationCode,
            EnrollError::DeviceExists(_) => ProblemKind::DeviceAlreadyEnrolled,
            EnrollError::AlreadyReplaced { .. } => ProblemKind::DeviceAlreadyReplaced,
            EnrollError::Store(_) => ProblemKind::Internal,
        };
        let field = if kind == ProblemKind::DeviceAlreadyEnrolled {
            "device_id"
        } else {
            "activation_code"
        };
        match e {
            EnrollError::Store(store) => ApiProblem::from(store),
            other => ApiProblem::new(kind, other.to_string()).field(field),
        }
    })?;
    let municipality_name = state
        .store
        .municipality(device.municipality)
        .await?
        .map(|m| m.name)
        .unwrap_or_default();
    let response = EnrollResponse {
        device_id: device.device_id,
        municipality: device.municipality,
        municipality_name,
        venue: device.venue,
        server_time: now,
    };
    Ok((StatusCode::CREATED, Json(response)).into_response())
}
