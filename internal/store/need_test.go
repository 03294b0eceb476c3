package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// listWorld is an alliance of 徐汇区 (310104) with two member units, and a
// unit of 黄浦区 (310101) outside it.
type listWorld struct {
	alliance      *model.Alliance
	unitA, unitB  int64
	foreignUnit   int64
	foreignStreet int64
}

func newListWorld(t *testing.T, db *store.DB) listWorld {
	t.Helper()
	ctx := context.Background()
	a := &model.Alliance{Name: fmt.Sprintf("清单测试联盟%d", time.Now().UnixNano()%100000), Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
	if err := db.CreateAlliance(ctx, a); err != nil {
		t.Fatal(err)
	}
	w := listWorld{alliance: a}
	for i, p := range []*int64{&w.unitA, &w.unitB, &w.foreignUnit} {
		d := int64(310104)
		if i == 2 {
			d = 310101
		}
		u := &model.Unit{Name: fmt.Sprintf("清单单位%d", i), Kind: "gov", DistrictID: d}
		if err := db.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		*p = u.ID
		if i < 2 {
			if err := db.CreateMembership(ctx, &model.Membership{AllianceID: a.ID, UnitID: u.ID, Rank: model.RankMember, JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := &model.Street{DistrictID: 310101, Code: "310101777", Name: "外区街道"}
	if err := db.CreateStreet(ctx, st); err != nil {
		t.Fatal(err)
	}
	w.foreignStreet = st.ID
	return w
}

func (w listWorld) need(t *testing.T, db *store.DB, unit int64, title, desc, status, visibility string) *model.Need {
	t.Helper()
	n := &model.Need{AllianceID: w.alliance.ID, DistrictID: 310104, SubmitterUnitID: unit, Title: title, Description: desc,
		Category: "care", Quantity: 10, Measure: "person_times", Status: status, Visibility: visibility}
	if err := db.CreateNeed(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return n
}

func needTitles(l model.List[store.NeedRow]) []string {
	var out []string
	for _, r := range l.Items {
		out = append(out, r.Title)
	}
	slices.Sort(out)
	return out
}

// TestNeedSearchChinese: 2- and 4-character Chinese queries (LIKE below 3
// characters; pg_trgm / FTS5 trigram from 3) find the right rows on both
// databases, in titles and descriptions, also after an edit.
func TestNeedSearchChinese(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListWorld(t, db)
		w.need(t, db, w.unitA, "加装电梯协调", "老旧小区加装电梯的居民协调会", model.NeedPublished, model.VisibleCity)
		w.need(t, db, w.unitA, "老年助餐", "为社区老人提供助餐服务", model.NeedPublished, model.VisibleCity)
		w.need(t, db, w.unitB, "青少年暑托", "暑期托管班需要志愿者", model.NeedPublished, model.VisibleCity)
		edited := w.need(t, db, w.unitB, "停车共享", "错峰停车", model.NeedPublished, model.VisibleCity)
		all := store.ListViewer{Own: model.Scope{All: true}}
		search := func(q string) []string {
			t.Helper()
			l, err := db.ListNeeds(ctx, store.NeedFilter{Query: q, Viewer: all}, model.PageRequest{})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			return needTitles(l)
		}
		cases := map[string][]string{
			"电梯":     {"加装电梯协调"},         // 2 characters: LIKE
			"加装电梯":   {"加装电梯协调"},         // 4 characters: trigram
			"助餐":     {"老年助餐"},           // title, 2
			"社区老人":   {"老年助餐"},           // description only, 4
			"志愿者":    {"青少年暑托"},          // description, 3
			"老":      {"加装电梯协调", "老年助餐"}, // 1 character
			"暑期 志愿者": {"青少年暑托"},          // two terms
			"电梯 助餐":  nil,                // both must match
			"100%":   nil,                // LIKE wildcards are literal
			"":       {"停车共享", "加装电梯协调", "老年助餐", "青少年暑托"},
		}
		for q, want := range cases {
			if got := search(q); !slices.Equal(got, want) {
				t.Errorf("search %q = %v, want %v", q, got, want)
			}
		}
		// The index follows an edit of the title.
		edited.Title = "错峰停车位共享"
		if err := db.UpdateNeed(ctx, edited, edited.Version); err != nil {
			t.Fatal(err)
		}
		if got := search("停车位共享"); !slices.Equal(got, []string{"错峰停车位共享"}) {
			t.Errorf("after edit: %v", got)
		}
		if got := search("停车共享"); got != nil {
			t.Errorf("old title still found: %v", got)
		}
	})
}

// TestNeedListVisibilityAndFilters: the list shows a viewer what the rules
// say (drafts only to owners, alliance-only needs to members), the row
// lookup answers not found for the rest, and the filters narrow it.
func TestNeedListVisibilityAndFilters(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListWorld(t, db)
		draft := w.need(t, db, w.unitA, "草稿需求", "", model.NeedDraft, model.VisibleCity)
		allianceOnly := w.need(t, db, w.unitA, "联盟内需求", "", model.NeedPublished, model.VisibleAlliance)
		district := w.need(t, db, w.unitB, "区内需求", "", model.NeedPublished, model.VisibleDistrict)
		city := w.need(t, db, w.unitB, "全市需求", "", model.NeedClosed, model.VisibleCity)

		unitA := store.ListViewer{Own: model.Scope{Units: []int64{w.unitA}}, Units: []int64{w.unitA}}
		unitB := store.ListViewer{Own: model.Scope{Units: []int64{w.unitB}}, Units: []int64{w.unitB}}
		foreign := store.ListViewer{Own: model.Scope{Units: []int64{w.foreignUnit}}, Units: []int64{w.foreignUnit}}
		otherXH := store.ListViewer{Units: []int64{99999}} // a unit id with no row: no district
		for _, v := range []*store.ListViewer{&unitA, &unitB, &foreign, &otherXH} {
			if err := db.ViewerUnits(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		secretary := store.ListViewer{Own: model.Scope{Alliances: []int64{w.alliance.ID}}, Read: model.Scope{Alliances: []int64{w.alliance.ID}}}
		reviewerHP := store.ListViewer{Read: model.Scope{Districts: []int64{310101}}}
		list := func(v store.ListViewer, f store.NeedFilter) []string {
			t.Helper()
			f.Viewer = v
			l, err := db.ListNeeds(ctx, f, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return needTitles(l)
		}
		checks := []struct {
			name string
			v    store.ListViewer
			f    store.NeedFilter
			want []string
		}{
			{"owner sees its draft", unitA, store.NeedFilter{}, []string{"全市需求", "区内需求", "联盟内需求", "草稿需求"}},
			{"fellow member: no draft", unitB, store.NeedFilter{}, []string{"全市需求", "区内需求", "联盟内需求"}},
			{"secretary", secretary, store.NeedFilter{}, []string{"全市需求", "区内需求", "联盟内需求", "草稿需求"}},
			{"foreign unit: city only", foreign, store.NeedFilter{}, []string{"全市需求"}},
			{"foreign reviewer: city only", reviewerHP, store.NeedFilter{}, []string{"全市需求"}},
			{"mine (unit A)", unitA, store.NeedFilter{Mine: true}, []string{"联盟内需求", "草稿需求"}},
			{"mine (secretary)", secretary, store.NeedFilter{Mine: true}, []string{"全市需求", "区内需求", "联盟内需求", "草稿需求"}},
			{"mine (foreign)", foreign, store.NeedFilter{Mine: true}, nil},
			{"status", secretary, store.NeedFilter{Status: model.NeedClosed}, []string{"全市需求"}},
			{"visibility", secretary, store.NeedFilter{Visibility: model.VisibleDistrict}, []string{"区内需求"}},
			{"unit", secretary, store.NeedFilter{UnitID: w.unitB}, []string{"全市需求", "区内需求"}},
			{"coverage none", secretary, store.NeedFilter{Coverage: model.CoverageNone}, []string{"全市需求", "区内需求", "联盟内需求", "草稿需求"}},
			{"coverage complete", secretary, store.NeedFilter{Coverage: model.CoverageComplete}, nil},
			{"district", secretary, store.NeedFilter{DistrictID: 310101}, nil},
		}
		for _, c := range checks {
			if got := list(c.v, c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		for _, c := range []struct {
			v  store.ListViewer
			id int64
			ok bool
		}{
			{unitB, draft.ID, false}, {unitA, draft.ID, true}, {foreign, allianceOnly.ID, false}, {foreign, district.ID, false},
			{foreign, city.ID, true}, {unitB, allianceOnly.ID, true}, {reviewerHP, district.ID, false},
		} {
			_, err := db.NeedRowFor(ctx, c.id, c.v)
			if c.ok != (err == nil) || (err != nil && !errors.Is(err, model.ErrNotFound)) {
				t.Errorf("need %d for %+v: %v", c.id, c.v, err)
			}
		}
		// Dates and sorts.
		day := func(d int) *time.Time { x := time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC); return &x }
		allianceOnly.WantedBy = day(10)
		if err := db.UpdateNeed(ctx, allianceOnly, allianceOnly.Version); err != nil {
			t.Fatal(err)
		}
		district.WantedBy = day(20)
		if err := db.UpdateNeed(ctx, district, district.Version); err != nil {
			t.Fatal(err)
		}
		if got := list(secretary, store.NeedFilter{WantedFrom: day(10), WantedTo: day(15)}); !slices.Equal(got, []string{"联盟内需求"}) {
			t.Errorf("wanted_by range: %v", got)
		}
		l, err := db.ListNeeds(ctx, store.NeedFilter{Viewer: secretary}, model.PageRequest{Sort: "wanted_by", Desc: true, Limit: 1})
		if err != nil || len(l.Items) != 1 || l.Items[0].Title != "区内需求" || l.Total != 4 {
			t.Fatalf("sort by wanted_by: %+v %v", l, err)
		}
		seen := []string{l.Items[0].Title}
		for l.Next != "" {
			if l, err = db.ListNeeds(ctx, store.NeedFilter{Viewer: secretary}, model.PageRequest{Sort: "wanted_by", Desc: true, Limit: 1, After: l.Next}); err != nil {
				t.Fatal(err)
			}
			seen = append(seen, l.Items[0].Title)
		}
		if len(seen) != 4 || seen[0] != "区内需求" || seen[1] != "联盟内需求" {
			t.Errorf("keyset pages: %v", seen)
		}
		var exported int
		if err := db.EachNeed(ctx, store.NeedFilter{Viewer: unitB}, model.PageRequest{}, 2, func(*store.NeedRow) error { exported++; return nil }); err != nil || exported != 3 {
			t.Errorf("each: %d %v", exported, err)
		}
	})
}

// TestNeedVersionsAndExpiry: a stale version is a conflict, a missing row
// not found; expiry ends open needs past wanted_by exactly once.
func TestNeedVersionsAndExpiry(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListWorld(t, db)
		n := w.need(t, db, w.unitA, "版本", "", model.NeedDraft, model.VisibleAlliance)
		if err := db.SetNeedStatus(ctx, n.ID, 1, model.NeedDraft, model.NeedPublished, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.SetNeedStatus(ctx, n.ID, 1, model.NeedPublished, model.NeedClosed, "x"); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale status change: %v", err)
		}
		if err := db.SetNeedStatus(ctx, 987654, 1, model.NeedPublished, model.NeedClosed, "x"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
		got, _ := db.NeedByID(ctx, n.ID)
		if got.PublishedAt == nil || got.Version != 2 {
			t.Errorf("published: %+v", got)
		}
		past := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		today := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
		got.WantedBy = &past
		if err := db.UpdateNeed(ctx, got, got.Version); err != nil {
			t.Fatal(err)
		}
		todayNeed := w.need(t, db, w.unitA, "今天到期", "", model.NeedPublished, model.VisibleAlliance)
		todayNeed.WantedBy = &today
		if err := db.UpdateNeed(ctx, todayNeed, 1); err != nil {
			t.Fatal(err)
		}
		var batches [][]int64
		err := db.WithTx(ctx, func(ctx context.Context) error {
			_, err := db.ExpireNeeds(ctx, today, func(ids []int64) error { batches = append(batches, ids); return nil })
			return err
		})
		if err != nil || len(batches) != 1 || !slices.Equal(batches[0], []int64{n.ID}) {
			t.Fatalf("expire: %v %v", batches, err)
		}
		if n2, _ := db.NeedByID(ctx, n.ID); n2.Status != model.NeedExpired {
			t.Errorf("status %s", n2.Status)
		}
		cnt, err := db.ExpireNeeds(ctx, today, func([]int64) error { t.Error("second run found rows"); return nil })
		if err != nil || cnt != 0 {
			t.Errorf("second run: %d %v", cnt, err)
		}
	})
}
