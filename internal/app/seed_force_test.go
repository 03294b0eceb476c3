package app_test

import (
	"context"
	"fmt"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// TestSeedScaleForceAfterDemo generates a city beside the demo map
// (seed --demo, then seed --scale --force, as docs/operations.md allows):
// the generated projects of the demo's district are numbered after the
// demo's codes, the counter goes on after the highest one, and the
// application's next code follows without a gap.
func TestSeedScaleForceAfterDemo(t *testing.T) {
	for _, dialect := range testenv.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			srv := testenv.NewServer(t, dialect)
			db := srv.DB
			if _, err := app.SeedDemo(ctx, db, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			year := db.Now().Year()
			demo := queryInt(t, db, fmt.Sprintf("SELECT count(*) FROM projects WHERE code LIKE '%d-310104-%%'", year))
			if demo == 0 {
				t.Fatal("the demo map has no coded project in 310104")
			}
			// 0.05 is the smallest scale that puts coded projects of the
			// current year in 310104 (0.01 puts none there and never
			// collided).
			if _, err := app.SeedScale(ctx, db, app.ScaleOptions{Scale: 0.05, Seed: 1, End: db.Now(), PasswordHash: scaleHash(t), Force: true}); err != nil {
				t.Fatalf("seed --scale 0.05 --force after seed --demo: %v", err)
			}
			all := queryInt(t, db, fmt.Sprintf("SELECT count(*) FROM projects WHERE code LIKE '%d-310104-%%'", year))
			if all <= demo {
				t.Fatalf("the generator added no coded project in 310104 (%d before, %d after): the test proves nothing", demo, all)
			}
			// Gap-free: the codes of the district and year are 1…n, and the
			// counter's next number is n+1.
			taken, err := db.ProjectCodesTaken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := taken[[2]int64{310104, int64(year)}]; got != all {
				t.Errorf("highest code number %d, want %d (the number of codes: no gap, no duplicate)", got, all)
			}
			next := queryInt(t, db, fmt.Sprintf("SELECT next_seq FROM project_code_counters WHERE district_id = 310104 AND year = %d", year))
			if next != all+1 {
				t.Errorf("counter next_seq = %d, want %d", next, all+1)
			}
			if n := queryInt(t, db, "SELECT count(*) FROM (SELECT code FROM projects WHERE code IS NOT NULL GROUP BY code HAVING count(*) > 1) d"); n != 0 {
				t.Errorf("%d duplicate project codes", n)
			}
		})
	}
}
