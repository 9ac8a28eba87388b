//! A record's state as supervisors see it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for the server to acknowledge its current version.
    Queued,
    /// The server acknowledged its current version.
    Synced,
    /// Voided by a supervisor (the void is itself a version to sync).
    Voided,
    /// The server refused its current version; a supervisor must look at it.
    Quarantined,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Queued,
        State::Synced,
        State::Voided,
        State::Quarantined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Synced => "synced",
            State::Voided => "voided",
            State::Quarantined => "quarantined",
        }
    }

    /// The state a version's flags give.
    pub fn of_version(voided: bool, synced: bool, quarantined: bool) -> State {
        if quarantined && !synced {
            State::Quarantined
        } else if voided {
            State::Voided
        } else if synced {
            State::Synced
        } else {
            State::Queued
        }
    }

    /// Whether a record in this state counts for duplicate detection.
    pub fn blocks_duplicates(self) -> bool {
        matches!(self, State::Queued | State::Synced)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("state {s:?}: expected queued, synced, voided or quarantined"))
    }
}
