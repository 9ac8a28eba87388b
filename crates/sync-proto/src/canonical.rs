//! The canonical encoding of a [`VaccinationRecord`], version 1: the bytes a device signs and the
//! server hashes to decide whether two uploads carry the same content.
//!
//! Layout: the 12-byte tag `VRS-RECORD\0` followed by the version byte `0x01`, then each field in
//! the fixed order below as a 4-byte big-endian length and that many UTF-8 bytes:
//!
//! | # | field | text |
//! |---|-------|------|
//! | 1 | id | lowercase hyphenated UUID |
//! | 2 | version | decimal |
//! | 3 | ticket | the 18 digits |
//! | 4 | vaccinated_at | RFC 3339, seconds with only the fraction digits needed, offset as `+09:00` (`Z` never used) |
//! | 5–7 | venue, maker, lot | as entered |
//! | 8 | dose | decimal |
//! | 9, 10 | operator, device_id | as entered |
//! | 11 | evidence sources | `ocr`, `qr`, `nw7` joined by `,` in the record's order |
//! | 12, 13 | operator_confirmed, manual_entry | `0` or `1` |
//! | 14 | status | `active` or `voided` |
//! | 15 | change_reason present | `0` or `1`; when `1`, field 16 is the reason |
//!
//! Any change to the record's fields or to this layout bumps [`CANONICAL_VERSION`].

use chrono::SecondsFormat;
use ring::digest;
use vrs_record::{RecordStatus, ScanEvidence, VaccinationRecord};
use vrs_ticket::Source;

/// The encoding's version byte, written after the tag.
pub const CANONICAL_VERSION: u8 = 1;
const TAG: &[u8] = b"VRS-RECORD\0";

/// The canonical bytes of a record (see the module documentation for the layout).
pub fn canonical_bytes(record: &VaccinationRecord) -> Vec<u8> {
    // Destructured so that a new field on the record fails to compile here until it is encoded.
    let VaccinationRecord {
        id,
        version,
        ticket,
        vaccinated_at,
        venue,
        maker,
        lot,
        dose,
        operator,
        device_id,
        evidence,
        status,
        change_reason,
    } = record;
    let ScanEvidence {
        sources,
        operator_confirmed,
        manual_entry,
    } = evidence;
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(TAG);
    out.push(CANONICAL_VERSION);
    let mut field = |text: &str| {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    };
    field(&id.hyphenated().to_string());
    field(&version.to_string());
    field(&ticket.digits());
    field(&vaccinated_at.to_rfc3339_opts(SecondsFormat::AutoSi, false));
    field(venue);
    field(maker);
    field(lot);
    field(&dose.to_string());
    field(operator);
    field(device_id);
    let source_names: Vec<&str> = sources.iter().map(|s| source_name(*s)).collect();
    field(&source_names.join(","));
    field(flag(*operator_confirmed));
    field(flag(*manual_entry));
    field(match status {
        RecordStatus::Active => "active",
        RecordStatus::Voided => "voided",
    });
    match change_reason {
        Some(reason) => {
            field("1");
            field(reason);
        }
        None => field("0"),
    }
    out
}

/// SHA-256 of the canonical bytes, lowercase hex: equal exactly when the content is equal.
pub fn content_hash(record: &VaccinationRecord) -> String {
    content_hash_of_canonical(&canonical_bytes(record))
}

/// [`content_hash`] from canonical bytes already made (the server makes them once per record,
/// for the signature check and the hash).
pub fn content_hash_of_canonical(canonical: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, canonical))
}

