-- The protocol's versions list as a stored projection (issue 17): each
-- version's entry (JSON, with its deprecation), and per module the list of
-- its listed versions ready to serve, their count and the downloads of its
-- live versions (the home page's totals without a scan of every version).
-- Filled for existing rows by the backfill that runs after migrating.
ALTER TABLE module_versions ADD COLUMN protocol_entry TEXT;
ALTER TABLE modules ADD COLUMN versions_document TEXT;
ALTER TABLE modules ADD COLUMN listed_versions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE modules ADD COLUMN downloads INTEGER NOT NULL DEFAULT 0;
