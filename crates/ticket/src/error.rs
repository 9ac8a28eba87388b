use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The parts of an OCR line, named in errors and digit differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The whole line (length, characters).
    Line,
    TicketKind,
    Dose,
    MunicipalityCode,
    TicketNumber,
}

impl Field {
    /// The field a 0-based position of the 18-digit line belongs to.
    pub fn at_position(position: usize) -> Field {
        match position {
            0 => Field::TicketKind,
            1 => Field::Dose,
            2..=7 => Field::MunicipalityCode,
            _ => Field::TicketNumber,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Line => "OCR line",
            Field::TicketKind => "ticket kind",
            Field::Dose => "dose number",
            Field::MunicipalityCode => "municipality code",
            Field::TicketNumber => "ticket number",
        })
    }
}

/// Why a ticket or one of its fields breaks the rules. Each names the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TicketError {
    #[error("{field}: expected {expected} digits, found {found} characters")]
    WrongLength {
        field: Field,
        expected: usize,
        found: usize,
    },
    #[error("{field}: character {position} is {found:?}, not a digit")]
    NotDigit {
        field: Field,
        /// 1-based, as a person counts.
        position: usize,
        found: char,
    },
    #[error("municipality code {code}: check digit is {found}, expected {expected}")]
    CheckDigit {
        code: String,
        expected: u8,
        found: u8,
    },
    #[error("dose number: 0 is not a dose")]
    DoseZero,
    #[error("municipality code: all zeros is not a municipality")]
    MunicipalityAllZero,
    #[error("ticket number: all zeros is not a ticket number")]
    TicketNumberAllZero,
}

impl TicketError {
    /// The field at fault.
    pub fn field(&self) -> Field {
        match self {
            TicketError::WrongLength { field, .. } | TicketError::NotDigit { field, .. } => *field,
            TicketError::CheckDigit { .. } | TicketError::MunicipalityAllZero => {
                Field::MunicipalityCode
            }
            TicketError::DoseZero => Field::Dose,
            TicketError::TicketNumberAllZero => Field::TicketNumber,
        }
    }
}

/// Checks that `text` is exactly `expected` ASCII digits; returns them as values 0–9.
pub(crate) fn digits_of(text: &str, field: Field, expected: usize) -> Result<Vec<u8>, TicketError> {
    let found = text.chars().count();
    if found != expected {
        return Err(TicketError::WrongLength {
            field,
            expected,
            found,
        });
    }
    text.chars()
        .enumerate()
        .map(|(index, c)| match c {
            '0'..='9' => Ok(c as u8 - b'0'),
            _ => Err(TicketError::NotDigit {
                field,
                position: index + 1,
                found: c,
            }),
        })
        .collect()
}
