package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// geoAdmin is the matrix's district admin of 徐汇区 (310104), shared with
// the units area (whichever init runs first adds it); foreign objects live
// in 黄浦区 (310101).
const geoAdmin = "district_admin_xh"

var geoSeq atomic.Int64

func init() {
	if !slices.ContainsFunc(matrixRoles, func(r matrixRole) bool { return r.name == geoAdmin }) {
		matrixRoles = append(matrixRoles, matrixRole{geoAdmin, model.RoleDistrictAdmin, "district:310104"})
	}
	read := []string{sysadmin, reviewer, geoAdmin}
	manage := []string{sysadmin, geoAdmin}
	sys := []string{sysadmin}
	rows := []matrixRow{
		{"GET", "/api/v1/districts", anyUser, false},
		{"GET", "/api/v1/districts/{geo_district}/streets", anyUser, false},
	}
	// Each kind: its list, export, new form, create, then per object (own,
	// foreign) its pages and API.
	for _, k := range []struct{ page, api, own, foreign string }{
		{"/streets", "/api/v1/streets", "{street}", "{street_foreign}"},
		{"/grids", "/api/v1/grids", "{grid}", "{grid_foreign}"},
		{"/service-sites", "/api/v1/service-sites", "{site}", "{site_foreign}"},
	} {
		rows = append(rows,
			matrixRow{"GET", k.page, read, false},
			matrixRow{"GET", k.page + "/export", read, false},
			matrixRow{"GET", k.page + "/new", manage, false},
			matrixRow{"POST", k.page, manage, false},
			matrixRow{"GET", k.api, read, false},
			matrixRow{"POST", k.api, manage, false},
		)
		for _, obj := range []struct {
			ph           string
			read, manage []string
		}{{k.own, read, manage}, {k.foreign, sys, sys}} {
			p, a := k.page+"/"+obj.ph, k.api+"/"+obj.ph
			if k.page == "/service-sites" {
				rows = append(rows, matrixRow{"GET", p, obj.read, false})
			}
			rows = append(rows,
				matrixRow{"GET", p + "/edit", obj.manage, false},
				matrixRow{"POST", p, obj.manage, false},
				matrixRow{"POST", p + "/deactivate", obj.manage, false},
				matrixRow{"POST", p + "/activate", obj.manage, false},
				matrixRow{"GET", a, obj.read, false},
				matrixRow{"PATCH", a, obj.manage, false},
				matrixRow{"POST", a + "/deactivate", obj.manage, false},
				matrixRow{"POST", a + "/activate", obj.manage, false},
			)
		}
	}
	matrix = append(matrix, rows...)

	matrixFixtures["{geo_district}"] = func(*testing.T, *testenv.Server, map[string]string) string { return "310104" }
	matrixFixtures["{street}"] = func(t *testing.T, srv *testenv.Server, _ map[string]string) string {
		return fmt.Sprint(geoStreet(t, srv, 310104).ID)
	}
	matrixFixtures["{street_foreign}"] = func(t *testing.T, srv *testenv.Server, _ map[string]string) string {
		return fmt.Sprint(geoStreet(t, srv, 310101).ID)
	}
	matrixFixtures["{grid}"] = func(t *testing.T, srv *testenv.Server, _ map[string]string) string {
		return fmt.Sprint(geoGrid(t, srv, geoStreet(t, srv, 310104)).ID)
	}
	matrixFixtures["{grid_foreign}"] = func(t *testing.T, srv *testenv.Server, _ map[string]string) string {
		return fmt.Sprint(geoGrid(t, srv, geoStreet(t, srv, 310101)).ID)
	}
	matrixFixtures["{site}"] = func(t *testing.T, srv *testenv.Server, _ map[string]string) string {
		return fmt.Sprint(geoSite(t, srv, geoStreet(t, srv, 310104), "matrix site").ID)
	}
	matrixFixtures["{site_foreign}"] = func(t *testing.T, srv *testenv.Server, _ map[string]string) string {
		return fmt.Sprint(geoSite(t, srv, geoStreet(t, srv, 310101), "matrix site").ID)
	}

}

