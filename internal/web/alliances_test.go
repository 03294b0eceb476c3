package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// ---- fixtures ----

var allianceSeq atomic.Int64

func allianceFixtureUnit(t *testing.T, srv *testenv.Server, district int64, name string) *model.Unit {
	t.Helper()
	if name == "" {
		name = fmt.Sprintf("联盟测试单位%d", allianceSeq.Add(1))
	}
	u := &model.Unit{Name: name, Kind: "gov", DistrictID: district, Status: model.StatusActive}
	if err := srv.DB.CreateUnit(context.Background(), u); err != nil {
		t.Fatalf("unit: %v", err)
	}
	return u
}

func allianceFixtureStreet(t *testing.T, srv *testenv.Server, district int64, name string) *model.Street {
	t.Helper()
	s := &model.Street{DistrictID: district, Code: fmt.Sprintf("%d9%05d", district, allianceSeq.Add(1)), Name: name}
	if err := srv.DB.CreateStreet(context.Background(), s); err != nil {
		t.Fatalf("street: %v", err)
	}
	return s
}

func allianceFixture(t *testing.T, srv *testenv.Server, district int64, name, kind string) *model.Alliance {
	t.Helper()
	if name == "" {
		name = fmt.Sprintf("测试联盟%d", allianceSeq.Add(1))
	}
	if kind == "" {
		kind = "regional"
	}
	a := &model.Alliance{Name: name, Kind: kind, Level: model.LevelDistrict, DistrictID: district, Status: model.StatusActive}
	if err := srv.DB.CreateAlliance(context.Background(), a); err != nil {
		t.Fatalf("alliance: %v", err)
	}
	return a
}

// allianceFixtureMember makes a fresh unit of the alliance's district a member.
func allianceFixtureMember(t *testing.T, srv *testenv.Server, allianceID, district int64) *model.Membership {
	t.Helper()
	u := allianceFixtureUnit(t, srv, district, "")
	m := &model.Membership{AllianceID: allianceID, UnitID: u.ID, Rank: model.RankMember, JoinedOn: service.AllianceToday(srv.DB.Now()).AddDate(0, 0, -30)}
	if err := srv.DB.CreateMembership(context.Background(), m); err != nil {
		t.Fatalf("membership: %v", err)
	}
	return m
}

// allianceFixtureCommittee makes a committee with one member unit (not the convenor).
func allianceFixtureCommittee(t *testing.T, srv *testenv.Server, allianceID, district int64) (*model.Committee, int64) {
	t.Helper()
	m := allianceFixtureMember(t, srv, allianceID, district)
	c := &model.Committee{AllianceID: allianceID, Name: fmt.Sprintf("专委会%d", allianceSeq.Add(1)), Theme: "基层党建"}
	if err := srv.DB.CreateCommittee(context.Background(), c); err != nil {
		t.Fatalf("committee: %v", err)
	}
	if _, err := srv.DB.AddCommitteeMember(context.Background(), c.ID, m.UnitID); err != nil {
		t.Fatal(err)
	}
	return c, m.UnitID
}

// ---- authorization matrix ----

// Matrix roles of this area: the secretary of an alliance of 徐汇区 (made by
// the setup below) and, unless another area defines it, a district admin of 徐汇区.
const (
	allianceSecretaryRole = "secretary"
	allianceXHAdmin       = "district_admin_xh"
)

// allianceRule says who may call one of this area's routes: the action on
// the object kind, and which alliance the path names ("" a collection,
// "own" a fresh alliance of 310104, "foreign" one of 310101, "home" the
// matrix secretary's alliance, also in 310104).
type allianceRule struct{ obj, act, target string }

var allianceRules = map[string]allianceRule{}

