package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Options configure a run.
type Options struct {
	// Binary is the tongxin binary the children run (seed, token, serve).
	Binary string
	// Dialects to run: store.SQLite, store.Postgres (skipped with a note
	// when it does not answer).
	Dialects []string
	Scale    float64
	// Duration is each page's fixed-rate series; Step each rate of a
	// rising series.
	Duration, Step time.Duration
	// PageRate is the fixed rate of the page series (requests/s).
	PageRate int
	// Rates and MixedRates are the rising series.
	Rates, MixedRates []int
	// PostgresURL reaches the server as a user who may create databases.
	PostgresURL string
	// OutDir receives <date>-<db>.json and .md ("" writes nothing).
	OutDir string
	// Note is printed above the tables (e.g. that the machine was busy).
	Note    string
	Version string
	// KeepDB keeps the generated database (and prints where it is).
	KeepDB bool
	Stdout io.Writer
	// Log receives progress lines.
	Log io.Writer
	// NewProbe builds an in-process server over the same database (app
	// wires it; this package may not import web).
	NewProbe func(ctx context.Context, databaseURL string) (*Probe, error)
	// ImportFile writes a spreadsheet of rows to import into dir and says
	// how to import it: the kind, the arguments of the tongxin command
	// that imports it, and the table its rows land in (nil: no import).
	ImportFile func(dir string) (ImportJob, error)
}

// ImportJob is an import the benchmark times.
type ImportJob struct {
	Kind  string
	Args  []string // e.g. import units FILE --district 310104
	Table string   // counted before and after
	Rows  int      // rows in the file
}

// Probe is an in-process instance of the server over the benchmark's
// database: the page is run once through it to record its statements (Tap)
// and count its casbin checks (Authz).
type Probe struct {
	Handler http.Handler
	Tap     *Tap
	Authz   *authz.Authorizer
	DB      *store.DB
	Close   func()
}

// Run benchmarks each dialect in turn and returns the results.
func Run(ctx context.Context, o Options) ([]*Result, error) {
	var out []*Result
	for _, d := range o.Dialects {
		r, err := runDialect(ctx, o, d)
		if err != nil {
			if errors.Is(err, errSkip) {
				o.logf("%s: skipped: %v", d, err)
				continue
			}
			return out, fmt.Errorf("%s: %w", d, err)
		}
		out = append(out, r)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

var errSkip = errors.New("not available")

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "bench: "+format+"\n", args...)
	}
}

// run is the state of one dialect's run.
type run struct {
	o       Options
	r       *Result
	dialect string
	dbURL   string
	tmp     string
	server  *exec.Cmd
	base    string
	probe   *Probe
	users   map[string]*user // by role
	pwd     string
}

// user is a logged-in account of the generated city.
type user struct {
	Login
	id     int64
	header http.Header // the session cookie (pages)
	bearer http.Header // a personal API token (API writes)
	client *http.Client
}

