//! The QR, NW-7 and OCR payload parsers: never panic; what they return is digits only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_ticket::payload::{nw7_digits, ocr_digits, qr_digits};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for digits in [qr_digits(&text), ocr_digits(&text)].into_iter().flatten() {
        assert_eq!(digits.len(), 18);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    }
    if let Ok(n) = nw7_digits(&text) {
        assert!(n.digits().len() == 10 || n.digits().len() == 18);
        assert!(n.digits().bytes().all(|b| b.is_ascii_digit()));
    }
});
