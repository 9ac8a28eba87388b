//! The app's state behind the commands: the unlocked queue, the settings, the scanning run.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use vrs_queue::Queue;

use crate::dto::Counts;
use crate::error::{AppError, AppResult};
use crate::pipeline::ScanRun;
use crate::preview_stream::PreviewStream;
use crate::settings::Settings;

/// OCR-only reads offered for confirmation are kept this long (in frames offered), so a
/// confirmation names a frame the app really read.
const UNCONFIRMED_KEPT: usize = 32;

/// The latest preview JPEG, for the `preview://` protocol transport.
pub type LatestPreview = Arc<Mutex<Option<Arc<Vec<u8>>>>>;

pub struct AppState {
    pub data_dir: PathBuf,
    queue: Mutex<Option<Queue>>,
    pub settings: Mutex<Settings>,
    scan: Mutex<Option<ScanRun>>,
    next_run: AtomicU64,
    /// (run, frame id, digits) of OCR-only reads offered for confirmation.
    unconfirmed: Mutex<VecDeque<(u64, u64, String)>>,
    pub latest_preview: LatestPreview,
    /// The loopback stream the page shows previews from (the stream transport).
    pub preview_stream: Option<Arc<PreviewStream>>,
    counts: Mutex<Option<Counts>>,
}

pub type Shared = Arc<AppState>;

/// Locks a mutex; a panic elsewhere leaves plain data behind, so carry on with it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(data_dir: PathBuf, settings: Settings) -> Self {
        Self {
            data_dir,
            queue: Mutex::new(None),
            settings: Mutex::new(settings),
            scan: Mutex::new(None),
            next_run: AtomicU64::new(1),
            unconfirmed: Mutex::new(VecDeque::new()),
            latest_preview: Arc::new(Mutex::new(None)),
            preview_stream: None,
            counts: Mutex::new(None),
        }
    }

    pub fn with_preview_stream(mut self, stream: Arc<PreviewStream>) -> Self {
        self.preview_stream = Some(stream);
        self
    }

    /// Shares the slot the `preview://` protocol serves from.
    pub fn with_latest_preview(mut self, latest: LatestPreview) -> Self {
        self.latest_preview = latest;
        self
    }

    /// The queue's folder inside the data folder (created when missing).
    pub fn queue_dir(&self) -> AppResult<PathBuf> {
        let dir = self.data_dir.join("queue");
        std::fs::create_dir_all(&dir).map_err(|e| AppError::io(dir.display().to_string(), e))?;
        Ok(dir)
    }

    pub fn queue_exists(&self) -> bool {
        Queue::exists(&self.data_dir.join("queue"))
    }

    pub fn is_unlocked(&self) -> bool {
        lock(&self.queue).is_some()
    }

    pub fn set_queue(&self, queue: Option<Queue>) {
        *lock(&self.queue) = queue;
        self.changed();
    }

    /// Runs `f` on the unlocked queue; `Locked` when there is none.
    pub fn with_queue<T>(&self, f: impl FnOnce(&mut Queue) -> AppResult<T>) -> AppResult<T> {
        let mut guard = lock(&self.queue);
        let queue = guard.as_mut().ok_or(AppError::Locked)?;
        f(queue)
    }

    /// Forgets cached counts after anything that changes records.
    pub fn changed(&self) {
        *lock(&self.counts) = None;
    }

    pub fn cached_counts(&self) -> Option<Counts> {
        *lock(&self.counts)
    }

    pub fn cache_counts(&self, counts: Counts) {
        *lock(&self.counts) = Some(counts);
    }

    pub fn next_run(&self) -> u64 {
        self.next_run.fetch_add(1, Ordering::SeqCst)
    }

    /// Replaces the scanning run (stopping any previous one first).
    pub fn replace_scan(&self, run: Option<ScanRun>) {
        let old = lock(&self.scan).take();
        if let Some(old) = old {
            old.stop();
        }
        *lock(&self.scan) = run;
    }

    pub fn remember_unconfirmed(&self, run: u64, frame_id: u64, digits: String) {
        let mut kept = lock(&self.unconfirmed);
        if kept.len() == UNCONFIRMED_KEPT {
            kept.pop_front();
        }
        kept.push_back((run, frame_id, digits));
    }

    /// The digits offered for confirmation on that frame, if the app offered any.
    pub fn unconfirmed_read(&self, run: u64, frame_id: u64) -> Option<String> {
        lock(&self.unconfirmed)
            .iter()
            .find(|(r, f, _)| *r == run && *f == frame_id)
            .map(|(_, _, d)| d.clone())
    }
}
