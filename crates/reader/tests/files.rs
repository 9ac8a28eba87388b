//! Files that are no good images: each is an error naming the file and the reason, never a panic.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma, RgbImage};
use vrs_reader::{Reader, ReaderConfig, ReaderError};

fn reader(config: ReaderConfig) -> Reader {
    Reader::new(ReaderConfig {
        run_ocr: false,
        ..config
    })
    .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vrs-reader-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A real photo-like JPEG: a generated ticket.
fn write_ticket_jpeg(path: &Path) {
    let sample = vrs_ticketgen::generate(11, &vrs_ticketgen::GenOptions::default());
    sample.image.save(path).unwrap();
}

fn message(result: Result<vrs_reader::ScanReport, ReaderError>) -> (ReaderError, String) {
    let error = result.unwrap_err();
    let text = error.to_string();
    (error, text)
}

#[test]
fn truncated_jpeg_and_png_are_errors() {
    let dir = temp_dir("truncated");
    let whole = dir.join("whole.jpg");
    write_ticket_jpeg(&whole);
    let bytes = std::fs::read(&whole).unwrap();
    let reader = reader(ReaderConfig::default());
    assert!(reader.read_path(&whole).is_ok());

    let cut = dir.join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (error, text) = message(reader.read_path(&cut));
    assert!(matches!(error, ReaderError::NotAnImage { .. }), "{text}");
    assert!(
        text.contains("cut.jpg") && text.contains("truncated"),
        "{text}"
    );

    let png = dir.join("whole.png");
    RgbImage::from_pixel(300, 200, image::Rgb([200, 10, 10]))
        .save(&png)
        .unwrap();
    let png_bytes = std::fs::read(&png).unwrap();
    let cut_png = dir.join("cut.png");
    std::fs::write(&cut_png, &png_bytes[..png_bytes.len() / 2]).unwrap();
    let (_, text) = message(reader.read_path(&cut_png));
    assert!(text.contains("cut.png"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn text_files_missing_files_and_folders_are_errors() {
    let dir = temp_dir("not-images");
    let text_file = dir.join("notes.txt");
    std::fs::write(&text_file, "this is not an image\n").unwrap();
    let disguised = dir.join("photo.jpg");
    std::fs::write(&disguised, [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F']).unwrap();
    let reader = reader(ReaderConfig::default());

    let (error, text) = message(reader.read_path(&text_file));
    assert!(matches!(error, ReaderError::NotAnImage { .. }), "{text}");
    assert!(text.contains("notes.txt"), "{text}");

    let (error, text) = message(reader.read_path(&disguised));
    assert!(matches!(error, ReaderError::NotAnImage { .. }), "{text}");

    let (error, text) = message(reader.read_path(&dir.join("absent.png")));
    assert!(matches!(error, ReaderError::Io { .. }), "{text}");
    assert!(text.contains("absent.png"), "{text}");

    let (error, _) = message(reader.read_path(&dir));
    assert!(matches!(error, ReaderError::NotAnImage { .. }));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn oversized_images_are_refused_before_decoding() {
    let dir = temp_dir("oversized");
    // Tiny on disk, but wider than the limit.
    let wide = dir.join("wide.png");
    GrayImage::from_pixel(12_001, 2, Luma([255]))
        .save(&wide)
        .unwrap();
    let reader_default = reader(ReaderConfig::default());
    let (error, text) = message(reader_default.read_path(&wide));
    assert!(matches!(error, ReaderError::TooLarge { .. }), "{text}");
    assert!(
        text.contains("wide.png") && text.contains("12000"),
        "{text}"
    );

    let small = dir.join("small.png");
    GrayImage::from_pixel(64, 64, Luma([255]))
        .save(&small)
        .unwrap();
    let size = std::fs::metadata(&small).unwrap().len();
    let strict = reader(ReaderConfig {
        max_file_bytes: size - 1,
        ..ReaderConfig::default()
    });
    let (error, text) = message(strict.read_path(&small));
    assert!(matches!(error, ReaderError::TooLarge { .. }), "{text}");
    assert!(text.contains("bytes"), "{text}");
    // The same file within the limit reads (blank: nothing found).
    let report = reader_default.read_path(&small).unwrap();
    assert_eq!(report.verdict.status, vrs_reader::Status::Unreadable);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let error = Reader::new(ReaderConfig {
        extra_scales: vec![0.0],
        run_ocr: false,
        ..ReaderConfig::default()
    })
    .err()
    .unwrap();
    assert!(error.to_string().contains("extra_scales"), "{error}");
}
