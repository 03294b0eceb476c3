package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// ---- fixtures ----

// listsFixtureNeed makes a published need of a member unit of an alliance.
func listsFixtureNeed(t *testing.T, srv *testenv.Server, allianceID, district, unitID int64, title, visibility string) *model.Need {
	t.Helper()
	n := &model.Need{AllianceID: allianceID, DistrictID: district, SubmitterUnitID: unitID, Title: title, Category: "care",
		Quantity: 10, Measure: "person_times", Status: model.NeedPublished, Visibility: visibility}
	if err := srv.DB.CreateNeed(context.Background(), n); err != nil {
		t.Fatalf("need: %v", err)
	}
	return n
}

// listsFixtureResource makes an available resource of a member unit.
func listsFixtureResource(t *testing.T, srv *testenv.Server, allianceID, district, unitID int64, title, visibility string) *model.Resource {
	t.Helper()
	r := &model.Resource{AllianceID: allianceID, DistrictID: district, ProviderUnitID: unitID, Title: title, Kind: "volunteers",
		Capacity: 10, Measure: "person_times", Status: model.ResourceAvailable, Visibility: visibility}
	if err := srv.DB.CreateResource(context.Background(), r); err != nil {
		t.Fatalf("resource: %v", err)
	}
	return r
}

// ---- authorization matrix ----

// listsRule says who may call a needs/resources route: the action on the
// object kind, and which need or resource the path names ("" a collection,
// "own" one of the matrix secretary's alliance (home_alliance, 310104)
// submitted by the matrix unit contact's unit (home_unit, the role
// unit_contact of units_test.go),
// "foreign" one of an alliance of 310101; both published, visible to their
// alliance only).
type listsRule struct{ obj, act, target string }

var listsRules = map[string]listsRule{}

