-- Keyset listings of one namespace walk this index in address order
-- (instead of sorting the namespace's modules for every page).
CREATE INDEX modules_by_namespace_address ON modules (namespace_key, address_key);
