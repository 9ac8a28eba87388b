//! `vrs audit verify|log`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::context::{Context, EXIT_DAMAGED};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain, every record's seal and SQLite's integrity; exit 6 on any problem.
    Verify,
    /// Print the audit log (one JSON object per line).
    Log {
        /// Only the entries of this record.
        #[arg(long)]
        record: Option<String>,
    },
}

pub fn run(context: &Context, command: AuditCommand) -> Result<ExitCode> {
    let queue = context.open()?;
    match command {
        AuditCommand::Verify => {
            let report = queue.verify()?;
            for problem in &report.problems {
                eprintln!("vrs: {problem}");
            }
            if report.is_ok() {
                println!(
                    "ok: {} audit entries chained, {} record versions authentic",
                    report.audit_entries, report.versions
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!("FAILED: {} problems", report.problems.len());
                Ok(ExitCode::from(EXIT_DAMAGED))
            }
        }
        AuditCommand::Log { record } => {
            for entry in queue.audit_entries(record.as_deref())? {
                println!("{}", serde_json::to_string(&entry)?);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
