//! The vaccination-register CSV (予防接種台帳向け出力): one row per ticket holder (ticket
//! municipality + ticket number), each dose as eight columns under its dose number.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use thiserror::Error;
use vrs_record::Uuid;

use crate::store::StoredVersion;
use crate::time::jst;

/// Columns of one dose, in the original system's order.
pub const DOSE_COLUMNS: [&str; 8] = [
    "接種履歴登録日時",
    "接種日",
    "券番号",
    "接種自治体コード",
    "接種会場名",
    "接種医師名",
    "ワクチンメーカー",
    "ロット番号",
];
pub const FIRST_COLUMN: &str = "個別宛名番号";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8,
    ShiftJis,
}

impl CsvEncoding {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "utf_8" | "utf8" => Some(CsvEncoding::Utf8),
            "shift_jis" | "sjis" => Some(CsvEncoding::ShiftJis),
            _ => None,
        }
    }

    /// The charset parameter for a `text/csv` content type.
    pub fn charset(self) -> &'static str {
        match self {
            CsvEncoding::Utf8 => "utf-8",
            CsvEncoding::ShiftJis => "Shift_JIS",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("row {row}, column {column}: {character:?} has no Shift_JIS form")]
pub struct EncodeError {
    pub row: usize,
    pub column: String,
    pub character: char,
}

/// A record the register has no place for: another record of the same ticket holds that
/// dose's columns. It is a duplicate dose (flagged when stored) for the municipality to
/// resolve; the export says so instead of writing two first doses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub municipality: String,
    pub ticket_number: String,
    pub dose: u8,
    pub id: Uuid,
}

/// The export as cells (a header row, then one row per holder) and what had no place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub table: Vec<Vec<String>>,
    pub left_out: Vec<LeftOut>,
}

/// One row per holder; a dose's eight columns sit under its dose number ("3回目…" holds the
/// third dose even when the first two were recorded elsewhere), so a register never reads a
/// later dose as an earlier one. Of two records for one ticket and dose, the one not flagged as
/// a duplicate (the first stored) takes the place, the earlier vaccination on a tie.
pub fn register_table(records: &[StoredVersion]) -> Register {
    type Holder<'a> = BTreeMap<u8, Vec<&'a StoredVersion>>;
    let mut holders: BTreeMap<(String, String), Holder<'_>> = BTreeMap::new();
    for stored in records {
        let ticket = &stored.record.ticket;
        holders
            .entry((
                ticket.municipality().to_string(),
                ticket.number().to_string(),
            ))
            .or_default()
            .entry(stored.record.dose)
            .or_default()
            .push(stored);
    }
    let slots = records
        .iter()
        .map(|s| usize::from(s.record.dose))
        .max()
        .unwrap_or(1)
        .max(1);
    let mut header = vec![FIRST_COLUMN.to_string()];
    for slot in 1..=slots {
        header.extend(DOSE_COLUMNS.iter().map(|c| format!("{slot}回目{c}")));
    }
    let mut table = Vec::with_capacity(holders.len() + 1);
    table.push(header);
    let mut left_out = Vec::new();
    for ((municipality, ticket_number), doses) in holders {
        let mut row = vec![String::new(); 1 + slots * DOSE_COLUMNS.len()];
        for (dose, mut candidates) in doses {
            candidates.sort_by_key(|s| {
                (
                    s.duplicate_dose,
                    s.record.vaccinated_at,
                    s.received_at,
                    s.record.id,
                )
            });
            let mut candidates = candidates.into_iter();
            if let Some(placed) = candidates.next() {
                // Dose numbers start at 1 (the record's rules refuse 0).
                let start = 1 + usize::from(dose).saturating_sub(1) * DOSE_COLUMNS.len();
                for (cell, text) in row[start..].iter_mut().zip(dose_cells(placed)) {
                    *cell = text;
                }
            }
            left_out.extend(candidates.map(|other| LeftOut {
                municipality: municipality.clone(),
                ticket_number: ticket_number.clone(),
                dose,
                id: other.record.id,
            }));
        }
        table.push(row);
    }
    Register { table, left_out }
}

fn dose_cells(stored: &StoredVersion) -> [String; 8] {
    let record = &stored.record;
    [
        jst_text(stored.received_at, "%Y%m%d%H%M%S"),
        record
            .vaccinated_at
            .with_timezone(&jst())
            .format("%Y%m%d")
            .to_string(),
        record.ticket.number().to_string(),
        stored.venue_municipality.to_string(),
        record.venue.clone(),
        record.operator.clone(),
        record.maker.clone(),
        record.lot.clone(),
    ]
}

fn jst_text(at: DateTime<Utc>, format: &str) -> String {
    at.with_timezone(&jst()).format(format).to_string()
}

