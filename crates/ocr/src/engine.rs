//! The OCR line reader: our detector and recognizer, with one ocrs engine per reader.
//!
//! ocrs prepares each band of the frame, runs our detector, turns its mask into word boxes and
//! groups them into lines. The reader then cuts each likely line out upright (crate::crop) and
//! runs our recognizer with rten itself, because ocrs's recognition result carries no
//! per-character confidence, and the reader needs one to refuse doubtful reads.

use std::path::Path;

use image::imageops::FilterType;
use image::GrayImage;
use ocrs::{ImageSource, OcrEngine, OcrEngineParams, OcrInput};
use rten::{Dimension, Model};
use rten_tensor::prelude::*;
use rten_tensor::{NdTensor, Tensor};

use crate::bands::split_bands;
use crate::crop::{upright_crop, BLACK};
use crate::decode::{decode_greedy, DecodedLine};
use crate::error::OcrError;
use crate::geometry::{likely_lines, line_box, worth_refining, LineBox};
use crate::tiles;
use crate::tilt::straighten;

/// Classes after the CTC blank, in the recognizer's output order.
pub const ALPHABET: &str = "0123456789";
/// Digits in a ticket's OCR line.
pub const LINE_DIGITS: usize = 18;
/// Below this, the least sure digit makes the whole read doubtful: return nothing rather than
/// a value that might be wrong. Checked on held-out generated photos (models/ocr-line-recognizer.md).
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.80;
/// ocrs pads recognition batches to a multiple of this width; the recognizer was trained so.
const PAD_MULTIPLE: usize = 50;

/// The shipped detector (models/ocr-line-detector.onnx, model card beside it).
static BUNDLED_DETECTOR: &[u8] = include_bytes!("../../../models/ocr-line-detector.onnx");
/// The shipped recognizer (models/ocr-line-recognizer.onnx, model card beside it).
static BUNDLED_RECOGNIZER: &[u8] = include_bytes!("../../../models/ocr-line-recognizer.onnx");

/// Reads the 18-digit OCR line from a grey frame. Build one per process and reuse it.
pub struct OcrLineReader {
    engine: OcrEngine,
    recognizer: Model,
    /// The recognizer's fixed input height.
    line_height: usize,
    alphabet: Vec<char>,
    min_confidence: f32,
}

/// A candidate line as the reader cuts it out for the recognizer.
#[derive(Debug, Clone, PartialEq)]
pub struct LineCrop {
    pub width: usize,
    pub height: usize,
    /// Row-major grey values in [-0.5, 0.5], -0.5 outside the line.
    pub pixels: Vec<f32>,
    /// Centre of the widened line, in the original frame's pixels (x, y).
    pub center: (f32, f32),
}

struct Candidate {
    crop: NdTensor<f32, 2>,
    center: (f32, f32),
    /// A second cut of a line already offered (see [`HEIGHT_VARIANTS`]), read only when no
    /// first cut passed the confidence bar.
    variant: bool,
}

/// Second cuts of each line at these multiples of its box height: a box the detector drew
/// a little too tight or too loose is read with doubt, and the right height often settles it.
const HEIGHT_VARIANTS: [f32; 2] = [0.85, 1.2];

/// One recognised line, whether or not it passed the confidence bar.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRead {
    pub digits: String,
    pub confidences: Vec<f32>,
}

