-- Indexes found missing by the city-scale benchmark (make bench, EXPLAIN at
-- scale 1). Lists are read newest first (ORDER BY created_at DESC, id DESC);
-- a scope over several districts or alliances, or a filter that keeps most
-- rows, had no index in that order, so Postgres read the whole table and
-- sorted it (the whole-city project list: 95 ms, 1 ms with
-- projects_created_idx); a district reviewer's list walks
-- projects_district_created_idx. The needs and resources a secretary or a
-- contact sees include every city-wide one (visibility = 'city'): with
-- *_visibility_idx their count ORs two index scans instead of reading the
-- table. The project search (title or code LIKE '%…%') gets pg_trgm indexes
-- like the needs' and resources' (00007); SQLite has no counterpart for
-- those two (the schema test leaves them out).

-- +goose Up
CREATE INDEX projects_created_idx ON projects (created_at, id);
CREATE INDEX projects_district_created_idx ON projects (district_id, created_at, id);
CREATE INDEX needs_created_idx ON needs (created_at, id);
CREATE INDEX resources_created_idx ON resources (created_at, id);
CREATE INDEX needs_visibility_idx ON needs (visibility, created_at, id);
CREATE INDEX resources_visibility_idx ON resources (visibility, created_at, id);
CREATE INDEX projects_search_idx ON projects USING gin (title gin_trgm_ops);
CREATE INDEX projects_code_search_idx ON projects USING gin ((COALESCE(code, '')) gin_trgm_ops);

-- +goose Down
DROP INDEX IF EXISTS resources_visibility_idx;
DROP INDEX IF EXISTS needs_visibility_idx;
DROP INDEX IF EXISTS projects_code_search_idx;
DROP INDEX IF EXISTS projects_search_idx;
DROP INDEX IF EXISTS resources_created_idx;
DROP INDEX IF EXISTS needs_created_idx;
DROP INDEX IF EXISTS projects_district_created_idx;
DROP INDEX IF EXISTS projects_created_idx;
