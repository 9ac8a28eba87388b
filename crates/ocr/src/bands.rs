//! Splitting a detected line that swallowed its neighbour.
//!
//! On many layouts the NW-7 barcode or a ruled line is printed just above or below the OCR
//! line; when the detector's mask runs them together, the one box holds two bands of ink and
//! is too tall (often too square to pass as a line at all). Each band of ink separated by
//! paper becomes a box of its own, as tall as the detector makes a box around text of that
//! height, and is offered to the recognizer beside the original.

use image::GrayImage;

use crate::geometry::LineBox;
use crate::tilt::{row_profile, INK_FRACTION, SAMPLES_ACROSS};

/// A detector box is about this much taller than the ink of the digits it holds.
const BOX_PER_INK_HEIGHT: f32 = 1.4;
/// Bands thinner than this many profile rows are specks or rules, not text.
const MIN_BAND_ROWS: usize = 3;
/// Ink runs separated by at most this many paper rows are one band.
const MAX_GAP_ROWS: usize = 1;

/// One box per band of ink when the box holds two or more; empty when it holds one.
pub fn split_bands(frame: &GrayImage, line: &LineBox) -> Vec<LineBox> {
    if line.height < 2.0 {
        return Vec::new();
    }
    let profile = row_profile(frame, line, 0.0);
    let bands = ink_bands(&profile);
    if bands.len() < 2 {
        return Vec::new();
    }
    let row_height = line.height / SAMPLES_ACROSS as f32;
    let down = line.down();
    bands
        .into_iter()
        .map(|(first, last)| {
            let middle = (first + last + 1) as f32 / 2.0;
            let t = middle * row_height - line.height / 2.0;
            let ink_height = (last + 1 - first) as f32 * row_height;
            LineBox {
                center: (line.center.0 + down.0 * t, line.center.1 + down.1 * t),
                height: (ink_height * BOX_PER_INK_HEIGHT).min(line.height),
                ..*line
            }
        })
        .collect()
}

/// The (first, last) rows of each band of ink in a row profile (darkness per row).
fn ink_bands(profile: &[f32]) -> Vec<(usize, usize)> {
    let lightest = profile.iter().copied().fold(f32::MAX, f32::min);
    let darkest = profile.iter().copied().fold(f32::MIN, f32::max);
    if darkest - lightest < 1.0 {
        return Vec::new();
    }
    let bar = lightest + INK_FRACTION * (darkest - lightest);
    let mut bands: Vec<(usize, usize)> = Vec::new();
    for (row, _) in profile.iter().enumerate().filter(|(_, &v)| v > bar) {
        match bands.last_mut() {
            Some((_, last)) if row - *last <= MAX_GAP_ROWS + 1 => *last = row,
            _ => bands.push((row, row)),
        }
    }
    bands.retain(|(first, last)| last + 1 - first >= MIN_BAND_ROWS);
    bands
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A barcode (rows 20–44) above a line of digits (rows 56–72), on white paper.
    fn barcode_over_digits() -> GrayImage {
        GrayImage::from_fn(400, 100, |x, y| {
            let bar = (20..45).contains(&y) && x % 6 < 3 && (60..340).contains(&x);
            let digit = (56..73).contains(&y) && (x + 2) % 16 < 10 && (60..340).contains(&x);
            Luma([if bar || digit { 25 } else { 230 }])
        })
    }

    fn merged_box() -> LineBox {
        LineBox {
            center: (200.0, 50.0),
            along: (1.0, 0.0),
            width: 300.0,
            height: 70.0,
        }
    }

    #[test]
    fn a_barcode_and_the_digits_become_two_boxes() {
        let boxes = split_bands(&barcode_over_digits(), &merged_box());
        assert_eq!(boxes.len(), 2, "{boxes:?}");
        let digits = boxes[1];
        // The digits' ink spans rows 56..73: centre 64.5, 17 px tall.
        assert!((digits.center.1 - 64.5).abs() < 3.0, "{digits:?}");
        assert!(
            (digits.height - 17.0 * BOX_PER_INK_HEIGHT).abs() < 5.0,
            "{digits:?}"
        );
        assert_eq!(digits.center.0, 200.0);
        assert_eq!(digits.width, 300.0);
        assert!(boxes[0].center.1 < 40.0, "{:?}", boxes[0]);
    }

    #[test]
    fn one_band_is_not_split() {
        let digits_only = GrayImage::from_fn(400, 100, |x, y| {
            let digit = (40..60).contains(&y) && (x + 2) % 16 < 10 && (60..340).contains(&x);
            Luma([if digit { 25 } else { 230 }])
        });
        assert!(split_bands(&digits_only, &merged_box()).is_empty());
    }

    #[test]
    fn thin_rules_and_blank_paper_are_not_bands() {
        let rule_and_digits = GrayImage::from_fn(400, 100, |x, y| {
            let rule = y == 30;
            let digit = (50..68).contains(&y) && (x + 2) % 16 < 10 && (60..340).contains(&x);
            Luma([if rule || digit { 25 } else { 230 }])
        });
        assert!(split_bands(&rule_and_digits, &merged_box()).is_empty());
        let blank = GrayImage::from_pixel(400, 100, Luma([220]));
        assert!(split_bands(&blank, &merged_box()).is_empty());
    }
}
