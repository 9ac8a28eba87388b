//! The OCR line, read through a pluggable [`LineReader`]; the default is the project's models.

use image::GrayImage;

use crate::error::ReaderError;

/// The 18-digit line as an OCR engine read it, with each digit's confidence in 0–1.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    pub digits: String,
    pub confidences: Vec<f32>,
}

impl OcrLine {
    /// The confidence of the least sure digit (0 when there are none).
    pub fn min_confidence(&self) -> f32 {
        self.confidences
            .iter()
            .copied()
            .reduce(f32::min)
            .unwrap_or(0.0)
    }
}

/// Reads the OCR line from a grey frame. `Ok(None)` when no line was read with confidence.
pub trait LineReader: Send + Sync {
    fn read_line(&self, gray: &GrayImage) -> Result<Option<OcrLine>, ReaderError>;
}

/// The project's own detector and recognizer (crates/ocr), compiled into the binary.
pub struct ModelLineReader {
    inner: vrs_ocr::OcrLineReader,
}

impl ModelLineReader {
    /// Loads the bundled models once; reuse the reader for every frame.
    pub fn bundled(min_confidence: f32) -> Result<Self, ReaderError> {
        let inner = vrs_ocr::OcrLineReader::bundled()
            .map_err(|e| ReaderError::Ocr {
                reason: e.to_string(),
            })?
            .with_min_confidence(min_confidence);
        Ok(ModelLineReader { inner })
    }
}

impl LineReader for ModelLineReader {
    fn read_line(&self, gray: &GrayImage) -> Result<Option<OcrLine>, ReaderError> {
        let read = self.inner.read(gray).map_err(|e| ReaderError::Ocr {
            reason: e.to_string(),
        })?;
        Ok(read.map(|r| OcrLine {
            digits: r.digits,
            confidences: r.confidences,
        }))
    }
}

/// Keeps a read only when it is a whole line and every digit reaches the bar, so that a
/// doubtful OCR-only read ends up unreadable rather than a wrong unconfirmed ticket.
pub(crate) fn trusted(line: OcrLine, min_confidence: f32) -> Option<OcrLine> {
    let whole = line.digits.len() == vrs_ticket::LINE_LEN
        && line.digits.bytes().all(|b| b.is_ascii_digit())
        && line.confidences.len() == line.digits.len();
    let sure = line
        .confidences
        .iter()
        .all(|c| c.is_finite() && *c >= min_confidence);
    (whole && sure).then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(digits: &str, confidence: f32) -> OcrLine {
        OcrLine {
            digits: digits.into(),
            confidences: vec![confidence; digits.len()],
        }
    }

    #[test]
    fn doubtful_or_partial_reads_are_dropped() {
        let good = "121310160000012345";
        assert!(trusted(line(good, 0.95), 0.8).is_some());
        assert!(trusted(line(good, 0.5), 0.8).is_none());
        assert!(trusted(line(&good[..17], 0.99), 0.8).is_none());
        assert!(trusted(line("12131016000001234x", 0.99), 0.8).is_none());
        let mut one_low = line(good, 0.99);
        one_low.confidences[7] = 0.79;
        assert!(trusted(one_low, 0.8).is_none());
        let mut missing = line(good, 0.99);
        missing.confidences.pop();
        assert!(trusted(missing, 0.8).is_none());
        let mut nan = line(good, 0.99);
        nan.confidences[0] = f32::NAN;
        assert!(trusted(nan, 0.8).is_none());
    }
}