/// CSV text (RFC 4180: CRLF, fields quoted when they hold a comma, quote or line break).
pub fn to_csv(table: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in table {
        let cells: Vec<String> = row.iter().map(|cell| quote(cell)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// The CSV bytes in the chosen encoding; a character Shift_JIS cannot hold is an error naming
/// its row and column, never a silent substitute.
pub fn encode_table(table: &[Vec<String>], encoding: CsvEncoding) -> Result<Vec<u8>, EncodeError> {
    if encoding == CsvEncoding::ShiftJis {
        for (row_index, row) in table.iter().enumerate() {
            for (column_index, cell) in row.iter().enumerate() {
                if let Some(character) = cell.chars().find(|c| !shift_jis_has(*c)) {
                    let column = table
                        .first()
                        .and_then(|header| header.get(column_index))
                        .cloned()
                        .unwrap_or_else(|| column_index.to_string());
                    return Err(EncodeError {
                        row: row_index,
                        column,
                        character,
                    });
                }
            }
        }
    }
    let text = to_csv(table);
    Ok(match encoding {
        CsvEncoding::Utf8 => text.into_bytes(),
        CsvEncoding::ShiftJis => encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
    })
}

fn shift_jis_has(character: char) -> bool {
    let mut buffer = [0u8; 4];
    let (_, _, had_errors) = encoding_rs::SHIFT_JIS.encode(character.encode_utf8(&mut buffer));
    !had_errors
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use vrs_ticket::{MunicipalityCode, Ticket};

    use super::*;
    use crate::store::{Origin, RowState};

    /// A stored dose of ticket `ticket` (18 digits), given at `day` (1–28 Nov 2026), lot `lot`.
    fn dose(ticket: &str, day: u32, lot: &str, duplicate: bool) -> StoredVersion {
        let ticket = Ticket::parse(ticket).unwrap();
        let at = format!("2026-11-{day:02}T10:30:00+09:00");
        let mut record = vrs_record::example::record(ticket, "tablet");
        record.vaccinated_at = DateTime::parse_from_rfc3339(&at).unwrap();
        record.lot = lot.into();
        StoredVersion {
            record,
            content_hash: String::new(),
            origin: Origin::Device,
            state: RowState::Current,
            venue_municipality: MunicipalityCode::parse("131016").unwrap(),
            duplicate_dose: duplicate,
            received_at: DateTime::parse_from_rfc3339(&at).unwrap().to_utc(),
            after_server_correction: false,
        }
    }

    /// The eight cells of dose `n` in a row.
    fn slot(row: &[String], n: usize) -> &[String] {
        &row[1 + (n - 1) * 8..1 + n * 8]
    }

    #[test]
    fn each_dose_sits_under_its_own_number() {
        // A third dose alone (the first two given before this system), and a holder whose
        // second dose was recorded before the first.
        let records = [
            dose("131310160000000001", 20, "LOT-3", false),
            dose("121310160000000002", 21, "LOT-2", false),
            dose("111310160000000002", 1, "LOT-1", false),
        ];
        let register = register_table(&records);
        assert!(register.left_out.is_empty());
        let header = &register.table[0];
        assert_eq!(header.len(), 1 + 3 * 8);
        assert_eq!(header[1 + 2 * 8], "3回目接種履歴登録日時");
        let third_only = &register.table[1];
        assert!(slot(third_only, 1).iter().all(String::is_empty));
        assert!(slot(third_only, 2).iter().all(String::is_empty));
        assert_eq!(slot(third_only, 3)[1], "20261120");
        assert_eq!(slot(third_only, 3)[7], "LOT-3");
        let both = &register.table[2];
        assert_eq!(slot(both, 1)[7], "LOT-1");
        assert_eq!(slot(both, 2)[7], "LOT-2");
        assert!(slot(both, 3).iter().all(String::is_empty));
    }

    #[test]
    fn a_duplicate_dose_is_left_out_and_named_not_written_as_another_dose() {
        let first = dose("111310160000000003", 5, "FIRST", false);
        let duplicate = dose("111310160000000003", 4, "AGAIN", true);
        let register = register_table(&[duplicate.clone(), first]);
        assert_eq!(register.table.len(), 2);
        assert_eq!(register.table[0].len(), 1 + 8, "one slot: only first doses");
        assert_eq!(slot(&register.table[1], 1)[7], "FIRST");
        assert_eq!(
            register.left_out,
            [LeftOut {
                municipality: "131016".into(),
                ticket_number: "0000000003".into(),
                dose: 1,
                id: duplicate.record.id,
            }]
        );
    }

    #[test]
    fn an_empty_register_has_one_slot_of_headers() {
        let register = register_table(&[]);
        assert_eq!(register.table, [register.table[0].clone()]);
        assert_eq!(register.table[0].len(), 1 + 8);
    }
}
