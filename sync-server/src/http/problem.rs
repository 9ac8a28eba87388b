//! Problem details as axum responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vrs_sync_proto::problem::PROBLEM_CONTENT_TYPE;
use vrs_sync_proto::{Problem, ProblemKind};

use crate::store::StoreError;

/// A problem document with an optional `Retry-After` (seconds).
#[derive(Debug)]
pub struct ApiProblem {
    pub problem: Problem,
    pub retry_after: Option<u64>,
}

impl ApiProblem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            problem: Problem::new(kind, detail),
            retry_after: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.problem = self.problem.with_field(field);
        self
    }
}

impl From<StoreError> for ApiProblem {
    fn from(error: StoreError) -> Self {
        // The cause goes to the operator's log; the client learns only that the server failed.
        eprintln!("vrs-server: store error: {error}");
        ApiProblem::new(
            ProblemKind::Internal,
            "the server could not reach its database; try again later",
        )
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
