#![allow(clippy::unwrap_used)]
//! The shipped models, through the bundled reader, read generated camera photos of tickets:
//! a broken or badly trained model cannot land. Seeds from 9,500,000 are never used in
//! training (models/training/run.sh).

use vrs_ocr::{LineRead, OcrLineReader, LINE_DIGITS};
use vrs_ticketgen::{generate, Capture, GenOptions};

const PHOTOS: u64 = 100;
const FIRST_SEED: u64 = 9_500_000;
/// The bar for this test: at least 98 % of the photos read exactly.
const MIN_EXACT: usize = 98;

struct Outcome {
    truth: String,
    read: Option<LineRead>,
    best: Option<LineRead>,
}

fn read_photos(reader: &OcrLineReader, seeds: impl Iterator<Item = u64>) -> Vec<Outcome> {
    let options = GenOptions {
        capture: Capture::Camera {
            width: 1280,
            height: 720,
        },
        ..GenOptions::default()
    };
    seeds
        .map(|seed| {
            let sample = generate(seed, &options);
            let gray = image::DynamicImage::ImageRgb8(sample.image).to_luma8();
            Outcome {
                truth: sample.label.line,
                read: reader.read(&gray).unwrap(),
                best: reader.best_read(&gray).unwrap(),
            }
        })
        .collect()
}

#[test]
fn bundled_models_read_generated_photos_and_refuse_doubtful_reads() {
    let reader = OcrLineReader::bundled().unwrap();
    // One reader shared by two threads, as an app would share its one engine.
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let reader = &reader;
        let half = FIRST_SEED + PHOTOS / 2;
        let first = scope.spawn(move || read_photos(reader, FIRST_SEED..half));
        let second = read_photos(reader, half..FIRST_SEED + PHOTOS);
        let mut all = first.join().unwrap();
        all.extend(second);
        all
    });
    assert_eq!(outcomes.len() as u64, PHOTOS);

    let mut exact = 0;
    let mut wrong = Vec::new();
    for o in &outcomes {
        if let Some(read) = &o.read {
            assert_eq!(read.digits.len(), LINE_DIGITS);
            assert_eq!(
                read.confidences.len(),
                LINE_DIGITS,
                "one confidence per digit"
            );
            assert!(
                read.confidences
                    .iter()
                    .all(|&c| c >= reader.min_confidence() && c <= 1.0),
                "a returned read has a digit below the bar: {:?}",
                read.confidences
            );
            if read.digits == o.truth {
                exact += 1;
            } else {
                wrong.push((o.truth.clone(), read.digits.clone()));
            }
        }
        // A read is withheld exactly when the best candidate has a doubtful digit.
        let best_passes = o
            .best
            .as_ref()
            .is_some_and(|b| b.confidences.iter().all(|&c| c >= reader.min_confidence()));
        assert_eq!(o.read.is_some(), best_passes);
    }
    assert!(
        wrong.is_empty(),
        "confident wrong reads (truth, read): {wrong:?}"
    );
    assert!(
        exact >= MIN_EXACT,
        "{exact} of {PHOTOS} photos read exactly, need {MIN_EXACT}"
    );
}

#[test]
fn a_low_confidence_bar_change_is_honoured() {
    // With the bar above 1 nothing can pass; the read is refused, never returned doubtful.
    let reader = OcrLineReader::bundled().unwrap().with_min_confidence(1.01);
    let outcomes = read_photos(&reader, FIRST_SEED..FIRST_SEED + 3);
    assert!(outcomes.iter().all(|o| o.read.is_none()));
    assert!(
        outcomes.iter().any(|o| o.best.is_some()),
        "the line was still found"
    );
}
