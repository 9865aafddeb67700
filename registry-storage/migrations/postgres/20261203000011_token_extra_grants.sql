-- Roles a token carries in other namespaces besides its own (JSON list of
-- {namespace, role}); NULL for a token with one role. A person signed in
-- through the OpenID provider gets one per group the role map names.
ALTER TABLE api_tokens ADD COLUMN extra_grants TEXT;