func init() {
	matrixRoles = append(matrixRoles, matrixRole{allianceSecretaryRole, model.RoleAllianceSecretary, "alliance:{home_alliance}"})
	if !slices.ContainsFunc(matrixRoles, func(r matrixRole) bool { return r.name == allianceXHAdmin }) {
		matrixRoles = append(matrixRoles, matrixRole{allianceXHAdmin, model.RoleDistrictAdmin, "district:310104"})
	}
	districtOf := map[string]int64{"own": 310104, "foreign": 310101}
	fresh := func(target string) func(*testing.T, *testenv.Server, map[string]string) (int64, int64) {
		return func(t *testing.T, srv *testenv.Server, env map[string]string) (int64, int64) {
			if target == "home" {
				var id int64
				fmt.Sscan(env["home_alliance"], &id)
				return id, 310104
			}
			return allianceFixture(t, srv, districtOf[target], "", "").ID, districtOf[target]
		}
	}
	for target, ph := range map[string]string{"own": "", "foreign": "_foreign", "home": "_home"} {
		alliance := fresh(target)
		// {alliance}, {alliance_foreign}, {alliance_home}: the alliance itself.
		matrixFixtures["{alliance"+ph+"}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
			id, _ := alliance(t, srv, env)
			return fmt.Sprint(id)
		}
		// {mship_alliance…} makes a membership of the alliance, which {mship}
		// (always after it in a path) names.
		matrixFixtures["{mship_alliance"+ph+"}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
			id, d := alliance(t, srv, env)
			env["_mship"] = fmt.Sprint(allianceFixtureMember(t, srv, id, d).ID)
			return fmt.Sprint(id)
		}
		// {committee…} makes a committee of the alliance with one member unit,
		// which {committee_unit} names.
		matrixFixtures["{committee"+ph+"}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
			id, d := alliance(t, srv, env)
			c, unit := allianceFixtureCommittee(t, srv, id, d)
			env["_committee_unit"] = fmt.Sprint(unit)
			return fmt.Sprint(c.ID)
		}
	}
	matrixFixtures["{own_alliance}"] = matrixFixtures["{alliance_home}"]
	matrixFixtures["{mship}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string { return env["_mship"] }
	matrixFixtures["{committee_unit}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string {
		return env["_committee_unit"]
	}
	matrixParams["{mship}"] = ":mid"
	matrixParams["{committee_unit}"] = ":unit_id"

	add := func(method, path string, r allianceRule) {
		allianceRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false}) // allow: filled by the setup below
	}
	rule := func(obj, act string) allianceRule { return allianceRule{obj, act, ""} }
	add("GET", "/alliances", rule("alliance", "read"))
	add("GET", "/alliances/export", rule("alliance", "read"))
	add("GET", "/alliances/new", rule("alliance", "manage"))
	add("POST", "/alliances", rule("alliance", "manage"))
	add("GET", "/committees", rule("alliance", "read"))
	add("GET", "/committees/export", rule("alliance", "read"))
	add("GET", "/committees/new", rule("committee", "manage"))
	add("POST", "/committees", rule("committee", "manage"))
	add("GET", "/api/v1/alliances", rule("alliance", "read"))
	add("POST", "/api/v1/alliances", rule("alliance", "manage"))
	add("GET", "/api/v1/committees", rule("alliance", "read"))
	add("POST", "/api/v1/committees", rule("committee", "manage"))
	for _, tgt := range []string{"own", "foreign", "home"} {
		ph := map[string]string{"own": "", "foreign": "_foreign", "home": "_home"}[tgt]
		r := func(obj, act string) allianceRule { return allianceRule{obj, act, tgt} }
		a, ma, c := "{alliance"+ph+"}", "{mship_alliance"+ph+"}/members/{mship}", "{committee"+ph+"}"
		if tgt == "home" {
			a = "{own_alliance}" // the secretary's own alliance
		}
		add("GET", "/alliances/"+a, r("alliance", "read"))
		add("GET", "/alliances/"+a+"/edit", r("alliance", "update"))
		add("POST", "/alliances/"+a, r("alliance", "update"))
		add("POST", "/alliances/"+a+"/deactivate", r("alliance", "manage"))
		add("POST", "/alliances/"+a+"/activate", r("alliance", "manage"))
		add("POST", "/alliances/"+a+"/members", r("membership", "manage"))
		add("GET", "/alliances/"+ma+"/edit", r("membership", "manage"))
		add("POST", "/alliances/"+ma, r("membership", "manage"))
		add("POST", "/alliances/"+ma+"/leave", r("membership", "manage"))
		add("GET", "/committees/"+c, r("alliance", "read"))
		add("GET", "/committees/"+c+"/edit", r("committee", "manage"))
		add("POST", "/committees/"+c, r("committee", "manage"))
		add("POST", "/committees/"+c+"/deactivate", r("committee", "manage"))
		add("POST", "/committees/"+c+"/activate", r("committee", "manage"))
		add("POST", "/committees/"+c+"/members", r("committee", "manage"))
		add("POST", "/committees/"+c+"/members/{committee_unit}/remove", r("committee", "manage"))
		add("GET", "/api/v1/alliances/"+a, r("alliance", "read"))
		add("PATCH", "/api/v1/alliances/"+a, r("alliance", "update"))
		add("POST", "/api/v1/alliances/"+a+"/deactivate", r("alliance", "manage"))
		add("POST", "/api/v1/alliances/"+a+"/activate", r("alliance", "manage"))
		add("GET", "/api/v1/alliances/"+a+"/members", r("alliance", "read"))
		add("POST", "/api/v1/alliances/"+a+"/members", r("membership", "manage"))
		add("GET", "/api/v1/alliances/"+ma, r("alliance", "read"))
		add("PATCH", "/api/v1/alliances/"+ma, r("membership", "manage"))
		add("POST", "/api/v1/alliances/"+ma+"/leave", r("membership", "manage"))
		add("GET", "/api/v1/committees/"+c, r("alliance", "read"))
		add("PATCH", "/api/v1/committees/"+c, r("committee", "manage"))
		add("POST", "/api/v1/committees/"+c+"/deactivate", r("committee", "manage"))
		add("POST", "/api/v1/committees/"+c+"/activate", r("committee", "manage"))
		add("POST", "/api/v1/committees/"+c+"/members/{committee_unit}", r("committee", "manage"))
		add("DELETE", "/api/v1/committees/"+c+"/members/{committee_unit}", r("committee", "manage"))
	}

	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_alliance"] == "" {
			env["home_alliance"] = fmt.Sprint(allianceFixture(t, srv, 310104, "矩阵秘书的联盟", "").ID)
		}
		// The allow lists follow configs/policy.csv, for every role of every area.
		for i, row := range matrix {
			r, ok := allianceRules[row.method+" "+row.path]
			if !ok {
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name != anon && allianceMatrixAllows(mr, r, env) {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
	})
}

// allianceMatrixAllows restates configs/policy.csv for this area's routes:
// a role in its domain against the alliance the path names.
func allianceMatrixAllows(mr matrixRole, r allianceRule, env map[string]string) bool {
	dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
	district := map[string]string{"own": "district:310104", "foreign": "district:310101", "home": "district:310104"}[r.target]
	switch mr.role {
	case model.RoleSysadmin:
		return true
	case model.RoleDistrictAdmin:
		return r.target == "" || dom == district
	case model.RoleDistrictReviewer:
		return r.obj == "alliance" && r.act == "read" && (r.target == "" || dom == district)
	case model.RoleAllianceSecretary:
		may := (r.obj == "alliance" && (r.act == "read" || r.act == "update")) || r.obj == "membership" || r.obj == "committee"
		return may && (r.target == "" || (r.target == "home" && dom == "alliance:"+env["home_alliance"]))
	}
	return false
}

