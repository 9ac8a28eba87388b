use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{digits_of, Field, TicketError};
use crate::municipality::MunicipalityCode;

/// Digits in the OCR line.
pub const LINE_LEN: usize = 18;
/// Digits in the ticket number (the line's last ten).
pub const TICKET_NUMBER_LEN: usize = 10;

/// A vaccination ticket's OCR line that passes every rule:
/// ticket kind (1) + dose number (1) + municipality code (6) + ticket number (10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket {
    kind: u8,
    dose: u8,
    municipality: MunicipalityCode,
    number: String,
}

impl Ticket {
    /// Parses exactly 18 ASCII digits and checks every rule.
    pub fn parse(line: &str) -> Result<Self, TicketError> {
        let digits = digits_of(line, Field::Line, LINE_LEN)?;
        let dose = digits[1];
        if dose == 0 {
            return Err(TicketError::DoseZero);
        }
        let mut code = [0u8; 6];
        code.copy_from_slice(&digits[2..8]);
        let municipality = MunicipalityCode::from_digits(code)?;
        if digits[8..].iter().all(|&d| d == 0) {
            return Err(TicketError::TicketNumberAllZero);
        }
        Ok(Self {
            kind: digits[0],
            dose,
            municipality,
            number: line[8..].to_string(),
        })
    }

    /// Ticket kind (券種), the line's first digit.
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// Dose number (接種回数), 1–9.
    pub fn dose(&self) -> u8 {
        self.dose
    }

    /// The municipality that issued the ticket.
    pub fn municipality(&self) -> MunicipalityCode {
        self.municipality
    }

    /// The ten-digit ticket number (券番号).
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The 18 digits of the line.
    pub fn digits(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}{}",
            self.kind, self.dose, self.municipality, self.number
        )
    }
}

impl FromStr for Ticket {
    type Err = TicketError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Ticket {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ticket {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields() {
        let t = Ticket::parse("121310160000012345").unwrap();
        assert_eq!(t.kind(), 1);
        assert_eq!(t.dose(), 2);
        assert_eq!(t.municipality().to_string(), "131016");
        assert_eq!(t.number(), "0000012345");
        assert_eq!(t.digits(), "121310160000012345");
    }

    #[test]
    fn refuses_each_rule_naming_the_field() {
        let cases: [(&str, TicketError); 7] = [
            (
                "12131016000001234",
                TicketError::WrongLength {
                    field: Field::Line,
                    expected: 18,
                    found: 17,
                },
            ),
            (
                "1213101600000123456",
                TicketError::WrongLength {
                    field: Field::Line,
                    expected: 18,
                    found: 19,
                },
            ),
            (
                "12131016000001234x",
                TicketError::NotDigit {
                    field: Field::Line,
                    position: 18,
                    found: 'x',
                },
            ),
            ("101310160000012345", TicketError::DoseZero),
            (
                "121310170000012345",
                TicketError::CheckDigit {
                    code: "131017".into(),
                    expected: 6,
                    found: 7,
                },
            ),
            ("120000000000012345", TicketError::MunicipalityAllZero),
            ("121310160000000000", TicketError::TicketNumberAllZero),
        ];
        for (line, expected) in cases {
            assert_eq!(Ticket::parse(line), Err(expected), "{line}");
        }
    }

    #[test]
    fn full_width_digits_are_not_digits() {
        let err = Ticket::parse("１２1310160000012345").unwrap_err();
        assert!(matches!(
            err,
            TicketError::NotDigit {
                position: 1,
                found: '１',
                ..
            }
        ));
    }

    #[test]
    fn error_messages_read_well() {
        let err = Ticket::parse("121310170000012345").unwrap_err();
        assert_eq!(
            err.to_string(),
            "municipality code 131017: check digit is 7, expected 6"
        );
        assert_eq!(err.field(), Field::MunicipalityCode);
    }
}
