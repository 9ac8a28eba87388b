-- The tablet's record queue. Nothing that identifies a person is stored in plaintext:
-- payloads are sealed (AES-256-GCM), tickets appear only as keyed hashes (HMAC-SHA256).

-- Device identity, key material (salt, wrapped data key), session, last server time.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Wrong-PIN counter; persisted so that restarting the app does not reset a lockout.
CREATE TABLE pin_guard (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    failures INTEGER NOT NULL,
    locked_until_ms INTEGER NOT NULL
) STRICT;
INSERT INTO pin_guard (id, failures, locked_until_ms) VALUES (1, 0, 0);

-- One row per record: the index columns of its current version.
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    current_version INTEGER NOT NULL,
    ticket_mac BLOB NOT NULL,
    dose_mac BLOB NOT NULL,
    vaccinated_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'synced', 'voided', 'quarantined')),
    created_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX records_by_ticket ON records (ticket_mac);
CREATE INDEX records_by_dose ON records (dose_mac);
CREATE INDEX records_by_time ON records (vaccinated_at_ms);

-- Every version of every record, never updated except for its sync outcome.
CREATE TABLE versions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL REFERENCES records (id),
    version INTEGER NOT NULL,
    voided INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    queued_ms INTEGER NOT NULL,
    synced_ms INTEGER,
    quarantine BLOB,
    UNIQUE (id, version)
) STRICT;
CREATE INDEX versions_pending ON versions (seq) WHERE synced_ms IS NULL AND quarantine IS NULL;

-- Small sealed values for other parts of the app (the device's signing key, enrolment).
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    sealed BLOB NOT NULL
) STRICT;

-- Append-only, hash-chained history.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    action TEXT NOT NULL,
    record_id TEXT,
    version INTEGER,
    detail BLOB NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
) STRICT;
