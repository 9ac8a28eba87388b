//! Hooks for the sync client: what to upload, and what the server said.
//!
//! Each version is acknowledged on its own, so an acknowledgement for an older version can
//! never mark a later correction as synced, and never changes any payload.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use uuid::Uuid;
use vrs_record::VaccinationRecord;

use crate::audit;
use crate::clock::from_ms;
use crate::error::{QueueError, Result};
use crate::records::{open_version, seal_quarantine};
use crate::state::State;
use crate::store::Queue;

/// A version waiting for the server's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRecord {
    pub record: VaccinationRecord,
    /// When this version was committed on the tablet.
    pub queued_at: DateTime<Utc>,
}

/// Re-derives a record's state from its current version's flags.
fn refresh_state(conn: &Connection, id: &str) -> Result<()> {
    let (voided, synced, quarantined): (bool, bool, bool) = conn.query_row(
        "SELECT v.voided, v.synced_ms IS NOT NULL, v.quarantine IS NOT NULL
         FROM records r JOIN versions v ON v.id = r.id AND v.version = r.current_version
         WHERE r.id = ?1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let state = State::of_version(voided, synced, quarantined);
    conn.execute(
        "UPDATE records SET state = ?1 WHERE id = ?2",
        params![state.as_str(), id],
    )?;
    Ok(())
}

impl Queue {
    /// Versions not yet acknowledged nor quarantined, oldest first, at most `limit`.
    /// A version whose row fails authentication is left out here (it cannot be uploaded);
    /// `verify` and `list` report it.
    pub fn pending(&self, limit: usize) -> Result<Vec<PendingRecord>> {
        self.pending_except(limit, &HashSet::new())
    }

    /// Like [`Queue::pending`], leaving out every version of the records in `skip` (those with
    /// a version in a request now) before anything is decrypted, so a sync client with
    /// requests in flight does not open their versions again.
    pub fn pending_except(&self, limit: usize, skip: &HashSet<Uuid>) -> Result<Vec<PendingRecord>> {
        // The partial index `versions_pending` yields rows in `seq` order, so rows are read
        // only until `limit` versions are taken.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, version, voided, sealed, queued_ms FROM versions
             WHERE synced_ms IS NULL AND quarantine IS NULL ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut found = Vec::new();
        while found.len() < limit {
            let Some(row) = rows.next()? else { break };
            let id: String = row.get(0)?;
            if Uuid::parse_str(&id).is_ok_and(|uuid| skip.contains(&uuid)) {
                continue;
            }
            let opened = open_version(
                &self.keys,
                &id,
                row.get(1)?,
                row.get(2)?,
                &row.get::<_, Vec<u8>>(3)?,
                row.get(4)?,
                None,
                None,
            );
            if let Ok(view) = opened {
                found.push(PendingRecord {
                    record: view.record,
                    queued_at: view.queued_at,
                });
            }
        }
        Ok(found)
    }

    /// The devices other than this one that made versions still waiting to be sent, in the
    /// order first met. A restored queue's records keep their maker; the server takes them only
    /// from a tablet enrolled as that device's replacement, so the operator must name it.
    pub fn pending_makers_elsewhere(&self) -> Result<Vec<String>> {
        let mut makers: Vec<String> = Vec::new();
        for pending in self.pending(usize::MAX)? {
            let maker = pending.record.device_id;
            if maker != self.device_id && !makers.contains(&maker) {
                makers.push(maker);
            }
        }
        Ok(makers)
    }

    fn version_flags(&self, id: &str, version: u32) -> Result<(Option<i64>, bool)> {
        self.conn
            .query_row(
                "SELECT synced_ms, quarantine IS NOT NULL FROM versions WHERE id = ?1 AND version = ?2",
                params![id, version],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| QueueError::VersionNotFound {
                id: id.to_string(),
                version,
            })
    }

    /// Marks one version as acknowledged by the server. Repeating it changes nothing.
    pub fn mark_synced(
        &mut self,
        id: &str,
        version: u32,
        server_received_at: DateTime<Utc>,
    ) -> Result<()> {
        let (synced, _) = self.version_flags(id, version)?;
        if synced.is_some() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE versions SET synced_ms = ?1 WHERE id = ?2 AND version = ?3 AND synced_ms IS NULL",
            params![server_received_at.timestamp_millis(), id, version],
        )?;
        refresh_state(&tx, id)?;
        audit::append(
            &tx,
            &self.keys,
            "synced",
            Some((id, version)),
            &json!({ "server_received_at": server_received_at.to_rfc3339() }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Marks many versions acknowledged by one server answer, in one transaction: one commit
    /// (one fsync) for the whole batch instead of one per version. Each version is handled as
    /// [`Queue::mark_synced`] handles it (versions already synced are left as they are, each newly
    /// marked one gets its own audit entry). A version that is not in the queue fails the call and
    /// nothing is marked. Returns how many versions were newly marked.
    pub fn mark_synced_many(
        &mut self,
        versions: &[(&str, u32)],
        server_received_at: DateTime<Utc>,
    ) -> Result<usize> {
        let received_ms = server_received_at.timestamp_millis();
        let detail = json!({ "server_received_at": server_received_at.to_rfc3339() });
        let tx = self.conn.transaction()?;
        let mut marked = 0;
        for &(id, version) in versions {
            let synced: Option<Option<i64>> = tx
                .prepare_cached("SELECT synced_ms FROM versions WHERE id = ?1 AND version = ?2")?
                .query_row(params![id, version], |row| row.get(0))
                .optional()?;
            match synced {
                None => {
                    return Err(QueueError::VersionNotFound {
                        id: id.to_string(),
                        version,
                    })
                }
                Some(Some(_)) => continue,
                Some(None) => {}
            }
            tx.prepare_cached(
                "UPDATE versions SET synced_ms = ?1 WHERE id = ?2 AND version = ?3 AND synced_ms IS NULL",
            )?
            .execute(params![received_ms, id, version])?;
            refresh_state(&tx, id)?;
            audit::append(&tx, &self.keys, "synced", Some((id, version)), &detail)?;
            marked += 1;
        }
        tx.commit()?;
        Ok(marked)
    }

    /// Sets one version aside: the server refused it, for `reason`. It is no longer pending.
    /// The server's reason is kept as given, cut to 200 characters without control characters
    /// (a long reason must not stop the record being set aside).
    pub fn quarantine(&mut self, id: &str, version: u32, reason: &str) -> Result<()> {
        let reason = tidy_reason(reason);
        let (synced, quarantined) = self.version_flags(id, version)?;
        if synced.is_some() {
            return Err(QueueError::NotAllowed {
                id: id.to_string(),
                reason: format!("version {version} is already synced"),
            });
        }
        if quarantined {
            return Ok(());
        }
        let sealed = seal_quarantine(&self.keys, id, version, &reason)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE versions SET quarantine = ?1 WHERE id = ?2 AND version = ?3",
            params![sealed, id, version],
        )?;
        refresh_state(&tx, id)?;
        audit::append(
            &tx,
            &self.keys,
            "quarantine",
            Some((id, version)),
            &json!({ "reason": reason }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sends a record's quarantined versions again: the supervisor has had the server's reason
    /// dealt with (say, the tablet linked as the replacement of the one that made it). Their
    /// reasons stay in the audit log. Returns how many versions are pending again; an unknown id
    /// is an error.
    pub fn release_quarantine(&mut self, id: &str) -> Result<usize> {
        self.get(id)?;
        let versions: Vec<u32> = {
            let mut stmt = self.conn.prepare(
                "SELECT version FROM versions
                 WHERE id = ?1 AND quarantine IS NOT NULL AND synced_ms IS NULL ORDER BY version",
            )?;
            let rows = stmt.query_map([id], |row| row.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if versions.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.transaction()?;
        for version in &versions {
            tx.execute(
                "UPDATE versions SET quarantine = NULL WHERE id = ?1 AND version = ?2",
                params![id, version],
            )?;
            audit::append(
                &tx,
                &self.keys,
                "release_quarantine",
                Some((id, *version)),
                &json!({}),
            )?;
        }
        refresh_state(&tx, id)?;
        tx.commit()?;
        Ok(versions.len())
    }

    /// When the server acknowledged a version, if it did.
    pub fn synced_at(&self, id: &str, version: u32) -> Result<Option<DateTime<Utc>>> {
        Ok(self.version_flags(id, version)?.0.map(from_ms))
    }
}

const REASON_CHARS: usize = 200;

fn tidy_reason(reason: &str) -> String {
    let tidy: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(REASON_CHARS)
        .collect();
    if tidy.trim().is_empty() {
        "(the server gave no reason)".into()
    } else {
        tidy
    }
}

#[cfg(test)]
mod tests {
    use vrs_record::ScanEvidence;
    use vrs_ticket::{Source, Ticket};

    use super::*;
    use crate::{Session, State};

    fn queue_with(dir: &std::path::Path, count: u64) -> (Queue, Vec<String>) {
        let mut queue = Queue::create(dir, "246810").unwrap();
        queue
            .set_session(&Session {
                venue: "千代田区役所".into(),
                maker: "ファイザー".into(),
                lot: "FA1234".into(),
                operator: "佐藤花子".into(),
                date: None,
                dose: None,
            })
            .unwrap();
        let ids = (0..count)
            .map(|n| {
                let ticket = Ticket::parse(&format!("11131016{:010}", n + 1)).unwrap();
                let evidence = ScanEvidence {
                    sources: vec![Source::Qr],
                    operator_confirmed: false,
                    manual_entry: false,
                };
                queue.add(ticket, evidence, None).unwrap().id.to_string()
            })
            .collect();
        (queue, ids)
    }

    fn synced_entries(queue: &Queue) -> usize {
        queue
            .audit_entries(None)
            .unwrap()
            .iter()
            .filter(|e| e.action == "synced")
            .count()
    }

    #[test]
    fn a_batch_is_marked_together_and_repeating_it_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut queue, ids) = queue_with(dir.path(), 3);
        let at = Utc::now();
        let batch = [(ids[0].as_str(), 1), (ids[1].as_str(), 1)];
        assert_eq!(queue.mark_synced_many(&batch, at).unwrap(), 2);
        let pending = queue.pending(10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].record.id.to_string(), ids[2]);
        for id in &ids[..2] {
            assert_eq!(queue.get(id).unwrap().state, State::Synced);
            assert_eq!(
                queue
                    .synced_at(id, 1)
                    .unwrap()
                    .map(|t| t.timestamp_millis()),
                Some(at.timestamp_millis())
            );
        }
        assert_eq!(synced_entries(&queue), 2);

        assert_eq!(queue.mark_synced_many(&batch, Utc::now()).unwrap(), 0);
        assert_eq!(synced_entries(&queue), 2);
        assert_eq!(queue.mark_synced_many(&[], Utc::now()).unwrap(), 0);
        assert!(queue.verify().unwrap().is_ok());
    }

    #[test]
    fn an_unknown_version_marks_nothing_of_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (mut queue, ids) = queue_with(dir.path(), 2);
        let batch = [(ids[0].as_str(), 1), (ids[1].as_str(), 2)];
        assert!(matches!(
            queue.mark_synced_many(&batch, Utc::now()),
            Err(QueueError::VersionNotFound { version: 2, .. })
        ));
        assert_eq!(queue.pending(10).unwrap().len(), 2);
        assert_eq!(queue.get(&ids[0]).unwrap().state, State::Queued);
        assert_eq!(synced_entries(&queue), 0);
        assert!(queue.verify().unwrap().is_ok());
    }

    #[test]
    fn a_released_record_is_pending_again_and_its_reason_stays_in_the_audit() {
        let dir = tempfile::tempdir().unwrap();
        let (mut queue, ids) = queue_with(dir.path(), 2);
        queue
            .quarantine(&ids[0], 1, "device_id: made by another tablet")
            .unwrap();
        assert_eq!(queue.pending(10).unwrap().len(), 1);
        assert_eq!(queue.get(&ids[0]).unwrap().state, State::Quarantined);

        assert_eq!(queue.release_quarantine(&ids[0]).unwrap(), 1);
        let view = queue.get(&ids[0]).unwrap();
        assert_eq!(view.state, State::Queued);
        assert!(view.quarantine_reason.is_none());
        assert_eq!(queue.pending(10).unwrap().len(), 2);
        let actions: Vec<String> = queue
            .audit_entries(Some(&ids[0]))
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.ends_with(&["quarantine".into(), "release_quarantine".into()]));
        // Nothing left to release; an unknown record is an error.
        assert_eq!(queue.release_quarantine(&ids[0]).unwrap(), 0);
        assert_eq!(queue.release_quarantine(&ids[1]).unwrap(), 0);
        assert!(queue.release_quarantine("no-such-record").is_err());
        assert!(queue.verify().unwrap().is_ok());
    }
}