func runDialect(ctx context.Context, o Options, dialect string) (_ *Result, err error) {
	rn := &run{o: o, dialect: dialect, users: map[string]*user{}}
	rn.r = &Result{Date: time.Now().UTC().Format("2006-01-02"), Dialect: dialect, Scale: o.Scale, Version: o.Version,
		Machine: ReadMachine(), Duration: o.Duration.String(), Step: o.Step.String(), PageRate: o.PageRate, Note: o.Note,
		Timings: map[string]float64{}}
	if rn.tmp, err = os.MkdirTemp("", "tongxin-bench-"); err != nil {
		return nil, err
	}
	defer rn.cleanup()
	phase := func(name string, fn func() error) error {
		t := time.Now()
		o.logf("%s: %s…", dialect, name)
		err := fn()
		rn.r.Timings[name] = round(time.Since(t).Seconds(), 1)
		return err
	}
	for _, p := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"database", rn.createDatabase},
		{"seed", rn.seed},
		{"probe", rn.startProbe},
		{"grants", rn.cityReader},
		{"serve", rn.serve},
		{"login", rn.login},
		// The exports come first, while the server's memory is that of a
		// fresh process: its peak is then the export's.
		{"exports", rn.exports},
		{"pages", rn.pages},
		{"throughput", rn.throughput},
		{"mixed", rn.mixed},
		{"import", rn.importRows},
		{"casbin", rn.casbin},
		{"plans", rn.plans},
	} {
		if err := phase(p.name, func() error { return p.fn(ctx) }); err != nil {
			if errors.Is(err, errSkip) || slices.Contains([]string{"database", "seed", "probe", "grants", "serve", "login"}, p.name) {
				return nil, err
			}
			rn.problem("%s: %v", p.name, err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	rn.r.Mark()
	if err := rn.write(); err != nil {
		return rn.r, err
	}
	return rn.r, nil
}

func (rn *run) problem(format string, args ...any) {
	msg := mdCell(fmt.Sprintf(format, args...))
	rn.r.Problems = append(rn.r.Problems, msg)
	rn.o.logf("%s: problem: %s", rn.dialect, msg)
}

// createDatabase makes a fresh database: a file in a temporary folder on
// SQLite; on Postgres a new database with a UTF-8 ctype (for pg_trgm on
// Chinese text), dropped at the end.
func (rn *run) createDatabase(ctx context.Context) error {
	if rn.dialect == store.SQLite {
		rn.dbURL = "sqlite:" + filepath.Join(rn.tmp, "bench.db")
		return nil
	}
	admin, err := sql.Open("pgx", rn.o.PostgresURL)
	if err != nil {
		return fmt.Errorf("%w: %v", errSkip, err)
	}
	defer admin.Close()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := admin.PingContext(pctx); err != nil {
		return fmt.Errorf("%w: Postgres does not answer at %s: %v", errSkip, redactURL(rn.o.PostgresURL), err)
	}
	var version string
	if err := admin.QueryRowContext(ctx, "SHOW server_version").Scan(&version); err == nil {
		rn.r.DBVersion = strings.Fields(version)[0]
	}
	name := fmt.Sprintf("tongxin_bench_%d_%d", time.Now().Unix(), os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"); err != nil {
		return err
	}
	u, err := url.Parse(rn.o.PostgresURL)
	if err != nil {
		return err
	}
	u.Path = "/" + name
	rn.dbURL = u.String()
	return nil
}

func (rn *run) dropDatabase() {
	if rn.dialect != store.Postgres || rn.dbURL == "" {
		return
	}
	u, _ := url.Parse(rn.dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	if rn.o.KeepDB {
		rn.o.logf("%s: kept database %s", rn.dialect, name)
		return
	}
	admin, err := sql.Open("pgx", rn.o.PostgresURL)
	if err != nil {
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		rn.o.logf("%s: drop database %s: %v", rn.dialect, name, err)
	}
}

func (rn *run) cleanup() {
	if rn.probe != nil && rn.probe.Close != nil {
		rn.probe.Close()
	}
	rn.stopServer()
	rn.dropDatabase()
	if rn.o.KeepDB && rn.dialect == store.SQLite {
		rn.o.logf("%s: kept %s", rn.dialect, rn.tmp)
		return
	}
	os.RemoveAll(rn.tmp)
}

// env is the children's environment: ours, the database, quiet logs.
func (rn *run) env(extra ...string) []string {
	env := append(os.Environ(), "TONGXIN_DATABASE_URL="+rn.dbURL, "TONGXIN_LOG_LEVEL=warn", "TONGXIN_LOG_FORMAT=text",
		"TONGXIN_UPLOAD_DIR="+filepath.Join(rn.tmp, "uploads"))
	return append(env, extra...)
}

// child runs a tongxin subcommand to its end and returns its stdout.
func (rn *run) child(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, rn.o.Binary, args...)
	cmd.Env = rn.env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("tongxin %s: %v: %s", strings.Join(args, " "), err, lastLines(stderr.String(), 5))
	}
	return stdout.String(), nil
}

// seed generates the city with `tongxin seed --scale N` and reads the
// accounts it prints.
func (rn *run) seed(ctx context.Context) error {
	t := time.Now()
	out, err := rn.child(ctx, "seed", "--scale", strconv.FormatFloat(rn.o.Scale, 'f', -1, 64))
	if err != nil {
		return err
	}
	rn.r.Seed.Seconds = round(time.Since(t).Seconds(), 1)
	pwd, logins := ParseLogins(out)
	if pwd == "" || len(logins) == 0 {
		return fmt.Errorf("the generator printed no accounts:\n%s", lastLines(out, 10))
	}
	rn.pwd = pwd
	for _, l := range logins {
		if rn.users[l.Role] == nil {
			rn.users[l.Role] = &user{Login: l}
		}
	}
	for _, role := range []string{model.RoleDistrictReviewer, model.RoleAllianceSecretary, model.RoleUnitContact} {
		u := rn.users[role]
		if u == nil {
			return fmt.Errorf("the generator printed no %s account", role)
		}
		rn.r.Seed.Logins = append(rn.r.Seed.Logins, u.Login)
	}
	return nil
}

// ParseLogins reads the accounts `tongxin seed --scale` prints after
// "log in as (password P):", one "  username role domain" a line.
func ParseLogins(out string) (password string, logins []Login) {
	sc := bufio.NewScanner(strings.NewReader(out))
	in := false
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "log in as (password "); ok {
			password, _, _ = strings.Cut(rest, "):")
			in = true
			continue
		}
		if !in {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || !strings.HasPrefix(line, " ") {
			in = false
			continue
		}
		logins = append(logins, Login{Username: f[0], Role: f[1], Domain: f[2]})
	}
	return password, logins
}

