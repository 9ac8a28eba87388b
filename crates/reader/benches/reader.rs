//! Reader benchmark: decoders on the zxing black-box photos, our reader on generated tickets.
//!
//! `cargo bench -p vrs-reader --bench reader -- [--camera N] [--scan N] [--skip-zxing]
//!  [--max-side PX] [--scales 0.5,1.5] [--rqrr] [--no-ocr]`
//!
//! The options after `--` change the reader's configuration, to compare choices.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use image::{DynamicImage, GenericImageView, GrayImage};
use vrs_reader::codes::{rqrr_decode, rxing_decode, rxing_decode_global, Symbology};
use vrs_reader::{Reader, ReaderConfig, Status};
use vrs_ticketgen::{generate, Capture, GenOptions};

const ZXING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/zxing-blackbox"
);

struct Options {
    camera: u64,
    scan: u64,
    zxing: bool,
    /// Only these seed offsets (to look at single photos).
    only: Option<Vec<u64>>,
    config: ReaderConfig,
}

fn parse_options() -> Options {
    let mut options = Options {
        camera: 1000,
        scan: 0,
        zxing: true,
        only: None,
        config: ReaderConfig::default(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--camera" => options.camera = value().parse().unwrap(),
            "--scan" => options.scan = value().parse().unwrap(),
            "--skip-zxing" => options.zxing = false,
            "--only" => {
                options.only = Some(value().split(',').map(|s| s.parse().unwrap()).collect())
            }
            "--max-side" => options.config.max_decode_side = value().parse().unwrap(),
            "--scales" => {
                let text = value();
                options.config.extra_scales = text
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect();
            }
            "--full-size" => options.config.full_size_fallback = true,
            "--no-full-size" => options.config.full_size_fallback = false,
            "--rxing-codabar" => options.config.rxing_codabar = true,
            "--angles" => {
                let text = value();
                options.config.nw7_angles = text
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect();
            }
            "--no-model-fit" => options.config.nw7_model_fit = false,
            "--any-nw7" => options.config.nw7_tickets_only = false,
            "--no-sharpened-qr" => options.config.sharpened_qr = false,
            "--no-qr-grid" => options.config.qr_grid = false,
            "--rqrr" => options.config.run_rqrr = true,
            "--no-rqrr" => options.config.run_rqrr = false,
            "--no-ocr" => options.config.run_ocr = false,
            "--bench" => {}
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// Median and 95th percentile of durations, in milliseconds.
fn percentiles(times: &mut [Duration]) -> (f64, f64) {
    if times.is_empty() {
        return (0.0, 0.0);
    }
    times.sort();
    let at = |q: f64| {
        let index = ((times.len() - 1) as f64 * q).round() as usize;
        times[index].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.95))
}

struct Sample {
    path: PathBuf,
    gray: GrayImage,
    image: DynamicImage,
    expected: String,
    symbology: Symbology,
}

fn zxing_samples(root: &Path) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().to_string();
        let symbology = if name.starts_with("codabar") {
            Symbology::Codabar
        } else {
            Symbology::Qr
        };
        let mut pngs: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
            .collect();
        pngs.sort();
        for path in pngs {
            let text = path.with_extension("txt");
            // Byte-exact, no trimming (the folder's README).
            let expected = String::from_utf8(std::fs::read(&text).unwrap()).unwrap();
            let image = image::open(&path).unwrap();
            samples.push(Sample {
                path,
                gray: image.to_luma8(),
                image,
                expected,
                symbology,
            });
        }
    }
    samples
}

#[derive(Default)]
struct Tally {
    qr_right: usize,
    qr_total: usize,
    codabar_right: usize,
    codabar_total: usize,
    times: Vec<Duration>,
}

impl Tally {
    fn add(&mut self, sample: &Sample, got: Option<&str>, time: Duration) {
        let right = got == Some(sample.expected.as_str());
        match sample.symbology {
            Symbology::Qr => {
                self.qr_total += 1;
                self.qr_right += usize::from(right);
            }
            Symbology::Codabar => {
                self.codabar_total += 1;
                self.codabar_right += usize::from(right);
            }
        }
        self.times.push(time);
    }

    fn row(&mut self, name: &str) -> String {
        let (median, p95) = percentiles(&mut self.times);
        let codabar = if self.codabar_total == 0 {
            "–".to_string()
        } else {
            format!("{}/{}", self.codabar_right, self.codabar_total)
        };
        format!(
            "| {name} | {}/{} | {codabar} | {median:.2} | {p95:.2} |",
            self.qr_right, self.qr_total
        )
    }
}

