//! An NW-7 (Codabar) scanner for camera frames: scan lines along the orientation estimated from
//! the frame's gradients (then fixed angles), bar widths with sub-pixel edges from threshold
//! crossings and from gradient peaks of a sharpened profile, narrow/wide decided per character
//! (perspective makes bars at one end of the code wider than at the other), a quiet zone on
//! both sides, and a value only when two scan lines agree. Codabar has no check digit, so
//! agreement, quiet zones and the caller's `accept` (the ticket rules) keep a partial or
//! invented read out.
//!
//! Codes whose narrow bars and spaces defocus merges into grey have no edges to find:
//! [`fit_codabar`] finds barcode-like regions from coherent gradient blocks (`locate`), averages
//! the rows of each along its bars after lining them up (`align`), finds the code's ends between
//! quiet zones (`ends`) and fits a blurred model of the whole code (`fit`).

mod align;
mod edges;
mod ends;
mod fit;
mod locate;
mod orientation;

use std::collections::HashMap;

use image::GrayImage;
use vrs_ticket::payload::{nw7_digits, Nw7Digits};
use vrs_ticket::Ticket;

use edges::{gradient_runs, runs, sharpened_profile};
use ends::code_ends;
use fit::{fit_geometry, fit_motion, is_clear, read_fitted};
use locate::{bar_rows, profiles, regions};
use orientation::{angle_distance, barcode_orientations, coherent_blocks, orientations_of};

/// The symbols, in the order of [`PATTERNS`].
const SYMBOLS: &[u8; 20] = b"0123456789-$:/.+ABCD";
/// Seven elements per symbol (bar, space, … bar), most significant bit first; 1 = wide.
const PATTERNS: [u8; 20] = [
    0b000_0011, 0b000_0110, 0b000_1001, 0b110_0000, 0b001_0010, 0b100_0010, 0b010_0001, 0b010_0100,
    0b011_0000, 0b100_1000, 0b000_1100, 0b001_1000, 0b100_0101, 0b101_0001, 0b101_0100, 0b001_0101,
    0b001_1010, 0b010_1001, 0b000_1011, 0b000_1110,
];
/// Scan lines this many pixels apart.
const LINE_SPACING: f32 = 3.0;
/// Samples a pixel along a scan line: two, so that the edges of bars under 2 px wide still
/// fall on separate gradient peaks.
const SAMPLES_PER_PIXEL: f32 = 2.0;
/// Each sample averages three points this many pixels apart along the bars.
const ALONG_BARS_PX: f32 = 2.0;
/// Half-width, in samples, of the window whose mean is the local black/white threshold.
const THRESHOLD_RADIUS: usize = 48;
/// A quiet zone at least this many mean narrow widths.
const QUIET_NARROWS: f32 = 4.0;
/// Wide elements must be at least this many times the widest narrow one.
const MIN_WIDE_RATIO: f32 = 1.3;
/// Fewer data symbols than this are not taken: short runs between quiet zones are too easily
/// found in text and borders.
pub(crate) const MIN_PAYLOAD: usize = 4;
/// Lines that must read the same value.
const MIN_AGREEING_LINES: usize = 2;

/// Angles (degrees) of the scan lines, tried in order until one gives an agreed value.
pub const DEFAULT_ANGLES: [f32; 3] = [0.0, -10.0, 10.0];

/// Whether a Codabar payload (without start/stop letters) can be a ticket's NW-7 code: the
/// 10-digit ticket number (not all zeros) or all 18 digits passing the ticket rules. Codabar
/// has no check digit, so this is what keeps pieces of a code and misreads out.
pub fn plausible_ticket_nw7(payload: &str) -> bool {
    match nw7_digits(payload) {
        Ok(Nw7Digits::TicketNumber(number)) => number.bytes().any(|b| b != b'0'),
        Ok(Nw7Digits::Line(line)) => Ticket::parse(&line).is_ok(),
        Err(_) => false,
    }
}

