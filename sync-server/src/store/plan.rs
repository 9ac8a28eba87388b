//! What to do with a whole uploaded batch, decided in memory from what the database holds, so
//! that a store asks its questions once per batch and writes all rows together. The outcome is
//! the same as storing the records one after another with [`decide`]: a record sees the rows of
//! the records before it in the batch exactly as if they had been stored already.

use std::collections::{HashMap, HashSet};

use vrs_record::{RecordStatus, Uuid};

use vrs_sync_proto::{Outcome, RecordFlag};

use super::decide::{conflict_reason, decide, Decision, KnownVersion};
use super::model::{IngestResult, Origin, RowState, VerifiedRecord};

/// Ticket and dose: two active records with the same key are a duplicate dose.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DoseKey {
    pub municipality: String,
    pub number: String,
    pub dose: u8,
}

impl DoseKey {
    pub fn of(record: &VerifiedRecord) -> Self {
        let record = &record.record;
        Self {
            municipality: record.ticket.municipality().to_string(),
            number: record.ticket.number().to_string(),
            dose: record.dose,
        }
    }
}

/// The dose key of each record, in order: made once per batch, for the stored-row query
/// ([`active_keys`]) and for [`plan`].
pub fn dose_keys(records: &[VerifiedRecord]) -> Vec<DoseKey> {
    records.iter().map(DoseKey::of).collect()
}

/// The distinct keys of the batch's active records: those whose stored rows the plan needs.
pub fn active_keys<'a>(records: &[VerifiedRecord], keys: &'a [DoseKey]) -> Vec<&'a DoseKey> {
    let mut seen = HashSet::new();
    records
        .iter()
        .zip(keys)
        .filter(|(v, key)| v.record.status == RecordStatus::Active && seen.insert(*key))
        .map(|(_, key)| key)
        .collect()
}

/// A stored row the plan needs: every row of the batch's ids, and every active current or held
/// row with one of the batch's dose keys.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub id: Uuid,
    pub version: u32,
    pub content_hash: String,
    pub origin: Origin,
    pub state: RowState,
    pub active: bool,
    pub key: DoseKey,
}

/// What becomes of one incoming record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    AlreadyHad,
    /// Kept in `conflicts` for review; the record is refused.
    Conflict,
    /// Stored as a row in `state` (its state after the whole batch).
    Insert {
        state: RowState,
        duplicate_dose: bool,
        after_server_correction: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// One per incoming record, in order.
    pub steps: Vec<Step>,
    /// Ids whose stored current row is superseded by a newer version in this batch.
    pub supersede: Vec<Uuid>,
}

/// Where a row of the plan lives: already stored, or the batch record at this position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RowRef {
    Stored(usize),
    Incoming(usize),
}

struct LiveRow {
    at: RowRef,
    id: Uuid,
    state: RowState,
    active: bool,
}

