//! Which detected lines are worth reading, and the box each is read from.
//!
//! ocrs groups the detector's word boxes into lines; each line becomes one oriented box
//! around all its words, lengthened at both ends, since detectors clip a thin leading "1".

use rten_imageproc::{RotatedRect, Vec2};

/// Each end of a detected line is lengthened by this many line heights before recognition;
/// the recognizer was trained on crops with this margin (models/training/ocrline/crops.py).
pub const END_MARGIN: f32 = 0.6;

/// An 18-digit line is far longer than tall; anything squarer is not the OCR line.
const MIN_ASPECT: f32 = 4.0;

/// At most this many candidate lines are recognised per band, the longest first.
pub const MAX_CANDIDATES: usize = 5;

/// An oriented box in image pixels: `along` is the unit reading direction, `down` follows
/// from it (y grows downwards); `width` runs along, `height` across.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineBox {
    pub center: (f32, f32),
    pub along: (f32, f32),
    pub width: f32,
    pub height: f32,
}

impl LineBox {
    /// The unit vector from the top edge to the bottom edge.
    pub fn down(&self) -> (f32, f32) {
        (-self.along.1, self.along.0)
    }

    /// The same box, lengthened by `END_MARGIN` × height at each end.
    pub fn widened(&self) -> LineBox {
        LineBox {
            width: self.width + 2.0 * END_MARGIN * self.height,
            ..*self
        }
    }
}

/// The oriented box around all word boxes of one line, aligned with their mean direction.
pub fn line_box(words: &[RotatedRect]) -> Option<LineBox> {
    let up = Vec2::from_yx(-1.0, 0.0);
    let words: Vec<RotatedRect> = words.iter().map(|w| w.orient_towards(up)).collect();
    let first = words.first()?;
    let sum = words
        .iter()
        .fold(Vec2::from_yx(0.0, 0.0), |acc, w| acc + w.up_axis());
    let up_axis = if sum.length() > 0.0 {
        sum.normalized()
    } else {
        up
    };
    // Reading direction: the up axis turned a quarter clockwise on screen.
    let along = Vec2::from_yx(up_axis.x, -up_axis.y);
    let origin = first.center();
    let (mut s_min, mut s_max, mut t_min, mut t_max) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for corner in words.iter().flat_map(RotatedRect::corners) {
        let d = Vec2::from_yx(corner.y - origin.y, corner.x - origin.x);
        let (s, t) = (d.dot(along), d.dot(up_axis));
        s_min = s_min.min(s);
        s_max = s_max.max(s);
        t_min = t_min.min(t);
        t_max = t_max.max(t);
    }
    let (s_mid, t_mid) = ((s_min + s_max) / 2.0, (t_min + t_max) / 2.0);
    Some(LineBox {
        center: (
            origin.x + along.x * s_mid + up_axis.x * t_mid,
            origin.y + along.y * s_mid + up_axis.y * t_mid,
        ),
        along: (along.x, along.y),
        width: s_max - s_min,
        height: t_max - t_min,
    })
}

/// Lines that could be the OCR line, as boxes (not yet widened), longest first.
#[cfg(test)]
fn candidate_lines(lines: &[Vec<RotatedRect>]) -> Vec<LineBox> {
    likely_lines(lines.iter().filter_map(|words| line_box(words)))
}

/// The boxes long enough to be the OCR line, longest first, at most [`MAX_CANDIDATES`].
pub fn likely_lines(boxes: impl IntoIterator<Item = LineBox>) -> Vec<LineBox> {
    let mut boxes: Vec<LineBox> = boxes
        .into_iter()
        .filter(|b| b.height > 0.0 && b.width / b.height >= MIN_ASPECT)
        .collect();
    boxes.sort_by(|a, b| b.width.total_cmp(&a.width));
    boxes.truncate(MAX_CANDIDATES);
    boxes
}

/// Whether a box is long enough to be worth straightening or splitting: a line merged with
/// the barcode beside it can be half as long, for its height, as the line alone.
pub fn worth_refining(b: &LineBox) -> bool {
    b.height > 0.0 && b.width / b.height >= MIN_ASPECT / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rten_imageproc::PointF;

    fn rect(cx: f32, cy: f32, w: f32, h: f32, degrees: f32) -> RotatedRect {
        let a = degrees.to_radians();
        // Up axis of a box turned clockwise on screen by `degrees`.
        let up = Vec2::from_yx(-a.cos(), a.sin());
        RotatedRect::new(PointF::from_yx(cy, cx), up, w, h)
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn one_upright_word_gives_its_own_box_reading_rightwards() {
        let b = line_box(&[rect(100.0, 50.0, 200.0, 20.0, 0.0)]).unwrap();
        assert!(close(b.center.0, 100.0) && close(b.center.1, 50.0), "{b:?}");
        assert!(close(b.along.0, 1.0) && close(b.along.1, 0.0));
        assert!(close(b.down().0, 0.0) && close(b.down().1, 1.0));
        assert!(close(b.width, 200.0) && close(b.height, 20.0));
    }

    #[test]
    fn two_words_of_a_tilted_line_give_one_box_around_both() {
        let a = 10f32.to_radians();
        let (dx, dy) = (150.0 * a.cos(), 150.0 * a.sin());
        let b = line_box(&[
            rect(100.0, 100.0, 100.0, 20.0, 10.0),
            rect(100.0 + dx, 100.0 + dy, 100.0, 20.0, 10.0),
        ])
        .unwrap();
        assert!(close(b.width, 250.0), "{b:?}");
        assert!(close(b.height, 20.0));
        assert!(close(b.along.1.atan2(b.along.0), a));
        assert!(close(b.center.0, 100.0 + dx / 2.0) && close(b.center.1, 100.0 + dy / 2.0));
    }

    #[test]
    fn widening_lengthens_both_ends_by_the_margin() {
        let b = line_box(&[rect(100.0, 50.0, 200.0, 20.0, 0.0)])
            .unwrap()
            .widened();
        assert!(close(b.width, 200.0 + 2.0 * END_MARGIN * 20.0));
        assert!(close(b.center.0, 100.0));
    }

    #[test]
    fn square_lines_are_not_candidates_and_the_longest_comes_first() {
        let lines = vec![
            vec![rect(10.0, 10.0, 20.0, 20.0, 0.0)],
            vec![rect(100.0, 50.0, 200.0, 20.0, 0.0)],
            vec![rect(100.0, 90.0, 400.0, 20.0, 5.0)],
        ];
        let picked = candidate_lines(&lines);
        assert_eq!(picked.len(), 2);
        assert!(close(picked[0].width, 400.0));
        assert!(close(picked[1].width, 200.0));
    }

    #[test]
    fn at_most_max_candidates_are_kept() {
        let lines: Vec<_> = (0..MAX_CANDIDATES + 2)
            .map(|i| vec![rect(300.0, 40.0 * i as f32, 300.0 + i as f32, 20.0, 0.0)])
            .collect();
        assert_eq!(candidate_lines(&lines).len(), MAX_CANDIDATES);
    }
}
