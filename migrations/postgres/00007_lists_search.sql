-- Text search of the needs and resources lists (STACK.md trap 6). Postgres
-- searches title and description with pg_trgm: a GIN trigram index on the
-- two joined by a space serves ILIKE '%…%' for queries of 3+ characters
-- (Chinese needs a database with a UTF-8 LC_CTYPE); shorter queries use the
-- same ILIKE and scan. SQLite keeps an FTS5 trigram table instead (its
-- 00007); the schema test leaves these two index names out of its
-- comparison, since their SQLite twins are FTS tables, not indexes.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX needs_search_idx ON needs USING gin ((title || ' ' || description) gin_trgm_ops);
CREATE INDEX resources_search_idx ON resources USING gin ((title || ' ' || description) gin_trgm_ops);

-- Forward only.
-- +goose Down
SELECT 1;