// startProbe builds the in-process server over the generated database.
// On Postgres it first vacuums the freshly loaded tables, as autovacuum
// soon would: the generator only ANALYZEs, and GIN indexes filled by COPY
// keep their entries in a pending list that makes the planner shun them
// (the project search: a sequential scan of 5 ms, 0.2 ms after VACUUM).
func (rn *run) startProbe(ctx context.Context) (err error) {
	rn.probe, err = rn.o.NewProbe(ctx, rn.dbURL)
	if err != nil || rn.dialect != store.Postgres {
		return err
	}
	_, err = rn.probe.DB.SQL().ExecContext(ctx, "VACUUM (ANALYZE)")
	return err
}

// cityReader makes a reader of the whole city's projects, for the deep
// page and the exports (no generated role reads every district): the
// second reviewer of the reviewer's district is given the reviewer role in
// every other district too, by the security administrator, through the
// roles service, before the server starts (so it loads them).
func (rn *run) cityReader(ctx context.Context) error {
	rev := rn.users[model.RoleDistrictReviewer]
	_, district, err := model.ParseDomain(rev.Domain)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("d%d.reviewer2", district)
	u, err := rn.probe.DB.UserByUsername(ctx, name)
	if err != nil {
		return fmt.Errorf("the city reader %s: %w", name, err)
	}
	sec, err := rn.probe.DB.UserByUsername(ctx, "sys.secadmin")
	if err != nil {
		return fmt.Errorf("the security administrator: %w", err)
	}
	districts, err := rn.probe.DB.Districts(ctx)
	if err != nil {
		return err
	}
	roles := service.NewRoles(service.Deps{DB: rn.probe.DB, Authz: rn.probe.Authz})
	actor := model.Actor{UserID: sec.ID, Username: sec.Username, RequestID: "bench"}
	for _, d := range districts {
		if d.ID == district {
			continue
		}
		g := service.Grant{UserID: u.ID, Role: model.RoleDistrictReviewer, Domain: model.DomainOf(model.DomainDistrict, d.ID)}
		if _, err := roles.Create(ctx, actor, g); err != nil {
			return fmt.Errorf("grant %s %s: %w", name, g.Domain, err)
		}
	}
	if err := rn.probe.Authz.Reload(ctx); err != nil {
		return err
	}
	rn.users[roleCity] = &user{Login: Login{Username: name, Role: model.RoleDistrictReviewer, Domain: "district:* (every district)"}}
	rn.r.Seed.Logins = append(rn.r.Seed.Logins, rn.users[roleCity].Login)
	return nil
}

// roleCity keys the city reader among the users.
const roleCity = "city"

