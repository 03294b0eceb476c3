package store

import (
	"context"
	"fmt"
	"sync/atomic"

	"gorm.io/gorm"
)

// observers numbers the callbacks OnStatement registers (names must differ).
var observers atomic.Int64

// OnStatement calls fn after every SQL statement this DB runs through GORM
// (queries, counts, inserts, updates, deletes, raw statements), with the
// statement's context and text. It is an instrument for tests and
// benchmarks (testenv.StatementsPerRequest counts the statements of one
// request); fn must be cheap and safe for concurrent use. Statements run on
// the *sql.DB directly (health checks, bulk loads) are not seen.
func (db *DB) OnStatement(fn func(ctx context.Context, sql string)) error {
	n := observers.Add(1)
	cb := func(tx *gorm.DB) {
		if tx.Statement == nil || tx.Statement.SQL.Len() == 0 {
			return
		}
		ctx := tx.Statement.Context
		if ctx == nil {
			ctx = context.Background()
		}
		fn(ctx, tx.Statement.SQL.String())
	}
	c := db.gorm.Callback()
	for _, r := range []struct {
		name string
		err  error
	}{
		{"query", c.Query().After("gorm:query").Register(fmt.Sprintf("tongxin:observe_query_%d", n), cb)},
		{"create", c.Create().After("gorm:create").Register(fmt.Sprintf("tongxin:observe_create_%d", n), cb)},
		{"update", c.Update().After("gorm:update").Register(fmt.Sprintf("tongxin:observe_update_%d", n), cb)},
		{"delete", c.Delete().After("gorm:delete").Register(fmt.Sprintf("tongxin:observe_delete_%d", n), cb)},
		{"row", c.Row().After("gorm:row").Register(fmt.Sprintf("tongxin:observe_row_%d", n), cb)},
		{"raw", c.Raw().After("gorm:raw").Register(fmt.Sprintf("tongxin:observe_raw_%d", n), cb)},
	} {
		if r.err != nil {
			return fmt.Errorf("store: observe %s statements: %w", r.name, r.err)
		}
	}
	return nil
}
