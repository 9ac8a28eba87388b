//! `vrs session set|show`.

use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use vrs_queue::{Session, OPERATOR_NOT_GIVEN};

use crate::context::Context;

#[derive(Subcommand)]
pub enum SessionCommand {
    /// Set the context for the following adds and scans.
    Set(SetArgs),
    /// Print the current context as JSON.
    Show,
}

#[derive(Args)]
pub struct SetArgs {
    #[arg(long)]
    venue: String,
    /// Vaccine maker (presets: ファイザー, モデルナ, …; free text allowed).
    #[arg(long)]
    maker: String,
    #[arg(long)]
    lot: String,
    /// The vaccination date when entering another day's forms (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
    /// The dose number to record (default: the ticket's own dose digit).
    #[arg(long, value_name = "N")]
    dose: Option<u8>,
    /// The doctor or nurse giving the vaccinations.
    #[arg(long)]
    operator: Option<String>,
}

pub fn run(context: &Context, command: SessionCommand) -> Result<ExitCode> {
    let mut queue = context.open()?;
    match command {
        SessionCommand::Set(args) => {
            let session = Session {
                venue: args.venue,
                maker: args.maker,
                lot: args.lot,
                operator: args.operator.unwrap_or_else(|| OPERATOR_NOT_GIVEN.into()),
                date: args.date,
                dose: args.dose,
            };
            queue.set_session(&session)?;
            println!("{}", serde_json::to_string(&session)?);
        }
        SessionCommand::Show => match queue.session()? {
            Some(session) => println!("{}", serde_json::to_string(&session)?),
            None => println!("no session set"),
        },
    }
    Ok(ExitCode::SUCCESS)
}
