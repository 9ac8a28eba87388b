//! One verdict from what was read off a ticket: the OCR line, the QR code and the NW-7 code.
//!
//! The bar is that no wrong number is ever accepted: two sources must agree on all 18 digits,
//! or the QR code (which carries its own error correction) must stand alone. A single OCR or
//! NW-7 read is only ever `unconfirmed`, for an operator to confirm; any disagreement is a
//! `mismatch`. An older ticket's 10-digit NW-7 code confirms only the ticket number: with it,
//! the OCR line's kind, dose and municipality would rest on the OCR alone (a dose digit misread
//! as another passes every rule), so that pair is `unconfirmed` too.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Field;
use crate::payload::{nw7_digits, ocr_digits, qr_digits};
use crate::ticket::Ticket;

/// Where a reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Ocr,
    Qr,
    Nw7,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Ocr => "OCR line",
            Source::Qr => "QR code",
            Source::Nw7 => "NW-7 code",
        })
    }
}

impl Source {
    fn short(self) -> &'static str {
        match self {
            Source::Ocr => "OCR",
            Source::Qr => "QR",
            Source::Nw7 => "NW-7",
        }
    }
}

/// The outcome for one ticket image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Two sources agree, or the QR code alone, and the rules pass.
    Accepted,
    /// Only the OCR line (or only a full NW-7 code) was read; an operator must confirm.
    Unconfirmed,
    /// Two sources disagree.
    Mismatch,
    /// What was read breaks the rules.
    Invalid,
    /// Nothing usable was found.
    Unreadable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Unconfirmed => "unconfirmed",
            Status::Mismatch => "mismatch",
            Status::Invalid => "invalid",
            Status::Unreadable => "unreadable",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One digit on which two sources disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitDifference {
    /// 1-based position in the 18-digit line.
    pub position: usize,
    pub field: Field,
    pub first: (Source, char),
    pub second: (Source, char),
}

/// The raw texts read from one image; `None` where a source was not found.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reads<'a> {
    pub ocr: Option<&'a str>,
    pub qr: Option<&'a str>,
    pub nw7: Option<&'a str>,
}

/// The verdict: status, the ticket where it stands, the sources that agreed and why not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    /// Set for `accepted` and `unconfirmed`.
    pub ticket: Option<Ticket>,
    /// The sources whose digits agree with the ticket (for `accepted`/`unconfirmed`/`invalid`).
    pub agreed: Vec<Source>,
    /// Why, when not accepted (and notes such as an ignored foreign QR code).
    pub reason: Option<String>,
    /// For `mismatch`: every digit that differs.
    pub differences: Vec<DigitDifference>,
}

/// Digits from one source, placed in the 18-digit line.
struct Placed {
    source: Source,
    offset: usize,
    digits: Vec<char>,
}

impl Placed {
    fn full_line(&self) -> Option<String> {
        (self.offset == 0).then(|| self.digits.iter().collect())
    }
}

fn verdict(status: Status, reason: Option<String>) -> Verdict {
    Verdict {
        status,
        ticket: None,
        agreed: Vec::new(),
        reason,
        differences: Vec::new(),
    }
}

fn differences_between(a: &Placed, b: &Placed) -> Vec<DigitDifference> {
    let start = a.offset.max(b.offset);
    let end = (a.offset + a.digits.len()).min(b.offset + b.digits.len());
    (start..end)
        .filter_map(|index| {
            let x = a.digits[index - a.offset];
            let y = b.digits[index - b.offset];
            (x != y).then(|| DigitDifference {
                position: index + 1,
                field: Field::at_position(index),
                first: (a.source, x),
                second: (b.source, y),
            })
        })
        .collect()
}

fn describe_differences(a: Source, b: Source, diffs: &[DigitDifference]) -> String {
    let listed: Vec<String> = diffs
        .iter()
        .map(|d| {
            format!(
                "digit {} ({}): {} {}, {} {}",
                d.position,
                d.field,
                d.first.0.short(),
                d.first.1,
                d.second.0.short(),
                d.second.1
            )
        })
        .collect();
    format!("{a} and {b} disagree at {}", listed.join("; "))
}

