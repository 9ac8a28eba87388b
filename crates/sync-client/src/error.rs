use thiserror::Error;
use vrs_sync_proto::Problem;

#[derive(Debug, Error)]
pub enum SyncError {
    #[error("this tablet is not enrolled; run `vrs enroll --server URL --code CODE` first")]
    NotEnrolled,
    #[error("server: {0}")]
    ServerUrl(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// The server refused the request (problem details).
    #[error("the server refused: {0}")]
    Refused(Problem),
    #[error("the server's answer could not be read: {0}")]
    BadResponse(String),
    #[error("queue: {0}")]
    Queue(#[from] vrs_queue::QueueError),
    #[error("device key: {0}")]
    Key(String),
}

impl SyncError {
    /// Worth trying again later: the network or the server may recover by itself.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable(_) | SyncError::BadResponse(_) => true,
            SyncError::Refused(problem) => {
                problem.status >= 500 || problem.status == 429 || problem.status == 408
            }
            _ => false,
        }
    }
}
