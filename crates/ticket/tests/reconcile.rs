use vrs_ticket::{reconcile, Field, Reads, Source, Status};

const GOOD: &str = "121310160000012345";

fn reads<'a>(ocr: Option<&'a str>, qr: Option<&'a str>, nw7: Option<&'a str>) -> Reads<'a> {
    Reads { ocr, qr, nw7 }
}

#[test]
fn ocr_and_qr_agreeing_is_accepted() {
    let v = reconcile(&reads(Some(GOOD), Some(GOOD), None));
    assert_eq!(v.status, Status::Accepted);
    assert_eq!(v.ticket.unwrap().digits(), GOOD);
    assert_eq!(v.agreed, vec![Source::Ocr, Source::Qr]);
    assert_eq!(v.reason, None);
}

#[test]
fn qr_alone_is_accepted() {
    let v = reconcile(&reads(None, Some(" 121310160000012345\n"), None));
    assert_eq!(v.status, Status::Accepted);
    assert_eq!(v.agreed, vec![Source::Qr]);
}

#[test]
fn ocr_and_full_nw7_agreeing_is_accepted() {
    let v = reconcile(&reads(Some(GOOD), None, Some(&format!("A{GOOD}B"))));
    assert_eq!(v.status, Status::Accepted);
    assert_eq!(v.agreed, vec![Source::Ocr, Source::Nw7]);
}

#[test]
fn ocr_and_short_nw7_agreeing_is_unconfirmed_since_kind_dose_and_municipality_rest_on_ocr() {
    let v = reconcile(&reads(Some(GOOD), None, Some("A0000012345A")));
    assert_eq!(v.status, Status::Unconfirmed);
    assert_eq!(v.ticket.unwrap().digits(), GOOD);
    assert_eq!(v.agreed, vec![Source::Ocr, Source::Nw7]);
    assert!(v.reason.unwrap().contains("only the ticket number"));
    // With the QR code as well, the whole line is confirmed.
    let v = reconcile(&reads(Some(GOOD), Some(GOOD), Some("A0000012345A")));
    assert_eq!(v.status, Status::Accepted);
}

#[test]
fn ocr_alone_is_unconfirmed_never_accepted() {
    let v = reconcile(&reads(Some(GOOD), None, None));
    assert_eq!(v.status, Status::Unconfirmed);
    assert_eq!(v.ticket.unwrap().digits(), GOOD);
    assert!(v.reason.unwrap().contains("confirm"));
}

#[test]
fn full_nw7_alone_is_unconfirmed() {
    let v = reconcile(&reads(None, None, Some(GOOD)));
    assert_eq!(v.status, Status::Unconfirmed);
}

#[test]
fn short_nw7_alone_is_unreadable() {
    let v = reconcile(&reads(None, None, Some("0000012345")));
    assert_eq!(v.status, Status::Unreadable);
    assert!(v.ticket.is_none());
}

#[test]
fn one_read_as_four_is_a_mismatch_naming_the_digit() {
    let misread = "121310160000042345";
    let v = reconcile(&reads(Some(misread), Some(GOOD), None));
    assert_eq!(v.status, Status::Mismatch);
    assert!(v.ticket.is_none());
    assert_eq!(v.differences.len(), 1);
    let d = &v.differences[0];
    assert_eq!(d.position, 14);
    assert_eq!(d.field, Field::TicketNumber);
    assert_eq!(d.first, (Source::Ocr, '4'));
    assert_eq!(d.second, (Source::Qr, '1'));
    let reason = v.reason.unwrap();
    assert!(reason.contains("digit 14"), "{reason}");
    assert!(reason.contains("OCR 4"), "{reason}");
}

#[test]
fn short_nw7_disagreeing_with_qr_is_a_mismatch_even_if_ocr_agrees_with_one() {
    let v = reconcile(&reads(Some(GOOD), Some(GOOD), Some("0000012346")));
    assert_eq!(v.status, Status::Mismatch);
    assert_eq!(v.differences[0].position, 18);
}

#[test]
fn agreeing_sources_that_break_a_rule_are_invalid() {
    let bad_check = "121310170000012345";
    let v = reconcile(&reads(Some(bad_check), Some(bad_check), None));
    assert_eq!(v.status, Status::Invalid);
    assert!(v.ticket.is_none());
    assert!(v.reason.unwrap().contains("check digit"));
}

#[test]
fn foreign_qr_alone_is_invalid_with_the_reason() {
    let v = reconcile(&reads(None, Some("https://example.invalid/"), None));
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.unwrap().contains("QR code"));
}

#[test]
fn foreign_qr_beside_an_ocr_line_leaves_it_unconfirmed_and_says_so() {
    let v = reconcile(&reads(Some(GOOD), Some("hello"), None));
    assert_eq!(v.status, Status::Unconfirmed);
    assert!(v
        .reason
        .unwrap()
        .contains("QR code: payload is not 18 digits"));
}

#[test]
fn nothing_read_is_unreadable() {
    let v = reconcile(&Reads::default());
    assert_eq!(v.status, Status::Unreadable);
    assert!(v.reason.is_some());
}

#[test]
fn verdict_serialises_with_lowercase_status() {
    let v = reconcile(&reads(Some(GOOD), Some(GOOD), None));
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["status"], "accepted");
    assert_eq!(json["ticket"], GOOD);
    assert_eq!(json["agreed"], serde_json::json!(["ocr", "qr"]));
}
