//! Rules of the vaccination ticket (接種券), free of any I/O.
//!
//! - [`Ticket`]: the 18-digit OCR line parsed into typed fields.
//! - [`payload`]: what a QR or NW-7 (Codabar) code holds, normalised to digits.
//! - [`reconcile`]: the verdict on what the camera read from the line and the codes.

mod error;
mod municipality;
pub mod payload;
pub mod reconcile;
mod ticket;

pub use error::{Field, TicketError};
pub use municipality::{municipality_check_digit, MunicipalityCode};
pub use reconcile::{reconcile, DigitDifference, Reads, Source, Status, Verdict};
pub use ticket::{Ticket, LINE_LEN, TICKET_NUMBER_LEN};
