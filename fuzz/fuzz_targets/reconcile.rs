//! Reconciliation of three arbitrary reads: never panics, and never accepts without the QR
//! code or two agreeing sources.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_ticket::{reconcile, Reads, Status};

fuzz_target!(|input: (Option<String>, Option<String>, Option<String>)| {
    let (ocr, qr, nw7) = input;
    let verdict = reconcile(&Reads {
        ocr: ocr.as_deref(),
        qr: qr.as_deref(),
        nw7: nw7.as_deref(),
    });
    if verdict.status == Status::Accepted {
        assert!(qr.is_some() || (ocr.is_some() && nw7.is_some()));
        assert!(verdict.ticket.is_some());
    }
});
