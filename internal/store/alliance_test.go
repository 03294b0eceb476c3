package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// allianceTestUnit inserts a unit row directly (the unit store is another
// area's); it returns the id.
func allianceTestUnit(t *testing.T, db *store.DB, name string, district int64) int64 {
	t.Helper()
	var id int64
	q := fmt.Sprintf("INSERT INTO units (name, kind, district_id) VALUES ('%s', 'gov', %d) RETURNING id", name, district)
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func allianceTestStreet(t *testing.T, db *store.DB, code, name string, district int64) int64 {
	t.Helper()
	var id int64
	q := fmt.Sprintf("INSERT INTO streets (district_id, code, name) VALUES (%d, '%s', '%s') RETURNING id", district, code, name)
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func allianceTestDay(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func TestAllianceStore(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		street := allianceTestStreet(t, db, "310104011", "凌云路街道", 310104)
		mk := func(name string, district int64, founded *time.Time, streetID *int64) *model.Alliance {
			level := model.LevelDistrict
			if streetID != nil {
				level = model.LevelStreet
			}
			a := &model.Alliance{Name: name, Kind: "regional", Level: level, DistrictID: district, StreetID: streetID, FoundedOn: founded}
			if err := db.CreateAlliance(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		a1 := mk("凌云路街道区域化党建联盟", 310104, allianceTestDay(2019, 3, 5), &street)
		a2 := mk("徐汇滨江党建联盟", 310104, nil, nil)
		a3 := mk("徐家汇商圈党建联盟", 310104, allianceTestDay(2021, 7, 1), nil)
		a4 := mk("外滩金融党建联盟", 310101, allianceTestDay(2018, 1, 2), nil)

		// Dates come back as the same calendar day.
		got, err := db.AllianceRowByID(ctx, a1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FoundedOn == nil || got.FoundedOn.UTC().Format(time.DateOnly) != "2019-03-05" || got.StreetName != "凌云路街道" || got.DistrictName != "徐汇区" {
			t.Fatalf("row: %+v", got)
		}

		// Scope: a district grant sees its district, an alliance grant its alliance.
		names := func(l model.List[store.AllianceRow]) []string {
			var out []string
			for _, r := range l.Items {
				out = append(out, r.Name)
			}
			return out
		}
		l, err := db.ListAlliances(ctx, store.AllianceFilter{Scope: model.Scope{Districts: []int64{310104}}}, model.PageRequest{})
		if err != nil || l.Total != 3 {
			t.Fatalf("district scope: %v %v", names(l), err)
		}
		l, _ = db.ListAlliances(ctx, store.AllianceFilter{Scope: model.Scope{Alliances: []int64{a4.ID}}}, model.PageRequest{})
		if l.Total != 1 || l.Items[0].ID != a4.ID {
			t.Fatalf("alliance scope: %v", names(l))
		}
		l, _ = db.ListAlliances(ctx, store.AllianceFilter{}, model.PageRequest{})
		if l.Total != 0 {
			t.Fatalf("empty scope: %v", names(l))
		}

		// Keyset paging by founding date, NULL first, over two pages, both ways.
		all := model.Scope{All: true}
		req := model.PageRequest{Sort: "founded", Limit: 2}
		p1, err := db.ListAlliances(ctx, store.AllianceFilter{Scope: all}, req)
		if err != nil {
			t.Fatal(err)
		}
		req.After = p1.Next
		p2, err := db.ListAlliances(ctx, store.AllianceFilter{Scope: all}, req)
		if err != nil {
			t.Fatal(err)
		}
		order := append(names(p1), names(p2)...)
		want := []string{a2.Name, a4.Name, a1.Name, a3.Name}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("founded order %v, want %v", order, want)
		}
		req = model.PageRequest{Sort: "founded", Desc: true, Limit: 3}
		p1, _ = db.ListAlliances(ctx, store.AllianceFilter{Scope: all}, req)
		req.After = p1.Next
		p2, _ = db.ListAlliances(ctx, store.AllianceFilter{Scope: all}, req)
		if got := append(names(p1), names(p2)...); fmt.Sprint(got) != fmt.Sprint([]string{a3.Name, a1.Name, a4.Name, a2.Name}) {
			t.Fatalf("founded desc %v", got)
		}

		// Filters.
		l, _ = db.ListAlliances(ctx, store.AllianceFilter{Scope: all, Name: "徐", Level: model.LevelDistrict, DistrictID: 310104}, model.PageRequest{})
		if fmt.Sprint(names(l)) != fmt.Sprint([]string{a3.Name, a2.Name}) {
			t.Fatalf("filtered: %v", names(l))
		}

		// Stale version.
		a2.Description = "滨江"
		if err := db.UpdateAlliance(ctx, a2, 1); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateAlliance(ctx, a2, 1); !allianceIsConflict(err) {
			t.Fatalf("stale update: %v", err)
		}
		if taken, _ := db.AllianceNameTaken(ctx, 310104, a3.Name, 0); !taken {
			t.Error("name taken not seen")
		}
		if taken, _ := db.AllianceNameTaken(ctx, 310101, a3.Name, 0); taken {
			t.Error("name taken in another district")
		}

		// Memberships: join, leave (history), join again.
		u1 := allianceTestUnit(t, db, "上海市徐汇区凌云路街道办事处", 310104)
		u2 := allianceTestUnit(t, db, "复旦大学附属中山医院", 310104)
		m1 := &model.Membership{AllianceID: a1.ID, UnitID: u1, Rank: model.RankMember, JoinedOn: *allianceTestDay(2020, 1, 1)}
		m2 := &model.Membership{AllianceID: a1.ID, UnitID: u2, Rank: model.RankCouncil, JoinedOn: *allianceTestDay(2020, 1, 1), LetterSignedOn: allianceTestDay(2020, 1, 15)}
		for _, m := range []*model.Membership{m1, m2} {
			if err := db.CreateMembership(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateMembership(ctx, &model.Membership{AllianceID: a1.ID, UnitID: u1, Rank: model.RankMember, JoinedOn: *allianceTestDay(2020, 2, 1)}); err == nil {
			t.Fatal("a second current membership was accepted")
		}
		ml, err := db.ListMemberships(ctx, store.MembershipFilter{AllianceID: a1.ID}, model.PageRequest{})
		if err != nil || len(ml.Items) != 2 || ml.Items[0].UnitID != u2 {
			t.Fatalf("current members (council first): %+v %v", ml.Items, err)
		}
		if err := db.EndMembership(ctx, m1.ID, 1, *allianceTestDay(2024, 6, 30)); err != nil {
			t.Fatal(err)
		}
		if err := db.EndMembership(ctx, m1.ID, 2, *allianceTestDay(2024, 6, 30)); !allianceIsConflict(err) {
			t.Fatalf("leaving twice: %v", err)
		}
		again := &model.Membership{AllianceID: a1.ID, UnitID: u1, Rank: model.RankMember, JoinedOn: *allianceTestDay(2025, 1, 1)}
		if err := db.CreateMembership(ctx, again); err != nil {
			t.Fatal(err)
		}
		left, _ := db.ListMemberships(ctx, store.MembershipFilter{AllianceID: a1.ID, State: store.MembershipsLeft}, model.PageRequest{Sort: "left_on", Desc: true})
		if len(left.Items) != 1 || left.Items[0].ID != m1.ID || left.Items[0].LeftOn.UTC().Format(time.DateOnly) != "2024-06-30" {
			t.Fatalf("history: %+v", left.Items)
		}
		cands, _ := db.MembershipCandidates(ctx, a1.ID, 310104, 100)
		if len(cands) != 0 {
			t.Fatalf("candidates: %+v", cands)
		}
		cands, _ = db.MembershipCandidates(ctx, a2.ID, 310104, 100)
		if len(cands) != 2 {
			t.Fatalf("candidates of a2: %+v", cands)
		}

		// Committees: scope through the alliance, members, a unit leaving.
		c := &model.Committee{AllianceID: a1.ID, Name: "文化体育专委会", ConvenorUnitID: &u2}
		if err := db.CreateCommittee(ctx, c); err != nil {
			t.Fatal(err)
		}
		for _, u := range []int64{u1, u2} {
			if ok, err := db.AddCommitteeMember(ctx, c.ID, u); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		if ok, _ := db.AddCommitteeMember(ctx, c.ID, u1); ok {
			t.Error("added twice")
		}
		cl, _ := db.ListCommittees(ctx, store.CommitteeFilter{Scope: model.Scope{Districts: []int64{310101}}}, model.PageRequest{})
		if cl.Total != 0 {
			t.Fatal("foreign district sees the committee")
		}
		cl, _ = db.ListCommittees(ctx, store.CommitteeFilter{Scope: model.Scope{Alliances: []int64{a1.ID}}}, model.PageRequest{})
		if cl.Total != 1 || cl.Items[0].MemberCount != 2 || cl.Items[0].ConvenorName != "复旦大学附属中山医院" || cl.Items[0].DistrictID != 310104 {
			t.Fatalf("committee row: %+v", cl.Items)
		}
		if err := db.DropUnitFromCommittees(ctx, a1.ID, u2); err != nil {
			t.Fatal(err)
		}
		cr, _ := db.CommitteeByID(ctx, c.ID)
		if cr.ConvenorUnitID != nil || cr.MemberCount != 1 {
			t.Fatalf("after the convenor left: %+v", cr)
		}
	})
}

func allianceIsConflict(err error) bool {
	_, ok := err.(*model.ConflictError)
	return ok
}
