//! One input's result, and how it is printed: a JSON line (the contract) or a readable line.

use std::time::Duration;

use serde::Serialize;
use vrs_reader::{ReaderError, ScanReport, Status};

/// What happened to one input file.
pub enum Outcome {
    Read(Box<ScanReport>),
    Failed { reason: String, elapsed: Duration },
}

impl Outcome {
    pub fn from_result(result: Result<ScanReport, ReaderError>, elapsed: Duration) -> Self {
        match result {
            Ok(report) => Outcome::Read(Box::new(report)),
            Err(e) => Outcome::Failed {
                reason: e.to_string(),
                elapsed,
            },
        }
    }
}

/// The JSON object of the `vrs-scan --json` contract; keys in the documented order.
#[derive(Serialize)]
struct JsonLine<'a> {
    file: &'a str,
    status: &'a str,
    ticket: Option<String>,
    ocr: Option<&'a str>,
    qr: Option<&'a str>,
    nw7: Option<&'a str>,
    reason: Option<&'a str>,
    elapsed_ms: f64,
}

fn millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

pub fn json_line(file: &str, outcome: &Outcome) -> String {
    let line = match outcome {
        Outcome::Read(report) => {
            let verdict = &report.verdict;
            let ticket = match verdict.status {
                Status::Accepted | Status::Unconfirmed => {
                    verdict.ticket.as_ref().map(|t| t.digits())
                }
                _ => None,
            };
            JsonLine {
                file,
                status: verdict.status.as_str(),
                ticket,
                ocr: report.ocr.as_ref().map(|l| l.digits.as_str()),
                qr: report.qr.as_deref(),
                nw7: report.nw7.as_deref(),
                reason: verdict.reason.as_deref(),
                elapsed_ms: millis(report.elapsed),
            }
        }
        Outcome::Failed { reason, elapsed } => JsonLine {
            file,
            status: "error",
            ticket: None,
            ocr: None,
            qr: None,
            nw7: None,
            reason: Some(reason),
            elapsed_ms: millis(*elapsed),
        },
    };
    // A struct of strings, options and a float always serialises.
    serde_json::to_string(&line).unwrap_or_else(|e| {
        format!("{{\"file\":{file:?},\"status\":\"error\",\"reason\":\"json: {e}\"}}")
    })
}

pub fn human_line(file: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Read(report) => {
            let verdict = &report.verdict;
            let mut text = format!("{file}: {}", verdict.status);
            if let Some(ticket) = &verdict.ticket {
                text.push_str(&format!(" {}", ticket.digits()));
            }
            let reads: Vec<String> = [
                ("OCR", report.ocr.as_ref().map(|l| l.digits.as_str())),
                ("QR", report.qr.as_deref()),
                ("NW-7", report.nw7.as_deref()),
            ]
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| format!("{name} {v:?}")))
            .collect();
            if reads.is_empty() {
                text.push_str(" [nothing read]");
            } else {
                text.push_str(&format!(" [{}]", reads.join(", ")));
            }
            if let Some(reason) = &verdict.reason {
                text.push_str(&format!(" — {reason}"));
            }
            for warning in &report.warnings {
                text.push_str(&format!(" (warning: {warning})"));
            }
            text.push_str(&format!(" {:.0} ms", millis(report.elapsed)));
            text
        }
        Outcome::Failed { reason, .. } => format!("{file}: error — {reason}"),
    }
}
