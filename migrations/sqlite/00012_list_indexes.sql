-- Indexes found missing by the city-scale benchmark (make bench): lists are
-- read newest first (ORDER BY created_at DESC, id DESC), and a scope over
-- several districts or alliances, or a filter that leaves most rows, had no
-- index in that order; the needs and resources a secretary or a contact
-- sees include every city-wide one (the *_visibility_idx). The Postgres
-- twin also adds pg_trgm indexes for the
-- project list's search, which SQLite cannot use (LIKE '%…%' scans).

-- +goose Up
CREATE INDEX projects_created_idx ON projects (created_at, id);
CREATE INDEX projects_district_created_idx ON projects (district_id, created_at, id);
CREATE INDEX needs_created_idx ON needs (created_at, id);
CREATE INDEX resources_created_idx ON resources (created_at, id);
CREATE INDEX needs_visibility_idx ON needs (visibility, created_at, id);
CREATE INDEX resources_visibility_idx ON resources (visibility, created_at, id);

-- +goose Down
DROP INDEX IF EXISTS resources_visibility_idx;
DROP INDEX IF EXISTS needs_visibility_idx;
DROP INDEX IF EXISTS resources_created_idx;
DROP INDEX IF EXISTS needs_created_idx;
DROP INDEX IF EXISTS projects_district_created_idx;
DROP INDEX IF EXISTS projects_created_idx;
