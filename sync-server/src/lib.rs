//! The VRS sync server: enrols tablets, receives their signed records exactly once, and gives
//! each municipality the records it may see.
//!
//! - [`store`]: SQLite or PostgreSQL behind one interface, schemas in `migrations/server/`.
//! - [`http`]: the API (axum); [`serve`]: HTTPS (rustls) or loopback-only plain HTTP.
//! - [`export`]: the vaccination-register CSV; [`codes`]: activation codes and tokens.
//! - [`cli`], [`admin`]: the `vrs-server` command.

pub mod admin;
pub mod cli;
pub mod codes;
pub mod export;
pub mod http;
pub mod serve;
pub mod store;
pub mod time;

use cli::StoreArgs;
use store::{Store, StoreError};

/// Opens the store the command line names.
pub async fn open_store(args: &StoreArgs) -> Result<Store, StoreError> {
    match &args.db {
        Some(url) => Store::connect_postgres(url).await,
        None => Store::open_sqlite(&args.data_dir).await,
    }
}
