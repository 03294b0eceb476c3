package store_test

import (
	"context"
	"errors"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestVersionedUpdates: the objects that got a version (dictionary items,
// streets, grids, committees, memberships) start at 1 however they are
// inserted, every guarded UPDATE bumps it, and one naming another version
// changes nothing and is a conflict (a missing row stays not found).
func TestVersionedUpdates(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		conflict := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, model.ErrConflict) {
				t.Errorf("%s at a stale version: %v, want a conflict", what, err)
			}
		}
		ok := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}

		it := &model.DictionaryItem{Kind: model.DictMeasure, Code: "v_test", LabelZh: "测", LabelEn: "t", Active: true}
		ok("create item", db.CreateDictionaryItem(ctx, it))
		if it.Version != 1 {
			t.Errorf("new item at version %d", it.Version)
		}
		conflict("item edit", db.UpdateDictionaryItem(ctx, it.ID, 2, "改", "x", 1))
		ok("item edit", db.UpdateDictionaryItem(ctx, it.ID, 1, "改", "x", 1))
		conflict("item deactivate", db.SetDictionaryItemActive(ctx, it.ID, 1, false))
		ok("item deactivate", db.SetDictionaryItemActive(ctx, it.ID, 2, false))
		if got, _ := db.DictionaryItemByID(ctx, it.ID); got.Version != 3 || got.LabelZh != "改" || got.Active {
			t.Errorf("item after two changes: %+v", got)
		}
		if err := db.SetDictionaryItemActive(ctx, 999999, 1, true); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing item: %v", err)
		}

		st := &model.Street{DistrictID: 310104, Code: "310104099", Name: "版本街道"}
		ok("create street", db.CreateStreet(ctx, st))
		conflict("street edit", db.UpdateStreet(ctx, st.ID, 0, st.Code, "改名"))
		ok("street edit", db.UpdateStreet(ctx, st.ID, 1, st.Code, "改名"))
		conflict("street status", db.SetStreetStatus(ctx, st.ID, 1, model.StatusInactive))
		ok("street status", db.SetStreetStatus(ctx, st.ID, 2, model.StatusInactive))
		if got, _ := db.StreetByID(ctx, st.ID); got.Version != 3 || got.Name != "改名" || got.Status != model.StatusInactive {
			t.Errorf("street after two changes: %+v", got)
		}

		g := &model.Grid{StreetID: st.ID, DistrictID: 310104, Code: "V-1", Name: "版本网格"}
		ok("create grid", db.CreateGrid(ctx, g))
		g.Name = "改名网格"
		conflict("grid edit", db.UpdateGrid(ctx, g, 2))
		ok("grid edit", db.UpdateGrid(ctx, g, 1))
		conflict("grid status", db.SetGridStatus(ctx, g.ID, 1, model.StatusInactive))
		ok("grid status", db.SetGridStatus(ctx, g.ID, 2, model.StatusInactive))

		a := &model.Alliance{Name: "版本联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
		ok("create alliance", db.CreateAlliance(ctx, a))
		u := allianceTestUnit(t, db, "版本单位", 310104)
		m := &model.Membership{AllianceID: a.ID, UnitID: u, Rank: model.RankMember, JoinedOn: *allianceTestDay(2024, 1, 1)}
		ok("create membership", db.CreateMembership(ctx, m))
		if m.Version != 1 {
			t.Errorf("new membership at version %d", m.Version)
		}
		conflict("membership edit", db.UpdateMembership(ctx, m.ID, 2, model.RankCouncil, nil))
		ok("membership edit", db.UpdateMembership(ctx, m.ID, 1, model.RankCouncil, nil))
		conflict("membership end", db.EndMembership(ctx, m.ID, 1, *allianceTestDay(2025, 1, 1)))
		ok("membership end", db.EndMembership(ctx, m.ID, 2, *allianceTestDay(2025, 1, 1)))

		c := &model.Committee{AllianceID: a.ID, Name: "版本专委会"}
		ok("create committee", db.CreateCommittee(ctx, c))
		c.Theme = "新主题"
		conflict("committee edit", db.UpdateCommittee(ctx, c, 2))
		ok("committee edit", db.UpdateCommittee(ctx, c, 1))
		conflict("committee status", db.SetCommitteeStatus(ctx, c.ID, 1, model.StatusInactive))
		ok("committee status", db.SetCommitteeStatus(ctx, c.ID, 2, model.StatusInactive))
		if got, _ := db.CommitteeByID(ctx, c.ID); got.Version != 3 || got.Theme != "新主题" || got.Status != model.StatusInactive {
			t.Errorf("committee after two changes: %+v", got.Committee)
		}

		// BumpVersion guards actions whose own UPDATE names no version.
		conflict("bump", db.BumpVersion(ctx, "committees", "committee", c.ID, 1))
		ok("bump", db.BumpVersion(ctx, "committees", "committee", c.ID, 3))
		if err := db.BumpVersion(ctx, "committees", "committee", 999999, 1); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("bump of a missing row: %v", err)
		}
	})
}
