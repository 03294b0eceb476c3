package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// Matrix roles of this area: a district admin of 徐汇区 and the contact of
// one unit of 徐汇区 (made by the setup below). Other areas may reuse them.
const (
	matrixDistrictAdmin = "district_admin_xh"
	matrixUnitContact   = "unit_contact"
)

// unitRouteRule says who may call one of this area's routes: the action on
// the object kind, and which object the path names ("" for a collection,
// "own" a fresh unit of 310104, "foreign" one of 310101, "home" the matrix
// unit contact's unit). act "user" means any logged-in user.
type unitRouteRule struct {
	obj, act, target string
}

var unitRouteRules = map[string]unitRouteRule{}

func init() {
	if !slices.ContainsFunc(matrixRoles, func(r matrixRole) bool { return r.name == matrixDistrictAdmin }) {
		matrixRoles = append(matrixRoles, matrixRole{matrixDistrictAdmin, model.RoleDistrictAdmin, "district:310104"})
	}
	if !slices.ContainsFunc(matrixRoles, func(r matrixRole) bool { return r.name == matrixUnitContact }) {
		matrixRoles = append(matrixRoles, matrixRole{matrixUnitContact, model.RoleUnitContact, "unit:{home_unit}"})
	}
	matrixFixtures["{unit}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(unitFixture(t, srv, 310104, "").ID)
	}
	matrixFixtures["{unit_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(unitFixture(t, srv, 310101, "").ID)
	}
	matrixFixtures["{unit_home}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return env["home_unit"]
	}
	matrixFixtures["{dict_kind}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return model.DictUnitKind
	}
	matrixParams["{dict_kind}"] = ":kind"
	matrixFixtures["{dict_item}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		it := &model.DictionaryItem{Kind: model.DictUnitKind, Code: fmt.Sprintf("m%d", unitSeq.Add(1)), LabelZh: "矩阵", LabelEn: "matrix", Sort: 999, Active: true}
		if err := srv.DB.CreateDictionaryItem(t.Context(), it); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(it.ID)
	}

	add := func(method, path string, r unitRouteRule) {
		unitRouteRules[method+" "+path] = r
		// The allow list is filled by the setup below from the roles of every area.
		matrix = append(matrix, matrixRow{method, path, nil, false})
	}
	user := unitRouteRule{"", "user", ""}
	dict := func(act string) unitRouteRule { return unitRouteRule{"dictionary", act, ""} }
	add("GET", "/dictionary", dict("read"))
	add("POST", "/dictionary/{dict_kind}", dict("manage"))
	add("GET", "/dictionary/{dict_kind}/{dict_item}/edit", dict("manage"))
	add("POST", "/dictionary/{dict_kind}/{dict_item}", dict("manage"))
	add("POST", "/dictionary/{dict_kind}/{dict_item}/deactivate", dict("manage"))
	add("POST", "/dictionary/{dict_kind}/{dict_item}/activate", dict("manage"))
	add("GET", "/api/v1/dictionary/{dict_kind}", user)
	add("POST", "/api/v1/dictionary/{dict_kind}", dict("manage"))
	add("PATCH", "/api/v1/dictionary/{dict_kind}/{dict_item}", dict("manage"))
	add("POST", "/api/v1/dictionary/{dict_kind}/{dict_item}/deactivate", dict("manage"))
	add("POST", "/api/v1/dictionary/{dict_kind}/{dict_item}/activate", dict("manage"))

	unit := func(act, target string) unitRouteRule { return unitRouteRule{"unit", act, target} }
	add("GET", "/units", unit("read", ""))
	add("GET", "/units/export", unit("read", ""))
	add("GET", "/units/new", unit("create", ""))
	add("POST", "/units", unit("create", ""))
	add("GET", "/api/v1/units", unit("read", ""))
	add("POST", "/api/v1/units", unit("create", ""))
	for _, tgt := range []string{"own", "foreign", "home"} {
		ph := map[string]string{"own": "{unit}", "foreign": "{unit_foreign}", "home": "{unit_home}"}[tgt]
		add("GET", "/units/"+ph, unit("read", tgt))
		add("GET", "/units/"+ph+"/edit", unit("update", tgt))
		add("POST", "/units/"+ph, unit("update", tgt))
		add("POST", "/units/"+ph+"/deactivate", unit("manage", tgt))
		add("POST", "/units/"+ph+"/activate", unit("manage", tgt))
		add("GET", "/api/v1/units/"+ph, unit("read", tgt))
		add("PATCH", "/api/v1/units/"+ph, unit("update", tgt))
		add("POST", "/api/v1/units/"+ph+"/deactivate", unit("manage", tgt))
		add("POST", "/api/v1/units/"+ph+"/activate", unit("manage", tgt))
	}

	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_unit"] == "" {
			env["home_unit"] = fmt.Sprint(unitFixture(t, srv, 310104, "矩阵联络员单位").ID)
		}
		// The allow lists follow configs/policy.csv, for every role of every area.
		for i, row := range matrix {
			r, ok := unitRouteRules[row.method+" "+row.path]
			if !ok {
				// A row that lets in a user without any role is open to every
				// logged-in user: let in the roles other areas added too.
				if slices.Contains(row.allow, plain) {
					for _, mr := range matrixRoles {
						if mr.name != anon && !slices.Contains(matrix[i].allow, mr.name) {
							matrix[i].allow = append(matrix[i].allow, mr.name)
						}
					}
				}
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name != anon && unitMatrixAllows(mr, r, env) {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
	})
}

