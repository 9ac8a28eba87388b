use std::path::PathBuf;

/// Why the OCR line reader could not be built or could not run.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// A model file could not be read from disk.
    #[error("model file {path}: {source}")]
    ModelFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A model's bytes are not a model rten can load.
    #[error("{model} model: cannot load: {reason}")]
    ModelLoad { model: &'static str, reason: String },
    /// A model loaded but does not have the shape this reader needs.
    #[error("{model} model: {reason}")]
    ModelShape { model: &'static str, reason: String },
    /// ocrs rejected the engine settings or failed while running a model.
    #[error("ocrs {stage}: {reason}")]
    Engine { stage: &'static str, reason: String },
    /// The recognizer ran but its output did not have the expected form.
    #[error("recognizer output: {reason}")]
    RecognizerOutput { reason: String },
}
