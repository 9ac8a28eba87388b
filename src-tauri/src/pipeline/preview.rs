//! Preview frames for the UI: downscaled and JPEG-encoded off the UI thread.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::DynamicImage;

use crate::error::{AppError, AppResult};

/// Wide enough to aim a ticket, small enough to send 15+ times a second.
pub const PREVIEW_WIDTH: u32 = 640;
const PREVIEW_QUALITY: u8 = 70;

/// A preview JPEG prefixed with the frame id (8 bytes, little-endian), so the UI knows which
/// frame it shows.
pub fn encode_preview(frame_id: u64, image: &DynamicImage) -> AppResult<Vec<u8>> {
    let small = if image.width() > PREVIEW_WIDTH {
        let height = (u64::from(image.height()) * u64::from(PREVIEW_WIDTH)
            / u64::from(image.width().max(1))) as u32;
        // Triangle is several times faster than Lanczos and plenty for a preview.
        image.resize_exact(PREVIEW_WIDTH, height.max(1), FilterType::Triangle)
    } else {
        image.clone()
    };
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(&frame_id.to_le_bytes());
    JpegEncoder::new_with_quality(&mut out, PREVIEW_QUALITY)
        .encode_image(&small.to_rgb8())
        .map_err(|e| AppError::Other(format!("preview JPEG: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscales_to_preview_width_and_tags_the_frame() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::new(1920, 1080));
        let bytes = encode_preview(42, &img).unwrap();
        assert_eq!(u64::from_le_bytes(bytes[..8].try_into().unwrap()), 42);
        let decoded = image::load_from_memory(&bytes[8..]).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (640, 360));
    }
}
