//! The OCR-line benchmark behind docs/benchmarks.md "## OCR", in one process:
//! - this project's reader (our detector + our recognizer, the bundled models),
//! - ocrs with the published general detector (../shared/models/ocrs-official) + our recognizer,
//! - tesseract (digits whitelist) as an outside peer, when installed,
//!
//! on held-out generated camera photos (1280×720) and 300-dpi scans, seeds never used in
//! training. Reports exact 18-digit reads, confident wrong reads, refusals, digit accuracy and
//! time per frame (median, p95), with ratios to our reader.
//!
//!   RTEN_NUM_THREADS=1 cargo bench -p vrs-ocr --bench ocr_line
//!
//! Sizes: OCR_BENCH_PHOTOS (1000), OCR_BENCH_SCANS (200), OCR_BENCH_TESSERACT (the first N of
//! each set given to tesseract, 100; it takes over a second per image), OCR_BENCH_PEER (the
//! first N of each set given to the published detector; all by default).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::GrayImage;
use vrs_ocr::{OcrLineReader, LINE_DIGITS};
use vrs_ticketgen::{generate, Capture, GenOptions};

const PHOTO_SEED: u64 = 9_000_000;
const SCAN_SEED: u64 = 9_200_000;
const PEER_DETECTOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/models/ocrs-official/text-detection.rten"
);
const OUR_RECOGNIZER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../models/ocr-line-recognizer.onnx"
);

struct Photo {
    gray: GrayImage,
    truth: String,
}

#[derive(Default)]
struct Tally {
    images: usize,
    exact: usize,
    wrong: usize,
    refused: usize,
    right_digits: usize,
    millis: Vec<f64>,
    /// Least digit confidence of each confident-or-not 18-digit read, split by right/wrong.
    right_least: Vec<f32>,
    wrong_least: Vec<f32>,
}

impl Tally {
    fn add(&mut self, truth: &str, read: Option<(&str, Option<f32>)>, accepted: bool, ms: f64) {
        self.images += 1;
        self.millis.push(ms);
        let Some((digits, least)) = read else {
            self.refused += 1;
            return;
        };
        self.right_digits += digits
            .chars()
            .zip(truth.chars())
            .filter(|(a, b)| a == b)
            .count();
        let right = digits == truth;
        if let Some(least) = least {
            if right {
                self.right_least.push(least)
            } else {
                self.wrong_least.push(least)
            }
        }
        match (accepted, right) {
            (false, _) => self.refused += 1,
            (true, true) => self.exact += 1,
            (true, false) => self.wrong += 1,
        }
    }

