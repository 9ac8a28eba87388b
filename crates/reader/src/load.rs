//! Opening an image file within limits: a corrupt, huge or non-image file is an error.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits};

use crate::config::ReaderConfig;
use crate::error::ReaderError;

pub(crate) fn load_image(path: &Path, config: &ReaderConfig) -> Result<DynamicImage, ReaderError> {
    let io = |source| ReaderError::Io {
        path: path.to_owned(),
        source,
    };
    let not_image = |reason: String| ReaderError::NotAnImage {
        path: path.to_owned(),
        reason,
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        return Err(not_image("not a regular file".into()));
    }
    if metadata.len() > config.max_file_bytes {
        return Err(ReaderError::TooLarge {
            path: path.to_owned(),
            reason: format!(
                "{} bytes, more than the {} allowed",
                metadata.len(),
                config.max_file_bytes
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let reader = ImageReader::new(Cursor::new(bytes.as_slice()))
        .with_guessed_format()
        .map_err(io)?;
    if reader.format().is_none() {
        return Err(not_image(
            "unknown format (expected PNG, JPEG, BMP or TIFF)".into(),
        ));
    }
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(&bytes) {
        return Err(not_image(
            "truncated JPEG: no end-of-image marker after the last scan".into(),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(config.max_image_side);
    limits.max_image_height = Some(config.max_image_side);
    let mut reader = reader;
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        ImageError::Limits(limit) => ReaderError::TooLarge {
            path: path.to_owned(),
            reason: format!("{limit} (at most {} pixels a side)", config.max_image_side),
        },
        ImageError::IoError(source) => io(source),
        other => not_image(other.to_string()),
    })
}

/// Whether a JPEG stream reaches its end-of-image marker after its last scan. The decoder
/// fills a truncated image with grey instead of failing; a half photo must be an error.
/// Markers cannot occur inside entropy-coded data (0xFF is stuffed there as 0xFF00), and an
/// EXIF thumbnail's own markers all come before the main image's scans.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    const START_OF_SCAN: [u8; 2] = [0xFF, 0xDA];
    const END_OF_IMAGE: [u8; 2] = [0xFF, 0xD9];
    let last_scan = bytes.windows(2).rposition(|w| w == START_OF_SCAN);
    match last_scan {
        Some(at) => bytes[at..].windows(2).any(|w| w == END_OF_IMAGE),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::jpeg_is_complete;

    #[test]
    fn end_marker_must_follow_the_last_scan() {
        let thumbnail = [0xFF, 0xDA, 1, 2, 0xFF, 0xD9];
        let mut whole = vec![0xFF, 0xD8];
        whole.extend_from_slice(&thumbnail);
        whole.extend_from_slice(&[0xFF, 0xDA, 7, 0xFF, 0x00, 9, 0xFF, 0xD9]);
        assert!(jpeg_is_complete(&whole));
        let cut = &whole[..whole.len() - 3];
        assert!(!jpeg_is_complete(cut));
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"camera junk");
        assert!(jpeg_is_complete(&trailing));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8]));
    }
}
