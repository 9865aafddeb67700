-- Web UI sessions, each opened by signing in with a token and acting as
-- it: only a hash of the cookie's secret is kept. A session works while
-- it and its token are usable; revoking the token ends its sessions.
CREATE TABLE web_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    token_id    TEXT NOT NULL REFERENCES api_tokens (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    client      TEXT
);
CREATE INDEX web_sessions_by_token ON web_sessions (token_id, created_at);
