package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Bulk loading, for the scale generator (`tongxin seed --scale`): many rows
// of many tables in one transaction, as fast as each engine takes them —
// COPY on Postgres (pgx CopyFrom on a connection of the pool), 100-row
// INSERTs on SQLite (decision 21: SQLite binds parameters in quadratic time,
// so bigger statements are slower). Rows carry their ids; afterwards
// ResetSequences moves Postgres's identity sequences past them.

// sqliteBatch is the number of rows of one SQLite INSERT.
const sqliteBatch = 100

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// BulkWriter writes rows inside the transaction of DB.BulkLoad.
type BulkWriter struct {
	dialect string
	pg      pgx.Tx  // Postgres
	lite    *sql.Tx // SQLite
	stmts   map[string]*sql.Stmt
	// Progress, when set, is called after each batch with the table and the
	// rows written to it so far by this Copy.
	Progress func(table string, rows int)
}

// BulkLoad runs fn in one transaction and commits when it returns nil.
func (db *DB) BulkLoad(ctx context.Context, fn func(w *BulkWriter) error) error {
	if db.dialect == Postgres {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: bulk load needs a pgx connection, got %T", dc)
			}
			tx, err := sc.Conn().Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it does nothing
			if err := fn(&BulkWriter{dialect: Postgres, pg: tx}); err != nil {
				return err
			}
			return tx.Commit(ctx)
		})
	}
	// A large page cache for the load (index B-trees of a million rows do
	// not fit SQLite's default 2 MB), set back before the connection returns
	// to the pool.
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var cache int64
	if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil { // 256 MiB
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", cache)) //nolint:errcheck
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	w := &BulkWriter{dialect: SQLite, lite: tx, stmts: map[string]*sql.Stmt{}}
	err = fn(w)
	for _, s := range w.stmts {
		s.Close()
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

// Copy writes n rows into table: row(i, dst) fills dst (one value per
// column, nil for NULL; int64, string, bool, time.Time) for the i-th row.
func (w *BulkWriter) Copy(ctx context.Context, table string, columns []string, n int, row func(i int, dst []any)) error {
	if !identifier.MatchString(table) {
		return fmt.Errorf("store: bad table name %q", table)
	}
	for _, c := range columns {
		if !identifier.MatchString(c) {
			return fmt.Errorf("store: bad column name %q", c)
		}
	}
	if n <= 0 {
		return nil
	}
	if w.dialect == Postgres {
		return w.copyPostgres(ctx, table, columns, n, row)
	}
	return w.insertSQLite(ctx, table, columns, n, row)
}

func (w *BulkWriter) copyPostgres(ctx context.Context, table string, columns []string, n int, row func(int, []any)) error {
	i := 0
	buf := make([]any, len(columns))
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		clear(buf)
		row(i, buf)
		i++
		if w.Progress != nil && i%5000 == 0 {
			w.Progress(table, i)
		}
		return buf, nil
	})
	got, err := w.pg.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if err != nil {
		return fmt.Errorf("store: copy into %s (row %d): %w", table, i, err)
	}
	if got != int64(n) {
		return fmt.Errorf("store: copy into %s wrote %d rows of %d", table, got, n)
	}
	if w.Progress != nil {
		w.Progress(table, n)
	}
	return nil
}

func (w *BulkWriter) insertSQLite(ctx context.Context, table string, columns []string, n int, row func(int, []any)) error {
	stmt := func(rows int) (*sql.Stmt, error) {
		key := fmt.Sprintf("%s/%s/%d", table, strings.Join(columns, ","), rows)
		if s, ok := w.stmts[key]; ok {
			return s, nil
		}
		one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(columns)), ",") + ")"
		q := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
		s, err := w.lite.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		w.stmts[key] = s
		return s, nil
	}
	args := make([]any, 0, sqliteBatch*len(columns))
	buf := make([]any, len(columns))
	for start := 0; start < n; start += sqliteBatch {
		end := min(start+sqliteBatch, n)
		args = args[:0]
		for i := start; i < end; i++ {
			clear(buf)
			row(i, buf)
			args = append(args, buf...)
		}
		s, err := stmt(end - start)
		if err != nil {
			return fmt.Errorf("store: insert into %s: %w", table, err)
		}
		if _, err := s.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: insert into %s (rows %d–%d): %w", table, start, end-1, err)
		}
		if w.Progress != nil && (end%5000 < sqliteBatch || end == n) {
			w.Progress(table, end)
		}
	}
	return nil
}

// MaxID returns the largest id of table (0 when empty).
func (db *DB) MaxID(ctx context.Context, table string) (int64, error) {
	if !identifier.MatchString(table) {
		return 0, fmt.Errorf("store: bad table name %q", table)
	}
	var n sql.NullInt64
	err := db.sql.QueryRowContext(ctx, "SELECT max(id) FROM "+table).Scan(&n)
	return n.Int64, err
}

// CountRows returns the number of rows of table.
func (db *DB) CountRows(ctx context.Context, table string) (int64, error) {
	if !identifier.MatchString(table) {
		return 0, fmt.Errorf("store: bad table name %q", table)
	}
	var n int64
	err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	return n, err
}

// ResetSequences moves each table's id sequence past its largest id, so
// that the application's inserts after a bulk load with explicit ids get new
// ones. On SQLite AUTOINCREMENT follows explicit ids by itself.
func (db *DB) ResetSequences(ctx context.Context, tables ...string) error {
	if db.dialect != Postgres {
		return nil
	}
	for _, t := range tables {
		if !identifier.MatchString(t) {
			return fmt.Errorf("store: bad table name %q", t)
		}
		// setval(…, max, true): the next id is max+1; an empty table starts at 1.
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT max(id) FROM %s), 0) + 1, false)`, t, t)
		if _, err := db.sql.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: reset the id sequence of %s: %w", t, err)
		}
	}
	return nil
}

// AnalyzeTables refreshes the planner's statistics after a bulk load.
func (db *DB) AnalyzeTables(ctx context.Context, tables ...string) error {
	for _, t := range tables {
		if !identifier.MatchString(t) {
			return fmt.Errorf("store: bad table name %q", t)
		}
	}
	q := "ANALYZE"
	if db.dialect == Postgres && len(tables) > 0 {
		q = "ANALYZE " + strings.Join(tables, ", ")
	}
	_, err := db.sql.ExecContext(ctx, q)
	return err
}

// AllianceNames returns the names of the alliances of each district (the
// generator keeps new names unique beside existing ones).
func (db *DB) AllianceNames(ctx context.Context) (map[int64]map[string]bool, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT district_id, name FROM alliances")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]map[string]bool{}
	for rows.Next() {
		var d int64
		var name string
		if err := rows.Scan(&d, &name); err != nil {
			return nil, err
		}
		if out[d] == nil {
			out[d] = map[string]bool{}
		}
		out[d][name] = true
	}
	return out, rows.Err()
}

// ErrHoldsData is returned when a bulk load would mix with existing data.
var ErrHoldsData = errors.New("the database already holds data")