// unitMatrixAllows is the policy for this area's routes, restated for the
// matrix: a role in its domain against the route's object.
func unitMatrixAllows(mr matrixRole, r unitRouteRule, env map[string]string) bool {
	if r.act == "user" {
		return true
	}
	dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
	targetDistrict := map[string]string{"own": "district:310104", "foreign": "district:310101", "home": "district:310104"}[r.target]
	switch mr.role {
	case model.RoleSysadmin:
		return true
	case model.RoleDistrictAdmin:
		return r.obj == "unit" && (r.target == "" || dom == targetDistrict)
	case model.RoleDistrictReviewer:
		return r.obj == "unit" && r.act == "read" && (r.target == "" || dom == targetDistrict)
	case model.RoleAllianceSecretary:
		// Reads the units of the alliance and adds units; the matrix's units
		// belong to no alliance.
		return r.obj == "unit" && r.target == "" && (r.act == "read" || r.act == "create")
	case model.RoleUnitContact:
		if r.obj != "unit" {
			return false
		}
		if r.target == "" {
			return r.act == "read"
		}
		return r.target == "home" && dom == "unit:"+env["home_unit"] && (r.act == "read" || r.act == "update")
	}
	return false
}

var unitSeq atomic.Int64

// testCreditCode is a valid unified social credit code, different for each n.
func testCreditCode(n int) string {
	first := fmt.Sprintf("9131010400%07d", n)
	return first + string(model.CreditCodeCheckChar(first))
}

// wrongCheck is code with a wrong 18th character.
func wrongCheck(code string) string {
	last := code[17]
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if byte(c) != last {
			return code[:17] + string(c)
		}
	}
	return code
}

// unitFixture inserts a unit directly (name "" makes one up).
func unitFixture(t *testing.T, srv *testenv.Server, district int64, name string) *model.Unit {
	t.Helper()
	if name == "" {
		name = fmt.Sprintf("测试单位%d", unitSeq.Add(1))
	}
	u := &model.Unit{Name: name, Kind: "gov", DistrictID: district, Status: model.StatusActive}
	if err := srv.DB.CreateUnit(context.Background(), u); err != nil {
		t.Fatalf("unit fixture: %v", err)
	}
	return u
}

