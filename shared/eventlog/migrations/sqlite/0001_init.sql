-- Event log, subscription positions, outbox and inbox (SQLite, embedded mode).
-- IF NOT EXISTS everywhere: SQLite has no advisory lock, so a second process racing the first
-- start-up must find the statements harmless.

-- AUTOINCREMENT: a position is never reused, even after the newest row is deleted.
CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id   TEXT    NOT NULL CHECK (stream_id <> ''),
    version     INTEGER NOT NULL CHECK (version > 0),
    event_id    TEXT    NOT NULL,
    type        TEXT    NOT NULL CHECK (type <> ''),
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version),
    CONSTRAINT events_event_id_key UNIQUE (event_id)
);

CREATE TABLE IF NOT EXISTS subscriptions (
    name       TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL CHECK (position >= 0),
    updated_at TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT    NOT NULL,
    exchange    TEXT    NOT NULL,
    routing_key TEXT    NOT NULL,
    body        BLOB    NOT NULL,
    headers     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    sent_at     TEXT
);

CREATE INDEX IF NOT EXISTS outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE IF NOT EXISTS inbox (
    consumer     TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (consumer, message_id)
);
