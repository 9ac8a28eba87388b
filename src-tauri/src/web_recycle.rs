//! Keeping the web process's memory bounded by giving the page a fresh one now and then.
//!
//! WebKitGTK's web process grows by itself: a static page in Debian's MiniBrowser grows about
//! 45 MiB an hour, and the memory limit (`web_memory.rs`) slows the app's growth to about
//! 20 MiB an hour without stopping it (docs/benchmarks.md). A new web process starts small again,
//! and everything that matters (queue, session, scanning run, sync) lives on this side. So the
//! app measures the web process's heap; once it has grown a set amount past the lowest it was
//! after settling (a new process fills its caches for its first minutes),
//! the scan screen, at a moment when no operator input would be lost, stops scanning and asks
//! for a new one (`commands/web.rs`: the page goes round a page on another scheme and host, and
//! WebKit gives each crossing a new process); it comes back unlocked on the scan screen, scanning.

use std::sync::Mutex;

use serde::Serialize;

use crate::state::lock;

/// The environment variable with the growth, in whole MiB, that triggers a new web process
/// (`0`: never).
pub const BUDGET_ENV: &str = "VRS_WEB_RECYCLE_MB";

/// MiB of heap growth past the web process's lowest once settled. At the 20 MiB an hour measured
/// with the memory limit, a new process about every half hour of scanning, and the heap never
/// more than this above where it settled.
pub const DEFAULT_BUDGET_MB: u32 = 8;

/// A web process's first minutes are not growth: it fills its caches (about 40 → 50 MiB here in
/// five minutes of scanning). Readings before this age set no lowest and make nothing due.
pub const SETTLE_SECONDS: f64 = 300.0;

/// The growth budget the app runs with, from `VRS_WEB_RECYCLE_MB` (`None`: never recycle).
pub fn budget_from_env_text(text: Option<&str>) -> Result<Option<u32>, String> {
    let mb = match text.map(str::trim) {
        None | Some("") => DEFAULT_BUDGET_MB,
        Some(t) => t
            .parse::<u32>()
            .map_err(|_| format!("{BUDGET_ENV}: expected whole megabytes (0: never), got {t:?}"))?,
    };
    Ok((mb > 0).then_some(mb))
}

/// One reading of the web process's heap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeapSample {
    pub pid: u32,
    /// Anonymous resident memory (`RssAnon`): heaps, not mapped files or shared buffers.
    pub heap_kb: u64,
    /// Seconds since the process started.
    pub age_s: f64,
}

/// What the UI is told after a reading.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeapCheck {
    /// The web process's heap now, MiB (null when it could not be read).
    pub heap_mb: Option<f64>,
    /// The lowest this web process's heap has been, MiB.
    pub lowest_mb: Option<f64>,
    pub budget_mb: Option<u32>,
    /// The heap grew past the budget: a new web process is due.
    pub due: bool,
}

/// The growth budget and the lowest heap seen of the current web process (a new process starts
/// its own).
#[derive(Debug, Default)]
pub struct HeapWatch {
    budget_mb: Option<u32>,
    lowest: Mutex<Option<HeapSample>>,
}

impl HeapWatch {
    pub fn new(budget_mb: Option<u32>) -> Self {
        Self {
            budget_mb,
            lowest: Mutex::default(),
        }
    }

    /// Takes a reading into account and says whether a new web process is due.
    pub fn observe(&self, sample: Option<HeapSample>) -> HeapCheck {
        let budget_mb = self.budget_mb;
        let mb = |kb: u64| kb as f64 / 1024.0;
        let Some(sample) = sample else {
            return HeapCheck {
                heap_mb: None,
                lowest_mb: None,
                budget_mb,
                due: false,
            };
        };
        let mut lowest = lock(&self.lowest);
        if sample.age_s < SETTLE_SECONDS {
            // Still settling: what it weighs now says nothing about growth.
            return HeapCheck {
                heap_mb: Some(mb(sample.heap_kb)),
                lowest_mb: None,
                budget_mb,
                due: false,
            };
        }
        let low = match *lowest {
            Some(low) if low.pid == sample.pid && low.heap_kb <= sample.heap_kb => low,
            _ => sample,
        };
        *lowest = Some(low);
        let grown_kb = sample.heap_kb - low.heap_kb;
        HeapCheck {
            heap_mb: Some(mb(sample.heap_kb)),
            lowest_mb: Some(mb(low.heap_kb)),
            budget_mb,
            due: budget_mb.is_some_and(|b| grown_kb >= u64::from(b) * 1024),
        }
    }
}

/// The app's web process: the largest `WebKitWebProcess` among this process's descendants (WebKit
/// keeps a small spare one started for the next navigation).
#[cfg(target_os = "linux")]
pub fn read_web_heap() -> Option<HeapSample> {
    use std::collections::HashMap;

    struct Proc {
        parent: u32,
        comm: String,
        started_ticks: u64,
    }
    let uptime_s: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let mut procs = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // Gone since the listing, or not readable: not ours either way.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((parent, comm, started_ticks)) = parse_stat(&stat) {
            procs.insert(
                pid,
                Proc {
                    parent,
                    comm,
                    started_ticks,
                },
            );
        }
    }
    let me = std::process::id();
    let is_descendant = |mut pid: u32| {
        // Bounded: a parent chain longer than the process table would be a loop.
        for _ in 0..procs.len() {
            match procs.get(&pid) {
                Some(p) if p.parent == me => return true,
                Some(p) if p.parent != 0 && p.parent != pid => pid = p.parent,
                _ => return false,
            }
        }
        false
    };
    procs
        .iter()
        .filter(|(pid, p)| p.comm.starts_with("WebKitWebProces") && is_descendant(**pid))
        .filter_map(|(pid, p)| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            Some(HeapSample {
                pid: *pid,
                heap_kb: status_kb(&status, "RssAnon")?,
                age_s: uptime_s - p.started_ticks as f64 / CLOCK_TICKS_PER_SECOND,
            })
        })
        .max_by_key(|sample| sample.heap_kb)
}

