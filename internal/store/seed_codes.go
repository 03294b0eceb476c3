package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// ProjectCodesTaken returns, per district and year, the last sequence
// number of a project code already handed out: the larger of the
// counter's (next_seq - 1) and the highest code present. The scale
// generator, adding a city beside existing data (--force), numbers its
// projects after these.
func (db *DB) ProjectCodesTaken(ctx context.Context) (map[[2]int64]int64, error) {
	out := map[[2]int64]int64{}
	rows, err := db.sql.QueryContext(ctx, "SELECT district_id, year, next_seq FROM project_code_counters")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d, y, next int64
		if err := rows.Scan(&d, &y, &next); err != nil {
			return nil, err
		}
		out[[2]int64{d, y}] = max(out[[2]int64{d, y}], next-1)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	codes, err := db.sql.QueryContext(ctx, "SELECT code FROM projects WHERE code IS NOT NULL")
	if err != nil {
		return nil, err
	}
	defer codes.Close()
	for codes.Next() {
		var code string
		if err := codes.Scan(&code); err != nil {
			return nil, err
		}
		d, y, seq, ok := ParseProjectCode(code)
		if ok {
			out[[2]int64{d, y}] = max(out[[2]int64{d, y}], seq)
		}
	}
	return out, codes.Err()
}

// ParseProjectCode splits a code of TakeProjectCode (2026-310104-0001)
// into its district, year and sequence number.
func ParseProjectCode(code string) (district, year, seq int64, ok bool) {
	parts := strings.Split(code, "-")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var err [3]error
	year, err[0] = strconv.ParseInt(parts[0], 10, 64)
	district, err[1] = strconv.ParseInt(parts[1], 10, 64)
	seq, err[2] = strconv.ParseInt(parts[2], 10, 64)
	if err[0] != nil || err[1] != nil || err[2] != nil {
		return 0, 0, 0, false
	}
	return district, year, seq, true
}

// DeleteProjectCodeCounters removes the counter rows of these (district,
// year) keys inside the bulk load, so that the load can write them again
// with their new next number.
func (w *BulkWriter) DeleteProjectCodeCounters(ctx context.Context, keys [][2]int64) error {
	for _, k := range keys {
		q := "DELETE FROM project_code_counters WHERE district_id = $1 AND year = $2"
		var err error
		if w.dialect == Postgres {
			_, err = w.pg.Exec(ctx, q, k[0], k[1])
		} else {
			_, err = w.lite.ExecContext(ctx, strings.NewReplacer("$1", "?", "$2", "?").Replace(q), k[0], k[1])
		}
		if err != nil {
			return fmt.Errorf("store: replace the code counter of district %d, year %d: %w", k[0], k[1], err)
		}
	}
	return nil
}
