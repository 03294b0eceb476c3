package service_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func allianceTestUnit(t *testing.T, db *store.DB, name string, district int64) int64 {
	t.Helper()
	u := &model.Unit{Name: name, Kind: "gov", DistrictID: district}
	if err := db.CreateUnit(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func allianceTestDate(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func allianceFields(err error) map[string]string {
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	return nil
}

// TestAlliancesService checks the rules of alliances, memberships and
// committees below the web layer: who may act where, the field rules, the
// history of memberships, committees following their members, and audit rows.
func TestAlliancesService(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		xh := testenv.CreateUser(t, db, "xh", model.RoleDistrictAdmin, "district:310104")
		hp := testenv.CreateUser(t, db, "hp", model.RoleDistrictAdmin, "district:310101")
		rev := testenv.CreateUser(t, db, "rev", model.RoleDistrictReviewer, "district:310104")
		az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		svc := service.NewAlliances(service.Deps{DB: db, Authz: az})
		as := func(u *model.User) model.Actor { return model.Actor{UserID: u.ID, Username: u.Username} }
		street := &model.Street{DistrictID: 310104, Code: "310104012", Name: "凌云路街道"}
		foreign := &model.Street{DistrictID: 310101, Code: "310101002", Name: "南京东路街道"}
		for _, s := range []*model.Street{street, foreign} {
			if err := db.CreateStreet(ctx, s); err != nil {
				t.Fatal(err)
			}
		}

		in := service.AllianceInput{Name: "凌云路街道区域化党建联盟", Kind: "regional", Level: model.LevelStreet, DistrictID: 310104, StreetID: &street.ID}
		// Another district's admin may not create here; a reviewer may read but not create.
		if _, err := svc.Create(ctx, as(hp), in); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign district admin creating: %v", err)
		}
		if _, err := svc.Create(ctx, as(rev), in); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("reviewer creating: %v", err)
		}
		// Field rules.
		bad := in
		bad.StreetID, bad.Kind, bad.FoundedOn = &foreign.ID, "nope", allianceTestDate(2999, 1, 1)
		f := allianceFields(func() error { _, err := svc.Create(ctx, as(xh), bad); return err }())
		if f["street_id"] != "alliance.street_other_district" || f["kind"] != "alliance.bad_kind" || f["founded_on"] != "alliance.date_future" {
			t.Errorf("field rules: %v", f)
		}
		bad = in
		bad.StreetID = nil
		if f := allianceFields(func() error { _, err := svc.Create(ctx, as(xh), bad); return err }()); f["street_id"] != "alliance.street_required" {
			t.Errorf("street level without a street: %v", f)
		}
		a, err := svc.Create(ctx, as(xh), in)
		if err != nil {
			t.Fatal(err)
		}
		if f := allianceFields(func() error { _, err := svc.Create(ctx, as(xh), in); return err }()); f["name"] != "alliance.name_taken" {
			t.Errorf("same name in the district: %v", f)
		}
		// The same name in another district is fine (and a district alliance drops a street).
		other := service.AllianceInput{Name: in.Name, Kind: "regional", Level: model.LevelDistrict, DistrictID: 310101, StreetID: &foreign.ID}
		b, err := svc.Create(ctx, as(hp), other)
		if err != nil || b.StreetID != nil {
			t.Fatalf("same name elsewhere: %+v %v", b, err)
		}
		// Reading is scoped.
		if _, err := svc.Get(ctx, as(xh), b.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("reading another district's alliance: %v", err)
		}
		l, err := svc.List(ctx, as(rev), store.AllianceFilter{}, model.PageRequest{})
		if err != nil || l.Total != 1 || l.Items[0].ID != a.ID {
			t.Errorf("reviewer's list: %+v %v", l.Items, err)
		}

		// The secretary edits their alliance, nobody else's; a stale version conflicts.
		sec := testenv.CreateUser(t, db, "sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
		if err := az.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		edit := in
		edit.Description, edit.Version = "联盟简介", a.Version
		if _, err := svc.Update(ctx, as(sec), a.ID, edit); err != nil {
			t.Fatalf("secretary edit: %v", err)
		}
		if _, err := svc.Update(ctx, as(sec), a.ID, edit); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale edit: %v", err)
		}
		if _, err := svc.Update(ctx, as(sec), b.ID, edit); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("secretary editing another alliance: %v", err)
		}
		if _, err := svc.SetActive(ctx, as(sec), a.ID, a.Version+1, false); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("secretary deactivating: %v", err)
		}

		// Memberships.
		u1 := allianceTestUnit(t, db, "上海凌云科技有限公司", 310104)
		u2 := allianceTestUnit(t, db, "徐汇区凌云社区卫生服务中心", 310104)
		hpUnit := allianceTestUnit(t, db, "黄浦区某单位", 310101)
		if f := allianceFields(func() error {
			_, err := svc.AddMember(ctx, as(sec), a.ID, service.MemberInput{UnitID: hpUnit, Rank: "chair"})
			return err
		}()); f["unit_id"] != "membership.unit_other_district" || f["rank"] != "membership.bad_rank" {
			t.Errorf("member rules: %v", f)
		}
		m1, err := svc.AddMember(ctx, as(sec), a.ID, service.MemberInput{UnitID: u1, Rank: model.RankCouncil, JoinedOn: allianceTestDate(2020, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMember(ctx, as(sec), a.ID, service.MemberInput{UnitID: u2, Rank: model.RankMember}); err != nil {
			t.Fatal(err)
		}
		if f := allianceFields(func() error {
			_, err := svc.AddMember(ctx, as(sec), a.ID, service.MemberInput{UnitID: u1, Rank: model.RankMember})
			return err
		}()); f["unit_id"] != "membership.already_member" {
			t.Errorf("joining twice: %v", f)
		}
		if _, err := svc.AddMember(ctx, as(hp), a.ID, service.MemberInput{UnitID: u1, Rank: model.RankMember}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign admin adding a member: %v", err)
		}

		// Committees follow the current members.
		cm, err := svc.CreateCommittee(ctx, as(sec), service.CommitteeInput{AllianceID: a.ID, Name: "文化体育专委会", ConvenorUnitID: &u1, MemberUnitIDs: []int64{u2}})
		if err != nil || cm.MemberCount != 2 {
			t.Fatalf("committee: %+v %v", cm, err)
		}
		if f := allianceFields(func() error {
			_, err := svc.CreateCommittee(ctx, as(sec), service.CommitteeInput{AllianceID: a.ID, Name: "文化体育专委会", ConvenorUnitID: &hpUnit})
			return err
		}()); f["name"] != "committee.name_taken" || f["convenor_unit_id"] != "committee.convenor_not_member" {
			t.Errorf("committee rules: %v", f)
		}
		if _, err := svc.RemoveCommitteeMember(ctx, as(sec), cm.ID, u1); !errors.Is(err, model.ErrRule) {
			t.Errorf("removing the convenor: %v", err)
		}
		if _, err := svc.AddCommitteeMember(ctx, as(hp), cm.ID, u2); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign admin on the committee: %v", err)
		}

		// Leaving: not before joining, kept as history, off the committees; joining again is a new row.
		if f := allianceFields(func() error {
			_, err := svc.LeaveMember(ctx, as(sec), a.ID, m1.ID, m1.Version, allianceTestDate(2019, 12, 31))
			return err
		}()); f["left_on"] != "membership.left_before_joined" {
			t.Errorf("leaving before joining: %v", f)
		}
		left, err := svc.LeaveMember(ctx, as(sec), a.ID, m1.ID, m1.Version, allianceTestDate(2024, 6, 30))
		if err != nil || left.LeftOn == nil {
			t.Fatalf("leave: %+v %v", left, err)
		}
		if _, err := svc.LeaveMember(ctx, as(sec), a.ID, m1.ID, m1.Version+1, nil); !errors.Is(err, model.ErrRule) {
			t.Errorf("leaving twice: %v", err)
		}
		if _, err := svc.UpdateMember(ctx, as(sec), a.ID, m1.ID, service.MemberChange{Rank: model.RankMember, Version: m1.Version + 1}); !errors.Is(err, model.ErrRule) {
			t.Errorf("changing history: %v", err)
		}
		cm, _, err = svc.Committee(ctx, as(sec), cm.ID)
		if err != nil || cm.ConvenorUnitID != nil || cm.MemberCount != 1 {
			t.Fatalf("committee after the convenor left: %+v %v", cm, err)
		}
		again, err := svc.AddMember(ctx, as(sec), a.ID, service.MemberInput{UnitID: u1, Rank: model.RankMember})
		if err != nil || again.ID == m1.ID {
			t.Fatalf("joining again: %+v %v", again, err)
		}
		all, _ := svc.Members(ctx, as(rev), a.ID, store.MembershipFilter{State: store.MembershipsAll}, model.PageRequest{})
		if all.Total != 3 {
			t.Errorf("memberships incl. history: %d", all.Total)
		}
		// A membership of another alliance is not found through this one.
		if _, err := svc.Member(ctx, as(sec), b.ID, m1.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("member via another alliance: %v", err)
		}

		// The grant form's alliances: active ones, by district then name.
		opts, err := svc.AllianceOptions(ctx)
		if err != nil || len(opts) != 2 || opts[0].DistrictID != 310101 {
			t.Errorf("alliance options: %+v %v", opts, err)
		}

		// Every change was audited in its domain.
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE domain = 'alliance:"+strconv.FormatInt(a.ID, 10)+"'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		// create, update, 3 joins, committee create, leave
		if n != 7 {
			t.Errorf("audit rows of the alliance: %d, want 7", n)
		}
	})
}
