//! Writes the recognizer's input for each photo of a `vrs-gen` folder exactly as the reader
//! makes it: our detector through ocrs, widened, cut out by ocrs. The training pipeline
//! (models/training) trains the recognizer on these, so it learns the margins the detector
//! really produces. Only the candidate lying on the labelled OCR line is kept.
//!
//!   cargo run --release -p vrs-ocr --example ocr_crops -- --images DIR --out PREFIX [--detector F] [--recognizer F] [--limit N]
//!
//! Writes PREFIX.bin (each crop's bytes, row-major, grey 0..255) and PREFIX.jsonl (one line per
//! crop: file, line, width, height, offset into PREFIX.bin).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use vrs_ocr::OcrLineReader;

fn main() -> Result<()> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut images = None;
    let mut out = None;
    let mut detector = root.join("models/ocr-line-detector.onnx");
    let mut recognizer = root.join("models/ocr-line-recognizer.onnx");
    let mut limit = usize::MAX;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--images" => images = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            "--detector" => detector = value.into(),
            "--recognizer" => recognizer = value.into(),
            "--limit" => limit = value.parse().context("--limit")?,
            _ => bail!("unknown flag {flag}"),
        }
    }
    let images = images.context("--images DIR is required")?;
    let out = out.context("--out PREFIX is required")?;
    // The recognizer is only needed to build the engine; any compatible one will do.
    let reader = OcrLineReader::from_paths(&detector, &recognizer)?;
    let labels = std::fs::read_to_string(images.join("labels.jsonl")).context("labels.jsonl")?;
    let mut bin = std::io::BufWriter::new(std::fs::File::create(out.with_extension("bin"))?);
    let mut index = std::io::BufWriter::new(std::fs::File::create(out.with_extension("jsonl"))?);
    let (mut total, mut found, mut offset) = (0usize, 0usize, 0usize);
    for line in labels.lines().filter(|l| !l.trim().is_empty()).take(limit) {
        let label: serde_json::Value = serde_json::from_str(line)?;
        let file = label["file"].as_str().context("label without file")?;
        let truth = label["line"].as_str().context("label without line")?;
        let quad: Vec<[f32; 2]> = serde_json::from_value(label["line_quad"].clone())?;
        let (cx, cy, width, height) = quad_box(&quad)?;
        let gray = image::open(images.join(file))?.to_luma8();
        total += 1;
        let on_line = reader.line_crops(&gray)?.into_iter().find(|c| {
            (c.center.0 - cx).abs() <= 0.1 * width && (c.center.1 - cy).abs() <= 0.75 * height
        });
        let Some(crop) = on_line else { continue };
        found += 1;
        let bytes: Vec<u8> = crop
            .pixels
            .iter()
            .map(|v| ((v + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8)
            .collect();
        bin.write_all(&bytes)?;
        let entry = serde_json::json!({
            "file": file, "line": truth, "width": crop.width, "height": crop.height, "offset": offset,
        });
        writeln!(index, "{entry}")?;
        offset += bytes.len();
    }
    bin.flush()?;
    index.flush()?;
    println!(
        "{}: line found on {found} of {total} images",
        images.display()
    );
    Ok(())
}

/// Centre, width and height of the labelled line quad (TL, TR, BR, BL).
fn quad_box(quad: &[[f32; 2]]) -> Result<(f32, f32, f32, f32)> {
    let [tl, tr, br, bl] = quad else {
        bail!("line_quad: expected 4 points, got {}", quad.len())
    };
    let dist = |a: &[f32; 2], b: &[f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let cx = (tl[0] + tr[0] + br[0] + bl[0]) / 4.0;
    let cy = (tl[1] + tr[1] + br[1] + bl[1]) / 4.0;
    Ok((
        cx,
        cy,
        (dist(tl, tr) + dist(bl, br)) / 2.0,
        (dist(tl, bl) + dist(tr, br)) / 2.0,
    ))
}