/// Reduces what was read to one verdict. Never panics, whatever the input.
pub fn reconcile(reads: &Reads<'_>) -> Verdict {
    let mut placed: Vec<Placed> = Vec::new();
    let mut unusable: Vec<String> = Vec::new();

    if let Some(text) = reads.ocr {
        match ocr_digits(text) {
            Ok(d) => placed.push(Placed {
                source: Source::Ocr,
                offset: 0,
                digits: d.chars().collect(),
            }),
            Err(e) => unusable.push(e.to_string()),
        }
    }
    if let Some(text) = reads.qr {
        match qr_digits(text) {
            Ok(d) => placed.push(Placed {
                source: Source::Qr,
                offset: 0,
                digits: d.chars().collect(),
            }),
            Err(e) => unusable.push(e.to_string()),
        }
    }
    if let Some(text) = reads.nw7 {
        match nw7_digits(text) {
            Ok(n) => placed.push(Placed {
                source: Source::Nw7,
                offset: n.line_offset(),
                digits: n.digits().chars().collect(),
            }),
            Err(e) => unusable.push(e.to_string()),
        }
    }
    let notes = (!unusable.is_empty()).then(|| unusable.join("; "));

    if placed.is_empty() {
        return match notes {
            Some(n) => verdict(Status::Invalid, Some(n)),
            None => verdict(
                Status::Unreadable,
                Some("no OCR line, QR code or NW-7 code was found".into()),
            ),
        };
    }

    // Any disagreement between two sources is a mismatch, whatever the rules say.
    for (i, a) in placed.iter().enumerate() {
        for b in &placed[i + 1..] {
            let diffs = differences_between(a, b);
            if !diffs.is_empty() {
                let mut v = verdict(
                    Status::Mismatch,
                    Some(describe_differences(a.source, b.source, &diffs)),
                );
                v.differences = diffs;
                return v;
            }
        }
    }

    let agreed: Vec<Source> = placed.iter().map(|p| p.source).collect();
    let Some(line) = placed.iter().find_map(Placed::full_line) else {
        let mut v = verdict(
            Status::Unreadable,
            Some(join_reason(
                "only the ticket number was read (NW-7); the OCR line or QR code is needed",
                notes.as_deref(),
            )),
        );
        v.agreed = agreed;
        return v;
    };

    let ticket = match Ticket::parse(&line) {
        Ok(t) => t,
        Err(e) => {
            let mut v = verdict(
                Status::Invalid,
                Some(join_reason(&e.to_string(), notes.as_deref())),
            );
            v.agreed = agreed;
            return v;
        }
    };

    let has = |s: Source| agreed.contains(&s);
    let full_nw7 = placed
        .iter()
        .any(|p| p.source == Source::Nw7 && p.full_line().is_some());
    let accepted = has(Source::Qr) || (has(Source::Ocr) && full_nw7);
    let (status, reason) = if accepted {
        (Status::Accepted, notes)
    } else {
        let only = if has(Source::Ocr) && has(Source::Nw7) {
            "the NW-7 code confirms only the ticket number; an operator must confirm the rest of the OCR line"
        } else if has(Source::Ocr) {
            "only the OCR line was read; an operator must confirm it"
        } else {
            "only the NW-7 code was read; an operator must confirm it"
        };
        (
            Status::Unconfirmed,
            Some(join_reason(only, notes.as_deref())),
        )
    };
    Verdict {
        status,
        ticket: Some(ticket),
        agreed,
        reason,
        differences: Vec::new(),
    }
}

fn join_reason(main: &str, notes: Option<&str>) -> String {
    match notes {
        Some(n) => format!("{main} ({n})"),
        None => main.to_string(),
    }
}
