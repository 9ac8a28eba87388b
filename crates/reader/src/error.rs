use std::path::PathBuf;

/// Why an image could not be read, or the reader could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is larger than the reader accepts (bytes or pixels).
    #[error("{path}: refused: {reason}")]
    TooLarge { path: PathBuf, reason: String },
    /// The file is not an image, or a corrupt or truncated one.
    #[error("{path}: not a readable image: {reason}")]
    NotAnImage { path: PathBuf, reason: String },
    /// A setting in [`crate::ReaderConfig`] is out of range.
    #[error("reader config {field}: {reason}")]
    Config { field: &'static str, reason: String },
    /// The OCR engine could not be loaded or failed on a frame.
    #[error("OCR: {reason}")]
    Ocr { reason: String },
}
