//! `vrs`: the headless command over the tablet's encrypted record queue. A thin dispatch: each
//! command group lives in its own module.

mod add;
mod audit;
mod context;
mod files;
mod output;
mod pin;
mod queue;
mod scan;
mod session;
mod sync_commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Context;

#[derive(Parser)]
#[command(
    name = "vrs",
    version,
    about = "The tablet's encrypted vaccination record queue"
)]
struct Cli {
    /// The data directory holding the store.
    #[arg(long, env = "VRS_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the store (the PIN from VRS_PIN or a prompt).
    Init,
    /// The session context applied to every add and scan.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Validate a ticket's 18 digits and enqueue it; prints the record id.
    Add(add::AddArgs),
    /// Read ticket images and enqueue the accepted ones; one line per image.
    Scan(scan::ScanArgs),
    /// Supervisor review: list, search, versions, counts, void, correct, retry.
    #[command(subcommand)]
    Queue(queue::QueueCommand),
    /// The hash-chained audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Export the queue as CSV.
    Export(files::ExportArgs),
    /// Write an encrypted backup file (restorable with the PIN).
    Backup(files::BackupArgs),
    /// Make a new store in the data directory from a backup file.
    Restore(files::RestoreArgs),
    /// Change the PIN.
    #[command(subcommand)]
    Pin(pin::PinCommand),
    /// Enrol this tablet with the sync server using a one-time activation code.
    Enroll(sync_commands::EnrollArgs),
    /// Upload queued records to the sync server; prints a JSON summary.
    Sync(sync_commands::SyncArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let context = Context::new(cli.data_dir);
    let result = match cli.command {
        Command::Init => pin::init(&context),
        Command::Session(command) => session::run(&context, command),
        Command::Add(args) => add::add(&context, args),
        Command::Scan(args) => scan::scan(&context, args),
        Command::Queue(command) => queue::run(&context, command),
        Command::Audit(command) => audit::run(&context, command),
        Command::Export(args) => files::export(&context, args),
        Command::Backup(args) => files::backup(&context, args),
        Command::Restore(args) => files::restore(&context, args),
        Command::Pin(command) => pin::run(&context, command),
        Command::Enroll(args) => sync_commands::enroll(&context, args),
        Command::Sync(args) => sync_commands::sync(&context, args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("vrs: {error:#}");
            ExitCode::from(context::exit_code(&error))
        }
    }
}
