package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// rotationFixture makes an alliance of 310104 with n member units, a
// secretary and an authorizer; the clock is set to now.
type rotationFixture struct {
	db    *store.DB
	az    *authz.Authorizer
	svc   *service.Rotation
	sec   model.Actor
	a     *model.Alliance
	units []int64
}

func newRotationFixture(t *testing.T, db *store.DB, n int, now time.Time) *rotationFixture {
	t.Helper()
	ctx := context.Background()
	db.SetClock(func() time.Time { return now })
	a := &model.Alliance{Name: "轮值测试联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104, Status: model.StatusActive}
	if err := db.CreateAlliance(ctx, a); err != nil {
		t.Fatal(err)
	}
	f := &rotationFixture{db: db, a: a}
	for i := 0; i < n; i++ {
		u := allianceTestUnit(t, db, fmt.Sprintf("轮值单位%02d", i+1), 310104)
		if err := db.CreateMembership(ctx, &model.Membership{AllianceID: a.ID, UnitID: u, Rank: model.RankCouncil,
			JoinedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		f.units = append(f.units, u)
	}
	sec := testenv.CreateUser(t, db, "sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
	f.sec = model.Actor{UserID: sec.ID, Username: sec.Username}
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	az.SetClock(db.Now)
	f.az, f.svc = az, service.NewRotation(service.Deps{DB: db, Authz: az})
	return f
}

func d(y int, m time.Month, day int) *time.Time { return allianceTestDate(y, m, day) }

// TestRotationOverlapRefused: the same days, a term inside another, and
// terms touching by a day (refused when they share it, accepted the day
// after), on both databases.
func TestRotationOverlapRefused(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRotationFixture(t, db, 3, time.Date(2026, 1, 10, 4, 0, 0, 0, time.UTC))
		in := func(unit int, from, to *time.Time) service.RotationTermInput {
			return service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[unit], StartsOn: from, EndsOn: to}
		}
		if _, err := f.svc.Create(ctx, f.sec, in(0, d(2026, 3, 1), d(2026, 3, 31))); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]service.RotationTermInput{
			"same days":       in(1, d(2026, 3, 1), d(2026, 3, 31)),
			"contained":       in(1, d(2026, 3, 10), d(2026, 3, 12)),
			"containing":      in(1, d(2026, 2, 1), d(2026, 4, 30)),
			"touching end":    in(1, d(2026, 3, 31), d(2026, 4, 30)),
			"touching start":  in(1, d(2026, 2, 1), d(2026, 3, 1)),
			"same unit again": in(0, d(2026, 3, 15), d(2026, 4, 15)),
		} {
			_, err := f.svc.Create(ctx, f.sec, c)
			var ce *model.ConflictError
			if !errors.As(err, &ce) || ce.Message != "rotation.overlap" {
				t.Errorf("%s: %v, want the overlap conflict", name, err)
			}
		}
		// Touching by a day without sharing it is fine on both sides.
		if _, err := f.svc.Create(ctx, f.sec, in(1, d(2026, 4, 1), d(2026, 4, 30))); err != nil {
			t.Errorf("the day after: %v", err)
		}
		if _, err := f.svc.Create(ctx, f.sec, in(2, d(2026, 2, 1), d(2026, 2, 28))); err != nil {
			t.Errorf("the day before: %v", err)
		}
		// A unit that is not a member is refused next to the field.
		other := allianceTestUnit(t, db, "非成员单位", 310104)
		_, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: other, StartsOn: d(2026, 6, 1), EndsOn: d(2026, 6, 30)})
		if fl := allianceFields(err); fl["unit_id"] != "rotation.not_member" {
			t.Errorf("non-member: %v", err)
		}
		terms, err := db.RotationTermsOf(ctx, f.a.ID, nil, nil)
		if err != nil || len(terms) != 3 {
			t.Fatalf("terms: %d %v", len(terms), err)
		}
	})
}

