//! Live checking of a typed ticket line: each rule of `vrs-ticket` is applied as soon as the
//! digits it needs are typed, so the operator sees a wrong check digit before the 18th digit.

use vrs_ticket::{MunicipalityCode, Ticket, TicketError, LINE_LEN};

use crate::dto::{LineCheck, TicketFields};

fn field_name(e: &TicketError) -> String {
    // The same names `vrs_ticket::Field` serialises to.
    serde_json::to_value(e.field())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| e.field().to_string())
}

fn refused(digits: String, complete: bool, e: &TicketError) -> LineCheck {
    LineCheck {
        digits,
        complete,
        valid: false,
        fields: None,
        field: Some(field_name(e)),
        reason: Some(e.to_string()),
    }
}

/// Checks what has been typed so far (spaces and hyphens ignored).
pub fn check_line(text: &str) -> LineCheck {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let complete = digits.chars().count() >= LINE_LEN;
    if let Some((index, found)) = digits
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_digit())
    {
        let e = TicketError::NotDigit {
            field: vrs_ticket::Field::Line,
            position: index + 1,
            found,
        };
        return refused(digits, complete, &e);
    }
    if complete {
        // The full parser names the fault: wrong length or a broken rule.
        return match Ticket::parse(&digits) {
            Ok(ticket) => LineCheck {
                fields: Some(TicketFields::from(&ticket)),
                digits,
                complete,
                valid: true,
                field: None,
                reason: None,
            },
            Err(e) => refused(digits, complete, &e),
        };
    }
    // Partial line: the dose digit and the municipality code can be checked already.
    if digits.len() >= 2 && &digits[1..2] == "0" {
        return refused(digits, false, &TicketError::DoseZero);
    }
    if digits.len() >= 8 {
        if let Err(e) = MunicipalityCode::parse(&digits[2..8]) {
            return refused(digits, false, &e);
        }
    }
    LineCheck {
        digits,
        complete: false,
        valid: false,
        fields: None,
        field: None,
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "121310160000012345";

    #[test]
    fn a_good_line_is_split_into_fields() {
        let c = check_line("12 131016 0000012345");
        assert!(c.valid && c.complete);
        let f = c.fields.unwrap();
        assert_eq!(
            (f.kind, f.dose, f.municipality.as_str(), f.number.as_str()),
            (1, 2, "131016", "0000012345")
        );
        assert_eq!(f.digits, GOOD);
    }

    #[test]
    fn a_wrong_check_digit_shows_after_eight_digits() {
        let c = check_line("12131017");
        assert!(!c.valid && !c.complete);
        assert_eq!(c.field.as_deref(), Some("municipality_code"));
        assert!(c.reason.unwrap().contains("check digit"));
    }

    #[test]
    fn partial_good_lines_are_only_incomplete() {
        for n in 0..LINE_LEN {
            let c = check_line(&GOOD[..n]);
            assert!(!c.valid && c.reason.is_none(), "{n}: {c:?}");
        }
    }

    #[test]
    fn dose_zero_too_long_and_letters_are_named() {
        assert_eq!(check_line("10").field.as_deref(), Some("dose"));
        let long = check_line(&format!("{GOOD}9"));
        assert_eq!(long.field.as_deref(), Some("line"));
        assert!(long.reason.unwrap().contains("18"));
        let letter = check_line("12a");
        assert!(letter.reason.unwrap().contains("not a digit"));
    }
}
