//! `GET /v1/municipalities/{code}/export`: a municipality's register CSV, for its own staff only.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vrs_sync_proto::ProblemKind;
use vrs_ticket::MunicipalityCode;

use super::problem::ApiProblem;
use super::{malformed, AppState};
use crate::codes::secret_hash;
use crate::export::{encode_table, register_table, CsvEncoding};

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    encoding: Option<String>,
}

/// Response header: how many duplicate doses the CSV leaves out.
pub const DUPLICATES_LEFT_OUT: &str = "vrs-duplicate-doses-left-out";

pub async fn export(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let code = MunicipalityCode::parse(&code)
        .map_err(|e| malformed(e.to_string()).field("municipality"))?;
    let encoding = match query.encoding.as_deref() {
        None => CsvEncoding::Utf8,
        Some(text) => CsvEncoding::parse(text).ok_or_else(|| {
            malformed(format!("encoding {text:?}: use utf-8 or shift_jis")).field("encoding")
        })?,
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiProblem::new(
                ProblemKind::Unauthorized,
                "send Authorization: Bearer <token>",
            )
            .field("authorization")
        })?;
    let Some(owner) = state.store.token_municipality(&secret_hash(token)).await? else {
        return Err(
            ApiProblem::new(ProblemKind::Unauthorized, "the token is not known")
                .field("authorization"),
        );
    };
    if owner != code {
        return Err(ApiProblem::new(
            ProblemKind::Forbidden,
            format!("a token of municipality {owner} cannot export municipality {code}"),
        )
        .field("municipality"));
    }
    let records = state.store.visible_records(code).await?;
    let register = register_table(&records);
    let bytes = encode_table(&register.table, encoding)
        .map_err(|e| malformed(e.to_string()).field("encoding"))?;
    let content_type = format!("text/csv; charset={}", encoding.charset());
    let mut response = bytes.into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    // Records of a dose another record of the same ticket already holds: counted here so the
    // municipality knows the file is not everything (`vrs-server admin export` lists them).
    response.headers_mut().insert(
        DUPLICATES_LEFT_OUT,
        HeaderValue::from(register.left_out.len()),
    );
    Ok(response)
}
