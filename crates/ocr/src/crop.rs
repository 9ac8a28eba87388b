//! Cutting a line out of the frame, turned upright, for the recognizer.
//!
//! ocrs's own line crop keeps the line's tilt and squeezes its axis-aligned bounding box to
//! the recognizer's height, so a line tilted by 10° loses half its width. The reader samples
//! the oriented box instead (bilinear, pixel centres at +0.5), giving every tilt the same
//! upright crop. models/training/ocrline/crops.py repeats this exactly for training.

use image::GrayImage;
use rten_tensor::NdTensor;

use crate::geometry::LineBox;

/// Grey value for "outside the frame", as ocrs uses for outside and padding.
pub const BLACK: f32 = -0.5;
/// Crop widths are kept within these bounds, in pixels.
const MIN_WIDTH: usize = 10;
const MAX_WIDTH: usize = 2400;

/// The box's content as a `height` × W image in [-0.5, 0.5], W keeping the box's aspect.
pub fn upright_crop(frame: &GrayImage, line: &LineBox, height: usize) -> NdTensor<f32, 2> {
    let width = ((height as f32 * line.width / line.height.max(1e-3)).round() as usize)
        .clamp(MIN_WIDTH, MAX_WIDTH);
    let (along, down) = (line.along, line.down());
    let mut out = NdTensor::full([height, width], BLACK);
    for row in 0..height {
        let t = ((row as f32 + 0.5) / height as f32 - 0.5) * line.height;
        for col in 0..width {
            let s = ((col as f32 + 0.5) / width as f32 - 0.5) * line.width;
            let x = line.center.0 + along.0 * s + down.0 * t;
            let y = line.center.1 + along.1 * s + down.1 * t;
            out[[row, col]] = bilinear(frame, x - 0.5, y - 0.5);
        }
    }
    out
}

/// The grey value at (x, y) in pixel-index coordinates; pixels outside the frame are BLACK.
fn bilinear(frame: &GrayImage, x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| -> f32 {
        if xi < 0.0 || yi < 0.0 || xi >= frame.width() as f32 || yi >= frame.height() as f32 {
            return BLACK;
        }
        f32::from(frame.get_pixel(xi as u32, yi as u32).0[0]) / 255.0 - 0.5
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use rten_tensor::prelude::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn an_upright_box_on_pixel_edges_copies_the_pixels() {
        let frame = GrayImage::from_fn(16, 4, |x, y| Luma([(x * 10 + y) as u8]));
        let line = LineBox {
            center: (8.0, 2.0),
            along: (1.0, 0.0),
            width: 16.0,
            height: 4.0,
        };
        let crop = upright_crop(&frame, &line, 4);
        assert_eq!(crop.shape(), [4, 16]);
        for (row, col) in [(0, 0), (3, 15), (2, 5)] {
            let want = (col * 10 + row) as f32 / 255.0 - 0.5;
            assert!(close(crop[[row, col]], want), "{row},{col}");
        }
    }

    #[test]
    fn a_box_turned_a_quarter_reads_down_the_frame() {
        // Reading direction straight down: the crop's first column is the frame's top row.
        let frame = GrayImage::from_fn(4, 16, |x, y| Luma([(y * 10 + x) as u8]));
        let line = LineBox {
            center: (2.0, 8.0),
            along: (0.0, 1.0),
            width: 16.0,
            height: 4.0,
        };
        let crop = upright_crop(&frame, &line, 4);
        assert_eq!(crop.shape(), [4, 16]);
        // down = (-1, 0): the crop's top row is the frame's right column.
        let want = (10 + 3) as f32 / 255.0 - 0.5;
        assert!(close(crop[[0, 1]], want), "{}", crop[[0, 1]]);
    }

    #[test]
    fn outside_the_frame_is_black_and_width_keeps_the_aspect() {
        let frame = GrayImage::from_pixel(10, 10, Luma([255]));
        let line = LineBox {
            center: (0.0, 0.0),
            along: (1.0, 0.0),
            width: 100.0,
            height: 10.0,
        };
        let crop = upright_crop(&frame, &line, 32);
        assert_eq!(crop.shape(), [32, 320]);
        assert!(close(crop[[0, 0]], BLACK));
        assert!(close(crop[[31, 319]], BLACK));
        assert!(close(crop[[20, 170]], 0.5));
    }
}
