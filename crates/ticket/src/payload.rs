//! What the codes on a ticket hold, reduced to digits before any rule is applied.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ticket::{LINE_LEN, TICKET_NUMBER_LEN};

/// Why a code's payload is not ticket digits.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PayloadError {
    #[error("QR code: payload is not 18 digits ({0})")]
    QrNotTicket(String),
    #[error("NW-7 code: payload is not 10 or 18 digits ({0})")]
    Nw7NotTicket(String),
    #[error("OCR line: not 18 digits ({0})")]
    OcrNotLine(String),
}

/// A short, printable description of a payload for error messages (never the whole of a long one).
fn describe(text: &str) -> String {
    const SHOWN: usize = 24;
    let count = text.chars().count();
    let head: String = text
        .chars()
        .take(SHOWN)
        .flat_map(char::escape_debug)
        .collect();
    if count > SHOWN {
        format!("\"{head}…\", {count} characters")
    } else {
        format!("\"{head}\", {count} characters")
    }
}

fn all_ascii_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The 18 digits a QR code holds; surrounding whitespace is tolerated.
pub fn qr_digits(payload: &str) -> Result<String, PayloadError> {
    let trimmed = payload.trim();
    if trimmed.len() == LINE_LEN && all_ascii_digits(trimmed) {
        Ok(trimmed.to_string())
    } else {
        Err(PayloadError::QrNotTicket(describe(payload)))
    }
}

/// The 18 digits an OCR engine read; surrounding whitespace is tolerated.
pub fn ocr_digits(text: &str) -> Result<String, PayloadError> {
    let trimmed = text.trim();
    if trimmed.len() == LINE_LEN && all_ascii_digits(trimmed) {
        Ok(trimmed.to_string())
    } else {
        Err(PayloadError::OcrNotLine(describe(text)))
    }
}

/// What an NW-7 (Codabar) code on a ticket holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "digits", rename_all = "snake_case")]
pub enum Nw7Digits {
    /// Older tickets: the ten-digit ticket number only.
    TicketNumber(String),
    /// The whole 18-digit line.
    Line(String),
}

impl Nw7Digits {
    /// The digits, without start/stop letters.
    pub fn digits(&self) -> &str {
        match self {
            Nw7Digits::TicketNumber(d) | Nw7Digits::Line(d) => d,
        }
    }

    /// Where these digits sit in the 18-digit line (0-based).
    pub fn line_offset(&self) -> usize {
        match self {
            Nw7Digits::TicketNumber(_) => LINE_LEN - TICKET_NUMBER_LEN,
            Nw7Digits::Line(_) => 0,
        }
    }
}

fn is_start_stop(c: char) -> bool {
    matches!(c.to_ascii_uppercase(), 'A' | 'B' | 'C' | 'D')
}

/// The digits an NW-7 code holds: 10 or 18 digits, with or without start/stop letters A–D.
pub fn nw7_digits(payload: &str) -> Result<Nw7Digits, PayloadError> {
    let trimmed = payload.trim();
    let mut chars = trimmed.chars();
    let first = chars.next();
    let last = chars.next_back();
    let body = match (first, last) {
        (Some(a), Some(b)) if is_start_stop(a) && is_start_stop(b) => {
            // Both guards are ASCII, one byte each.
            &trimmed[1..trimmed.len() - 1]
        }
        _ => trimmed,
    };
    if !all_ascii_digits(body) {
        return Err(PayloadError::Nw7NotTicket(describe(payload)));
    }
    match body.len() {
        TICKET_NUMBER_LEN => Ok(Nw7Digits::TicketNumber(body.to_string())),
        LINE_LEN => Ok(Nw7Digits::Line(body.to_string())),
        _ => Err(PayloadError::Nw7NotTicket(describe(payload))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_tolerates_whitespace_only() {
        assert_eq!(
            qr_digits(" 121310160000012345\r\n").unwrap(),
            "121310160000012345"
        );
        assert!(qr_digits("12131016000001234").is_err());
        assert!(qr_digits("https://example.invalid/").is_err());
        assert!(qr_digits("1213101600000 12345").is_err());
        assert!(qr_digits("").is_err());
    }

    #[test]
    fn nw7_short_and_long_with_or_without_guards() {
        assert_eq!(
            nw7_digits("A0000012345A").unwrap(),
            Nw7Digits::TicketNumber("0000012345".into())
        );
        assert_eq!(
            nw7_digits("0000012345").unwrap(),
            Nw7Digits::TicketNumber("0000012345".into())
        );
        assert_eq!(
            nw7_digits("c121310160000012345d").unwrap(),
            Nw7Digits::Line("121310160000012345".into())
        );
        assert!(nw7_digits("A000001234A").is_err());
        assert!(nw7_digits("A00000-12345A").is_err());
        assert!(nw7_digits("A").is_err());
        assert!(nw7_digits("AB").is_err());
    }

    #[test]
    fn long_payloads_are_cut_in_messages() {
        let long = "x".repeat(10_000);
        let message = qr_digits(&long).unwrap_err().to_string();
        assert!(message.len() < 120, "{message}");
        assert!(message.contains("10000 characters"));
    }
}
