-- Archiving the audit log, without a back door. Migration 00002 let any
-- writer delete audit rows of any age after setting audit_archive_lock.active.
-- Now (the same rules as on Postgres, where audit_archive() is the path):
--   * audit_archives records every archive: the id range and cut-off it
--     removed, the retention it was checked against, the row count, the
--     SHA-256 of the archive file, a chain hash over all archives
--     (sha256(previous chain || checksum), hex), who and when. It is
--     append-only.
--   * A row of audit_archives can only be written for rows past the
--     retention (at least 180 days, by the database's clock).
--   * A DELETE of an audit row is refused unless an archive record covers it
--     (its id within the range, created before the cut-off) and it is past
--     that record's retention: the archive command writes the record and
--     deletes in one transaction; a plain DELETE fails.
-- audit_archive_lock stays (unused) so that old binaries' schema checks hold.
-- Times are compared with julianday(): the driver writes RFC 3339 text.

-- +goose Up
CREATE TABLE audit_archives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_id BIGINT NOT NULL,
    to_id BIGINT NOT NULL,
    before_at DATETIME NOT NULL,
    retention_seconds BIGINT NOT NULL,
    row_count BIGINT NOT NULL,
    checksum TEXT NOT NULL,
    chain TEXT NOT NULL,
    archived_by TEXT NOT NULL DEFAULT '',
    file TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX audit_archives_range_idx ON audit_archives (to_id, from_id);

-- +goose StatementBegin
CREATE TRIGGER audit_archives_retention BEFORE INSERT ON audit_archives
WHEN NEW.retention_seconds < 180 * 86400
  OR julianday(NEW.before_at) IS NULL
  OR julianday(NEW.before_at) > julianday('now') - NEW.retention_seconds / 86400.0
BEGIN
    SELECT RAISE(ABORT, 'audit archive refused: the rows are not past the retention (at least 180 days)');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_archives_no_update BEFORE UPDATE ON audit_archives
BEGIN
    SELECT RAISE(ABORT, 'audit_archives is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_archives_no_delete BEFORE DELETE ON audit_archives
BEGIN
    SELECT RAISE(ABORT, 'audit_archives is append-only');
END;
-- +goose StatementEnd

DROP TRIGGER audit_log_no_delete;

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_archives a
                 WHERE OLD.id BETWEEN a.from_id AND a.to_id
                   AND julianday(OLD.created_at) < julianday(a.before_at)
                   AND julianday(OLD.created_at) <= julianday('now') - a.retention_seconds / 86400.0)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused; old rows leave only through "tongxin audit archive")');
END;
-- +goose StatementEnd

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