/// Plans a batch. `keys` are the records' [`dose_keys`]; `stored` must hold the rows described
/// on [`StoredRow`]; more rows do no harm.
pub fn plan(records: &[VerifiedRecord], keys: &[DoseKey], stored: &[StoredRow]) -> Plan {
    debug_assert_eq!(records.len(), keys.len(), "one dose key per record");
    let mut known: HashMap<Uuid, Vec<KnownVersion>> = HashMap::new();
    let mut rows: Vec<LiveRow> = Vec::new();
    let mut rows_of_id: HashMap<Uuid, Vec<usize>> = HashMap::new();
    // Borrowed keys: no key is copied while planning.
    let mut rows_of_key: HashMap<&DoseKey, Vec<usize>> = HashMap::new();
    let mut seen = HashSet::new();
    for (index, row) in stored.iter().enumerate() {
        if !seen.insert((row.id, row.version)) {
            continue;
        }
        known.entry(row.id).or_default().push(KnownVersion {
            version: row.version,
            content_hash: row.content_hash.clone(),
            origin: row.origin,
        });
        add_row(
            &mut rows,
            &mut rows_of_id,
            &mut rows_of_key,
            LiveRow {
                at: RowRef::Stored(index),
                id: row.id,
                state: row.state,
                active: row.active,
            },
            &row.key,
        );
    }

    let mut steps = Vec::with_capacity(records.len());
    let mut supersede = Vec::new();
    for (index, (verified, key)) in records.iter().zip(keys).enumerate() {
        let record = &verified.record;
        let versions = known.entry(record.id).or_default();
        let step = match decide(record.version, &verified.content_hash, versions) {
            Decision::AlreadyHad => Step::AlreadyHad,
            Decision::Conflict => Step::Conflict,
            Decision::Insert {
                state,
                after_server_correction,
            } => {
                let active = record.status == RecordStatus::Active;
                let duplicate_dose = active
                    && rows_of_key.get(key).is_some_and(|at| {
                        at.iter().any(|&r| {
                            let row = &rows[r];
                            row.id != record.id && row.active && counts_for_duplicates(row.state)
                        })
                    });
                if state == RowState::Current && !versions.is_empty() {
                    for &r in rows_of_id.get(&record.id).into_iter().flatten() {
                        let row = &mut rows[r];
                        if row.state == RowState::Current {
                            row.state = RowState::Superseded;
                            if let RowRef::Stored(_) = row.at {
                                if !supersede.contains(&record.id) {
                                    supersede.push(record.id);
                                }
                            }
                        }
                    }
                }
                versions.push(KnownVersion {
                    version: record.version,
                    content_hash: verified.content_hash.clone(),
                    origin: Origin::Device,
                });
                add_row(
                    &mut rows,
                    &mut rows_of_id,
                    &mut rows_of_key,
                    LiveRow {
                        at: RowRef::Incoming(index),
                        id: record.id,
                        state,
                        active,
                    },
                    key,
                );
                Step::Insert {
                    state,
                    duplicate_dose,
                    after_server_correction,
                }
            }
        };
        steps.push(step);
    }
    // A row inserted by this batch and superseded later in it is stored as superseded.
    for row in &rows {
        if let RowRef::Incoming(index) = row.at {
            if let Some(Step::Insert { state, .. }) = steps.get_mut(index) {
                *state = row.state;
            }
        }
    }
    Plan { steps, supersede }
}

/// The answer for each record of a planned batch.
pub fn results(plan: &Plan, records: &[VerifiedRecord]) -> Vec<IngestResult> {
    plan.steps
        .iter()
        .zip(records)
        .map(|(step, verified)| match step {
            Step::AlreadyHad => IngestResult {
                outcome: Outcome::AlreadyHad,
                flags: vec![],
                reason: None,
            },
            Step::Conflict => IngestResult {
                outcome: Outcome::Rejected,
                flags: vec![],
                reason: Some(conflict_reason(verified.record.version)),
            },
            Step::Insert {
                duplicate_dose,
                after_server_correction,
                ..
            } => {
                let mut flags = Vec::new();
                if *duplicate_dose {
                    flags.push(RecordFlag::DuplicateDose);
                }
                if *after_server_correction {
                    flags.push(RecordFlag::AfterServerCorrection);
                }
                IngestResult {
                    outcome: Outcome::Accepted,
                    flags,
                    reason: None,
                }
            }
        })
        .collect()
}

/// Rows that make another record of the same ticket and dose a duplicate.
fn counts_for_duplicates(state: RowState) -> bool {
    matches!(state, RowState::Current | RowState::Held)
}

fn add_row<'a>(
    rows: &mut Vec<LiveRow>,
    rows_of_id: &mut HashMap<Uuid, Vec<usize>>,
    rows_of_key: &mut HashMap<&'a DoseKey, Vec<usize>>,
    row: LiveRow,
    key: &'a DoseKey,
) {
    let at = rows.len();
    rows_of_id.entry(row.id).or_default().push(at);
    rows_of_key.entry(key).or_default().push(at);
    rows.push(row);
}

#[cfg(test)]
mod tests {
    use vrs_ticket::Ticket;

    use super::*;

