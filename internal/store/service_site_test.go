package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestGeographyStore writes streets, grids and sites on both dialects, then
// lists them scoped, filtered, sorted and paged, streams them in the list's
// order, and checks the code uniqueness and the site's version.
func TestGeographyStore(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		xh := model.Scope{Districts: []int64{310104}}
		street := func(d int64, code, name string) *model.Street {
			s := &model.Street{DistrictID: d, Code: code, Name: name}
			if err := db.CreateStreet(ctx, s); err != nil {
				t.Fatalf("street %s: %v", name, err)
			}
			return s
		}
		hn := street(310104, "310104011", "湖南路街道")
		tp := street(310104, "310104012", "天平路街道")
		hp := street(310101, "310101002", "南京东路街道")

		// A code is unique across the city: a field error, not a 500.
		err := db.CreateStreet(ctx, &model.Street{DistrictID: 310101, Code: "310104011", Name: "重复"})
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Fields["code"] != "geo.code_taken" {
			t.Fatalf("duplicate street code: %v", err)
		}
		if err := db.UpdateStreet(ctx, tp.ID, 1, "310104011", "天平路街道"); !errors.As(err, &ve) {
			t.Fatalf("update to a taken code: %v", err)
		}

		// Streets: scope and filters, with the counts of what references them.
		g := &model.Grid{StreetID: hn.ID, DistrictID: 310104, Code: "G-1", Name: "湖南一网格"}
		if err := db.CreateGrid(ctx, g); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateGrid(ctx, &model.Grid{StreetID: hp.ID, DistrictID: 310101, Code: "G-1", Name: "x"}); !errors.As(err, &ve) {
			t.Fatalf("duplicate grid code: %v", err)
		}
		l, err := db.ListStreets(ctx, store.StreetFilter{Scope: xh}, model.PageRequest{})
		if err != nil || l.Total != 2 || l.Items[0].Name != "湖南路街道" || l.Items[0].GridCount != 1 || l.Items[1].GridCount != 0 {
			t.Fatalf("scoped streets: %+v %v", l, err)
		}
		if l, _ := db.ListStreets(ctx, store.StreetFilter{Scope: model.Scope{Alliances: []int64{1}}}, model.PageRequest{}); l.Total != 0 {
			t.Errorf("an alliance scope sees %d streets, want none", l.Total)
		}
		if l, _ := db.ListStreets(ctx, store.StreetFilter{Scope: model.Scope{All: true}, Name: "路"}, model.PageRequest{Sort: "name", Desc: true}); l.Total != 3 {
			t.Errorf("city-wide name filter: %d", l.Total)
		}
		if err := db.SetStreetStatus(ctx, tp.ID, 1, model.StatusInactive); err != nil {
			t.Fatal(err)
		}
		if l, _ := db.ListStreets(ctx, store.StreetFilter{Scope: xh, Status: model.StatusActive}, model.PageRequest{}); l.Total != 1 {
			t.Errorf("active streets: %d", l.Total)
		}
		if opts, _ := db.StreetOptions(ctx, []int64{310104}, true); len(opts) != 1 || opts[0].ID != hn.ID {
			t.Errorf("active street options: %+v", opts)
		}
		if err := db.SetStreetStatus(ctx, 999999, 1, model.StatusInactive); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing street: %v", err)
		}

		// Sites: 25 in 湖南路 with seats 0..24, one in 黄浦.
		unit := &model.Unit{ID: geoInsertUnit(t, db, "徐汇区图书馆", 310104)}
		for i := 0; i < 25; i++ {
			s := &model.ServiceSite{Name: fmt.Sprintf("湖南路阵地%02d", i), Kind: "community_center", DistrictID: 310104, StreetID: hn.ID, Seats: i}
			if i%5 == 0 {
				s.GridID, s.ManagingUnitID, s.Kind = &g.ID, &unit.ID, "riverside_post"
			}
			if err := db.CreateServiceSite(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		foreign := &model.ServiceSite{Name: "外滩驿站", Kind: "riverside_post", DistrictID: 310101, StreetID: hp.ID}
		if err := db.CreateServiceSite(ctx, foreign); err != nil {
			t.Fatal(err)
		}
		sl, err := db.ListServiceSites(ctx, store.ServiceSiteFilter{Scope: xh, Kind: "riverside_post"}, model.PageRequest{Sort: "seats", Desc: true})
		if err != nil || sl.Total != 5 || sl.Items[0].Seats != 20 || sl.Items[0].GridName != "湖南一网格" || sl.Items[0].ManagingUnitName != "徐汇区图书馆" || sl.Items[0].StreetName != "湖南路街道" {
			t.Fatalf("sites by kind, seats desc: %+v %v", sl, err)
		}
		// Keyset pages: 25 rows in pages of 10, by seats; none foreign.
		var seen []int
		req := model.PageRequest{Limit: 10, Sort: "seats"}
		for {
			p, err := db.ListServiceSites(ctx, store.ServiceSiteFilter{Scope: xh}, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Items {
				seen = append(seen, r.Seats)
			}
			if p.Next == "" {
				break
			}
			req.After = p.Next
		}
		if len(seen) != 25 || seen[0] != 0 || seen[24] != 24 {
			t.Fatalf("paged seats: %v", seen)
		}
		// The export walk keeps the list's order past a batch (no count, no cap).
		for i := 0; i < model.MaxPageSize; i++ {
			if err := db.CreateServiceSite(ctx, &model.ServiceSite{Name: fmt.Sprintf("批量%03d", i), Kind: "other", DistrictID: 310104, StreetID: hn.ID, Seats: 100}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		err = db.EachServiceSite(ctx, store.ServiceSiteFilter{Scope: xh}, model.PageRequest{Sort: "name", Desc: true}, func(r *store.ServiceSiteRow) error {
			names = append(names, r.Name)
			return nil
		})
		if err != nil || len(names) != 25+model.MaxPageSize {
			t.Fatalf("each: %d rows, %v", len(names), err)
		}
		for i := 1; i < len(names); i++ {
			if names[i] > names[i-1] {
				t.Fatalf("each out of order at %d: %q after %q", i, names[i], names[i-1])
			}
		}

		// Version: a stale write is a conflict and changes nothing.
		r, err := db.ServiceSiteByID(ctx, foreign.ID)
		if err != nil || r.Version != 1 || r.StreetName != "南京东路街道" || r.GridName != "" {
			t.Fatalf("site by id: %+v %v", r, err)
		}
		upd := r.ServiceSite
		upd.Name = "外滩党群服务驿站"
		if err := db.UpdateServiceSite(ctx, &upd); err != nil || upd.Version != 2 {
			t.Fatalf("update: %v (version %d)", err, upd.Version)
		}
		stale := r.ServiceSite
		stale.Name = "旧名字"
		if err := db.UpdateServiceSite(ctx, &stale); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		if err := db.SetServiceSiteStatus(ctx, foreign.ID, 1, model.StatusInactive); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("stale status change: %v", err)
		}
		if err := db.SetServiceSiteStatus(ctx, foreign.ID, 2, model.StatusInactive); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.ServiceSiteByID(ctx, foreign.ID); r.Name != "外滩党群服务驿站" || r.Status != model.StatusInactive || r.Version != 3 {
			t.Errorf("after the writes: %+v", r)
		}
		if _, err := db.ServiceSiteByID(ctx, 999999); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing site: %v", err)
		}

		// Form lookups.
		if us, _ := db.SiteUnitOptions(ctx, []int64{310101}, 10); len(us) != 0 {
			t.Errorf("units of 黄浦: %+v", us)
		}
		if us, _ := db.SiteUnitOptions(ctx, []int64{310104}, 10); len(us) != 1 || us[0].Name != "徐汇区图书馆" {
			t.Errorf("units of 徐汇: %+v", us)
		}
		if gs, _ := db.GridOptions(ctx, []int64{310101}, 0, true, 0); len(gs) != 0 {
			t.Errorf("grids of 黄浦: %+v", gs)
		}
		if gs, _ := db.GridOptions(ctx, nil, hn.ID, true, 0); len(gs) != 1 || gs[0].StreetName != "湖南路街道" {
			t.Errorf("grids of 湖南路: %+v", gs)
		}
		if n, _ := db.CountSitesOfGrid(ctx, g.ID); n != 5 {
			t.Errorf("sites of the grid: %d", n)
		}
	})
}

// geoInsertUnit adds an active member unit with plain SQL (the units area
// owns their store methods) and returns its id.
func geoInsertUnit(t *testing.T, db *store.DB, name string, district int64) int64 {
	t.Helper()
	var id int64
	q := fmt.Sprintf("INSERT INTO units (name, kind, district_id) VALUES ('%s', 'institution', %d) RETURNING id", name, district)
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&id); err != nil {
		t.Fatalf("insert unit %s: %v", name, err)
	}
	return id
}
