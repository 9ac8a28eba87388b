//! The vaccination-register CSV (予防接種台帳向け出力): one row per ticket holder (ticket
//! municipality + ticket number), the holder's doses in order, each as eight columns.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use thiserror::Error;

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

/// The export as cells: a header row, then one row per holder.
pub fn register_table(records: &[StoredVersion]) -> Vec<Vec<String>> {
    let mut holders: BTreeMap<(String, String), Vec<&StoredVersion>> = BTreeMap::new();
    for stored in records {
        let ticket = &stored.record.ticket;
        holders
            .entry((
                ticket.municipality().to_string(),
                ticket.number().to_string(),
            ))
            .or_default()
            .push(stored);
    }
    for doses in holders.values_mut() {
        doses.sort_by_key(|s| (s.record.dose, s.record.vaccinated_at, s.record.id));
    }
    let slots = holders.values().map(Vec::len).max().unwrap_or(1).max(1);
    let mut table = Vec::with_capacity(holders.len() + 1);
    let mut header = vec![FIRST_COLUMN.to_string()];
    for slot in 1..=slots {
        header.extend(DOSE_COLUMNS.iter().map(|c| format!("{slot}回目{c}")));
    }
    table.push(header);
    for doses in holders.values() {
        let mut row = vec![String::new()];
        for stored in doses {
            row.extend(dose_cells(stored));
        }
        row.resize(1 + slots * DOSE_COLUMNS.len(), String::new());
        table.push(row);
    }
    table
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
