package bench

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RunBare runs the statements once, in order, through db (database/sql over
// the same driver the server uses), reading every row of every result as
// raw bytes. It is what a page would cost with no HTTP, session cookie,
// routing, authorization, GORM, template or JSON around its SQL.
func RunBare(ctx context.Context, db *sql.DB, stmts []Statement) error {
	for _, st := range stmts {
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
	}
	return nil
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
