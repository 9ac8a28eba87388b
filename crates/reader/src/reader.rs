//! The reader: one image in, the three reads and their verdict out.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use image::{DynamicImage, GrayImage};
use vrs_ticket::{reconcile, Reads, Verdict};

use crate::codabar::{fit_codabar, plausible_ticket_nw7, scan_codabar, MIN_PAYLOAD};
use crate::codes::{rqrr_decode, rxing_decode, Decoder, Symbology};
use crate::config::ReaderConfig;
use crate::error::ReaderError;
use crate::line::{trusted, LineReader, ModelLineReader, OcrLine};
use crate::load::load_image;
use crate::qr_grid::{grid_decode_qr, plausible_ticket_qr};
use crate::scale::{fit_within, scaled};

/// What was read from one image, and the verdict on it.
#[derive(Debug, Clone)]
pub struct ScanReport {
    pub verdict: Verdict,
    /// The OCR line, only when every digit reached the confidence bar.
    pub ocr: Option<OcrLine>,
    /// The QR payload exactly as decoded, even when it is no ticket.
    pub qr: Option<String>,
    /// Which decoder read the QR code.
    pub qr_decoder: Option<Decoder>,
    /// The NW-7 (Codabar) payload without start/stop letters.
    pub nw7: Option<String>,
    /// Problems that did not stop the read (e.g. the OCR engine failing on this frame).
    pub warnings: Vec<String>,
    pub elapsed: Duration,
}

/// Reads ticket images. Build one per process (it loads the OCR models) and share it.
pub struct Reader {
    config: ReaderConfig,
    line_reader: Option<Box<dyn LineReader>>,
}

impl Reader {
    /// A reader with the project's bundled OCR models (when `run_ocr` is set).
    pub fn new(config: ReaderConfig) -> Result<Reader, ReaderError> {
        config.validate()?;
        let line_reader: Option<Box<dyn LineReader>> = if config.run_ocr {
            Some(Box::new(ModelLineReader::bundled(
                config.ocr_min_confidence,
            )?))
        } else {
            None
        };
        Ok(Reader {
            config,
            line_reader,
        })
    }

    /// A reader that reads the OCR line with `line_reader` (used whatever `run_ocr` says).
    pub fn with_line_reader(
        config: ReaderConfig,
        line_reader: Box<dyn LineReader>,
    ) -> Result<Reader, ReaderError> {
        config.validate()?;
        Ok(Reader {
            config,
            line_reader: Some(line_reader),
        })
    }

    pub fn config(&self) -> &ReaderConfig {
        &self.config
    }

    /// Opens and reads an image file. Unreadable, corrupt or oversized files are errors.
    pub fn read_path(&self, path: &Path) -> Result<ScanReport, ReaderError> {
        let started = Instant::now();
        let image = load_image(path, &self.config)?;
        let mut report = self.read_image(&image);
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Reads a decoded image.
    pub fn read_image(&self, image: &DynamicImage) -> ScanReport {
        let started = Instant::now();
        let gray = image.to_luma8();
        let mut warnings = Vec::new();
        let (qr, qr_decoder, nw7) = self.read_codes(&gray);
        let ocr = match &self.line_reader {
            Some(reader) => match reader.read_line(&gray) {
                Ok(line) => line.and_then(|l| trusted(l, self.config.ocr_min_confidence)),
                Err(e) => {
                    warnings.push(e.to_string());
                    None
                }
            },
            None => None,
        };
        let verdict = reconcile(&Reads {
            ocr: ocr.as_ref().map(|l| l.digits.as_str()),
            qr: qr.as_deref(),
            nw7: nw7.as_deref(),
        });
        ScanReport {
            verdict,
            ocr,
            qr,
            qr_decoder,
            nw7,
            warnings,
            elapsed: started.elapsed(),
        }
    }

    fn read_codes(&self, gray: &GrayImage) -> (Option<String>, Option<Decoder>, Option<String>) {
        let mut views = Views::new(gray, &self.config);
        let mut qr = None;
        let mut nw7 = None;
        let tickets_only = self.config.nw7_tickets_only;
        let accept = move |text: &str| !tickets_only || plausible_ticket_nw7(text);
        for index in 0..views.len() {
            let view = views.get(index);
            if qr.is_none() {
                qr = rxing_decode(view, Symbology::Qr).map(|t| (t, Decoder::Rxing));
            }
            if nw7.is_none() {
                nw7 = scan_codabar(view, &self.config.nw7_angles, &accept);
            }
            if nw7.is_none() && self.config.rxing_codabar {
                // rxing returns pieces of codes too; the shortest pieces are the likeliest.
                nw7 = rxing_decode(view, Symbology::Codabar)
                    .filter(|text| text.chars().count() >= MIN_PAYLOAD && accept(text));
            }
            if qr.is_some() && nw7.is_some() {
                break;
            }
        }
        if nw7.is_none() && self.config.nw7_model_fit && tickets_only {
            // Codes too blurred for edges: fit a model of the whole code, at the decode size.
            nw7 = fit_codabar(views.get(0), &accept);
        }
        if qr.is_none() && self.config.run_rqrr {
            qr = (0..views.len())
                .find_map(|index| rqrr_decode(views.get(index)))
                .map(|t| (t, Decoder::Rqrr));
        }
        if qr.is_none() && self.config.sharpened_qr {
            // Defocused frames: edges restored by unsharp masking let rxing find the finders.
            let sharpened = image::imageops::unsharpen(views.get(0), 1.5, 0);
            qr = rxing_decode(&sharpened, Symbology::Qr).map(|t| (t, Decoder::Rxing));
        }
        if qr.is_none() && self.config.qr_grid {
            // Motion blur and strong keystone: finders from brightness rings, grid searched.
            qr = grid_decode_qr(views.get(0), &plausible_ticket_qr).map(|t| (t, Decoder::Grid));
        }
        let (qr, decoder) = qr.unzip();
        (qr, decoder, nw7)
    }
}

/// The frame at the decode size, then at each extra scale (each made only when first needed),
/// then at full size when it was downscaled and the fallback is on.
struct Views<'a> {
    original: &'a GrayImage,
    base: Cow<'a, GrayImage>,
    scales: &'a [f32],
    made: Vec<Option<GrayImage>>,
    full_size: bool,
}

impl<'a> Views<'a> {
    fn new(gray: &'a GrayImage, config: &'a ReaderConfig) -> Self {
        let base = match fit_within(gray, config.max_decode_side) {
            Some(smaller) => Cow::Owned(smaller),
            None => Cow::Borrowed(gray),
        };
        let full_size = config.full_size_fallback && matches!(base, Cow::Owned(_));
        Views {
            original: gray,
            base,
            scales: &config.extra_scales,
            made: vec![None; config.extra_scales.len()],
            full_size,
        }
    }

    fn len(&self) -> usize {
        1 + self.scales.len() + usize::from(self.full_size)
    }

    fn get(&mut self, index: usize) -> &GrayImage {
        if index == 0 {
            return &self.base;
        }
        if index > self.scales.len() {
            return self.original;
        }
        let base = &self.base;
        let factor = self.scales[index - 1];
        self.made[index - 1].get_or_insert_with(|| scaled(base, factor))
    }
}
