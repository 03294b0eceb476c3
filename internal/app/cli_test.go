package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func run(t *testing.T, ctx context.Context, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = app.Main(ctx, args, &out, &errb, envOf(env))
	return code, out.String(), errb.String()
}

// TestBadConfigurationStopsStartUp: one clear line naming the key, exit code ≠ 0.
func TestBadConfigurationStopsStartUp(t *testing.T) {
	t.Chdir(t.TempDir())
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		env  map[string]string
		key  string
	}{
		{"unknown database scheme", map[string]string{"TONGXIN_DATABASE_URL": "mysql://root@localhost/x"}, "TONGXIN_DATABASE_URL"},
		{"unwritable data directory", map[string]string{"TONGXIN_DATABASE_URL": "sqlite:/proc/tongxin/x.db"}, "TONGXIN_DATABASE_URL"},
		{"bad port", map[string]string{"TONGXIN_LISTEN": "127.0.0.1:70000"}, "TONGXIN_LISTEN"},
		{"port in use", map[string]string{"TONGXIN_LISTEN": busy.Addr().String()}, "TONGXIN_LISTEN"},
		{"postgres that does not answer", map[string]string{"TONGXIN_DATABASE_URL": "postgres://nobody@127.0.0.1:1/x?connect_timeout=2", "TONGXIN_LISTEN": "127.0.0.1:0"}, "TONGXIN_DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, context.Background(), tt.env, "serve")
			if code == 0 {
				t.Fatalf("exit code 0")
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tt.key) {
				t.Errorf("last line %q does not name %s", last, tt.key)
			}
		})
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	if code, out, _ := run(t, context.Background(), nil, "--help"); code != 0 || !strings.Contains(out, "serve") {
		t.Errorf("--help: %d %q", code, out)
	}
	if code, _, errs := run(t, context.Background(), nil, "fly"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errs)
	}
	for _, cmd := range []string{"serve", "migrate", "seed", "version", "health"} {
		if code, _, errs := run(t, context.Background(), nil, cmd, "--help"); code != 0 || !strings.Contains(errs, "Usage: tongxin "+cmd) {
			t.Errorf("%s --help: %d %q", cmd, code, errs)
		}
	}
}

