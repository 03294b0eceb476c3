package app_test

import (
	"context"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSeedDemoProjects: the demo alliance gets a project in every state of
// the lifecycle, with codes from the counter, review trails, updates and a
// selected case, among them 化工一村 148 号楼加装电梯; the needs follow their
// projects; a second seed changes nothing.
func TestSeedDemoProjects(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.SetClock(testenv.FixedClock(testenv.Now(t, testenv.Midyear))) // both seeds on one day
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
			if n := count("SELECT count(*) FROM projects"); n != 8 {
				t.Fatalf("run %d: %d projects", run, n)
			}
		}
		for q, want := range map[string]int{
			"SELECT count(DISTINCT status) FROM projects":                                                                       len(model.ProjectStatuses),
			"SELECT count(*) FROM projects WHERE title = '化工一村 148 号楼加装电梯' AND status = 'in_progress'":                          1,
			"SELECT count(*) FROM projects WHERE code IS NOT NULL":                                                              6,
			"SELECT count(DISTINCT code) FROM projects WHERE code IS NOT NULL":                                                  6,
			"SELECT count(*) FROM cases WHERE status = 'selected' AND level = 'best'":                                           1,
			"SELECT count(*) FROM projects p JOIN dictionary_items d ON d.kind = 'need_category' AND d.code = p.category":       8,
			"SELECT count(*) FROM project_funding f JOIN dictionary_items d ON d.kind = 'funding_source' AND d.code = f.source": 9,
			// Every lead is a member of the alliance.
			"SELECT count(*) FROM projects p JOIN memberships m ON m.unit_id = p.lead_unit_id AND m.alliance_id = p.alliance_id": 8,
			// The needs of approved projects are in project, those of finished ones fulfilled.
			"SELECT count(*) FROM needs n JOIN project_needs pn ON pn.need_id = n.id JOIN projects p ON p.id = pn.project_id WHERE p.status IN ('completed', 'evaluated') AND n.status <> 'fulfilled'":   0,
			"SELECT count(*) FROM needs n JOIN project_needs pn ON pn.need_id = n.id JOIN projects p ON p.id = pn.project_id WHERE p.status IN ('approved', 'in_progress') AND n.status <> 'in_project'": 0,
			// A returned project shows its reason and the review that gave it.
			"SELECT count(*) FROM projects p JOIN project_reviews r ON r.project_id = p.id AND r.action = 'return' WHERE p.status = 'returned' AND p.return_reason <> ''": 1,
			"SELECT count(*) FROM project_reviews WHERE actor_id IS NULL": 0,
		} {
			if n := count(q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		if n := count("SELECT count(*) FROM needs WHERE status = 'in_project'"); n != 1 {
			t.Errorf("%d needs in project, want 1 (青少年暑期托管班)", n)
		}
		if n := count("SELECT count(*) FROM project_updates"); n < 5 {
			t.Errorf("%d progress updates", n)
		}
		// The demo unit contact (第八人民医院) leads projects of their own.
		if n := count("SELECT count(*) FROM projects p JOIN units u ON u.id = p.lead_unit_id WHERE u.name = '上海市第八人民医院'"); n < 2 {
			t.Errorf("projects of the demo contact's unit: %d", n)
		}
	})
}
