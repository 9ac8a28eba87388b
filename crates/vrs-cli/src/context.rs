//! What every command needs: the data directory, the PIN, the store, and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context as _, Result};
use vrs_queue::{Queue, QueueError};

/// Exit codes of the `vrs` contract.
pub const EXIT_DUPLICATE: u8 = 3;
pub const EXIT_INVALID: u8 = 4;
pub const EXIT_PIN: u8 = 5;
pub const EXIT_DAMAGED: u8 = 6;

pub struct Context {
    data_dir: Option<PathBuf>,
}

impl Context {
    pub fn new(data_dir: Option<PathBuf>) -> Self {
        Self { data_dir }
    }

    pub fn data_dir(&self) -> Result<PathBuf> {
        self.data_dir
            .clone()
            .ok_or_else(|| anyhow!("no data directory: give --data-dir DIR or set VRS_DATA_DIR"))
    }

    /// Opens the store with the PIN from VRS_PIN or a prompt.
    pub fn open(&self) -> Result<Queue> {
        let dir = self.data_dir()?;
        if !Queue::exists(&dir) {
            return Err(QueueError::NoStore(dir).into());
        }
        let pin = read_pin("PIN: ")?;
        Ok(Queue::open(&dir, &pin)?)
    }
}

/// The PIN from `VRS_PIN`, or typed at a prompt without echo; never a command-line argument
/// (arguments are visible to every process on the machine).
pub fn read_pin(prompt: &str) -> Result<String> {
    read_secret("VRS_PIN", prompt)
}

pub fn read_secret(variable: &str, prompt: &str) -> Result<String> {
    if let Ok(pin) = std::env::var(variable) {
        return Ok(pin);
    }
    rpassword::prompt_password(prompt)
        .with_context(|| format!("no PIN: set {variable} or run in a terminal"))
}

/// Maps an error to the exit code the contract gives it.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<QueueError>() {
        Some(QueueError::Duplicate { .. }) => EXIT_DUPLICATE,
        Some(
            QueueError::Field(_)
            | QueueError::Ticket(_)
            | QueueError::Clock(_)
            | QueueError::UnknownField(_)
            | QueueError::PinRule(_)
            | QueueError::Export { .. },
        ) => EXIT_INVALID,
        Some(
            QueueError::WrongPin { .. } | QueueError::Locked { .. } | QueueError::BackupRefused,
        ) => EXIT_PIN,
        Some(QueueError::Damaged { .. } | QueueError::Corrupt { .. }) => EXIT_DAMAGED,
        _ => 1,
    }
}

/// Reports damaged records on stderr; the exit code says so after the readable ones printed.
pub fn report_damaged(damaged: &[String]) -> ExitCode {
    for line in damaged {
        eprintln!("vrs: damaged: {line}");
    }
    if damaged.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_DAMAGED)
    }
}
