#![allow(clippy::unwrap_used)]
//! The NW-7 model fit on rendered, blurred frames: it reads codes whose narrow bars blur
//! into grey, and reports nothing where there is no code.

use image::{GrayImage, Luma};
use vrs_reader::codabar::{fit_codabar, plausible_ticket_nw7, scan_codabar, DEFAULT_ANGLES};

/// Wide-element flags (bar first) of the NW-7 symbols used here.
fn pattern(c: char) -> [bool; 7] {
    let bits: u8 = match c {
        '0' => 0b000_0011,
        '1' => 0b000_0110,
        '2' => 0b000_1001,
        '3' => 0b110_0000,
        '4' => 0b001_0010,
        '5' => 0b100_0010,
        '6' => 0b010_0001,
        '7' => 0b010_0100,
        '8' => 0b011_0000,
        '9' => 0b100_1000,
        'A' => 0b001_1010,
        'B' => 0b010_1001,
        _ => panic!("{c}"),
    };
    std::array::from_fn(|i| (bits >> (6 - i)) & 1 == 1)
}

/// A code drawn with area-exact bar edges (`narrow` px, wide 2.6×), tilted by `degrees`,
/// Gaussian-blurred by `sigma` px, with pseudo-random noise, on light paper.
fn blurred_code(text: &str, narrow: f32, degrees: f32, sigma: f32) -> GrayImage {
    let mut bars = Vec::new();
    let mut x = 0.0f32;
    for (i, c) in text.chars().enumerate() {
        if i > 0 {
            x += narrow;
        }
        for (e, wide) in pattern(c).iter().enumerate() {
            let w = if *wide { 2.6 * narrow } else { narrow };
            if e % 2 == 0 {
                bars.push((x, x + w));
            }
            x += w;
        }
    }
    let length = x;
    let (width, height) = ((length + 160.0) as u32, 160u32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    const FINE: u32 = 4;
    let sharp = GrayImage::from_fn(width, height, |px, py| {
        let mut ink = 0u32;
        for sy in 0..FINE {
            for sx in 0..FINE {
                let fx = px as f32 + (sx as f32 + 0.5) / FINE as f32 - cx;
                let fy = py as f32 + (sy as f32 + 0.5) / FINE as f32 - cy;
                // Code coordinates: u along the code from its start, v along the bars.
                let u = fx * cos + fy * sin + length / 2.0;
                let v = -fx * sin + fy * cos;
                if v.abs() < 25.0 && bars.iter().any(|(l, r)| u >= *l && u < *r) {
                    ink += 1;
                }
            }
        }
        let coverage = ink as f32 / (FINE * FINE) as f32;
        Luma([(215.0 - 185.0 * coverage) as u8])
    });
    let mut blurred = image::imageops::blur(&sharp, sigma);
    let mut seed = 99u32;
    for p in blurred.pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let noise = ((seed >> 16) % 9) as i32 - 4;
        p.0[0] = (i32::from(p.0[0]) + noise).clamp(0, 255) as u8;
    }
    blurred
}

#[test]
fn a_blurred_ticket_code_is_read_by_the_fit_where_edges_fail() {
    // 18 digits that pass the ticket rules; narrow bars 1.6 px blurred by σ 1.5 px.
    let image = blurred_code("A111310160000012345B", 1.6, 3.0, 1.5);
    assert_eq!(
        read_only_by_the_fit(&image).as_deref(),
        Some("111310160000012345")
    );
}

/// The fit's read of a code the edge scanner cannot read (asserted: else the test would no
/// longer exercise the fit).
fn read_only_by_the_fit(image: &GrayImage) -> Option<String> {
    assert_eq!(
        scan_codabar(image, &DEFAULT_ANGLES, &plausible_ticket_nw7),
        None,
        "the edge scanner reads this code; the test no longer exercises the fit"
    );
    fit_codabar(image, &plausible_ticket_nw7)
}

#[test]
fn a_strongly_keystoned_generated_code_is_read_by_the_fit() {
    // A generated camera photo whose NW-7 code narrows from 3.5 px to 2 px along its length
    // (the camera tilted along the code): beyond the fine perspective search.
    let sample = vrs_ticketgen::generate(9_000_033, &vrs_ticketgen::GenOptions::default());
    let gray = image::DynamicImage::ImageRgb8(sample.image).to_luma8();
    assert_eq!(
        read_only_by_the_fit(&gray).as_deref(),
        Some("173410020074961305")
    );
}

#[test]
fn an_upside_down_ticket_number_is_read() {
    let image = blurred_code("A0093013880B", 2.0, -4.0, 1.6);
    let upside_down = image::imageops::rotate180(&image);
    assert_eq!(
        fit_codabar(&upside_down, &plausible_ticket_nw7).as_deref(),
        Some("0093013880")
    );
}

#[test]
fn a_value_the_ticket_rules_refuse_is_not_reported() {
    // The municipality check digit is wrong (131017): read cleanly, still refused.
    let image = blurred_code("A111310170000012345B", 2.2, 0.0, 1.0);
    assert_eq!(fit_codabar(&image, &plausible_ticket_nw7), None);
    assert_eq!(
        fit_codabar(&image, &|_| true).as_deref(),
        Some("111310170000012345")
    );
}

#[test]
fn paper_with_stripes_but_no_code_gives_nothing() {
    // Evenly spaced stripes: barcode-like blocks, but no Codabar symbol fits them.
    let stripes = GrayImage::from_fn(600, 160, |x, y| {
        let dark = (50..110).contains(&y) && (100..500).contains(&x) && (x / 3) % 2 == 0;
        Luma([if dark { 40 } else { 210 }])
    });
    let blurred = image::imageops::blur(&stripes, 1.2);
    assert_eq!(fit_codabar(&blurred, &|_| true), None);
    let blank = GrayImage::from_pixel(400, 200, Luma([200]));
    assert_eq!(fit_codabar(&blank, &|_| true), None);
}
