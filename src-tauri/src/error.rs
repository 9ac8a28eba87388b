//! The one error type commands return; the UI shows `message` and branches on `code`.

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{field}: {reason}")]
    Field { field: String, reason: String },
    #[error("the PIN is wrong")]
    WrongPin,
    #[error("the record queue is locked; unlock it with the PIN first")]
    Locked,
    #[error("no session is set: choose venue, vaccine, lot, date and dose first")]
    NoSession,
    #[error("{0} is not built into this app yet")]
    NotAvailable(&'static str),
    #[error("camera: {0}")]
    Camera(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The queue refused or failed; its message names the field or the cause.
    #[error(transparent)]
    Queue(#[from] vrs_queue::QueueError),
    #[error("{0}")]
    Other(String),
}

impl AppError {
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Field { .. } => "field",
            AppError::WrongPin => "wrong_pin",
            AppError::Locked => "locked",
            AppError::NoSession => "no_session",
            AppError::NotAvailable(_) => "not_available",
            AppError::Camera(_) => "camera",
            AppError::Io { .. } => "io",
            AppError::Queue(e) => queue_code(e),
            AppError::Other(_) => "other",
        }
    }
}

fn queue_code(e: &vrs_queue::QueueError) -> &'static str {
    use vrs_queue::QueueError as Q;
    match e {
        Q::WrongPin { .. } => "wrong_pin",
        Q::Locked { .. } => "locked_out",
        Q::PinRule(_) | Q::Field(_) | Q::Ticket(_) => "field",
        Q::Duplicate { .. } => "duplicate",
        Q::NoSession => "no_session",
        Q::NotFound(_) | Q::VersionNotFound { .. } => "not_found",
        Q::DiskFull => "disk_full",
        _ => "queue",
    }
}

impl From<vrs_record::FieldError> for AppError {
    fn from(e: vrs_record::FieldError) -> Self {
        Self::field(e.field, e.reason)
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let field = match self {
            AppError::Field { field, .. } => Some(field.as_str()),
            AppError::Queue(vrs_queue::QueueError::Field(e)) => Some(e.field),
            AppError::Queue(vrs_queue::QueueError::PinRule(_)) => Some("pin"),
            _ => None,
        };
        Wire {
            code: self.code(),
            message: self.to_string(),
            field,
        }
        .serialize(serializer)
    }
}

pub type AppResult<T> = Result<T, AppError>;
