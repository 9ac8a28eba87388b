//! Opening an image file within limits: a corrupt, huge or non-image file is an error.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageError, ImageReader, Limits};

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
