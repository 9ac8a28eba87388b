//! One scanning run: a capture thread, a preview thread and an analysis thread joined by
//! one-place mailboxes, so a slow stage drops frames instead of queueing them and the UI thread
//! never decodes or reads anything.

mod preview;
mod slot;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use preview::{encode_preview, PREVIEW_WIDTH};
pub use slot::LatestSlot;

use crate::camera::{self, now_ms, Frame, SourceInfo};
use crate::dto::{ScanEvent, ScanStats, ScanVerdict};
use crate::error::{AppError, AppResult};
use crate::settings::FrameSourceSetting;

/// Turns a frame into a verdict (reading, deciding, saving). Runs on the analysis thread.
pub trait FrameAnalyzer: Send {
    fn analyze(&mut self, frame: &Frame) -> ScanVerdict;
}

/// Where a run's output goes: the Tauri channels in the app, plain closures in tests.
pub struct Sinks {
    /// A preview JPEG, already prefixed with its frame id.
    pub preview: Box<dyn FnMut(Vec<u8>) + Send>,
    pub event: Arc<dyn Fn(ScanEvent) + Send + Sync>,
}

#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// The preview is sent at most this often; the rest of the camera's frames skip it.
    pub max_preview_fps: u32,
    pub stats_every: Duration,
    /// Draw each preview's frame id into its pixels (for the stream transport, whose page gets
    /// nothing else; see `encode_preview`).
    pub stamp_previews: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            max_preview_fps: 20,
            stats_every: Duration::from_secs(1),
            stamp_previews: false,
        }
    }
}

/// Counters the threads update and the stats report reads.
#[derive(Default)]
struct Counters {
    frames: AtomicU64,
    previews: AtomicU64,
    analysed: AtomicU64,
}

/// A running scan; dropping it (or `stop`) ends the threads.
pub struct ScanRun {
    pub run: u64,
    stop: Arc<AtomicBool>,
    to_preview: Arc<LatestSlot<Arc<Frame>>>,
    to_analyse: Arc<LatestSlot<Arc<Frame>>>,
    threads: Vec<JoinHandle<()>>,
}

impl ScanRun {
    /// Opens the source on its own thread (a camera handle stays where it was opened) and
    /// starts the run; fails if the source does not open.
    pub fn start(
        run: u64,
        setting: FrameSourceSetting,
        analyzer: Box<dyn FrameAnalyzer>,
        sinks: Sinks,
        options: RunOptions,
    ) -> AppResult<(ScanRun, SourceInfo)> {
        let stop = Arc::new(AtomicBool::new(false));
        let to_preview: Arc<LatestSlot<Arc<Frame>>> = Arc::new(LatestSlot::default());
        let to_analyse: Arc<LatestSlot<Arc<Frame>>> = Arc::new(LatestSlot::default());
        let counters = Arc::new(Counters::default());
        let (opened_tx, opened_rx) = mpsc::channel::<AppResult<SourceInfo>>();

        let capture = {
            let (stop, to_preview, to_analyse, counters) = (
                Arc::clone(&stop),
                Arc::clone(&to_preview),
                Arc::clone(&to_analyse),
                Arc::clone(&counters),
            );
            let event = Arc::clone(&sinks.event);
            spawn("vrs-capture", move || {
                capture_loop(
                    run,
                    &setting,
                    &stop,
                    &to_preview,
                    &to_analyse,
                    &counters,
                    &opened_tx,
                    &*event,
                )
            })?
        };
        let info = match opened_rx.recv() {
            Ok(Ok(info)) => info,
            Ok(Err(e)) => {
                let _ = capture.join();
                return Err(e);
            }
            Err(_) => {
                let _ = capture.join();
                return Err(AppError::Camera("the capture thread ended".into()));
            }
        };

        let preview = {
            let (stop, slot, counters) = (
                Arc::clone(&stop),
                Arc::clone(&to_preview),
                Arc::clone(&counters),
            );
            let mut send = sinks.preview;
            let min_gap = Duration::from_secs_f64(1.0 / f64::from(options.max_preview_fps.max(1)));
            let stamp = options.stamp_previews;
            spawn("vrs-preview", move || {
                preview_loop(&stop, &slot, &counters, &mut *send, min_gap, stamp)
            })?
        };
        let analyse = {
            let (stop, slot, counters) = (
                Arc::clone(&stop),
                Arc::clone(&to_analyse),
                Arc::clone(&counters),
            );
            let event = Arc::clone(&sinks.event);
            let mut analyzer = analyzer;
            spawn("vrs-analyse", move || {
                analyse_loop(run, &stop, &slot, &counters, &mut *analyzer, &*event)
            })?
        };
        let stats = {
            let (stop, counters) = (Arc::clone(&stop), Arc::clone(&counters));
            let event = Arc::clone(&sinks.event);
            let every = options.stats_every;
            spawn("vrs-stats", move || {
                stats_loop(run, &stop, &counters, every, &*event)
            })?
        };
        Ok((
            ScanRun {
                run,
                stop,
                to_preview,
                to_analyse,
                threads: vec![capture, preview, analyse, stats],
            },
            info,
        ))
    }

