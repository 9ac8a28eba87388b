//! What the reader tries on each image.

use crate::error::ReaderError;

/// Settings of a [`crate::Reader`]. `Default` holds the measured choices (docs/benchmarks.md).
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderConfig {
    /// Frames whose longer side exceeds this are downscaled before code decoding: rxing finds
    /// far fewer codes in 8–9 MP frames than in downscaled ones.
    pub max_decode_side: u32,
    /// Further scales (relative to the downscaled frame) tried, in order, for a code the first
    /// pass missed.
    pub extra_scales: Vec<f32>,
    /// When the frame was downscaled and a code is still missing after every scale, try the
    /// frame at full size (thin NW-7 bars in 300-dpi scans vanish when shrunk).
    pub full_size_fallback: bool,
    /// Angles (degrees) of our NW-7 scan lines, tried in order until two lines agree.
    pub nw7_angles: Vec<f32>,
    /// Also try rxing's Codabar reader where ours found nothing (it can return part of a code).
    pub rxing_codabar: bool,
    /// Where every NW-7 decoder missed, fit a blurred model of the whole code to the profile
    /// averaged along its bars (only with `nw7_tickets_only`: it reads ticket-shaped digits).
    pub nw7_model_fit: bool,
    /// Report only NW-7 values a ticket can hold (10 digits, or 18 passing the ticket rules);
    /// Codabar has no check digit, so this keeps pieces of codes and misreads out. Off only
    /// to read other Codabar codes (the zxing test set).
    pub nw7_tickets_only: bool,
    /// Run rqrr as a second opinion on QR codes rxing missed.
    pub run_rqrr: bool,
    /// Where every decoder missed the QR code, try rxing once more on a sharpened frame.
    pub sharpened_qr: bool,
    /// Where every other decoder missed the QR code, find its finder patterns by their rings of
    /// brightness and sample the grid through a searched perspective (`qr_grid`); reports only
    /// ticket payloads.
    pub qr_grid: bool,
    /// Read the OCR line.
    pub run_ocr: bool,
    /// The least sure digit of an OCR read must reach this, or the read is dropped.
    pub ocr_min_confidence: f32,
    /// Files larger than this many bytes are refused before decoding.
    pub max_file_bytes: u64,
    /// Images wider or higher than this many pixels are refused.
    pub max_image_side: u32,
}

/// Default bar for OCR digit confidence; the OCR crate's own choice.
pub const DEFAULT_OCR_MIN_CONFIDENCE: f32 = vrs_ocr::DEFAULT_MIN_CONFIDENCE;

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            max_decode_side: 1600,
            extra_scales: vec![0.5, 0.75],
            full_size_fallback: true,
            nw7_angles: crate::codabar::DEFAULT_ANGLES.to_vec(),
            rxing_codabar: true,
            nw7_model_fit: true,
            nw7_tickets_only: true,
            run_rqrr: true,
            sharpened_qr: true,
            qr_grid: true,
            run_ocr: true,
            ocr_min_confidence: DEFAULT_OCR_MIN_CONFIDENCE,
            max_file_bytes: 100 * 1024 * 1024,
            max_image_side: 12_000,
        }
    }
}

impl ReaderConfig {
    /// Checks every setting; the error names the field.
    pub fn validate(&self) -> Result<(), ReaderError> {
        let fail = |field, reason: String| Err(ReaderError::Config { field, reason });
        if !(64..=20_000).contains(&self.max_decode_side) {
            return fail(
                "max_decode_side",
                format!("{} is outside 64–20000 pixels", self.max_decode_side),
            );
        }
        if let Some(bad) = self
            .extra_scales
            .iter()
            .find(|s| !(s.is_finite() && **s > 0.05 && **s <= 4.0))
        {
            return fail(
                "extra_scales",
                format!("{bad} is outside 0.05–4 (exclusive of 0.05)"),
            );
        }
        if let Some(bad) = self
            .nw7_angles
            .iter()
            .find(|a| !(a.is_finite() && a.abs() <= 90.0))
        {
            return fail("nw7_angles", format!("{bad} is outside ±90 degrees"));
        }
        if !(0.0..=1.0).contains(&self.ocr_min_confidence) {
            return fail(
                "ocr_min_confidence",
                format!("{} is outside 0–1", self.ocr_min_confidence),
            );
        }
        if self.max_file_bytes == 0 {
            return fail("max_file_bytes", "must be above 0".into());
        }
        if self.max_image_side < 16 {
            return fail(
                "max_image_side",
                format!("{} is below 16 pixels", self.max_image_side),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_fields_are_named() {
        assert!(ReaderConfig::default().validate().is_ok());
        let cases: [(&str, ReaderConfig); 4] = [
            (
                "max_decode_side",
                ReaderConfig {
                    max_decode_side: 10,
                    ..Default::default()
                },
            ),
            (
                "extra_scales",
                ReaderConfig {
                    extra_scales: vec![f32::NAN],
                    ..Default::default()
                },
            ),
            (
                "ocr_min_confidence",
                ReaderConfig {
                    ocr_min_confidence: 1.5,
                    ..Default::default()
                },
            ),
            (
                "max_image_side",
                ReaderConfig {
                    max_image_side: 0,
                    ..Default::default()
                },
            ),
        ];
        for (field, config) in cases {
            let message = config.validate().unwrap_err().to_string();
            assert!(message.contains(field), "{message}");
        }
    }
}
