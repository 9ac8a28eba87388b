//! Enrolment: the device key pair and what the server said, kept sealed in the queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vrs_queue::Queue;
use vrs_sync_proto::{paths, DeviceKey, EnrollRequest, EnrollResponse};

use crate::error::SyncError;
use crate::http::{build_client, parse_server_url, send_json};

/// Queue secret holding the device's Ed25519 private key (PKCS#8).
pub const KEY_SECRET: &str = "sync.device_key";
/// Queue secret holding [`Enrolment`] as JSON.
pub const ENROLMENT_SECRET: &str = "sync.enrolment";

/// Where the server is and which CA to trust for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub url: String,
    /// PEM of a private CA to trust instead of the platform's roots.
    pub ca_cert_pem: Option<String>,
}

/// What the tablet knows after enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub server: ServerConfig,
    pub device_id: String,
    pub municipality: String,
    pub municipality_name: String,
    pub venue: String,
    pub enrolled_at: DateTime<Utc>,
}

/// The stored enrolment and device key, or [`SyncError::NotEnrolled`].
pub fn load_enrolment(queue: &Queue) -> Result<(Enrolment, DeviceKey), SyncError> {
    let Some(info) = queue.get_secret(ENROLMENT_SECRET)? else {
        return Err(SyncError::NotEnrolled);
    };
    let Some(pkcs8) = queue.get_secret(KEY_SECRET)? else {
        return Err(SyncError::NotEnrolled);
    };
    let enrolment: Enrolment = serde_json::from_slice(&info)
        .map_err(|e| SyncError::Key(format!("stored enrolment unreadable: {e}")))?;
    let key = DeviceKey::from_pkcs8(&pkcs8).map_err(|e| SyncError::Key(e.to_string()))?;
    Ok((enrolment, key))
}

/// Enrols this tablet with a one-time activation code. The private key is sealed in the queue
/// before the request goes out, so a key the server accepted is never lost.
pub async fn enroll(
    queue: &mut Queue,
    server: &ServerConfig,
    activation_code: &str,
) -> Result<Enrolment, SyncError> {
    if let Ok((existing, _)) = load_enrolment(queue) {
        return Err(SyncError::ServerUrl(format!(
            "this tablet is already enrolled as {} with {}",
            existing.device_id, existing.server.url
        )));
    }
    let base = parse_server_url(&server.url)?;
    let client = build_client(server, std::time::Duration::from_secs(30))?;
    let (key, pkcs8) = DeviceKey::generate().map_err(|e| SyncError::Key(e.to_string()))?;
    queue.put_secret(KEY_SECRET, &pkcs8)?;
    let request = EnrollRequest {
        activation_code: activation_code.trim().to_string(),
        device_id: queue.device_id().to_string(),
        public_key: key.public_key_hex(),
    };
    let url = base
        .join(paths::ENROLL)
        .map_err(|e| SyncError::ServerUrl(e.to_string()))?;
    let response: EnrollResponse = send_json(client.post(url).json(&request)).await?;
    let enrolment = Enrolment {
        server: server.clone(),
        device_id: response.device_id,
        municipality: response.municipality.to_string(),
        municipality_name: response.municipality_name,
        venue: response.venue,
        enrolled_at: response.server_time,
    };
    let json = serde_json::to_vec(&enrolment).map_err(|e| SyncError::Key(e.to_string()))?;
    queue.put_secret(ENROLMENT_SECRET, &json)?;
    queue.set_last_server_time(response.server_time)?;
    Ok(enrolment)
}