/// The Codabar payload without start/stop letters that `accept` takes, read the same on at
/// least two lines. Lines run first along the orientations estimated from the frame's
/// gradients (a tilted code is missed by lines that cross its bars too steeply), then along
/// `angles`, until one angle gives an agreed value.
pub fn scan_codabar(
    gray: &GrayImage,
    angles: &[f32],
    accept: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let mut tried: Vec<f32> = Vec::new();
    let estimated = barcode_orientations(gray);
    for angle in estimated.into_iter().chain(angles.iter().copied()) {
        if tried
            .iter()
            .any(|t| angle_distance(*t, angle) < MIN_ANGLE_STEP)
        {
            continue;
        }
        tried.push(angle);
        if let Some(value) = scan_at(gray, angle, accept) {
            return Some(value);
        }
    }
    None
}

/// Each symbol of a half's read must beat its runner-up by this log-likelihood ratio to
/// confirm the read of all rows.
const MIN_HALF_LOG_ODDS: f32 = 2.0;
/// Blocks of a code region may be weaker than the scanner's (blurred or shadowed bars).
const FIT_MIN_BLOCK_ENERGY: f32 = 150.0;
/// Samples a pixel of the profiles the model fit reads.
const FIT_SAMPLES_PER_PIXEL: f32 = 2.0;

/// A Codabar payload that `accept` takes, read by fitting a blurred model of the whole code
/// (see `fit`) to the profile averaged along the bars of each barcode-like region, for codes
/// too blurred for edges. The profile of all the bars' rows must read clearly, and so must
/// each half of the rows on its own, all three the same value.
pub fn fit_codabar(gray: &GrayImage, accept: &dyn Fn(&str) -> bool) -> Option<String> {
    // Regions from the scanner's blocks first; then from weaker ones too (blurred or shadowed
    // bars), which also reshapes regions, so it comes second.
    [orientation::MIN_BLOCK_ENERGY, FIT_MIN_BLOCK_ENERGY]
        .into_iter()
        .find_map(|min_energy| fit_regions(gray, min_energy, accept))
}

fn fit_regions(gray: &GrayImage, min_energy: f32, accept: &dyn Fn(&str) -> bool) -> Option<String> {
    let blocks = coherent_blocks(gray, min_energy);
    let angles = orientations_of(&blocks);
    for angle in angles.iter().flat_map(|a| [*a, a + 90.0]) {
        for region in regions(&blocks, angle) {
            let length = region.along.1 - region.along.0;
            // A region can be part of a code (its most blurred or shadowed stretch makes no
            // blocks), so the profile reaches a code length either side.
            let margin = length + 20.0;
            let Some(rows) = bar_rows(gray, &region, margin, FIT_SAMPLES_PER_PIXEL) else {
                continue;
            };
            let [all, first_half, second_half] = profiles(&rows);
            let core = (
                (margin * FIT_SAMPLES_PER_PIXEL) as usize,
                ((margin + length) * FIT_SAMPLES_PER_PIXEL) as usize,
            );
            let Some((start, end)) = code_ends(&all, core, FIT_SAMPLES_PER_PIXEL) else {
                continue;
            };
            let Some(geometry) = fit_geometry(&all, start, end, FIT_SAMPLES_PER_PIXEL) else {
                continue;
            };
            let profiles = [
                all.as_slice(),
                first_half.as_slice(),
                second_half.as_slice(),
            ];
            if let Some(payload) = judge_fit(profiles, &geometry, accept) {
                return Some(payload);
            }
            // A code the lens-blur model cannot read may have been smeared by a moving camera.
            let moving = fit_motion(&all, &geometry, FIT_SAMPLES_PER_PIXEL);
            if let Some(payload) = judge_fit(profiles, &moving, accept) {
                return Some(payload);
            }
        }
    }
    None
}

/// The value `geometry` reads from the profile of all the bars' rows, when it reads clearly and
/// is confirmed by the profile of one half of the rows and contradicted by neither.
fn judge_fit(
    [all, first_half, second_half]: [&[f32]; 3],
    geometry: &fit::Geometry,
    accept: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let whole = read_fitted(all, geometry)?;
    let halves = [first_half, second_half].map(|p| read_fitted(p, geometry));
    // The two halves are independent reads of the same bars: neither may read another value
    // clearly, and one must read the same value.
    let same = |r: &fit::FitRead| r.payload == whole.payload;
    let confirmed = halves
        .iter()
        .flatten()
        .any(|r| same(r) && r.weakest_log_odds >= MIN_HALF_LOG_ODDS);
    let contradicted = halves.iter().flatten().any(|r| !same(r) && is_clear(r));
    (is_clear(&whole) && confirmed && !contradicted && accept(&whole.payload))
        .then_some(whole.payload)
}

