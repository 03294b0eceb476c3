package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// geoEnv is a district admin of 徐汇 (310104), a reviewer of 徐汇, the system
// admin and an alliance secretary, with the services over one database.
type geoEnv struct {
	db                      *store.DB
	geo                     *service.Geo
	sites                   *service.ServiceSites
	admin, rev, root, secty model.Actor
}

func newGeoEnv(t *testing.T, db *store.DB) *geoEnv {
	t.Helper()
	ctx := context.Background()
	as := func(u *model.User) model.Actor {
		return model.Actor{UserID: u.ID, Username: u.Username, IP: "10.1.2.3", RequestID: "req-" + u.Username}
	}
	e := &geoEnv{db: db}
	e.admin = as(testenv.CreateUser(t, db, "xh.admin", model.RoleDistrictAdmin, "district:310104"))
	e.rev = as(testenv.CreateUser(t, db, "xh.rev", model.RoleDistrictReviewer, "district:310104"))
	e.root = as(testenv.CreateUser(t, db, "root", model.RoleSysadmin, model.DomainSys))
	e.secty = as(testenv.CreateUser(t, db, "secty", model.RoleAllianceSecretary, "alliance:1"))
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	d := service.Deps{DB: db, Authz: az}
	e.geo, e.sites = service.NewGeo(d), service.NewServiceSites(d)
	return e
}

func fieldOf(err error, field string) string {
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields[field]
	}
	return ""
}

