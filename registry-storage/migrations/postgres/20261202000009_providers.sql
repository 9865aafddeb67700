-- Terraform providers: this registry's own releases (host '') and copies
-- of other registries' (host = that registry), one row per version, one
-- per platform zip (the zip itself is in the blob store by sha256).
CREATE TABLE provider_releases (
    id            BIGSERIAL PRIMARY KEY,
    host          TEXT NOT NULL,
    namespace     TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    version       TEXT NOT NULL,
    protocols     TEXT NOT NULL,
    shasums       TEXT,
    signature     TEXT,
    key_id        TEXT,
    signed_by_registry BOOLEAN NOT NULL DEFAULT FALSE,
    published_at  TIMESTAMPTZ NOT NULL,
    origin        TEXT NOT NULL,
    UNIQUE (host, namespace, provider_type, version)
);
CREATE TABLE provider_platforms (
    release_id  BIGINT NOT NULL REFERENCES provider_releases (id) ON DELETE CASCADE,
    os          TEXT NOT NULL,
    arch        TEXT NOT NULL,
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT,
    h1          TEXT,
    source_url  TEXT,
    PRIMARY KEY (release_id, os, arch)
);
-- A namespace's signing keys: made by the registry (private half sealed
-- with a key outside the database) or registered by an admin (public only).
CREATE TABLE provider_keys (
    namespace     TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    public_key    TEXT NOT NULL,
    origin        TEXT NOT NULL,
    sealed_secret TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    PRIMARY KEY (namespace, key_id)
);
