//! Reads the ticket's 18-digit OCR line with the project's own models (models/), through ocrs.
//!
//! [`OcrLineReader`] finds the line with the detector, widens it, lets ocrs cut it out, and
//! reads it with the recognizer, giving each digit a confidence. A read whose least sure digit
//! falls below the bar is dropped, so a doubtful OCR-only read becomes "unreadable" upstream
//! rather than a wrong value. [`LineConsensus`] is the live-mode rule: an OCR-only value is
//! offered only after two frames agree.

mod consensus;
mod decode;
mod engine;
mod error;
mod geometry;

pub use consensus::LineConsensus;
pub use decode::{decode_greedy, DecodedLine};
pub use engine::{LineRead, OcrLineReader, ALPHABET, DEFAULT_MIN_CONFIDENCE, LINE_DIGITS};
pub use error::OcrError;
pub use geometry::{END_MARGIN, MAX_CANDIDATES};
