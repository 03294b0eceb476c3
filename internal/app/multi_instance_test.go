package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// instance is one `tongxin serve` in this process: its own pool, access
// model, LISTEN watcher, import worker, periodic jobs and HTTP listener.
type instance struct {
	app  *app.App
	base string
	done chan error
}

func startInstance(t *testing.T, ctx context.Context, dsn, uploads string, jobs func(*app.App)) *instance {
	t.Helper()
	db, err := store.Open(ctx, store.Options{Dialect: store.Postgres, DSN: dsn, MaxOpenConns: 8, MaxIdleConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := testenv.Config(t)
	cfg.UploadDir = uploads // shared, as a ReadWriteMany volume is
	cfg.Security.LoginRatePerIP = 1000
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.Build(ctx, cfg, log, db)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != nil {
		jobs(a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{app: a, base: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	go func() { in.done <- a.Serve(ctx, ln) }()
	return in
}

// browser is a client whose cookies go to every instance (a load balancer
// without sticky sessions: each request may land on either).
type browser struct {
	t    *testing.T
	http *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil) // cookies are per host, not per port: both instances see them
	return &browser{t: t, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, u string, form url.Values) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

// post sends a form with the CSRF token of the cookie (double submit).
func (b *browser) post(base, path string, form url.Values) int {
	b.t.Helper()
	u, _ := url.Parse(base)
	tok := ""
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "tongxin_csrf" {
			tok = c.Value
		}
	}
	if tok == "" {
		b.do(http.MethodGet, base+"/login", nil)
		return b.post(base, path, form)
	}
	form.Set("csrf_token", tok)
	code, _ := b.do(http.MethodPost, base+path, form)
	return code
}

func (b *browser) login(base, username string) {
	b.t.Helper()
	if code := b.post(base, "/login", url.Values{"username": {username}, "password": {testenv.Password}}); code != http.StatusSeeOther {
		b.t.Fatalf("login %s on %s: %d", username, base, code)
	}
}

// TestTwoInstances runs two servers on one Postgres database with no
// sticky sessions: a session made on one works on the other, a role
// revoked on one stops working on the other within a second, and a
// periodic job runs once per interval between them.
func TestTwoInstances(t *testing.T) {
	dsn := testenv.NewPostgresURL(t) // skips on SQLite-only machines unless TONGXIN_REQUIRE_POSTGRES=1
	ctx, cancel := context.WithCancel(context.Background())
	setup, err := store.Open(ctx, store.Options{Dialect: store.Postgres, DSN: dsn, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { setup.Close() })
	testenv.CreateUser(t, setup, "multi_sec", model.RoleSecadmin, model.DomainSys)
	rev := testenv.CreateUser(t, setup, "multi_rev", model.RoleDistrictReviewer, "district:310104")
	ras, err := setup.RoleAssignmentsOfUser(ctx, rev.ID)
	if err != nil || len(ras) != 1 {
		t.Fatalf("assignments of the reviewer: %v %v", ras, err)
	}

	var runs atomic.Int32
	const every = 300 * time.Millisecond
	jobs := func(a *app.App) {
		a.Jobs.Add("test.multi", every, func(context.Context) error { runs.Add(1); return nil })
	}
	uploads := t.TempDir()
	// The jobs start with the instances: count from before the first starts.
	jobsFrom := time.Now()
	a := startInstance(t, ctx, dsn, uploads, jobs)
	b := startInstance(t, ctx, dsn, uploads, jobs)
	for _, in := range []*instance{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			if res, err := http.Get(in.base + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready", in.base)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// A session made on A works on B, and the other way round.
	reviewer := newBrowser(t)
	reviewer.login(a.base, "multi_rev")
	if code, body := reviewer.do(http.MethodGet, b.base+"/units", nil); code != http.StatusOK || !strings.Contains(body, "multi_rev") {
		t.Fatalf("the session from A on B: GET /units = %d", code)
	}
	secadmin := newBrowser(t)
	secadmin.login(b.base, "multi_sec")
	if code, _ := secadmin.do(http.MethodGet, a.base+fmt.Sprintf("/admin/users/%d", rev.ID), nil); code != http.StatusOK {
		t.Fatalf("the session from B on A: %d", code)
	}

	// Logging out on one instance ends the session on both.
	other := newBrowser(t)
	other.login(b.base, "multi_rev")
	if code := other.post(a.base, "/logout", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("logout on A: %d", code)
	}
	if code, _ := other.do(http.MethodGet, b.base+"/units", nil); code != http.StatusSeeOther {
		t.Fatalf("after logout on A, B answers %d (want 303 to the login page)", code)
	}

	// A role revoked on A stops working on B within a second.
	if code := secadmin.post(a.base, fmt.Sprintf("/admin/role-assignments/%d/revoke", ras[0].ID), url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("revoke on A: %d", code)
	}
	revoked := time.Now()
	for {
		code, _ := reviewer.do(http.MethodGet, b.base+"/units", nil)
		if code == http.StatusForbidden {
			t.Logf("B refused the revoked role after %v", time.Since(revoked).Round(time.Millisecond))
			break
		}
		if code != http.StatusOK {
			t.Fatalf("GET /units on B after the revoke: %d", code)
		}
		if time.Since(revoked) > time.Second {
			t.Fatal("B still honours the role revoked on A after a second")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _ := reviewer.do(http.MethodGet, a.base+"/units", nil); code != http.StatusForbidden {
		t.Fatalf("A honours the role it revoked: %d", code)
	}

	// The periodic job: both instances poll it, it ran once per interval.
	time.Sleep(time.Until(jobsFrom.Add(6 * every)))
	cancel()
	for _, in := range []*instance{a, b} {
		select {
		case err := <-in.done:
			if err != nil {
				t.Fatalf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("an instance did not stop")
		}
	}
	elapsed := time.Since(jobsFrom)
	n := runs.Load()
	most := int32(elapsed/every) + 1
	if n < 2 || n > most {
		t.Fatalf("the job ran %d times in %v at one per %v (two instances; want 2..%d)", n, elapsed, every, most)
	}
	jr, err := setup.JobRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range jr {
		if r.Name == "test.multi" {
			found = true
			if r.Runs != int64(n) {
				t.Errorf("job_runs says %d runs, the job counted %d", r.Runs, n)
			}
		}
	}
	if !found {
		t.Errorf("no job_runs row for test.multi: %+v", jr)
	}
}
