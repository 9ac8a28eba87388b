//! `vrs enroll` and `vrs sync`: the tablet's side of the sync server, through vrs-sync-client.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Args;
use serde_json::json;
use vrs_sync_client::{ServerConfig, SyncOptions, SyncSummary, WatchEvent};

use crate::context::Context;

/// Exit code of a sync that could not reach the server (try again later).
pub const EXIT_UNREACHABLE: u8 = 7;
/// Exit code of a sync the server refused (e.g. a revoked device).
pub const EXIT_REFUSED: u8 = 8;

#[derive(Args)]
pub struct EnrollArgs {
    /// The sync server, https://host[:port] (http:// only to a loopback address).
    #[arg(long, value_name = "URL")]
    server: String,
    /// The one-time activation code from `vrs-server admin device issue`.
    #[arg(long, value_name = "CODE")]
    code: String,
    /// PEM of a private CA to trust for this server instead of the system's roots.
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
}

#[derive(Args)]
pub struct SyncArgs {
    /// Keep syncing: every --interval seconds, and sooner once a lost server comes back.
    #[arg(long)]
    watch: bool,
    /// Seconds between rounds with --watch.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    interval: u64,
    /// Records per request.
    #[arg(long, value_name = "N", default_value_t = 500)]
    batch: usize,
}

/// The summary in the contract's key order: sent, accepted, already_had, rejected, pending.
fn summary_line(summary: &SyncSummary) -> String {
    serde_json::to_string(summary).unwrap_or_default()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn enroll(context: &Context, args: EnrollArgs) -> Result<ExitCode> {
    let mut queue = context.open()?;
    let ca_cert_pem = args
        .ca_cert
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("--ca-cert {}", path.display()))
        })
        .transpose()?;
    let server = ServerConfig {
        url: args.server,
        ca_cert_pem,
    };
    let enrolment =
        runtime()?.block_on(vrs_sync_client::enroll(&mut queue, &server, &args.code))?;
    println!(
        "{}",
        json!({
            "device_id": enrolment.device_id,
            "municipality": enrolment.municipality,
            "municipality_name": enrolment.municipality_name,
            "venue": enrolment.venue,
            "server": enrolment.server.url,
        })
    );
    Ok(ExitCode::SUCCESS)
}

pub fn sync(context: &Context, args: SyncArgs) -> Result<ExitCode> {
    let mut queue = context.open()?;
    let options = SyncOptions {
        batch_size: args.batch.max(1),
        ..SyncOptions::default()
    };
    let runtime = runtime()?;
    if args.watch {
        let interval = Duration::from_secs(args.interval.max(1));
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let outcome = runtime.block_on(vrs_sync_client::watch(
            &mut queue,
            &options,
            interval,
            stop,
            |event| match event {
                WatchEvent::Synced(summary) => {
                    if summary.sent > 0 {
                        println!("{}", summary_line(summary));
                    }
                }
                WatchEvent::Failed { failure, retry_in } => {
                    eprintln!("vrs: sync: {}; retrying in {retry_in:.1?}", failure.error);
                }
            },
        ));
        return Ok(match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                println!("{}", summary_line(&failure.summary));
                eprintln!("vrs: sync: {}", failure.error);
                ExitCode::from(EXIT_REFUSED)
            }
        });
    }
    match runtime.block_on(vrs_sync_client::sync_once(&mut queue, &options)) {
        Ok(summary) => {
            println!("{}", summary_line(&summary));
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            println!("{}", summary_line(&failure.summary));
            eprintln!("vrs: sync: {}", failure.error);
            Ok(ExitCode::from(if failure.error.is_transient() {
                EXIT_UNREACHABLE
            } else {
                EXIT_REFUSED
            }))
        }
    }
}