// ---- journeys ----

// allianceToday is the day in Asia/Shanghai by the server's clock.
func allianceToday(srv *testenv.Server) string {
	return service.AllianceToday(srv.DB.Now()).Format(time.DateOnly)
}

// allianceMembership finds the current (or, with left, the latest ended)
// membership of a unit in an alliance.
func allianceMembership(t *testing.T, srv *testenv.Server, allianceID, unitID int64, state string) *store.MemberRow {
	t.Helper()
	l, err := srv.DB.ListMemberships(context.Background(), store.MembershipFilter{AllianceID: allianceID, State: state},
		model.PageRequest{Limit: model.MaxPageSize, Sort: "joined_on", Desc: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range l.Items {
		if l.Items[i].UnitID == unitID {
			return &l.Items[i]
		}
	}
	t.Fatalf("no %s membership of unit %d in alliance %d", state, unitID, allianceID)
	return nil
}

// allianceSectionText is the text of a page's section (by id), spaces squeezed.
func allianceSectionText(t *testing.T, res *testenv.Response, id string) string {
	t.Helper()
	return strings.Join(strings.Fields(res.Doc(t).Find("#"+id).Text()), " ")
}

// allianceTableText is the text of the rows of a section's (first) table, spaces squeezed.
func allianceTableText(t *testing.T, res *testenv.Response, id string) string {
	t.Helper()
	var rows []string
	res.Doc(t).Find("#" + id + " table").First().Find("tbody tr").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) {
			if cell := strings.Join(strings.Fields(td.Text()), " "); cell != "" {
				cells = append(cells, cell)
			}
		})
		rows = append(rows, strings.Join(cells, " "))
	})
	return strings.Join(rows, " | ")
}

