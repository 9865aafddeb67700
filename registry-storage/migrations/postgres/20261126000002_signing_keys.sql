CREATE TABLE signing_keys (
    namespace  TEXT COLLATE "C" NOT NULL,
    key_id     TEXT NOT NULL,
    public_key TEXT NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    PRIMARY KEY (namespace, key_id)
);

CREATE TABLE namespace_policies (
    namespace          TEXT COLLATE "C" PRIMARY KEY,
    require_signatures BOOLEAN NOT NULL DEFAULT FALSE
);
