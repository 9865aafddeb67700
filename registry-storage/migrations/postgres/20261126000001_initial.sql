-- Keys use the "C" collation so keyset paging orders bytewise, as on SQLite.
CREATE TABLE namespaces (
    key          TEXT COLLATE "C" PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE modules (
    id            BIGSERIAL PRIMARY KEY,
    namespace_key TEXT COLLATE "C" NOT NULL REFERENCES namespaces (key),
    name_key      TEXT COLLATE "C" NOT NULL,
    name          TEXT NOT NULL,
    system        TEXT COLLATE "C" NOT NULL,
    address_key   TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (namespace_key, name_key, system)
);

CREATE TABLE module_versions (
    id            BIGSERIAL PRIMARY KEY,
    module_id     BIGINT NOT NULL REFERENCES modules (id),
    address_key   TEXT COLLATE "C" NOT NULL,
    version_key   TEXT COLLATE "C" NOT NULL,
    version       TEXT NOT NULL,
    namespace_key TEXT COLLATE "C" NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    system        TEXT COLLATE "C" NOT NULL,
    owner         TEXT,
    state         TEXT NOT NULL,
    deleted       BOOLEAN NOT NULL DEFAULT FALSE,
    sha256        TEXT NOT NULL,
    h1            TEXT NOT NULL,
    size          BIGINT NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    downloads     BIGINT NOT NULL DEFAULT 0,
    lifecycle     TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    UNIQUE (address_key, version_key)
);
CREATE INDEX module_versions_by_module ON module_versions (module_id, id);
CREATE INDEX module_versions_by_namespace ON module_versions (namespace_key, address_key, version_key);
CREATE INDEX module_versions_by_sha256 ON module_versions (sha256);

CREATE TABLE module_dependencies (
    version_id         BIGINT NOT NULL REFERENCES module_versions (id) ON DELETE CASCADE,
    module_path        TEXT NOT NULL,
    call_name          TEXT NOT NULL,
    source             TEXT NOT NULL,
    version_constraint TEXT,
    PRIMARY KEY (version_id, module_path, call_name)
);
CREATE INDEX module_dependencies_by_source ON module_dependencies (source);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    namespace    TEXT NOT NULL,
    role         TEXT NOT NULL,
    description  TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE audit_events (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
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
