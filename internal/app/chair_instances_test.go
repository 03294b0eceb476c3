package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestChairRoleReachesTheOtherInstance: a rotation term saved on one
// instance gives its chair unit's contact the chair's rights on the other
// within a second (the policy broadcast), and both instances take them away
// after the term's last day without anyone acting (their clocks move on).
func TestChairRoleReachesTheOtherInstance(t *testing.T) {
	dsn := testenv.NewPostgresURL(t) // skips on SQLite-only machines unless TONGXIN_REQUIRE_POSTGRES=1
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	setup, err := store.Open(ctx, store.Options{Dialect: store.Postgres, DSN: dsn, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { setup.Close() })
	al := &model.Alliance{Name: "双实例轮值联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
	if err := setup.CreateAlliance(ctx, al); err != nil {
		t.Fatal(err)
	}
	unit := &model.Unit{Name: "双实例轮值单位", Kind: "gov", DistrictID: 310104}
	if err := setup.CreateUnit(ctx, unit); err != nil {
		t.Fatal(err)
	}
	if err := setup.CreateMembership(ctx, &model.Membership{AllianceID: al.ID, UnitID: unit.ID, Rank: model.RankCouncil,
		JoinedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	sec := testenv.CreateUser(t, setup, "multi_chair_sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, al.ID))
	contact := testenv.CreateUser(t, setup, "multi_chair", model.RoleUnitContact, model.DomainOf(model.DomainUnit, unit.ID))

	a := startInstance(t, ctx, dsn, t.TempDir(), nil)
	b := startInstance(t, ctx, dsn, t.TempDir(), nil)
	for _, in := range []*instance{a, b} {
		waitReady(t, in.base)
	}
	chain := authz.ChainAlliance(al.ID, al.DistrictID)
	if b.app.Authz.Can(contact.ID, chain, "meeting", "create") {
		t.Fatal("the contact chairs before any term")
	}

	today := service.AllianceToday(a.app.DB.Now()) // the day by the clock the service reads
	last := today.AddDate(0, 0, 2)
	if _, err := service.NewRotation(service.Deps{DB: a.app.DB, Authz: a.app.Authz}).Create(ctx,
		model.Actor{UserID: sec.ID, Username: sec.Username},
		service.RotationTermInput{AllianceID: al.ID, UnitID: unit.ID, StartsOn: &today, EndsOn: &last}); err != nil {
		t.Fatal(err)
	}
	saved := time.Now()
	for !b.app.Authz.Can(contact.ID, chain, "meeting", "create") {
		if time.Since(saved) > time.Second {
			t.Fatal("the other instance did not give the chair's rights within a second")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the other instance gave the chair's rights after %v", time.Since(saved).Round(time.Millisecond))

	// The day after the last day (00:00 Asia/Shanghai), on both instances,
	// with nobody acting.
	after := last.AddDate(0, 0, 1).Add(-8 * time.Hour) // midnight in Shanghai, in UTC
	for _, in := range []*instance{a, b} {
		in.app.Authz.SetClock(func() time.Time { return after.Add(-time.Minute) })
		if !in.app.Authz.Can(contact.ID, chain, "meeting", "create") {
			t.Fatalf("%s: no chair on the term's last minute", in.base)
		}
		in.app.Authz.SetClock(func() time.Time { return after })
		if in.app.Authz.Can(contact.ID, chain, "meeting", "create") {
			t.Fatalf("%s: still chair the day after the term", in.base)
		}
	}
}

// waitReady waits until base answers /readyz with 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready", base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
