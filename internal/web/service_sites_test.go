package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestServiceSites: a district admin of 徐汇 records the district's service
// sites; a grid of another street is refused next to the field; a stale
// edit answers 409 and keeps what was typed; lists and exports never show
// 黄浦's sites, and an export holds exactly the filtered rows.
func TestServiceSites(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "xh.admin", model.RoleDistrictAdmin, "district:310104")
			srv.CreateUser(t, "xh.rev", model.RoleDistrictReviewer, "district:310104")
			xh := srv.Client(t)
			xh.Login("xh.admin", testenv.Password)
			hn, tp := geoStreet(t, srv, 310104), geoStreet(t, srv, 310104)
			gHN, gTP := geoGrid(t, srv, hn), geoGrid(t, srv, tp)
			hp := geoStreet(t, srv, 310101)
			foreign := geoSite(t, srv, hp, "外滩党群服务驿站")
			unit := geoWebUnit(t, srv, "徐汇区图书馆", 310104)

			// The new form offers the street's grids (grouped by street) and
			// the district's units.
			doc := xh.Get("/service-sites/new").Doc(t)
			if doc.Find(fmt.Sprintf(`#grid_id option[value="%d"]`, gHN.ID)).Length() != 1 ||
				doc.Find(fmt.Sprintf(`#managing_unit_id option[value="%d"]`, unit)).Length() != 1 {
				t.Errorf("new site form lacks the district's grids or units")
			}
			// Choosing a street (htmx asks the form again) narrows the grids.
			doc = xh.Get(fmt.Sprintf("/service-sites/new?street_id=%d", tp.ID)).Doc(t)
			if doc.Find(`#site-deps #grid_id option[value]`).Length() != 2 || doc.Find(fmt.Sprintf(`#grid_id option[value="%d"]`, gTP.ID)).Length() != 1 {
				t.Errorf("grids of 天平路 only: %d options", doc.Find(`#grid_id option`).Length())
			}

			form := url.Values{"name": {"湖南路街道党群服务中心"}, "kind": {"community_center"}, "street_id": {fmt.Sprint(hn.ID)},
				"grid_id": {fmt.Sprint(gTP.ID)}, "address": {"复兴中路 1200 号"}, "opening_hours": {"周一至周五 9:00–17:00"},
				"facilities": {"多功能活动室（可容纳 60 人）\n阅览室"}, "seats": {"60"}, "managing_unit_id": {fmt.Sprint(unit)}, "status": {"active"}}
			// A grid of another street: refused next to the grid field, in Chinese.
			res := xh.Submit("/service-sites/new", "/service-sites", form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("grid of another street: %d", res.Status)
			}
			doc = res.Doc(t)
			if msg := doc.Find("#grid_id-error").Text(); msg != "所选网格不属于该街镇，请重新选择" {
				t.Errorf("grid error = %q", msg)
			}
			if v, _ := doc.Find("#name").Attr("value"); v != "湖南路街道党群服务中心" {
				t.Errorf("typed name lost: %q", v)
			}
			if v := doc.Find("#facilities").Text(); !strings.Contains(v, "阅览室") {
				t.Errorf("typed facilities lost: %q", v)
			}
			form.Set("grid_id", fmt.Sprint(gHN.ID))
			res = xh.Submit("/service-sites/new", "/service-sites", form)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/service-sites/") {
				t.Fatalf("create: %d %.300s", res.Status, res.Body)
			}
			page := res.Location()
			res = xh.Get(page)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "社区党群服务中心") || !strings.Contains(res.Body, "徐汇区图书馆") || !strings.Contains(res.Body, "<li>阅览室</li>") {
				t.Fatalf("detail: %d", res.Status)
			}

			// A site in 黄浦: 404 to read, to write, and to create there.
			fp := fmt.Sprintf("/service-sites/%d", foreign.ID)
			for _, p := range []string{fp, fp + "/edit", "/api/v1" + fp} {
				if res := xh.Get(p); res.Status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", p, res.Status)
				}
			}
			bad := url.Values{"name": {"越界阵地"}, "kind": {"community_center"}, "street_id": {fmt.Sprint(hp.ID)}}
			if res := xh.Submit("/service-sites/new", "/service-sites", bad); res.Status != http.StatusNotFound {
				t.Errorf("site in 310101: %d, want 404", res.Status)
			}

			// A stale edit answers 409, keeps what was typed and shows the other version.
			edit := url.Values{}
			for k, v := range form {
				edit[k] = v
			}
			edit.Set("version", "1")
			edit.Set("name", "湖南路党群服务中心（新址）")
			if res := xh.Submit(page+"/edit", page, edit); res.Status != http.StatusSeeOther {
				t.Fatalf("first edit: %d %.300s", res.Status, res.Body)
			}
			edit.Set("name", "湖南路党群服务中心（旧址）")
			edit.Set("seats", "80")
			res = xh.Submit(page+"/edit", page, edit)
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, "湖南路党群服务中心（新址）") {
				t.Fatalf("stale edit: %d", res.Status)
			}
			doc = res.Doc(t)
			if v, _ := doc.Find("#name").Attr("value"); v != "湖南路党群服务中心（旧址）" {
				t.Errorf("stale edit lost the typed name: %q", v)
			}
			if v, _ := doc.Find("#seats").Attr("value"); v != "80" {
				t.Errorf("stale edit lost the typed seats: %q", v)
			}
			if v, _ := doc.Find(`input[name="version"]`).Attr("value"); v != "2" {
				t.Errorf("stale form carries version %q, want the stored 2", v)
			}
			// Saving again keeps theirs over the other.
			edit.Set("version", "2")
			if res := xh.Submit(page+"/edit", page, edit); res.Status != http.StatusSeeOther {
				t.Errorf("save after the conflict: %d", res.Status)
			}

			// More sites for the filters; then lists and exports.
			for i, kind := range []string{"building_station", "building_station", "riverside_post"} {
				f := url.Values{"name": {fmt.Sprintf("楼宇站%d", i)}, "kind": {kind}, "street_id": {fmt.Sprint(tp.ID)}, "seats": {fmt.Sprint(10 * (i + 1))}}
				if res := xh.Submit("/service-sites/new", "/service-sites", f); res.Status != http.StatusSeeOther {
					t.Fatalf("site %d: %d %.300s", i, res.Status, res.Body)
				}
			}
			res = xh.Get("/service-sites")
			if res.Status != http.StatusOK || strings.Contains(res.Body, "外滩") || res.Doc(t).Find("#sites tbody tr").Length() != 4 {
				t.Fatalf("site list: %d", res.Status)
			}
			q := fmt.Sprintf("kind=building_station&street_id=%d&sort=seats&dir=desc", tp.ID)
			// A street without its district (a link) gains it, so that the
			// district and street selects show the filter in force.
			res = xh.Get("/service-sites?" + q)
			if res.Status != http.StatusSeeOther || !strings.Contains(res.Location(), "district_id=310104") || !strings.Contains(res.Location(), fmt.Sprintf("street_id=%d", tp.ID)) {
				t.Fatalf("street filter without district: %d %s", res.Status, res.Location())
			}
			doc = xh.Get(res.Location()).Doc(t)
			if n := doc.Find("#sites tbody tr").Length(); n != 2 {
				t.Errorf("filtered list: %d rows", n)
			}
			if v, _ := doc.Find("#f-street_id option[selected]").Attr("value"); v != fmt.Sprint(tp.ID) {
				t.Errorf("street filter shown: %q", v)
			}
			// A street of another district (the district select changed) is dropped.
			res = xh.Get(fmt.Sprintf("/service-sites?district_id=310101&street_id=%d", tp.ID))
			if res.Status != http.StatusSeeOther || strings.Contains(res.Location(), "street_id") {
				t.Errorf("street of another district: %d %s", res.Status, res.Location())
			}
			rows := csvRows(t, xh.Get("/service-sites/export?format=csv&"+q))
			if len(rows) != 2 || rows[0][1] != "楼宇站1" || rows[1][1] != "楼宇站0" || rows[0][2] != "楼宇党建服务站" || rows[0][9] != "20" || rows[0][3] != "徐汇区" {
				t.Errorf("csv export: %q", rows)
			}
			if rows := csvRows(t, xh.Get("/service-sites/export?format=csv&district_id=310101")); len(rows) != 0 {
				t.Errorf("export of 黄浦: %q", rows)
			}
			res = xh.Get("/service-sites/export?format=xlsx&" + q)
			f, err := excelize.OpenReader(strings.NewReader(res.Body))
			if err != nil {
				t.Fatalf("xlsx: %v", err)
			}
			sheet := f.GetSheetName(0)
			xrows, _ := f.GetRows(sheet)
			if len(xrows) != 3 || xrows[1][1] != "楼宇站1" || xrows[2][1] != "楼宇站0" {
				t.Errorf("xlsx export: %q", xrows)
			}
			f.Close()

			// The reviewer reads but does not manage: no edit link, 403 on edit.
			rv := srv.Client(t)
			rv.Login("xh.rev", testenv.Password)
			res = rv.Get(page)
			if res.Status != http.StatusOK || res.Doc(t).Find(`a[href="`+page+`/edit"]`).Length() != 0 {
				t.Errorf("reviewer's detail page: %d", res.Status)
			}
			if res := rv.Get(page + "/edit"); res.Status != http.StatusForbidden {
				t.Errorf("reviewer editing: %d", res.Status)
			}

			// Deactivate from the detail page; an older version is refused.
			res = xh.Submit(page, page+"/deactivate", url.Values{"version": {"1"}, "back": {"show"}})
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, "已被他人修改") {
				t.Errorf("stale deactivate: %d", res.Status)
			}
			res = xh.Submit(page, page+"/deactivate", url.Values{"version": {"3"}, "back": {"show"}})
			if res.Status != http.StatusSeeOther || res.Location() != page {
				t.Fatalf("deactivate: %d %s", res.Status, res.Location())
			}
			if rows := csvRows(t, xh.Get("/service-sites/export?format=csv&status=inactive")); len(rows) != 1 || rows[0][11] != "已停用" {
				t.Errorf("inactive export: %q", rows)
			}

			// API: PATCH carries the version; a stale one answers 409.
			id := strings.TrimPrefix(page, "/service-sites/")
			var site struct {
				Version int    `json:"version"`
				Status  string `json:"status"`
				GridID  *int64 `json:"grid_id"`
			}
			res = xh.Get("/api/v1/service-sites/" + id)
			if err := json.Unmarshal([]byte(res.Body), &site); err != nil || site.Version != 4 || site.Status != "inactive" {
				t.Fatalf("API site: %s", res.Body)
			}
			res = apiJSON(t, xh, "PATCH", "/api/v1/service-sites/"+id, map[string]any{"grid_id": nil, "version": 4})
			if err := json.Unmarshal([]byte(res.Body), &site); res.Status != http.StatusOK || err != nil || site.GridID != nil || site.Version != 5 {
				t.Errorf("PATCH grid_id null: %d %s", res.Status, res.Body)
			}
			if res := apiJSON(t, xh, "PATCH", "/api/v1/service-sites/"+id, map[string]any{"seats": 5, "version": 4}); res.Status != http.StatusConflict {
				t.Errorf("stale PATCH: %d %s", res.Status, res.Body)
			}
			if res := apiJSON(t, xh, "PATCH", "/api/v1/service-sites/"+id, map[string]any{"seats": 5}); res.Status != http.StatusBadRequest {
				t.Errorf("PATCH without version: %d", res.Status)
			}
			if res := apiJSON(t, xh, "POST", "/api/v1/service-sites/"+id+"/activate", map[string]any{"version": 5}); res.Status != http.StatusOK || !strings.Contains(res.Body, `"status":"active"`) {
				t.Errorf("API activate: %d %s", res.Status, res.Body)
			}
			res = apiJSON(t, xh, "POST", "/api/v1/service-sites", map[string]any{"name": "园区站", "kind": "park_station", "street_id": hn.ID, "grid_id": gTP.ID})
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "所选网格不属于该街镇") {
				t.Errorf("API grid of another street: %d %s", res.Status, res.Body)
			}
		})
	}
}

// geoWebUnit adds an active member unit with plain SQL (the units area owns
// their pages and service) and returns its id.
func geoWebUnit(t *testing.T, srv *testenv.Server, name string, district int64) int64 {
	t.Helper()
	var id int64
	q := fmt.Sprintf("INSERT INTO units (name, kind, district_id) VALUES ('%s', 'institution', %d) RETURNING id", name, district)
	if err := srv.DB.SQL().QueryRowContext(t.Context(), q).Scan(&id); err != nil {
		t.Fatalf("insert unit %s: %v", name, err)
	}
	return id
}