// TestAllianceMemberships: a district admin of 徐汇区 creates an alliance,
// adds two units with their ranks, one leaves (the history shows it) and
// joins again (a new row; the old one stays).
func TestAllianceMemberships(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			u1 := allianceFixtureUnit(t, srv, 310104, "上海凌云科技有限公司")
			u2 := allianceFixtureUnit(t, srv, 310104, "徐汇区凌云社区卫生服务中心")
			hp := allianceFixtureUnit(t, srv, 310101, "黄浦区外滩街道办事处")
			c := srv.Client(t)
			c.Login("xh", testenv.Password)

			res := c.Submit("/alliances/new", "/alliances", url.Values{"name": {"凌云路街道区域化党建联盟"}, "kind": {"regional"},
				"level": {"district"}, "district_id": {"310104"}, "founded_on": {"2019-03-05"}, "description": {"第一段\n第二段"}})
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/alliances/") {
				t.Fatalf("create: %d %.500s", res.Status, res.Body)
			}
			page := res.Location()
			var id int64
			fmt.Sscan(strings.TrimPrefix(page, "/alliances/"), &id)

			// The add form offers the district's units that are not members, not another district's.
			show := c.Get(page)
			if show.Status != http.StatusOK {
				t.Fatalf("show: %d", show.Status)
			}
			opts := show.Doc(t).Find("#add-unit_id option").Map(func(_ int, s *goquery.Selection) string { v, _ := s.Attr("value"); return v })
			if !slices.Contains(opts, fmt.Sprint(u1.ID)) || !slices.Contains(opts, fmt.Sprint(u2.ID)) || slices.Contains(opts, fmt.Sprint(hp.ID)) {
				t.Fatalf("candidates %v", opts)
			}
			// A unit of another district is refused next to the field.
			res = c.Submit(page, page+"/members", url.Values{"unit_id": {fmt.Sprint(hp.ID)}, "rank": {"member"}, "joined_on": {allianceToday(srv)}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#add-unit_id-error").Text(), "同一区") {
				t.Fatalf("foreign unit: %d", res.Status)
			}
			res = c.Submit(page, page+"/members", url.Values{"unit_id": {fmt.Sprint(u1.ID)}, "rank": {"council"}, "joined_on": {"2020-01-01"}, "letter_signed_on": {"2020-01-15"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add u1: %d %.300s", res.Status, res.Body)
			}
			res = c.Submit(page, page+"/members", url.Values{"unit_id": {fmt.Sprint(u2.ID)}, "rank": {"member"}, "joined_on": {"2021-06-01"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add u2: %d %.300s", res.Status, res.Body)
			}
			show = c.Get(page)
			members := allianceTableText(t, show, "members")
			for _, want := range []string{u1.Name + " 常务理事单位 2020-01-01 2020-01-15", u2.Name + " 成员单位 2021-06-01 未签订"} {
				if !strings.Contains(members, want) {
					t.Errorf("members section lacks %q: %s", want, members)
				}
			}
			if paras := show.Doc(t).Find("#basic dd p").Map(func(_ int, s *goquery.Selection) string { return s.Text() }); fmt.Sprint(paras) != "[第一段 第二段]" {
				t.Errorf("description paragraphs %v", paras)
			}

			// Change the rank of u2.
			m2 := allianceMembership(t, srv, id, u2.ID, store.MembershipsCurrent)
			edit := fmt.Sprintf("%s/members/%d", page, m2.ID)
			res = c.Submit(edit+"/edit", edit, url.Values{"rank": {"council"}, "letter_signed_on": {"2099-01-01"}, "version": {versionOf(t, srv, "memberships", m2.ID)}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#letter_signed_on-error").Text(), "不能晚于今天") {
				t.Fatalf("future letter date: %d", res.Status)
			}
			res = c.Submit(edit+"/edit", edit, url.Values{"rank": {"council"}, "letter_signed_on": {"2022-01-10"}, "version": {versionOf(t, srv, "memberships", m2.ID)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("change rank: %d %.300s", res.Status, res.Body)
			}

			// u2 leaves: it moves to the history, with its date.
			res = c.Submit(page, edit+"/leave", url.Values{"left_on": {allianceToday(srv)}, "version": {versionOf(t, srv, "memberships", m2.ID)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("leave: %d %.300s", res.Status, res.Body)
			}
			show = c.Get(page)
			if members := allianceTableText(t, show, "members"); strings.Contains(members, u2.Name) {
				t.Errorf("a unit that left is still listed as a member: %s", members)
			}
			history := allianceTableText(t, show, "history")
			if want := u2.Name + " 常务理事单位 2021-06-01 " + allianceToday(srv); !strings.Contains(history, want) {
				t.Errorf("history lacks %q: %s", want, history)
			}
			// Leaving twice is refused, history is not edited.
			if res := c.Submit(page, edit+"/leave", url.Values{}); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("leaving twice: %d", res.Status)
			}

			// u2 joins again: a new row; the old one stays in the history.
			res = c.Submit(page, page+"/members", url.Values{"unit_id": {fmt.Sprint(u2.ID)}, "rank": {"member"}, "joined_on": {allianceToday(srv)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("join again: %d %.300s", res.Status, res.Body)
			}
			q := fmt.Sprintf("SELECT count(*) FROM memberships WHERE alliance_id = %d AND unit_id = %d", id, u2.ID)
			if n := countRows(t, srv, q); n != 2 {
				t.Errorf("memberships of u2: %d, want 2", n)
			}
			if n := countRows(t, srv, q+" AND left_on IS NULL"); n != 1 {
				t.Errorf("current memberships of u2: %d, want 1", n)
			}
			show = c.Get(page)
			if !strings.Contains(allianceTableText(t, show, "members"), u2.Name+" 成员单位 "+allianceToday(srv)) ||
				!strings.Contains(allianceTableText(t, show, "history"), u2.Name) {
				t.Errorf("after joining again: members %q history %q", allianceTableText(t, show, "members"), allianceTableText(t, show, "history"))
			}
			// Audited: create, two joins, change, leave, join again.
			for action, want := range map[string]int{"alliance.create": 1, "membership.create": 3, "membership.update": 1, "membership.leave": 1} {
				if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action = '"+action+"' AND domain = 'alliance:"+fmt.Sprint(id)+"'"); n != want {
					t.Errorf("audit %s: %d, want %d", action, n, want)
				}
			}

			// The API tells the same story.
			api := decode[struct {
				Items []struct {
					UnitID int64   `json:"unit_id"`
					LeftOn *string `json:"left_on"`
				} `json:"items"`
				Total int64 `json:"total"`
			}](t, c.Get(fmt.Sprintf("/api/v1/alliances/%d/members?state=all", id)))
			if api.Total != 3 {
				t.Errorf("API members (all): %+v", api)
			}
		})
	}
}

// TestAllianceSecretary: the secretary of an alliance runs its memberships
// and committees, and gets 404 on another alliance of the same district.
func TestAllianceSecretary(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			mine := allianceFixture(t, srv, 310104, "凌云路街道区域化党建联盟", "")
			other := allianceFixture(t, srv, 310104, "徐家汇街道区域化党建联盟", "")
			otherCommittee, _ := allianceFixtureCommittee(t, srv, other.ID, 310104)
			otherMember := allianceFixtureMember(t, srv, other.ID, 310104)
			srv.CreateUser(t, "sec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", mine.ID))
			u1 := allianceFixtureUnit(t, srv, 310104, "上海凌云科技有限公司")
			u2 := allianceFixtureUnit(t, srv, 310104, "徐汇区凌云社区卫生服务中心")
			c := srv.Client(t)
			c.Login("sec", testenv.Password)
			page := fmt.Sprintf("/alliances/%d", mine.ID)

			// Memberships of their alliance.
			for _, u := range []*model.Unit{u1, u2} {
				res := c.Submit(page, page+"/members", url.Values{"unit_id": {fmt.Sprint(u.ID)}, "rank": {"member"}, "joined_on": {allianceToday(srv)}})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("secretary adds a member: %d %.300s", res.Status, res.Body)
				}
			}
			m1 := allianceMembership(t, srv, mine.ID, u1.ID, store.MembershipsCurrent)
			mp := fmt.Sprintf("%s/members/%d", page, m1.ID)
			if res := c.Submit(mp+"/edit", mp, url.Values{"rank": {"council"}, "version": {versionOf(t, srv, "memberships", m1.ID)}}); res.Status != http.StatusSeeOther {
				t.Fatalf("secretary changes a rank: %d", res.Status)
			}
			// Their alliance's fields too, but not its status.
			if res := c.Get(page + "/edit"); res.Status != http.StatusOK {
				t.Errorf("secretary's edit form: %d", res.Status)
			}
			if res := c.Submit(page, page+"/deactivate", url.Values{"version": {fmt.Sprint(mine.Version)}}); res.Status != http.StatusForbidden {
				t.Errorf("secretary deactivating: %d, want 403", res.Status)
			}
			if res := c.Get("/alliances/new"); res.Status != http.StatusForbidden {
				t.Errorf("secretary creating an alliance: %d, want 403", res.Status)
			}

			// Committees of their alliance: create with a convenor and a member, add and remove.
			res := c.Submit("/committees/new?alliance_id="+fmt.Sprint(mine.ID), "/committees", url.Values{"alliance_id": {fmt.Sprint(mine.ID)},
				"name": {"文化体育专委会"}, "theme": {"文化体育"}, "convenor_unit_id": {fmt.Sprint(u1.ID)}})
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/committees/") {
				t.Fatalf("secretary creates a committee: %d %.500s", res.Status, res.Body)
			}
			cp := res.Location()
			res = c.Submit(cp, cp+"/members", url.Values{"unit_id": {fmt.Sprint(u2.ID)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add to committee: %d %.300s", res.Status, res.Body)
			}
			members := allianceTableText(t, c.Get(cp), "members")
			if !strings.Contains(members, u1.Name+" 召集单位") || !strings.Contains(members, u2.Name) {
				t.Errorf("committee members: %s", members)
			}
			res = c.Submit(cp, fmt.Sprintf("%s/members/%d/remove", cp, u1.ID), url.Values{})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请先更换召集单位") {
				t.Errorf("removing the convenor: %d", res.Status)
			}
			if res := c.Submit(cp, fmt.Sprintf("%s/members/%d/remove", cp, u2.ID), url.Values{}); res.Status != http.StatusSeeOther {
				t.Errorf("remove from committee: %d", res.Status)
			}
			// A unit that is not a member of the alliance cannot sit on its committee.
			stranger := allianceFixtureUnit(t, srv, 310104, "")
			res = c.Submit(cp, cp+"/members", url.Values{"unit_id": {fmt.Sprint(stranger.ID)}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#add-unit_id-error").Text(), "在册的成员单位") {
				t.Errorf("stranger on the committee: %d", res.Status)
			}

			// Lists hold their alliance only.
			if body := c.Get("/alliances").Body; !strings.Contains(body, mine.Name) || strings.Contains(body, other.Name) {
				t.Errorf("secretary's alliance list")
			}
			if body := c.Get("/committees").Body; !strings.Contains(body, "文化体育专委会") || strings.Contains(body, otherCommittee.Name) {
				t.Errorf("secretary's committee list")
			}

			// Another alliance: 404 on everything, nothing written.
			op := fmt.Sprintf("/alliances/%d", other.ID)
			omp := fmt.Sprintf("%s/members/%d", op, otherMember.ID)
			ocp := fmt.Sprintf("/committees/%d", otherCommittee.ID)
			before := countRows(t, srv, "SELECT count(*) FROM audit_log")
			token := c.CSRFCookie()
			for _, req := range []struct{ method, path string }{
				{"GET", op}, {"GET", op + "/edit"}, {"POST", op}, {"POST", op + "/members"},
				{"GET", omp + "/edit"}, {"POST", omp}, {"POST", omp + "/leave"},
				{"GET", ocp}, {"GET", ocp + "/edit"}, {"POST", ocp}, {"POST", ocp + "/deactivate"}, {"POST", ocp + "/members"},
				{"GET", "/committees/new?alliance_id=" + fmt.Sprint(other.ID)},
				{"GET", "/api" + "/v1" + op}, {"GET", "/api/v1" + op + "/members"}, {"GET", "/api/v1" + omp}, {"GET", "/api/v1" + ocp},
			} {
				var res *testenv.Response
				if req.method == "GET" {
					res = c.Get(req.path)
				} else {
					res = c.PostForm(req.path, url.Values{"csrf_token": {token}, "unit_id": {fmt.Sprint(u1.ID)}, "rank": {"member"}, "name": {"x"}})
				}
				if res.Status != http.StatusNotFound {
					t.Errorf("secretary %s %s: %d, want 404", req.method, req.path, res.Status)
				}
			}
			for _, req := range []struct{ method, path, body string }{
				{"PATCH", "/api/v1" + op, `{"name":"改名","version":1}`},
				{"POST", "/api/v1" + op + "/members", fmt.Sprintf(`{"unit_id":%d,"rank":"member"}`, u1.ID)},
				{"PATCH", "/api/v1" + omp, `{"rank":"council"}`},
				{"POST", "/api/v1" + omp + "/leave", `{}`},
				{"POST", "/api/v1/committees", fmt.Sprintf(`{"alliance_id":%d,"name":"新专委会"}`, other.ID)},
				{"PATCH", "/api/v1" + ocp, `{"name":"改名"}`},
				{"POST", fmt.Sprintf("/api/v1%s/members/%d", ocp, otherMember.UnitID), `{}`},
				{"DELETE", fmt.Sprintf("/api/v1%s/members/%d", ocp, otherMember.UnitID), ``},
			} {
				if res := sessionJSON(c, req.method, req.path, req.body); res.Status != http.StatusNotFound {
					t.Errorf("secretary %s %s: %d, want 404", req.method, req.path, res.Status)
				}
			}
			if after := countRows(t, srv, "SELECT count(*) FROM audit_log"); after != before {
				t.Errorf("refused calls wrote %d audit rows", after-before)
			}
		})
	}
}

// TestAllianceStreetLevel: a street alliance needs a street of its own
// district; another district's street is refused next to the field, with
// everything typed kept.
func TestAllianceStreetLevel(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			own := allianceFixtureStreet(t, srv, 310104, "凌云路街道")
			foreign := allianceFixtureStreet(t, srv, 310101, "外滩街道")
			c := srv.Client(t)
			c.Login("xh", testenv.Password)
			form := func(street string) url.Values {
				return url.Values{"name": {"凌云路街道区域化党建联盟"}, "kind": {"regional"}, "level": {"street"},
					"district_id": {"310104"}, "street_id": {street}, "founded_on": {"2019-03-05"}, "description": {"简介"}}
			}
			res := c.Submit("/alliances/new", "/alliances", form(fmt.Sprint(foreign.ID)))
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("foreign street: %d %.300s", res.Status, res.Body)
			}
			doc := res.Doc(t)
			if msg := strings.TrimSpace(doc.Find("#street_id-error").Text()); msg != "所选街镇不属于联盟所在的区，请选择本区的街镇" {
				t.Errorf("street message %q", msg)
			}
			if v, _ := doc.Find("#name").Attr("value"); v != "凌云路街道区域化党建联盟" {
				t.Errorf("name not kept: %q", v)
			}
			if v, _ := doc.Find("#level option[selected]").Attr("value"); v != "street" {
				t.Errorf("level not kept: %q", v)
			}
			if v, _ := doc.Find("#founded_on").Attr("value"); v != "2019-03-05" {
				t.Errorf("founded on not kept: %q", v)
			}
			// The form offers the streets of the district the user manages only.
			if doc.Find(fmt.Sprintf("#street_id option[value=\"%d\"]", foreign.ID)).Length() != 0 || doc.Find(fmt.Sprintf("#street_id option[value=\"%d\"]", own.ID)).Length() != 1 {
				t.Errorf("street choices")
			}
			res = c.Submit("/alliances/new", "/alliances", form(""))
			if res.Status != http.StatusUnprocessableEntity || strings.TrimSpace(res.Doc(t).Find("#street_id-error").Text()) != "街镇级联盟须选择所属街镇" {
				t.Errorf("no street: %d", res.Status)
			}
			// Future founding dates and a district the user does not manage are refused too.
			bad := form(fmt.Sprint(own.ID))
			bad.Set("founded_on", "2999-01-01")
			if res := c.Submit("/alliances/new", "/alliances", bad); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#founded_on-error").Text(), "不能晚于今天") {
				t.Errorf("future founding date: %d", res.Status)
			}
			if n := countRows(t, srv, "SELECT count(*) FROM alliances"); n != 0 {
				t.Fatalf("refused forms wrote %d alliances", n)
			}
			api := sessionJSON(c, "POST", "/api/v1/alliances", fmt.Sprintf(`{"name":"凌云路联盟","kind":"regional","level":"street","district_id":310104,"street_id":%d}`, foreign.ID))
			body := decode[struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}](t, api)
			if api.Status != http.StatusBadRequest || !strings.Contains(body.Error.Fields["street_id"], "不属于联盟所在的区") {
				t.Errorf("API foreign street: %d %s", api.Status, api.Body)
			}
			// With its own street it saves, and the page names the street.
			res = c.Submit("/alliances/new", "/alliances", form(fmt.Sprint(own.ID)))
			if res.Status != http.StatusSeeOther {
				t.Fatalf("own street: %d %.300s", res.Status, res.Body)
			}
			if basic := allianceSectionText(t, c.Get(res.Location()), "basic"); !strings.Contains(basic, "街镇级") || !strings.Contains(basic, "凌云路街道") {
				t.Errorf("basic: %s", basic)
			}
			// The name is unique within the district.
			if res := c.Submit("/alliances/new", "/alliances", form(fmt.Sprint(own.ID))); res.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(res.Doc(t).Find("#name-error").Text(), "同一区内已有同名联盟") {
				t.Errorf("same name: %d", res.Status)
			}
		})
	}
}

