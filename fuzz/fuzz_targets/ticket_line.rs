//! The OCR-line parser: never panics; what it accepts prints back as the same 18 digits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_ticket::{MunicipalityCode, Ticket};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ticket) = Ticket::parse(text) {
        assert_eq!(ticket.digits(), text);
        assert!(ticket.dose() > 0);
        assert!(MunicipalityCode::parse(&ticket.municipality().to_string()).is_ok());
    }
    let _ = MunicipalityCode::parse(text);
});
