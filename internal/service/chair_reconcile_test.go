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

// TestReconcileAuditsChairRoleChanges: when a chair unit gains a contact
// after its term was saved, the job gives them the chair role and writes an
// audit row; a second run changes nothing and writes none.
func TestReconcileAuditsChairRoleChanges(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)
		f := newRotationFixture(t, db, 1, now)
		if _, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[0],
			StartsOn: d(2026, 3, 1), EndsOn: d(2026, 3, 31)}); err != nil {
			t.Fatal(err)
		}
		late := testenv.CreateUser(t, db, "late", model.RoleUnitContact, model.DomainOf(model.DomainUnit, f.units[0]))
		audits := func() int64 {
			l, err := db.ListAudit(ctx, store.AuditFilter{Action: service.ActionChairReconcile}, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		if n, err := service.ReconcileChairRoles(ctx, db, f.az); err != nil || n != 1 {
			t.Fatalf("reconcile: %d %v", n, err)
		}
		if got := audits(); got != 1 {
			t.Errorf("audit rows after the change: %d, want 1", got)
		}
		if !f.az.Can(late.ID, []string{model.DomainOf(model.DomainAlliance, f.a.ID)}, "meeting", "create") {
			t.Error("the new contact did not get the chair's rights")
		}
		if n, err := service.ReconcileChairRoles(ctx, db, f.az); err != nil || n != 0 {
			t.Fatalf("second reconcile: %d %v", n, err)
		}
		if got := audits(); got != 1 {
			t.Errorf("audit rows after a run without change: %d, want 1", got)
		}
	})
}
