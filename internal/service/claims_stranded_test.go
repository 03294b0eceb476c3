package service_test

import (
	"context"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestStrandedClaimsAreClosed: when a need or resource is used up, made
// smaller, closed, withdrawn or expires, the pending claims on it that no
// longer fit are closed in the same transaction (rejected, with the reason)
// and their units are told; a pending claim that still fits stays pending.
// The expiry job does the same for what it expires.
func TestStrandedClaimsAreClosed(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		defer db.SetClock(time.Now)
		w := newClaimWorld(t, db)
		deps := service.Deps{DB: db, Authz: w.az}
		needs, resources := service.NewNeeds(deps), service.NewResources(deps)
		claimOn := func(kind string, id, q int64) *model.Claim {
			t.Helper()
			return w.claim(w.claimantContact, service.ClaimInput{Target: kind, TargetID: id, ClaimantUnitID: w.claimant, Quantity: q})
		}
		claimNow := func(id int64) *model.Claim {
			t.Helper()
			c, err := db.ClaimByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// rejections lists the reasons of the rejections the claimant's
		// contact was told of, by claim.
		rejections := func() map[int64]string {
			t.Helper()
			l, err := w.inbox.List(ctx, w.claimantContact, false, model.PageRequest{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]string{}
			for i := range l.Items {
				if l.Items[i].Kind != model.NotifyClaimRejected {
					continue
				}
				p, ok := service.ParseClaimNotice(&l.Items[i])
				if !ok {
					t.Fatalf("notice %+v", l.Items[i])
				}
				out[p.ClaimID] = p.Reason
			}
			return out
		}
		closedWith := func(c *model.Claim, reason string) {
			t.Helper()
			got := claimNow(c.ID)
			if got.Status != model.ClaimRejected || got.Reason != reason {
				t.Errorf("claim %d: %s %q, want rejected %q", c.ID, got.Status, got.Reason, reason)
			}
			if told := rejections()[c.ID]; told != reason {
				t.Errorf("claim %d: the claimant was told %q, want %q", c.ID, told, reason)
			}
		}
		pending := func(c *model.Claim) {
			t.Helper()
			if got := claimNow(c.ID); got.Status != model.ClaimPending {
				t.Errorf("claim %d (%d) is %s, want still pending", c.ID, c.Quantity, got.Status)
			}
		}

		// A resource of 10: accepting 6 leaves 4, which closes the claim of 5
		// and keeps the claim of 3.
		r := w.resource(10, model.VisibleAlliance)
		a, b, c := claimOn(model.TargetResource, r.ID, 6), claimOn(model.TargetResource, r.ID, 5), claimOn(model.TargetResource, r.ID, 3)
		if _, err := w.svc.Accept(ctx, w.ownerContact, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
		closedWith(b, "资源剩余 4 场，不足认领的 5 场")
		pending(c)
		// Withdrawing the resource closes the claim that still fitted.
		cur, err := db.ResourceByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resources.Withdraw(ctx, w.sec, r.ID, cur.Version, "场地改造"); err != nil {
			t.Fatal(err)
		}
		closedWith(c, "资源已撤回，不再接受认领")

		// A need of 8 made 4: the claim of 5 no longer fits, the claim of 4 does.
		n := w.need(8, model.VisibleAlliance)
		d, e := claimOn(model.TargetNeed, n.ID, 5), claimOn(model.TargetNeed, n.ID, 4)
		cn := w.needNow(n.ID)
		if _, err := needs.Update(ctx, w.sec, n.ID, service.NeedInput{Title: cn.Title, Category: cn.Category, Quantity: 4, Measure: cn.Measure,
			Visibility: cn.Visibility, Version: cn.Version}); err != nil {
			t.Fatal(err)
		}
		closedWith(d, "需求剩余 4 人次，不足认领的 5 人次")
		pending(e)
		// Closing the need closes the rest.
		cn = w.needNow(n.ID)
		if _, err := needs.Close(ctx, w.sec, n.ID, cn.Version, "已由街道解决"); err != nil {
			t.Fatal(err)
		}
		closedWith(e, "需求已关闭，不再接受认领")

		// The expiry job: a need wanted by 03-10 and a resource available
		// until then expire on 03-11 with their pending claims.
		wanted := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
		n2 := &model.Need{AllianceID: w.alliance, DistrictID: 310104, SubmitterUnitID: w.owner, Title: "三月十日前的助餐",
			Category: "care", Quantity: 5, Measure: "person_times", Visibility: model.VisibleAlliance, Status: model.NeedPublished, WantedBy: &wanted}
		if err := db.CreateNeed(ctx, n2); err != nil {
			t.Fatal(err)
		}
		r2 := &model.Resource{AllianceID: w.alliance, DistrictID: 310104, ProviderUnitID: w.owner, Title: "三月十日前的会议室",
			Kind: "venue", Capacity: 5, Measure: "sessions", Visibility: model.VisibleAlliance, Status: model.ResourceAvailable, AvailableUntil: &wanted}
		if err := db.CreateResource(ctx, r2); err != nil {
			t.Fatal(err)
		}
		f, g := claimOn(model.TargetNeed, n2.ID, 2), claimOn(model.TargetResource, r2.ID, 2)
		now = time.Date(2026, 3, 10, 16, 0, 0, 0, time.UTC) // 03-11 00:00 in Shanghai
		res, err := service.ExpireLists(ctx, db, service.AllianceToday(db.Now()))
		if err != nil || res.Needs != 1 || res.Resources != 1 || res.Claims != 2 {
			t.Fatalf("expiry: %+v %v", res, err)
		}
		closedWith(f, "需求已过期，不再接受认领")
		closedWith(g, "资源已过期，不再接受认领")
		if got := claimNow(f.ID); got.DecidedBy != nil {
			t.Errorf("the job closed claim %d as user %d", f.ID, *got.DecidedBy)
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{Action: service.ActionClaimReject, ObjectKind: "claim"}, model.PageRequest{Limit: 100})
		if err != nil || entries.Total != 6 {
			t.Errorf("audit rows of closed claims: %d %v", entries.Total, err)
		}
	})
}
