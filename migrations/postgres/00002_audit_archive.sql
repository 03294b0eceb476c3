-- Archiving the audit log. The log stays append-only: UPDATE and TRUNCATE are
-- refused always; DELETE only inside the archiving transaction of
-- `tongxin audit archive`, which first writes the rows to a CSV file and then
-- runs SELECT set_config('tongxin.audit_archive', 'on', true) (transaction-local,
-- gone at COMMIT or ROLLBACK) before its DELETE.
--
-- audit_archive_lock exists on both dialects so that the schemas match. SQLite
-- has no session settings, so there the DELETE guard reads its one row; on
-- Postgres the archiving transaction updates the row too, which serialises two
-- archives running at once, but the guard reads only the setting.
--
-- These guards stop mistakes and code paths that should not delete (a stray
-- DELETE, an ORM cascade, a careless migration). They do not stop the database
-- owner, who can drop a trigger: restrict who holds that role.

-- +goose Up
CREATE TABLE audit_archive_lock (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    active INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO audit_archive_lock (id, active) VALUES (1, 0);

DROP TRIGGER audit_log_no_change ON audit_log;
DROP TRIGGER audit_log_no_truncate ON audit_log;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('tongxin.audit_archive', true) = 'on' THEN
        RETURN NULL; -- a statement-level BEFORE trigger: the value is ignored, the DELETE goes on
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused; old rows leave only through "tongxin audit archive")', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- Statement-level: checked once per statement, so archiving a million rows
-- does not call the function a million times.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
