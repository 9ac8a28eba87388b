//! Straightening a line box whose angle the detector got wrong.
//!
//! When the OCR line touches a ruled line or the barcode, or ocrs splits it into short
//! words, the word boxes can come out level while the printed line is tilted by several
//! degrees under the camera's perspective. The upright crop then cuts the line diagonally
//! and squeezes it into a box far taller than the text, and the recognizer misreads it.
//! A text line's row profile is sharpest when the rows run along the line, so the box is
//! turned to the angle (within ±[`MAX_TURN_DEGREES`]) that maximises that sharpness and
//! shrunk to the band the text then occupies.

use image::GrayImage;

use crate::geometry::LineBox;

/// The largest correction tried either way; perspective on a hand-held ticket stays within it.
const MAX_TURN_DEGREES: f32 = 9.0;
/// Angles are tried in these steps, then refined by half a step around the best.
const STEP_DEGREES: f32 = 1.0;
/// Smaller corrections leave the box alone: the recognizer was trained on the detector's
/// own boxes, whose angles scatter about this much.
const MIN_TURN_DEGREES: f32 = 1.5;
/// Samples along and across the box for each angle tried.
const SAMPLES_ALONG: usize = 160;
pub(crate) const SAMPLES_ACROSS: usize = 40;
/// Rows darker than this fraction of the way from the lightest to the darkest row hold ink.
pub(crate) const INK_FRACTION: f32 = 0.3;
/// The box is never shrunk below this fraction of its height.
const MIN_SHRINK: f32 = 0.4;

/// The box turned to the line's real angle and shrunk to its text band, or unchanged when
/// it already lies along the line.
pub fn straighten(frame: &GrayImage, line: &LineBox) -> LineBox {
    if line.width < 4.0 || line.height < 2.0 {
        return *line;
    }
    let sharpness = |degrees: f32| row_sharpness(&row_profile(frame, line, degrees));
    let mut best = (0.0_f32, sharpness(0.0));
    let steps = (MAX_TURN_DEGREES / STEP_DEGREES).round() as i32;
    for step in -steps..=steps {
        let degrees = step as f32 * STEP_DEGREES;
        let score = sharpness(degrees);
        if score > best.1 {
            best = (degrees, score);
        }
    }
    for degrees in [best.0 - STEP_DEGREES / 2.0, best.0 + STEP_DEGREES / 2.0] {
        let score = sharpness(degrees);
        if score > best.1 {
            best = (degrees, score);
        }
    }
    let turn = best.0;
    if turn.abs() < MIN_TURN_DEGREES {
        return *line;
    }
    let before = ink_rows(&row_profile(frame, line, 0.0));
    let after = ink_rows(&row_profile(frame, line, turn));
    let shrink = if before == 0 {
        1.0
    } else {
        (after as f32 / before as f32).clamp(MIN_SHRINK, 1.0)
    };
    let (sin, cos) = turn.to_radians().sin_cos();
    let (ax, ay) = line.along;
    LineBox {
        along: (ax * cos - ay * sin, ax * sin + ay * cos),
        height: line.height * shrink,
        ..*line
    }
}

/// Mean darkness of each row of the box turned by `degrees` (clockwise on screen) about its
/// centre; rows span the box's height, samples its width.
pub(crate) fn row_profile(frame: &GrayImage, line: &LineBox, degrees: f32) -> Vec<f32> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (ax, ay) = line.along;
    let along = (ax * cos - ay * sin, ax * sin + ay * cos);
    let down = (-along.1, along.0);
    let (cx, cy) = line.center;
    (0..SAMPLES_ACROSS)
        .map(|row| {
            let t = ((row as f32 + 0.5) / SAMPLES_ACROSS as f32 - 0.5) * line.height;
            let mut sum = 0.0;
            let mut count = 0usize;
            for col in 0..SAMPLES_ALONG {
                let s = ((col as f32 + 0.5) / SAMPLES_ALONG as f32 - 0.5) * line.width;
                let x = cx + along.0 * s + down.0 * t;
                let y = cy + along.1 * s + down.1 * t;
                if let Some(v) = pixel(frame, x, y) {
                    sum += 255.0 - v;
                    count += 1;
                }
            }
            if count == 0 {
                0.0
            } else {
                sum / count as f32
            }
        })
        .collect()
}

