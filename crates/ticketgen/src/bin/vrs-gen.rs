//! `vrs-gen`: writes synthetic ticket photos or scans and a `labels.jsonl` describing each.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use vrs_ticketgen::{
    content_for_seed, try_generate_with, Capture, GenOptions, Label, TicketContent,
};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CaptureArg {
    Camera,
    Scan,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Jpg,
    Png,
}

/// Generate synthetic vaccination ticket images, deterministic from the seed.
#[derive(Debug, Parser)]
#[command(name = "vrs-gen", version)]
struct Args {
    /// Folder to write images and labels.jsonl into (created when missing).
    #[arg(long)]
    out: PathBuf,
    /// Number of images.
    #[arg(long, default_value_t = 10)]
    count: u64,
    /// Seed of the first image; image i uses seed + i.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value = "camera")]
    capture: CaptureArg,
    /// Camera frame width in pixels.
    #[arg(long, default_value_t = 1280)]
    width: u32,
    /// Camera frame height in pixels.
    #[arg(long, default_value_t = 720)]
    height: u32,
    #[arg(long, value_enum, default_value = "jpg")]
    format: FormatArg,
    /// Print these 18 digits on every ticket (QR and NW-7 follow unless overridden).
    #[arg(long)]
    line: Option<String>,
    /// Put this text in the QR code instead of the line (makes a mismatching ticket).
    #[arg(long)]
    qr: Option<String>,
    /// Leave the QR code off.
    #[arg(long, conflicts_with = "qr")]
    no_qr: bool,
    /// Leave the NW-7 barcode off.
    #[arg(long)]
    no_nw7: bool,
    /// No blur, noise or JPEG artefacts.
    #[arg(long)]
    clean: bool,
}

fn content(args: &Args, seed: u64) -> Result<TicketContent> {
    let mut content = content_for_seed(seed);
    if let Some(line) = &args.line {
        if line.len() != 18 || !line.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--line: {line:?} is not 18 digits");
        }
        content.line = line.clone();
        if content.qr.is_some() {
            content.qr = Some(line.clone());
        }
        content.nw7 = content.nw7.take().map(|old| {
            let start = old.chars().next().unwrap_or('A');
            let stop = old.chars().last().unwrap_or('A');
            let digits = if old.len() == 12 { &line[8..] } else { line };
            format!("{start}{digits}{stop}")
        });
    }
    if let Some(qr) = &args.qr {
        content.qr = Some(qr.clone());
    }
    if args.no_qr {
        content.qr = None;
    }
    if args.no_nw7 {
        content.nw7 = None;
    }
    Ok(content)
}

fn write_one(args: &Args, options: &GenOptions, index: u64) -> Result<Label> {
    let seed = args.seed.wrapping_add(index);
    let content = content(args, seed)?;
    let sample = try_generate_with(seed, &content, options)
        .with_context(|| format!("generating seed {seed}"))?;
    let ext = match args.format {
        FormatArg::Jpg => "jpg",
        FormatArg::Png => "png",
    };
    let path = args.out.join(format!("ticket-{index:05}.{ext}"));
    save(&sample.image, &path, args.format)?;
    Ok(sample.label)
}

fn save(image: &image::RgbImage, path: &Path, format: FormatArg) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    match format {
        FormatArg::Jpg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
                .encode_image(image)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        FormatArg::Png => {
            image
                .write_to(&mut out, image::ImageFormat::Png)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let capture = match args.capture {
        CaptureArg::Camera => Capture::Camera {
            width: args.width,
            height: args.height,
        },
        CaptureArg::Scan => Capture::FlatbedScan,
    };
    let options = GenOptions {
        capture,
        degrade: !args.clean,
        ..GenOptions::default()
    };
    vrs_ticketgen::check_fonts()?;
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let labels: Vec<Label> = (0..args.count)
        .into_par_iter()
        .map(|index| write_one(&args, &options, index))
        .collect::<Result<_>>()?;
    let labels_path = args.out.join("labels.jsonl");
    let mut out = BufWriter::new(
        File::create(&labels_path)
            .with_context(|| format!("creating {}", labels_path.display()))?,
    );
    for (index, label) in labels.iter().enumerate() {
        let mut value = serde_json::to_value(label)?;
        let ext = match args.format {
            FormatArg::Jpg => "jpg",
            FormatArg::Png => "png",
        };
        value["file"] = serde_json::Value::String(format!("ticket-{index:05}.{ext}"));
        writeln!(out, "{value}")?;
    }
    out.flush()?;
    eprintln!(
        "vrs-gen: wrote {} images to {}",
        labels.len(),
        args.out.display()
    );
    Ok(())
}
