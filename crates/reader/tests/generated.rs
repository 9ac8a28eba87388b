//! Generated ticket photos and scans (vrs-ticketgen) through the whole reader, OCR included.
#![allow(clippy::unwrap_used)]

use image::{DynamicImage, GrayImage};
use vrs_reader::{LineReader, OcrLine, Reader, ReaderConfig, ReaderError, Status};
use vrs_ticketgen::{content_for_seed, generate, generate_with, Capture, GenOptions, Label, Quad};

fn in_frame(quad: &Quad, width: u32, height: u32) -> bool {
    quad.iter()
        .all(|[x, y]| *x >= 0.0 && *y >= 0.0 && *x <= width as f32 && *y <= height as f32)
}

fn nw7_digits(label: &Label) -> Option<String> {
    label
        .nw7
        .as_ref()
        .map(|p| p.trim_matches(|c: char| matches!(c, 'A'..='D')).to_string())
}

struct Outcome {
    qr_in_frame: bool,
    accepted_right: bool,
}

/// Reads one sample and checks what must hold for every image: no wrong number accepted or
/// offered, and every code value read is the printed one.
fn read_and_check(reader: &Reader, image: DynamicImage, label: &Label) -> Outcome {
    let (width, height) = (image.width(), image.height());
    let report = reader.read_image(&image);
    let context = format!("seed {} ({}): {report:?}", label.seed, label.capture);
    if let Some(qr) = &report.qr {
        assert_eq!(Some(qr), label.qr.as_ref(), "wrong QR value, {context}");
    }
    if let Some(nw7) = &report.nw7 {
        assert!(
            nw7_digits(label).is_some_and(|printed| printed.ends_with(nw7.as_str())),
            "NW-7 value not on the ticket, {context}"
        );
    }
    let ticket = report.verdict.ticket.as_ref().map(|t| t.digits());
    if matches!(
        report.verdict.status,
        Status::Accepted | Status::Unconfirmed
    ) {
        assert_eq!(
            ticket.as_ref(),
            Some(&label.line),
            "wrong ticket, {context}"
        );
    }
    Outcome {
        qr_in_frame: label
            .qr_quad
            .is_some_and(|q| label.qr.is_some() && in_frame(&q, width, height)),
        accepted_right: report.verdict.status == Status::Accepted
            && ticket.as_ref() == Some(&label.line),
    }
}

#[test]
fn camera_photos_and_scans_are_accepted_with_the_printed_line() {
    let reader = Reader::new(ReaderConfig::default()).unwrap();
    let camera = GenOptions::default();
    let scan = GenOptions {
        capture: Capture::FlatbedScan,
        ..GenOptions::default()
    };
    let mut with_qr = 0;
    let mut with_qr_accepted = 0;
    let mut scans_accepted = 0;
    for seed in 0..40 {
        let sample = generate(seed, &camera);
        let outcome = read_and_check(
            &reader,
            DynamicImage::ImageRgb8(sample.image),
            &sample.label,
        );
        if outcome.qr_in_frame {
            with_qr += 1;
            with_qr_accepted += usize::from(outcome.accepted_right);
        }
    }
    let mut scans_with_qr = 0;
    for seed in 100..110 {
        let sample = generate(seed, &scan);
        let outcome = read_and_check(
            &reader,
            DynamicImage::ImageRgb8(sample.image),
            &sample.label,
        );
        if outcome.qr_in_frame {
            scans_with_qr += 1;
            scans_accepted += usize::from(outcome.accepted_right);
        }
    }
    // The benchmark measures ~97 % of whole QR codes in camera frames read; 90 % leaves room
    // for the sample while still catching a broken decoder path.
    assert!(
        with_qr >= 20,
        "only {with_qr} camera frames hold a whole QR code"
    );
    assert!(
        with_qr_accepted * 10 >= with_qr * 9,
        "camera: {with_qr_accepted}/{with_qr} frames with a whole QR code accepted"
    );
    assert!(scans_with_qr >= 5);
    assert_eq!(
        scans_accepted, scans_with_qr,
        "every scan with a QR code must be accepted"
    );
}

#[test]
fn a_qr_code_that_disagrees_with_the_barcode_is_a_mismatch_naming_the_digits() {
    let reader = Reader::new(ReaderConfig {
        run_ocr: false,
        ..ReaderConfig::default()
    })
    .unwrap();
    let options = GenOptions {
        capture: Capture::FlatbedScan,
        degrade: false,
        ..GenOptions::default()
    };
    for seed in [3, 4, 5] {
        let mut content = content_for_seed(seed);
        // Digits 12 and 17 of the QR code differ from the line the barcode holds.
        let mut qr: Vec<u8> = content.line.clone().into_bytes();
        for index in [11, 16] {
            qr[index] = if qr[index] == b'9' {
                b'0'
            } else {
                qr[index] + 1
            };
        }
        content.qr = Some(String::from_utf8(qr).unwrap());
        content.nw7 = Some(format!("A{}A", content.line));
        let sample = generate_with(seed, &content, &options);
        let report = reader.read_image(&DynamicImage::ImageRgb8(sample.image));
        assert_eq!(report.verdict.status, Status::Mismatch, "{report:?}");
        let reason = report.verdict.reason.unwrap();
        assert!(
            reason.contains("digit 12") && reason.contains("digit 17"),
            "{reason}"
        );
        let positions: Vec<usize> = report
            .verdict
            .differences
            .iter()
            .map(|d| d.position)
            .collect();
        assert_eq!(positions, [12, 17]);
        assert!(report.verdict.ticket.is_none());
    }
}

/// A line reader that reports a fixed line with one confidence for every digit: the
/// pluggable OCR path, to check what the reader does with sure and doubtful reads.
struct FixedLine {
    digits: &'static str,
    confidence: f32,
}

impl LineReader for FixedLine {
    fn read_line(&self, _gray: &GrayImage) -> Result<Option<OcrLine>, ReaderError> {
        Ok(Some(OcrLine {
            digits: self.digits.to_string(),
            confidences: vec![self.confidence; self.digits.len()],
        }))
    }
}

#[test]
fn ocr_only_reads_are_unconfirmed_when_sure_and_unreadable_when_doubtful() {
    let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(640, 480, image::Luma([230])));
    let line = "121310160000012345";
    let config = ReaderConfig::default();
    let sure = Reader::with_line_reader(
        config.clone(),
        Box::new(FixedLine {
            digits: line,
            confidence: 0.99,
        }),
    )
    .unwrap();
    let report = sure.read_image(&blank);
    assert_eq!(report.verdict.status, Status::Unconfirmed);
    assert_eq!(report.verdict.ticket.unwrap().digits(), line);

    let doubtful = Reader::with_line_reader(
        config.clone(),
        Box::new(FixedLine {
            digits: line,
            confidence: config.ocr_min_confidence - 0.01,
        }),
    )
    .unwrap();
    let report = doubtful.read_image(&blank);
    assert_eq!(report.verdict.status, Status::Unreadable);
    assert!(report.ocr.is_none());

    // A sure OCR read against a real QR code on a scan: the QR code wins only if they agree.
    let sample = generate(
        7,
        &GenOptions {
            capture: Capture::FlatbedScan,
            degrade: false,
            ..GenOptions::default()
        },
    );
    let report = sure.read_image(&DynamicImage::ImageRgb8(sample.image));
    assert_eq!(report.qr, sample.label.qr, "{report:?}");
    assert_eq!(report.verdict.status, Status::Mismatch, "{report:?}");
}