// TestAllianceStaleEdit: an edit over someone else's answers 409, keeps what
// was typed, and saves when sent again.
func TestAllianceStaleEdit(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			a := allianceFixture(t, srv, 310104, "凌云路街道区域化党建联盟", "")
			srv.CreateUser(t, "sec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", a.ID))
			admin, sec := srv.Client(t), srv.Client(t)
			admin.Login("xh", testenv.Password)
			sec.Login("sec", testenv.Password)
			page := fmt.Sprintf("/alliances/%d", a.ID)
			form := func(name, desc string, version int) url.Values {
				return url.Values{"name": {name}, "kind": {"regional"}, "level": {"district"}, "description": {desc}, "version": {fmt.Sprint(version)}}
			}
			// Both open the form at version 1; the secretary saves first.
			if res := sec.Submit(page+"/edit", page, form("凌云路街道党建联盟", "秘书的简介", a.Version)); res.Status != http.StatusSeeOther {
				t.Fatalf("first edit: %d %.300s", res.Status, res.Body)
			}
			res := admin.Submit(page+"/edit", page, form("凌云路区域化党建联盟", "管理员的简介", a.Version))
			if res.Status != http.StatusConflict {
				t.Fatalf("stale edit: %d, want 409", res.Status)
			}
			doc := res.Doc(t)
			if v, _ := doc.Find("#name").Attr("value"); v != "凌云路区域化党建联盟" {
				t.Errorf("typed name not kept: %q", v)
			}
			if !strings.Contains(doc.Find(".error-summary").Text(), "凌云路街道党建联盟") {
				t.Errorf("the stale notice does not show the saved name: %q", doc.Find(".error-summary").Text())
			}
			version, _ := doc.Find(`input[name="version"]`).Attr("value")
			if version != fmt.Sprint(a.Version+1) {
				t.Errorf("form version %q", version)
			}
			stored, _ := srv.DB.AllianceByID(context.Background(), a.ID)
			if stored.Name != "凌云路街道党建联盟" || stored.Description != "秘书的简介" {
				t.Fatalf("the stale edit overwrote: %+v", stored)
			}
			// Sent again from the re-rendered form, the admin's version wins.
			v := 0
			fmt.Sscan(version, &v)
			if res := admin.Submit(page+"/edit", page, form("凌云路区域化党建联盟", "管理员的简介", v)); res.Status != http.StatusSeeOther {
				t.Fatalf("second try: %d", res.Status)
			}
			// The API: a stale version answers 409, the current one 200.
			res = sessionJSON(sec, "PATCH", "/api/v1"+page, `{"description":"接口","version":1}`)
			if res.Status != http.StatusConflict {
				t.Errorf("API stale PATCH: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(sec, "PATCH", "/api/v1"+page, fmt.Sprintf(`{"description":"接口","founded_on":"2018-05-01","version":%d}`, v+1))
			got := decode[struct {
				Name, Description string
				FoundedOn         string `json:"founded_on"`
				Version           int
			}](t, res)
			if res.Status != http.StatusOK || got.Name != "凌云路区域化党建联盟" || got.Description != "接口" || got.FoundedOn != "2018-05-01" || got.Version != v+2 {
				t.Errorf("API PATCH: %d %s", res.Status, res.Body)
			}
			// Deactivating with a stale version is a conflict too.
			if res := admin.Submit(page, page+"/deactivate", url.Values{"version": {"1"}}); res.Status != http.StatusConflict {
				t.Errorf("stale deactivate: %d", res.Status)
			}
		})
	}
}

