//! Wire format of tablet-to-server sync.
//!
//! - [`canonical`]: the deterministic byte encoding of a record that devices sign (version 1).
//! - [`signing`]: Ed25519 device keys (ring) over the canonical encoding and over request bodies.
//! - [`batch`]: the record signatures of one upload checked together (the server's hot path).
//! - [`messages`]: the JSON bodies of enrolment and upload, and the per-record acknowledgements.
//! - [`problem`]: errors as RFC 9457 problem details.

pub mod batch;
pub mod canonical;
pub mod messages;
pub mod problem;
pub mod signing;

pub use batch::verify_records_batch;
pub use canonical::{canonical_bytes, content_hash, content_hash_of_canonical, CANONICAL_VERSION};
pub use messages::{
    paths, EnrollRequest, EnrollResponse, Outcome, RecordFlag, RecordResult, SignedRecord,
    UploadRequest, UploadResponse, DEVICE_HEADER, SIGNATURE_HEADER,
};
pub use problem::{Problem, ProblemKind, PROBLEM_CONTENT_TYPE};
pub use signing::{parse_public_key, verify_body, verify_record, DeviceKey, SignatureError};