impl OcrLineReader {
    /// Build from model bytes (ONNX or rten format).
    pub fn from_bytes(detector: Vec<u8>, recognizer: Vec<u8>) -> Result<Self, OcrError> {
        let load = |model: &'static str, bytes: Vec<u8>| {
            Model::load(bytes).map_err(|e| OcrError::ModelLoad {
                model,
                reason: e.to_string(),
            })
        };
        let detection = load("detector", detector)?;
        let recognition = load("recognizer", recognizer)?;
        Self::from_models(detection, recognition)
    }

    /// Build from the models shipped in `models/`, compiled into the binary. Loading parses
    /// both models, so build one reader per process and reuse it.
    pub fn bundled() -> Result<Self, OcrError> {
        Self::from_bytes(BUNDLED_DETECTOR.to_vec(), BUNDLED_RECOGNIZER.to_vec())
    }

    /// Build from model files on disk.
    pub fn from_paths(detector: &Path, recognizer: &Path) -> Result<Self, OcrError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| OcrError::ModelFile {
                path: path.to_owned(),
                source,
            })
        };
        Self::from_bytes(read(detector)?, read(recognizer)?)
    }

    fn from_models(detection: Model, recognizer: Model) -> Result<Self, OcrError> {
        let line_height = check_recognizer_shape(&recognizer)?;
        check_detector_shape(&detection)?;
        // ocrs runs the detector and groups words into lines; the line crop and the
        // recognizer are ours (crate::crop), so ocrs gets no recognition model.
        let engine = OcrEngine::new(OcrEngineParams {
            detection_model: Some(detection),
            alphabet: Some(ALPHABET.to_owned()),
            ..Default::default()
        })
        .map_err(|e| OcrError::Engine {
            stage: "engine set-up",
            reason: e.to_string(),
        })?;
        Ok(Self {
            engine,
            recognizer,
            line_height,
            alphabet: ALPHABET.chars().collect(),
            min_confidence: DEFAULT_MIN_CONFIDENCE,
        })
    }

    /// Change the confidence bar (the least sure digit must reach it).
    pub fn with_min_confidence(mut self, min_confidence: f32) -> Self {
        self.min_confidence = min_confidence;
        self
    }

    pub fn min_confidence(&self) -> f32 {
        self.min_confidence
    }

    /// The OCR line if one was read with 18 digits, each at or above the confidence bar.
    pub fn read(&self, gray: &GrayImage) -> Result<Option<LineRead>, OcrError> {
        Ok(self
            .best_read(gray)?
            .filter(|r| r.confidences.iter().all(|&c| c >= self.min_confidence)))
    }

    /// The most confident 18-digit read among the candidate lines, before the confidence bar.
    pub fn best_read(&self, gray: &GrayImage) -> Result<Option<LineRead>, OcrError> {
        let mut best: Option<DecodedLine> = None;
        let (firsts, variants): (Vec<Candidate>, Vec<Candidate>) =
            self.candidates(gray)?.into_iter().partition(|c| !c.variant);
        for candidate in firsts.into_iter().chain(variants) {
            if candidate.variant
                && best
                    .as_ref()
                    .is_some_and(|b| b.min_confidence() >= self.min_confidence)
            {
                break;
            }
            let decoded = self.recognize(candidate.crop)?;
            if decoded.digits.chars().count() != LINE_DIGITS {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|b| decoded.min_confidence() > b.min_confidence())
            {
                best = Some(decoded);
            }
        }
        Ok(best.map(|d| LineRead {
            digits: d.digits,
            confidences: d.confidences,
        }))
    }

    /// The recognizer's input for every candidate line, as the reader cuts it: for training the
    /// recognizer on exactly what the reader will show it (models/training).
    pub fn line_crops(&self, gray: &GrayImage) -> Result<Vec<LineCrop>, OcrError> {
        Ok(self
            .candidates(gray)?
            .into_iter()
            .filter(|c| !c.variant)
            .map(|c| {
                let [height, width] = c.crop.shape();
                LineCrop {
                    width,
                    height,
                    pixels: c.crop.iter().copied().collect(),
                    center: c.center,
                }
            })
            .collect())
    }

    /// Detect lines band by band (see [`crate::tiles`]), keep the likely ones, widen them and
    /// cut them out.
    fn candidates(&self, gray: &GrayImage) -> Result<Vec<Candidate>, OcrError> {
        let plan = tiles::plan(gray.width(), gray.height());
        let scaled;
        let frame = if plan.scale < 1.0 {
            scaled = image::imageops::resize(
                gray,
                plan.scaled_width,
                plan.scaled_height,
                FilterType::Triangle,
            );
            &scaled
        } else {
            gray
        };
        let mut found = Vec::new();
        for &top in &plan.band_tops {
            let band_height = plan.band_height();
            let band;
            let view = if band_height == frame.height() {
                frame
            } else {
                band =
                    image::imageops::crop_imm(frame, 0, top, frame.width(), band_height).to_image();
                &band
            };
            let input = self.prepare(view)?;
            let words = self
                .engine
                .detect_words(&input)
                .map_err(|e| OcrError::Engine {
                    stage: "detection",
                    reason: e.to_string(),
                })?;
            let lines = self.engine.find_text_lines(&input, &words);
            let refined = lines
                .iter()
                .filter_map(|words| line_box(words))
                .filter(worth_refining)
                .flat_map(|b| {
                    let straight = straighten(view, &b);
                    let bands = split_bands(view, &straight);
                    std::iter::once(straight).chain(bands)
                });
            for line in likely_lines(refined) {
                let widened = line.widened();
                let (x, y) = widened.center;
                let center = (x / plan.scale, (y + top as f32) / plan.scale);
                found.push(Candidate {
                    crop: upright_crop(view, &widened, self.line_height),
                    center,
                    variant: false,
                });
                for factor in HEIGHT_VARIANTS {
                    let other = LineBox {
                        height: line.height * factor,
                        ..line
                    };
                    found.push(Candidate {
                        crop: upright_crop(view, &other.widened(), self.line_height),
                        center,
                        variant: true,
                    });
                }
            }
        }
        Ok(found)
    }

    fn prepare(&self, gray: &GrayImage) -> Result<OcrInput, OcrError> {
        let source = ImageSource::from_bytes(gray.as_raw(), gray.dimensions()).map_err(|e| {
            OcrError::Engine {
                stage: "image input",
                reason: e.to_string(),
            }
        })?;
        self.engine
            .prepare_input(source)
            .map_err(|e| OcrError::Engine {
                stage: "image input",
                reason: e.to_string(),
            })
    }

    /// Recognise one cut-out line: pad it as ocrs pads a batch, run the recognizer
    /// with rten and decode the output with per-digit confidence.
    fn recognize(&self, crop: NdTensor<f32, 2>) -> Result<DecodedLine, OcrError> {
        let [height, width] = crop.shape();
        let padded_width = width.next_multiple_of(PAD_MULTIPLE);
        let mut batch = NdTensor::full([1, 1, height, padded_width], BLACK);
        batch.slice_mut((0, 0, .., ..width)).copy_from(&crop);
        let input: Tensor<f32> = batch.into();
        let output = self
            .recognizer
            .run_one(input.view().into(), None)
            .map_err(|e| OcrError::RecognizerOutput {
                reason: e.to_string(),
            })?;
        let output: NdTensor<f32, 3> =
            output.try_into().map_err(|_| OcrError::RecognizerOutput {
                reason: "expected a 3-d float tensor [seq, batch, classes]".into(),
            })?;
        let [steps, _batch, classes] = output.shape();
        if classes != self.alphabet.len() + 1 {
            return Err(OcrError::RecognizerOutput {
                reason: format!(
                    "{classes} classes, expected {} (blank + digits)",
                    self.alphabet.len() + 1
                ),
            });
        }
        let rows: Vec<Vec<f32>> = (0..steps)
            .map(|t| output.slice((t, 0)).iter().copied().collect())
            .collect();
        Ok(decode_greedy(&rows, &self.alphabet))
    }
}

/// The recognizer's fixed input height.
fn check_recognizer_shape(model: &Model) -> Result<usize, OcrError> {
    let shape = model.input_shape(0).ok_or(OcrError::ModelShape {
        model: "recognizer",
        reason: "no input".into(),
    })?;
    match shape.get(2) {
        Some(&Dimension::Fixed(height)) if shape.len() == 4 && height > 0 => Ok(height),
        _ => Err(OcrError::ModelShape {
            model: "recognizer",
            reason: "input must be [N, 1, H, W] with a fixed H".into(),
        }),
    }
}

fn check_detector_shape(model: &Model) -> Result<(), OcrError> {
    let shape = model.input_shape(0).ok_or(OcrError::ModelShape {
        model: "detector",
        reason: "no input".into(),
    })?;
    match shape[..] {
        [_, _, Dimension::Fixed(_), Dimension::Fixed(_)] => Ok(()),
        _ => Err(OcrError::ModelShape {
            model: "detector",
            reason: "input must be [N, 1, H, W] with H and W fixed".into(),
        }),
    }
}
