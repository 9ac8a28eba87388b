//! The HTTPS client (reqwest over rustls with the ring provider) and how answers are read.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Certificate, Client, Url};
use serde::de::DeserializeOwned;
use vrs_sync_proto::{Problem, ProblemKind};

use crate::enrolment::ServerConfig;
use crate::error::SyncError;

/// Checks the server URL: HTTPS, or plain HTTP to a loopback address only.
pub fn parse_server_url(text: &str) -> Result<Url, SyncError> {
    let url = Url::parse(text).map_err(|e| SyncError::ServerUrl(format!("{text:?}: {e}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(SyncError::ServerUrl(format!(
            "{text:?}: plain HTTP is allowed only to a loopback address; use https://"
        ))),
        other => Err(SyncError::ServerUrl(format!(
            "{text:?}: scheme {other} is not https"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A client that trusts only the given CA when one is given, else the platform's roots.
pub fn build_client(server: &ServerConfig, timeout: Duration) -> Result<Client, SyncError> {
    // The process-wide rustls provider; another part of the process may have set one already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .user_agent(concat!("vrs-sync-client/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &server.ca_cert_pem {
        let certs = Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| SyncError::Tls(format!("CA certificate: {e}")))?;
        if certs.is_empty() {
            return Err(SyncError::Tls(
                "CA certificate file holds no certificate".into(),
            ));
        }
        builder = builder.tls_certs_only(certs);
    }
    builder.build().map_err(|e| SyncError::Tls(e.to_string()))
}

/// Sends a prepared request and reads a JSON answer, or the server's problem document.
pub async fn send_json<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, SyncError> {
    let response = request
        .send()
        .await
        .map_err(|e| SyncError::Unreachable(describe(&e)))?;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SyncError::Unreachable(describe(&e)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()));
    }
    let problem = if is_problem {
        serde_json::from_slice::<Problem>(&bytes).ok()
    } else {
        None
    };
    Err(SyncError::Refused(problem.unwrap_or_else(|| {
        let kind = if status.is_server_error() {
            ProblemKind::Internal
        } else {
            ProblemKind::MalformedRequest
        };
        let mut problem = Problem::new(kind, format!("HTTP {status}"));
        problem.status = status.as_u16();
        problem
    })))
}

/// reqwest's message with its causes (the TLS or socket error is in the chain).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(parse_server_url("https://sync.example.jp").is_ok());
        assert!(parse_server_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_server_url("http://[::1]:8080").is_ok());
        assert!(parse_server_url("http://localhost:8080").is_ok());
        assert!(parse_server_url("http://sync.example.jp").is_err());
        assert!(parse_server_url("ftp://127.0.0.1").is_err());
        assert!(parse_server_url("not a url").is_err());
    }
}
