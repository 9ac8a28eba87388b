//! The QR and NW-7 (Codabar) codes: rxing first, rqrr as a second opinion for QR codes.
//!
//! Both decoders run under `catch_unwind`: rqrr has panicked on real photos, and no image may
//! bring the process down.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::GrayImage;
use rxing::common::GlobalHistogramBinarizer;
use rxing::helpers::detect_in_luma_slice_with_hints;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, MultiFormatReader, Reader};

/// Which decoder read a code (for benchmarks and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    Rxing,
    Rqrr,
    /// The project's grid sampler (`qr_grid`), decoding through rxing's bit-matrix decoder.
    Grid,
}

/// Symbologies the reader looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbology {
    Qr,
    Codabar,
}

impl Symbology {
    fn rxing_format(self) -> BarcodeFormat {
        match self {
            Symbology::Qr => BarcodeFormat::QR_CODE,
            Symbology::Codabar => BarcodeFormat::CODABAR,
        }
    }
}

/// One code's text as rxing decodes it from a grey frame; Codabar without start/stop letters.
pub fn rxing_decode(gray: &GrayImage, symbology: Symbology) -> Option<String> {
    let (width, height) = gray.dimensions();
    if width == 0 || height == 0 {
        return None;
    }
    let format = symbology.rxing_format();
    let mut hints = DecodeHints {
        PossibleFormats: Some(HashSet::from([format])),
        TryHarder: Some(true),
        ..Default::default()
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        detect_in_luma_slice_with_hints(gray.as_raw(), width, height, Some(format), &mut hints)
    }));
    match result {
        Ok(Ok(found)) => Some(found.getText().to_string()),
        _ => None,
    }
}

/// Like [`rxing_decode`], with one black/white threshold for each row from the frame's
/// histogram instead of a local one (rxing's hybrid binarizer).
pub fn rxing_decode_global(gray: &GrayImage, symbology: Symbology) -> Option<String> {
    let (width, height) = gray.dimensions();
    if width == 0 || height == 0 {
        return None;
    }
    let format = symbology.rxing_format();
    let hints = DecodeHints {
        PossibleFormats: Some(HashSet::from([format])),
        TryHarder: Some(true),
        ..Default::default()
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let source = Luma8Source::new_with_slice(gray.as_raw(), width, height).ok()?;
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source));
        MultiFormatReader::default()
            .decode_with_hints(&mut bitmap, &hints)
            .ok()
    }));
    result
        .ok()
        .flatten()
        .map(|found| found.getText().to_string())
}

/// The first QR code rqrr decodes in a grey frame (rqrr only returns UTF-8 payloads).
pub fn rqrr_decode(gray: &GrayImage) -> Option<String> {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    if width == 0 || height == 0 {
        return None;
    }
    let pixels = gray.as_raw();
    catch_unwind(AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            pixels[y * width + x]
        });
        prepared
            .detect_grids()
            .iter()
            .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
    }))
    .ok()
    .flatten()
}
