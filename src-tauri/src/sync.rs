//! Background sync with the server through `vrs-sync-client`, on its own thread and its own
//! connection to the queue (so uploads never hold up a scan's save): enrolment, "sync now", and
//! a loop that retries with backoff, so sync resumes by itself when the network returns.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use vrs_queue::{Filter, Queue, State};
use vrs_sync_client::{
    enroll, load_enrolment, sync_once, Backoff, ServerConfig, SyncError, SyncOptions,
};

use crate::dto::{EnrolInfo, SyncErrorDto, SyncReportDto};
use crate::error::{AppError, AppResult};
use crate::state::{lock, AppState};

/// How often the loop syncs when all is well.
const INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Enrolment {
    pub server_url: String,
    pub device_id: String,
}

#[derive(Debug, Default, Clone)]
pub struct SyncInfo {
    pub enrolment: Option<Enrolment>,
    pub online: Option<bool>,
    pub syncing: bool,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    pub errors: Vec<SyncErrorDto>,
}

enum Request {
    Enrol {
        url: String,
        code: String,
        reply: Sender<AppResult<EnrolInfo>>,
    },
    SyncNow(Sender<AppResult<SyncReportDto>>),
    Stop,
}

struct Worker {
    requests: Sender<Request>,
    thread: JoinHandle<()>,
}

/// Managed by Tauri beside the app state.
#[derive(Default)]
pub struct SyncAgent {
    info: Arc<Mutex<SyncInfo>>,
    worker: Mutex<Option<Worker>>,
}

impl SyncAgent {
    pub fn enrolment(&self) -> Option<Enrolment> {
        lock(&self.info).enrolment.clone()
    }

    pub fn info(&self) -> SyncInfo {
        lock(&self.info).clone()
    }

    /// The queue was unlocked with `pin`: open a second connection and start syncing.
    pub fn unlocked(&self, state: &Arc<AppState>, pin: &str) -> AppResult<()> {
        self.locked();
        let queue = Queue::open(&state.queue_dir()?, pin)?;
        // Known before the UI asks whether to offer enrolment.
        refresh_enrolment(&queue, &self.info);
        let (tx, rx) = mpsc::channel();
        let info = Arc::clone(&self.info);
        let state = Arc::clone(state);
        let thread = std::thread::Builder::new()
            .name("vrs-sync".into())
            .spawn(move || run(queue, &rx, &info, &state))
            .map_err(|e| AppError::io("starting the sync thread", e))?;
        *lock(&self.worker) = Some(Worker {
            requests: tx,
            thread,
        });
        Ok(())
    }

    /// The queue was locked: stop syncing and forget what was shown.
    pub fn locked(&self) {
        if let Some(worker) = lock(&self.worker).take() {
            let _ = worker.requests.send(Request::Stop);
            let _ = worker.thread.join();
        }
        *lock(&self.info) = SyncInfo::default();
    }

    fn ask<T>(&self, make: impl FnOnce(Sender<AppResult<T>>) -> Request) -> AppResult<T> {
        let (reply, answer) = mpsc::channel();
        {
            let worker = lock(&self.worker);
            let worker = worker.as_ref().ok_or(AppError::Locked)?;
            worker
                .requests
                .send(make(reply))
                .map_err(|_| AppError::Other("the sync thread has stopped".into()))?;
        }
        answer
            .recv()
            .map_err(|_| AppError::Other("the sync thread has stopped".into()))?
    }

    pub fn enrol(&self, url: &str, code: &str) -> AppResult<EnrolInfo> {
        let (url, code) = (url.to_string(), code.to_string());
        self.ask(|reply| Request::Enrol { url, code, reply })
    }

    pub fn sync_now(&self) -> AppResult<SyncReportDto> {
        self.ask(Request::SyncNow)
    }
}

fn sync_error(e: SyncError) -> AppError {
    match e {
        SyncError::Queue(q) => AppError::Queue(q),
        SyncError::ServerUrl(reason) => AppError::field("server_url", reason),
        other => AppError::Other(other.to_string()),
    }
}