// serve starts `tongxin serve` on a free port of 127.0.0.1 and waits until
// it is ready.
func (rn *run) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	rn.base = "http://" + addr
	logf, err := os.Create(filepath.Join(rn.tmp, "serve.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(rn.o.Binary, "serve")
	cmd.Env = rn.env("TONGXIN_LISTEN="+addr, "TONGXIN_BASE_URL="+rn.base, "TONGXIN_SECURITY_LOGIN_RATE_PER_IP=600")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	rn.server = cmd
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := http.Get(rn.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	log, _ := os.ReadFile(logf.Name())
	return fmt.Errorf("the server did not get ready: %s", lastLines(string(log), 10))
}

func (rn *run) stopServer() {
	if rn.server == nil || rn.server.Process == nil {
		return
	}
	_ = rn.server.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = rn.server.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = rn.server.Process.Kill()
		<-done
	}
	rn.server = nil
}

// login signs each account in (session cookie) and gives the secretary and
// the unit contact a personal API token for the API writes.
func (rn *run) login(ctx context.Context) error {
	for _, role := range []string{model.RoleDistrictReviewer, model.RoleAllianceSecretary, model.RoleUnitContact, roleCity} {
		u := rn.users[role]
		if err := rn.signIn(ctx, u); err != nil {
			return fmt.Errorf("log in as %s: %w", u.Username, err)
		}
		dbu, err := rn.probe.DB.UserByUsername(ctx, u.Username)
		if err != nil {
			return err
		}
		u.id = dbu.ID
	}
	for _, role := range []string{model.RoleAllianceSecretary, model.RoleUnitContact} {
		u := rn.users[role]
		out, err := rn.child(ctx, "token", "create", "--user", u.Username, "--name", "bench", "--expires", "1d")
		if err != nil {
			return err
		}
		tok := strings.TrimSpace(out)
		if tok == "" {
			return fmt.Errorf("no token printed for %s", u.Username)
		}
		u.bearer = http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept": {"application/json"}}
	}
	return nil
}

func (rn *run) signIn(ctx context.Context, u *user) error {
	jar, _ := cookiejar.New(nil)
	u.client = &http.Client{Jar: jar, Timeout: 5 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	if _, _, err := rn.get(ctx, u.client, nil, "/login"); err != nil {
		return err
	}
	base, _ := url.Parse(rn.base)
	csrf := ""
	for _, c := range jar.Cookies(base) {
		if c.Name == "tongxin_csrf" {
			csrf = c.Value
		}
	}
	form := url.Values{"username": {u.Username}, "password": {rn.pwd}, "csrf_token": {csrf}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, rn.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := u.client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("POST /login answered %d: %.200s", res.StatusCode, body)
	}
	var cookies []string
	for _, c := range jar.Cookies(base) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	u.header = http.Header{"Cookie": {strings.Join(cookies, "; ")}}
	// A first page proves the session works (no password change asked).
	if code, body, err := rn.get(ctx, u.client, nil, "/"); err != nil || code != http.StatusOK {
		return fmt.Errorf("GET / after login: %d %v %.200s", code, err, body)
	}
	return nil
}

// get fetches a path with a client (its cookies) and extra headers.
func (rn *run) get(ctx context.Context, c *http.Client, h http.Header, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rn.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// apiList fetches a page of an API list as u.
func (rn *run) apiList(ctx context.Context, u *user, path string) (ListPage, error) {
	code, body, err := rn.get(ctx, u.client, http.Header{"Accept": {"application/json"}}, path)
	if err != nil {
		return ListPage{}, err
	}
	if code != http.StatusOK {
		return ListPage{}, fmt.Errorf("GET %s answered %d: %.200s", path, code, body)
	}
	return ParseListPage(body)
}

// inProcess runs path once through the probe and returns the
// statements it ran and the casbin checks it made. h carries the session.
//
// The checks are the Enforce calls of a second run: the authorizer caches
// its decisions until the next policy or assignment change, so a user's
// first request after a change pays them all (the first run here) and the
// following ones only what they have not asked before.
func (rn *run) inProcess(ctx context.Context, path string, h http.Header) ([]Statement, int64, error) {
	var code int
	var body string
	warm := httptest.NewRequestWithContext(ctx, http.MethodGet, rn.base+path, nil)
	for k, v := range h {
		warm.Header[k] = v
	}
	rn.probe.Handler.ServeHTTP(httptest.NewRecorder(), warm)
	before := rn.probe.Authz.Checks()
	stmts, err := rn.probe.Tap.Record(ctx, func(ctx context.Context) error {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, rn.base+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		rn.probe.Handler.ServeHTTP(rec, req)
		code, body = rec.Code, rec.Body.String()
		return nil
	})
	checks := rn.probe.Authz.Checks() - before
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("in-process GET %s answered %d: %.200s", path, code, body)
	}
	return stmts, checks, err
}

// lastLines returns the last n lines of s, on one line.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	return u.Redacted()
}

// write saves <date>-<db>.json and .md in OutDir and prints the Markdown.
func (rn *run) write() error {
	var md bytes.Buffer
	rn.r.Markdown(&md)
	if rn.o.Stdout != nil {
		rn.o.Stdout.Write(md.Bytes())
	}
	if rn.o.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(rn.o.OutDir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(rn.o.OutDir, rn.r.Date+"-"+rn.dialect)
	if rn.o.Scale != 1 {
		name += "-scale" + strconv.FormatFloat(rn.o.Scale, 'f', -1, 64)
	}
	js, err := json.MarshalIndent(rn.r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(name+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(name+".md", md.Bytes(), 0o644); err != nil {
		return err
	}
	rn.o.logf("%s: wrote %s.json and .md", rn.dialect, name)
	return nil
}
