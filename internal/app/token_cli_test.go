package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestTokenCreateCommand: the token alone on stdout, usable at once; every
// refusal on stderr with a non-zero exit code and nothing on stdout.
func TestTokenCreateCommand(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Chdir(t.TempDir()) // no configs/tongxin.yaml from the working directory
			db := testenv.NewDB(t, d)
			dbURL := db.DSN()
			if d == store.SQLite {
				dbURL = "sqlite:" + dbURL
			}
			env := map[string]string{"TONGXIN_DATABASE_URL": dbURL, "TONGXIN_UPLOAD_DIR": t.TempDir()}
			ctx := context.Background()
			etl := testenv.CreateUser(t, db, "etl", "", "")
			off := testenv.CreateUser(t, db, "gone", "", "")
			if err := db.SetUserStatus(ctx, off.ID, model.UserDisabled); err != nil {
				t.Fatal(err)
			}

			code, stdout, stderr := run(t, ctx, env, "token", "create", "--user", "ETL", "--name", "nightly sync")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			secret := strings.TrimSuffix(stdout, "\n")
			if stdout != secret+"\n" || !model.LooksLikeToken(secret) {
				t.Fatalf("stdout %q, want the token and a newline only", stdout)
			}
			l, err := db.ListAPITokens(ctx, store.APITokenFilter{UserID: etl.ID}, model.PageRequest{})
			if err != nil || len(l.Items) != 1 {
				t.Fatalf("tokens of etl: %v %v", l.Items, err)
			}
			tok := l.Items[0]
			if tok.Name != "nightly sync" || tok.ExpiresAt == nil || tok.ExpiresAt.Sub(time.Now().Add(90*24*time.Hour)).Abs() > time.Hour {
				t.Errorf("token %+v: want its name and the 90-day default expiry", tok)
			}

			srv := testenv.ServeDB(t, db)
			c := srv.Client(t)
			c.Header.Set("Authorization", "Bearer "+secret)
			res := c.Get("/api/v1/me")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `"username":"etl"`) {
				t.Fatalf("GET /api/v1/me with the CLI's token: %d %s", res.Status, res.Body)
			}

			code, stdout, stderr = run(t, ctx, env, "token", "create", "--user", "etl", "--expires", "0")
			if code != 0 || !model.LooksLikeToken(strings.TrimSpace(stdout)) {
				t.Fatalf("--expires 0: %d %q %s", code, stdout, stderr)
			}
			code, _, stderr = run(t, ctx, env, "token", "create", "--user", "etl", "--expires", "720h")
			if code != 0 {
				t.Fatalf("--expires 720h: %d %s", code, stderr)
			}
			l, _ = db.ListAPITokens(ctx, store.APITokenFilter{UserID: etl.ID}, model.PageRequest{Sort: "id"})
			if len(l.Items) != 3 || l.Items[1].ExpiresAt != nil || l.Items[2].ExpiresAt == nil ||
				l.Items[2].ExpiresAt.Sub(time.Now().Add(30*24*time.Hour)).Abs() > time.Hour || l.Items[1].Name != "cli" {
				t.Errorf("tokens after --expires 0 and 720h: %+v", l.Items)
			}

			for _, tt := range []struct {
				name, say string
				args      []string
			}{
				{"unknown user", "nobody", []string{"--user", "nobody"}},
				{"disabled user", "not active", []string{"--user", "gone"}},
				{"bad duration", "--expires", []string{"--user", "etl", "--expires", "90 days"}},
				{"negative duration", "--expires", []string{"--user", "etl", "--expires", "-1d"}},
				{"too long", "--expires", []string{"--user", "etl", "--expires", "3651d"}},
				{"no user", "--user", nil},
				{"empty name", "name", []string{"--user", "etl", "--name", " "}},
				{"stray argument", "unexpected", []string{"--user", "etl", "extra"}},
			} {
				code, stdout, stderr := run(t, ctx, env, append([]string{"token", "create"}, tt.args...)...)
				if code == 0 || stdout != "" || !strings.Contains(stderr, tt.say) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q (want ≠ 0, nothing, a line saying %q)", tt.name, code, stdout, stderr, tt.say)
				}
			}
			if n, _ := db.ListAPITokens(ctx, store.APITokenFilter{UserID: off.ID}, model.PageRequest{}); n.Total != 0 {
				t.Errorf("the disabled user got a token")
			}
			if code, _, stderr := run(t, ctx, env, "token", "create", "--help"); code != 0 || !strings.Contains(stderr, "Usage: tongxin token create") {
				t.Errorf("--help: %d %q", code, stderr)
			}
			if code, _, _ := run(t, ctx, env, "token", "list"); code != 2 {
				t.Errorf("unknown subcommand: exit %d, want 2", code)
			}
			if code, _, _ := run(t, ctx, env, "token"); code != 2 {
				t.Errorf("no subcommand: exit %d, want 2", code)
			}
		})
	}
}
