package service_test

import (
	"context"
	"fmt"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestProjectNeedsFollow: the needs a project serves follow it (DESIGN: a
// need "in project"): approval makes the open ones 已立项 (in_project) and
// completion makes them 已满足 (fulfilled), in the transaction of the
// transition, each with its audit row; a closed need stays closed.
func TestProjectNeedsFollow(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		w := projectSetup(t, db)
		ctx := context.Background()
		need := func(status string) int64 {
			n := &model.Need{AllianceID: w.alliance.ID, DistrictID: 310104, SubmitterUnitID: w.partner, Title: "加装电梯意见征询" + status,
				Category: "housing_renewal", Quantity: 4, Measure: "sessions", Visibility: model.VisibleAlliance, Status: status}
			if err := db.CreateNeed(ctx, n); err != nil {
				t.Fatal(err)
			}
			return n.ID
		}
		claimed, published, closed := need(model.NeedClaimed), need(model.NeedPublished), need(model.NeedClosed)
		// A claim still pending on the published need when the project is
		// approved: the need takes no more claims, so it is closed, and the
		// lead unit's contact told why.
		pid := published
		pending := &model.Claim{Target: model.TargetNeed, NeedID: &pid, AllianceID: w.alliance.ID, DistrictID: 310104,
			ClaimantUnitID: w.lead, Quantity: 2, Status: model.ClaimPending}
		if err := db.CreateClaim(ctx, pending); err != nil {
			t.Fatal(err)
		}
		in := w.input()
		in.NeedIDs = []int64{claimed, published, closed}
		p, err := w.svc.Create(ctx, as(w.secretary), in)
		if err != nil {
			t.Fatal(err)
		}
		status := func(id int64) string {
			n, err := db.NeedByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return n.Status
		}
		want := func(when string, st map[int64]string) {
			t.Helper()
			for id, s := range st {
				if got := status(id); got != s {
					t.Errorf("%s: need %d is %s, want %s", when, id, got, s)
				}
			}
		}
		fire := func(u *model.User, action string, in service.ActionInput) {
			t.Helper()
			if _, err := w.svc.Fire(ctx, as(u), p.ID, action, atVersion(in, storedVersion(t, w.db, "projects", p.ID))); err != nil {
				t.Fatalf("%s: %v", action, err)
			}
		}
		fire(w.secretary, model.ProjectActionSubmit, service.ActionInput{})
		want("submitted", map[int64]string{claimed: model.NeedClaimed, published: model.NeedPublished, closed: model.NeedClosed})
		fire(w.reviewer, model.ProjectActionApprove, service.ActionInput{})
		want("approved", map[int64]string{claimed: model.NeedInProject, published: model.NeedInProject, closed: model.NeedClosed})
		if c, err := db.ClaimByID(ctx, pending.ID); err != nil || c.Status != model.ClaimRejected || c.Reason != "需求已立项，不再接受认领" {
			t.Errorf("the pending claim on a need taken into the project: %+v %v", c, err)
		}
		var told int
		if err := db.SQL().QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM notifications WHERE user_id = %d AND kind = '%s' AND subject_id = %d",
			w.leadC.ID, model.NotifyClaimRejected, pending.ID)).Scan(&told); err != nil || told != 1 {
			t.Errorf("the lead unit was told %d times (%v)", told, err)
		}
		fire(w.leadC, model.ProjectActionStart, service.ActionInput{})
		ev := &model.Attachment{OwnerKind: model.AttachOwnerProject, OwnerID: p.ID, FileName: "验收.pdf", ContentType: "application/pdf",
			SizeBytes: 4, Sha256: "01", StoredPath: "attachments/01/01"}
		if err := db.CreateAttachment(ctx, ev); err != nil {
			t.Fatal(err)
		}
		fire(w.secretary, model.ProjectActionComplete, service.ActionInput{ClosingReport: "电梯已投入使用", EvidenceIDs: []int64{ev.ID}})
		want("completed", map[int64]string{claimed: model.NeedFulfilled, published: model.NeedFulfilled, closed: model.NeedClosed})

		var n int
		q := fmt.Sprintf("SELECT count(*) FROM audit_log WHERE action = 'need.status' AND object_kind = 'need' AND object_id IN ('%d', '%d')", claimed, published)
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("%d audit rows of the needs' moves, want 4", n)
		}
		// A need whose project moved it is stale for an edit opened before.
		if nd, _ := db.NeedByID(ctx, claimed); nd.Version < 3 {
			t.Errorf("need version %d: the moves did not bump it", nd.Version)
		}
	})
}