/// Angles closer than this (degrees) are scanned once.
const MIN_ANGLE_STEP: f32 = 2.5;

fn scan_at(gray: &GrayImage, angle: f32, accept: &dyn Fn(&str) -> bool) -> Option<String> {
    let mut votes: HashMap<String, usize> = HashMap::new();
    let mut reversed = Vec::new();
    let (mut sharp, mut sharp_reversed) = (Vec::new(), Vec::new());
    for_each_line(gray, angle, |profile| {
        reversed.clear();
        reversed.extend(profile.iter().rev());
        // Both directions: the code may be upside down.
        // Both edge finders: threshold crossings hold up under uneven light, gradient peaks
        // keep narrow bars that blur has lifted above the threshold.
        sharpened_profile(profile, &mut sharp);
        sharp_reversed.clear();
        sharp_reversed.extend(sharp.iter().rev());
        let candidates = [
            decode_runs(&runs(profile)),
            decode_runs(&runs(&reversed)),
            decode_runs(&gradient_runs(&sharp)),
            decode_runs(&gradient_runs(&sharp_reversed)),
        ];
        let mut distinct: Vec<String> = candidates.into_iter().flatten().collect();
        distinct.sort();
        distinct.dedup();
        for value in distinct {
            if accept(&value) {
                *votes.entry(value).or_insert(0) += 1;
            }
        }
    });
    votes
        .into_iter()
        .filter(|(_, n)| *n >= MIN_AGREEING_LINES)
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| a.0.len().cmp(&b.0.len()))
                .then_with(|| b.0.cmp(&a.0))
        })
        .map(|(value, _)| value)
}

