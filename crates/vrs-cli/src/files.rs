//! `vrs export`, `vrs backup` and `vrs restore`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use vrs_queue::{CsvEncoding, Filter, Queue, State};

use crate::context::{read_pin, report_damaged, Context};

#[derive(Args)]
pub struct ExportArgs {
    /// The CSV file to write.
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    /// utf-8 (with a BOM, for Excel) or shift_jis (for older municipal PCs).
    #[arg(long, default_value = "utf-8")]
    encoding: CsvEncoding,
    /// Only records in this state.
    #[arg(long)]
    state: Option<State>,
}

#[derive(Args)]
pub struct BackupArgs {
    /// The backup file to write.
    file: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file to read; the data directory must hold no store yet.
    file: PathBuf,
}

pub fn export(context: &Context, args: ExportArgs) -> Result<ExitCode> {
    let queue = context.open()?;
    let filter = Filter {
        state: args.state,
        ..Filter::default()
    };
    let report = queue.export_csv(&args.csv, args.encoding, &filter)?;
    println!("{} records written to {}", report.rows, args.csv.display());
    Ok(report_damaged(&report.damaged))
}

pub fn backup(context: &Context, args: BackupArgs) -> Result<ExitCode> {
    let queue = context.open()?;
    let report = queue.backup(&args.file)?;
    println!(
        "{} record versions backed up to {}",
        report.versions,
        args.file.display()
    );
    Ok(report_damaged(&report.damaged))
}

pub fn restore(context: &Context, args: RestoreArgs) -> Result<ExitCode> {
    let dir = context.data_dir()?;
    if Queue::exists(&dir) {
        return Err(vrs_queue::QueueError::AlreadyExists(dir).into());
    }
    let pin = read_pin("Backup PIN: ")?;
    let (queue, report) = Queue::restore(&dir, &args.file, &pin)?;
    println!(
        "{} record versions restored into {} (device {})",
        report.versions,
        dir.display(),
        queue.device_id()
    );
    let makers = queue.pending_makers_elsewhere()?;
    if !makers.is_empty() {
        eprintln!(
            "records not yet synced were made on {}: enrol with an activation code issued with \
             `vrs-server admin device issue … --replaces {}` so that the server takes them",
            makers.join(", "),
            makers.last().map_or("", String::as_str)
        );
    }
    Ok(ExitCode::SUCCESS)
}
