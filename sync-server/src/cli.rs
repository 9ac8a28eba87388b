//! The `vrs-server` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "vrs-server", version, about = "The VRS sync server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API.
    Serve(ServeArgs),
    /// Administer municipalities, devices and exports (works on the store directly).
    Admin(AdminArgs),
}

/// Which store: a SQLite file in a data directory (default) or PostgreSQL.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Directory of the embedded SQLite store.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "db",
        default_value = "vrs-server-data"
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user@host:port/db) instead of the SQLite store.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on, e.g. 0.0.0.0:8443 (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// PEM certificate chain for HTTPS.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS; refused unless --listen is a loopback address.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub insecure_http: bool,
    /// Largest request body in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most records in one upload.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_batch: usize,
    /// Most upload requests per device per minute.
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub rate_per_minute: u32,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Municipalities.
    #[command(subcommand)]
    Municipality(MunicipalityCommand),
    /// Tablets.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// The vaccination-register CSV of one municipality.
    Export {
        #[arg(long, value_name = "CODE")]
        municipality: String,
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// utf-8 or shift_jis.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MunicipalityCommand {
    /// Register a municipality (the code's check digit is verified).
    Add { code: String, name: String },
    /// Print a new bearer token for the municipality's staff (HTTP export).
    Token { code: String },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Print a one-time activation code for a tablet at a venue (valid 72 hours).
    Issue {
        #[arg(long, value_name = "CODE")]
        municipality: String,
        #[arg(long, value_name = "NAME")]
        venue: String,
        /// The enrolled tablet the new one takes over from (lost, or its queue restored from a
        /// backup): revoked when the new one enrols, whose sync may then deliver its records.
        #[arg(long, value_name = "DEVICE")]
        replaces: Option<String>,
    },
    /// Revoke a tablet: its uploads are refused from now on.
    Revoke { device: String },
    /// Make an enrolled tablet the replacement of another after the fact (it enrolled with a
    /// plain code): the other is revoked and its records are taken from this one.
    Link {
        device: String,
        #[arg(long, value_name = "DEVICE")]
        replaces: String,
    },
    /// List enrolled tablets (tab-separated: device, municipality, venue, enrolled, revoked,
    /// replaces), oldest first.
    List {
        #[arg(long, value_name = "CODE")]
        municipality: Option<String>,
    },
}
