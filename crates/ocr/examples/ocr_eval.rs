//! Reads every photo of a `vrs-gen` folder with the OCR line reader and writes the figures the
//! model cards quote: exact reads, wrong reads, refusals, time per frame, and how the least
//! sure digit's confidence separates right reads from wrong ones.
//!
//!   RTEN_NUM_THREADS=1 cargo run --release -p vrs-ocr --example ocr_eval -- \
//!     --images DIR [--out figures.json] [--detector models/ocr-line-detector.onnx] [--recognizer ...]

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use vrs_ocr::OcrLineReader;

struct Args {
    images: PathBuf,
    out: Option<PathBuf>,
    detector: PathBuf,
    recognizer: PathBuf,
}

fn parse_args() -> Result<Args> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut args = Args {
        images: PathBuf::new(),
        out: None,
        detector: root.join("models/ocr-line-detector.onnx"),
        recognizer: root.join("models/ocr-line-recognizer.onnx"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--images" => args.images = value.into(),
            "--out" => args.out = Some(value.into()),
            "--detector" => args.detector = value.into(),
            "--recognizer" => args.recognizer = value.into(),
            _ => bail!("unknown flag {flag}"),
        }
    }
    if args.images.as_os_str().is_empty() {
        bail!("--images DIR is required");
    }
    Ok(args)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let reader = OcrLineReader::from_paths(&args.detector, &args.recognizer)?;
    let labels =
        std::fs::read_to_string(args.images.join("labels.jsonl")).context("labels.jsonl")?;
    let mut times = Vec::new();
    let (mut total, mut exact, mut wrong, mut refused) = (0usize, 0usize, 0usize, 0usize);
    let mut right_conf = Vec::new();
    let mut wrong_conf = Vec::new();
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let label: serde_json::Value = serde_json::from_str(line)?;
        let file = label["file"].as_str().context("label without file")?;
        let truth = label["line"].as_str().context("label without line")?;
        let gray = image::open(args.images.join(file))?.to_luma8();
        let started = Instant::now();
        let best = reader.best_read(&gray)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        total += 1;
        match best {
            Some(read) => {
                let least = read.confidences.iter().copied().fold(1.0f32, f32::min);
                let accepted = least >= reader.min_confidence();
                if read.digits == truth {
                    right_conf.push(least);
                    if accepted {
                        exact += 1
                    } else {
                        eprintln!("refused: {file} read right, least confidence {least:.3}");
                        refused += 1
                    }
                } else {
                    wrong_conf.push(least);
                    if accepted {
                        wrong += 1;
                        eprintln!(
                            "wrong: {file} read {} want {truth} (least confidence {least:.3})",
                            read.digits
                        );
                    } else {
                        eprintln!(
                            "refused: {file} read {} want {truth} (least confidence {least:.3})",
                            read.digits
                        );
                        refused += 1
                    }
                }
            }
            None => {
                eprintln!("refused: {file} no 18-digit line");
                refused += 1
            }
        }
    }
    times.sort_by(f64::total_cmp);
    right_conf.sort_by(f32::total_cmp);
    wrong_conf.sort_by(f32::total_cmp);
    let pct = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    let figures = serde_json::json!({
        "images": total,
        "exact_percent": pct(exact),
        "wrong_percent": pct(wrong),
        "refused_percent": pct(refused),
        "min_confidence": reader.min_confidence(),
        "ms_p50": percentile(&times, 0.5),
        "ms_p95": percentile(&times, 0.95),
        "rten_num_threads": std::env::var("RTEN_NUM_THREADS").unwrap_or_default(),
        "right_reads_least_confidence_p01": right_conf.get(right_conf.len() / 100).copied(),
        "wrong_reads_least_confidence": wrong_conf,
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    if let Some(out) = args.out {
        std::fs::write(out, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(())
}
