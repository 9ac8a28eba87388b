-- The sync server's store, PostgreSQL flavour (same tables and meaning as the SQLite one).

CREATE TABLE municipalities (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE activation_codes (
    code_hash     TEXT PRIMARY KEY,
    municipality  TEXT NOT NULL REFERENCES municipalities (code),
    venue         TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ,
    used_by       TEXT
);

CREATE TABLE devices (
    device_id     TEXT PRIMARY KEY,
    public_key    BYTEA NOT NULL,
    municipality  TEXT NOT NULL REFERENCES municipalities (code),
    venue         TEXT NOT NULL,
    enrolled_at   TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);

CREATE TABLE municipality_tokens (
    token_hash    TEXT PRIMARY KEY,
    municipality  TEXT NOT NULL REFERENCES municipalities (code),
    issued_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE records (
    id                       UUID NOT NULL,
    version                  INTEGER NOT NULL,
    content_hash             TEXT NOT NULL,
    origin                   TEXT NOT NULL CHECK (origin IN ('device', 'server')),
    state                    TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'held')),
    device_id                TEXT,
    signature                TEXT,
    ticket_municipality      TEXT NOT NULL,
    ticket_number            TEXT NOT NULL,
    dose                     INTEGER NOT NULL,
    venue_municipality       TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('active', 'voided')),
    vaccinated_at            TIMESTAMPTZ NOT NULL,
    duplicate_dose           BOOLEAN NOT NULL DEFAULT FALSE,
    after_server_correction  BOOLEAN NOT NULL DEFAULT FALSE,
    record_json              TEXT NOT NULL,
    received_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX records_by_ticket_dose ON records (ticket_municipality, ticket_number, dose);
CREATE INDEX records_by_venue_municipality ON records (venue_municipality);

CREATE TABLE conflicts (
    id            UUID NOT NULL,
    version       INTEGER NOT NULL,
    content_hash  TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    signature     TEXT NOT NULL,
    record_json   TEXT NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, version, content_hash)
);
