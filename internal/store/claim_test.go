package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestClaimStore: the claims list's scopes (a unit reads its own claims and
// the claims on its needs and resources; the decide view only the pending
// claims on what it owns), the guarded status change, and the CHECK that
// refuses an accepted quantity past the capacity.
func TestClaimStore(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := &model.Alliance{Name: "认领存储测试联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104, Status: model.StatusActive}
		if err := db.CreateAlliance(ctx, a); err != nil {
			t.Fatal(err)
		}
		unit := func(name string) int64 {
			u := &model.Unit{Name: name, Kind: "gov", DistrictID: 310104, Status: model.StatusActive}
			if err := db.CreateUnit(ctx, u); err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		owner, claimant, other := unit("发布单位"), unit("认领单位"), unit("旁观单位")
		n := &model.Need{AllianceID: a.ID, DistrictID: 310104, SubmitterUnitID: owner, Title: "助餐", Category: "care", Quantity: 5,
			Measure: "person_times", Status: model.NeedPublished}
		r := &model.Resource{AllianceID: a.ID, DistrictID: 310104, ProviderUnitID: owner, Title: "会议室", Kind: "venue", Capacity: 2,
			Measure: "sessions", Status: model.ResourceAvailable}
		if err := db.CreateNeed(ctx, n); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateResource(ctx, r); err != nil {
			t.Fatal(err)
		}
		mk := func(target string, id, by, q int64) *model.Claim {
			c := &model.Claim{Target: target, AllianceID: a.ID, DistrictID: 310104, ClaimantUnitID: by, Quantity: q}
			if target == model.TargetNeed {
				c.NeedID = &id
			} else {
				c.ResourceID = &id
			}
			if err := db.CreateClaim(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		c1 := mk(model.TargetNeed, n.ID, claimant, 2)
		mk(model.TargetResource, r.ID, claimant, 1)
		mk(model.TargetResource, r.ID, other, 1)
		// A claim of the owner itself on another unit's resource.
		r2 := &model.Resource{AllianceID: a.ID, DistrictID: 310104, ProviderUnitID: other, Title: "志愿者", Kind: "volunteers", Capacity: 9,
			Measure: "people", Status: model.ResourceAvailable}
		if err := db.CreateResource(ctx, r2); err != nil {
			t.Fatal(err)
		}
		mk(model.TargetResource, r2.ID, owner, 3)

		total := func(f store.ClaimFilter) int64 {
			t.Helper()
			l, err := db.ListClaims(ctx, f, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		units := func(ids ...int64) model.Scope { return model.Scope{Units: ids} }
		for name, c := range map[string]struct {
			f    store.ClaimFilter
			want int64
		}{
			"owner reads its targets' claims and its own": {store.ClaimFilter{Scope: units(owner)}, 4},
			"claimant reads its own":                      {store.ClaimFilter{Scope: units(claimant)}, 2},
			"other reads its own and those on its r2":     {store.ClaimFilter{Scope: units(other)}, 2},
			"owner decides the three on its targets":      {store.ClaimFilter{Scope: units(owner), Decide: &model.Scope{Units: []int64{owner}}}, 3},
			"claimant decides nothing":                    {store.ClaimFilter{Scope: units(claimant), Decide: &model.Scope{Units: []int64{claimant}}}, 0},
			"alliance reads all":                          {store.ClaimFilter{Scope: model.Scope{Alliances: []int64{a.ID}}}, 4},
			"another district reads none":                 {store.ClaimFilter{Scope: model.Scope{Districts: []int64{310101}}}, 0},
			"empty scope reads none":                      {store.ClaimFilter{}, 0},
			"mine: claims of the claimant":                {store.ClaimFilter{Scope: model.Scope{All: true}, Claimants: []int64{claimant}}, 2},
			"mine without units: none":                    {store.ClaimFilter{Scope: model.Scope{All: true}, Claimants: []int64{}}, 0},
			"unit by name, claimant or owner":             {store.ClaimFilter{Scope: model.Scope{All: true}, UnitName: "旁观"}, 2},
			"LIKE wildcards are literal":                  {store.ClaimFilter{Scope: model.Scope{All: true}, UnitName: "%"}, 0},
			"claims on one resource":                      {store.ClaimFilter{Scope: model.Scope{All: true}, ResourceID: r.ID}, 2},
			"need claims":                                 {store.ClaimFilter{Scope: model.Scope{All: true}, Target: model.TargetNeed}, 1},
			"created in the future":                       {store.ClaimFilter{Scope: model.Scope{All: true}, From: time.Now().Add(time.Hour)}, 0},
		} {
			if got := total(c.f); got != c.want {
				t.Errorf("%s: %d, want %d", name, got, c.want)
			}
		}
		row, err := db.ClaimRowByID(ctx, c1.ID)
		if err != nil || row.OwnerUnitID != owner || row.OwnerUnitName != "发布单位" || row.ClaimantUnitName != "认领单位" ||
			row.TargetTitle != "助餐" || row.TargetQuantity != 5 || row.TargetRemaining() != 5 || row.AllianceName != a.Name {
			t.Fatalf("row: %+v %v", row, err)
		}

		// A guarded decision: once, at its version.
		if err := db.DecideClaim(ctx, c1.ID, c1.Version+1, model.ClaimPending, model.ClaimRejected, nil, "x"); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale decide: %v", err)
		}
		if err := db.DecideClaim(ctx, c1.ID, c1.Version, model.ClaimPending, model.ClaimRejected, nil, "时间冲突"); err != nil {
			t.Fatal(err)
		}
		if err := db.DecideClaim(ctx, c1.ID, 0, model.ClaimPending, model.ClaimAccepted, nil, ""); !errors.Is(err, model.ErrConflict) {
			t.Errorf("deciding a decided claim: %v", err)
		}
		if err := db.DecideClaim(ctx, 99999, 1, model.ClaimPending, model.ClaimAccepted, nil, ""); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("deciding a missing claim: %v", err)
		}
		// The database refuses an accepted quantity past the capacity.
		if err := db.AddAcceptedQuantity(ctx, model.TargetResource, r.ID, 2, model.ResourceExhausted); err != nil {
			t.Fatal(err)
		}
		if err := db.AddAcceptedQuantity(ctx, model.TargetResource, r.ID, 1, model.ResourceExhausted); err == nil {
			t.Error("the CHECK let 3 of 2 through")
		}
	})
}

// TestNotificationStore: the unread count is capped, marking is the
// owner's only, and a notification goes to the holders of a role valid now.
func TestNotificationStore(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		me := testenv.CreateUser(t, db, "inbox_me", model.RoleUnitContact, "unit:7")
		other := testenv.CreateUser(t, db, "inbox_other", model.RoleUnitContact, "unit:7")
		later := testenv.CreateUser(t, db, "inbox_later", "", "")
		if err := db.CreateRoleAssignment(ctx, &model.RoleAssignment{UserID: later.ID, Role: model.RoleUnitContact, Domain: "unit:7",
			ValidFrom: db.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		sec := testenv.CreateUser(t, db, "inbox_sec", model.RoleAllianceSecretary, "alliance:3")
		ids, err := db.RoleHolders(ctx, store.RoleHolder{Role: model.RoleUnitContact, Domain: "unit:7"},
			store.RoleHolder{Role: model.RoleAllianceSecretary, Domain: "alliance:3"})
		if err != nil || fmt.Sprint(ids) != fmt.Sprint([]int64{me.ID, other.ID, sec.ID}) {
			t.Fatalf("holders: %v %v", ids, err)
		}
		var ns []model.Notification
		for i := range 7 {
			ns = append(ns, model.Notification{UserID: me.ID, Kind: model.NotifyClaimNew, SubjectKind: "claim", SubjectID: int64(i + 1)})
		}
		ns = append(ns, model.Notification{UserID: other.ID, Kind: model.NotifyClaimNew})
		if err := db.CreateNotifications(ctx, ns); err != nil {
			t.Fatal(err)
		}
		if n, err := db.CountUnread(ctx, me.ID, 5); err != nil || n != 6 {
			t.Errorf("capped count: %d %v (want 6: the cap and one more)", n, err)
		}
		if n, err := db.CountUnread(ctx, me.ID, 100); err != nil || n != 7 {
			t.Errorf("count: %d %v", n, err)
		}
		if _, err := db.MarkNotificationRead(ctx, other.ID, ns[0].ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("marking another's: %v", err)
		}
		if changed, err := db.MarkNotificationRead(ctx, me.ID, ns[0].ID); err != nil || !changed {
			t.Errorf("mark: %v %v", changed, err)
		}
		if changed, err := db.MarkNotificationRead(ctx, me.ID, ns[0].ID); err != nil || changed {
			t.Errorf("mark again: %v %v", changed, err)
		}
		l, err := db.ListNotifications(ctx, store.NotificationFilter{UserID: me.ID}, model.PageRequest{Limit: 3, Desc: true})
		if err != nil || len(l.Items) != 3 || l.Items[0].ReadAt != nil || l.Next == "" {
			t.Fatalf("unread first: %+v %v", l.Items, err)
		}
		// Page to the end: the read one comes last.
		var last model.Notification
		for req := (model.PageRequest{Limit: 3, Desc: true}); ; {
			l, err := db.ListNotifications(ctx, store.NotificationFilter{UserID: me.ID}, req)
			if err != nil {
				t.Fatal(err)
			}
			last = l.Items[len(l.Items)-1]
			if l.Next == "" {
				break
			}
			req.After = l.Next
		}
		if last.ID != ns[0].ID || last.ReadAt == nil {
			t.Errorf("the read one is not last: %+v", last)
		}
		if n, err := db.MarkAllNotificationsRead(ctx, me.ID); err != nil || n != 6 {
			t.Errorf("mark all: %d %v", n, err)
		}
		if n, _ := db.CountUnread(ctx, other.ID, 100); n != 1 {
			t.Errorf("another's unread changed: %d", n)
		}
	})
}
