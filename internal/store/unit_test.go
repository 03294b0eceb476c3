package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func TestUnitStore(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		code := func(n int) *string {
			first := fmt.Sprintf("9131010400%07d", n)
			s := first + string(model.CreditCodeCheckChar(first))
			return &s
		}
		mk := func(name string, district int64, cc *string) *model.Unit {
			u := &model.Unit{Name: name, Kind: "gov", DistrictID: district, CreditCode: cc}
			if err := db.CreateUnit(ctx, u); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return u
		}
		a := mk("百分之百公司", 310104, code(1))
		b := mk("普通公司", 310104, code(2))
		c := mk("黄浦公司", 310101, nil)
		mk("无代码单位", 310104, nil) // a second NULL code does not collide

		// A taken code is a field error.
		var ve *model.ValidationError
		if err := db.CreateUnit(ctx, &model.Unit{Name: "x", Kind: "gov", DistrictID: 310104, CreditCode: code(1)}); !errors.As(err, &ve) || ve.Fields["credit_code"] == "" {
			t.Errorf("duplicate code: %v", err)
		}

		list := func(f store.UnitFilter) []string {
			if f.Scope.Empty() {
				f.Scope = model.Scope{All: true}
			}
			l, err := db.ListUnits(ctx, f, model.PageRequest{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range l.Items {
				out = append(out, r.Name)
			}
			return out
		}
		// LIKE wildcards are literal; a code prefix matches, normalised.
		if got := list(store.UnitFilter{Query: "%"}); len(got) != 0 {
			t.Errorf("%% matched %v", got)
		}
		if got := list(store.UnitFilter{Query: "百分"}); len(got) != 1 || got[0] != a.Name {
			t.Errorf("name search: %v", got)
		}
		if got := list(store.UnitFilter{Query: "９１３１０１０４００００００００２"}); len(got) != 1 || got[0] != b.Name {
			t.Errorf("full-width code prefix: %v", got)
		}
		if got := list(store.UnitFilter{Scope: model.Scope{Districts: []int64{310101}}}); len(got) != 1 || got[0] != c.Name {
			t.Errorf("district scope: %v", got)
		}
		if got := list(store.UnitFilter{Scope: model.Scope{Units: []int64{b.ID}}}); len(got) != 1 || got[0] != b.Name {
			t.Errorf("unit scope: %v", got)
		}

		// Stale updates conflict; the version moves.
		b.Name = "普通公司（新）"
		if err := db.UpdateUnit(ctx, b, 1); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateUnit(ctx, b, 1); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale update: %v", err)
		}
		if err := db.SetUnitStatus(ctx, b.ID, 2, model.StatusInactive); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UnitByID(ctx, b.ID); got.Version != 3 || got.Status != model.StatusInactive {
			t.Errorf("after status: %+v", got)
		}
		if _, err := db.UnitByID(ctx, 999999); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing unit: %v", err)
		}

		// Export walks every row in batches without counting.
		n := 0
		if err := db.EachUnit(ctx, store.UnitFilter{Scope: model.Scope{All: true}}, func(*store.UnitRow) error { n++; return nil }); err != nil || n != 4 {
			t.Errorf("each: %d %v", n, err)
		}
	})
}
