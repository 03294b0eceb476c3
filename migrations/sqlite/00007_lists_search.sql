-- Text search of the needs and resources lists (STACK.md trap 6). SQLite
-- searches title and description through FTS5 trigram tables kept in step
-- with their rows by triggers (external content: the text lives once, in
-- needs / resources). A trigram table answers queries of 3+ characters;
-- shorter ones fall back to LIKE on the row. Postgres uses pg_trgm indexes
-- instead (its 00007); the schema test skips the *_fts tables and their
-- shadow tables, which have no Postgres twin.

-- +goose Up
CREATE VIRTUAL TABLE needs_fts USING fts5(title, description, content='needs', content_rowid='id', tokenize='trigram');

-- +goose StatementBegin
CREATE TRIGGER needs_fts_insert AFTER INSERT ON needs BEGIN
    INSERT INTO needs_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER needs_fts_delete AFTER DELETE ON needs BEGIN
    INSERT INTO needs_fts (needs_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER needs_fts_update AFTER UPDATE OF title, description ON needs BEGIN
    INSERT INTO needs_fts (needs_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO needs_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- +goose StatementEnd

INSERT INTO needs_fts (needs_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE resources_fts USING fts5(title, description, content='resources', content_rowid='id', tokenize='trigram');

-- +goose StatementBegin
CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, description ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO resources_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- +goose StatementEnd

INSERT INTO resources_fts (resources_fts) VALUES ('rebuild');

-- Forward only.
-- +goose Down
SELECT 1;