// unitForm is a complete new-unit form of 徐汇区.
func unitFormValues(name, code string) url.Values {
	return url.Values{"name": {name}, "credit_code": {code}, "kind": {"soe"}, "district_id": {"310104"},
		"address": {"漕溪北路 88 号"}, "party_org": {"党委"}, "party_members": {"35"},
		"contact_name": {"王芳"}, "contact_phone": {"13912345678"}, "status": {"active"}}
}

func TestUnitFormCreditCodeAndDuplicates(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			c := srv.Client(t)
			c.Login("xh", testenv.Password)

			// A wrong check character keeps everything typed and says so under the field.
			good := testCreditCode(1)
			bad := wrongCheck(strings.ToLower(good))
			res := c.Submit("/units/new", "/units", unitFormValues("徐汇区测试有限公司", bad))
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong check character: %d %.300s", res.Status, res.Body)
			}
			doc := res.Doc(t)
			if msg := strings.TrimSpace(doc.Find("#credit_code-error").Text()); msg != "统一社会信用代码校验位不正确，请核对第 18 位" {
				t.Errorf("credit code message %q", msg)
			}
			for id, want := range map[string]string{"name": "徐汇区测试有限公司", "credit_code": bad, "address": "漕溪北路 88 号",
				"party_org": "党委", "party_members": "35", "contact_name": "王芳", "contact_phone": "13912345678"} {
				if v, _ := doc.Find("#" + id).Attr("value"); v != want {
					t.Errorf("%s not kept: %q, want %q", id, v, want)
				}
			}
			if v, _ := doc.Find("#kind option[selected]").Attr("value"); v != "soe" {
				t.Errorf("kind not kept: %q", v)
			}
			if v, _ := doc.Find("#district_id option[selected]").Attr("value"); v != "310104" {
				t.Errorf("district not kept: %q", v)
			}
			// Length and characters have their own words.
			for code, want := range map[string]string{good[:17]: "18 位", good[:16] + "IO": "不含 I、O、S、V、Z"} {
				res := c.Submit("/units/new", "/units", unitFormValues("某单位", code))
				if msg := res.Doc(t).Find("#credit_code-error").Text(); res.Status != http.StatusUnprocessableEntity || !strings.Contains(msg, want) {
					t.Errorf("code %q: %d %q, want %q", code, res.Status, msg, want)
				}
			}
			if n := countRows(t, srv, "SELECT count(*) FROM units"); n != 0 {
				t.Fatalf("refused forms wrote %d units", n)
			}

			// Corrected (full-width and lower case are normalised), it saves.
			res = c.Submit("/units/new", "/units", unitFormValues("徐汇区测试有限公司", " "+strings.ToLower(good)+" "))
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/units/") {
				t.Fatalf("create: %d %.500s", res.Status, res.Body)
			}
			first := res.Location()
			show := c.Get(first)
			if show.Status != http.StatusOK || !strings.Contains(show.Body, good) || !strings.Contains(show.Body, "徐汇区测试有限公司") {
				t.Fatalf("show: %d", show.Status)
			}
			if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action = 'unit.create'"); n != 1 {
				t.Errorf("audit rows %d", n)
			}

			// The same code again names the unit that has it.
			res = c.Submit("/units/new", "/units", unitFormValues("另一家公司", good))
			if msg := res.Doc(t).Find("#credit_code-error").Text(); res.Status != http.StatusUnprocessableEntity || !strings.Contains(msg, "徐汇区测试有限公司") {
				t.Errorf("taken code: %d %q", res.Status, msg)
			}

			// The same name in the district warns, links to the other unit, and saves once confirmed.
			form := unitFormValues("徐汇区测试有限公司", "")
			res = c.Submit("/units/new", "/units", form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("duplicate name: %d", res.Status)
			}
			doc = res.Doc(t)
			if href, _ := doc.Find("#duplicate a").Attr("href"); href != first {
				t.Errorf("duplicate link %q, want %q", href, first)
			}
			if doc.Find("#confirm_duplicate").Length() != 1 {
				t.Errorf("no 仍要保存 checkbox")
			}
			if v, _ := doc.Find("#contact_name").Attr("value"); v != "王芳" {
				t.Errorf("duplicate form lost what was typed: %q", v)
			}
			form.Set("confirm_duplicate", "1")
			if res = c.Submit("/units/new", "/units", form); res.Status != http.StatusSeeOther {
				t.Fatalf("confirmed duplicate: %d %.300s", res.Status, res.Body)
			}
			// In another district the same name is no duplicate (a sysadmin may create there).
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			root := srv.Client(t)
			root.Login("root", testenv.Password)
			other := unitFormValues("徐汇区测试有限公司", "")
			other.Set("district_id", "310101")
			if res = root.Submit("/units/new", "/units", other); res.Status != http.StatusSeeOther {
				t.Fatalf("same name elsewhere: %d", res.Status)
			}
			// The district admin may not create in 黄浦区.
			if res = c.Submit("/units/new", "/units", other); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#district_id-error").Text(), "无权") {
				t.Errorf("foreign district: %d", res.Status)
			}

			// On edit too: renaming a unit to a taken name warns, then saves when confirmed.
			b := unitFixture(t, srv, 310104, "乙单位")
			edit := fmt.Sprintf("/units/%d", b.ID)
			form = unitFormValues("徐汇区测试有限公司", "")
			form.Set("version", fmt.Sprint(b.Version))
			res = c.Submit(edit+"/edit", edit, form)
			if res.Status != http.StatusUnprocessableEntity || res.Doc(t).Find("#duplicate").Length() != 1 {
				t.Fatalf("duplicate on edit: %d", res.Status)
			}
			form.Set("confirm_duplicate", "1")
			if res = c.Submit(edit+"/edit", edit, form); res.Status != http.StatusSeeOther {
				t.Fatalf("confirmed edit: %d %.300s", res.Status, res.Body)
			}

			// A stale edit answers 409 with both versions and keeps what was typed.
			stale := unitFormValues("乙单位（旧）", "")
			stale.Set("version", fmt.Sprint(b.Version))
			res = c.Submit(edit+"/edit", edit, stale)
			if res.Status != http.StatusConflict {
				t.Fatalf("stale edit: %d", res.Status)
			}
			doc = res.Doc(t)
			if v, _ := doc.Find("#name").Attr("value"); v != "乙单位（旧）" {
				t.Errorf("stale form lost the name: %q", v)
			}
			if doc.Find(".compare .changed").Length() == 0 || !strings.Contains(doc.Find(".compare").Text(), "徐汇区测试有限公司") {
				t.Errorf("stale form does not show the saved version")
			}
			if v, _ := doc.Find(`input[name="version"]`).Attr("value"); v != fmt.Sprint(b.Version+1) {
				t.Errorf("stale form version %q", v)
			}
			stale.Set("version", fmt.Sprint(b.Version+1))
			if res = c.Submit(edit+"/edit", edit, stale); res.Status != http.StatusSeeOther {
				t.Errorf("keep mine: %d", res.Status)
			}
		})
	}
}