// TestAllianceExport: the export holds exactly the rows of the filtered list.
func TestAllianceExport(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			want := []string{}
			for i, k := range []string{"building", "regional", "building", "industry", "building"} {
				a := allianceFixture(t, srv, 310104, fmt.Sprintf("徐汇联盟%02d", i), k)
				if k == "building" && i != 4 {
					want = append(want, a.Name)
				}
				if i == 4 {
					if err := srv.DB.SetAllianceStatus(context.Background(), a.ID, a.Version, model.StatusInactive); err != nil {
						t.Fatal(err)
					}
				}
			}
			allianceFixture(t, srv, 310101, "黄浦楼宇联盟", "building") // outside the scope
			sort.Strings(want)
			c := srv.Client(t)
			c.Login("rev", testenv.Password)
			filter := "kind=building&status=active"
			list := c.Get("/alliances?" + filter)
			if list.Status != http.StatusOK {
				t.Fatalf("list: %d", list.Status)
			}
			var listed []string
			list.Doc(t).Find("table.table tbody td.col-title a").Each(func(_ int, s *goquery.Selection) { listed = append(listed, s.Text()) })
			if fmt.Sprint(listed) != fmt.Sprint(want) {
				t.Errorf("list %v, want %v", listed, want)
			}
			href, _ := list.Doc(t).Find(`a[href*="/alliances/export"]`).First().Attr("href")
			if !strings.Contains(href, "kind=building") {
				t.Errorf("export link %q keeps no filter", href)
			}
			res := c.Get("/alliances/export?" + filter + "&format=csv")
			if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("export: %d %s", res.Status, res.Header.Get("Content-Type"))
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[1])
				if r[2] != "楼宇" || r[8] != "正常" {
					t.Errorf("row %v", r)
				}
			}
			if rows[0][1] != "联盟名称" || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("export rows %v (header %v), want %v", got, rows[0], want)
			}
			if res := c.Get("/alliances/export?" + filter + "&format=xlsx"); res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
				t.Errorf("xlsx: %d %s", res.Status, res.Header.Get("Content-Disposition"))
			}
			// The API list filters the same way.
			api := decode[struct {
				Items []struct{ Name string } `json:"items"`
				Total int64                   `json:"total"`
			}](t, c.Get("/api/v1/alliances?"+filter))
			if api.Total != int64(len(want)) {
				t.Errorf("API list: %+v", api)
			}
			if res := c.Get("/api/v1/alliances?level=county"); res.Status != http.StatusBadRequest {
				t.Errorf("API bad level: %d", res.Status)
			}
		})
	}
}

