//! The tablet side of sync.
//!
//! - [`enroll`]: makes the device's Ed25519 key pair, sends the public key with a one-time
//!   activation code, and keeps the private key sealed in the queue ([`vrs_queue::Queue::put_secret`]).
//! - [`sync_once`]: uploads every pending version in signed batches; each version is marked
//!   synced only on the server's acknowledgement of it, or quarantined with the server's reason.
//! - [`watch`]: runs [`sync_once`] again and again, backing off with jitter while the server
//!   cannot be reached, so sync resumes by itself when connectivity returns.

mod backoff;
mod enrolment;
mod error;
mod http;
mod summary;
mod upload;
mod watch;

pub use backoff::Backoff;
pub use enrolment::{
    enroll, load_enrolment, Enrolment, ServerConfig, ENROLMENT_SECRET, KEY_SECRET,
};
pub use error::SyncError;
pub use summary::SyncSummary;
pub use upload::{sync_once, SyncFailure, SyncOptions};
pub use watch::{watch, WatchEvent};
