-- The whole namespace policy (JSON: require-signatures, validation, tests);
-- require_signatures stays in step for older readers.
ALTER TABLE namespace_policies ADD COLUMN settings TEXT;
