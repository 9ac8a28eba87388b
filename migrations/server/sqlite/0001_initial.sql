-- The sync server's store, SQLite flavour. Times are UTC RFC 3339 text with microseconds
-- ("2026-11-25T01:30:00.000000Z"), so that text order is time order.

CREATE TABLE municipalities (
    code        TEXT PRIMARY KEY,            -- six digits, check digit verified by the server
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One-time activation codes; only a SHA-256 of the code is kept.
CREATE TABLE activation_codes (
    code_hash     TEXT PRIMARY KEY,
    municipality  TEXT NOT NULL REFERENCES municipalities (code),
    venue         TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    used_by       TEXT
);

CREATE TABLE devices (
    device_id     TEXT PRIMARY KEY,
    public_key    BLOB NOT NULL,              -- Ed25519, 32 bytes
    municipality  TEXT NOT NULL REFERENCES municipalities (code),  -- where the venue is
    venue         TEXT NOT NULL,
    enrolled_at   TEXT NOT NULL,
    revoked_at    TEXT
);

-- Bearer tokens of municipality staff for the HTTP export; only a SHA-256 is kept.
CREATE TABLE municipality_tokens (
    token_hash    TEXT PRIMARY KEY,
    municipality  TEXT NOT NULL REFERENCES municipalities (code),
    issued_at     TEXT NOT NULL
);

-- Every version of every record. state: the one 'current' version per id, older ones
-- 'superseded', tablet versions that arrived after a server-side correction 'held' for review.
CREATE TABLE records (
    id                       TEXT NOT NULL,
    version                  INTEGER NOT NULL,
    content_hash             TEXT NOT NULL,  -- SHA-256 of the canonical encoding
    origin                   TEXT NOT NULL CHECK (origin IN ('device', 'server')),
    state                    TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'held')),
    device_id                TEXT,
    signature                TEXT,
    ticket_municipality      TEXT NOT NULL,  -- owner: the municipality that issued the ticket
    ticket_number            TEXT NOT NULL,
    dose                     INTEGER NOT NULL,
    venue_municipality       TEXT NOT NULL,  -- also sees it: where the venue is
    status                   TEXT NOT NULL CHECK (status IN ('active', 'voided')),
    vaccinated_at            TEXT NOT NULL,
    duplicate_dose           INTEGER NOT NULL DEFAULT 0,
    after_server_correction  INTEGER NOT NULL DEFAULT 0,
    record_json              TEXT NOT NULL,
    received_at              TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX records_by_ticket_dose ON records (ticket_municipality, ticket_number, dose);
CREATE INDEX records_by_venue_municipality ON records (venue_municipality);

-- Uploads that reused an id and version with different content: kept for review, never a record.
CREATE TABLE conflicts (
    id            TEXT NOT NULL,
    version       INTEGER NOT NULL,
    content_hash  TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    signature     TEXT NOT NULL,
    record_json   TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    PRIMARY KEY (id, version, content_hash)
);
