#![allow(clippy::unwrap_used)]
//! The shipped models load, and the reader can be shared across threads (one per process).

use image::GrayImage;
use vrs_ocr::OcrLineReader;

fn assert_shareable<T: Send + Sync + 'static>() {}

#[test]
fn bundled_models_load_and_a_blank_frame_reads_nothing() {
    assert_shareable::<OcrLineReader>();
    let reader = OcrLineReader::bundled().unwrap();
    let blank = GrayImage::from_pixel(640, 360, image::Luma([255]));
    assert_eq!(reader.read(&blank).unwrap(), None);
}
