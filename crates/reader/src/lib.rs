//! Reads a ticket image: the QR and NW-7 (Codabar) codes, the OCR line, and the verdict.
//!
//! ```no_run
//! use vrs_reader::{Reader, ReaderConfig};
//! let reader = Reader::new(ReaderConfig::default())?; // loads the OCR models once
//! let report = reader.read_path(std::path::Path::new("ticket.jpg"))?;
//! println!("{} {:?}", report.verdict.status, report.qr);
//! # Ok::<(), vrs_reader::ReaderError>(())
//! ```
//!
//! rxing decodes both codes, on a frame downscaled to [`ReaderConfig::max_decode_side`] and
//! then at [`ReaderConfig::extra_scales`]; rqrr can run as a second opinion on QR codes, and
//! where every decoder missed, [`qr_grid`] samples the grid itself (motion blur, keystone). NW-7
//! codes are read by the project's own scanner ([`codabar`]): edges along scan lines first,
//! then, for codes whose narrow bars blur into grey, a fit of a blurred model of the whole
//! code ([`codabar::fit_codabar`], [`ReaderConfig::nw7_model_fit`]). The
//! OCR line goes through a [`LineReader`], by default the project's models ([`ModelLineReader`]);
//! a read with any digit below the confidence bar is dropped. `vrs_ticket::reconcile` gives the
//! verdict.

pub mod codabar;
pub mod codes;
mod config;
mod error;
mod line;
mod load;
mod qr_finder;
pub mod qr_grid;
mod qr_modules;
mod reader;
mod scale;

pub use config::{ReaderConfig, DEFAULT_OCR_MIN_CONFIDENCE};
pub use error::ReaderError;
pub use line::{LineReader, ModelLineReader, OcrLine};
pub use reader::{Reader, ScanReport};
pub use vrs_ticket::{Status, Verdict};
