package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestDutyNoticesOnceEach: a term's duties (joint meeting and brief, due on
// its last day) are announced a week before and on the day, once each, to
// the chair unit's contact and the secretary: a second run, and two runners
// at the same time, send nothing more; the day before the week nothing goes,
// and on the due day the "due soon" notice does not go out late.
func TestDutyNoticesOnceEach(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cst := time.FixedZone("CST", 8*3600)
		now := time.Date(2026, 2, 20, 10, 0, 0, 0, cst)
		f := newRotationFixture(t, db, 2, now)
		clock := func() time.Time { return now }
		db.SetClock(clock)
		f.az.SetClock(clock)
		contact := testenv.CreateUser(t, db, "dutychair", model.RoleUnitContact, model.DomainOf(model.DomainUnit, f.units[0]))
		other := testenv.CreateUser(t, db, "othercontact", model.RoleUnitContact, model.DomainOf(model.DomainUnit, f.units[1]))
		if err := f.az.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		// March: joint meeting and brief due 31 March. A late term (no
		// warning run before its due day) follows in April.
		if _, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[0], StartsOn: d(2026, 3, 1), EndsOn: d(2026, 3, 31)}); err != nil {
			t.Fatal(err)
		}
		count := func(userID int64, kind string) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM notifications WHERE user_id = %d AND kind = '%s'", userID, kind)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		run := func(runners int) int {
			t.Helper()
			var wg sync.WaitGroup
			var mu sync.Mutex
			total := 0
			for i := 0; i < runners; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := service.DutyNotices(ctx, db)
					if err != nil {
						t.Errorf("duty notices: %v", err)
					}
					mu.Lock()
					total += n
					mu.Unlock()
				}()
			}
			wg.Wait()
			return total
		}
		steps := []struct {
			at               time.Time
			runners, sent    int
			soon, due, other int // notices of the chair contact after the step; the other unit's contact
		}{
			{time.Date(2026, 3, 23, 23, 0, 0, 0, cst), 1, 0, 0, 0, 0}, // eight days before
			{time.Date(2026, 3, 24, 0, 30, 0, 0, cst), 1, 2, 2, 0, 0}, // a week before: both duties
			{time.Date(2026, 3, 24, 9, 0, 0, 0, cst), 1, 0, 2, 0, 0},  // again the same day
			{time.Date(2026, 3, 27, 9, 0, 0, 0, cst), 2, 0, 2, 0, 0},  // two runners, nothing new
			{time.Date(2026, 3, 31, 8, 0, 0, 0, cst), 2, 2, 2, 2, 0},  // the due day, two runners
			{time.Date(2026, 3, 31, 18, 0, 0, 0, cst), 2, 0, 2, 2, 0}, // again
			{time.Date(2026, 4, 1, 8, 0, 0, 0, cst), 1, 0, 2, 2, 0},   // the day after
		}
		for _, s := range steps {
			now = s.at
			if got := run(s.runners); got != s.sent {
				t.Errorf("%s: sent %d, want %d", s.at, got, s.sent)
			}
			if got := count(contact.ID, model.NotifyDutyDueSoon); got != s.soon {
				t.Errorf("%s: chair has %d due-soon notices, want %d", s.at, got, s.soon)
			}
			if got := count(contact.ID, model.NotifyDutyDue); got != s.due {
				t.Errorf("%s: chair has %d due notices, want %d", s.at, got, s.due)
			}
			if got := count(f.sec.UserID, model.NotifyDutyDue); got != s.due {
				t.Errorf("%s: secretary has %d due notices, want %d", s.at, got, s.due)
			}
			if got := count(other.ID, model.NotifyDutyDue) + count(other.ID, model.NotifyDutyDueSoon); got != s.other {
				t.Errorf("%s: the other unit's contact has %d notices", s.at, got)
			}
		}
		// A term whose duty is due the day it is created gets only the "due"
		// notice, not a "due soon" one on the same day.
		now = time.Date(2026, 4, 1, 9, 0, 0, 0, cst)
		if _, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[1], StartsOn: d(2026, 4, 1), EndsOn: d(2026, 4, 1)}); err != nil {
			t.Fatal(err)
		}
		if got := run(1); got != 2 {
			t.Errorf("one-day term: sent %d, want 2", got)
		}
		if soon, due := count(other.ID, model.NotifyDutyDueSoon), count(other.ID, model.NotifyDutyDue); soon != 0 || due != 2 {
			t.Errorf("one-day term: %d due soon, %d due; want 0 and 2", soon, due)
		}
	})
}
