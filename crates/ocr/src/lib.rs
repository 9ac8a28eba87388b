//! Reads the ticket's 18-digit OCR line with the project's own models (models/), through ocrs.
//!
//! [`OcrLineReader`] finds the line with the detector through ocrs, widens it, cuts it out
//! upright, and reads it with the recognizer, giving each digit a confidence. A read whose
//! least sure digit falls below the bar is dropped, so a doubtful OCR-only read becomes "unreadable" upstream
//! rather than a wrong value. [`LineConsensus`] is the live-mode rule: an OCR-only value is
//! offered only after two frames agree.

mod bands;
mod consensus;
mod crop;
mod decode;
mod engine;
mod error;
mod geometry;
mod tiles;
mod tilt;

pub use consensus::LineConsensus;
pub use crop::upright_crop;
pub use decode::{decode_greedy, DecodedLine};
pub use engine::{
    LineCrop, LineRead, OcrLineReader, ALPHABET, DEFAULT_MIN_CONFIDENCE, LINE_DIGITS,
};
pub use error::OcrError;
pub use geometry::{line_box, LineBox, END_MARGIN, MAX_CANDIDATES};
pub use tiles::{plan as tile_plan, TilePlan, MIN_OVERLAP, TILE_HEIGHT, TILE_WIDTH};
