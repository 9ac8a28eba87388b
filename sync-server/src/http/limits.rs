//! Request limits: body size, records per batch, requests per device per minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_records_per_batch: usize,
    pub requests_per_device_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 8 * 1024 * 1024,
            max_records_per_batch: 1000,
            requests_per_device_per_minute: 600,
        }
    }
}

const WINDOW: Duration = Duration::from_secs(60);

/// Fixed one-minute windows per device. Devices are few (one per venue desk), so the map stays small.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts a request; `Err(seconds)` until the window ends when the device is over its limit.
    pub fn check(&self, device_id: &str, per_minute: u32) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock only means another request panicked; do not refuse service for it.
            return Ok(());
        };
        let entry = windows.entry(device_id.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_device_has_its_own_budget() {
        let limiter = RateLimiter::default();
        for _ in 0..3 {
            limiter.check("a", 3).unwrap();
        }
        let wait = limiter.check("a", 3).unwrap_err();
        assert!((1..=60).contains(&wait));
        limiter.check("b", 3).unwrap();
    }
}
