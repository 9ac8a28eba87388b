//! Preview frames for the UI: downscaled and JPEG-encoded off the UI thread.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, Rgb, RgbImage};

use crate::error::{AppError, AppResult};

/// Wide enough to aim a ticket, small enough to send 15+ times a second.
pub const PREVIEW_WIDTH: u32 = 640;
const PREVIEW_QUALITY: u8 = 70;

/// Blocks of the frame stamp: a white and a black guard, then the frame id's low 32 bits,
/// most significant first, black for 1.
pub const STAMP_BLOCKS: u32 = 34;
/// Rows of the frame stamp at the top of the preview: one JPEG block row, so that
/// compression keeps each block black or white.
pub const STAMP_ROWS: u32 = 8;

/// The stamp's block width for a preview this wide (the page reads it the same way).
pub fn stamp_block_width(width: u32) -> u32 {
    (width / STAMP_BLOCKS).clamp(1, 16)
}

/// Writes the frame id into the top rows of the preview as black and white blocks: with the
/// stream transport the page gets only pixels, and reads which frame it drew from these (the
/// end-to-end test and the benchmark count drawn frames by them).
pub fn stamp_frame_id(image: &mut RgbImage, frame_id: u64) {
    let block = stamp_block_width(image.width());
    for index in 0..STAMP_BLOCKS {
        let black = match index {
            0 => false,
            1 => true,
            bit => (frame_id >> (STAMP_BLOCKS - 1 - bit)) & 1 == 1,
        };
        let value = if black { 0 } else { 255 };
        for y in 0..STAMP_ROWS.min(image.height()) {
            for x in index * block..((index + 1) * block).min(image.width()) {
                image.put_pixel(x, y, Rgb([value; 3]));
            }
        }
    }
}

/// A preview JPEG prefixed with the frame id (8 bytes, little-endian), so the UI knows which
/// frame it shows; with `stamp`, the id is also drawn into the picture ([`stamp_frame_id`]).
pub fn encode_preview(frame_id: u64, image: &DynamicImage, stamp: bool) -> AppResult<Vec<u8>> {
    let small = if image.width() > PREVIEW_WIDTH {
        let height = (u64::from(image.height()) * u64::from(PREVIEW_WIDTH)
            / u64::from(image.width().max(1))) as u32;
        // Triangle is several times faster than Lanczos and plenty for a preview.
        image.resize_exact(PREVIEW_WIDTH, height.max(1), FilterType::Triangle)
    } else {
        image.clone()
    };
    let mut rgb = small.to_rgb8();
    if stamp {
        stamp_frame_id(&mut rgb, frame_id);
    }
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(&frame_id.to_le_bytes());
    JpegEncoder::new_with_quality(&mut out, PREVIEW_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| AppError::Other(format!("preview JPEG: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscales_to_preview_width_and_tags_the_frame() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::new(1920, 1080));
        let bytes = encode_preview(42, &img, false).unwrap();
        assert_eq!(u64::from_le_bytes(bytes[..8].try_into().unwrap()), 42);
        let decoded = image::load_from_memory(&bytes[8..]).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (640, 360));
        assert_eq!(
            read_stamp(&decoded.to_rgb8()),
            None,
            "no stamp unless asked"
        );
    }

    /// Reads the stamp as the page does: the middle pixel of each block, dark for 1.
    fn read_stamp(image: &RgbImage) -> Option<u64> {
        let block = stamp_block_width(image.width());
        let dark = |index: u32| image.get_pixel(index * block + block / 2, STAMP_ROWS / 2)[0] < 128;
        if dark(0) || !dark(1) {
            return None;
        }
        Some((2..STAMP_BLOCKS).fold(0, |id, index| id << 1 | u64::from(dark(index))))
    }

    #[test]
    fn the_stamped_frame_id_survives_jpeg_on_any_picture() {
        // Noise under the stamp: the blocks must still read after compression.
        let mut noisy = RgbImage::new(1280, 720);
        for (x, y, p) in noisy.enumerate_pixels_mut() {
            *p = Rgb([((x * 7 + y * 13) % 251) as u8; 3]);
        }
        for (id, source) in [
            (0xA5C3_0F01_u64, DynamicImage::ImageRgb8(noisy)),
            (
                7,
                DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 480, Rgb([0; 3]))),
            ),
            (
                0xFFFF_FFFF,
                DynamicImage::ImageRgb8(RgbImage::from_pixel(400, 300, Rgb([255; 3]))),
            ),
        ] {
            let bytes = encode_preview(id, &source, true).unwrap();
            let decoded = image::load_from_memory(&bytes[8..]).unwrap().to_rgb8();
            assert_eq!(
                read_stamp(&decoded),
                Some(id),
                "{}x{}",
                source.width(),
                source.height()
            );
        }
    }
}