/// Sum of squared steps between neighbouring rows: large when ink and paper rows separate.
fn row_sharpness(profile: &[f32]) -> f32 {
    profile.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
}

/// How many rows hold ink, relative to the lightest and darkest rows of the profile.
fn ink_rows(profile: &[f32]) -> usize {
    let lightest = profile.iter().copied().fold(f32::MAX, f32::min);
    let darkest = profile.iter().copied().fold(f32::MIN, f32::max);
    if darkest - lightest < 1.0 {
        return 0;
    }
    let bar = lightest + INK_FRACTION * (darkest - lightest);
    profile.iter().filter(|&&v| v > bar).count()
}

/// The grey value nearest (x, y) in pixel-centre coordinates, if inside the frame.
fn pixel(frame: &GrayImage, x: f32, y: f32) -> Option<f32> {
    let (xi, yi) = (x.floor(), y.floor());
    if xi < 0.0 || yi < 0.0 || xi >= frame.width() as f32 || yi >= frame.height() as f32 {
        return None;
    }
    Some(f32::from(frame.get_pixel(xi as u32, yi as u32).0[0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// White paper with a line of dark "digits" (blocks with gaps) tilted by `degrees`.
    fn tilted_line(degrees: f32) -> GrayImage {
        let (sin, cos) = degrees.to_radians().sin_cos();
        GrayImage::from_fn(400, 120, |x, y| {
            let (dx, dy) = (x as f32 - 200.0, y as f32 - 60.0);
            let s = dx * cos + dy * sin;
            let t = -dx * sin + dy * cos;
            let in_digit = s.abs() < 150.0 && (s + 150.0) % 16.0 < 10.0 && t.abs() < 8.0;
            Luma([if in_digit { 30 } else { 225 }])
        })
    }

    fn level_box() -> LineBox {
        LineBox {
            center: (200.0, 60.0),
            along: (1.0, 0.0),
            width: 300.0,
            height: 50.0,
        }
    }

    #[test]
    fn a_level_box_around_a_tilted_line_is_turned_and_shrunk() {
        let frame = tilted_line(6.0);
        let fixed = straighten(&frame, &level_box());
        let angle = fixed.along.1.atan2(fixed.along.0).to_degrees();
        assert!((angle - 6.0).abs() <= 0.6, "angle {angle}");
        assert!(fixed.height < 0.75 * level_box().height, "{fixed:?}");
        assert_eq!(fixed.center, level_box().center);
        let length = fixed.along.0.hypot(fixed.along.1);
        assert!((length - 1.0).abs() < 1e-4);
    }

    #[test]
    fn the_other_way_is_found_too() {
        let fixed = straighten(&tilted_line(-4.0), &level_box());
        let angle = fixed.along.1.atan2(fixed.along.0).to_degrees();
        assert!((angle + 4.0).abs() <= 0.6, "angle {angle}");
    }

    #[test]
    fn a_box_along_its_line_is_left_alone() {
        let frame = tilted_line(0.0);
        assert_eq!(straighten(&frame, &level_box()), level_box());
    }

    #[test]
    fn blank_paper_and_degenerate_boxes_are_left_alone() {
        let blank = GrayImage::from_pixel(400, 120, Luma([200]));
        assert_eq!(straighten(&blank, &level_box()), level_box());
        let tiny = LineBox {
            width: 2.0,
            ..level_box()
        };
        assert_eq!(straighten(&tilted_line(6.0), &tiny), tiny);
    }
}
