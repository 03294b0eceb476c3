package store

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"tongxin/migrations"
)

// Migrator applies the embedded migrations of the DB's dialect.
type Migrator struct {
	p *goose.Provider
}

// Migrator returns a migrator for this database.
func (db *DB) Migrator() (*Migrator, error) {
	sub, err := fs.Sub(migrations.FS, db.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectPostgres
	if db.dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	p, err := goose.NewProvider(dialect, db.sql, sub)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration and returns the versions applied.
func (m *Migrator) Up(ctx context.Context) ([]int64, error) {
	res, err := m.p.Up(ctx)
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	if err != nil {
		return applied, fmt.Errorf("store: migrate up: %w", err)
	}
	return applied, nil
}

// MigrationStatus is one line of `tongxin migrate status`.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
	// AppliedAt is empty when pending.
	AppliedAt string
}

// Status lists every migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		ms := MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied}
		if ms.Applied {
			ms.AppliedAt = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		out = append(out, ms)
	}
	return out, nil
}

// Pending reports whether migrations remain to apply (readiness).
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.p.HasPending(ctx)
}