// TestMigrateAndSeedOnSQLite runs the commands as an operator would.
func TestMigrateAndSeedOnSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"TONGXIN_DATABASE_URL": "sqlite:" + filepath.Join(dir, "t.db")}
	if code, _, errs := run(t, context.Background(), env, "migrate", "status"); code != 0 {
		t.Fatalf("status: %s", errs)
	}
	if code, _, errs := run(t, context.Background(), env, "migrate", "up"); code != 0 {
		t.Fatalf("up: %s", errs)
	}
	code, out, errs := run(t, context.Background(), env, "migrate", "status")
	if code != 0 || !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("status after up: %d %s %s", code, out, errs)
	}
	code, out, _ = run(t, context.Background(), env, "seed", "--demo")
	if code != 0 || !strings.Contains(out, "7 created") {
		t.Fatalf("first seed: %d %q", code, out)
	}
	// The 申报材料 go into the upload directory serve reads.
	if !strings.Contains(out, "demo files: 2 attached") {
		t.Errorf("first seed attached no demo files: %q", out)
	}
	if stored, _ := filepath.Glob(filepath.Join(dir, "data", "uploads", "attachments", "*", "*")); len(stored) != 2 {
		t.Errorf("stored demo files: %v", stored)
	}
	db, err := store.Open(context.Background(), store.Options{Dialect: store.SQLite, DSN: filepath.Join(dir, "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, table := range []string{"streets", "grids", "service_sites", "units", "alliances", "memberships", "committees", "committee_members", "role_assignments"} {
		var n int
		if err := db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	db.Close()
	if counts["streets"] != 13 || counts["units"] != 20 || counts["alliances"] != 1 || counts["memberships"] != 20 || counts["committees"] != 2 || counts["role_assignments"] != 7 {
		t.Fatalf("demo map: %v", counts)
	}
	var bad []string
	for i, u := range app.DemoCreditCodes() {
		if u != nil && model.CheckCreditCode(*u) != "" {
			bad = append(bad, fmt.Sprint(i, *u))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("demo credit codes fail their check: %v", bad)
	}
	code, out, _ = run(t, context.Background(), env, "seed", "--demo")
	if code != 0 || !strings.Contains(out, "0 created") {
		t.Fatalf("second seed must change nothing: %d %q", code, out)
	}
}

// TestServeWithTheComposeEnvironment starts the binary's serve command with
// the environment deploy/compose.yaml gives the tongxin service (the database
// host pointed at the test Postgres), checks the operations endpoints, then
// stops it as docker would, with a cancelled context (SIGTERM).
func TestServeWithTheComposeEnvironment(t *testing.T) {
	b, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	env := compose.Services["tongxin"].Environment
	if env["TONGXIN_DATABASE_URL"] == "" || env["TONGXIN_LISTEN"] == "" {
		t.Fatalf("compose gives tongxin no database URL or listen address: %v", env)
	}
	// The compose URL names the host "postgres" and a password variable; keep
	// its shape (postgres scheme, sslmode) and point it at this machine's test database.
	dbURL := testenv.NewPostgresURL(t)
	cu, _ := url.Parse(strings.ReplaceAll(env["TONGXIN_DATABASE_URL"], "${POSTGRES_PASSWORD}", "x"))
	tu, _ := url.Parse(dbURL)
	cu.Host, cu.User, cu.Path = tu.Host, tu.User, tu.Path
	env["TONGXIN_DATABASE_URL"] = cu.String()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	env["TONGXIN_LISTEN"] = addr // the compose file listens on 0.0.0.0:8080; a test takes a free loopback port
	env["TONGXIN_UPLOAD_DIR"] = t.TempDir()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() { done <- app.Main(ctx, []string{"serve"}, &bytes.Buffer{}, &stderr, envOf(env)) }()
	base := "http://" + addr
	waitFor(t, base+"/healthz", done, &stderr)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/login"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", p, res.StatusCode)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after the signal")
	}
}

func waitFor(t *testing.T, u string, done chan int, stderr fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before answering: %s", code, stderr.String())
		default:
		}
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 20 s", u)
}

// TestUserCommands runs tongxin user create, list and reset-password.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"TONGXIN_DATABASE_URL": "sqlite:" + filepath.Join(dir, "u.db")}
	code, out, errs := run(t, context.Background(), env, "user", "create", "--username", "li.si", "--display-name", "李四", "--role", "district_reviewer", "--domain", "district:310104")
	if code != 0 || !strings.Contains(out, "one-time password") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	code, _, errs = run(t, context.Background(), env, "user", "create", "--username", "wang", "--display-name", "王", "--role", "alliance_chair", "--domain", "alliance:1")
	if code == 0 || !strings.Contains(errs, "轮值") {
		t.Fatalf("a derived role by hand: %d %q", code, errs)
	}
	code, _, errs = run(t, context.Background(), env, "user", "create", "--username", "X!", "--display-name", "x")
	if code == 0 || !strings.Contains(errs, "username") {
		t.Fatalf("bad username: %d %q", code, errs)
	}
	code, out, _ = run(t, context.Background(), env, "user", "list")
	if code != 0 || !strings.Contains(out, "li.si") || !strings.Contains(out, "district_reviewer@district:310104") || strings.Contains(out, "wang") {
		t.Fatalf("list: %d %q (the refused create must leave no account)", code, out)
	}
	code, out, _ = run(t, context.Background(), env, "user", "reset-password", "li.si")
	if code != 0 || !strings.Contains(out, "one-time password") {
		t.Fatalf("reset: %d %q", code, out)
	}
}
