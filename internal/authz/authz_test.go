package authz_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func grant(t *testing.T, db *store.DB, userID int64, role, domain string, from time.Time, until *time.Time) {
	t.Helper()
	if err := db.CreateRoleAssignment(context.Background(), &model.RoleAssignment{UserID: userID, Role: role, Domain: domain, ValidFrom: from, ValidUntil: until}); err != nil {
		t.Fatal(err)
	}
}

func TestChainsScopesAndWindows(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 5, 6, 30, 0, 0, time.UTC)
		clock := now
		var mu sync.Mutex
		nowFn := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		setClock := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }

		sec := testenv.CreateUser(t, db, "sec", "", "")
		rev := testenv.CreateUser(t, db, "rev", "", "")
		aud := testenv.CreateUser(t, db, "aud", "", "")
		grant(t, db, sec.ID, model.RoleSecadmin, "sys", now.Add(-time.Hour), nil)
		end := now.Add(48 * time.Hour)
		grant(t, db, rev.ID, model.RoleDistrictReviewer, "district:310104", now.Add(-time.Hour), &end)
		start := now.Add(24 * time.Hour)
		grant(t, db, aud.ID, model.RoleAuditor, "sys", start, nil)

		a, err := authz.New(ctx, db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		a.SetClock(nowFn)
		if err := a.Reload(ctx); err != nil {
			t.Fatal(err)
		}

		xuhui := []string{"district:310104", "sys"}
		huangpu := []string{"district:310101", "sys"}
		cases := []struct {
			name  string
			user  int64
			chain []string
			obj   string
			act   string
			want  bool
		}{
			{"secadmin creates role assignments", sec.ID, []string{"sys"}, "role_assignment", "create", true},
			{"secadmin does not read the audit log", sec.ID, []string{"sys"}, "audit_log", "read", false},
			{"reviewer reads own district", rev.ID, xuhui, "district", "read", true},
			{"reviewer does not read another district", rev.ID, huangpu, "district", "read", false},
			{"reviewer cannot manage users", rev.ID, []string{"sys"}, "user", "read", false},
			{"auditor before the window opens", aud.ID, []string{"sys"}, "audit_log", "read", false},
		}
		for _, c := range cases {
			if got := a.Can(c.user, c.chain, c.obj, c.act); got != c.want {
				t.Errorf("%s: Can = %v, want %v", c.name, got, c.want)
			}
		}
		if err := a.Check(rev.ID, huangpu, "district", "read"); err == nil || !isNotFound(err) {
			t.Errorf("foreign district: Check = %v, want not found", err)
		}
		if s := a.Scope(rev.ID, "district", "read"); s.All || len(s.Districts) != 1 || s.Districts[0] != 310104 {
			t.Errorf("reviewer scope = %+v", s)
		}
		if s := a.Scope(sec.ID, "district", "read"); !s.All {
			t.Errorf("secadmin scope = %+v, want all", s)
		}
		if !a.CanAnywhere(rev.ID, "district", "read") || a.CanAnywhere(rev.ID, "user", "read") {
			t.Errorf("CanAnywhere wrong for the reviewer")
		}

		// Time passes: the auditor's window opens, the reviewer's closes,
		// without anyone reloading by hand.
		setClock(now.Add(25 * time.Hour))
		if !a.Can(aud.ID, []string{"sys"}, "audit_log", "read") {
			t.Errorf("auditor after the window opened: denied")
		}
		setClock(now.Add(49 * time.Hour))
		if a.Can(rev.ID, xuhui, "district", "read") {
			t.Errorf("reviewer after the window closed: still allowed")
		}

		// A disabled user's roles grant nothing after a reload.
		if err := db.SetUserStatus(ctx, sec.ID, model.UserDisabled); err != nil {
			t.Fatal(err)
		}
		if err := a.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if a.Can(sec.ID, []string{"sys"}, "role_assignment", "create") {
			t.Errorf("disabled secadmin still allowed")
		}
	})
}

func isNotFound(err error) bool { return err != nil && errorsIs(err, model.ErrNotFound) }

// TestRevocationReachesASecondInstance: two authorizers on one Postgres
// database; a role revoked through one stops working on the other within a
// second, through LISTEN/NOTIFY.
func TestRevocationReachesASecondInstance(t *testing.T) {
	db := testenv.NewDB(t, store.Postgres)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := testenv.CreateUser(t, db, "sec2", "", "")
	grant(t, db, u.ID, model.RoleSecadmin, "sys", time.Now().Add(-time.Hour), nil)

	a1, err := authz.New(ctx, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	// The second instance has its own pool, as another process would.
	db2 := testenv.OpenSameDB(t, db)
	a2, err := authz.New(ctx, db2, quiet)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a2.Watch(ctx, db2) }()
	defer wg.Wait()
	defer cancel()

	sys := []string{"sys"}
	if !a1.Can(u.ID, sys, "role_assignment", "create") || !a2.Can(u.ID, sys, "role_assignment", "create") {
		t.Fatal("granted role not seen")
	}
	time.Sleep(200 * time.Millisecond) // let the listener connect
	// Checks keep running on the second instance while the change lands (-race).
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				a2.Can(u.ID, sys, "role_assignment", "create")
			}
		}
	}()
	defer close(stop)

	if err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.RevokeRoleAssignments(ctx, u.ID); err != nil {
			return err
		}
		return db.Notify(ctx, authz.Channel, "role_assignment")
	}); err != nil {
		t.Fatal(err)
	}
	if err := a1.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if a1.Can(u.ID, sys, "role_assignment", "create") {
		t.Fatal("first instance still allows after its own reload")
	}
	deadline := time.Now().Add(time.Second)
	for a2.Can(u.ID, sys, "role_assignment", "create") {
		if time.Now().After(deadline) {
			t.Fatal("second instance still allows one second after the revocation")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var errorsIs = func(err, target error) bool { return errors.Is(err, target) }