    /// Stops the threads and waits for them (an analysis in progress finishes first).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.to_preview.close();
        self.to_analyse.close();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for ScanRun {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> AppResult<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| AppError::io(format!("starting thread {name}"), e))
}

#[allow(clippy::too_many_arguments)]
fn capture_loop(
    run: u64,
    setting: &FrameSourceSetting,
    stop: &AtomicBool,
    to_preview: &LatestSlot<Arc<Frame>>,
    to_analyse: &LatestSlot<Arc<Frame>>,
    counters: &Counters,
    opened: &mpsc::Sender<AppResult<SourceInfo>>,
    event: &(dyn Fn(ScanEvent) + Send + Sync),
) {
    let mut source = match camera::open(setting) {
        Ok(s) => s,
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    let mut announced = false;
    let mut reason = None;
    while !stop.load(Ordering::SeqCst) {
        match source.next_frame() {
            Ok(frame) => {
                if !announced {
                    // The size is known once the first frame is in.
                    let _ = opened.send(Ok(source.describe()));
                    announced = true;
                }
                counters.frames.fetch_add(1, Ordering::Relaxed);
                let frame = Arc::new(frame);
                to_preview.put(Arc::clone(&frame));
                to_analyse.put(frame);
            }
            Err(e) => {
                if !announced {
                    let _ = opened.send(Err(e));
                    return;
                }
                reason = Some(e.to_string());
                break;
            }
        }
    }
    to_preview.close();
    to_analyse.close();
    if reason.is_some() {
        event(ScanEvent::Stopped { run, reason });
    }
}

fn preview_loop(
    stop: &AtomicBool,
    slot: &LatestSlot<Arc<Frame>>,
    counters: &Counters,
    send: &mut (dyn FnMut(Vec<u8>) + Send),
    min_gap: Duration,
    stamp: bool,
) {
    let mut last = Instant::now() - min_gap;
    while !stop.load(Ordering::SeqCst) {
        let Some(frame) = slot.take(Duration::from_millis(200)) else {
            if slot.is_closed() {
                return;
            }
            continue;
        };
        let since = last.elapsed();
        let frame = if since < min_gap {
            // Too soon: wait out the gap, then send whatever is newest by then.
            std::thread::sleep(min_gap - since);
            slot.take(Duration::ZERO).unwrap_or(frame)
        } else {
            frame
        };
        // The gap runs from the start of one send to the next, so encoding and sending a
        // preview do not stretch it (a 30 ms encode at 20 fps would otherwise give 12.5 fps).
        last = Instant::now();
        send_preview(&frame, send, counters, stamp);
    }
}

fn send_preview(
    frame: &Frame,
    send: &mut (dyn FnMut(Vec<u8>) + Send),
    counters: &Counters,
    stamp: bool,
) {
    if let Ok(bytes) = encode_preview(frame.id, &frame.image, stamp) {
        send(bytes);
        counters.previews.fetch_add(1, Ordering::Relaxed);
    }
}

fn analyse_loop(
    run: u64,
    stop: &AtomicBool,
    slot: &LatestSlot<Arc<Frame>>,
    counters: &Counters,
    analyzer: &mut dyn FrameAnalyzer,
    event: &(dyn Fn(ScanEvent) + Send + Sync),
) {
    while !stop.load(Ordering::SeqCst) {
        let Some(frame) = slot.take(Duration::from_millis(200)) else {
            if slot.is_closed() {
                return;
            }
            continue;
        };
        let mut verdict = analyzer.analyze(&frame);
        verdict.run = run;
        verdict.frame_id = frame.id;
        verdict.captured_ms = frame.captured_ms;
        verdict.decided_ms = now_ms();
        if verdict.label.is_none() {
            verdict.label.clone_from(&frame.label);
        }
        counters.analysed.fetch_add(1, Ordering::Relaxed);
        if !stop.load(Ordering::SeqCst) {
            event(ScanEvent::Verdict(Box::new(verdict)));
        }
    }
}

fn stats_loop(
    run: u64,
    stop: &AtomicBool,
    counters: &Counters,
    every: Duration,
    event: &(dyn Fn(ScanEvent) + Send + Sync),
) {
    let mut last = (Instant::now(), 0u64, 0u64);
    while !stop.load(Ordering::SeqCst) {
        // Short sleeps so a stop is noticed quickly.
        let wake = Instant::now() + every;
        while Instant::now() < wake && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let now = Instant::now();
        let previews = counters.previews.load(Ordering::Relaxed);
        let analysed = counters.analysed.load(Ordering::Relaxed);
        let frames = counters.frames.load(Ordering::Relaxed);
        let secs = now.duration_since(last.0).as_secs_f64().max(1e-3);
        event(ScanEvent::Stats(ScanStats {
            run,
            preview_fps: round1((previews - last.1) as f64 / secs),
            reader_fps: round1((analysed - last.2) as f64 / secs),
            frames,
            dropped: frames.saturating_sub(analysed),
        }));
        last = (now, previews, analysed);
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests;
