package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestServiceSitesService: the references of a site (kind, street, grid,
// managing unit) are checked against its district, edits are versioned,
// deactivation bumps the version, and the form offers what may be chosen.
func TestServiceSitesService(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newGeoEnv(t, db)
		street := func(d int64, code, name string) *model.Street {
			st, err := e.geo.CreateStreet(ctx, e.root, service.StreetInput{DistrictID: d, Code: code, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		grid := func(st *model.Street, code string) *model.Grid {
			g, err := e.geo.CreateGrid(ctx, e.root, service.GridInput{StreetID: st.ID, Code: code, Name: "网格" + code})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		hn, tp, hp := street(310104, "310104011", "湖南路街道"), street(310104, "310104012", "天平路街道"), street(310101, "310101002", "南京东路街道")
		gHN, gTP := grid(hn, "HN-01"), grid(tp, "TP-01")
		uXH, uHP := geoUnit(t, db, "徐汇区图书馆", 310104), geoUnit(t, db, "黄浦区文化馆", 310101)

		in := service.SiteInput{Name: "湖南路街道党群服务中心", Kind: "community_center", StreetID: hn.ID, GridID: gHN.ID,
			Address: "复兴中路 1200 号", OpeningHours: "周一至周五 9:00–17:00", Facilities: "多功能厅\n阅览室", Seats: "60",
			ManagingUnitID: fmt.Sprint(uXH)}
		site, err := e.sites.Create(ctx, e.admin, in)
		if err != nil || site.DistrictID != 310104 || site.Seats != 60 || site.Version != 1 || site.GridName != "网格HN-01" || site.ManagingUnitName != "徐汇区图书馆" {
			t.Fatalf("create: %+v %v", site, err)
		}

		// Each reference refused with its field named.
		for name, tc := range map[string]struct {
			mut         func(*service.SiteInput)
			field, want string
		}{
			"grid of another street": {func(i *service.SiteInput) { i.GridID = gTP.ID }, "grid_id", "site.grid_not_in_street"},
			"unknown grid":           {func(i *service.SiteInput) { i.GridID = 999999 }, "grid_id", "site.grid_not_in_street"},
			"unit of another district": {func(i *service.SiteInput) { i.ManagingUnitID = fmt.Sprint(uHP) }, "managing_unit_id",
				"site.unit_not_in_district"},
			"unknown unit":   {func(i *service.SiteInput) { i.ManagingUnitID = "999999" }, "managing_unit_id", "site.unit_not_in_district"},
			"unit not a no.": {func(i *service.SiteInput) { i.ManagingUnitID = "图书馆" }, "managing_unit_id", "site.bad_unit"},
			"unknown kind":   {func(i *service.SiteInput) { i.Kind = "castle" }, "kind", "site.bad_kind"},
			"negative seats": {func(i *service.SiteInput) { i.Seats = "-1" }, "seats", "site.seats_range"},
			"seats as words": {func(i *service.SiteInput) { i.Seats = "六十" }, "seats", "site.bad_seats"},
			"no name":        {func(i *service.SiteInput) { i.Name = "  " }, "name", model.MsgRequired},
			"bad status":     {func(i *service.SiteInput) { i.Status = "open" }, "status", "geo.bad_status"},
		} {
			bad := in
			tc.mut(&bad)
			if _, err := e.sites.Create(ctx, e.admin, bad); fieldOf(err, tc.field) != tc.want {
				t.Errorf("%s: %v, want %s on %s", name, err, tc.want, tc.field)
			}
		}
		// A street of another district is outside the admin's scope.
		foreign := in
		foreign.StreetID, foreign.GridID, foreign.ManagingUnitID = hp.ID, 0, ""
		if _, err := e.sites.Create(ctx, e.admin, foreign); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("site in another district: %v, want not found", err)
		}
		fs, err := e.sites.Create(ctx, e.root, foreign)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sites.Get(ctx, e.admin, fs.ID, "read"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("reading a foreign site: %v", err)
		}
		if _, err := e.sites.Get(ctx, e.rev, site.ID, "manage"); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("a reviewer managing a site: %v", err)
		}
		if l, _ := e.sites.List(ctx, e.admin, store.ServiceSiteFilter{}, model.PageRequest{}); l.Total != 1 || l.Items[0].ID != site.ID {
			t.Errorf("the admin's list: %+v", l)
		}

		// Versioned edits: the first wins, the second is a conflict.
		edit := in
		edit.Version, edit.Name = 1, "湖南路街道党群服务中心（新址）"
		if r, err := e.sites.Update(ctx, e.admin, site.ID, edit); err != nil || r.Version != 2 || r.Name != edit.Name {
			t.Fatalf("edit: %+v %v", r, err)
		}
		edit.Name = "另一个名字"
		if _, err := e.sites.Update(ctx, e.admin, site.ID, edit); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("stale edit: %v", err)
		}
		// Deactivating bumps the version: an edit opened before answers 409.
		if _, err := e.sites.SetActive(ctx, e.admin, site.ID, 1, false); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale deactivate: %v", err)
		}
		r, err := e.sites.SetActive(ctx, e.admin, site.ID, 2, false)
		if err != nil || r.Status != model.StatusInactive || r.Version != 3 {
			t.Fatalf("deactivate: %+v %v", r, err)
		}
		edit.Version = 2
		if _, err := e.sites.Update(ctx, e.admin, site.ID, edit); !errors.Is(err, model.ErrConflict) {
			t.Errorf("an edit opened before the deactivation: %v", err)
		}

		// A kind, street or grid deactivated since stays valid on an edit
		// that keeps it, and is refused when newly chosen.
		if _, err := e.geo.SetStreetActive(ctx, e.admin, hn.ID, hn.Version, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.geo.SetGridActive(ctx, e.admin, gHN.ID, gHN.Version, false); err != nil {
			t.Fatal(err)
		}
		keep := in
		keep.Version, keep.Status = 3, model.StatusActive
		if _, err := e.sites.Update(ctx, e.admin, site.ID, keep); err != nil {
			t.Errorf("edit keeping a deactivated street and grid: %v", err)
		}
		if _, err := e.sites.Create(ctx, e.admin, in); fieldOf(err, "street_id") != "geo.street_inactive" || fieldOf(err, "grid_id") != "geo.grid_inactive" {
			t.Errorf("new site on a deactivated street and grid: %v", err)
		}

		// The form offers active streets only (plus the edited site's own),
		// the grids of the chosen street, and the units of its district.
		o, err := e.sites.FormOptions(ctx, e.admin, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Streets) != 1 || o.Streets[0].ID != tp.ID || len(o.Grids) != 1 || o.Grids[0].ID != gTP.ID ||
			o.UnitsByNumber || len(o.Units) != 1 || o.Units[0].ID != uXH {
			t.Errorf("new-site options for the admin: %+v", o)
		}
		cur, _ := e.sites.Get(ctx, e.admin, site.ID, "manage")
		o, _ = e.sites.FormOptions(ctx, e.admin, &cur.ServiceSite, 0)
		if len(o.Streets) != 2 || len(o.Grids) != 1 || o.Grids[0].ID != gHN.ID {
			t.Errorf("edit options keep the site's street and grid: %+v", o)
		}
		o, _ = e.sites.FormOptions(ctx, e.root, nil, 0)
		if !o.UnitsByNumber || len(o.Grids) != 0 || len(o.Streets) != 2 {
			t.Errorf("the system admin's options before choosing a street: %+v", o)
		}
		o, _ = e.sites.FormOptions(ctx, e.root, nil, hp.ID)
		if o.UnitsByNumber || len(o.Units) != 1 || o.Units[0].ID != uHP {
			t.Errorf("the system admin's options in 南京东路: %+v", o)
		}
	})
}

// geoUnit adds an active member unit with plain SQL (the units area owns
// their service) and returns its id.
func geoUnit(t *testing.T, db *store.DB, name string, district int64) int64 {
	t.Helper()
	var id int64
	q := fmt.Sprintf("INSERT INTO units (name, kind, district_id) VALUES ('%s', 'institution', %d) RETURNING id", name, district)
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&id); err != nil {
		t.Fatalf("insert unit %s: %v", name, err)
	}
	return id
}
