//! How records are printed: one JSON object per line, or one text line per record.

use serde_json::json;
use vrs_queue::RecordView;

/// The contract's JSON line: id, ticket, date, venue, maker, lot, dose, state, version (and
/// a few more fields a supervisor needs).
pub fn json_line(view: &RecordView) -> String {
    let r = &view.record;
    json!({
        "id": r.id.to_string(),
        "ticket": r.ticket.digits(),
        "date": r.vaccinated_at.date_naive().to_string(),
        "venue": r.venue,
        "maker": r.maker,
        "lot": r.lot,
        "dose": r.dose,
        "state": view.state.as_str(),
        "version": r.version,
        "vaccinated_at": r.vaccinated_at.to_rfc3339(),
        "operator": r.operator,
        "device_id": r.device_id,
        "change_reason": r.change_reason,
        "synced_at": view.synced_at.map(|t| t.to_rfc3339()),
        "quarantine_reason": view.quarantine_reason,
    })
    .to_string()
}

pub fn text_line(view: &RecordView) -> String {
    let r = &view.record;
    let mut line = format!(
        "{}  v{}  {:<11}  {}  {}  dose {}  {} / {} / {} / {}",
        r.id,
        r.version,
        view.state.as_str(),
        r.vaccinated_at.format("%Y-%m-%d %H:%M%:z"),
        r.ticket,
        r.dose,
        r.venue,
        r.maker,
        r.lot,
        r.operator
    );
    if let Some(reason) = &r.change_reason {
        line.push_str(&format!("  ({reason})"));
    }
    if let Some(reason) = &view.quarantine_reason {
        line.push_str(&format!("  [quarantined: {reason}]"));
    }
    line
}

pub fn print(views: &[RecordView], json: bool) {
    for view in views {
        println!(
            "{}",
            if json {
                json_line(view)
            } else {
                text_line(view)
            }
        );
    }
}