func init() {
	if !slices.ContainsFunc(matrixRoles, func(r matrixRole) bool { return r.name == matrixUnitContact }) {
		matrixRoles = append(matrixRoles, matrixRole{matrixUnitContact, model.RoleUnitContact, "unit:{home_unit}"})
	}
	ids := func(env map[string]string, keys ...string) []int64 {
		out := make([]int64, len(keys))
		for i, k := range keys {
			fmt.Sscan(env[k], &out[i])
		}
		return out
	}
	matrixFixtures["{lists_need_own}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		v := ids(env, "home_alliance", "home_unit")
		return fmt.Sprint(listsFixtureNeed(t, srv, v[0], 310104, v[1], "矩阵需求", model.VisibleAlliance).ID)
	}
	matrixFixtures["{lists_need_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		v := ids(env, "lists_foreign_alliance", "lists_foreign_unit")
		return fmt.Sprint(listsFixtureNeed(t, srv, v[0], 310101, v[1], "外区需求", model.VisibleAlliance).ID)
	}
	matrixFixtures["{lists_resource_own}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		v := ids(env, "home_alliance", "home_unit")
		return fmt.Sprint(listsFixtureResource(t, srv, v[0], 310104, v[1], "矩阵资源", model.VisibleAlliance).ID)
	}
	matrixFixtures["{lists_resource_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		v := ids(env, "lists_foreign_alliance", "lists_foreign_unit")
		return fmt.Sprint(listsFixtureResource(t, srv, v[0], 310101, v[1], "外区资源", model.VisibleAlliance).ID)
	}

	add := func(method, path string, r listsRule) {
		listsRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false}) // allow: filled by the setup below
	}
	for _, obj := range []string{"need", "resource"} {
		base, end := "/"+obj+"s", "close"
		if obj == "resource" {
			end = "withdraw"
		}
		add("GET", base, listsRule{obj, "read", ""})
		add("GET", base+"/export", listsRule{obj, "read", ""})
		add("GET", "/imports/template"+base+".xlsx", listsRule{obj, "import", ""})
		add("GET", base+"/new", listsRule{obj, "create", ""})
		add("POST", base, listsRule{obj, "create", ""})
		add("GET", "/api/v1"+base, listsRule{obj, "read", ""})
		add("POST", "/api/v1"+base, listsRule{obj, "create", ""})
		for _, tgt := range []string{"own", "foreign"} {
			one := base + "/{lists_" + obj + "_" + tgt + "}"
			r := func(act string) listsRule { return listsRule{obj, act, tgt} }
			add("GET", one, r("read"))
			add("GET", one+"/edit", r("update"))
			add("POST", one, r("update"))
			add("POST", one+"/publish", r("update"))
			add("POST", one+"/"+end, r("update"))
			add("GET", "/api/v1"+one, r("read"))
			add("PATCH", "/api/v1"+one, r("update"))
			add("POST", "/api/v1"+one+"/publish", r("update"))
			add("POST", "/api/v1"+one+"/"+end, r("update"))
		}
	}

	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		ctx := context.Background()
		if env["home_alliance"] == "" {
			env["home_alliance"] = fmt.Sprint(allianceFixture(t, srv, 310104, "矩阵秘书的联盟", "").ID)
		}
		if env["home_unit"] == "" {
			env["home_unit"] = fmt.Sprint(allianceFixtureUnit(t, srv, 310104, "矩阵联络员单位").ID)
		}
		foreign := allianceFixture(t, srv, 310101, "矩阵外区联盟", "")
		env["lists_foreign_alliance"] = fmt.Sprint(foreign.ID)
		env["lists_foreign_unit"] = fmt.Sprint(allianceFixtureMember(t, srv, foreign.ID, 310101).UnitID)
		// The alliances of unit contacts' units, for visibility (alliance-only rows).
		members := map[string][]int64{}
		for _, mr := range matrixRoles {
			dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
			if kind, id, err := model.ParseDomain(dom); err == nil && kind == model.DomainUnit {
				als, err := srv.DB.UnitAllianceIDs(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				members[dom] = als
			}
		}
		// The allow lists follow configs/policy.csv and store.ListViewer.
		for i, row := range matrix {
			r, ok := listsRules[row.method+" "+row.path]
			if !ok {
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name != anon && listsMatrixAllows(mr, r, env, members) {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
	})
}

// listsMatrixAllows restates configs/policy.csv and the visibility rule
// for this area's routes: the role in its domain against the row the path
// names.
func listsMatrixAllows(mr matrixRole, r listsRule, env map[string]string, members map[string][]int64) bool {
	dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
	alliance := map[string]string{"own": env["home_alliance"], "foreign": env["lists_foreign_alliance"]}[r.target]
	district := map[string]string{"own": "district:310104", "foreign": "district:310101"}[r.target]
	owner := map[string]string{"own": env["home_unit"], "foreign": env["lists_foreign_unit"]}[r.target]
	switch mr.role {
	case model.RoleAllianceSecretary:
		if r.target == "" {
			return true // read, create, import
		}
		return dom == "alliance:"+alliance
	case model.RoleUnitContact:
		if r.target == "" {
			return r.act == "read" || r.act == "create"
		}
		if dom == "unit:"+owner {
			return true
		}
		var a int64
		fmt.Sscan(alliance, &a)
		return r.act == "read" && slices.Contains(members[dom], a)
	case model.RoleCityReviewer: // reads every need (the city view's drill-down), no resources
		return r.obj == "need" && r.act == "read"
	case model.RoleDistrictReviewer, model.RoleDistrictAdmin:
		if r.act != "read" {
			return false
		}
		return r.target == "" || dom == district
	}
	return false
}

// ---- journeys ----

// listsWebWorld: an alliance of 徐汇区 with two member units, its
// secretary, the contact of the first unit, and the contact of a unit of
// 黄浦区.
type listsWebWorld struct {
	alliance     *model.Alliance
	unitA, unitB *model.Unit
	street       *model.Street
	secretary    *testenv.Client
	contact      *testenv.Client
	foreign      *testenv.Client
}

func newListsWebWorld(t *testing.T, srv *testenv.Server) listsWebWorld {
	t.Helper()
	w := listsWebWorld{alliance: allianceFixture(t, srv, 310104, "", "")}
	w.street = allianceFixtureStreet(t, srv, 310104, "凌云路街道")
	for _, p := range []**model.Unit{&w.unitA, &w.unitB} {
		m := allianceFixtureMember(t, srv, w.alliance.ID, 310104)
		u, err := srv.DB.UnitByID(context.Background(), m.UnitID)
		if err != nil {
			t.Fatal(err)
		}
		*p = u
	}
	fu := allianceFixtureUnit(t, srv, 310101, "")
	seq := allianceSeq.Add(1)
	srv.CreateUser(t, fmt.Sprint("lsec", seq), model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, w.alliance.ID))
	srv.CreateUser(t, fmt.Sprint("lca", seq), model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.unitA.ID))
	srv.CreateUser(t, fmt.Sprint("lcf", seq), model.RoleUnitContact, model.DomainOf(model.DomainUnit, fu.ID))
	login := func(name string) *testenv.Client {
		c := srv.Client(t)
		c.Login(name, testenv.Password)
		return c
	}
	w.secretary, w.contact, w.foreign = login(fmt.Sprint("lsec", seq)), login(fmt.Sprint("lca", seq)), login(fmt.Sprint("lcf", seq))
	return w
}

