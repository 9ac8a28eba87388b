//! Background sync: run, wait, run again; back off with jitter while the server is unreachable.

use std::future::Future;
use std::time::Duration;

use vrs_queue::Queue;

use crate::backoff::Backoff;
use crate::summary::SyncSummary;
use crate::upload::{sync_once, SyncFailure, SyncOptions};

/// What each round of [`watch`] did, for the caller to show or log.
#[derive(Debug)]
pub enum WatchEvent {
    Synced(SyncSummary),
    /// Transient failure; the next try is after `retry_in`.
    Failed {
        failure: SyncFailure,
        retry_in: Duration,
    },
}

/// Syncs every `interval` until `stop` completes. Transient failures (no network, server down)
/// are retried with exponential backoff and jitter; a permanent one (e.g. a revoked device)
/// ends the loop with that failure.
pub async fn watch<F, S>(
    queue: &mut Queue,
    options: &SyncOptions,
    interval: Duration,
    stop: S,
    mut on_event: F,
) -> Result<(), SyncFailure>
where
    F: FnMut(&WatchEvent),
    S: Future<Output = ()>,
{
    tokio::pin!(stop);
    let mut backoff = Backoff::new(options.backoff_base, options.backoff_max);
    loop {
        let wait = match sync_once(queue, options).await {
            Ok(summary) => {
                backoff.reset();
                on_event(&WatchEvent::Synced(summary));
                interval
            }
            Err(failure) if failure.error.is_transient() => {
                let retry_in = backoff.next_delay().max(Duration::from_millis(50));
                on_event(&WatchEvent::Failed { failure, retry_in });
                retry_in
            }
            Err(failure) => return Err(failure),
        };
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