// insertAlliance adds an alliance of 310104 and makes the units its current members.
func insertAlliance(t *testing.T, srv *testenv.Server, name string, units ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	q := fmt.Sprintf("INSERT INTO alliances (name, kind, level, district_id, status, version) VALUES ('%s', 'regional', 'district', 310104, 'active', 1) RETURNING id", name)
	if err := srv.DB.SQL().QueryRowContext(ctx, q).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		q := fmt.Sprintf("INSERT INTO memberships (alliance_id, unit_id, rank, joined_on) VALUES (%d, %d, 'member', '2025-03-01')", id, u)
		if _, err := srv.DB.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func unitListNames(t *testing.T, res *testenv.Response) []string {
	t.Helper()
	var out []string
	res.Doc(t).Find("table.table tbody tr td:first-child a").Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.Text())
	})
	slices.Sort(out)
	return out
}

func TestUnitScope(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			xh1 := unitFixture(t, srv, 310104, "徐汇甲")
			xh2 := unitFixture(t, srv, 310104, "徐汇乙")
			hp := unitFixture(t, srv, 310101, "黄浦丙")
			hp2 := unitFixture(t, srv, 310101, "黄浦丁")
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			srv.CreateUser(t, "lx", model.RoleUnitContact, fmt.Sprintf("unit:%d", xh1.ID))
			alliance := insertAlliance(t, srv, "测试联盟", xh2.ID, hp.ID)
			// A past member is not in the secretary's scope.
			if _, err := srv.DB.SQL().ExecContext(context.Background(), fmt.Sprintf(
				"INSERT INTO memberships (alliance_id, unit_id, rank, joined_on, left_on) VALUES (%d, %d, 'council', '2024-01-01', '2024-12-31')", alliance, hp2.ID)); err != nil {
				t.Fatal(err)
			}
			srv.CreateUser(t, "ms", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", alliance))

			xh := srv.Client(t)
			xh.Login("xh", testenv.Password)
			if got := unitListNames(t, xh.Get("/units")); !slices.Equal(got, []string{"徐汇乙", "徐汇甲"}) {
				t.Errorf("district admin list: %v", got)
			}
			if res := xh.Get("/units?district_id=310101"); len(unitListNames(t, res)) != 0 {
				t.Errorf("district admin filtered to a foreign district sees units")
			}
			res := xh.Get("/units/export?format=csv")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "徐汇甲") || strings.Contains(res.Body, "黄浦") {
				t.Errorf("district admin export: %d %q", res.Status, res.Body)
			}
			for _, p := range []string{"/units/%d", "/units/%d/edit", "/api/v1/units/%d"} {
				if res := xh.Get(fmt.Sprintf(p, hp.ID)); res.Status != http.StatusNotFound {
					t.Errorf("district admin GET %s of a 310101 unit: %d, want 404", p, res.Status)
				}
			}
			if res := sessionJSON(xh, "PATCH", fmt.Sprintf("/api/v1/units/%d", hp.ID), `{"version":1,"name":"x"}`); res.Status != http.StatusNotFound {
				t.Errorf("district admin PATCH of a 310101 unit: %d", res.Status)
			}
			api := decode[struct {
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
				Total int `json:"total"`
			}](t, xh.Get("/api/v1/units?sort=name"))
			if api.Total != 2 || len(api.Items) != 2 {
				t.Errorf("district admin API list: %+v", api)
			}

			// The unit contact sees and edits their own unit only, not its district or status.
			lx := srv.Client(t)
			lx.Login("lx", testenv.Password)
			if got := unitListNames(t, lx.Get("/units")); !slices.Equal(got, []string{"徐汇甲"}) {
				t.Errorf("unit contact list: %v", got)
			}
			if res := lx.Get(fmt.Sprintf("/units/%d", xh2.ID)); res.Status != http.StatusNotFound {
				t.Errorf("unit contact on another unit: %d", res.Status)
			}
			if res := lx.Get("/units/new"); res.Status != http.StatusForbidden {
				t.Errorf("unit contact new form: %d", res.Status)
			}
			own := fmt.Sprintf("/units/%d", xh1.ID)
			page := lx.Get(own + "/edit")
			if page.Status != http.StatusOK {
				t.Fatalf("unit contact edit form: %d", page.Status)
			}
			if _, disabled := page.Doc(t).Find("#district_id").Attr("disabled"); !disabled {
				t.Errorf("district is not locked for the unit contact")
			}
			form := url.Values{"name": {"徐汇甲（更名）"}, "kind": {"gov"}, "contact_name": {"李四"}, "contact_phone": {"021-64381234"}, "version": {"1"}}
			if res := lx.Submit(own+"/edit", own, form); res.Status != http.StatusSeeOther {
				t.Fatalf("unit contact edit: %d %.400s", res.Status, res.Body)
			}
			u, err := srv.DB.UnitByID(context.Background(), xh1.ID)
			if err != nil || u.Name != "徐汇甲（更名）" || u.ContactPhone != "021-64381234" || u.DistrictID != 310104 || u.Status != "active" {
				t.Errorf("after the contact's edit: %+v %v", u, err)
			}
			res = sessionJSON(lx, "PATCH", "/api/v1/units/"+fmt.Sprint(xh1.ID), `{"version":2,"district_id":310101}`)
			if res.Status != http.StatusForbidden {
				t.Errorf("unit contact moving the unit: %d %s", res.Status, res.Body)
			}
			if res := lx.Submit(own, own+"/deactivate", url.Values{"version": {"2"}}); res.Status != http.StatusForbidden {
				t.Errorf("unit contact deactivating: %d", res.Status)
			}

			// The alliance secretary sees the current members of the alliance.
			ms := srv.Client(t)
			ms.Login("ms", testenv.Password)
			if got := unitListNames(t, ms.Get("/units")); !slices.Equal(got, []string{"徐汇乙", "黄浦丙"}) {
				t.Errorf("secretary list: %v", got)
			}
			res = ms.Get(fmt.Sprintf("/units/%d", hp.ID))
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "测试联盟") || !strings.Contains(res.Body, "成员单位") {
				t.Errorf("secretary on a member unit: %d", res.Status)
			}
			if res := ms.Get(fmt.Sprintf("/units/%d", hp2.ID)); res.Status != http.StatusNotFound {
				t.Errorf("secretary on a past member: %d", res.Status)
			}
			// The secretary adds a unit in the alliance's district, not elsewhere.
			if res := ms.Submit("/units/new", "/units", unitFormValues("秘书新增单位", "")); res.Status != http.StatusSeeOther {
				t.Errorf("secretary create: %d %.300s", res.Status, res.Body)
			}
			other := unitFormValues("秘书越权单位", "")
			other.Set("district_id", "310101")
			if res := ms.Submit("/units/new", "/units", other); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("secretary create elsewhere: %d", res.Status)
			}
			// A unit page shows past memberships too (the admin of the district sees hp2? no: 310101).
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			root := srv.Client(t)
			root.Login("root", testenv.Password)
			if res := root.Get(fmt.Sprintf("/units/%d", hp2.ID)); !strings.Contains(res.Body, "已退出") || !strings.Contains(res.Body, "常务理事单位") {
				t.Errorf("past membership not shown")
			}
		})
	}
}

func TestUnitExportAndAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			c := srv.Client(t)
			c.Login("root", testenv.Password)
			unitFixture(t, srv, 310104, `=HYPERLINK("http://evil.example/","点我")`)
			unitFixture(t, srv, 310104, "徐汇学校甲")
			unitFixture(t, srv, 310101, "黄浦学校乙")
			inactive := unitFixture(t, srv, 310104, "徐汇学校丙")
			if _, err := srv.DB.SQL().ExecContext(context.Background(), fmt.Sprintf("UPDATE units SET status = 'inactive' WHERE id = %d", inactive.ID)); err != nil {
				t.Fatal(err)
			}

			// Exactly the filtered rows.
			res := c.Get("/units/export?format=csv&q=" + url.QueryEscape("学校") + "&district_id=310104&status=active")
			if res.Status != http.StatusOK {
				t.Fatalf("export: %d", res.Status)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
			if err != nil || len(rows) != 2 || rows[1][1] != "徐汇学校甲" {
				t.Fatalf("filtered export rows %v %v", rows, err)
			}
			// A formula is neutralised.
			res = c.Get("/units/export?format=csv&q=HYPERLINK")
			rows, _ = csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
			if len(rows) != 2 || !strings.HasPrefix(rows[1][1], "'=HYPERLINK") {
				t.Errorf("formula not neutralised: %q", rows)
			}
			if res := c.Get("/units/export?format=xlsx&district_id=310101"); res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
				t.Errorf("xlsx export: %d", res.Status)
			}

			// The API: credit code errors in fields, version on PATCH, actions.
			good := testCreditCode(7)
			res = sessionJSON(c, "POST", "/api/v1/units", fmt.Sprintf(`{"name":"接口单位","credit_code":%q,"kind":"gov","district_id":310104}`, wrongCheck(good)))
			e := decode[apiErr](t, res)
			if res.Status != http.StatusBadRequest || !strings.Contains(e.Error.Fields["credit_code"], "第 18 位") {
				t.Fatalf("API bad code: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(c, "POST", "/api/v1/units", fmt.Sprintf(`{"name":"接口单位","credit_code":%q,"kind":"gov","district_id":310104,"street_id":0}`, good))
			if res.Status != http.StatusCreated || res.Header.Get("Location") == "" {
				t.Fatalf("API create: %d %s", res.Status, res.Body)
			}
			type unitResp struct {
				ID         int64   `json:"id"`
				Name       string  `json:"name"`
				CreditCode *string `json:"credit_code"`
				Status     string  `json:"status"`
				Version    int     `json:"version"`
			}
			created := decode[unitResp](t, res)
			if created.CreditCode == nil || *created.CreditCode != good || created.Version != 1 {
				t.Errorf("created %+v", created)
			}
			path := fmt.Sprintf("/api/v1/units/%d", created.ID)
			res = sessionJSON(c, "POST", "/api/v1/units", `{"name":"接口单位","kind":"gov","district_id":310104}`)
			if e := decode[apiErr](t, res); res.Status != http.StatusBadRequest || !strings.Contains(e.Error.Fields["name"], "confirm_duplicate") {
				t.Errorf("API duplicate: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "PATCH", path, `{"contact_phone":"13800000000"}`); res.Status != http.StatusBadRequest {
				t.Errorf("PATCH without version: %d", res.Status)
			}
			res = sessionJSON(c, "PATCH", path, `{"version":1,"contact_phone":"13800000000"}`)
			if u := decode[unitResp](t, res); res.Status != http.StatusOK || u.Version != 2 || u.Name != "接口单位" {
				t.Errorf("PATCH: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "PATCH", path, `{"version":1,"contact_phone":"13900000000"}`); res.Status != http.StatusConflict {
				t.Errorf("stale PATCH: %d", res.Status)
			}
			if res := sessionJSON(c, "PATCH", path, `{"version":2,"status":"inactive"}`); res.Status != http.StatusBadRequest {
				t.Errorf("status by PATCH: %d", res.Status)
			}
			res = sessionJSON(c, "POST", path+"/deactivate", `{"version":2}`)
			if u := decode[unitResp](t, res); res.Status != http.StatusOK || u.Status != "inactive" {
				t.Errorf("deactivate: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "POST", path+"/activate", `{"version":1}`); res.Status != http.StatusConflict {
				t.Errorf("stale activate: %d", res.Status)
			}
			res = sessionJSON(c, "POST", path+"/activate", `{"version":3}`)
			if u := decode[unitResp](t, res); res.Status != http.StatusOK || u.Status != "active" {
				t.Errorf("activate: %d %s", res.Status, res.Body)
			}
			if n := countRows(t, srv, fmt.Sprintf("SELECT count(*) FROM audit_log WHERE object_kind = 'unit' AND object_id = '%d'", created.ID)); n != 4 {
				t.Errorf("audit rows of the API unit: %d, want 4 (create, update, deactivate, activate)", n)
			}
			if res := c.Get("/api/v1/units?status=bogus"); res.Status != http.StatusBadRequest {
				t.Errorf("bad status filter: %d", res.Status)
			}
		})
	}
}
