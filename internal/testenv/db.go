// Package testenv gives tests fresh databases on both dialects, an HTTP
// client that logs in through the real login form, and a headless browser.
package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates test databases

	"tongxin/internal/store"
)

// Dialects lists the dialects a test runs on. Postgres is included when it
// answers, or always when TONGXIN_REQUIRE_POSTGRES=1 (then a failure to
// connect fails the test instead of skipping it).
var Dialects = []string{store.SQLite, store.Postgres}

// PostgresAdminURL is where test databases are created.
func PostgresAdminURL() string {
	if u := os.Getenv("TONGXIN_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func requirePostgres() bool { return os.Getenv("TONGXIN_REQUIRE_POSTGRES") == "1" }

// pg holds the per-process template database: migrated once, copied per test.
var pg struct {
	once     sync.Once
	admin    *sql.DB
	template string
	err      error
	seq      atomic.Int64
	mu       sync.Mutex
	created  []string
}

// EachDialect runs fn as a subtest on SQLite and on Postgres, each with a fresh,
// migrated database.
func EachDialect(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, NewDB(t, d))
		})
	}
}

// NewDB returns a fresh, migrated database of the dialect, closed (and on
// Postgres dropped) when the test ends.
func NewDB(t testing.TB, dialect string) *store.DB {
	t.Helper()
	ctx := context.Background()
	var opts store.Options
	switch dialect {
	case store.SQLite:
		opts = store.Options{Dialect: store.SQLite, DSN: filepath.Join(t.TempDir(), "test.db"), MaxOpenConns: 8, MaxIdleConns: 8}
	case store.Postgres:
		dsn := newPostgresDB(t)
		opts = store.Options{Dialect: store.Postgres, DSN: dsn, MaxOpenConns: 8, MaxIdleConns: 8}
	default:
		t.Fatalf("testenv: unknown dialect %q", dialect)
	}
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatalf("testenv: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if dialect == store.SQLite {
		migrate(t, db)
	}
	applyEnvClock(t, db)
	return db
}

func migrate(t testing.TB, db *store.DB) {
	t.Helper()
	m, err := db.Migrator()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("testenv: migrate %s: %v", db.Dialect(), err)
	}
}

// NewPostgresURL returns the URL of a fresh, migrated Postgres database
// (skipped or failed like NewDB when Postgres does not answer).
func NewPostgresURL(t testing.TB) string {
	t.Helper()
	return newPostgresDB(t)
}

// newPostgresDB creates a database from the migrated template and returns its URL.
func newPostgresDB(t testing.TB) string {
	t.Helper()
	pg.once.Do(setupPostgresTemplate)
	if pg.err != nil {
		if requirePostgres() {
			t.Fatalf("testenv: Postgres is required (TONGXIN_REQUIRE_POSTGRES=1) but: %v", pg.err)
		}
		t.Skipf("testenv: Postgres not available, skipping (set TONGXIN_REQUIRE_POSTGRES=1 to fail instead): %v", pg.err)
	}
	name := fmt.Sprintf("%s_%d", pg.template, pg.seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pg.admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, pg.template)); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	pg.mu.Lock()
	pg.created = append(pg.created, name)
	pg.mu.Unlock()
	t.Cleanup(func() { dropDB(name) })
	return dbURL(name)
}

func dbURL(name string) string {
	u, _ := url.Parse(PostgresAdminURL())
	u.Path = "/" + name
	return u.String()
}

func setupPostgresTemplate() {
	admin, err := sql.Open("pgx", PostgresAdminURL())
	if err != nil {
		pg.err = err
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		pg.err = fmt.Errorf("%s does not answer: %w", redacted(PostgresAdminURL()), err)
		admin.Close()
		return
	}
	admin.SetMaxOpenConns(2)
	pg.admin = admin
	pg.template = fmt.Sprintf("tongxin_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	// UTF-8 ctype so that pg_trgm indexes Chinese text (STACK.md trap 6).
	if _, err := admin.ExecContext(context.Background(), fmt.Sprintf(
		"CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'", pg.template)); err != nil {
		pg.err = fmt.Errorf("create template database: %w", err)
		return
	}
	pg.created = append(pg.created, pg.template)
	db, err := store.Open(context.Background(), store.Options{Dialect: store.Postgres, DSN: dbURL(pg.template), MaxOpenConns: 2})
	if err != nil {
		pg.err = err
		return
	}
	m, err := db.Migrator()
	if err == nil {
		_, err = m.Up(context.Background())
	}
	db.Close() // a template must have no open connections when copied
	if err != nil {
		pg.err = fmt.Errorf("migrate template: %w", err)
	}
}

func dropDB(name string) {
	if pg.admin == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = pg.admin.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
}

// Cleanup drops the databases this process created. Call it from TestMain
// after m.Run (see Main).
func Cleanup() {
	pg.mu.Lock()
	names := append([]string(nil), pg.created...)
	pg.mu.Unlock()
	for i := len(names) - 1; i >= 0; i-- {
		dropDB(names[i])
	}
	if pg.admin != nil {
		pg.admin.Close()
	}
}

// Main is the TestMain of a package that uses databases:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres"
	}
	return strings.TrimSuffix(u.Redacted(), "?")
}

// OpenSameDB opens a second pool on the database of db, as a second
// instance of the server would.
func OpenSameDB(t testing.TB, db *store.DB) *store.DB {
	t.Helper()
	db2, err := store.Open(context.Background(), store.Options{Dialect: db.Dialect(), DSN: db.DSN(), MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2
}
