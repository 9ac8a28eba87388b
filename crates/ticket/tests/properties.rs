use proptest::prelude::*;
use vrs_ticket::{municipality_check_digit, reconcile, Reads, Status, Ticket};

/// A valid 18-digit line built from arbitrary parts.
fn valid_line() -> impl Strategy<Value = String> {
    (
        0u8..10,
        1u8..10,
        prop::array::uniform5(0u8..10),
        prop::array::uniform10(0u8..10),
    )
        .prop_filter("not all zero", |(_, _, m, n)| {
            m.iter().any(|&d| d != 0) && n.iter().any(|&d| d != 0)
        })
        .prop_map(|(kind, dose, five, number)| {
            let check = municipality_check_digit(five);
            let mut s = format!("{kind}{dose}");
            for d in five {
                s.push(char::from(b'0' + d));
            }
            s.push(char::from(b'0' + check));
            for d in number {
                s.push(char::from(b'0' + d));
            }
            s
        })
}

proptest! {
    #[test]
    fn valid_lines_parse_and_round_trip(line in valid_line()) {
        let t = Ticket::parse(&line).unwrap();
        prop_assert_eq!(t.digits(), line);
    }

    #[test]
    fn any_single_digit_change_in_the_municipality_code_is_caught(line in valid_line(), pos in 2usize..8, delta in 1u8..10) {
        let mut bytes = line.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        // Weights 6..2 and the check digit's own weight 1 are all non-zero mod 11, so
        // a single changed digit always changes r, except where (11 - r) mod 10 folds 10 to 0.
        let result = Ticket::parse(&changed);
        if let Ok(t) = result {
            // Only the fold of 10 onto 0 can slip through: both r=0 and r=1 give check 0 or 1.
            let code = t.municipality().to_string();
            prop_assert!(code.ends_with('0') || code.ends_with('1'), "{}", code);
        }
    }

    #[test]
    fn parse_never_panics(text in ".{0,40}") {
        let _ = Ticket::parse(&text);
    }

    #[test]
    fn reconcile_never_panics(ocr in proptest::option::of(".{0,30}"), qr in proptest::option::of(".{0,30}"), nw7 in proptest::option::of(".{0,30}")) {
        let _ = reconcile(&Reads { ocr: ocr.as_deref(), qr: qr.as_deref(), nw7: nw7.as_deref() });
    }

    #[test]
    fn accepted_always_means_a_valid_ticket_agreed_by_qr_or_two_sources(
        line in valid_line(),
        other in valid_line(),
        use_ocr: bool, use_qr: bool, use_nw7: bool, short_nw7: bool, nw7_from_other: bool, ocr_from_other: bool,
    ) {
        let ocr = use_ocr.then(|| if ocr_from_other { other.clone() } else { line.clone() });
        let nw7_source = if nw7_from_other { &other } else { &line };
        let nw7 = use_nw7.then(|| if short_nw7 { nw7_source[8..].to_string() } else { nw7_source.clone() });
        let qr = use_qr.then(|| line.clone());
        let v = reconcile(&Reads { ocr: ocr.as_deref(), qr: qr.as_deref(), nw7: nw7.as_deref() });
        let read: Vec<&String> = [&ocr, &qr, &nw7].into_iter().flatten().collect();
        match v.status {
            Status::Accepted => {
                let t = v.ticket.clone().unwrap();
                prop_assert!(qr.is_some() || (ocr.is_some() && nw7.is_some() && !short_nw7));
                // Every source read agrees with the accepted ticket on the digits it holds.
                for r in read {
                    prop_assert!(t.digits().ends_with(r.as_str()));
                }
            }
            Status::Unconfirmed => {
                prop_assert!(qr.is_none());
                prop_assert!(v.ticket.is_some());
            }
            Status::Mismatch => prop_assert!(!v.differences.is_empty()),
            Status::Unreadable => prop_assert!(v.ticket.is_none()),
            Status::Invalid => prop_assert!(false, "valid lines cannot be invalid"),
        }
    }

    #[test]
    fn a_single_differing_digit_between_ocr_and_qr_is_always_a_mismatch(line in valid_line(), pos in 0usize..18, delta in 1u8..10) {
        let mut bytes = line.clone().into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let misread = String::from_utf8(bytes).unwrap();
        let v = reconcile(&Reads { ocr: Some(&misread), qr: Some(&line), nw7: None });
        prop_assert_eq!(v.status, Status::Mismatch);
        prop_assert_eq!(v.differences.len(), 1);
        prop_assert_eq!(v.differences[0].position, pos + 1);
    }
}
