package store

import (
	"context"
	"fmt"
	"os"
)

// BackupInto writes a consistent copy of a SQLite database to a new file
// with VACUUM INTO: it reads inside one read transaction, so in WAL mode
// the server's writers go on while it runs and the copy is the database as
// of the moment the read began (no half-written transaction). The copy is
// compacted and holds no WAL: it is a single file that opens on its own.
// Postgres is backed up with pg_dump (see the backup command).
func (db *DB) BackupInto(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return fmt.Errorf("store: BackupInto is for SQLite; use pg_dump on Postgres")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: %s exists already", path)
	}
	if _, err := db.sql.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("store: VACUUM INTO %s: %w", path, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns its
// first complaint ("" when the file is sound); on Postgres it does nothing.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	if db.dialect != SQLite {
		return "", nil
	}
	var res string
	if err := db.sql.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return "", err
	}
	if res == "ok" {
		return "", nil
	}
	return res, nil
}

// Tables lists the database's own tables (the migrations' bookkeeping
// included), sorted by name.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if db.dialect == Postgres {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
	}
	rows, err := db.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
