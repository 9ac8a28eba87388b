//! A one-place mailbox: a new value replaces an unread one. This is what makes the frame
//! pipeline drop frames rather than queue them when a stage is slower than the camera.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

struct Inner<T> {
    value: Option<T>,
    closed: bool,
    replaced: u64,
}

pub struct LatestSlot<T> {
    inner: Mutex<Inner<T>>,
    ready: Condvar,
}

impl<T> Default for LatestSlot<T> {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                value: None,
                closed: false,
                replaced: 0,
            }),
            ready: Condvar::new(),
        }
    }
}

impl<T> LatestSlot<T> {
    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts a value, dropping any unread one.
    pub fn put(&self, value: T) {
        let mut inner = self.lock();
        if inner.value.replace(value).is_some() {
            inner.replaced += 1;
        }
        drop(inner);
        self.ready.notify_one();
    }

    /// Waits for a value; `None` once closed, or after `timeout` with nothing.
    pub fn take(&self, timeout: Duration) -> Option<T> {
        let inner = self.lock();
        let (mut inner, _) = self
            .ready
            .wait_timeout_while(inner, timeout, |i| i.value.is_none() && !i.closed)
            .unwrap_or_else(|p| p.into_inner());
        inner.value.take()
    }

    /// Wakes every waiter for good; later `take`s return what is left, then `None`.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// How many values were dropped unread.
    pub fn replaced(&self) -> u64 {
        self.lock().replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_new_value_replaces_an_unread_one() {
        let slot = LatestSlot::default();
        slot.put(1);
        slot.put(2);
        slot.put(3);
        assert_eq!(slot.take(Duration::ZERO), Some(3));
        assert_eq!(slot.take(Duration::ZERO), None);
        assert_eq!(slot.replaced(), 2);
    }

    #[test]
    fn take_waits_for_a_put_from_another_thread() {
        let slot = Arc::new(LatestSlot::default());
        let writer = Arc::clone(&slot);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            writer.put("frame");
        });
        assert_eq!(slot.take(Duration::from_secs(5)), Some("frame"));
        t.join().unwrap();
    }

    #[test]
    fn close_wakes_a_waiter() {
        let slot: Arc<LatestSlot<u8>> = Arc::new(LatestSlot::default());
        let closer = Arc::clone(&slot);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            closer.close();
        });
        assert_eq!(slot.take(Duration::from_secs(5)), None);
        assert!(slot.is_closed());
        t.join().unwrap();
    }
}