    fn p(&self, q: f64) -> f64 {
        let mut t = self.millis.clone();
        t.sort_by(f64::total_cmp);
        t.get(((t.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }

    fn row(&self, name: &str, ours: Option<&Tally>) {
        let pct = |n: usize| 100.0 * n as f64 / self.images.max(1) as f64;
        let digit_acc =
            100.0 * self.right_digits as f64 / (self.images * LINE_DIGITS).max(1) as f64;
        let ratio = ours
            .map(|o| format!("{:.2}×", self.p(0.5) / o.p(0.5)))
            .unwrap_or_else(|| "1.00×".into());
        println!(
            "| {name} | {} | {:.2} % | {:.2} % | {:.2} % | {:.2} % | {:.1} | {:.1} | {ratio} |",
            self.images,
            pct(self.exact),
            pct(self.wrong),
            pct(self.refused),
            digit_acc,
            self.p(0.5),
            self.p(0.95),
        );
    }
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn generate_set(first_seed: u64, count: usize, capture: Capture) -> Vec<Photo> {
    let options = GenOptions {
        capture,
        ..GenOptions::default()
    };
    let make = |seeds: std::ops::Range<u64>| -> Vec<Photo> {
        seeds
            .map(|seed| {
                let sample = generate(seed, &options);
                Photo {
                    gray: image::DynamicImage::ImageRgb8(sample.image).to_luma8(),
                    truth: sample.label.line,
                }
            })
            .collect()
    };
    let mid = first_seed + count as u64 / 2;
    std::thread::scope(|s| {
        let a = s.spawn(|| make(first_seed..mid));
        let mut all = a.join().unwrap();
        all.extend(make(mid..first_seed + count as u64));
        all
    })
}

fn run_reader(reader: &OcrLineReader, photos: &[Photo]) -> Tally {
    let mut tally = Tally::default();
    for photo in photos {
        let started = Instant::now();
        let best = reader.best_read(&photo.gray).unwrap();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let least = best
            .as_ref()
            .map(|b| b.confidences.iter().copied().fold(1.0f32, f32::min));
        let accepted = least.is_some_and(|l| l >= reader.min_confidence());
        let read = best.as_ref().map(|b| (b.digits.as_str(), least));
        tally.add(&photo.truth, read, accepted, ms);
    }
    tally
}

/// The 18-digit line tesseract read, if any: digits of one text line, spaces removed.
fn tesseract_line(image: &Path) -> Option<String> {
    let out = Command::new("tesseract")
        .arg(image)
        .arg("stdout")
        .args(["-c", "tessedit_char_whitelist=0123456789"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.chars().filter(char::is_ascii_digit).collect::<String>())
        .find(|d| d.len() == LINE_DIGITS)
}

fn run_tesseract(photos: &[Photo], dir: &Path) -> Tally {
    let mut tally = Tally::default();
    for (i, photo) in photos.iter().enumerate() {
        let path = dir.join(format!("{i}.png"));
        photo.gray.save(&path).unwrap();
        let started = Instant::now();
        let line = tesseract_line(&path);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let read = line.as_deref().map(|l| (l, None));
        tally.add(&photo.truth, read, read.is_some(), ms);
    }
    tally
}

fn report_confidence(name: &str, t: &Tally) {
    let mut right = t.right_least.clone();
    right.sort_by(f32::total_cmp);
    let worst_wrong = t.wrong_least.iter().copied().fold(f32::NAN, f32::max);
    println!(
        "{name}: least digit confidence — right reads p1 {:.3}, min {:.3}; wrong 18-digit reads: {} (highest {:.3})",
        right.get(right.len() / 100).copied().unwrap_or(f32::NAN),
        right.first().copied().unwrap_or(f32::NAN),
        t.wrong_least.len(),
        worst_wrong,
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` probes harness-less benches
    }
    let photos_n = env_count("OCR_BENCH_PHOTOS", 1000);
    let scans_n = env_count("OCR_BENCH_SCANS", 200);
    let tess_n = env_count("OCR_BENCH_TESSERACT", 100);
    let peer_n = env_count("OCR_BENCH_PEER", usize::MAX);
    let threads = std::env::var("RTEN_NUM_THREADS").unwrap_or_else(|_| "all cores".into());
    println!("OCR line benchmark: {photos_n} camera photos 1280×720 (seeds {PHOTO_SEED}+), {scans_n} 300-dpi scans (seeds {SCAN_SEED}+), rten threads: {threads}");

    let camera = Capture::Camera {
        width: 1280,
        height: 720,
    };
    let photos = generate_set(PHOTO_SEED, photos_n, camera);
    let scans = generate_set(SCAN_SEED, scans_n, Capture::FlatbedScan);

    let ours = OcrLineReader::bundled().unwrap();
    let peer = match (std::fs::read(PEER_DETECTOR), std::fs::read(OUR_RECOGNIZER)) {
        (Ok(det), Ok(rec)) => Some(
            OcrLineReader::from_bytes(det, rec)
                .unwrap()
                .with_min_confidence(ours.min_confidence()),
        ),
        _ => {
            println!("notice: {PEER_DETECTOR} missing; the published-detector peer is skipped");
            None
        }
    };
    let tesseract = Command::new("tesseract").arg("--version").output().is_ok();
    if !tesseract {
        println!("notice: tesseract not installed (apt-get install tesseract-ocr); peer skipped");
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("vrs-ocr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    for (set, items) in [("camera photos", &photos), ("300-dpi scans", &scans)] {
        if items.is_empty() {
            continue;
        }
        let our_tally = run_reader(&ours, items);
        let peer_tally = peer
            .as_ref()
            .map(|p| run_reader(p, &items[..peer_n.min(items.len())]));
        let tess_tally = tesseract.then(|| run_tesseract(&items[..tess_n.min(items.len())], &dir));
        println!("\n### {set}\n");
        println!("| reader | images | exact | wrong | refused | digit accuracy | p50 ms | p95 ms | p50 vs ours |");
        println!("|---|---|---|---|---|---|---|---|---|");
        our_tally.row("ours: our detector + our recognizer", None);
        if let Some(t) = &peer_tally {
            t.row("published ocrs detector + our recognizer", Some(&our_tally));
        }
        if let Some(t) = &tess_tally {
            t.row(
                "tesseract (digits whitelist, as a process)",
                Some(&our_tally),
            );
        }
        println!();
        report_confidence("ours", &our_tally);
        if let Some(t) = &peer_tally {
            report_confidence("published detector", t);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
