//! `vrs-server admin …`: operator commands on the store.

use std::path::Path;

use anyhow::{bail, Context};
use chrono::Utc;
use vrs_ticket::MunicipalityCode;

use crate::cli::{AdminCommand, DeviceCommand, MunicipalityCommand};
use crate::codes::{new_activation_code, new_token, secret_hash, ACTIVATION_CODE_LIFETIME};
use crate::export::{encode_table, register_table, CsvEncoding};
use crate::store::{NewActivationCode, Store};

pub async fn run(store: &Store, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Municipality(MunicipalityCommand::Add { code, name }) => {
            let code = parse_code(&code)?;
            vrs_record::check_text("reason", &name).context("municipality name")?;
            store
                .add_municipality(code, name.trim(), Utc::now())
                .await?;
            println!("municipality {code} {} added", name.trim());
        }
        AdminCommand::Municipality(MunicipalityCommand::Token { code }) => {
            let code = known_municipality(store, &code).await?;
            let token = new_token()?;
            store
                .add_municipality_token(&secret_hash(&token), code, Utc::now())
                .await?;
            eprintln!("export token for municipality {code} (shown once):");
            println!("{token}");
        }
        AdminCommand::Device(DeviceCommand::Issue {
            municipality,
            venue,
            replaces,
        }) => {
            let municipality = known_municipality(store, &municipality).await?;
            vrs_record::check_text("venue", &venue)?;
            if let Some(replaced) = &replaces {
                replaceable(store, replaced, municipality).await?;
            }
            let code = new_activation_code()?;
            let now = Utc::now();
            let expires_at = now + ACTIVATION_CODE_LIFETIME;
            store
                .issue_activation_code(NewActivationCode {
                    code_hash: secret_hash(&code),
                    municipality,
                    venue: venue.clone(),
                    issued_at: now,
                    expires_at,
                    replaces_device: replaces.clone(),
                })
                .await?;
            let replacing = replaces
                .map(|device| format!(", replacing {device} (revoked when the new one enrols)"))
                .unwrap_or_default();
            eprintln!(
                "one-time activation code for {venue} ({municipality}){replacing}, valid until {}:",
                expires_at.to_rfc3339()
            );
            println!("{code}");
        }
        AdminCommand::Device(DeviceCommand::Revoke { device }) => {
            if !store.revoke_device(&device, Utc::now()).await? {
                bail!("device {device:?} is not enrolled");
            }
            println!("device {device} revoked");
        }
        AdminCommand::Device(DeviceCommand::Link { device, replaces }) => {
            let Some(linked) = store.device(&device).await? else {
                bail!("device {device:?} is not enrolled");
            };
            replaceable(store, &replaces, linked.municipality).await?;
            store
                .link_replacement(&device, &replaces, Utc::now())
                .await?;
            println!("device {device} now replaces {replaces} (revoked)");
        }
        AdminCommand::Device(DeviceCommand::List { municipality }) => {
            let municipality = match municipality {
                Some(text) => Some(known_municipality(store, &text).await?),
                None => None,
            };
            println!("device\tmunicipality\tvenue\tenrolled\trevoked\treplaces");
            for device in store.devices(municipality).await? {
                let time = |at: Option<chrono::DateTime<Utc>>| {
                    at.map_or_else(|| "-".to_string(), |at| at.to_rfc3339())
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    device.device_id,
                    device.municipality,
                    device.venue,
                    time(Some(device.enrolled_at)),
                    time(device.revoked_at),
                    device.replaces.as_deref().unwrap_or("-")
                );
            }
        }
        AdminCommand::Export {
            municipality,
            csv,
            encoding,
        } => {
            let code = known_municipality(store, &municipality).await?;
            let Some(encoding) = CsvEncoding::parse(&encoding) else {
                bail!("--encoding {encoding:?}: use utf-8 or shift_jis");
            };
            let records = store.visible_records(code).await?;
            let register = register_table(&records);
            let bytes = encode_table(&register.table, encoding)?;
            write_file(&csv, &bytes)?;
            for left in &register.left_out {
                eprintln!(
                    "left out: record {} (ticket {}{}, dose {}): another record of that ticket \
                     holds this dose; a duplicate dose to resolve",
                    left.id, left.municipality, left.ticket_number, left.dose
                );
            }
            println!(
                "{} ticket holders, {} records written to {}{}",
                register.table.len().saturating_sub(1),
                records.len() - register.left_out.len(),
                csv.display(),
                match register.left_out.len() {
                    0 => String::new(),
                    n => format!(" ({n} duplicate doses left out, listed above)"),
                }
            );
        }
    }
    Ok(())
}

fn parse_code(text: &str) -> anyhow::Result<MunicipalityCode> {
    MunicipalityCode::parse(text).with_context(|| format!("municipality {text:?}"))
}

async fn known_municipality(store: &Store, text: &str) -> anyhow::Result<MunicipalityCode> {
    let code = parse_code(text)?;
    if store.municipality(code).await?.is_none() {
        bail!("municipality {code} is not registered; add it with `admin municipality add`");
    }
    Ok(code)
}

/// A device a new tablet may take over from: enrolled, in the same municipality, and not
/// already replaced.
async fn replaceable(
    store: &Store,
    device_id: &str,
    municipality: MunicipalityCode,
) -> anyhow::Result<()> {
    let Some(device) = store.device(device_id).await? else {
        bail!("--replaces: device {device_id:?} is not enrolled");
    };
    if device.municipality != municipality {
        bail!(
            "--replaces: device {device_id:?} is enrolled in municipality {}, not {municipality}",
            device.municipality
        );
    }
    if let Some(by) = store.successor(device_id).await? {
        bail!("--replaces: device {device_id:?} was already replaced by {by:?}");
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("--csv {}", path.display()))
}