// geoStreet makes a fresh active street in a district through the store.
func geoStreet(t *testing.T, srv *testenv.Server, district int64) *model.Street {
	t.Helper()
	n := geoSeq.Add(1)
	st := &model.Street{DistrictID: district, Code: fmt.Sprintf("%d%06d", district, n), Name: fmt.Sprintf("测试街道%d", n)}
	if err := srv.DB.CreateStreet(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// geoGrid makes a fresh active grid of a street through the store.
func geoGrid(t *testing.T, srv *testenv.Server, st *model.Street) *model.Grid {
	t.Helper()
	n := geoSeq.Add(1)
	g := &model.Grid{StreetID: st.ID, DistrictID: st.DistrictID, Code: fmt.Sprintf("G%d", n), Name: fmt.Sprintf("测试网格%d", n)}
	if err := srv.DB.CreateGrid(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	return g
}

// geoSite makes a fresh active community centre in a street through the store.
func geoSite(t *testing.T, srv *testenv.Server, st *model.Street, name string) *model.ServiceSite {
	t.Helper()
	s := &model.ServiceSite{Name: name, Kind: "community_center", DistrictID: st.DistrictID, StreetID: st.ID, Seats: 10}
	if err := srv.DB.CreateServiceSite(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// csvRows reads an export answer back, without its header.
func csvRows(t *testing.T, res *testenv.Response) [][]string {
	t.Helper()
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s %.300s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("export does not parse: %v", err)
	}
	return recs[1:]
}

// apiJSON sends a JSON body with the session's CSRF token.
func apiJSON(t *testing.T, c *testenv.Client, method, path string, body any) *testenv.Response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, c.URL(path), strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRFCookie())
	return c.Do(req)
}

// TestStreetsAndGrids: a district admin of 徐汇 keeps the streets and grids
// of 徐汇, never sees 黄浦's, and cannot write there.
func TestStreetsAndGrids(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "xh.admin", model.RoleDistrictAdmin, "district:310104")
			srv.CreateUser(t, "unit.contact", model.RoleUnitContact, "unit:1")
			xh := srv.Client(t)
			xh.Login("xh.admin", testenv.Password)
			hp := geoStreet(t, srv, 310101)
			hp.Name = "南京东路街道"
			if err := srv.DB.UpdateStreet(t.Context(), hp.ID, hp.Version, hp.Code, hp.Name); err != nil {
				t.Fatal(err)
			}
			geoGrid(t, srv, hp)

			// The form offers 徐汇 only; a refused form keeps what was typed.
			res := xh.Get("/streets/new")
			if res.Status != http.StatusOK {
				t.Fatalf("new street form: %d", res.Status)
			}
			if opts := res.Doc(t).Find("#district_id option"); opts.Length() != 1 || opts.AttrOr("value", "") != "310104" {
				t.Errorf("district choices: %d", opts.Length())
			}
			res = xh.Submit("/streets/new", "/streets", url.Values{"district_id": {"310104"}, "code": {"3101-04"}, "name": {"湖南路街道"}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad code: %d", res.Status)
			}
			doc := res.Doc(t)
			if msg := doc.Find("#code-error").Text(); !strings.Contains(msg, "6 至 12 位数字") {
				t.Errorf("code error = %q", msg)
			}
			if v, _ := doc.Find("#name").Attr("value"); v != "湖南路街道" {
				t.Errorf("typed name lost: %q", v)
			}
			for _, st := range []struct{ code, name string }{{"310104011", "湖南路街道"}, {"310104012", "天平路街道"}, {"310104013", "枫林路街道"}} {
				res = xh.Submit("/streets/new", "/streets", url.Values{"district_id": {"310104"}, "code": {st.code}, "name": {st.name}})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("create %s: %d %.300s", st.name, res.Status, res.Body)
				}
			}
			res = xh.Submit("/streets/new", "/streets", url.Values{"district_id": {"310104"}, "code": {"310104011"}, "name": {"重复"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#code-error").Text(), "已被使用") {
				t.Errorf("duplicate code: %d", res.Status)
			}

			// Another district: outside the scope, so 404 (as if it did not exist).
			res = xh.Submit("/streets/new", "/streets", url.Values{"district_id": {"310101"}, "code": {"310101099"}, "name": {"越界街道"}})
			if res.Status != http.StatusNotFound {
				t.Errorf("street in 310101 by a 310104 admin: %d, want 404", res.Status)
			}
			if res := apiJSON(t, xh, "POST", "/api/v1/streets", map[string]any{"district_id": 310101, "code": "310101099", "name": "越界街道"}); res.Status != http.StatusNotFound {
				t.Errorf("API street in 310101: %d, want 404", res.Status)
			}
			for _, p := range []string{fmt.Sprintf("/streets/%d/edit", hp.ID), fmt.Sprintf("/api/v1/streets/%d", hp.ID)} {
				if res := xh.Get(p); res.Status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", p, res.Status)
				}
			}
			if res := xh.Submit("/streets", fmt.Sprintf("/streets/%d/deactivate", hp.ID), url.Values{}); res.Status != http.StatusNotFound {
				t.Errorf("deactivating a foreign street: %d", res.Status)
			}

			// Lists and exports hold 徐汇 only, even when asked for 黄浦.
			res = xh.Get("/streets")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "湖南路街道") || strings.Contains(res.Body, "南京东路街道") {
				t.Fatalf("street list: %d", res.Status)
			}
			if n := res.Doc(t).Find("#streets tbody tr").Length(); n != 3 {
				t.Errorf("street list rows: %d, want 3", n)
			}
			if rows := csvRows(t, xh.Get("/streets/export?format=csv&district_id=310101")); len(rows) != 0 {
				t.Errorf("export of 黄浦 as a 徐汇 admin: %q", rows)
			}
			rows := csvRows(t, xh.Get("/streets/export?format=csv&name="+url.QueryEscape("路")+"&sort=code"))
			if got := fmt.Sprint(rows); got != "[[310104011 湖南路街道 徐汇区 0 0 启用] [310104012 天平路街道 徐汇区 0 0 启用] [310104013 枫林路街道 徐汇区 0 0 启用]]" {
				t.Errorf("street export: %s", got)
			}
			var api struct {
				Items []struct {
					ID         int64  `json:"id"`
					DistrictID int64  `json:"district_id"`
					Code       string `json:"code"`
				} `json:"items"`
				Total int64 `json:"total"`
			}
			res = xh.Get("/api/v1/streets?district_id=310104&sort=code")
			if err := json.Unmarshal([]byte(res.Body), &api); err != nil || api.Total != 3 || api.Items[0].Code != "310104011" {
				t.Fatalf("API streets: %s", res.Body)
			}
			hn, tp := api.Items[0].ID, api.Items[1].ID
			if res := xh.Get("/api/v1/streets?district_id=abc"); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "district_id") {
				t.Errorf("API bad filter: %d %s", res.Status, res.Body)
			}

			// A grid takes the street's district; a foreign street is 404.
			res = xh.Submit("/grids/new", "/grids", url.Values{"street_id": {fmt.Sprint(hn)}, "code": {"310104011-01"}, "name": {"湖南第一网格"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("create grid: %d %.300s", res.Status, res.Body)
			}
			if res := xh.Submit("/grids/new", "/grids", url.Values{"street_id": {fmt.Sprint(hp.ID)}, "code": {"X-1"}, "name": {"越界网格"}}); res.Status != http.StatusNotFound {
				t.Errorf("grid in a foreign street: %d", res.Status)
			}
			res = xh.Get("/grids")
			if n := res.Doc(t).Find("#grids tbody tr").Length(); n != 1 || !strings.Contains(res.Body, "湖南第一网格") {
				t.Errorf("grid list: %d rows", n)
			}
			if rows := csvRows(t, xh.Get("/grids/export?format=csv")); len(rows) != 1 || rows[0][2] != "湖南路街道" || rows[0][3] != "徐汇区" {
				t.Errorf("grid export: %q", rows)
			}

			// A deactivated street is not offered in new forms, and refused.
			res = xh.Submit("/streets", fmt.Sprintf("/streets/%d/deactivate", tp), url.Values{"back": {"/streets?status=active"}, "version": {versionOf(t, srv, "streets", tp)}})
			if res.Status != http.StatusSeeOther || res.Location() != "/streets?status=active" {
				t.Fatalf("deactivate: %d %s", res.Status, res.Location())
			}
			for _, form := range []string{"/grids/new", "/service-sites/new"} {
				doc := xh.Get(form).Doc(t)
				if doc.Find(fmt.Sprintf(`#street_id option[value="%d"]`, tp)).Length() != 0 {
					t.Errorf("%s offers the deactivated street", form)
				}
				if doc.Find(fmt.Sprintf(`#street_id option[value="%d"]`, hn)).Length() != 1 {
					t.Errorf("%s does not offer an active street", form)
				}
			}
			res = xh.Submit("/grids/new", "/grids", url.Values{"street_id": {fmt.Sprint(tp)}, "code": {"310104012-01"}, "name": {"天平网格"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#street_id-error").Text(), "已停用") {
				t.Errorf("grid on a deactivated street: %d", res.Status)
			}
			if rows := csvRows(t, xh.Get("/streets/export?format=csv&status=inactive")); len(rows) != 1 || rows[0][1] != "天平路街道" || rows[0][5] != "已停用" {
				t.Errorf("inactive streets export: %q", rows)
			}

			// Any logged-in user may read the districts and a district's
			// active streets (forms need them); the street list stays closed.
			uc := srv.Client(t)
			uc.Login("unit.contact", testenv.Password)
			res = uc.Get("/api/v1/districts/310104/streets")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "湖南路街道") || strings.Contains(res.Body, "天平路街道") {
				t.Errorf("district streets for a unit contact: %d %s", res.Status, res.Body)
			}
			if res := uc.Get("/api/v1/districts"); res.Status != http.StatusOK || strings.Count(res.Body, `"code"`) != 16 {
				t.Errorf("districts: %d %s", res.Status, res.Body)
			}
			if res := uc.Get("/api/v1/districts/999999/streets"); res.Status != http.StatusNotFound {
				t.Errorf("streets of no district: %d", res.Status)
			}
			if res := uc.Get("/streets"); res.Status != http.StatusForbidden {
				t.Errorf("street list for a unit contact: %d, want 403", res.Status)
			}

			// API edits: an absent field keeps its value; the district cannot change.
			res = apiJSON(t, xh, "PATCH", fmt.Sprintf("/api/v1/streets/%d", hn), map[string]any{"name": "湖南路街道办事处", "version": 1})
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `"code":"310104011"`) || !strings.Contains(res.Body, "湖南路街道办事处") {
				t.Errorf("PATCH street: %d %s", res.Status, res.Body)
			}
			res = apiJSON(t, xh, "PATCH", fmt.Sprintf("/api/v1/streets/%d", hn), map[string]any{"district_id": 310101, "version": 2})
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "所属区不能修改") {
				t.Errorf("PATCH street district: %d %s", res.Status, res.Body)
			}
		})
	}
}
