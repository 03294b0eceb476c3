// Package store is the only package that talks SQL. It wraps GORM over
// PostgreSQL (production) and pure-Go SQLite (the embedded default); one file
// per aggregate; the few dialect differences sit in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"tongxin/internal/model"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Options configure Open.
type Options struct {
	// Dialect is SQLite or Postgres.
	Dialect string
	// DSN is a file path for SQLite, a postgres:// URL for Postgres.
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	PrepareStmt     bool
	Logger          *slog.Logger
}

// DB is the handle every store method hangs off.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	dialect string
	dsn     string // for the LISTEN connection on Postgres
	log     *slog.Logger
	// now is the clock, replaceable in tests (read by background workers too).
	now atomic.Pointer[func() time.Time]
}

// Open connects and configures the pool. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	var dialector gorm.Dialector
	switch o.Dialect {
	case SQLite:
		dialector = sqlite.Open(SQLiteDSN(o.DSN))
	case Postgres:
		dialector = postgres.New(postgres.Config{DSN: o.DSN})
	default:
		return nil, fmt.Errorf("store: unknown dialect %q", o.Dialect)
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		SkipDefaultTransaction: true, // writes go through WithTx explicitly
		PrepareStmt:            o.PrepareStmt && o.Dialect == Postgres,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Discard,
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", o.Dialect, err)
	}
	if err := registerVersionDefault(g); err != nil {
		return nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if o.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(o.MaxOpenConns)
	}
	if o.MaxIdleConns > 0 {
		sqlDB.SetMaxIdleConns(o.MaxIdleConns)
	}
	if o.ConnMaxLifetime > 0 {
		sqlDB.SetConnMaxLifetime(o.ConnMaxLifetime)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: %s does not answer: %w", o.Dialect, err)
	}
	db := &DB{gorm: g, sql: sqlDB, dialect: o.Dialect, dsn: o.DSN, log: o.Logger}
	db.SetClock(time.Now)
	if o.Dialect == Postgres {
		db.warnOnCType(ctx)
	}
	return db, nil
}

// SQLiteDSN builds the DSN for a file path: WAL, a busy timeout, foreign keys
// and immediate transactions (a read-then-write transaction takes the write
// lock at BEGIN, so concurrent writers wait instead of failing with SQLITE_BUSY).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// warnOnCType logs when the database cannot search Chinese text with pg_trgm.
func (db *DB) warnOnCType(ctx context.Context) {
	var ctype string
	if err := db.sql.QueryRowContext(ctx, "SELECT datctype FROM pg_database WHERE datname = current_database()").Scan(&ctype); err != nil {
		return
	}
	if !strings.Contains(strings.ToLower(strings.ReplaceAll(ctype, "-", "")), "utf8") {
		db.log.Warn("database LC_CTYPE is not UTF-8: Chinese text search will not work; recreate it with LC_CTYPE C.UTF-8 (see README)", "lc_ctype", ctype)
	}
}

// Dialect returns SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// SQL returns the underlying pool, for migrations, metrics and the session store.
func (db *DB) SQL() *sql.DB { return db.sql }

// SetClock replaces the clock (tests).
func (db *DB) SetClock(now func() time.Time) { db.now.Store(&now) }

// Now is the store's clock, in UTC.
func (db *DB) Now() time.Time { return (*db.now.Load())().UTC() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// notFound maps gorm's not-found to the model's.
func notFound(err error, kind string, id any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return model.NotFound(kind, id)
	}
	return err
}

// DSN returns the data source the DB was opened with (a second pool in tests).
func (db *DB) DSN() string { return db.dsn }
