#![allow(clippy::unwrap_used)]
//! The generator's promises: deterministic from the seed, valid tickets, labels that match
//! what was drawn, and errors instead of panics for unusable options.

use vrs_reader::codes::{rxing_decode, Symbology};
use vrs_ticket::Ticket;
use vrs_ticketgen::{
    content_for_seed, try_generate, try_generate_with, Capture, GenError, GenOptions,
};

fn small_camera() -> GenOptions {
    GenOptions {
        capture: Capture::Camera {
            width: 640,
            height: 360,
        },
        ..GenOptions::default()
    }
}

#[test]
fn same_seed_gives_the_same_image_and_label() {
    let a = try_generate(42, &small_camera()).unwrap();
    let b = try_generate(42, &small_camera()).unwrap();
    assert_eq!(a.label, b.label);
    assert!(a.image.as_raw() == b.image.as_raw(), "pixels differ");
    let c = try_generate(43, &small_camera()).unwrap();
    assert_ne!(a.label.line, c.label.line);
}

#[test]
fn every_generated_line_passes_the_ticket_rules() {
    for seed in 0..300 {
        let content = content_for_seed(seed);
        Ticket::parse(&content.line).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        if let Some(qr) = &content.qr {
            assert_eq!(qr, &content.line, "seed {seed}");
        }
        if let Some(nw7) = &content.nw7 {
            let digits = &nw7[1..nw7.len() - 1];
            assert!(content.line.ends_with(digits), "seed {seed}: {nw7}");
        }
    }
}

#[test]
fn the_line_quad_lies_inside_the_frame_and_is_wider_than_tall() {
    for seed in 0..8 {
        let sample = try_generate(seed, &small_camera()).unwrap();
        let quad = sample.label.line_quad;
        let (w, h) = (sample.image.width() as f32, sample.image.height() as f32);
        let width = ((quad[1][0] - quad[0][0]).powi(2) + (quad[1][1] - quad[0][1]).powi(2)).sqrt();
        let height = ((quad[3][0] - quad[0][0]).powi(2) + (quad[3][1] - quad[0][1]).powi(2)).sqrt();
        assert!(width > 5.0 * height, "seed {seed}: {quad:?}");
        // Top-left is above bottom-left in a frame tilted by at most a few tens of degrees.
        assert!(quad[0][1] < quad[3][1], "seed {seed}: {quad:?}");
        let centre = quad.iter().fold([0.0f32; 2], |acc, p| {
            [acc[0] + p[0] / 4.0, acc[1] + p[1] / 4.0]
        });
        assert!(
            (0.0..w).contains(&centre[0]) && (0.0..h).contains(&centre[1]),
            "seed {seed}"
        );
    }
}

#[test]
fn a_clean_scan_carries_a_readable_qr_code_with_the_label_payload() {
    let options = GenOptions {
        capture: Capture::FlatbedScan,
        degrade: false,
        ..GenOptions::default()
    };
    let mut checked = 0;
    for seed in 0..6 {
        let mut content = content_for_seed(seed);
        content.qr = Some(content.line.clone());
        let sample = try_generate_with(seed, &content, &options).unwrap();
        let gray = image::DynamicImage::ImageRgb8(sample.image).to_luma8();
        let read = rxing_decode(&gray, Symbology::Qr);
        assert_eq!(read.as_deref(), Some(content.line.as_str()), "seed {seed}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn unusable_options_are_errors_naming_the_field() {
    let too_small = GenOptions {
        capture: Capture::Camera {
            width: 10,
            height: 10,
        },
        ..GenOptions::default()
    };
    match try_generate(1, &too_small) {
        Err(GenError::Options { field, .. }) => assert_eq!(field, "capture"),
        other => panic!(
            "expected an options error, got {:?}",
            other.map(|s| s.label)
        ),
    }
    let inverted = GenOptions {
        digit_height_px: [40.0, 10.0],
        ..small_camera()
    };
    match try_generate(1, &inverted) {
        Err(GenError::Options { field, .. }) => assert_eq!(field, "digit_height_px"),
        other => panic!(
            "expected an options error, got {:?}",
            other.map(|s| s.label)
        ),
    }
}
