//! The OCR line reader: our detector and recognizer, run through one ocrs engine.
//!
//! ocrs does the frame preparation, runs the detector, turns its mask into boxes and lines, and
//! cuts each line out the way the recognizer was trained on. The recognizer itself is run here
//! with rten on ocrs's prepared crop, because ocrs's own recognition result carries no
//! per-character confidence, and the reader needs one to refuse doubtful reads.

use std::path::Path;

use image::GrayImage;
use ocrs::{ImageSource, OcrEngine, OcrEngineParams, OcrInput};
use rten::{Dimension, Model};
use rten_imageproc::RotatedRect;
use rten_tensor::prelude::*;
use rten_tensor::{NdTensor, Tensor};

use crate::decode::{decode_greedy, DecodedLine};
use crate::error::OcrError;
use crate::geometry::{candidate_lines, widen_line};

/// Classes after the CTC blank, in the recognizer's output order.
pub const ALPHABET: &str = "0123456789";
/// Digits in a ticket's OCR line.
pub const LINE_DIGITS: usize = 18;
/// Below this, the least sure digit makes the whole read doubtful: return nothing rather than
/// a value that might be wrong. Chosen on held-out generated photos (models/README.md).
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.80;
/// ocrs pads recognition batches to a multiple of this width; the recognizer was trained so.
const PAD_MULTIPLE: usize = 50;
/// Grey value ocrs uses for "outside the line" and for padding.
const BLACK: f32 = -0.5;

/// The shipped detector (models/ocr-line-detector.onnx, model card beside it).
static BUNDLED_DETECTOR: &[u8] = include_bytes!("../../../models/ocr-line-detector.onnx");
/// The shipped recognizer (models/ocr-line-recognizer.onnx, model card beside it).
static BUNDLED_RECOGNIZER: &[u8] = include_bytes!("../../../models/ocr-line-recognizer.onnx");

/// Reads the 18-digit OCR line from a grey frame. Build one per process and reuse it.
pub struct OcrLineReader {
    engine: OcrEngine,
    recognizer: Model,
    alphabet: Vec<char>,
    min_confidence: f32,
}

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
        let recognition = load("recognizer", recognizer.clone())?;
        let own_recognizer = load("recognizer", recognizer)?;
        Self::from_models(detection, recognition, own_recognizer)
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

    fn from_models(
        detection: Model,
        recognition: Model,
        recognizer: Model,
    ) -> Result<Self, OcrError> {
        check_recognizer_shape(&recognizer)?;
        check_detector_shape(&detection)?;
        let engine = OcrEngine::new(OcrEngineParams {
            detection_model: Some(detection),
            recognition_model: Some(recognition),
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
        let input = self.prepare(gray)?;
        let words = self
            .engine
            .detect_words(&input)
            .map_err(|e| OcrError::Engine {
                stage: "detection",
                reason: e.to_string(),
            })?;
        let lines = self.engine.find_text_lines(&input, &words);
        let mut best: Option<DecodedLine> = None;
        for line in candidate_lines(lines) {
            let decoded = self.recognize(&input, &widen_line(&line))?;
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

    /// Recognise one line (word boxes, already widened): ocrs cuts and resizes it, rten runs
    /// the recognizer, and the output is decoded with per-digit confidence.
    fn recognize(&self, input: &OcrInput, words: &[RotatedRect]) -> Result<DecodedLine, OcrError> {
        let crop = self
            .engine
            .prepare_recognition_input(input, words)
            .map_err(|e| OcrError::Engine {
                stage: "line crop",
                reason: e.to_string(),
            })?;
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

fn check_recognizer_shape(model: &Model) -> Result<(), OcrError> {
    let shape = model.input_shape(0).ok_or(OcrError::ModelShape {
        model: "recognizer",
        reason: "no input".into(),
    })?;
    match shape.get(2) {
        Some(Dimension::Fixed(_)) if shape.len() == 4 => Ok(()),
        _ => Err(OcrError::ModelShape {
            model: "recognizer",
            reason: "input must be [N, 1, H, W] with a fixed H (ocrs otherwise assumes 50)".into(),
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