/// The sync thread: waits for a request or the next round, whichever comes first.
fn run(mut queue: Queue, requests: &Receiver<Request>, info: &Mutex<SyncInfo>, state: &AppState) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            lock(info).last_error = Some(format!("sync runtime: {e}"));
            return;
        }
    };
    let options = SyncOptions {
        attempts: 2,
        request_timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    };
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    let mut wait = Duration::ZERO;
    loop {
        let request = match requests.recv_timeout(wait) {
            Ok(r) => Some(r),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        match request {
            Some(Request::Stop) => return,
            Some(Request::Enrol { url, code, reply }) => {
                let server = ServerConfig {
                    url: url.clone(),
                    ca_cert_pem: None,
                };
                let result = runtime
                    .block_on(enroll(&mut queue, &server, &code))
                    .map(|e| EnrolInfo {
                        device_id: e.device_id,
                        server_url: e.server.url,
                        municipality: Some(e.municipality),
                    })
                    .map_err(sync_error);
                refresh_enrolment(&queue, info);
                let _ = reply.send(result);
                wait = Duration::ZERO;
            }
            Some(Request::SyncNow(reply)) => {
                let result = round(&runtime, &mut queue, &options, info, state);
                if result.is_ok() {
                    backoff.reset();
                }
                let _ = reply.send(result);
                wait = INTERVAL;
            }
            None => {
                if lock(info).enrolment.is_none() {
                    wait = INTERVAL;
                    continue;
                }
                wait = match round(&runtime, &mut queue, &options, info, state) {
                    Ok(_) => {
                        backoff.reset();
                        INTERVAL
                    }
                    Err(_) => backoff.next_delay(),
                };
            }
        }
    }
}

fn refresh_enrolment(queue: &Queue, info: &Mutex<SyncInfo>) {
    lock(info).enrolment = load_enrolment(queue).ok().map(|(e, _)| Enrolment {
        server_url: e.server.url,
        device_id: e.device_id,
    });
}

/// One sync: upload what is pending, then note what the server quarantined.
fn round(
    runtime: &tokio::runtime::Runtime,
    queue: &mut Queue,
    options: &SyncOptions,
    info: &Mutex<SyncInfo>,
    state: &AppState,
) -> AppResult<SyncReportDto> {
    lock(info).syncing = true;
    let outcome = runtime.block_on(sync_once(queue, options));
    let errors = quarantined(queue);
    let mut shown = lock(info);
    shown.syncing = false;
    shown.errors = errors;
    let result = match outcome {
        Ok(summary) => {
            shown.online = Some(true);
            shown.last_error = None;
            shown.last_sync_at = Some(chrono::Local::now().to_rfc3339());
            Ok(SyncReportDto {
                sent: summary.sent as usize,
                accepted: (summary.accepted + summary.already_had) as usize,
                rejected: summary.rejected as usize,
                pending: summary.pending as usize,
            })
        }
        Err(failure) => {
            shown.online = Some(!matches!(failure.error, SyncError::Unreachable(_)));
            shown.last_error = Some(failure.error.to_string());
            Err(sync_error(failure.error))
        }
    };
    drop(shown);
    // Records changed state through this connection: the UI's counts are stale.
    state.changed();
    result
}

fn quarantined(queue: &Queue) -> Vec<SyncErrorDto> {
    let filter = Filter {
        state: Some(State::Quarantined),
        ..Filter::default()
    };
    queue.list(&filter).map_or_else(
        |_| Vec::new(),
        |listing| {
            listing
                .records
                .iter()
                .map(|v| SyncErrorDto {
                    record_id: v.record.id.to_string(),
                    digits: Some(v.record.ticket.digits()),
                    reason: v
                        .quarantine_reason
                        .clone()
                        .unwrap_or_else(|| "refused by the server".into()),
                })
                .collect()
        },
    )
}