    fn verified(id: Uuid, version: u32, ticket: &str, lot: &str) -> VerifiedRecord {
        let mut record = vrs_record::example::record(Ticket::parse(ticket).unwrap(), "tablet");
        record.id = id;
        record.version = version;
        record.lot = lot.into();
        VerifiedRecord {
            content_hash: vrs_sync_proto::content_hash(&record),
            signature: String::new(),
            record_json: String::new(),
            record,
        }
    }

    fn stored(v: &VerifiedRecord, origin: Origin, state: RowState) -> StoredRow {
        StoredRow {
            id: v.record.id,
            version: v.record.version,
            content_hash: v.content_hash.clone(),
            origin,
            state,
            active: true,
            key: DoseKey::of(v),
        }
    }

    const T1: &str = "111310160000000001";
    const T2: &str = "111310160000000002";

    #[test]
    fn rows_earlier_in_the_batch_count_as_stored() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let batch = [
            verified(a, 1, T1, "L1"),
            verified(b, 1, T1, "L1"), // duplicate dose of a
            verified(a, 1, T1, "L1"), // replay
            verified(a, 1, T1, "XX"), // same version, other content
            verified(a, 2, T2, "L1"), // a moves to another ticket; a1 superseded
            verified(b, 1, T1, "L1"), // replay
        ];
        let plan = plan(&batch, &dose_keys(&batch), &[]);
        let insert = |state, duplicate_dose| Step::Insert {
            state,
            duplicate_dose,
            after_server_correction: false,
        };
        assert_eq!(
            plan.steps,
            [
                insert(RowState::Superseded, false),
                insert(RowState::Current, true),
                Step::AlreadyHad,
                Step::Conflict,
                insert(RowState::Current, false),
                Step::AlreadyHad,
            ]
        );
        assert!(plan.supersede.is_empty(), "nothing stored to supersede");
        let outcomes: Vec<Outcome> = results(&plan, &batch).iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Accepted,
                Outcome::Accepted,
                Outcome::AlreadyHad,
                Outcome::Rejected,
                Outcome::Accepted,
                Outcome::AlreadyHad
            ]
        );
    }

    #[test]
    fn the_stored_row_query_asks_for_each_active_key_once() {
        let mut voided = verified(Uuid::now_v7(), 1, T2, "L1");
        voided.record.status = RecordStatus::Voided;
        let batch = [
            verified(Uuid::now_v7(), 1, T1, "L1"),
            voided,
            verified(Uuid::now_v7(), 1, T1, "L2"),
        ];
        let keys = dose_keys(&batch);
        assert_eq!(keys, [0, 1, 2].map(|i| DoseKey::of(&batch[i])));
        assert_eq!(active_keys(&batch, &keys), [&DoseKey::of(&batch[0])]);
    }

    #[test]
    fn stored_rows_are_superseded_once_and_server_corrections_hold_tablet_versions() {
        let (a, c) = (Uuid::now_v7(), Uuid::now_v7());
        let a1 = verified(a, 1, T1, "L1");
        let c1 = verified(c, 1, T2, "L1");
        let c2_server = verified(c, 2, T2, "SV");
        let rows = [
            stored(&a1, Origin::Device, RowState::Current),
            stored(&c1, Origin::Device, RowState::Superseded),
            stored(&c2_server, Origin::Server, RowState::Current),
        ];
        let batch = [
            verified(a, 2, T1, "L2"),
            verified(a, 3, T1, "L3"),
            verified(c, 3, T2, "TB"),
        ];
        let plan = plan(&batch, &dose_keys(&batch), &rows);
        assert_eq!(plan.supersede, [a]);
        assert_eq!(
            plan.steps,
            [
                Step::Insert {
                    state: RowState::Superseded,
                    duplicate_dose: false,
                    after_server_correction: false
                },
                Step::Insert {
                    state: RowState::Current,
                    duplicate_dose: false,
                    after_server_correction: false
                },
                Step::Insert {
                    state: RowState::Held,
                    duplicate_dose: false,
                    after_server_correction: true
                },
            ]
        );
        assert_eq!(
            results(&plan, &batch)[2].flags,
            [RecordFlag::AfterServerCorrection]
        );
    }
}
