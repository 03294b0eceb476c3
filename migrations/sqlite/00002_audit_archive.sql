-- Archiving the audit log. The log stays append-only: UPDATE is refused
-- always; DELETE only inside the archiving transaction of
-- `tongxin audit archive`, which first writes the rows to a CSV file and then,
-- in one transaction, sets audit_archive_lock.active = 1, deletes the archived
-- rows and sets it back to 0 before COMMIT. Other connections never see the
-- flag set (SQLite has one writer, and readers see committed data only).
--
-- The same table exists on Postgres so that the schemas match; there the
-- guard reads a transaction-local setting instead.
--
-- These guards stop mistakes and code paths that should not delete. They do
-- not stop someone who can write the database file: protect the file.

-- +goose Up
CREATE TABLE audit_archive_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    active INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO audit_archive_lock (id, active) VALUES (1, 0);

DROP TRIGGER audit_log_no_delete;

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_archive_lock WHERE active = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused; old rows leave only through "tongxin audit archive")');
END;
-- +goose StatementEnd

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