fn zbar_available() -> bool {
    Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// zbarimg's text for one file: `--raw` adds one newline after each symbol.
fn zbar_decode(path: &Path, symbology: Symbology) -> Option<String> {
    let enable = match symbology {
        Symbology::Qr => "qrcode.enable",
        Symbology::Codabar => "codabar.enable",
    };
    let output = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", &format!("-S{enable}")])
        .arg(path)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let mut text = String::from_utf8(output.stdout).ok()?;
    text.pop();
    if symbology == Symbology::Codabar {
        // zbar keeps the start/stop letters; zxing's expected text does not.
        let inner = text
            .get(1..text.len().saturating_sub(1))
            .map(str::to_string);
        return inner;
    }
    Some(text)
}

fn bench_zxing(config: &ReaderConfig) {
    let root = Path::new(ZXING);
    if !root.is_dir() {
        println!("zxing black-box set missing at {ZXING}; skipped");
        return;
    }
    let samples = zxing_samples(root);
    let mut rxing = Tally::default();
    let mut rqrr = Tally::default();
    let mut ours = Tally::default();
    let mut zbar = Tally::default();
    let reader = Reader::new(ReaderConfig {
        run_ocr: false,
        // The set's Codabar codes hold no ticket numbers.
        nw7_tickets_only: false,
        ..config.clone()
    })
    .unwrap();
    let use_zbar = zbar_available();
    let mut rqrr_added = Vec::new();
    let mut ours_missed = Vec::new();
    for sample in &samples {
        let started = Instant::now();
        let got = rxing_decode(&sample.gray, sample.symbology);
        rxing.add(sample, got.as_deref(), started.elapsed());
        let rxing_right = got.as_deref() == Some(sample.expected.as_str());

        if sample.symbology == Symbology::Qr {
            let started = Instant::now();
            let got = rqrr_decode(&sample.gray);
            rqrr.add(sample, got.as_deref(), started.elapsed());
            if !rxing_right && got.as_deref() == Some(sample.expected.as_str()) {
                rqrr_added.push(sample.path.clone());
            }
        }

        let report = reader.read_image(&sample.image);
        let got = match sample.symbology {
            Symbology::Qr => report.qr.as_deref(),
            Symbology::Codabar => report.nw7.as_deref(),
        };
        if got != Some(sample.expected.as_str()) {
            ours_missed.push(sample.path.clone());
        }
        ours.add(sample, got, report.elapsed);

        if use_zbar {
            let started = Instant::now();
            let got = zbar_decode(&sample.path, sample.symbology);
            zbar.add(sample, got.as_deref(), started.elapsed());
        }
    }
    println!("\nzxing black-box set ({} images)\n", samples.len());
    println!("| decoder | QR exact | Codabar exact | median ms | p95 ms |");
    println!("| --- | --- | --- | --- | --- |");
    println!("{}", rxing.row("rxing 0.9 alone (native size)"));
    println!("{}", rqrr.row("rqrr 0.11 alone (QR only)"));
    println!(
        "{}",
        ours.row(&format!(
            "vrs-reader (max side {}, extra scales {:?}, rqrr {}, no OCR)",
            config.max_decode_side, config.extra_scales, config.run_rqrr
        ))
    );
    if use_zbar {
        println!("{}", zbar.row("zbarimg 0.23 (a process per image)"));
    } else {
        println!("| zbarimg | not installed | | | |");
    }
    println!("\nrqrr right where rxing missed: {rqrr_added:?}");
    println!("vrs-reader missed: {ours_missed:?}");
}

#[derive(Default)]
struct Generated {
    total: usize,
    qr_printed: usize,
    qr_in_frame: usize,
    qr_in_frame_right: usize,
    nw7_in_frame: usize,
    nw7_in_frame_right: usize,
    qr_right: usize,
    qr_wrong: usize,
    nw7_printed: usize,
    nw7_right: usize,
    nw7_wrong: usize,
    ocr_right: usize,
    ocr_wrong: usize,
    accepted: usize,
    unconfirmed: usize,
    mismatch: usize,
    invalid: usize,
    unreadable: usize,
    wrong_accepted: usize,
    wrong_unconfirmed: usize,
    times: Vec<Duration>,
}

fn strip_guards(nw7: &str) -> String {
    nw7.trim_matches(|c: char| matches!(c.to_ascii_uppercase(), 'A' | 'B' | 'C' | 'D'))
        .to_string()
}

/// Whether every corner of a code lies inside the frame.
fn in_frame(quad: &vrs_ticketgen::Quad, width: u32, height: u32) -> bool {
    quad.iter()
        .all(|[x, y]| *x >= 0.0 && *y >= 0.0 && *x <= width as f32 && *y <= height as f32)
}

fn bench_generated(config: &ReaderConfig, capture: Capture, count: u64, only: Option<&[u64]>) {
    if count == 0 {
        return;
    }
    let reader = Reader::new(config.clone()).unwrap();
    let options = GenOptions {
        capture,
        ..GenOptions::default()
    };
    let mut tally = Generated::default();
    let mut failures = Vec::new();
    // Seeds far from the tests' so the benchmark is not tuned on them; BENCH_FIRST_SEED=9000000
    // reads the OCR benchmark's held-out photos (the detector trains on seeds from 1,000,000).
    let first_seed: u64 = std::env::var("BENCH_FIRST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seeds: Vec<u64> = match only {
        Some(list) => list.to_vec(),
        None => (0..count).collect(),
    };
    for seed in seeds {
        let sample = generate(first_seed + seed, &options);
        let label = sample.label;
        let image = DynamicImage::ImageRgb8(sample.image);
        if let Some(dir) = std::env::var_os("BENCH_SAVE_DIR") {
            let path = Path::new(&dir).join(format!("{}-{}.png", capture.name(), label.seed));
            image.save(path).unwrap();
        }
        let report = reader.read_image(&image);
        tally.total += 1;
        tally.times.push(report.elapsed);
        let (width, height) = image.dimensions();
        let qr_seen = label.qr_quad.is_some_and(|q| in_frame(&q, width, height));
        let nw7_seen = label.nw7_quad.is_some_and(|q| in_frame(&q, width, height));
        if let Some(printed) = label.qr.as_ref().filter(|_| qr_seen) {
            if std::env::var_os("BENCH_NW7_DEBUG").is_some() {
                let q = label.qr_quad.unwrap();
                let side = |a: [f32; 2], b: [f32; 2]| {
                    ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
                };
                let shortest = (0..4)
                    .map(|i| side(q[i], q[(i + 1) % 4]))
                    .fold(f32::MAX, f32::min);
                println!(
                    "qr {} side {shortest:.1}px seed {} decoder {:?}",
                    report.qr.as_ref() == Some(printed),
                    label.seed,
                    report.qr_decoder
                );
            }
            tally.qr_in_frame += 1;
            tally.qr_in_frame_right += usize::from(report.qr.as_ref() == Some(printed));
        }
        if let Some(printed) = label.nw7.as_ref().filter(|_| nw7_seen) {
            if std::env::var_os("BENCH_NW7_DEBUG").is_some() {
                let q = label.nw7_quad.unwrap();
                let length = ((q[1][0] - q[0][0]).powi(2) + (q[1][1] - q[0][1]).powi(2)).sqrt();
                let angle = (q[1][1] - q[0][1]).atan2(q[1][0] - q[0][0]).to_degrees();
                let module = length / (printed.len() as f32 * 12.0);
                println!(
                    "nw7 {} module {module:.2}px angle {angle:.1} len {} printed {printed} seed {}",
                    report.nw7.as_deref() == Some(strip_guards(printed).as_str()),
                    printed.len(),
                    label.seed
                );
            }
            tally.nw7_in_frame += 1;
            tally.nw7_in_frame_right +=
                usize::from(report.nw7.as_deref() == Some(strip_guards(printed).as_str()));
        }
        if let Some(printed) = &label.qr {
            tally.qr_printed += 1;
            match &report.qr {
                Some(read) if read == printed => tally.qr_right += 1,
                Some(_) => tally.qr_wrong += 1,
                None => {}
            }
        }
        if let Some(printed) = &label.nw7 {
            tally.nw7_printed += 1;
            match &report.nw7 {
                Some(read) if *read == strip_guards(printed) => tally.nw7_right += 1,
                Some(_) => tally.nw7_wrong += 1,
                None => {}
            }
        }
        match &report.ocr {
            Some(line) if line.digits == label.line => tally.ocr_right += 1,
            Some(_) => tally.ocr_wrong += 1,
            None => {}
        }
        let right_ticket = report
            .verdict
            .ticket
            .as_ref()
            .map(|t| t.digits() == label.line);
        match report.verdict.status {
            Status::Accepted => {
                tally.accepted += 1;
                if right_ticket != Some(true) {
                    tally.wrong_accepted += 1;
                }
            }
            Status::Unconfirmed => {
                tally.unconfirmed += 1;
                if right_ticket != Some(true) {
                    tally.wrong_unconfirmed += 1;
                }
            }
            Status::Mismatch => tally.mismatch += 1,
            Status::Invalid => tally.invalid += 1,
            Status::Unreadable => tally.unreadable += 1,
        }
        if std::env::var_os("BENCH_QR_VARIANTS").is_some()
            && qr_seen
            && report.qr.as_ref() != label.qr.as_ref()
        {
            qr_variants(
                &image.to_luma8(),
                label.qr.as_deref().unwrap_or(""),
                label.seed,
            );
        }
        let code_missed = (qr_seen && report.qr.as_ref() != label.qr.as_ref())
            || (nw7_seen
                && report.nw7.as_deref() != label.nw7.as_deref().map(strip_guards).as_deref());
        let wrong_ticket = right_ticket == Some(false);
        if code_missed || wrong_ticket || report.verdict.status != Status::Accepted {
            failures.push(format!(
                "seed {}: {}{}{} qr {:?}/{:?} nw7 {:?}/{:?} ocr {:?}/{:?}",
                label.seed,
                if wrong_ticket { "WRONG TICKET " } else { "" },
                if qr_seen && report.qr.as_ref() != label.qr.as_ref() {
                    " (QR in frame missed)"
                } else {
                    ""
                },
                report.verdict.status,
                report.qr,
                label.qr,
                report.nw7,
                label.nw7,
                report.ocr.as_ref().map(|l| &l.digits),
                label.line
            ));
        }
    }
    let t = &mut tally;
    let (median, p95) = percentiles(&mut t.times);
    let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    println!(
        "\ngenerated {} tickets ({} images, seeds {first_seed}..)\n",
        capture.name(),
        t.total
    );
    println!("| source | read right | read wrong | printed on | wholly in frame | read right when in frame |");
    println!("| --- | --- | --- | --- | --- | --- |");
    println!(
        "| QR | {} ({:.1} %) | {} | {} | {} | {} ({:.1} %) |",
        t.qr_right,
        pct(t.qr_right, t.qr_printed),
        t.qr_wrong,
        t.qr_printed,
        t.qr_in_frame,
        t.qr_in_frame_right,
        pct(t.qr_in_frame_right, t.qr_in_frame)
    );
    println!(
        "| NW-7 | {} ({:.1} %) | {} | {} | {} | {} ({:.1} %) |",
        t.nw7_right,
        pct(t.nw7_right, t.nw7_printed),
        t.nw7_wrong,
        t.nw7_printed,
        t.nw7_in_frame,
        t.nw7_in_frame_right,
        pct(t.nw7_in_frame_right, t.nw7_in_frame)
    );
    println!(
        "| OCR line | {} ({:.1} %) | {} | {} | | |",
        t.ocr_right,
        pct(t.ocr_right, t.total),
        t.ocr_wrong,
        t.total
    );
    println!("\n| accepted | unconfirmed | mismatch | invalid | unreadable | wrong accepted | wrong unconfirmed | median ms | p95 ms |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {median:.1} | {p95:.1} |",
        t.accepted,
        t.unconfirmed,
        t.mismatch,
        t.invalid,
        t.unreadable,
        t.wrong_accepted,
        t.wrong_unconfirmed
    );
    let shown = if std::env::var_os("BENCH_ALL_FAILURES").is_some() {
        failures.len()
    } else {
        30
    };
    for failure in failures.iter().take(shown) {
        println!("  {failure}");
    }
}

/// Which other ways of decoding read a QR code the reader missed (to choose fallbacks).
fn qr_variants(gray: &GrayImage, expected: &str, seed: u64) {
    use image::imageops::{resize, unsharpen, FilterType};
    let (w, h) = gray.dimensions();
    let up = |f: f32, filter| resize(gray, (w as f32 * f) as u32, (h as f32 * f) as u32, filter);
    let up2 = up(2.0, FilterType::CatmullRom);
    let up15 = up(1.5, FilterType::CatmullRom);
    let variants: Vec<(&str, Option<String>)> = vec![
        ("global", rxing_decode_global(gray, Symbology::Qr)),
        ("up2", rxing_decode(&up2, Symbology::Qr)),
        ("up1.5", rxing_decode(&up15, Symbology::Qr)),
        (
            "up2-sharp",
            rxing_decode(&unsharpen(&up2, 2.0, 0), Symbology::Qr),
        ),
        ("up2-global", rxing_decode_global(&up2, Symbology::Qr)),
        (
            "sharp-global",
            rxing_decode_global(&unsharpen(gray, 1.5, 0), Symbology::Qr),
        ),
        ("rqrr-up2", rqrr_decode(&up2)),
        ("rqrr-up2-sharp", rqrr_decode(&unsharpen(&up2, 2.0, 0))),
    ];
    let right: Vec<&str> = variants
        .iter()
        .filter(|(_, got)| got.as_deref() == Some(expected))
        .map(|(name, _)| *name)
        .collect();
    let wrong: Vec<&str> = variants
        .iter()
        .filter(|(_, got)| got.is_some() && got.as_deref() != Some(expected))
        .map(|(name, _)| *name)
        .collect();
    println!("qr variants seed {seed}: right {right:?} wrong {wrong:?}");
}

fn main() {
    let options = parse_options();
    println!("reader config: {:?}", options.config);
    if options.zxing {
        bench_zxing(&options.config);
    }
    bench_generated(
        &options.config,
        Capture::Camera {
            width: 1280,
            height: 720,
        },
        options.camera,
        options.only.as_deref(),
    );
    bench_generated(
        &options.config,
        Capture::FlatbedScan,
        options.scan,
        options.only.as_deref(),
    );
}