// TestAllianceAPI: create, members and committees through /api/v1.
func TestAllianceAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			u1 := allianceFixtureUnit(t, srv, 310104, "上海凌云科技有限公司")
			u2 := allianceFixtureUnit(t, srv, 310104, "徐汇区凌云社区卫生服务中心")
			c := srv.Client(t)
			c.Login("xh", testenv.Password)

			res := sessionJSON(c, "POST", "/api/v1/alliances", `{"name":"漕河泾园区党建联盟","kind":"industry","level":"district","district_id":310104,"founded_on":"2015-07-01"}`)
			type allianceOut struct {
				ID        int64  `json:"id"`
				Name      string `json:"name"`
				FoundedOn string `json:"founded_on"`
				Version   int    `json:"version"`
				Status    string `json:"status"`
			}
			a := decode[allianceOut](t, res)
			if res.Status != http.StatusCreated || res.Location() != fmt.Sprintf("/api/v1/alliances/%d", a.ID) || a.FoundedOn != "2015-07-01" {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			base := fmt.Sprintf("/api/v1/alliances/%d", a.ID)
			if res := sessionJSON(c, "POST", base+"/members", fmt.Sprintf(`{"unit_id":%d,"rank":"council","letter_signed_on":"2015-07-01"}`, u1.ID)); res.Status != http.StatusCreated {
				t.Fatalf("add member: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(c, "POST", base+"/members", fmt.Sprintf(`{"unit_id":%d,"rank":"member"}`, u2.ID))
			type memberOut struct {
				ID       int64   `json:"id"`
				JoinedOn string  `json:"joined_on"`
				Rank     string  `json:"rank"`
				LeftOn   *string `json:"left_on"`
			}
			m2 := decode[memberOut](t, res)
			if res.Status != http.StatusCreated || m2.JoinedOn != allianceToday(srv) {
				t.Fatalf("add member (joined today): %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "POST", base+"/members", fmt.Sprintf(`{"unit_id":%d,"rank":"member"}`, u2.ID)); res.Status != http.StatusBadRequest {
				t.Errorf("adding twice: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(c, "PATCH", fmt.Sprintf("%s/members/%d", base, m2.ID), `{"rank":"council","version":`+versionOf(t, srv, "memberships", m2.ID)+`}`)
			if got := decode[memberOut](t, res); res.Status != http.StatusOK || got.Rank != "council" {
				t.Errorf("patch member: %d %s", res.Status, res.Body)
			}

			// A committee with both units; the convenor cannot leave the committee, the other can.
			res = sessionJSON(c, "POST", "/api/v1/committees", fmt.Sprintf(`{"alliance_id":%d,"name":"经济发展专委会","theme":"经济发展","convenor_unit_id":%d,"member_unit_ids":[%d]}`, a.ID, u1.ID, u2.ID))
			type committeeOut struct {
				ID          int64 `json:"id"`
				MemberCount int64 `json:"member_count"`
				Members     []struct {
					UnitID int64 `json:"unit_id"`
				} `json:"members"`
				ConvenorUnitID *int64 `json:"convenor_unit_id"`
			}
			cm := decode[committeeOut](t, res)
			if res.Status != http.StatusCreated || cm.MemberCount != 2 || len(cm.Members) != 2 {
				t.Fatalf("create committee: %d %s", res.Status, res.Body)
			}
			cp := fmt.Sprintf("/api/v1/committees/%d", cm.ID)
			if res := sessionJSON(c, "DELETE", fmt.Sprintf("%s/members/%d", cp, u1.ID), ""); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("remove the convenor: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "DELETE", fmt.Sprintf("%s/members/%d", cp, u2.ID), ""); res.Status != http.StatusNoContent {
				t.Errorf("remove a member: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "DELETE", fmt.Sprintf("%s/members/%d", cp, u2.ID), ""); res.Status != http.StatusNotFound {
				t.Errorf("remove again: %d", res.Status)
			}
			if res := sessionJSON(c, "POST", fmt.Sprintf("%s/members/%d", cp, u2.ID), ""); res.Status != http.StatusOK {
				t.Errorf("add back: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(c, "PATCH", cp, `{"convenor_unit_id":null,"theme":"经济","version":`+versionOf(t, srv, "committees", cm.ID)+`}`)
			if got := decode[committeeOut](t, res); res.Status != http.StatusOK || got.ConvenorUnitID != nil {
				t.Errorf("clear convenor: %d %s", res.Status, res.Body)
			}

			// u1 leaves the alliance: history, and off the committee.
			m1 := allianceMembership(t, srv, a.ID, u1.ID, store.MembershipsCurrent)
			res = sessionJSON(c, "POST", fmt.Sprintf("%s/members/%d/leave", base, m1.ID), `{"left_on":"2099-01-01","version":`+versionOf(t, srv, "memberships", m1.ID)+`}`)
			if res.Status != http.StatusBadRequest {
				t.Errorf("leave in the future: %d", res.Status)
			}
			res = sessionJSON(c, "POST", fmt.Sprintf("%s/members/%d/leave", base, m1.ID), `{"version":`+versionOf(t, srv, "memberships", m1.ID)+`}`) // no date: left today
			if got := decode[memberOut](t, res); res.Status != http.StatusOK || got.LeftOn == nil || *got.LeftOn != allianceToday(srv) {
				t.Errorf("leave: %d %s", res.Status, res.Body)
			}
			if got := decode[committeeOut](t, c.Get(cp)); got.MemberCount != 1 {
				t.Errorf("committee after leaving: %+v", got)
			}
			cur := decode[struct{ Total int64 }](t, c.Get(base+"/members"))
			left := decode[struct{ Total int64 }](t, c.Get(base+"/members?state=left"))
			if cur.Total != 1 || left.Total != 1 {
				t.Errorf("members: current %d, left %d", cur.Total, left.Total)
			}

			// Deactivate with the version; then members cannot be added.
			a = decode[allianceOut](t, c.Get(base))
			if res := sessionJSON(c, "POST", base+"/deactivate", `{}`); res.Status != http.StatusBadRequest {
				t.Errorf("deactivate without a version: %d", res.Status)
			}
			res = sessionJSON(c, "POST", base+"/deactivate", fmt.Sprintf(`{"version":%d}`, a.Version))
			if got := decode[allianceOut](t, res); res.Status != http.StatusOK || got.Status != "inactive" {
				t.Errorf("deactivate: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(c, "POST", base+"/members", fmt.Sprintf(`{"unit_id":%d,"rank":"member"}`, u1.ID)); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("joining an inactive alliance: %d %s", res.Status, res.Body)
			}
			// Bad input of any shape is a 4xx.
			for _, body := range []string{`{"name":1}`, `{"founded_on":"2020/01/01","version":1}`, `{"level":"county","version":1}`, `[]`, `{"unknown":1}`} {
				if res := sessionJSON(c, "PATCH", base, body); res.Status < 400 || res.Status >= 500 {
					t.Errorf("PATCH %s: %d", body, res.Status)
				}
			}
		})
	}
}
