//! The vaccination record: who (the ticket), when, where, which vaccine lot, which dose,
//! and how the ticket was read. Shared by the tablet queue, the sync protocol and the server.

mod clock;
#[cfg(feature = "test-support")]
pub mod example;
mod maker;
mod record;

pub use clock::{check_vaccination_time, ClockError, EARLIEST_VACCINATION};
pub use maker::VACCINE_MAKERS;
pub use record::{
    check_text, FieldError, RecordStatus, ScanEvidence, VaccinationRecord, FIELD_LIMITS,
};
pub use uuid::Uuid;
