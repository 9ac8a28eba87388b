use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{digits_of, Field, TicketError};

/// The check digit of a municipality code (全国地方公共団体コード) from its first five digits:
/// weights 6,5,4,3,2; r = sum mod 11; check = (11 − r) mod 10.
pub fn municipality_check_digit(first_five: [u8; 5]) -> u8 {
    const WEIGHTS: [u32; 5] = [6, 5, 4, 3, 2];
    let sum: u32 = first_five
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit) * weight)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

/// A six-digit municipality code whose check digit is right and which is not all zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode([u8; 6]);

impl MunicipalityCode {
    /// Parses and checks six digits, e.g. `131016` (Chiyoda).
    pub fn parse(text: &str) -> Result<Self, TicketError> {
        let digits = digits_of(text, Field::MunicipalityCode, 6)?;
        let mut code = [0u8; 6];
        code.copy_from_slice(&digits);
        Self::from_digits(code)
    }

    pub(crate) fn from_digits(code: [u8; 6]) -> Result<Self, TicketError> {
        if code.iter().all(|&d| d == 0) {
            return Err(TicketError::MunicipalityAllZero);
        }
        let expected = municipality_check_digit([code[0], code[1], code[2], code[3], code[4]]);
        if code[5] != expected {
            return Err(TicketError::CheckDigit {
                code: code.iter().map(|d| char::from(b'0' + d)).collect(),
                expected,
                found: code[5],
            });
        }
        Ok(Self(code))
    }

    /// The code as its six digits.
    pub fn as_string(&self) -> String {
        self.to_string()
    }

    /// The prefecture number (first two digits), 1–47 for real codes.
    pub fn prefecture(&self) -> u8 {
        self.0[0] * 10 + self.0[1]
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl FromStr for MunicipalityCode {
    type Err = TicketError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for MunicipalityCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MunicipalityCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_are_valid() {
        for code in ["131016", "011002", "141003", "271403"] {
            assert!(MunicipalityCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn every_wrong_check_digit_is_refused() {
        for last in 0..10u8 {
            let text = format!("13101{last}");
            let result = MunicipalityCode::parse(&text);
            if last == 6 {
                assert!(result.is_ok());
            } else {
                assert_eq!(
                    result,
                    Err(TicketError::CheckDigit {
                        code: text.clone(),
                        expected: 6,
                        found: last
                    })
                );
            }
        }
    }

    #[test]
    fn check_digit_matches_hand_computation() {
        // 1*6 + 3*5 + 1*4 + 0*3 + 1*2 = 27; 27 mod 11 = 5; (11-5) mod 10 = 6
        assert_eq!(municipality_check_digit([1, 3, 1, 0, 1]), 6);
        // r = 0 gives (11 - 0) mod 10 = 1; r = 1 gives 0.
        assert_eq!(municipality_check_digit([0, 0, 0, 0, 0]), 1);
        // 0*6+0*5+0*4+0*3+6*2 = 12; r = 1; check 0.
        assert_eq!(municipality_check_digit([0, 0, 0, 0, 6]), 0);
    }

    #[test]
    fn all_zero_is_refused_even_though_check_digit_rule_differs() {
        assert_eq!(
            MunicipalityCode::parse("000000"),
            Err(TicketError::MunicipalityAllZero)
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = MunicipalityCode::parse("13a016").unwrap_err();
        assert_eq!(err.field(), Field::MunicipalityCode);
        assert!(err.to_string().contains("municipality code"));
        assert!(err.to_string().contains("character 3"));
    }

    #[test]
    fn serde_round_trip_as_string() {
        let code = MunicipalityCode::parse("011002").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"011002\"");
        let back: MunicipalityCode = serde_json::from_str(&json).unwrap();
        assert_eq!(back, code);
        assert!(serde_json::from_str::<MunicipalityCode>("\"011003\"").is_err());
    }
}
