//! How a frame is cut into detector-sized views.
//!
//! ocrs squashes whatever it is given to the detector's fixed input, so a 300-dpi A4 scan
//! would shrink the OCR line to a few pixels. Frames are therefore first scaled down to at
//! most [`TILE_WIDTH`] wide (never up), then cut into [`TILE_HEIGHT`]-high bands that overlap
//! by at least [`MIN_OVERLAP`], so that every line lies whole in some band. A 1280×720 camera
//! frame is one band, untouched. models/training/ocrline/tiles.py repeats this for training.

/// Widest view handed to the detector, in pixels.
pub const TILE_WIDTH: u32 = 1280;
/// Height of each band.
pub const TILE_HEIGHT: u32 = 720;
/// Least overlap between neighbouring bands: several line heights at the scaled size.
pub const MIN_OVERLAP: u32 = 160;

/// How the frame is scaled, and the bands to read, in scaled pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct TilePlan {
    /// Scaled size / original size (at most 1).
    pub scale: f32,
    pub scaled_width: u32,
    pub scaled_height: u32,
    /// Top edge of each band; every band is `min(TILE_HEIGHT, scaled_height)` high.
    pub band_tops: Vec<u32>,
}

impl TilePlan {
    pub fn band_height(&self) -> u32 {
        self.scaled_height.min(TILE_HEIGHT)
    }
}

/// The plan for a `width` × `height` frame.
pub fn plan(width: u32, height: u32) -> TilePlan {
    let (scale, scaled_width, scaled_height) = if width > TILE_WIDTH {
        let scale = TILE_WIDTH as f32 / width as f32;
        let scaled_height = ((height as f32 * scale).round() as u32).max(1);
        (scale, TILE_WIDTH, scaled_height)
    } else {
        (1.0, width, height)
    };
    let band_tops = if scaled_height <= TILE_HEIGHT {
        vec![0]
    } else {
        let last_top = scaled_height - TILE_HEIGHT;
        let step = TILE_HEIGHT - MIN_OVERLAP;
        let bands = (last_top).div_ceil(step) + 1;
        (0..bands)
            .map(|i| ((i as u64 * last_top as u64) / (bands as u64 - 1)) as u32)
            .collect()
    };
    TilePlan {
        scale,
        scaled_width,
        scaled_height,
        band_tops,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_camera_frame_is_one_untouched_band() {
        let p = plan(1280, 720);
        assert_eq!(p.scale, 1.0);
        assert_eq!(p.band_tops, vec![0]);
        assert_eq!(p.band_height(), 720);
    }

    #[test]
    fn a_large_landscape_frame_is_scaled_to_one_band() {
        let p = plan(1920, 1080);
        assert!((p.scale - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!((p.scaled_width, p.scaled_height), (1280, 720));
        assert_eq!(p.band_tops, vec![0]);
    }

    #[test]
    fn an_a4_scan_is_cut_into_overlapping_bands_covering_it() {
        let p = plan(2480, 3508);
        assert_eq!(p.scaled_width, 1280);
        assert_eq!(p.scaled_height, 1811);
        assert_eq!(p.band_tops.first(), Some(&0));
        assert_eq!(p.band_tops.last(), Some(&(1811 - 720)));
        for pair in p.band_tops.windows(2) {
            assert!(pair[0] + TILE_HEIGHT >= pair[1] + MIN_OVERLAP, "{pair:?}");
        }
    }

    #[test]
    fn small_frames_are_never_scaled_up() {
        let p = plan(640, 480);
        assert_eq!(p.scale, 1.0);
        assert_eq!((p.scaled_width, p.scaled_height), (640, 480));
        assert_eq!(p.band_height(), 480);
    }
}
