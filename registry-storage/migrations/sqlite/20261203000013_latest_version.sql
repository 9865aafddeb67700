-- Each module's latest listed version (issue 17), chosen as the registry
-- chooses it (the highest release, else the highest prerelease), so a page
-- of a listing is one query whatever its position. NULL when nothing is
-- listed. Kept by the writes that change what a module lists; filled for
-- existing rows by the backfill that runs after migrating.
ALTER TABLE modules ADD COLUMN latest_version_id INTEGER;
