//! The append-only audit log. Each entry's hash is SHA-256 over the previous entry's hash and
//! the entry's canonical bytes, so an edited, deleted or reordered entry breaks the chain. The
//! newest (seq, hash) is also kept in `meta` under an HMAC with a key from the data key, so
//! that cutting entries off the end, or rewriting the whole chain, is detected as well.
//! Details (reasons, corrected values) are sealed: they may name people.

use std::collections::HashSet;

use ring::digest::{Context, SHA256};
use ring::hmac;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::clock::now_ms;
use crate::crypto::Keys;
use crate::error::Result;
use crate::meta;

const HASH_LEN: usize = 32;
const HEAD_KEY: &str = "audit_head";

/// One entry as read back for people.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub record_id: Option<String>,
    pub version: Option<u32>,
    pub detail: Value,
}

/// What `verify` found.
#[derive(Debug, Clone, Default)]
pub struct AuditCheck {
    pub entries: u64,
    pub problems: Vec<String>,
    /// (record id, version) of every entry that created a version.
    pub versions_created: HashSet<(String, u32)>,
}

/// The actions that create a record version; every stored version must have one.
pub const CREATING_ACTIONS: &[&str] = &["add", "correct", "void", "restore_version"];

fn canonical(
    seq: i64,
    at_ms: i64,
    action: &str,
    record_id: Option<&str>,
    version: Option<u32>,
    detail: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + detail.len());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&at_ms.to_be_bytes());
    for part in [
        action.as_bytes(),
        record_id.unwrap_or("").as_bytes(),
        detail,
    ] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.push(u8::from(record_id.is_some()));
    out.extend_from_slice(&version.map_or(-1, i64::from).to_be_bytes());
    out
}

fn chain_hash(prev: &[u8], entry: &[u8]) -> Vec<u8> {
    let mut context = Context::new(&SHA256);
    context.update(prev);
    context.update(entry);
    context.finish().as_ref().to_vec()
}

fn head_bytes(keys: &Keys, seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut body = seq.to_be_bytes().to_vec();
    body.extend_from_slice(hash);
    let tag = hmac::sign(&keys.audit, &body);
    body.extend_from_slice(tag.as_ref());
    body
}

fn detail_context(seq: i64) -> Vec<u8> {
    format!("audit|{seq}").into_bytes()
}

/// Appends one entry; call inside the transaction that makes the change it records.
pub fn append(
    conn: &Connection,
    keys: &Keys,
    action: &str,
    record: Option<(&str, u32)>,
    detail: &Value,
) -> Result<()> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, vec![0; HASH_LEN]));
    let seq = prev_seq + 1;
    let at_ms = now_ms();
    let detail_json = serde_json::to_vec(detail).unwrap_or_default();
    let sealed = keys.seal.seal(&detail_context(seq), &detail_json)?;
    let (record_id, version) = record.map_or((None, None), |(id, v)| (Some(id), Some(v)));
    let hash = chain_hash(
        &prev_hash,
        &canonical(seq, at_ms, action, record_id, version, &sealed),
    );
    conn.execute(
        "INSERT INTO audit_log (seq, at_ms, action, record_id, version, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at_ms, action, record_id, version, sealed, prev_hash, hash],
    )?;
    meta::put(conn, HEAD_KEY, &head_bytes(keys, seq, &hash))
}

type Row = (
    i64,
    i64,
    String,
    Option<String>,
    Option<u32>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
);

fn read_rows(conn: &Connection, record_id: Option<&str>) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at_ms, action, record_id, version, detail, prev_hash, hash FROM audit_log
         WHERE ?1 IS NULL OR record_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([record_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<Row>>>()?;
    Ok(rows)
}

/// Walks the whole chain and names every break.
pub fn verify(conn: &Connection, keys: &Keys) -> Result<AuditCheck> {
    let mut check = AuditCheck::default();
    let mut expected_seq = 1;
    let mut prev = vec![0u8; HASH_LEN];
    for (seq, at_ms, action, record_id, version, detail, prev_hash, hash) in read_rows(conn, None)?
    {
        check.entries += 1;
        if seq != expected_seq {
            check.problems.push(format!(
                "audit entries {expected_seq} to {}: missing (deleted)",
                seq - 1
            ));
        }
        if prev_hash != prev {
            check.problems.push(format!(
                "audit entry {seq}: does not follow the entry before it (entries deleted or reordered)"
            ));
        }
        let recomputed = chain_hash(
            &prev_hash,
            &canonical(seq, at_ms, &action, record_id.as_deref(), version, &detail),
        );
        if recomputed != hash {
            check.problems.push(format!(
                "audit entry {seq}: content altered (hash does not match)"
            ));
        } else if keys.seal.open(&detail_context(seq), &detail).is_none() {
            check
                .problems
                .push(format!("audit entry {seq}: detail fails authentication"));
        }
        if let (Some(id), Some(v)) = (&record_id, version) {
            if CREATING_ACTIONS.contains(&action.as_str()) {
                check.versions_created.insert((id.clone(), v));
            }
        }
        expected_seq = seq + 1;
        prev = hash;
    }
    let head = meta::get(conn, HEAD_KEY)?;
    let last_seq = expected_seq - 1;
    let expected_head = (last_seq > 0).then(|| head_bytes(keys, last_seq, &prev));
    if head != expected_head {
        check.problems.push(
            "audit log: its newest entry is not the one last written (entries removed from the end, or the chain rewritten)"
                .into(),
        );
    }
    Ok(check)
}

/// The entries for one record (or all), details opened where they still authenticate.
pub fn entries(conn: &Connection, keys: &Keys, record_id: Option<&str>) -> Result<Vec<AuditEntry>> {
    Ok(read_rows(conn, record_id)?
        .into_iter()
        .map(|(seq, at_ms, action, record_id, version, detail, _, _)| {
            let detail = keys
                .seal
                .open(&detail_context(seq), &detail)
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or_else(|| Value::String("(fails authentication)".into()));
            AuditEntry {
                seq,
                at: crate::clock::from_ms(at_ms),
                action,
                record_id,
                version,
                detail,
            }
        })
        .collect())
}
