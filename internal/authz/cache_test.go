package authz_test

import (
	"context"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestDecisionsAreCachedPerLoad: a decision asked again costs no casbin
// check, and a reload (a revoked role, a policy broadcast) starts afresh, so
// a cached answer never outlives the assignment it came from.
func TestDecisionsAreCachedPerLoad(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rev := testenv.CreateUser(t, db, "rev", "", "")
		grant(t, db, rev.ID, model.RoleDistrictReviewer, "district:310104", time.Now().Add(-time.Hour), nil)
		a, err := authz.New(ctx, db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		chain := authz.ChainDistrict(310104)
		if !a.Can(rev.ID, chain, "project", "read") {
			t.Fatal("the reviewer cannot read the district's projects")
		}
		before, asked := a.Checks(), a.Asked()
		for range 10 {
			if !a.Can(rev.ID, chain, "project", "read") || !a.CanAnywhere(rev.ID, "project", "read") {
				t.Fatal("a cached decision changed")
			}
		}
		// CanAnywhere asks the same question in the same domain: cached too.
		if n := a.Checks() - before; n != 0 {
			t.Errorf("%d casbin checks for 20 repeated decisions", n)
		}
		if a.Asked()-asked < 20 {
			t.Errorf("asked %d, want at least 20", a.Asked()-asked)
		}
		if err := db.RevokeRoleAssignments(ctx, rev.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if a.Can(rev.ID, chain, "project", "read") || a.CanAnywhere(rev.ID, "project", "read") {
			t.Error("a revoked role still answers from the cache")
		}
	})
}