/// Grey values along parallel lines at `angle` degrees covering the frame, [`SAMPLES_PER_PIXEL`]
/// samples a pixel.
fn for_each_line(gray: &GrayImage, angle: f32, mut visit: impl FnMut(&[f32])) {
    let (width, height) = (gray.width() as f32, gray.height() as f32);
    if width < 2.0 || height < 2.0 {
        return;
    }
    let (sin, cos) = angle.to_radians().sin_cos();
    let centre = (width / 2.0, height / 2.0);
    let reach = (width * width + height * height).sqrt() / 2.0;
    let pixels = gray.as_raw();
    let stride = gray.width() as usize;
    let sample = |x: f32, y: f32| -> Option<f32> {
        if x < 0.0 || y < 0.0 || x > width - 1.001 || y > height - 1.001 {
            return None;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let at = |xx: usize, yy: usize| f32::from(pixels[yy * stride + xx]);
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
        let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    };
    let mut values = Vec::new();
    let mut offset = -reach;
    while offset <= reach {
        // Point on the line nearest the centre, then walk along the line's direction.
        let (px, py) = (centre.0 - sin * offset, centre.1 + cos * offset);
        values.clear();
        values.extend(
            (-((reach * SAMPLES_PER_PIXEL) as i32)..=((reach * SAMPLES_PER_PIXEL) as i32))
                .map(|t| t as f32 / SAMPLES_PER_PIXEL)
                .filter_map(|t| {
                    let (x, y) = (px + cos * t, py + sin * t);
                    // Averaged across the line (along the bars) against noise and JPEG blocks.
                    let side = ALONG_BARS_PX;
                    let sum = sample(x + sin * side, y - cos * side)?
                        + sample(x, y)?
                        + sample(x - sin * side, y + cos * side)?;
                    Some(sum / 3.0)
                }),
        );
        if values.len() > 2 * THRESHOLD_RADIUS {
            visit(&values);
        }
        offset += LINE_SPACING;
    }
}

/// One symbol from seven element widths, with its mean narrow width.
fn classify(widths: &[f32]) -> Option<(u8, f32)> {
    let mut sorted: Vec<f32> = widths.to_vec();
    sorted.sort_by(f32::total_cmp);
    let mut best: Option<(u8, f32, f32)> = None;
    for wide_count in [2usize, 3] {
        let narrow_max = sorted[6 - wide_count];
        let wide_min = sorted[7 - wide_count];
        if narrow_max <= 0.0 {
            continue;
        }
        let ratio = wide_min / narrow_max;
        if ratio < MIN_WIDE_RATIO {
            continue;
        }
        let split = (narrow_max + wide_min) / 2.0;
        let bits = widths
            .iter()
            .fold(0u8, |acc, w| (acc << 1) | u8::from(*w > split));
        let Some(index) = PATTERNS.iter().position(|p| *p == bits) else {
            continue;
        };
        let narrow: f32 = sorted[..7 - wide_count].iter().sum::<f32>() / (7 - wide_count) as f32;
        if best.is_none_or(|b| ratio > b.2) {
            best = Some((SYMBOLS[index], narrow, ratio));
        }
    }
    best.map(|(symbol, narrow, _)| (symbol, narrow))
}

fn is_guard(symbol: u8) -> bool {
    matches!(symbol, b'A'..=b'D')
}

/// Every start…stop symbol run with quiet zones in one profile, as payloads without guards.
fn decode_runs(widths: &[f32]) -> Vec<String> {
    let mut found = Vec::new();
    // widths[0] is light; bars sit at odd indices.
    let mut start = 1;
    while start + 7 <= widths.len() {
        if let Some((value, next)) = decode_from(widths, start) {
            found.push(value);
            start = next;
        } else {
            start += 2;
        }
    }
    found
}

/// Decodes a symbol sequence whose start guard begins at bar `start`; returns the payload and
/// the index to continue from.
fn decode_from(widths: &[f32], start: usize) -> Option<(String, usize)> {
    let (first, narrow) = classify(widths.get(start..start + 7)?)?;
    if !is_guard(first) || widths[start - 1] < QUIET_NARROWS * narrow {
        return None;
    }
    let mut payload = String::new();
    let mut at = start;
    let mut last_narrow = narrow;
    loop {
        let gap = *widths.get(at + 7)?;
        at += 8;
        let (symbol, narrow) = classify(widths.get(at..at + 7)?)?;
        // The gap between symbols is narrow; a wide one means this is not the next symbol.
        if gap > 3.0 * last_narrow.max(narrow) {
            return None;
        }
        if is_guard(symbol) {
            let quiet = widths.get(at + 7).copied().unwrap_or(0.0);
            if quiet < QUIET_NARROWS * narrow || payload.len() < MIN_PAYLOAD {
                return None;
            }
            return Some((payload, at + 7));
        }
        payload.push(char::from(symbol));
        last_narrow = narrow;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a Codabar symbol row by row: `narrow` pixels a narrow element, wide 2.5×.
    fn render(text: &str, narrow: f32, height: u32) -> GrayImage {
        let mut elements: Vec<f32> = vec![12.0 * narrow];
        for (i, c) in text.bytes().enumerate() {
            let index = SYMBOLS.iter().position(|s| *s == c).unwrap();
            if i > 0 {
                elements.push(narrow);
            }
            for bit in (0..7).rev() {
                let wide = PATTERNS[index] >> bit & 1 == 1;
                elements.push(if wide { 2.5 * narrow } else { narrow });
            }
        }
        elements.push(12.0 * narrow);
        let total: f32 = elements.iter().sum();
        let width = total.ceil() as u32;
        let mut image = GrayImage::from_pixel(width, height, image::Luma([235]));
        let mut x = 0.0f32;
        for (i, w) in elements.iter().enumerate() {
            if i % 2 == 1 {
                for px in x.round() as u32..(x + w).round() as u32 {
                    for y in 0..height {
                        image.put_pixel(px, y, image::Luma([20]));
                    }
                }
            }
            x += w;
        }
        image
    }

    #[test]
    fn reads_a_clean_symbol_without_guards() {
        let image = render("A0123456789B", 3.0, 40);
        assert_eq!(
            scan_codabar(&image, &[0.0], &|_| true).as_deref(),
            Some("0123456789")
        );
        let image = render("C-$:/.+1D", 2.0, 30);
        assert_eq!(
            scan_codabar(&image, &[0.0], &|_| true).as_deref(),
            Some("-$:/.+1")
        );
        let upside_down = image::imageops::rotate180(&image);
        assert_eq!(
            scan_codabar(&upside_down, &[0.0], &|_| true).as_deref(),
            Some("-$:/.+1")
        );
    }

    #[test]
    fn a_cut_symbol_or_blank_frame_gives_nothing() {
        let image = render("A0123456789B", 3.0, 40);
        let cut = image::imageops::crop_imm(&image, 0, 0, image.width() * 2 / 3, 40).to_image();
        assert_eq!(scan_codabar(&cut, &[0.0], &|_| true), None);
        let blank = GrayImage::from_pixel(200, 50, image::Luma([200]));
        assert_eq!(scan_codabar(&blank, &DEFAULT_ANGLES, &|_| true), None);
    }

    #[test]
    fn patterns_have_two_or_three_wide_elements_and_are_distinct() {
        for (i, p) in PATTERNS.iter().enumerate() {
            let wide = p.count_ones();
            assert!(
                wide == 2 || (wide == 3 && i >= 12),
                "{}",
                char::from(SYMBOLS[i])
            );
            assert_eq!(PATTERNS.iter().filter(|q| *q == p).count(), 1);
        }
    }

    /// `image` turned by `degrees` about its centre on a larger light canvas (bilinear).
    fn rotated(image: &GrayImage, degrees: f32) -> GrayImage {
        let (w, h) = (image.width() as f32, image.height() as f32);
        let side = (w * w + h * h).sqrt().ceil() as u32 + 20;
        let (sin, cos) = degrees.to_radians().sin_cos();
        let centre = side as f32 / 2.0;
        GrayImage::from_fn(side, side, |x, y| {
            let (dx, dy) = (x as f32 - centre, y as f32 - centre);
            let (sx, sy) = (
                cos * dx + sin * dy + w / 2.0,
                -sin * dx + cos * dy + h / 2.0,
            );
            if sx >= 0.0 && sy >= 0.0 && sx < w - 1.0 && sy < h - 1.0 {
                let (x0, y0) = (sx as u32, sy as u32);
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let at = |x: u32, y: u32| f32::from(image.get_pixel(x, y)[0]);
                let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
                let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
                image::Luma([(top * (1.0 - fy) + bottom * fy).round() as u8])
            } else {
                image::Luma([235])
            }
        })
    }

    #[test]
    fn a_tilted_symbol_is_read_along_its_estimated_orientation() {
        let image = rotated(&render("A0123456789B", 3.0, 40), 8.0);
        let estimated = barcode_orientations(&image);
        assert!(
            estimated.iter().any(|a| angle_distance(*a, 8.0) <= 1.5),
            "{estimated:?}"
        );
        // No fixed angles: only the estimate can find it.
        assert_eq!(
            scan_codabar(&image, &[], &|_| true).as_deref(),
            Some("0123456789")
        );
    }

    #[test]
    fn thin_bars_are_read() {
        let image = render("A0123456789B", 1.6, 30);
        assert_eq!(
            scan_codabar(&image, &[0.0], &|_| true).as_deref(),
            Some("0123456789")
        );
    }

    #[test]
    fn only_ticket_shaped_values_are_plausible() {
        assert!(plausible_ticket_nw7("0012345678"));
        assert!(plausible_ticket_nw7("111310160000012345"));
        // Bad municipality check digit, an all-zero number, pieces of a code.
        assert!(!plausible_ticket_nw7("111310170000012345"));
        assert!(!plausible_ticket_nw7("0000000000"));
        assert!(!plausible_ticket_nw7("13880"));
        assert!(!plausible_ticket_nw7("12345678901"));
        // A value the filter rejects is never reported, even when read cleanly.
        let image = render("A13880B", 3.0, 40);
        assert_eq!(scan_codabar(&image, &[0.0], &plausible_ticket_nw7), None);
    }
}