fn flag(value: bool) -> &'static str {
    if value {
        "1"
    } else {
        "0"
    }
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Ocr => "ocr",
        Source::Qr => "qr",
        Source::Nw7 => "nw7",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::DateTime;
    use vrs_record::Uuid;
    use vrs_ticket::Ticket;

    pub(crate) fn sample() -> VaccinationRecord {
        VaccinationRecord {
            id: Uuid::parse_str("01936f3e-7c2a-7b3c-9d4e-5f6a7b8c9d0e").unwrap(),
            version: 1,
            ticket: Ticket::parse("121310160000012345").unwrap(),
            vaccinated_at: DateTime::parse_from_rfc3339("2026-11-25T10:30:00+09:00").unwrap(),
            venue: "千代田区役所".into(),
            maker: "ファイザー".into(),
            lot: "FA1234".into(),
            dose: 2,
            operator: "佐藤 花子".into(),
            device_id: "tablet-01".into(),
            evidence: ScanEvidence {
                sources: vec![Source::Ocr, Source::Qr],
                operator_confirmed: false,
                manual_entry: false,
            },
            status: RecordStatus::Active,
            change_reason: None,
        }
    }

    fn fields_of(bytes: &[u8]) -> Vec<String> {
        assert_eq!(&bytes[..TAG.len()], TAG);
        assert_eq!(bytes[TAG.len()], CANONICAL_VERSION);
        let mut rest = &bytes[TAG.len() + 1..];
        let mut fields = Vec::new();
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            fields.push(String::from_utf8(rest[4..4 + len].to_vec()).unwrap());
            rest = &rest[4 + len..];
        }
        fields
    }

    #[test]
    fn layout_is_as_documented() {
        let fields = fields_of(&canonical_bytes(&sample()));
        assert_eq!(
            fields,
            [
                "01936f3e-7c2a-7b3c-9d4e-5f6a7b8c9d0e",
                "1",
                "121310160000012345",
                "2026-11-25T10:30:00+09:00",
                "千代田区役所",
                "ファイザー",
                "FA1234",
                "2",
                "佐藤 花子",
                "tablet-01",
                "ocr,qr",
                "0",
                "0",
                "active",
                "0",
            ]
        );
    }

    #[test]
    fn a_reason_adds_a_field_and_cannot_be_confused_with_its_absence() {
        let mut with_reason = sample();
        with_reason.version = 2;
        with_reason.change_reason = Some("0".into());
        let fields = fields_of(&canonical_bytes(&with_reason));
        assert_eq!(&fields[14..], ["1", "0"]);
    }

    #[test]
    fn serde_round_trip_keeps_the_bytes() {
        let record = sample();
        let json = serde_json::to_string(&record).unwrap();
        let back: VaccinationRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(canonical_bytes(&back), canonical_bytes(&record));
    }

    #[test]
    fn every_field_changes_the_hash() {
        type Change = fn(&mut VaccinationRecord);
        let changes: Vec<Change> = vec![
            |r| r.id = Uuid::now_v7(),
            |r| r.version = 2,
            |r| r.ticket = Ticket::parse("131310160000012345").unwrap(),
            |r| {
                r.vaccinated_at =
                    DateTime::parse_from_rfc3339("2026-11-25T10:30:00.5+09:00").unwrap()
            },
            |r| {
                r.vaccinated_at = DateTime::parse_from_rfc3339("2026-11-25T01:30:00+00:00").unwrap()
            },
            |r| r.venue.push('a'),
            |r| r.maker.push('a'),
            |r| r.lot.push('a'),
            |r| r.dose = 3,
            |r| r.operator.push('a'),
            |r| r.device_id.push('a'),
            |r| r.evidence.sources.reverse(),
            |r| r.evidence.operator_confirmed = true,
            |r| r.evidence.manual_entry = true,
            |r| r.status = RecordStatus::Voided,
            |r| r.change_reason = Some(String::new()),
            // Moving text between adjacent fields must not collide (length prefixes).
            |r| {
                r.venue = "千代田区役".into();
                r.maker = "所ファイザー".into();
            },
        ];
        let base = content_hash(&sample());
        for (i, change) in changes.into_iter().enumerate() {
            let mut r = sample();
            change(&mut r);
            assert_ne!(content_hash(&r), base, "change {i}");
        }
    }
}