#[cfg(not(target_os = "linux"))]
pub fn read_web_heap() -> Option<HeapSample> {
    None
}

/// `/proc/PID/stat` counts start times in these (USER_HZ, 100 on every Linux the app targets).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// (parent pid, command name, start time in clock ticks after boot) from a `/proc/PID/stat`
/// line. The name sits in parentheses and may itself hold spaces and parentheses, so fields are
/// counted after the last `)`.
fn parse_stat(stat: &str) -> Option<(u32, String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let mut rest = stat.get(close + 1..)?.split_whitespace();
    // Field 3 is the state, 4 the parent, 22 the start time.
    let parent = rest.nth(1)?.parse().ok()?;
    let started = rest.nth(17)?.parse().ok()?;
    Some((parent, comm, started))
}

/// A `Name:   N kB` line of `/proc/PID/status`, in kB.
fn status_kb(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pid: u32, mb: u64) -> Option<HeapSample> {
        aged(pid, mb, 2.0 * SETTLE_SECONDS)
    }

    fn aged(pid: u32, mb: u64, age_s: f64) -> Option<HeapSample> {
        Some(HeapSample {
            pid,
            heap_kb: mb * 1024,
            age_s,
        })
    }

    #[test]
    fn a_new_process_is_due_once_the_heap_grew_the_budget_past_its_lowest() {
        let watch = HeapWatch::new(Some(8));
        let first = watch.observe(sample(10, 60));
        assert_eq!(first.lowest_mb, Some(60.0));
        assert!(!first.due);
        // It shrinks: the lowest follows it down.
        assert_eq!(watch.observe(sample(10, 55)).lowest_mb, Some(55.0));
        assert!(!watch.observe(sample(10, 62)).due);
        let grown = watch.observe(sample(10, 63));
        assert!(grown.due, "{grown:?}");
        assert_eq!(grown.heap_mb, Some(63.0));
    }

    #[test]
    fn a_fresh_web_process_starts_its_own_lowest() {
        let watch = HeapWatch::new(Some(8));
        watch.observe(sample(10, 50));
        // The new process is larger than the old one's lowest, yet has not grown itself.
        let fresh = watch.observe(sample(11, 70));
        assert!(!fresh.due);
        assert_eq!(fresh.lowest_mb, Some(70.0));
        assert!(watch.observe(sample(11, 78)).due);
    }

    #[test]
    fn a_settling_process_sets_no_lowest_and_is_never_due() {
        let watch = HeapWatch::new(Some(8));
        let young = watch.observe(aged(10, 40, 30.0));
        assert_eq!((young.lowest_mb, young.due), (None, false));
        // Filling its caches: 40 → 60 MiB in its first minutes is not growth.
        assert!(!watch.observe(aged(10, 60, SETTLE_SECONDS - 1.0)).due);
        let settled = watch.observe(aged(10, 52, SETTLE_SECONDS + 1.0));
        assert_eq!(settled.lowest_mb, Some(52.0));
        assert!(!settled.due);
        assert!(watch.observe(aged(10, 60, SETTLE_SECONDS + 60.0)).due);
    }

    #[test]
    fn without_a_budget_or_a_reading_nothing_is_due() {
        let never = HeapWatch::new(None);
        never.observe(sample(10, 50));
        assert!(!never.observe(sample(10, 500)).due);
        let unread = HeapWatch::new(Some(8)).observe(None);
        assert!(!unread.due);
        assert_eq!(unread.heap_mb, None);
    }

    #[test]
    fn the_budget_comes_from_the_environment() {
        assert_eq!(budget_from_env_text(None), Ok(Some(DEFAULT_BUDGET_MB)));
        assert_eq!(budget_from_env_text(Some(" 16 ")), Ok(Some(16)));
        assert_eq!(budget_from_env_text(Some("0")), Ok(None));
        let bad = budget_from_env_text(Some("8MB")).unwrap_err();
        assert!(bad.contains(BUDGET_ENV) && bad.contains("8MB"), "{bad}");
    }

    #[test]
    fn stat_lines_with_odd_names_are_read_by_their_fields() {
        let line = "4242 (Web (Content) x) S 4200 4242 4200 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 \
                    12 0 987654 123456789 2000 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some((4200, "Web (Content) x".to_string(), 987654))
        );
        assert_eq!(parse_stat("garbage"), None);
        let status = "Name:\tWebKitWebProces\nRssAnon:\t   53248 kB\nRssFile:\t 1000 kB\n";
        assert_eq!(status_kb(status, "RssAnon"), Some(53248));
        assert_eq!(status_kb(status, "RssShmem"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_without_a_web_view_has_no_web_heap() {
        // The test binary spawns no WebKit: nothing of another program is taken for ours.
        assert_eq!(read_web_heap(), None);
    }
}
