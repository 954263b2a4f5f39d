-- Event log, subscription positions, outbox and inbox (PostgreSQL).
-- Runs with search_path set to the store's schema, under the migration advisory lock.

-- CACHE 1: every nextval() goes to the shared sequence, so positions are handed out in real-time
-- order across sessions; the gap-safe read (postgres.py, read_all) relies on that.
CREATE SEQUENCE events_position_seq AS bigint CACHE 1;

CREATE TABLE events (
    position    bigint      PRIMARY KEY,
    stream_id   text        NOT NULL CHECK (stream_id <> ''),
    version     integer     NOT NULL CHECK (version > 0),
    event_id    uuid        NOT NULL,
    type        text        NOT NULL CHECK (type <> ''),
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL,
    prev_hash   text        NOT NULL,
    hash        text        NOT NULL,
    -- the writer's transaction id, assigned before its positions were drawn
    writer_xid  xid8        NOT NULL,
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version),
    CONSTRAINT events_event_id_key UNIQUE (event_id)
);

ALTER SEQUENCE events_position_seq OWNED BY events.position;

CREATE TABLE subscriptions (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL CHECK (position >= 0),
    updated_at timestamptz NOT NULL
);

CREATE TABLE outbox (
    id          bigserial   PRIMARY KEY,
    message_id  text        NOT NULL,
    exchange    text        NOT NULL,
    routing_key text        NOT NULL,
    body        bytea       NOT NULL,
    headers     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz
);

CREATE INDEX outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE inbox (
    consumer     text        NOT NULL,
    message_id   text        NOT NULL,
    processed_at timestamptz NOT NULL,
    PRIMARY KEY (consumer, message_id)
);
