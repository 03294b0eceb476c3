package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// column is what both dialects must agree on.
type column struct {
	Name     string
	Type     string // normalised: int, text, time, bool, blob, date
	Nullable bool
}

type schema struct {
	Tables  map[string][]column
	Indexes []string
}

// TestDialectsBuildTheSameSchema migrates both dialects and compares tables,
// columns (name, nullability, compatible type) and index names.
func TestDialectsBuildTheSameSchema(t *testing.T) {
	lite := readSchema(t, testenv.NewDB(t, store.SQLite))
	pgs := readSchema(t, testenv.NewDB(t, store.Postgres))

	if len(lite.Tables) < 5 {
		t.Fatalf("only %d tables on SQLite: migrations did not run?", len(lite.Tables))
	}
	for name, cols := range lite.Tables {
		other, ok := pgs.Tables[name]
		if !ok {
			t.Errorf("table %s exists on SQLite only", name)
			continue
		}
		if a, b := fmt.Sprint(cols), fmt.Sprint(other); a != b {
			t.Errorf("table %s differs:\n sqlite:   %s\n postgres: %s", name, a, b)
		}
	}
	for name := range pgs.Tables {
		if _, ok := lite.Tables[name]; !ok {
			t.Errorf("table %s exists on Postgres only", name)
		}
	}
	if a, b := strings.Join(lite.Indexes, " "), strings.Join(pgs.Indexes, " "); a != b {
		t.Errorf("indexes differ:\n sqlite:   %s\n postgres: %s", a, b)
	}
}

// searchOnlyIndexes are Postgres text-search indexes (pg_trgm GIN, 00007)
// whose SQLite counterpart is an FTS5 table, not an index: they are left out
// of the index comparison, as the FTS tables are left out of the tables.
// The project list's (00012) have no SQLite counterpart (LIKE scans).
var searchOnlyIndexes = map[string]bool{"needs_search_idx": true, "resources_search_idx": true,
	"projects_search_idx": true, "projects_code_search_idx": true}

func normType(t string) string {
	t = strings.ToLower(t)
	switch {
	case t == "bigint" || t == "integer" || t == "smallint":
		return "int"
	case t == "text" || strings.HasPrefix(t, "character varying"):
		return "text"
	case strings.HasPrefix(t, "timestamp") || t == "datetime":
		return "time"
	case t == "boolean":
		return "bool"
	case t == "bytea" || t == "blob":
		return "blob"
	case t == "date":
		return "date"
	}
	return t
}

func readSchema(t *testing.T, db *store.DB) schema {
	t.Helper()
	ctx := context.Background()
	s := schema{Tables: map[string][]column{}}
	q := func(query string, args ...any) [][]string {
		rows, err := db.SQL().QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				row[i] = fmt.Sprint(v)
			}
			out = append(out, row)
		}
		return out
	}
	switch db.Dialect() {
	case store.SQLite:
		for _, r := range q(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`) {
			table := r[0]
			if strings.Contains(table, "_fts") {
				// FTS5 search tables (needs_fts, resources_fts: virtual tables
				// of 00007) and their shadow tables (…_fts_data, _idx, _docsize,
				// _config) have no Postgres twin: Postgres searches through the
				// pg_trgm indexes in searchOnlyIndexes instead.
				continue
			}
			for _, c := range q(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table) {
				nullable := c[2] == "0" && c[3] == "0"
				s.Tables[table] = append(s.Tables[table], column{c[0], normType(c[1]), nullable})
			}
		}
		for _, r := range q(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'`) {
			s.Indexes = append(s.Indexes, r[0])
		}
	case store.Postgres:
		for _, r := range q(`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY table_name, ordinal_position`) {
			s.Tables[r[0]] = append(s.Tables[r[0]], column{r[1], normType(r[2]), r[3] == "YES"})
		}
		for _, r := range q(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND tablename <> 'goose_db_version'`) {
			if searchOnlyIndexes[r[0]] {
				continue
			}
			s.Indexes = append(s.Indexes, r[0])
		}
	}
	sort.Strings(s.Indexes)
	return s
}
