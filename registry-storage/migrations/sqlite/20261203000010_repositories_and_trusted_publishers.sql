-- Repositories the registry follows: one per module (address is the
-- module's case-folded key), its webhook secret sealed with a key outside
-- the database, its last syncs as JSON, and a lease so that one process
-- syncs it at a time.
CREATE TABLE followed_repositories (
    address       TEXT PRIMARY KEY NOT NULL,
    module        TEXT NOT NULL,
    remote        TEXT NOT NULL,
    path          TEXT,
    tag_pattern   TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    status        TEXT NOT NULL,
    lease_holder  TEXT,
    lease_until   TEXT
);
-- Each tag published from a followed repository: the commit and tree it
-- was, so a tag moved later is noticed and never republished.
CREATE TABLE repository_releases (
    address      TEXT NOT NULL,
    tag          TEXT NOT NULL,
    commit_hash  TEXT NOT NULL,
    version      TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (address, tag)
);
-- Policies under which CI jobs' OIDC tokens are exchanged for short-lived
-- publish tokens (claims: JSON object of name to glob).
CREATE TABLE trusted_publishers (
    id         TEXT PRIMARY KEY NOT NULL,
    namespace  TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    audience   TEXT NOT NULL,
    claims     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
