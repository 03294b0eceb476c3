package testenv

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"tongxin/internal/config"
	"tongxin/internal/store"
)

// The query guard counts the SQL statements a request runs, so that a test
// can prove a page runs as many statements at 100 rows as at 10 (no N+1).
//
//	srv := testenv.NewGuardedServer(t, dialect)
//	c := srv.Client(t); c.Login(…)
//	n10 := testenv.StatementsPerRequest(t, c, "/units?limit=100")
//	… add 90 rows …
//	n100 := testenv.StatementsPerRequest(t, c, "/units?limit=100")
//
// Statements are those GORM runs with a request's context (an HTTP
// server's context carries the connection's local address); background
// work — the import worker, the access-model watcher, periodic jobs — is
// not counted. One guarded request runs at a time per server.

// StatementCounter records the statements run on behalf of HTTP requests
// while it is recording.
type StatementCounter struct {
	mu        sync.Mutex
	recording bool
	stmts     []string
}

func (c *StatementCounter) observe(ctx context.Context, sql string) {
	if ctx.Value(http.LocalAddrContextKey) == nil {
		return // not a request: a worker, a watcher, the test itself
	}
	c.mu.Lock()
	if c.recording {
		c.stmts = append(c.stmts, sql)
	}
	c.mu.Unlock()
}

// Record runs fn and returns the statements requests ran meanwhile.
func (c *StatementCounter) Record(fn func()) []string {
	c.mu.Lock()
	c.recording, c.stmts = true, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recording = false
	return append([]string(nil), c.stmts...)
}

// guards maps a guarded server's base URL to its counter.
var guards sync.Map // string → *StatementCounter

// CountStatements installs a statement counter on db. Call it before the
// server over db is built (callbacks must not be added while others run).
func CountStatements(t testing.TB, db *store.DB) *StatementCounter {
	t.Helper()
	c := &StatementCounter{}
	if err := db.OnStatement(c.observe); err != nil {
		t.Fatal(err)
	}
	return c
}

// NewGuardedServer is NewServer with a statement counter, for
// StatementsPerRequest.
func NewGuardedServer(t testing.TB, dialect string, mutate ...func(*config.Config)) *Server {
	t.Helper()
	db := NewDB(t, dialect)
	c := CountStatements(t, db)
	s := ServeDB(t, db, mutate...)
	guards.Store(s.URL, c)
	t.Cleanup(func() { guards.Delete(s.URL) })
	return s
}

// RequestStatements GETs path with the client and returns the answer and
// the SQL statements the server ran for it. The server must come from
// NewGuardedServer.
func RequestStatements(t testing.TB, c *Client, path string) (*Response, []string) {
	t.Helper()
	v, ok := guards.Load(c.base)
	if !ok {
		t.Fatalf("testenv: %s is not a guarded server (use NewGuardedServer)", c.base)
	}
	var res *Response
	stmts := v.(*StatementCounter).Record(func() { res = c.Get(path) })
	return res, stmts
}

// StatementsPerRequest GETs path (which must answer 200) and returns how
// many SQL statements the server ran for it.
func StatementsPerRequest(t testing.TB, c *Client, path string) int {
	t.Helper()
	res, stmts := RequestStatements(t, c, path)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200: %.300s", path, res.Status, res.Body)
	}
	return len(stmts)
}

// SameStatements checks that path runs as many statements after grow()
// (which adds rows the page shows) as before, and reports the statements of
// both runs when they differ. A first, uncounted request fills the server's
// caches (dictionary labels). It returns the count.
func SameStatements(t testing.TB, c *Client, path string, grow func()) int {
	t.Helper()
	c.Get(path)
	res1, before := RequestStatements(t, c, path)
	if res1.Status != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200: %.300s", path, res1.Status, res1.Body)
	}
	grow()
	res2, after := RequestStatements(t, c, path)
	if res2.Status != http.StatusOK {
		t.Fatalf("GET %s after adding rows = %d, want 200: %.300s", path, res2.Status, res2.Body)
	}
	if len(before) != len(after) {
		t.Errorf("GET %s ran %d statements, and %d after adding rows (N+1?)\nbefore:\n  %s\nafter:\n  %s", path, len(before), len(after),
			strings.Join(before, "\n  "), strings.Join(after, "\n  "))
	}
	if len(before) == 0 {
		t.Errorf("GET %s ran no statement: is the counter installed?", path)
	}
	return len(before)
}