// TestGeoService: who may create and change streets and grids where, the
// rules of their fields, and the audit trail.
func TestGeoService(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newGeoEnv(t, db)

		// A district admin adds streets to their own district only; another
		// district is outside their scope (404), the reviewer may not (403).
		hn, err := e.geo.CreateStreet(ctx, e.admin, service.StreetInput{DistrictID: 310104, Code: " 310104011 ", Name: " 湖南路街道 "})
		if err != nil || hn.Code != "310104011" || hn.Name != "湖南路街道" || hn.Status != model.StatusActive {
			t.Fatalf("create street: %+v %v", hn, err)
		}
		if _, err := e.geo.CreateStreet(ctx, e.admin, service.StreetInput{DistrictID: 310101, Code: "310101002", Name: "南京东路街道"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("street in another district: %v, want not found", err)
		}
		if _, err := e.geo.CreateStreet(ctx, e.rev, service.StreetInput{DistrictID: 310104, Code: "310104012", Name: "天平路街道"}); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("street by a reviewer: %v, want forbidden", err)
		}
		if _, err := e.geo.CreateStreet(ctx, e.secty, service.StreetInput{DistrictID: 310104, Code: "310104012", Name: "天平路街道"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("street by an alliance secretary: %v, want not found", err)
		}
		for code, want := range map[string]string{"": model.MsgRequired, "31010": "street.bad_code", "3101040111234": "street.bad_code", "31010401a": "street.bad_code", "310104011": "geo.code_taken"} {
			_, err := e.geo.CreateStreet(ctx, e.admin, service.StreetInput{DistrictID: 310104, Code: code, Name: "某街道"})
			if got := fieldOf(err, "code"); got != want {
				t.Errorf("code %q: %q (%v), want %q", code, got, err, want)
			}
		}
		if _, err := e.geo.CreateStreet(ctx, e.root, service.StreetInput{DistrictID: 999999, Code: "999999001", Name: "无"}); fieldOf(err, "district_id") != "geo.bad_district" {
			t.Errorf("unknown district: %v", err)
		}
		hp, err := e.geo.CreateStreet(ctx, e.root, service.StreetInput{DistrictID: 310101, Code: "310101002", Name: "南京东路街道"})
		if err != nil {
			t.Fatal(err)
		}

		// An edit keeps the district.
		if _, err := e.geo.UpdateStreet(ctx, e.admin, hn.ID, service.StreetInput{DistrictID: 310101, Code: "310104011", Name: "湖南路街道", Version: hn.Version}); fieldOf(err, "district_id") != "street.district_fixed" {
			t.Errorf("moving a street: %v", err)
		}
		if _, err := e.geo.UpdateStreet(ctx, e.admin, hp.ID, service.StreetInput{Code: "310101002", Name: "改名", Version: hp.Version}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("editing a foreign street: %v", err)
		}
		if st, err := e.geo.UpdateStreet(ctx, e.admin, hn.ID, service.StreetInput{Code: "310104011", Name: "湖南路街道（新）", Version: hn.Version}); err != nil || st.Name != "湖南路街道（新）" {
			t.Fatalf("rename: %+v %v", st, err)
		}

		// Lists are scoped: the admin and the reviewer see 徐汇 only, the
		// secretary nothing, the system admin everything.
		for who, want := range map[string]int64{"admin": 1, "rev": 1, "secty": 0, "root": 2} {
			a := map[string]model.Actor{"admin": e.admin, "rev": e.rev, "secty": e.secty, "root": e.root}[who]
			l, err := e.geo.ListStreets(ctx, a, store.StreetFilter{}, model.PageRequest{})
			if err != nil || l.Total != want {
				t.Errorf("%s lists %d streets (%v), want %d", who, l.Total, err, want)
			}
		}
		if ds, _ := e.geo.DistrictsFor(ctx, e.admin, "street", "manage"); len(ds) != 1 || ds[0].ID != 310104 {
			t.Errorf("districts the admin manages streets in: %+v", ds)
		}
		if ds, _ := e.geo.DistrictsFor(ctx, e.root, "street", "manage"); len(ds) != 16 {
			t.Errorf("districts the system admin manages: %d", len(ds))
		}

		// Grids take their district from the street.
		g, err := e.geo.CreateGrid(ctx, e.admin, service.GridInput{StreetID: hn.ID, Code: "310104011-01", Name: "第一网格"})
		if err != nil || g.DistrictID != 310104 {
			t.Fatalf("create grid: %+v %v", g, err)
		}
		if _, err := e.geo.CreateGrid(ctx, e.admin, service.GridInput{StreetID: hp.ID, Code: "310101002-01", Name: "外滩网格"}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("grid in a foreign street: %v", err)
		}
		if _, err := e.geo.CreateGrid(ctx, e.admin, service.GridInput{StreetID: 999999, Code: "x1", Name: "x"}); fieldOf(err, "street_id") != "geo.bad_street" {
			t.Errorf("grid in no street: %v", err)
		}
		if _, err := e.geo.CreateGrid(ctx, e.admin, service.GridInput{StreetID: hn.ID, Code: "网格一", Name: "x"}); fieldOf(err, "code") != "grid.bad_code" {
			t.Errorf("grid code with Chinese: %v", err)
		}

		// A deactivated street is no longer offered, and refuses new grids.
		tp, err := e.geo.CreateStreet(ctx, e.admin, service.StreetInput{DistrictID: 310104, Code: "310104012", Name: "天平路街道"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.geo.SetStreetActive(ctx, e.admin, tp.ID, tp.Version, false); err != nil {
			t.Fatal(err)
		}
		if sts, _ := e.geo.StreetChoices(ctx, e.admin, "grid", 0); len(sts) != 1 || sts[0].ID != hn.ID {
			t.Errorf("street choices after deactivating 天平路: %+v", sts)
		}
		if _, err := e.geo.CreateGrid(ctx, e.admin, service.GridInput{StreetID: tp.ID, Code: "310104012-01", Name: "x"}); fieldOf(err, "street_id") != "geo.street_inactive" {
			t.Errorf("grid in a deactivated street: %v", err)
		}
		if sts, _ := e.geo.DistrictStreets(ctx, 310104); len(sts) != 1 {
			t.Errorf("active streets of 徐汇: %+v", sts)
		}

		// A grid that sites point to keeps its street.
		if _, err := e.geo.SetStreetActive(ctx, e.admin, tp.ID, tp.Version+1, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sites.Create(ctx, e.admin, service.SiteInput{Name: "湖南路党群服务中心", Kind: "community_center", StreetID: hn.ID, GridID: g.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.geo.UpdateGrid(ctx, e.admin, g.ID, service.GridInput{StreetID: tp.ID, Code: g.Code, Name: g.Name, Version: g.Version}); fieldOf(err, "street_id") != "grid.street_fixed" {
			t.Errorf("moving a grid with sites: %v", err)
		}
		g2, err := e.geo.CreateGrid(ctx, e.admin, service.GridInput{StreetID: hn.ID, Code: "310104011-02", Name: "第二网格"})
		if err != nil {
			t.Fatal(err)
		}
		if moved, err := e.geo.UpdateGrid(ctx, e.admin, g2.ID, service.GridInput{StreetID: tp.ID, Code: g2.Code, Name: g2.Name, Version: g2.Version}); err != nil || moved.StreetID != tp.ID {
			t.Errorf("moving an empty grid: %+v %v", moved, err)
		}

		// Every change left an audit row in the district's domain.
		l, err := db.ListAudit(ctx, store.AuditFilter{ObjectKind: "street"}, model.PageRequest{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range l.Items {
			actions = append(actions, a.Action+"@"+a.Domain)
		}
		want := fmt.Sprint([]string{"street.activate@district:310104", "street.deactivate@district:310104", "street.create@district:310104",
			"street.update@district:310104", "street.create@district:310101", "street.create@district:310104"})
		if fmt.Sprint(actions) != want {
			t.Errorf("street audit rows:\n got  %v\n want %s", actions, want)
		}
	})
}
