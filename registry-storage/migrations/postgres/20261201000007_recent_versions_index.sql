-- The home page's recently published versions, newest first.
CREATE INDEX module_versions_by_published ON module_versions (published_at);
