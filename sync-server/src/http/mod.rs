//! The HTTP API (see `vrs_sync_proto::messages` for the table of routes).

mod checks;
mod enroll;
mod export;
pub mod limits;
pub mod problem;
mod upload;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use vrs_sync_proto::{paths, ProblemKind};

use crate::store::Store;
use limits::{Limits, RateLimiter};
use problem::ApiProblem;

/// What every handler shares.
pub struct AppState {
    pub store: Store,
    pub limits: Limits,
    pub rate: RateLimiter,
    /// Record checks running at once (see [`checks::check_slots`]).
    pub check_slots: Arc<tokio::sync::Semaphore>,
}

pub fn router(store: Store, limits: Limits) -> Router {
    let state = Arc::new(AppState {
        store,
        limits,
        rate: RateLimiter::default(),
        check_slots: checks::check_slots(),
    });
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::ENROLL, post(enroll::enroll))
        .route(paths::RECORDS, post(upload::upload))
        .route(
            &format!("{}/{{code}}/export", paths::MUNICIPALITIES),
            get(export::export),
        )
        .fallback(not_found)
        .with_state(state)
}

async fn health(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "store": state.store.kind(),
        "server_time": Utc::now(),
    }))
}

async fn not_found() -> ApiProblem {
    ApiProblem::new(ProblemKind::NotFound, "no such route")
}

/// Reads a JSON body up to `limit` bytes: 415 unless JSON, 413 when larger.
pub(crate) async fn read_json_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, ApiProblem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(ApiProblem::new(
            ProblemKind::UnsupportedMediaType,
            format!("Content-Type is {content_type:?}, expected application/json"),
        )
        .field("content-type"));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        ApiProblem::new(
            ProblemKind::BodyTooLarge,
            format!("the body is over {limit} bytes; send fewer records per request"),
        )
    };
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())
}

pub(crate) fn malformed(detail: impl Into<String>) -> ApiProblem {
    ApiProblem::new(ProblemKind::MalformedRequest, detail)
}