func listsIDFrom(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(strings.TrimPrefix(loc, prefix), &id); err != nil || id == 0 {
		t.Fatalf("no id in %q", loc)
	}
	return id
}

// TestNeedsPages: the unit contact files a need through the form (a
// refusal keeps what was typed, messages in Chinese next to the fields),
// publishes it; the list finds it by search and filters, the export holds
// the filtered rows; a stale edit shows both versions; closing needs a
// reason; a unit of another district gets 404 for the alliance-only need.
func TestNeedsPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			w := newListsWebWorld(t, srv)
			c := w.contact
			wanted := service.AllianceToday(srv.DB.Now()).AddDate(0, 2, 0).Format(time.DateOnly)
			form := url.Values{"alliance_id": {fmt.Sprint(w.alliance.ID)}, "submitter_unit_id": {fmt.Sprint(w.unitA.ID)},
				"title": {"梅陇三村加装电梯协调"}, "category": {"housing_renewal"}, "quantity": {"六场"}, "measure": {"sessions"},
				"beneficiaries": {"120"}, "wanted_by": {"2020-01-01"}, "street_id": {fmt.Sprint(w.street.ID)}, "visibility": {"alliance"},
				"description": {"第一段\n第二段"}}
			// The form offers only the contact's own unit.
			newPage := c.Get("/needs/new")
			if newPage.Status != http.StatusOK {
				t.Fatalf("new: %d %.300s", newPage.Status, newPage.Body)
			}
			units := newPage.Doc(t).Find("#submitter_unit_id option[value!='']").Length()
			if units != 1 {
				t.Errorf("unit choices: %d", units)
			}
			res := c.Submit("/needs/new", "/needs", form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad form: %d", res.Status)
			}
			doc := res.Doc(t)
			if v, _ := doc.Find("#title").Attr("value"); v != "梅陇三村加装电梯协调" {
				t.Errorf("title not kept: %q", v)
			}
			if v := doc.Find("#description").Text(); v != "第一段\n第二段" {
				t.Errorf("description not kept: %q", v)
			}
			if msg := doc.Find("#quantity-error").Text(); !strings.Contains(msg, "整数") {
				t.Errorf("quantity message: %q", msg)
			}
			form.Set("quantity", "6")
			res = c.Submit("/needs/new", "/needs", form)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#wanted_by-error").Text(), "不能早于今天") {
				t.Fatalf("past date: %d %s", res.Status, res.Doc(t).Find("#wanted_by-error").Text())
			}
			form.Set("wanted_by", wanted)
			res = c.Submit("/needs/new", "/needs", form)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/needs/") {
				t.Fatalf("create: %d %.500s", res.Status, res.Body)
			}
			page := res.Location()
			id := listsIDFrom(t, page, "/needs/")

			// A draft: the fellow unit's secretary sees it (owner), the foreign unit does not.
			show := c.Get(page)
			if show.Status != http.StatusOK || show.Doc(t).Find(".page-header .tag").Text() != "草稿" {
				t.Fatalf("show draft: %d", show.Status)
			}
			if n := show.Doc(t).Find(`form[action="` + page + `/publish"]`).Length(); n != 1 {
				t.Errorf("publish button: %d", n)
			}
			if n := show.Doc(t).Find(`#claims[hx-get="` + page + `/claims"] a[href="/claims?need_id=` + fmt.Sprint(id) + `"]`).Length(); n != 1 {
				t.Errorf("claims section: %d", n)
			}
			if n := show.Doc(t).Find(`#matches[hx-get="` + page + `/matches"]`).Length(); n != 1 {
				t.Errorf("matches section: %d", n)
			}
			res = c.Submit(page, page+"/publish", url.Values{"version": {"1"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("publish: %d %.300s", res.Status, res.Body)
			}
			// Publishing twice: 422 naming the status.
			if res := c.Submit(page, page+"/publish", url.Values{"version": {"2"}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "已发布") {
				t.Errorf("publish twice: %d", res.Status)
			}
			if res := w.foreign.Get(page); res.Status != http.StatusNotFound {
				t.Errorf("foreign unit reads an alliance-only need: %d", res.Status)
			}
			if res := w.foreign.Get(fmt.Sprintf("/api/v1/needs/%d", id)); res.Status != http.StatusNotFound {
				t.Errorf("foreign unit via API: %d", res.Status)
			}

			// The list: search of 2 and 4 characters, filters, mine.
			listsFixtureNeed(t, srv, w.alliance.ID, 310104, w.unitB.ID, "老年助餐", model.VisibleCity)
			list := func(c *testenv.Client, q string) string {
				t.Helper()
				res := c.Get("/needs?" + q)
				if res.Status != http.StatusOK {
					t.Fatalf("list %s: %d", q, res.Status)
				}
				return allianceTableText(t, res, "main")
			}
			for q, want := range map[string][]string{
				"q=" + url.QueryEscape("电梯"):   {"梅陇三村加装电梯协调"},
				"q=" + url.QueryEscape("加装电梯"): {"梅陇三村加装电梯协调"},
				"q=" + url.QueryEscape("助餐"):   {"老年助餐"},
				"mine=1":                       {"梅陇三村加装电梯协调"},
				"category=care":                {"老年助餐"},
				"status=published&street_id=" + fmt.Sprint(w.street.ID): {"梅陇三村加装电梯协调"},
			} {
				got := list(c, q)
				for _, title := range want {
					if !strings.Contains(got, title) {
						t.Errorf("list %s lacks %s: %s", q, title, got)
					}
				}
				if strings.Count(got, "|")+1 != len(want) {
					t.Errorf("list %s: %s", q, got)
				}
			}
			if got := list(w.foreign, ""); strings.Contains(got, "电梯") || !strings.Contains(got, "老年助餐") {
				t.Errorf("foreign unit's list: %s", got)
			}
			// Export: the filtered rows, as csv.
			exp := c.Get("/needs/export?format=csv&q=" + url.QueryEscape("电梯"))
			if exp.Status != http.StatusOK {
				t.Fatalf("export: %d", exp.Status)
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(exp.Body, "\ufeff"))).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][1] != "梅陇三村加装电梯协调" || recs[1][3] != "已发布" {
				t.Fatalf("export rows: %v %v", recs, err)
			}
			if exp := c.Get("/needs/export?format=xlsx"); exp.Status != http.StatusOK || !strings.HasPrefix(exp.Body, "PK") {
				t.Errorf("xlsx export: %d", exp.Status)
			}

			// A stale edit: the secretary saves first; the contact's form shows both.
			editPage := page + "/edit"
			tok := c.FormToken(editPage)
			res = w.secretary.Submit(editPage, page, url.Values{"title": {"梅陇三村加装电梯协调（秘书修改）"}, "category": {"housing_renewal"},
				"quantity": {"8"}, "measure": {"sessions"}, "wanted_by": {wanted}, "visibility": {"alliance"}, "version": {"2"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("secretary edit: %d %.300s", res.Status, res.Body)
			}
			mine := url.Values{"title": {"梅陇三村加装电梯协调（联络员修改）"}, "category": {"housing_renewal"}, "quantity": {"6"},
				"measure": {"sessions"}, "wanted_by": {wanted}, "visibility": {"alliance"}, "version": {"2"}, "csrf_token": {tok}}
			res = c.PostForm(page, mine)
			if res.Status != http.StatusConflict {
				t.Fatalf("stale edit: %d", res.Status)
			}
			doc = res.Doc(t)
			stale := strings.Join(doc.Find(".error-summary table td").Map(func(_ int, s *goquery.Selection) string { return s.Text() }), " ")
			for _, want := range []string{"联络员修改", "秘书修改", "需求数量 6 8"} {
				if !strings.Contains(stale, want) {
					t.Errorf("stale table lacks %q: %s", want, stale)
				}
			}
			if v, _ := doc.Find("#title").Attr("value"); v != "梅陇三村加装电梯协调（联络员修改）" {
				t.Errorf("typed title not kept: %q", v)
			}
			if v, _ := doc.Find(`input[name="version"]`).Attr("value"); v != "3" {
				t.Errorf("version to save over: %q", v)
			}
			// Saving again keeps the contact's version.
			mine.Set("version", "3")
			mine.Set("csrf_token", c.FormToken(editPage))
			if res := c.PostForm(page, mine); res.Status != http.StatusSeeOther {
				t.Fatalf("save again: %d", res.Status)
			}

			// 关闭 in the header opens its form: closed by default, open at
			// ?action=close (without JavaScript) and after a refusal.
			hdr := c.Get(page).Doc(t)
			if href, _ := hdr.Find(`.page-actions a#open-close`).Attr("href"); href != page+"?action=close#act-close" {
				t.Errorf("close button: %q", href)
			}
			if n := hdr.Find(`details#act-close:not([open]) form[action="` + page + `/close"]`).Length(); n != 1 {
				t.Errorf("close form closed by default: %d", n)
			}
			if n := c.Get(page + "?action=close").Doc(t).Find(`details#act-close[open] #close-reason`).Length(); n != 1 {
				t.Errorf("?action=close: form open %d", n)
			}
			// Close: the reason is required (kept on refusal), then the status shows.
			res = c.Submit(page, page+"/close", url.Values{"version": {"4"}, "reason": {"  "}})
			if res.Status != http.StatusUnprocessableEntity || res.Doc(t).Find("details#act-close[open] #close-reason-error").Text() == "" {
				t.Fatalf("close without reason: %d", res.Status)
			}
			res = c.Submit(page, page+"/close", url.Values{"version": {"4"}, "reason": {"居民意见未统一"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("close: %d %.300s", res.Status, res.Body)
			}
			show = c.Get(page)
			if tag := show.Doc(t).Find(".page-header .tag").Text(); tag != "已关闭" || !strings.Contains(show.Body, "居民意见未统一") {
				t.Errorf("closed page: %q", tag)
			}
			if res := c.Get(editPage); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("edit a closed need: %d", res.Status)
			}
			for action, want := range map[string]int{"need.create": 1, "need.publish": 1, "need.update": 2, "need.close": 1} {
				if n := countRows(t, srv, fmt.Sprintf("SELECT count(*) FROM audit_log WHERE action = '%s' AND object_id = '%d'", action, id)); n != want {
					t.Errorf("audit %s: %d, want %d", action, n, want)
				}
			}
		})
	}
}

