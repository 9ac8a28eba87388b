//! `vrs scan IMAGE...`: reads each image and enqueues the accepted tickets.
//!
//! Accepted → enqueued with the sources that agreed. Unconfirmed (an OCR-only or NW-7-only
//! read) → not enqueued: an operator must confirm it (in the app, or type it with `vrs add`).
//! Mismatch, invalid, unreadable or an unreadable file → the reason. Exit 0 when every image
//! was enqueued, 3 when any was a duplicate, 4 when any other was not enqueued.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use vrs_queue::Queue;
use vrs_reader::{Reader, ReaderConfig, ScanReport, Status};
use vrs_record::ScanEvidence;

use crate::context::{exit_code, Context, EXIT_INVALID};

#[derive(Args)]
pub struct ScanArgs {
    /// Ticket images (JPEG, PNG, …).
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

/// One image's outcome line and exit code.
fn enqueue(queue: &mut Queue, report: ScanReport) -> (String, u8) {
    let verdict = report.verdict;
    let reason = verdict.reason.unwrap_or_default();
    match (verdict.status, verdict.ticket) {
        (Status::Accepted, Some(ticket)) => {
            let evidence = ScanEvidence {
                sources: verdict.agreed,
                operator_confirmed: false,
                manual_entry: false,
            };
            let digits = ticket.digits();
            match queue.add(ticket, evidence, None) {
                Ok(record) => (format!("accepted {digits} {}", record.id), 0),
                Err(error) => {
                    let error = anyhow::Error::from(error);
                    (format!("not enqueued {digits}: {error:#}"), exit_code(&error))
                }
            }
        }
        (Status::Unconfirmed, Some(ticket)) => (
            format!(
                "unconfirmed {ticket}: needs an operator's confirmation, not enqueued (enter it with `vrs add` once checked)"
            ),
            EXIT_INVALID,
        ),
        (status, _) => (format!("{status}: {reason}"), EXIT_INVALID),
    }
}

pub fn scan(context: &Context, args: ScanArgs) -> Result<ExitCode> {
    let mut queue = context.open()?;
    if queue.session()?.is_none() {
        return Err(vrs_queue::QueueError::NoSession.into());
    }
    let reader = Reader::new(ReaderConfig::default())?;
    let mut worst = 0;
    for path in &args.images {
        let (line, code) = match reader.read_path(path) {
            Ok(report) => enqueue(&mut queue, report),
            Err(error) => (format!("error: {error}"), EXIT_INVALID),
        };
        println!("{}: {line}", path.display());
        worst = worst.max(code);
    }
    Ok(ExitCode::from(worst))
}
