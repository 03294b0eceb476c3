package bench

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"gorm.io/gorm"

	"tongxin/internal/store"
)

// Statement is one SQL statement a page ran, with the arguments it was run
// with, ready to run again bare through database/sql.
type Statement struct {
	SQL  string `json:"sql"`
	Args []any  `json:"-"`
}

// Tap records the statements (text and arguments) that GORM runs on behalf
// of a context marked by Record. It is the floor's source: the page is run
// once in-process, and the statements it ran are then run bare through the
// same driver.
//
// store.DB.OnStatement gives the text of a statement but not its arguments,
// and the floor cannot run a statement without them; so the tap registers
// its own callbacks, after GORM's, on the store's *gorm.DB, which it reaches
// by reflection (the field is unexported). That is a benchmark instrument
// only; when OnStatement passes the arguments (tx.Statement.Vars), gormOf
// goes away and NewTap calls OnStatement.
type Tap struct{ db *store.DB }

type recording struct {
	mu    sync.Mutex
	stmts []Statement
}

type recordingKey struct{}

// NewTap installs the callbacks on db. Call it before anything else runs
// statements on db (GORM's callbacks must not change while others run).
func NewTap(db *store.DB) (*Tap, error) {
	g, err := gormOf(db)
	if err != nil {
		return nil, err
	}
	t := &Tap{db: db}
	cb := func(tx *gorm.DB) {
		if tx.Statement == nil || tx.Statement.SQL.Len() == 0 || tx.Statement.Context == nil {
			return
		}
		rec, ok := tx.Statement.Context.Value(recordingKey{}).(*recording)
		if !ok {
			return
		}
		st := Statement{SQL: tx.Statement.SQL.String(), Args: slices.Clone(tx.Statement.Vars)}
		rec.mu.Lock()
		rec.stmts = append(rec.stmts, st)
		rec.mu.Unlock()
	}
	c := g.Callback()
	for _, r := range []struct {
		name string
		err  error
	}{
		{"query", c.Query().After("gorm:query").Register("tongxin:bench_query", cb)},
		{"create", c.Create().After("gorm:create").Register("tongxin:bench_create", cb)},
		{"update", c.Update().After("gorm:update").Register("tongxin:bench_update", cb)},
		{"delete", c.Delete().After("gorm:delete").Register("tongxin:bench_delete", cb)},
		{"row", c.Row().After("gorm:row").Register("tongxin:bench_row", cb)},
		{"raw", c.Raw().After("gorm:raw").Register("tongxin:bench_raw", cb)},
	} {
		if r.err != nil {
			return nil, fmt.Errorf("bench: tap %s statements: %w", r.name, r.err)
		}
	}
	return t, nil
}

// Record runs fn with a context whose statements are recorded, and returns
// them in the order they ran.
func (t *Tap) Record(ctx context.Context, fn func(ctx context.Context) error) ([]Statement, error) {
	rec := &recording{}
	err := fn(context.WithValue(ctx, recordingKey{}, rec))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.stmts), err
}

// gormOf returns the *gorm.DB inside a *store.DB.
func gormOf(db *store.DB) (*gorm.DB, error) {
	if db == nil {
		return nil, errors.New("bench: no database")
	}
	f := reflect.ValueOf(db).Elem().FieldByName("gorm")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*gorm.DB]() {
		return nil, errors.New("bench: store.DB has no *gorm.DB field named gorm (update bench.gormOf)")
	}
	g := *(**gorm.DB)(unsafe.Pointer(f.UnsafeAddr()))
	if g == nil {
		return nil, errors.New("bench: store.DB is not open")
	}
	return g, nil
}
