use serde::{Deserialize, Serialize};

/// What one sync run did, printed by `vrs sync` as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncSummary {
    /// Versions sent in requests the server answered.
    pub sent: u64,
    pub accepted: u64,
    pub already_had: u64,
    /// Quarantined on the tablet with the server's reason.
    pub rejected: u64,
    /// Still waiting for the server after this run.
    pub pending: u64,
}

impl SyncSummary {
    pub fn add(&mut self, other: &SyncSummary) {
        self.sent += other.sent;
        self.accepted += other.accepted;
        self.already_had += other.already_had;
        self.rejected += other.rejected;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_documented_keys() {
        let summary = SyncSummary {
            sent: 5,
            accepted: 3,
            already_had: 1,
            rejected: 1,
            pending: 0,
        };
        assert_eq!(
            serde_json::to_string(&summary).unwrap(),
            r#"{"sent":5,"accepted":3,"already_had":1,"rejected":1,"pending":0}"#
        );
    }
}
