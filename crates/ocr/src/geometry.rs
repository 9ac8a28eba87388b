//! Which detected boxes are worth reading, and how much to widen them first.

use rten_imageproc::{RotatedRect, Vec2};

/// Each end of a detected line is lengthened by this many line heights before recognition:
/// detectors clip a thin leading "1", and the recognizer was trained on crops with this margin
/// (models/training/ocrline/crops.py, END_MARGIN).
pub const END_MARGIN: f32 = 0.6;

/// An 18-digit line is far longer than tall; anything squarer is not the OCR line.
const MIN_ASPECT: f32 = 4.0;

/// At most this many candidate lines are recognised per frame, the longest first.
pub const MAX_CANDIDATES: usize = 3;

/// A line made of word boxes (as ocrs's layout analysis returns), upright, ends lengthened.
pub fn widen_line(words: &[RotatedRect]) -> Vec<RotatedRect> {
    let up = Vec2::from_yx(-1.0, 0.0);
    let mut words: Vec<RotatedRect> = words.iter().map(|w| w.orient_towards(up)).collect();
    let height = words.iter().map(RotatedRect::height).fold(0.0f32, f32::max);
    let extra = END_MARGIN * height;
    match words.len() {
        0 => {}
        1 => words[0] = words[0].expanded(2.0 * extra, 0.0),
        n => {
            // Grow the outer ends only, keeping the inner edges where they are.
            words[0] = grow_towards(&words[0], extra, -1.0);
            words[n - 1] = grow_towards(&words[n - 1], extra, 1.0);
        }
    }
    words
}

/// Lengthen `rect` by `extra` on one end (`side` -1: the left end, +1: the right end).
fn grow_towards(rect: &RotatedRect, extra: f32, side: f32) -> RotatedRect {
    let along = rect.up_axis().perpendicular();
    // `perpendicular` of an upward axis points to the right for upright boxes; flip if not.
    let along = if along.x < 0.0 { along * -1.0 } else { along };
    let shift = along * (side * extra / 2.0);
    let c = rect.center();
    let center = rten_imageproc::PointF::from_yx(c.y + shift.y, c.x + shift.x);
    RotatedRect::new(center, rect.up_axis(), rect.width() + extra, rect.height())
}

/// Lines that could be the OCR line, longest first, at most MAX_CANDIDATES.
pub fn candidate_lines(lines: Vec<Vec<RotatedRect>>) -> Vec<Vec<RotatedRect>> {
    let mut scored: Vec<(f32, Vec<RotatedRect>)> = lines
        .into_iter()
        .filter_map(|words| {
            let up = Vec2::from_yx(-1.0, 0.0);
            let upright: Vec<RotatedRect> = words.iter().map(|w| w.orient_towards(up)).collect();
            let height = upright
                .iter()
                .map(RotatedRect::height)
                .fold(0.0f32, f32::max);
            let first = upright.first()?;
            let last = upright.last()?;
            let span =
                (last.center().x - first.center().x).abs() + (first.width() + last.width()) / 2.0;
            (height > 0.0 && span / height >= MIN_ASPECT).then_some((span, words))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(MAX_CANDIDATES)
        .map(|(_, words)| words)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rten_imageproc::PointF;

    fn upright(cx: f32, cy: f32, w: f32, h: f32) -> RotatedRect {
        RotatedRect::new(PointF::from_yx(cy, cx), Vec2::from_yx(-1.0, 0.0), w, h)
    }

    #[test]
    fn single_box_grows_at_both_ends() {
        let widened = widen_line(&[upright(100.0, 50.0, 200.0, 20.0)]);
        assert_eq!(widened.len(), 1);
        assert!((widened[0].width() - (200.0 + 2.0 * END_MARGIN * 20.0)).abs() < 1e-3);
        assert!((widened[0].center().x - 100.0).abs() < 1e-3);
    }

    #[test]
    fn split_line_grows_outer_ends_only() {
        let widened = widen_line(&[
            upright(50.0, 50.0, 100.0, 20.0),
            upright(200.0, 50.0, 100.0, 20.0),
        ]);
        let left_edge = widened[0].center().x - widened[0].width() / 2.0;
        let inner_edge = widened[0].center().x + widened[0].width() / 2.0;
        let right_edge = widened[1].center().x + widened[1].width() / 2.0;
        assert!((left_edge - (0.0 - 12.0)).abs() < 1e-3);
        assert!((inner_edge - 100.0).abs() < 1e-3);
        assert!((right_edge - (250.0 + 12.0)).abs() < 1e-3);
    }

    #[test]
    fn square_boxes_are_not_candidates_and_longest_comes_first() {
        let lines = vec![
            vec![upright(10.0, 10.0, 20.0, 20.0)],
            vec![upright(100.0, 50.0, 200.0, 20.0)],
            vec![upright(100.0, 90.0, 400.0, 20.0)],
        ];
        let picked = candidate_lines(lines);
        assert_eq!(picked.len(), 2);
        assert!((picked[0][0].width() - 400.0).abs() < 1e-3);
    }
}
