//! `vrs init` and `vrs pin change`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Subcommand;
use vrs_queue::Queue;

use crate::context::{read_secret, Context};

#[derive(Subcommand)]
pub enum PinCommand {
    /// Change the PIN (the new one from VRS_NEW_PIN or a prompt); records are not re-encrypted.
    Change,
}

/// A new PIN: from the variable, or typed twice at a prompt.
fn new_pin(variable: &str, prompt: &str) -> Result<String> {
    if let Ok(pin) = std::env::var(variable) {
        return Ok(pin);
    }
    let first = read_secret(variable, prompt)?;
    let again = read_secret(variable, "Again: ")?;
    if first != again {
        bail!("the two PINs differ");
    }
    Ok(first)
}

pub fn init(context: &Context) -> Result<ExitCode> {
    let dir = context.data_dir()?;
    let pin = new_pin("VRS_PIN", "New PIN: ")?;
    let queue = Queue::create(&dir, &pin)?;
    println!(
        "created store in {} (device {})",
        dir.display(),
        queue.device_id()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run(context: &Context, command: PinCommand) -> Result<ExitCode> {
    match command {
        PinCommand::Change => {
            let mut queue = context.open()?;
            let pin = new_pin("VRS_NEW_PIN", "New PIN: ")?;
            queue.change_pin(&pin)?;
            println!("PIN changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}