// TestRotationConcurrentWrites: two writers create overlapping terms at the
// same time; exactly one wins, on both databases.
func TestRotationConcurrentWrites(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRotationFixture(t, db, 2, time.Date(2026, 1, 10, 4, 0, 0, 0, time.UTC))
		for round := 0; round < 5; round++ {
			start := time.Date(2026, time.Month(3+round), 1, 0, 0, 0, 0, time.UTC)
			end := start.AddDate(0, 1, -1)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			ready := make(chan struct{})
			for i := 0; i < 2; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-ready
					s, e := start.AddDate(0, 0, i*3), end.AddDate(0, 0, i*3)
					_, errs[i] = f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[i], StartsOn: &s, EndsOn: &e})
				}(i)
			}
			close(ready)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, model.ErrConflict):
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d writers won (%v)", round, ok, errs)
			}
		}
		var n int64
		if err := db.SQL().QueryRow(`SELECT count(*) FROM rotation_terms a JOIN rotation_terms b ON a.alliance_id = b.alliance_id AND a.id < b.id
			AND a.starts_on <= b.ends_on AND b.starts_on <= a.ends_on`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("overlapping pairs in the table: %d %v", n, err)
		}
	})
}

// TestRotationPlan: 12 units, monthly, from a date: 12 terms with no gap and
// no overlap; a unit that left is skipped; saving then re-planning replaces
// only the terms that have not started.
func TestRotationPlan(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRotationFixture(t, db, 13, time.Date(2026, 1, 10, 4, 0, 0, 0, time.UTC))
		left := f.units[12]
		ms, err := db.ListMemberships(ctx, store.MembershipFilter{AllianceID: f.a.ID}, model.PageRequest{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms.Items {
			if m.UnitID == left {
				if err := db.EndMembership(ctx, m.ID, m.Version, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
		}
		order := append([]int64{left}, f.units[:12]...)
		in := service.PlanInput{AllianceID: f.a.ID, UnitIDs: order, StartsOn: d(2026, 2, 1), Period: model.PeriodMonth, Until: d(2027, 1, 1)}
		p, err := f.svc.Preview(ctx, f.sec, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 12 || len(p.Skipped) != 1 || p.Skipped[0] != left {
			t.Fatalf("plan: %d items, skipped %v", len(p.Items), p.Skipped)
		}
		for i, it := range p.Items {
			if it.UnitID != f.units[i] {
				t.Errorf("term %d: unit %d, want %d", i, it.UnitID, f.units[i])
			}
			if i > 0 && !it.StartsOn.Equal(p.Items[i-1].EndsOn.AddDate(0, 0, 1)) {
				t.Errorf("term %d starts %s after %s: a gap or an overlap", i, it.StartsOn, p.Items[i-1].EndsOn)
			}
		}
		if last := p.Items[11]; !last.EndsOn.Equal(*d(2027, 1, 31)) {
			t.Errorf("last term ends %s", last.EndsOn)
		}
		if _, err := f.svc.SavePlan(ctx, f.sec, in); err != nil {
			t.Fatal(err)
		}
		// Time passes: March is running. Re-plan from February in another
		// order: February and March stay, April on is replaced.
		db.SetClock(func() time.Time { return time.Date(2026, 3, 15, 4, 0, 0, 0, time.UTC) })
		in.UnitIDs = []int64{f.units[5], f.units[6]}
		if _, err := f.svc.SavePlan(ctx, f.sec, in); !errors.Is(err, model.ErrConflict) {
			t.Errorf("re-plan over started terms: %v, want a conflict", err)
		}
		in.StartsOn = d(2026, 4, 1)
		if _, err := f.svc.SavePlan(ctx, f.sec, in); err != nil {
			t.Fatal(err)
		}
		terms, err := db.RotationTermsOf(ctx, f.a.ID, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(terms) != 12 || terms[0].UnitID != f.units[0] || terms[1].UnitID != f.units[1] || terms[2].UnitID != f.units[5] || terms[3].UnitID != f.units[6] {
			t.Fatalf("after re-plan: %d terms", len(terms))
		}
	})
}

// TestChairRoleFollowsTheTerm: the chair unit's contact holds alliance_chair
// from the term's first day (00:00 Asia/Shanghai) and loses it the day after
// its last day, with a fake clock; a chair action (creating a meeting) is
// allowed during the term and forbidden after it. Early hand-over moves the
// role to the next unit.
func TestChairRoleFollowsTheTerm(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 2, 20, 4, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		f := newRotationFixture(t, db, 2, now)
		db.SetClock(clock)
		f.az.SetClock(clock)
		contact := testenv.CreateUser(t, db, "chair1", model.RoleUnitContact, model.DomainOf(model.DomainUnit, f.units[0]))
		next := testenv.CreateUser(t, db, "chair2", model.RoleUnitContact, model.DomainOf(model.DomainUnit, f.units[1]))
		if err := f.az.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[0], StartsOn: d(2026, 3, 1), EndsOn: d(2026, 3, 31)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[1], StartsOn: d(2026, 4, 1), EndsOn: d(2026, 4, 30)}); err != nil {
			t.Fatal(err)
		}
		chain := authz.ChainAlliance(f.a.ID, 310104)
		meetings := service.NewMeetings(service.Deps{DB: db, Authz: f.az})
		chairAct := func(u *model.User) error {
			_, err := meetings.Create(ctx, model.Actor{UserID: u.ID}, service.MeetingInput{AllianceID: f.a.ID, Kind: model.MeetingJoint,
				Title: "联席会议", HeldOn: d(2026, 3, 20)})
			return err
		}
		cst := time.FixedZone("CST", 8*3600)
		steps := []struct {
			at          time.Time
			first, sec2 bool
		}{
			{time.Date(2026, 2, 28, 23, 59, 0, 0, cst), false, false},
			{time.Date(2026, 3, 1, 0, 0, 0, 0, cst), true, false},
			{time.Date(2026, 3, 31, 23, 59, 0, 0, cst), true, false},
			{time.Date(2026, 4, 1, 0, 0, 0, 0, cst), false, true},
		}
		for _, s := range steps {
			now = s.at
			if got := f.az.Can(contact.ID, chain, "meeting", "create"); got != s.first {
				t.Errorf("%s: first chair may create meetings = %v, want %v", s.at, got, s.first)
			}
			if got := f.az.Can(next.ID, chain, "meeting", "create"); got != s.sec2 {
				t.Errorf("%s: next chair = %v, want %v", s.at, got, s.sec2)
			}
		}
		now = time.Date(2026, 3, 15, 10, 0, 0, 0, cst)
		if err := f.az.Reload(ctx); err != nil { // the clock went back: load again
			t.Fatal(err)
		}
		if err := chairAct(contact); err != nil {
			t.Errorf("chair during the term: %v", err)
		}
		now = time.Date(2026, 4, 1, 9, 0, 0, 0, cst)
		if err := chairAct(contact); !errors.Is(err, model.ErrNotFound) && !errors.Is(err, model.ErrForbidden) {
			t.Errorf("chair after the term: %v, want refused", err)
		}
		// Early hand-over: on 10 April the April chair hands over; a third
		// term from May moves to start on 11 April.
		db.SetClock(clock)
		terms, _ := db.RotationTermsOf(ctx, f.a.ID, nil, nil)
		if _, err := f.svc.Create(ctx, f.sec, service.RotationTermInput{AllianceID: f.a.ID, UnitID: f.units[0], StartsOn: d(2026, 5, 1), EndsOn: d(2026, 5, 31)}); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 4, 10, 9, 0, 0, 0, cst)
		if _, err := f.svc.HandOver(ctx, f.sec, terms[1].ID, service.HandOverInput{Note: "因工作调整提前交接", Version: terms[1].Version}); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 4, 11, 0, 0, 0, 0, cst)
		if f.az.Can(next.ID, chain, "meeting", "create") || !f.az.Can(contact.ID, chain, "meeting", "create") {
			t.Errorf("after hand-over: the role did not move to the next term's unit")
		}
		after, _ := db.RotationTermsOf(ctx, f.a.ID, nil, nil)
		if len(after) != 3 || after[1].Status != model.RotationHandedOver || !after[2].StartsOn.Equal(*d(2026, 4, 11)) {
			t.Errorf("terms after hand-over: %+v", after)
		}
	})
}
