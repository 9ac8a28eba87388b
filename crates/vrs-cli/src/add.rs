//! `vrs add` and `vrs scan`: enqueue tickets with the session context.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use vrs_queue::{Queue, QueueError};
use vrs_record::ScanEvidence;
use vrs_ticket::Ticket;

use crate::context::{exit_code, Context};

#[derive(Args)]
pub struct AddArgs {
    /// The ticket's 18 digits (the OCR line).
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    ticket: Option<String>,
    /// Read tickets one per line from standard input (a keyboard-wedge barcode reader);
    /// prints one record id per line as each is committed.
    #[arg(long)]
    stdin: bool,
    /// Supervisor override of a duplicate dose; the reason goes into the audit log.
    #[arg(long, value_name = "TEXT")]
    override_reason: Option<String>,
}

fn manual_evidence() -> ScanEvidence {
    ScanEvidence {
        sources: Vec::new(),
        operator_confirmed: false,
        manual_entry: true,
    }
}

fn add_one(queue: &mut Queue, text: &str, override_reason: Option<&str>) -> Result<String> {
    let ticket = Ticket::parse(text.trim()).map_err(QueueError::from)?;
    let record = queue.add(ticket, manual_evidence(), override_reason)?;
    Ok(record.id.to_string())
}

pub fn add(context: &Context, args: AddArgs) -> Result<ExitCode> {
    let mut queue = context.open()?;
    let override_reason = args.override_reason.as_deref();
    if let Some(ticket) = args.ticket {
        println!("{}", add_one(&mut queue, &ticket, override_reason)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut worst = 0;
    let stdout = std::io::stdout();
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match add_one(&mut queue, &line, override_reason) {
            Ok(id) => {
                let mut out = stdout.lock();
                writeln!(out, "{id}")?;
                out.flush()?;
            }
            Err(error) => {
                eprintln!("vrs: line {}: {error:#}", number + 1);
                worst = worst.max(exit_code(&error));
            }
        }
    }
    Ok(ExitCode::from(worst))
}
