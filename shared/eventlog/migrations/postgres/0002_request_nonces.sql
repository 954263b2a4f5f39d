-- The nonces of signed HTTP calls this service accepted (shared.pki.http_signing): a nonce seen
-- again inside the freshness window is a replay. Kept here, not in memory, so a restart does not
-- forget them and every replica of the service refuses a nonce another replica accepted.
CREATE TABLE request_nonces (
    nonce   text        PRIMARY KEY,
    seen_at timestamptz NOT NULL
);

CREATE INDEX request_nonces_seen_at_idx ON request_nonces (seen_at);
