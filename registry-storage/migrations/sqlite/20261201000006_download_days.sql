-- Downloads per version per day (UTC, `YYYY-MM-DD`), beside the running
-- total in module_versions.downloads: the web UI's last-30-days counts.
-- Counted from this migration on; older downloads are in the total only.
CREATE TABLE download_days (
    address_key TEXT NOT NULL,
    version_key TEXT NOT NULL,
    day TEXT NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (address_key, version_key, day)
);
