-- Every editable object carries a version (optimistic locking): an edit or
-- an action sends the version it read, the UPDATE matches it (WHERE id = ?
-- AND version = ?) and bumps it, so a stale one changes nothing and answers
-- 409. Dictionary items, streets, grids, committees, memberships and
-- rotation duties had none; existing rows start at 1.

-- +goose Up
ALTER TABLE dictionary_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE streets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE grids ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE committees ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE memberships ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rotation_duties ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE rotation_duties DROP COLUMN version;
ALTER TABLE memberships DROP COLUMN version;
ALTER TABLE committees DROP COLUMN version;
ALTER TABLE grids DROP COLUMN version;
ALTER TABLE streets DROP COLUMN version;
ALTER TABLE dictionary_items DROP COLUMN version;
