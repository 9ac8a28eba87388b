#![allow(clippy::unwrap_used)]
//! The QR grid sampler on generated camera photos that every other QR decoder misses: blur
//! (finders found by their rings of brightness, blur between modules undone) and a strong
//! keystone (the far corner searched), and nothing read where no code was printed.

use image::{DynamicImage, GrayImage};
use vrs_reader::codes::Decoder;
use vrs_reader::qr_grid::{grid_decode_qr, plausible_ticket_qr};
use vrs_reader::{Reader, ReaderConfig};
use vrs_ticketgen::{generate, GenOptions, Sample};

fn photo(seed: u64) -> (Sample, DynamicImage) {
    let sample = generate(seed, &GenOptions::default());
    let image = DynamicImage::ImageRgb8(sample.image.clone());
    (sample, image)
}

fn codes_only(qr_grid: bool) -> Reader {
    Reader::new(ReaderConfig {
        run_ocr: false,
        qr_grid,
        ..ReaderConfig::default()
    })
    .unwrap()
}

#[test]
fn blurred_and_keystoned_codes_are_read_only_by_the_grid() {
    let without = codes_only(false);
    let with = codes_only(true);
    // 9000063 and 9000097: codes leaning away under a strong keystone (the far corner
    // searched); 9000909: a small blurred code (blur between modules undone).
    for seed in [9_000_063, 9_000_097, 9_000_909] {
        let (sample, image) = photo(seed);
        let printed = sample.label.qr.clone().unwrap();
        assert_eq!(without.read_image(&image).qr, None, "seed {seed}");
        let report = with.read_image(&image);
        assert_eq!(report.qr.as_ref(), Some(&printed), "seed {seed}");
        assert_eq!(report.qr_decoder, Some(Decoder::Grid), "seed {seed}");
    }
}

#[test]
fn nothing_is_read_where_no_qr_code_was_printed() {
    // A ticket printed without a QR code, its NW-7 code and text in frame.
    let (sample, image) = photo(9_000_915);
    assert_eq!(sample.label.qr, None);
    assert_eq!(grid_decode_qr(&image.to_luma8(), &|_| true), None);
    // Flat paper and pure noise.
    let flat = GrayImage::from_pixel(640, 360, image::Luma([200]));
    assert_eq!(grid_decode_qr(&flat, &|_| true), None);
    let mut state = 1u32;
    let noise = GrayImage::from_fn(640, 360, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        image::Luma([(state >> 24) as u8])
    });
    assert_eq!(grid_decode_qr(&noise, &|_| true), None);
}

#[test]
fn only_ticket_payloads_are_plausible() {
    assert!(plausible_ticket_qr("111310160000000001"));
    assert!(plausible_ticket_qr(" 111310160000000001\n"));
    assert!(
        !plausible_ticket_qr("111310150000000001"),
        "bad check digit"
    );
    assert!(!plausible_ticket_qr("11131016000000001"), "17 digits");
    assert!(!plausible_ticket_qr("https://example.com"));
}
