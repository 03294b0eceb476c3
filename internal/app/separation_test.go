package app_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestUserCommandsBreakGlass: `tongxin user` is the operator's break-glass
// path (it runs with the server's own rights): it may reset one of the three
// administrators, but the reset is audited as the command line's and the
// account is told; it may not give an administrator a second role, on both
// databases.
func TestUserCommandsBreakGlass(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			file := filepath.Join(dir, "u.db")
			dsn, opts := "sqlite:"+file, store.Options{Dialect: store.SQLite, DSN: file}
			if d == store.Postgres {
				dsn = testenv.NewPostgresURL(t)
				opts = store.Options{Dialect: store.Postgres, DSN: dsn}
			}
			env := map[string]string{"TONGXIN_DATABASE_URL": dsn}
			ctx := context.Background()
			code, out, errs := run(t, ctx, env, "user", "create", "--username", "aud", "--display-name", "审计", "--role", "auditor", "--domain", "sys")
			if code != 0 || !strings.Contains(out, "one-time password") {
				t.Fatalf("create: %d %q %q", code, out, errs)
			}
			code, out, errs = run(t, ctx, env, "user", "reset-password", "aud")
			if code != 0 || !strings.Contains(out, "one-time password") {
				t.Fatalf("reset: %d %q %q", code, out, errs)
			}
			db, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			u, err := db.UserByUsername(ctx, "aud")
			if err != nil {
				t.Fatal(err)
			}
			var n int
			q := "SELECT count(*) FROM audit_log WHERE action = 'user.password_reset' AND username = 'cli' AND object_id = '" + itoa(u.ID) + "'"
			if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil || n != 1 {
				t.Errorf("audit rows of the break-glass reset: %d %v", n, err)
			}
			q = "SELECT count(*) FROM notifications WHERE kind = 'password_reset' AND user_id = " + itoa(u.ID)
			if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil || n != 1 {
				t.Errorf("notifications of the break-glass reset: %d %v", n, err)
			}
		})
	}
}

// TestSeedKeepsSeparationOfDuties: the demo data holds the three
// administrators to the rules the service enforces: none of them holds any
// other role.
func TestSeedKeepsSeparationOfDuties(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		auth, err := service.NewAuth(db, service.AuthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.SeedDemo(ctx, db, auth, testenv.Password); err != nil {
			t.Fatal(err)
		}
		admins := 0
		l, err := db.ListUsers(ctx, store.UserFilter{}, model.PageRequest{Limit: model.MaxPageSize, Sort: "id"})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range l.Items {
			ras, err := db.OpenRoleAssignments(ctx, u.ID, db.Now())
			if err != nil {
				t.Fatal(err)
			}
			admin, other := false, false
			for _, ra := range ras {
				if model.IsThreeAdmin(ra.Role) {
					admin = true
				} else {
					other = true
				}
			}
			if admin {
				admins++
				if other || len(ras) != 1 {
					t.Errorf("%s holds %d assignments with one of the three administrators", u.Username, len(ras))
				}
			}
		}
		if admins < 3 {
			t.Errorf("the demo has %d administrators, want the three", admins)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
