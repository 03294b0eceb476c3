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

// TestSeedDemoLists: the demo alliance gets a dozen needs and ten
// resources in varied statuses and visibilities, valid for the forms'
// rules (dictionary codes, places of the district), once: a second seed
// changes nothing.
func TestSeedDemoLists(t *testing.T) {
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
			if n, r := count("SELECT count(*) FROM needs"), count("SELECT count(*) FROM resources"); n != 12 || r != 10 {
				t.Fatalf("run %d: %d needs, %d resources", run, n, r)
			}
		}
		for q, min := range map[string]int{
			"SELECT count(DISTINCT status) FROM needs":                                            4,
			"SELECT count(DISTINCT visibility) FROM needs":                                        3,
			"SELECT count(DISTINCT status) FROM resources":                                        4,
			"SELECT count(DISTINCT visibility) FROM resources":                                    3,
			"SELECT count(*) FROM resources WHERE kind = 'venue' AND service_site_id IS NOT NULL": 2,
			// Every code is a dictionary code of its kind.
			"SELECT count(*) FROM needs n JOIN dictionary_items d ON d.kind = 'need_category' AND d.code = n.category":             12,
			"SELECT count(*) FROM needs n JOIN dictionary_items d ON d.kind = 'measure' AND d.code = n.measure":                    12,
			"SELECT count(*) FROM resources r JOIN dictionary_items d ON d.kind = 'resource_kind' AND d.code = r.kind":             10,
			"SELECT count(*) FROM resources r JOIN dictionary_items d ON d.kind = 'measure' AND d.code = r.measure":                10,
			"SELECT count(*) FROM needs n JOIN memberships m ON m.unit_id = n.submitter_unit_id AND m.alliance_id = n.alliance_id": 12,
		} {
			if n := count(q); n < min {
				t.Errorf("%s: %d, want at least %d", q, n, min)
			}
		}
		// The demo unit contact (第八人民医院) has needs and resources of their own.
		if n := count("SELECT count(*) FROM needs n JOIN units u ON u.id = n.submitter_unit_id WHERE u.name = '上海市第八人民医院'"); n < 2 {
			t.Errorf("needs of the demo contact's unit: %d", n)
		}
		// The search finds them (on SQLite the FTS table follows the seed).
		l, err := db.ListNeeds(ctx, store.NeedFilter{Query: "加装电梯", Viewer: store.ListViewer{Own: model.Scope{All: true}}}, model.PageRequest{})
		if err != nil || l.Total != 1 {
			t.Errorf("search 加装电梯: %d %v", l.Total, err)
		}
	})
}
