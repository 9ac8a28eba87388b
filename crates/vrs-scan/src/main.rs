//! `vrs-scan [--json] IMAGE...`: reads ticket images and prints one verdict per image.
//!
//! With `--json`, one JSON object per input on its own line, in input order:
//! `{"file","status","ticket","ocr","qr","nw7","reason","elapsed_ms"}`. Exits 0 once every
//! input was processed (a file that cannot be read is status `error`), 2 on a usage error.

mod outcome;
mod progress;
mod run;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use vrs_reader::{Reader, ReaderConfig};

use crate::outcome::{human_line, json_line};
use crate::progress::Progress;

/// Read vaccination ticket images: OCR line, QR code and NW-7 code, and their verdict.
#[derive(Debug, Parser)]
#[command(name = "vrs-scan", version)]
struct Args {
    /// One JSON object per image, one per line, in input order.
    #[arg(long)]
    json: bool,
    /// Image files (PNG, JPEG, BMP, TIFF).
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
}

fn main() -> ExitCode {
    // clap exits 2 on a usage error (no images, unknown flag) and 0 for --help/--version.
    let args = Args::parse();
    match scan(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs-scan: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn scan(args: &Args) -> Result<()> {
    let reader = Reader::new(ReaderConfig::default()).context("loading the reader")?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut progress = Progress::new(args.images.len());
    let result = run::scan_in_order(&reader, &args.images, workers, |index, outcome| {
        let file = args.images[index].to_string_lossy();
        let line = if args.json {
            json_line(&file, &outcome)
        } else {
            human_line(&file, &outcome)
        };
        writeln!(out, "{line}")?;
        // Each line goes out as soon as it is known, for tools reading the stream.
        out.flush()?;
        progress.advance();
        Ok::<(), std::io::Error>(())
    });
    progress.finish();
    result.context("writing to stdout")
}
