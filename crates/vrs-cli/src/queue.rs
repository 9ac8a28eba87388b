//! `vrs queue …`: supervisor review.

use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use vrs_queue::{Filter, QueueError, State};
use vrs_ticket::Ticket;

use crate::context::{report_damaged, Context};
use crate::output;

#[derive(Subcommand)]
pub enum QueueCommand {
    /// List records (current versions), oldest vaccination first.
    List(ListArgs),
    /// Find the records of one ticket (by its keyed hash; nothing is decrypted to search).
    Search {
        /// The ticket's 18 digits.
        ticket: String,
        #[arg(long)]
        json: bool,
    },
    /// Every version of one record, oldest first.
    Versions {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Records (not voided) per hour of vaccination.
    Counts {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Void a record with a reason (a new version; the old ones stay).
    Void {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Send a quarantined record again, once the server's reason has been dealt with.
    Retry { id: String },
    /// Correct one field with a reason (a new version; the old ones stay).
    Correct {
        id: String,
        /// ticket, date, time, venue, maker, lot, dose or operator.
        #[arg(long)]
        field: String,
        #[arg(long)]
        value: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Args)]
pub struct ListArgs {
    /// One JSON object per record and line.
    #[arg(long)]
    json: bool,
    /// queued, synced, voided or quarantined.
    #[arg(long)]
    state: Option<State>,
    /// Vaccination date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
    #[arg(long)]
    limit: Option<usize>,
}

fn parse_ticket(text: &str) -> Result<Ticket> {
    Ok(Ticket::parse(text.trim()).map_err(QueueError::from)?)
}

pub fn run(context: &Context, command: QueueCommand) -> Result<ExitCode> {
    let mut queue = context.open()?;
    match command {
        QueueCommand::List(args) => {
            let listing = queue.list(&Filter {
                state: args.state,
                date: args.date,
                ticket: None,
                limit: args.limit,
            })?;
            output::print(&listing.records, args.json);
            Ok(report_damaged(&listing.damaged))
        }
        QueueCommand::Search { ticket, json } => {
            let listing = queue.search_ticket(&parse_ticket(&ticket)?)?;
            output::print(&listing.records, json);
            Ok(report_damaged(&listing.damaged))
        }
        QueueCommand::Versions { id, json } => {
            output::print(&queue.versions(&id)?, json);
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Counts { date, json } => {
            for count in queue.counts_per_hour(date)? {
                if json {
                    println!("{}", serde_json::to_string(&count)?);
                } else {
                    println!(
                        "{}  {}",
                        count.hour.format("%Y-%m-%d %H:00%:z"),
                        count.count
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Void { id, reason } => {
            let record = queue.void(&id, &reason)?;
            println!("{} voided (version {})", record.id, record.version);
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Retry { id } => {
            let released = queue.release_quarantine(&id)?;
            println!("{id}: {released} quarantined versions will be sent again");
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Correct {
            id,
            field,
            value,
            reason,
        } => {
            let record = queue.correct(&id, &field, &value, &reason)?;
            println!(
                "{} corrected {field} (version {})",
                record.id, record.version
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
