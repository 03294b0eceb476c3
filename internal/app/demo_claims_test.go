package app_test

import (
	"context"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSeedDemoClaims: the demo alliance's needs and resources get claims in
// every state, once; accepted quantities match the accepted claims; the
// demo accounts find messages in their inbox and claims to decide.
func TestSeedDemoClaims(t *testing.T) {
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
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		for run := 0; run < 2; run++ {
			if _, err := app.SeedDemo(ctx, db, auth, testenv.Password); err != nil {
				t.Fatalf("seed %d: %v", run, err)
			}
			if n := count("SELECT count(*) FROM claims"); n != 9 {
				t.Fatalf("run %d: %d claims", run, n)
			}
		}
		if n := count("SELECT count(DISTINCT status) FROM claims"); n != 4 {
			t.Errorf("claim statuses: %d", n)
		}
		// Each target's accepted quantity is the sum of its accepted claims.
		for _, q := range []string{
			"SELECT count(*) FROM needs n WHERE n.accepted_quantity <> (SELECT COALESCE(sum(c.quantity), 0) FROM claims c WHERE c.target = 'need' AND c.need_id = n.id AND c.status = 'accepted')",
			"SELECT count(*) FROM resources r WHERE r.accepted_quantity <> (SELECT COALESCE(sum(c.quantity), 0) FROM claims c WHERE c.target = 'resource' AND c.resource_id = r.id AND c.status = 'accepted')",
			// No unit claims its own.
			"SELECT count(*) FROM claims c JOIN needs n ON c.target = 'need' AND n.id = c.need_id WHERE n.submitter_unit_id = c.claimant_unit_id",
			"SELECT count(*) FROM claims c JOIN resources r ON c.target = 'resource' AND r.id = c.resource_id WHERE r.provider_unit_id = c.claimant_unit_id",
			// No pending claim that could no longer be accepted (its target
			// used up, too small for it, or no longer open).
			`SELECT count(*) FROM claims c JOIN needs n ON c.target = 'need' AND n.id = c.need_id WHERE c.status = 'pending'
				AND (c.quantity > n.quantity - n.accepted_quantity OR n.status NOT IN ('published', 'partly_claimed', 'claimed'))`,
			`SELECT count(*) FROM claims c JOIN resources r ON c.target = 'resource' AND r.id = c.resource_id WHERE c.status = 'pending'
				AND (c.quantity > r.capacity - r.accepted_quantity OR r.status NOT IN ('available', 'exhausted'))`,
		} {
			if n := count(q); n != 0 {
				t.Errorf("%s: %d", q, n)
			}
		}
		if n := count("SELECT count(*) FROM needs WHERE status = 'claimed'"); n != 1 {
			t.Errorf("fully claimed needs: %d", n)
		}
		// The demo accounts have messages; the unit contact has claims to decide.
		for _, user := range []string{"secretary", "unit"} {
			if n := count("SELECT count(*) FROM notifications x JOIN users u ON u.id = x.user_id WHERE u.username = '" + user + "'"); n == 0 {
				t.Errorf("%s has no notifications", user)
			}
		}
		if n := count(`SELECT count(*) FROM claims c JOIN needs n ON c.target = 'need' AND n.id = c.need_id
			JOIN units u ON u.id = n.submitter_unit_id WHERE u.name = '上海市第八人民医院' AND c.status = 'pending'`); n == 0 {
			t.Errorf("nothing for the demo unit contact to decide")
		}
	})
}
