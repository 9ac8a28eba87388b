//! The PostgreSQL store's writer: one task per server process writes every device's batches.
//! Batches that arrive while it writes are written together in its next transaction (one commit
//! for all), in arrival order, and each is answered only after that commit; a batch sees the
//! rows of the batches before it as if they were committed, so the answers are those of
//! storing the batches one after another.
//!
//! With one writer, a process's own batches never abort each other (concurrent SERIALIZABLE
//! ingest transactions did, about half of them, over time-ordered ids on the same index pages).
//! The transaction stays SERIALIZABLE for what else writes records: other server processes on
//! the same database, and corrections. When PostgreSQL aborts it to keep it serialisable, the
//! whole group is written again; a batch that fails for another reason is answered with its
//! error and the others are written again without it ([`super::settle`]).

use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio_postgres::error::SqlState;
use tokio_postgres::IsolationLevel;

use super::model::IngestResult;
use super::postgres_ingest::ingest_batch;
use super::{settle, Failure, Job, StoreError};

/// Attempts of a transaction that PostgreSQL aborted to keep transactions serialisable.
const SERIALISATION_ATTEMPTS: u32 = 20;

/// Starts the writer on the current runtime; it stops when every sender is gone.
pub(super) fn start(pool: Pool) -> UnboundedSender<Job> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(run(pool, receiver));
    sender
}

async fn run(pool: Pool, mut receiver: UnboundedReceiver<Job>) {
    let mut writer = Connection { pool, held: None };
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while let Ok(job) = receiver.try_recv() {
            jobs.push(job);
        }
        write_group(&mut writer, jobs).await;
    }
}

/// The writer's connection, taken from the pool once and kept, so that a group never waits
/// behind the requests' device look-ups for a pooled connection; taken again once closed.
struct Connection {
    pool: Pool,
    held: Option<Object>,
}

impl Connection {
    async fn get(&mut self) -> Result<&mut Object, StoreError> {
        if self.held.as_ref().is_none_or(|client| client.is_closed()) {
            self.held = None;
            let client = self
                .pool
                .get()
                .await
                .map_err(|e| StoreError::Pool(e.to_string()))?;
            self.held = Some(client);
        }
        self.held
            .as_mut()
            .ok_or_else(|| StoreError::Pool("no writer connection".into()))
    }
}

/// Writes the jobs in one transaction and answers each.
async fn write_group(writer: &mut Connection, mut jobs: Vec<Job>) {
    let mut attempt = 1;
    while !jobs.is_empty() {
        let outcome = match writer.get().await {
            Ok(client) => attempt_group(client, &jobs).await,
            Err(error) => Err(Failure { batch: None, error }),
        };
        if let Err(Failure {
            error: StoreError::Postgres(e),
            ..
        }) = &outcome
        {
            if is_retryable(e) && attempt < SERIALISATION_ATTEMPTS {
                attempt += 1;
                // Back off a little so the transaction that won can finish.
                tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 3)).await;
                continue;
            }
        }
        jobs = settle(jobs, outcome, "PostgreSQL");
    }
}

async fn attempt_group(
    client: &mut Object,
    jobs: &[Job],
) -> Result<Vec<Vec<IngestResult>>, Failure> {
    let around = |e: tokio_postgres::Error| Failure {
        batch: None,
        error: e.into(),
    };
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .await
        .map_err(around)?;
    let mut answers = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let answer = ingest_batch(&tx, &job.device, &job.records, job.now)
            .await
            .map_err(|error| Failure {
                batch: Some(index),
                error,
            })?;
        answers.push(answer);
    }
    tx.commit().await.map_err(around)?;
    Ok(answers)
}

/// Errors after which the same transaction may succeed when run again: serialisation
/// failures, deadlocks, and another process having inserted the same record version first.
fn is_retryable(error: &tokio_postgres::Error) -> bool {
    matches!(
        error.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::UNIQUE_VIOLATION
    )
}
