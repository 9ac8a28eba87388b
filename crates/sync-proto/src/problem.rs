//! Errors as RFC 9457 problem details (`application/problem+json`).

use serde::{Deserialize, Serialize};

/// Media type of a problem document.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The kinds of problem the server reports; each has a stable type URI, title and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    MalformedRequest,
    BodyTooLarge,
    TooManyRecords,
    UnsupportedMediaType,
    UnknownDevice,
    RevokedDevice,
    BadRequestSignature,
    RateLimited,
    UnknownActivationCode,
    ExpiredActivationCode,
    UsedActivationCode,
    DeviceAlreadyEnrolled,
    DeviceAlreadyReplaced,
    Unauthorized,
    Forbidden,
    NotFound,
    Internal,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 17] = [
        ProblemKind::MalformedRequest,
        ProblemKind::BodyTooLarge,
        ProblemKind::TooManyRecords,
        ProblemKind::UnsupportedMediaType,
        ProblemKind::UnknownDevice,
        ProblemKind::RevokedDevice,
        ProblemKind::BadRequestSignature,
        ProblemKind::RateLimited,
        ProblemKind::UnknownActivationCode,
        ProblemKind::ExpiredActivationCode,
        ProblemKind::UsedActivationCode,
        ProblemKind::DeviceAlreadyEnrolled,
        ProblemKind::DeviceAlreadyReplaced,
        ProblemKind::Unauthorized,
        ProblemKind::Forbidden,
        ProblemKind::NotFound,
        ProblemKind::Internal,
    ];

    /// The last part of the type URI, e.g. `rate-limited`.
    pub fn slug(self) -> &'static str {
        self.describe().0
    }

    pub fn title(self) -> &'static str {
        self.describe().1
    }

    pub fn status(self) -> u16 {
        self.describe().2
    }

    /// `urn:vrs:problem:<slug>`.
    pub fn type_uri(self) -> String {
        format!("urn:vrs:problem:{}", self.slug())
    }

    pub fn from_type_uri(uri: &str) -> Option<Self> {
        let slug = uri.strip_prefix("urn:vrs:problem:")?;
        Self::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    fn describe(self) -> (&'static str, &'static str, u16) {
        match self {
            ProblemKind::MalformedRequest => {
                ("malformed-request", "The request could not be read", 400)
            }
            ProblemKind::BodyTooLarge => ("body-too-large", "The request body is too large", 413),
            ProblemKind::TooManyRecords => {
                ("too-many-records", "Too many records in one batch", 413)
            }
            ProblemKind::UnsupportedMediaType => {
                ("unsupported-media-type", "The body must be JSON", 415)
            }
            ProblemKind::UnknownDevice => ("unknown-device", "The device is not enrolled", 401),
            ProblemKind::RevokedDevice => ("revoked-device", "The device has been revoked", 403),
            ProblemKind::BadRequestSignature => (
                "bad-request-signature",
                "The request signature does not verify",
                401,
            ),
            ProblemKind::RateLimited => ("rate-limited", "Too many requests from this device", 429),
            ProblemKind::UnknownActivationCode => (
                "unknown-activation-code",
                "The activation code is not known",
                404,
            ),
            ProblemKind::ExpiredActivationCode => (
                "expired-activation-code",
                "The activation code has expired",
                410,
            ),
            ProblemKind::UsedActivationCode => (
                "used-activation-code",
                "The activation code has already been used",
                409,
            ),
            ProblemKind::DeviceAlreadyEnrolled => (
                "device-already-enrolled",
                "The device id is already enrolled",
                409,
            ),
            ProblemKind::DeviceAlreadyReplaced => (
                "device-already-replaced",
                "The device this code replaces already has a replacement",
                409,
            ),
            ProblemKind::Unauthorized => ("unauthorized", "Credentials are missing or wrong", 401),
            ProblemKind::Forbidden => ("forbidden", "Not allowed for these credentials", 403),
            ProblemKind::NotFound => ("not-found", "No such resource", 404),
            ProblemKind::Internal => ("internal", "The server failed", 500),
        }
    }
}

/// An RFC 9457 problem document, with the offending field when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            type_uri: kind.type_uri(),
            title: kind.title().to_string(),
            status: kind.status(),
            detail: detail.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn kind(&self) -> Option<ProblemKind> {
        ProblemKind::from_type_uri(&self.type_uri)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.status, self.detail)?;
        if let Some(field) = &self.field {
            write!(f, " [field {field}]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_document_has_the_rfc_members() {
        let problem = Problem::new(ProblemKind::RateLimited, "120 requests a minute at most")
            .with_field("x-vrs-device");
        let json: serde_json::Value = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "urn:vrs:problem:rate-limited");
        assert_eq!(json["status"], 429);
        assert_eq!(json["title"], "Too many requests from this device");
        assert_eq!(json["field"], "x-vrs-device");
        assert_eq!(problem.kind(), Some(ProblemKind::RateLimited));
    }

    #[test]
    fn every_kind_has_a_distinct_slug_that_round_trips() {
        let mut slugs: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
        for kind in ProblemKind::ALL {
            assert_eq!(ProblemKind::from_type_uri(&kind.type_uri()), Some(kind));
            assert!((400..600).contains(&kind.status()));
        }
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
    }
}
