package bench

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// RunBare runs the statements once, in order, through db (database/sql over
// the same driver the server uses), reading every row of every result as
// raw bytes. It is what a page would cost with no HTTP, session cookie,
// routing, authorization, GORM, template or JSON around its SQL.
func RunBare(ctx context.Context, db *sql.DB, stmts []Statement) error {
	return runBare(ctx, db, stmts, nil)
}

// runBare is RunBare that tells each statement's time to took.
func runBare(ctx context.Context, db *sql.DB, stmts []Statement, took func(i int, d time.Duration)) error {
	for i, st := range stmts {
		t := time.Now()
		rows, err := db.QueryContext(ctx, st.SQL, st.Args...)
		if err != nil {
			return fmt.Errorf("bench: floor statement %.120s: %w", st.SQL, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		dst := make([]any, len(cols))
		for i := range dst {
			dst[i] = new(sql.RawBytes)
		}
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if took != nil {
			took(i, time.Since(t))
		}
	}
	return nil
}

// StatementTime is the mean time of one statement of a page run bare.
type StatementTime struct {
	SQL string  `json:"sql"`
	MS  float64 `json:"mean_ms"`
}

// Slowest runs the statements runs times and returns the n slowest by
// mean time, their text cut to 300 characters (where a page's floor goes).
func Slowest(ctx context.Context, db *sql.DB, stmts []Statement, runs, n int) ([]StatementTime, error) {
	sum := make([]time.Duration, len(stmts))
	for range runs {
		if err := runBare(ctx, db, stmts, func(i int, d time.Duration) { sum[i] += d }); err != nil {
			return nil, err
		}
	}
	out := make([]StatementTime, len(stmts))
	for i, st := range stmts {
		q := st.SQL
		if len(q) > 300 {
			q = q[:300] + "…"
		}
		out[i] = StatementTime{SQL: q, MS: ms(sum[i] / time.Duration(max(runs, 1)))}
	}
	slices.SortStableFunc(out, func(a, b StatementTime) int { return cmp.Compare(b.MS, a.MS) })
	return out[:min(n, len(out))], nil
}

// Floor times RunBare back to back on one connection for about d (at least
// min and at most max runs) and summarises the time of one whole run.
func Floor(ctx context.Context, db *sql.DB, stmts []Statement, d time.Duration, minRuns, maxRuns int) (Summary, error) {
	// Warm the connection and the statement caches first.
	for range 3 {
		if err := RunBare(ctx, db, stmts); err != nil {
			return Summary{}, err
		}
	}
	var lat []time.Duration
	start := time.Now()
	for len(lat) < maxRuns && (len(lat) < minRuns || time.Since(start) < d) {
		t := time.Now()
		if err := RunBare(ctx, db, stmts); err != nil {
			return Summary{}, err
		}
		lat = append(lat, time.Since(t))
	}
	return Summarize(lat, 0, "", 0, time.Since(start)), nil
}
