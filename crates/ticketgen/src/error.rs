//! Why a ticket could not be generated.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can stop the generator. Each names the field or file and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GenError {
    #[error(
        "font {path}: {reason}; install the Debian package {package} (apt-get install {package})"
    )]
    FontMissing {
        path: PathBuf,
        package: &'static str,
        reason: String,
    },
    #[error("NW-7 payload {payload:?}: {reason}")]
    Codabar { payload: String, reason: String },
    #[error("QR payload {payload:?}: {reason}")]
    Qr { payload: String, reason: String },
    #[error("options: {field}: {reason}")]
    Options { field: &'static str, reason: String },
    #[error("JPEG round trip: {0}")]
    Jpeg(String),
}