// TestNeedsAPI: list, create (201), a stale PATCH (409), actions with 422
// naming the status, and 404 outside the viewer's sight.
func TestNeedsAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			w := newListsWebWorld(t, srv)
			c := w.secretary
			c.Get("/") // the CSRF cookie
			res := apiJSON(t, c, "POST", "/api/v1/needs", map[string]any{"alliance_id": w.alliance.ID, "submitter_unit_id": w.unitB.ID,
				"title": "青少年暑托", "category": "youth", "quantity": 40, "measure": "people", "visibility": "district"})
			if res.Status != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/needs/") {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			type needResp struct {
				ID       int64  `json:"id"`
				Status   string `json:"status"`
				Version  int    `json:"version"`
				Coverage string `json:"coverage"`
				Title    string `json:"title"`
			}
			n := decode[needResp](t, res)
			if n.Status != "draft" || n.Coverage != "none" || n.Version != 1 {
				t.Errorf("created: %+v", n)
			}
			path := fmt.Sprintf("/api/v1/needs/%d", n.ID)
			if res := apiJSON(t, c, "POST", "/api/v1/needs", map[string]any{"alliance_id": w.alliance.ID}); res.Status != http.StatusBadRequest ||
				!strings.Contains(res.Body, `"title"`) {
				t.Errorf("bad create: %d %s", res.Status, res.Body)
			}
			if res := apiJSON(t, c, "PATCH", path, map[string]any{"title": "新名称"}); res.Status != http.StatusBadRequest {
				t.Errorf("patch without version: %d", res.Status)
			}
			res = apiJSON(t, c, "PATCH", path, map[string]any{"title": "青少年暑期托管", "version": 1})
			if got := decode[needResp](t, res); res.Status != http.StatusOK || got.Title != "青少年暑期托管" || got.Version != 2 {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			if res := apiJSON(t, c, "PATCH", path, map[string]any{"title": "过期", "version": 1}); res.Status != http.StatusConflict {
				t.Errorf("stale patch: %d", res.Status)
			}
			if res := apiJSON(t, c, "POST", path+"/publish", map[string]any{"version": 2}); res.Status != http.StatusOK {
				t.Fatalf("publish: %d %s", res.Status, res.Body)
			}
			res = apiJSON(t, c, "POST", path+"/publish", map[string]any{"version": 3})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "need_publish_not_allowed") || !strings.Contains(res.Body, "已发布") {
				t.Errorf("publish twice: %d %s", res.Status, res.Body)
			}
			// District visibility: the foreign unit does not see it; the list API agrees.
			if res := w.foreign.Get(path); res.Status != http.StatusNotFound {
				t.Errorf("foreign: %d", res.Status)
			}
			list := decode[struct {
				Items []needResp `json:"items"`
				Total int64      `json:"total"`
			}](t, w.contact.Get("/api/v1/needs?q="+url.QueryEscape("暑期托管")))
			if list.Total != 1 || list.Items[0].ID != n.ID {
				t.Errorf("contact's search: %+v", list)
			}
			if res := w.contact.Get("/api/v1/needs?status=nope"); res.Status != http.StatusBadRequest {
				t.Errorf("bad filter: %d", res.Status)
			}
			// The contact of unit A sees it but may not close unit B's need: 403.
			w.contact.Get("/")
			if res := apiJSON(t, w.contact, "POST", path+"/close", map[string]any{"version": 3, "reason": "x"}); res.Status != http.StatusForbidden {
				t.Errorf("fellow member closes: %d", res.Status)
			}
			if res := apiJSON(t, c, "POST", path+"/close", map[string]any{"version": 3}); res.Status != http.StatusBadRequest {
				t.Errorf("close without reason: %d", res.Status)
			}
			res = apiJSON(t, c, "POST", path+"/close", map[string]any{"version": 3, "reason": "暑期已过"})
			if got := decode[needResp](t, res); res.Status != http.StatusOK || got.Status != "closed" {
				t.Errorf("close: %d %s", res.Status, res.Body)
			}
		})
	}
}
