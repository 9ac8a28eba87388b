//! CSV export for the municipal register: UTF-8 with a BOM (so Excel detects it), or
//! Shift_JIS for older municipal PCs. A character Shift_JIS cannot hold is an error naming the
//! record and field, never a silent '?'.

use std::path::Path;
use std::str::FromStr;

use vrs_record::VaccinationRecord;

use crate::error::{QueueError, Result};
use crate::files::write_atomically;
use crate::records::RecordView;
use crate::review::Filter;
use crate::store::Queue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8Bom,
    ShiftJis,
}

impl FromStr for CsvEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "utf_8" | "utf8" => Ok(CsvEncoding::Utf8Bom),
            "shift_jis" | "sjis" | "cp932" => Ok(CsvEncoding::ShiftJis),
            _ => Err(format!("encoding {s:?}: expected utf-8 or shift_jis")),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportReport {
    pub rows: usize,
    /// Records left out because they fail authentication.
    pub damaged: Vec<String>,
}

pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "version",
    "state",
    "ticket",
    "municipality",
    "ticket_number",
    "dose",
    "date",
    "vaccinated_at",
    "venue",
    "maker",
    "lot",
    "operator",
    "device_id",
    "sources",
    "operator_confirmed",
    "manual_entry",
    "change_reason",
];

fn row_fields(view: &RecordView) -> Vec<(&'static str, String)> {
    let r: &VaccinationRecord = &view.record;
    let sources: Vec<String> = r
        .evidence
        .sources
        .iter()
        .map(|s| format!("{s:?}").to_lowercase())
        .collect();
    let values = [
        r.id.to_string(),
        r.version.to_string(),
        view.state.to_string(),
        r.ticket.digits(),
        r.ticket.municipality().to_string(),
        r.ticket.number().to_string(),
        r.dose.to_string(),
        r.vaccinated_at.date_naive().to_string(),
        r.vaccinated_at.to_rfc3339(),
        r.venue.clone(),
        r.maker.clone(),
        r.lot.clone(),
        r.operator.clone(),
        r.device_id.clone(),
        sources.join("+"),
        r.evidence.operator_confirmed.to_string(),
        r.evidence.manual_entry.to_string(),
        r.change_reason.clone().unwrap_or_default(),
    ];
    CSV_COLUMNS.iter().copied().zip(values).collect()
}

/// Quotes a field when needed, and defuses text a spreadsheet would run as a formula.
fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn encode(text: &str, encoding: CsvEncoding, id: &str, field: &'static str) -> Result<Vec<u8>> {
    match encoding {
        CsvEncoding::Utf8Bom => Ok(text.as_bytes().to_vec()),
        CsvEncoding::ShiftJis => {
            let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
            if !had_errors {
                return Ok(bytes.into_owned());
            }
            let bad = text
                .chars()
                .find(|c| encoding_rs::SHIFT_JIS.encode(&c.to_string()).2)
                .unwrap_or('?');
            Err(QueueError::Export {
                id: id.to_string(),
                field,
                reason: format!(
                    "character {bad:?} (U+{:04X}) cannot be written in Shift_JIS",
                    u32::from(bad)
                ),
            })
        }
    }
}

/// The CSV bytes for these records.
pub fn csv_bytes(views: &[RecordView], encoding: CsvEncoding) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if encoding == CsvEncoding::Utf8Bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(CSV_COLUMNS.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
    for view in views {
        let id = view.record.id.to_string();
        for (index, (field, value)) in row_fields(view).into_iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend(encode(&csv_field(&value), encoding, &id, field)?);
        }
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}

impl Queue {
    /// Writes the current version of every record matching `filter` as CSV.
    pub fn export_csv(
        &self,
        path: &Path,
        encoding: CsvEncoding,
        filter: &Filter,
    ) -> Result<ExportReport> {
        let listing = self.list(filter)?;
        let bytes = csv_bytes(&listing.records, encoding)?;
        write_atomically(path, &bytes)?;
        Ok(ExportReport {
            rows: listing.records.len(),
            damaged: listing.damaged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }

    #[test]
    fn shift_jis_names_the_character() {
        let err = encode("𠮷野家", CsvEncoding::ShiftJis, "abc", "venue").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("abc") && text.contains("venue") && text.contains("U+20BB7"),
            "{text}"
        );
        assert_eq!(
            encode("千代田", CsvEncoding::ShiftJis, "abc", "venue").unwrap(),
            b"\x90\xe7\x91\xe3\x93\x63"
        );
    }
}
