//! Exponential backoff with full jitter: the n-th wait is uniform in [0, min(max, base·2ⁿ)],
//! so tablets that lost the network together do not all return at the same instant.

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            attempt: 0,
        }
    }

    /// The ceiling of the next wait, before jitter.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The next wait (random below the ceiling), and the ceiling doubles.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let mut bytes = [0u8; 4];
        // Without randomness the full ceiling is still a correct (if less spread) wait.
        let fraction = match SystemRandom::new().fill(&mut bytes) {
            Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
            Err(_) => 1.0,
        };
        ceiling.mul_f64(fraction)
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_stay_below_the_ceiling() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut ceilings = Vec::new();
        for _ in 0..8 {
            let ceiling = backoff.ceiling();
            let delay = backoff.next_delay();
            assert!(delay <= ceiling);
            ceilings.push(ceiling.as_millis());
        }
        assert_eq!(ceilings, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        backoff.reset();
        assert_eq!(backoff.ceiling(), Duration::from_millis(100));
    }

    #[test]
    fn waits_are_spread() {
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..20 {
            let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(1));
            distinct.insert(backoff.next_delay().as_micros());
        }
        assert!(distinct.len() > 10, "{distinct:?}");
    }
}
