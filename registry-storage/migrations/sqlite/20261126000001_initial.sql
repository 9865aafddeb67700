-- Namespaces keep the case of their first publish; lookups use the lowercase key.
CREATE TABLE namespaces (
    key          TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE modules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_key TEXT NOT NULL REFERENCES namespaces (key),
    name_key      TEXT NOT NULL,
    name          TEXT NOT NULL,
    system        TEXT NOT NULL,
    address_key   TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (namespace_key, name_key, system)
);

-- One row per published version. (address_key, version_key) is the identity
-- of a version: unique, so concurrent publishes of one version have one winner.
-- Deleted versions keep their row (deleted = 1) so the number stays reserved.
CREATE TABLE module_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    module_id     INTEGER NOT NULL REFERENCES modules (id),
    address_key   TEXT NOT NULL,
    version_key   TEXT NOT NULL,
    version       TEXT NOT NULL,
    namespace_key TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    system        TEXT NOT NULL,
    owner         TEXT,
    state         TEXT NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT NOT NULL,
    h1            TEXT NOT NULL,
    size          INTEGER NOT NULL,
    published_at  TEXT NOT NULL,
    downloads     INTEGER NOT NULL DEFAULT 0,
    lifecycle     TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    UNIQUE (address_key, version_key)
);
CREATE INDEX module_versions_by_module ON module_versions (module_id, id);
CREATE INDEX module_versions_by_namespace ON module_versions (namespace_key, address_key, version_key);
CREATE INDEX module_versions_by_sha256 ON module_versions (sha256);

-- Module calls found in each version, for dependency queries.
CREATE TABLE module_dependencies (
    version_id         INTEGER NOT NULL REFERENCES module_versions (id) ON DELETE CASCADE,
    module_path        TEXT NOT NULL,
    call_name          TEXT NOT NULL,
    source             TEXT NOT NULL,
    version_constraint TEXT,
    PRIMARY KEY (version_id, module_path, call_name)
);
CREATE INDEX module_dependencies_by_source ON module_dependencies (source);

-- API tokens: only a hash of the secret is stored.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    namespace    TEXT NOT NULL,
    role         TEXT NOT NULL,
    description  TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);

-- Append-only, hash-chained audit log.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT,
    request_id  TEXT,
    client_addr TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (at);
