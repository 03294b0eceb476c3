package app_test

import (
	"context"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSeedDemoAudit: the demo's audit log holds one row per review step of
// the demo projects, at the step's time and by its actor, once however often
// the demo is seeded.
func TestSeedDemoAudit(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		auth, err := service.NewAuth(db, service.AuthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for run := 0; run < 2; run++ {
			if _, err := app.SeedDemo(ctx, db, auth, testenv.Password); err != nil {
				t.Fatalf("seed %d: %v", run, err)
			}
			reviews, trail := count("SELECT count(*) FROM project_reviews"), count("SELECT count(*) FROM audit_log WHERE action LIKE 'project.%'")
			if reviews == 0 || trail != reviews {
				t.Fatalf("run %d: %d review steps, %d audit rows", run, reviews, trail)
			}
		}
		// Each row at its step's time, by its actor, about its project.
		if n := count(`SELECT count(*) FROM audit_log a JOIN project_reviews r ON a.object_id = ` + castText(db, "r.project_id") + `
			AND a.action = 'project.' || r.action AND a.created_at = r.created_at JOIN users u ON u.id = r.actor_id AND u.username = a.username`); n != count("SELECT count(*) FROM project_reviews WHERE actor_id IS NOT NULL") {
			t.Errorf("%d audit rows match their review step", n)
		}
	})
}

func castText(db *store.DB, col string) string {
	if db.Dialect() == store.Postgres {
		return col + "::text"
	}
	return "CAST(" + col + " AS TEXT)"
}
