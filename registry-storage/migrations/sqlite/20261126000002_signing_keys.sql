-- Public keys trusted to sign each namespace's modules (several at once for rotation).
CREATE TABLE signing_keys (
    namespace  TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    public_key TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    expires_at TEXT,
    PRIMARY KEY (namespace, key_id)
);

-- Per-namespace policy: whether publishes must be signed.
CREATE TABLE namespace_policies (
    namespace          TEXT PRIMARY KEY NOT NULL,
    require_signatures INTEGER NOT NULL DEFAULT 0
);
