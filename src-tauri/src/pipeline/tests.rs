use std::sync::Mutex;

use super::*;
use crate::dto::VerdictStatus;

/// Reports which file it saw, after taking `cost` to do so: a reader slower than the camera.
struct SlowLabeller {
    cost: Duration,
}

impl FrameAnalyzer for SlowLabeller {
    fn analyze(&mut self, frame: &Frame) -> ScanVerdict {
        std::thread::sleep(self.cost);
        let mut v = ScanVerdict::bare(VerdictStatus::Unreadable);
        v.reason = frame.label.clone();
        v
    }
}

fn folder(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        image::RgbImage::from_pixel(64, 48, image::Rgb([i as u8 * 30, 90, 0]))
            .save(dir.path().join(format!("t{i}.png")))
            .unwrap();
    }
    dir
}

struct Collected {
    events: Arc<Mutex<Vec<ScanEvent>>>,
    previews: Arc<Mutex<Vec<u64>>>,
}

fn sinks() -> (Sinks, Collected) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let previews = Arc::new(Mutex::new(Vec::new()));
    let (e, p) = (Arc::clone(&events), Arc::clone(&previews));
    (
        Sinks {
            preview: Box::new(move |bytes: Vec<u8>| {
                let id = u64::from_le_bytes(bytes[..8].try_into().unwrap());
                p.lock().unwrap().push(id);
            }),
            event: Arc::new(move |ev| e.lock().unwrap().push(ev)),
        },
        Collected { events, previews },
    )
}

fn verdicts(c: &Collected) -> Vec<ScanVerdict> {
    c.events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Verdict(v) => Some((**v).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_slow_reader_drops_frames_and_each_verdict_names_its_own_frame() {
    let dir = folder(3);
    let hold = 4;
    let setting = FrameSourceSetting::Folder {
        path: dir.path().into(),
        fps: 100,
        hold_frames: hold,
    };
    let (sinks, out) = sinks();
    let (run, info) = ScanRun::start(
        7,
        setting,
        Box::new(SlowLabeller {
            cost: Duration::from_millis(45),
        }),
        sinks,
        RunOptions {
            max_preview_fps: 200,
            stats_every: Duration::from_millis(200),
            stamp_previews: false,
        },
    )
    .unwrap();
    assert_eq!((info.kind, info.width, info.height), ("folder", 64, 48));
    std::thread::sleep(Duration::from_millis(700));
    run.stop();

    let vs = verdicts(&out);
    assert!(vs.len() >= 5, "only {} verdicts", vs.len());
    let ids: Vec<u64> = vs.iter().map(|v| v.frame_id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids not rising: {ids:?}"
    );
    // The reader is about 4x slower than the camera: most frames must have been skipped,
    // not queued (a queue would give consecutive ids).
    let skipped = ids.windows(2).filter(|w| w[1] - w[0] > 1).count();
    assert!(
        skipped * 2 > ids.len(),
        "frames were queued, not dropped: {ids:?}"
    );
    for v in &vs {
        assert_eq!(v.run, 7);
        let file = ((v.frame_id - 1) / u64::from(hold)) % 3;
        assert_eq!(
            v.reason.as_deref(),
            Some(format!("t{file}.png").as_str()),
            "frame {}",
            v.frame_id
        );
        assert!(v.decided_ms >= v.captured_ms);
    }
    let stats = out
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Stats(s) => Some(s.clone()),
            _ => None,
        })
        .next_back()
        .unwrap();
    assert!(stats.dropped > 0, "{stats:?}");
}

/// Plays one image at 120 fps with an instant reader and 20 previews a second at most, for
/// `seconds`; returns the frame ids of the previews sent.
fn previews_sent_at_20_fps(sinks: Sinks, out: &Collected, seconds: f64) -> Vec<u64> {
    let dir = folder(1);
    let setting = FrameSourceSetting::Folder {
        path: dir.path().into(),
        fps: 120,
        hold_frames: 1,
    };
    let (run, _) = ScanRun::start(
        1,
        setting,
        Box::new(SlowLabeller {
            cost: Duration::ZERO,
        }),
        sinks,
        RunOptions {
            max_preview_fps: 20,
            stats_every: Duration::from_secs(10),
            stamp_previews: false,
        },
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    run.stop();
    let ids = out.previews.lock().unwrap().clone();
    ids
}

#[test]
fn previews_are_paced_and_carry_rising_frame_ids() {
    let (sinks, out) = sinks();
    let ids = previews_sent_at_20_fps(sinks, &out, 1.0);
    // 20 per second at most (a little slack for the first one), far fewer than the 120 frames.
    assert!((10..=22).contains(&ids.len()), "{} previews", ids.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn a_slow_preview_send_does_not_lower_the_preview_rate_below_its_cap() {
    let (mut sinks, out) = sinks();
    // Each send takes 40 ms (encoding and IPC on a busy tablet): within the 50 ms gap of 20 fps.
    let mut record = sinks.preview;
    sinks.preview = Box::new(move |bytes: Vec<u8>| {
        std::thread::sleep(Duration::from_millis(40));
        record(bytes);
    });
    let sent = previews_sent_at_20_fps(sinks, &out, 2.0).len();
    // About 40 in 2 s; a gap counted from the end of each send would give about 22 (90 ms each).
    assert!(sent >= 30, "{sent} previews in 2 s");
}

#[test]
fn nothing_is_sent_after_stop_returns() {
    let dir = folder(2);
    let setting = FrameSourceSetting::Folder {
        path: dir.path().into(),
        fps: 60,
        hold_frames: 1,
    };
    let (sinks, out) = sinks();
    let (run, _) = ScanRun::start(
        1,
        setting,
        Box::new(SlowLabeller {
            cost: Duration::from_millis(5),
        }),
        sinks,
        RunOptions::default(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    run.stop();
    let n = out.events.lock().unwrap().len();
    let p = out.previews.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(out.events.lock().unwrap().len(), n);
    assert_eq!(out.previews.lock().unwrap().len(), p);
}

#[test]
fn a_source_that_does_not_open_is_an_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (sinks, _) = sinks();
    let err = ScanRun::start(
        1,
        FrameSourceSetting::Folder {
            path: dir.path().into(),
            fps: 15,
            hold_frames: 1,
        },
        Box::new(SlowLabeller {
            cost: Duration::ZERO,
        }),
        sinks,
        RunOptions::default(),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("no .jpg or .png"), "{err}");
}
