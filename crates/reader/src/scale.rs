//! Resizing grey frames for the code decoders.

use image::imageops::{self, FilterType};
use image::GrayImage;

/// The frame with its longer side at most `max_side` (unchanged when already small enough).
pub(crate) fn fit_within(gray: &GrayImage, max_side: u32) -> Option<GrayImage> {
    let longer = gray.width().max(gray.height());
    if longer <= max_side {
        return None;
    }
    Some(scaled(gray, max_side as f32 / longer as f32))
}

/// The frame scaled by `factor` (at least one pixel a side).
pub(crate) fn scaled(gray: &GrayImage, factor: f32) -> GrayImage {
    let side = |n: u32| ((n as f32 * factor).round() as u32).max(1);
    let (width, height) = (side(gray.width()), side(gray.height()));
    // Triangle averages enough neighbours when shrinking to keep thin bars; cheap enough.
    imageops::resize(gray, width, height, FilterType::Triangle)
}
