//! What to do with an incoming record version, given the versions already stored for its id.
//! Shared by every store so that SQLite and PostgreSQL behave the same.

use super::model::{Origin, RowState};

/// A version already stored for the incoming record's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownVersion {
    pub version: u32,
    pub content_hash: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The same id, version and content is stored: acknowledge, store nothing.
    AlreadyHad,
    /// The same id and version is stored with other content: refuse, keep it for review.
    Conflict,
    /// Store it in this state; when `Current`, the previous current version is superseded.
    Insert {
        state: RowState,
        after_server_correction: bool,
    },
}

pub fn decide(version: u32, content_hash: &str, known: &[KnownVersion]) -> Decision {
    if let Some(same) = known.iter().find(|k| k.version == version) {
        return if same.content_hash == content_hash {
            Decision::AlreadyHad
        } else {
            Decision::Conflict
        };
    }
    let newest = known.iter().map(|k| k.version).max().unwrap_or(0);
    if version < newest {
        // A late older version: history, never current.
        return Decision::Insert {
            state: RowState::Superseded,
            after_server_correction: false,
        };
    }
    if known.iter().any(|k| k.origin == Origin::Server) {
        // The tablet never saw the server's correction; its version must not replace it.
        return Decision::Insert {
            state: RowState::Held,
            after_server_correction: true,
        };
    }
    Decision::Insert {
        state: RowState::Current,
        after_server_correction: false,
    }
}

/// Why a conflicting upload was refused (sent back to the tablet).
pub fn conflict_reason(version: u32) -> String {
    format!(
        "version {version} of this record is already stored with different content; \
         both are kept for review by the municipality"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(version: u32, hash: &str, origin: Origin) -> KnownVersion {
        KnownVersion {
            version,
            content_hash: hash.into(),
            origin,
        }
    }

    #[test]
    fn first_version_is_current() {
        assert_eq!(
            decide(1, "a", &[]),
            Decision::Insert {
                state: RowState::Current,
                after_server_correction: false
            }
        );
    }

    #[test]
    fn same_content_is_already_had_and_other_content_conflicts() {
        let stored = [known(1, "a", Origin::Device)];
        assert_eq!(decide(1, "a", &stored), Decision::AlreadyHad);
        assert_eq!(decide(1, "b", &stored), Decision::Conflict);
    }

    #[test]
    fn newer_tablet_version_becomes_current_older_one_is_history() {
        let stored = [known(1, "a", Origin::Device), known(3, "c", Origin::Device)];
        assert!(matches!(
            decide(4, "d", &stored),
            Decision::Insert {
                state: RowState::Current,
                ..
            }
        ));
        assert!(matches!(
            decide(2, "b", &stored),
            Decision::Insert {
                state: RowState::Superseded,
                ..
            }
        ));
    }

    #[test]
    fn a_server_correction_is_never_overwritten_by_a_tablet_version() {
        let stored = [known(1, "a", Origin::Device), known(2, "s", Origin::Server)];
        assert_eq!(
            decide(3, "t", &stored),
            Decision::Insert {
                state: RowState::Held,
                after_server_correction: true
            }
        );
        assert_eq!(decide(2, "t", &stored), Decision::Conflict);
    }
}
