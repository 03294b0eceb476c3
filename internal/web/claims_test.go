package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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

var claimFixSeq atomic.Int64

func claimFixUnit(t *testing.T, srv *testenv.Server, district int64, name string) int64 {
	t.Helper()
	if name == "" {
		name = fmt.Sprintf("认领页测试单位%d", claimFixSeq.Add(1))
	}
	u := &model.Unit{Name: name, Kind: "gov", DistrictID: district, Status: model.StatusActive}
	if err := srv.DB.CreateUnit(context.Background(), u); err != nil {
		t.Fatalf("unit: %v", err)
	}
	return u.ID
}

func claimFixAlliance(t *testing.T, srv *testenv.Server, district int64) int64 {
	t.Helper()
	a := &model.Alliance{Name: fmt.Sprintf("认领页测试联盟%d", claimFixSeq.Add(1)), Kind: "regional", Level: model.LevelDistrict,
		DistrictID: district, Status: model.StatusActive}
	if err := srv.DB.CreateAlliance(context.Background(), a); err != nil {
		t.Fatalf("alliance: %v", err)
	}
	return a.ID
}

func claimFixMember(t *testing.T, srv *testenv.Server, alliance, unit int64) {
	t.Helper()
	m := &model.Membership{AllianceID: alliance, UnitID: unit, Rank: model.RankMember, JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := srv.DB.CreateMembership(context.Background(), m); err != nil {
		t.Fatalf("membership: %v", err)
	}
}

// claimFixNeed makes a published need.
func claimFixNeed(t *testing.T, srv *testenv.Server, alliance, district, owner, quantity int64, visibility string) *model.Need {
	t.Helper()
	n := &model.Need{AllianceID: alliance, DistrictID: district, SubmitterUnitID: owner, Title: fmt.Sprintf("垃圾分类宣传%d", claimFixSeq.Add(1)),
		Category: "environment", Quantity: quantity, Measure: "person_times", Visibility: visibility, Status: model.NeedPublished}
	if err := srv.DB.CreateNeed(context.Background(), n); err != nil {
		t.Fatalf("need: %v", err)
	}
	return n
}

// claimFixResource makes an available resource.
func claimFixResource(t *testing.T, srv *testenv.Server, alliance, district, owner, capacity int64, visibility string) *model.Resource {
	t.Helper()
	r := &model.Resource{AllianceID: alliance, DistrictID: district, ProviderUnitID: owner, Title: fmt.Sprintf("党群服务中心会议室%d", claimFixSeq.Add(1)),
		Kind: "venue", Capacity: capacity, Measure: "sessions", Visibility: visibility, Status: model.ResourceAvailable}
	if err := srv.DB.CreateResource(context.Background(), r); err != nil {
		t.Fatalf("resource: %v", err)
	}
	return r
}

// claimFixClaim inserts a pending claim directly.
func claimFixClaim(t *testing.T, srv *testenv.Server, target string, id, alliance, district, claimant, quantity int64) *model.Claim {
	t.Helper()
	c := &model.Claim{Target: target, AllianceID: alliance, DistrictID: district, ClaimantUnitID: claimant, Quantity: quantity, Status: model.ClaimPending}
	if target == model.TargetNeed {
		c.NeedID = &id
	} else {
		c.ResourceID = &id
	}
	if err := srv.DB.CreateClaim(context.Background(), c); err != nil {
		t.Fatalf("claim: %v", err)
	}
	return c
}

// ---- authorization matrix ----

// claimRule says who may call one of this area's routes: act is read,
// decide, withdraw, create (the claim form and POST /claims), list (a
// collection that needs claim read), user (anyone logged in) or none; obj
// names the fixture the path holds (mine: a claim of the matrix unit
// contact's unit; home: a claim on the secretary's alliance by another unit;
// owned: a claim on a resource of the contact's unit in that alliance;
// foreign: a claim in 黄浦区; need_open / resource_open: published targets
// of the secretary's alliance seen by 徐汇区; need_foreign / resource_foreign:
// alliance-only targets of 黄浦区).
type claimRule struct{ act, obj string }

var claimRules = map[string]claimRule{}

func init() {
	if !slices.ContainsFunc(matrixRoles, func(r matrixRole) bool { return r.name == matrixUnitContact }) {
		matrixRoles = append(matrixRoles, matrixRole{matrixUnitContact, model.RoleUnitContact, "unit:{home_unit}"})
	}
	id := func(env map[string]string, key string) int64 {
		var n int64
		fmt.Sscan(env[key], &n)
		return n
	}
	// Targets: the secretary's alliance (310104) with an owner unit that is a
	// member; the foreign alliance of 310101.
	home := func(env map[string]string) (alliance, owner int64) {
		return id(env, "home_alliance"), id(env, "claim_owner")
	}
	foreign := func(t *testing.T, srv *testenv.Server, env map[string]string) (alliance, owner int64) {
		return id(env, "claim_foreign_alliance"), claimFixUnit(t, srv, 310101, "")
	}
	matrixFixtures["{claim_mine}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := home(env)
		n := claimFixNeed(t, srv, a, 310104, owner, 10, model.VisibleDistrict)
		return fmt.Sprint(claimFixClaim(t, srv, model.TargetNeed, n.ID, a, 310104, id(env, "home_unit"), 1).ID)
	}
	matrixFixtures["{claim_home}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := home(env)
		n := claimFixNeed(t, srv, a, 310104, owner, 10, model.VisibleAlliance)
		return fmt.Sprint(claimFixClaim(t, srv, model.TargetNeed, n.ID, a, 310104, claimFixUnit(t, srv, 310104, ""), 1).ID)
	}
	matrixFixtures["{claim_owned}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, _ := home(env)
		r := claimFixResource(t, srv, a, 310104, id(env, "home_unit"), 5, model.VisibleDistrict)
		return fmt.Sprint(claimFixClaim(t, srv, model.TargetResource, r.ID, a, 310104, claimFixUnit(t, srv, 310104, ""), 1).ID)
	}
	matrixFixtures["{claim_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := foreign(t, srv, env)
		n := claimFixNeed(t, srv, a, 310101, owner, 10, model.VisibleAlliance)
		return fmt.Sprint(claimFixClaim(t, srv, model.TargetNeed, n.ID, a, 310101, claimFixUnit(t, srv, 310101, ""), 1).ID)
	}
	matrixFixtures["{need_open}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := home(env)
		return fmt.Sprint(claimFixNeed(t, srv, a, 310104, owner, 10, model.VisibleDistrict).ID)
	}
	matrixFixtures["{need_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := foreign(t, srv, env)
		return fmt.Sprint(claimFixNeed(t, srv, a, 310101, owner, 10, model.VisibleAlliance).ID)
	}
	matrixFixtures["{resource_open}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := home(env)
		return fmt.Sprint(claimFixResource(t, srv, a, 310104, owner, 10, model.VisibleDistrict).ID)
	}
	matrixFixtures["{resource_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, owner := foreign(t, srv, env)
		return fmt.Sprint(claimFixResource(t, srv, a, 310101, owner, 10, model.VisibleAlliance).ID)
	}
	matrixFixtures["{notification}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		n := []model.Notification{{UserID: matrixVictim(t, srv).ID, Kind: model.NotifyClaimNew, SubjectKind: "claim", SubjectID: 1, Link: "/claims/1"}}
		if err := srv.DB.CreateNotifications(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n[0].ID)
	}

	add := func(method, path string, r claimRule) {
		claimRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false}) // allow: filled by the setup below
	}
	add("GET", "/claims", claimRule{"list", ""})
	add("GET", "/claims/export", claimRule{"list", ""})
	add("GET", "/api/v1/claims", claimRule{"list", ""})
	add("POST", "/api/v1/claims", claimRule{"create_any", ""})
	for _, obj := range []string{"mine", "home", "owned", "foreign"} {
		p := "{claim_" + obj + "}"
		add("GET", "/claims/"+p, claimRule{"read", obj})
		add("POST", "/claims/"+p+"/accept", claimRule{"decide", obj})
		add("POST", "/claims/"+p+"/reject", claimRule{"decide", obj})
		add("POST", "/claims/"+p+"/withdraw", claimRule{"withdraw", obj})
		add("GET", "/api/v1/claims/"+p, claimRule{"read", obj})
		add("POST", "/api/v1/claims/"+p+"/accept", claimRule{"decide", obj})
		add("POST", "/api/v1/claims/"+p+"/reject", claimRule{"decide", obj})
		add("POST", "/api/v1/claims/"+p+"/withdraw", claimRule{"withdraw", obj})
	}
	for _, kind := range []string{"need", "resource"} {
		for _, where := range []string{"open", "foreign"} {
			p := "/" + kind + "s/{" + kind + "_" + where + "}"
			add("GET", p+"/claim", claimRule{"create", where})
			add("POST", p+"/claim", claimRule{"create", where})
			add("GET", p+"/claims", claimRule{"see", where})
		}
	}
	add("GET", "/inbox", claimRule{"user", ""})
	add("POST", "/inbox/read-all", claimRule{"user", ""})
	add("GET", "/inbox/{notification}", claimRule{"none", ""})
	add("POST", "/inbox/{notification}/read", claimRule{"none", ""})
	add("GET", "/api/v1/notifications", claimRule{"user", ""})
	add("POST", "/api/v1/notifications/read-all", claimRule{"user", ""})
	add("POST", "/api/v1/notifications/{notification}/read", claimRule{"none", ""})

	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_alliance"] == "" {
			env["home_alliance"] = fmt.Sprint(claimFixAlliance(t, srv, 310104))
		}
		if env["home_unit"] == "" {
			env["home_unit"] = fmt.Sprint(claimFixUnit(t, srv, 310104, "矩阵联络员单位"))
		}
		owner := claimFixUnit(t, srv, 310104, "矩阵需求发布单位")
		claimFixMember(t, srv, id(env, "home_alliance"), owner)
		env["claim_owner"] = fmt.Sprint(owner)
		env["claim_foreign_alliance"] = fmt.Sprint(claimFixAlliance(t, srv, 310101))
		// The districts of the unit contacts of every area (visibility by district).
		unitDistrict := map[string]int64{}
		for _, mr := range matrixRoles {
			if mr.role != model.RoleUnitContact {
				continue
			}
			dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
			var uid int64
			fmt.Sscanf(dom, "unit:%d", &uid)
			if u, err := srv.DB.UnitByID(context.Background(), uid); err == nil {
				unitDistrict[dom] = u.DistrictID
			}
		}
		for i, row := range matrix {
			r, ok := claimRules[row.method+" "+row.path]
			if !ok {
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name != anon && claimMatrixAllows(mr, r, env, unitDistrict) {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
	})
}

// claimMatrixAllows restates configs/policy.csv ("three lists") and the
// visibility rule for this area's routes: a role in its domain against the
// object the path names.
func claimMatrixAllows(mr matrixRole, r claimRule, env map[string]string, unitDistrict map[string]int64) bool {
	dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
	homeAlliance := "alliance:" + env["home_alliance"]
	homeUnit := "unit:" + env["home_unit"]
	// The district of a claim or target the path names.
	district := "district:310104"
	if r.obj == "foreign" {
		district = "district:310101"
	}
	// see_need: the route needs only to see the need (no claim right); the
	// city reviewer sees every need, the others as they see its claims.
	if r.act == "see_need" {
		if mr.role == model.RoleCityReviewer {
			return true
		}
		r.act = "see"
	}
	switch r.act {
	case "user":
		return true
	case "none":
		return false
	case "list":
		switch mr.role {
		case model.RoleDistrictAdmin, model.RoleDistrictReviewer, model.RoleAllianceSecretary, model.RoleUnitContact:
			return true
		}
		return false
	case "create_any":
		return mr.role == model.RoleUnitContact
	}
	switch mr.role {
	case model.RoleCityReviewer: // reads no claims, decides and claims nothing
		return false
	case model.RoleDistrictAdmin, model.RoleDistrictReviewer:
		return (r.act == "read" || r.act == "see") && dom == district
	case model.RoleAllianceSecretary:
		mine := r.obj != "foreign" && dom == homeAlliance
		return mine && (r.act == "read" || r.act == "see" || r.act == "decide")
	case model.RoleUnitContact:
		switch r.act {
		case "read":
			return dom == homeUnit && (r.obj == "mine" || r.obj == "owned")
		case "decide":
			return dom == homeUnit && r.obj == "owned"
		case "withdraw":
			return dom == homeUnit && r.obj == "mine"
		case "create", "see":
			// The open targets are seen by every unit of 徐汇区; the foreign
			// ones by the members of their alliance only (none of the matrix).
			return r.obj == "open" && unitDistrict[dom] == 310104
		}
	}
	return false
}

// ---- pages ----

// claimScene is an alliance of 徐汇区 whose member 第八人民医院 offers a
// venue and asks for volunteers, a second member that claims them, and the
// people: the secretary, both units' contacts, a contact of a 黄浦区 unit.
type claimScene struct {
	srv                         *testenv.Server
	alliance, owner, claimant   int64
	foreignUnit                 int64
	need                        *model.Need
	resource                    *model.Resource
	sec, ownerC, claimC, foreC  *testenv.Client
	secID, ownerID, claimantUID int64
}

func newClaimScene(t *testing.T, d string) *claimScene {
	t.Helper()
	srv := testenv.NewServer(t, d)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	s := &claimScene{srv: srv}
	s.alliance = claimFixAlliance(t, srv, 310104)
	s.owner = claimFixUnit(t, srv, 310104, "上海市第八人民医院")
	s.claimant = claimFixUnit(t, srv, 310104, "上海凌云科技有限公司")
	s.foreignUnit = claimFixUnit(t, srv, 310101, "黄浦区外滩街道办事处")
	claimFixMember(t, srv, s.alliance, s.owner)
	claimFixMember(t, srv, s.alliance, s.claimant)
	s.need = claimFixNeed(t, srv, s.alliance, 310104, s.owner, 10, model.VisibleAlliance)
	s.resource = claimFixResource(t, srv, s.alliance, 310104, s.owner, 4, model.VisibleAlliance)
	n := claimFixSeq.Add(1)
	s.secID = srv.CreateUser(t, fmt.Sprintf("csec%d", n), model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, s.alliance)).ID
	s.ownerID = srv.CreateUser(t, fmt.Sprintf("cown%d", n), model.RoleUnitContact, model.DomainOf(model.DomainUnit, s.owner)).ID
	s.claimantUID = srv.CreateUser(t, fmt.Sprintf("ccla%d", n), model.RoleUnitContact, model.DomainOf(model.DomainUnit, s.claimant)).ID
	srv.CreateUser(t, fmt.Sprintf("cfor%d", n), model.RoleUnitContact, model.DomainOf(model.DomainUnit, s.foreignUnit))
	login := func(name string) *testenv.Client {
		c := srv.Client(t)
		c.Login(name, testenv.Password)
		return c
	}
	s.sec, s.ownerC, s.claimC, s.foreC = login(fmt.Sprintf("csec%d", n)), login(fmt.Sprintf("cown%d", n)), login(fmt.Sprintf("ccla%d", n)), login(fmt.Sprintf("cfor%d", n))
	return s
}

// bell is the unread count the top bar shows ("" when none).
func bell(t *testing.T, c *testenv.Client) string {
	t.Helper()
	res := c.Get("/claims")
	if res.Status != http.StatusOK {
		t.Fatalf("bell page: %d", res.Status)
	}
	return strings.TrimSpace(res.Doc(t).Find("#inbox-bell .badge").Text())
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestClaimPages: the contact of a member unit claims a need through the
// form (a refused quantity re-renders the form with what was typed), the
// owner's contact sees it under 待我确认 and in the bell, rejects without a
// reason (refused next to the field), accepts one claim and sees another
// refused for exceeding what remains; the claimant reads the outcome in the
// inbox and marks it read; another district's unit cannot open the form (404).
func TestClaimPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newClaimScene(t, d)
			formPath := fmt.Sprintf("/needs/%d/claim", s.need.ID)

			// The form offers the claimant's unit, preselected.
			res := s.claimC.Get(formPath)
			if res.Status != http.StatusOK {
				t.Fatalf("form: %d %.300s", res.Status, res.Body)
			}
			doc := res.Doc(t)
			if v, _ := doc.Find("#claimant_unit_id option[selected]").Attr("value"); v != fmt.Sprint(s.claimant) {
				t.Fatalf("claimant unit not preselected: %q", v)
			}
			if got := squeeze(doc.Find("#claim-remaining").Text()); got != "10 / 10 人次" {
				t.Errorf("remaining: %q", got)
			}
			// Too much: the form again, what was typed kept, the message next to the field.
			res = s.claimC.Submit(formPath, formPath, url.Values{"claimant_unit_id": {fmt.Sprint(s.claimant)}, "quantity": {"11"}, "note": {"周末两天"}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("too much: %d", res.Status)
			}
			doc = res.Doc(t)
			if msg := doc.Find("#quantity-error").Text(); !strings.Contains(msg, "最多可认领 10 人次") {
				t.Errorf("quantity error %q", msg)
			}
			if doc.Find("#note").Text() != "周末两天" {
				t.Errorf("note lost: %q", doc.Find("#note").Text())
			}
			// A unit of another district does not see an alliance-only need.
			if res := s.foreC.Get(formPath); res.Status != http.StatusNotFound {
				t.Errorf("foreign unit's form: %d", res.Status)
			}
			if res := s.foreC.Submit("/claims", formPath, url.Values{"claimant_unit_id": {fmt.Sprint(s.foreignUnit)}, "quantity": {"1"}}); res.Status != http.StatusNotFound {
				t.Errorf("foreign unit's claim: %d", res.Status)
			}
			// The owner cannot claim their own need.
			if res := s.ownerC.Get(formPath); res.Status != http.StatusOK || !strings.Contains(res.Body, "本单位发布的条目不能认领") {
				t.Errorf("owner's form: %d", res.Status)
			}

			// Two claims: 6 and 5 of 10.
			for _, q := range []string{"6", "5"} {
				res = s.claimC.Submit(formPath, formPath, url.Values{"claimant_unit_id": {fmt.Sprint(s.claimant)}, "quantity": {q}, "note": {"志愿者" + q + "人"}})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("claim %s: %d %.300s", q, res.Status, res.Body)
				}
			}
			l, err := s.srv.DB.ListClaims(context.Background(), store.ClaimFilter{NeedID: s.need.ID, Scope: model.Scope{All: true}, Status: model.ClaimPending},
				model.PageRequest{Sort: "quantity"})
			if err != nil || len(l.Items) != 2 {
				t.Fatalf("claims: %v %v", l.Items, err)
			}
			five, six := l.Items[0], l.Items[1]

			// The owner's contact: the bell, 待我确认, the claims of the need.
			if got := bell(t, s.ownerC); got != "2" {
				t.Errorf("owner's bell: %q", got)
			}
			res = s.ownerC.Get("/claims?view=decide")
			if rows := res.Doc(t).Find("table tbody tr").Length(); res.Status != http.StatusOK || rows != 2 {
				t.Errorf("待我确认: %d, %d rows", res.Status, rows)
			}
			if res := s.claimC.Get("/claims?view=decide"); res.Doc(t).Find("table tbody tr td.empty-cell").Length() != 1 {
				t.Errorf("the claimant has nothing to decide")
			}
			frag := s.ownerC.Get(fmt.Sprintf("/needs/%d/claims", s.need.ID))
			if frag.Status != http.StatusOK || frag.Doc(t).Find(fmt.Sprintf(`form[action="/claims/%d/accept"]`, six.ID)).Length() != 1 {
				t.Errorf("fragment without the accept button: %d", frag.Status)
			}
			// The claimant's fragment has withdraw, not accept.
			frag = s.claimC.Get(fmt.Sprintf("/needs/%d/claims", s.need.ID))
			if frag.Doc(t).Find(`form[action$="/accept"]`).Length() != 0 || frag.Doc(t).Find(`form[action$="/withdraw"]`).Length() != 2 {
				t.Errorf("claimant's fragment: %s", squeeze(frag.Doc(t).Find("table").Text()))
			}

			// Reject without a reason: refused next to the field.
			page := fmt.Sprintf("/claims/%d", five.ID)
			res = s.ownerC.Submit(page, page+"/reject", url.Values{"version": {fmt.Sprint(five.Version)}, "reason": {" "}})
			if res.Status != http.StatusUnprocessableEntity || res.Doc(t).Find("#reason-error").Length() != 1 {
				t.Fatalf("reject without a reason: %d", res.Status)
			}
			// Accept 6, back to the page it came from.
			page6 := fmt.Sprintf("/claims/%d", six.ID)
			res = s.ownerC.Submit(page6, page6+"/accept", url.Values{"version": {fmt.Sprint(six.Version)}, "next": {"/claims?view=decide"}})
			if res.Status != http.StatusSeeOther || res.Location() != "/claims?view=decide" {
				t.Fatalf("accept: %d %s", res.Status, res.Location())
			}
			// 5 more no longer fit: accepting 6 closed that claim (rejected,
			// its page says why), so accepting it now answers 422.
			if got := squeeze(s.ownerC.Get(page).Doc(t).Find("#main").Text()); !strings.Contains(got, "需求剩余 4 人次，不足认领的 5 人次") {
				t.Errorf("the closed claim's page: %s", got)
			}
			res = s.ownerC.Submit(page, page+"/accept", url.Values{"version": {fmt.Sprint(five.Version)}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "该认领已拒绝") {
				t.Fatalf("accepting the closed claim: %d", res.Status)
			}
			// Accepting the accepted one again: 422 naming its state.
			res = s.ownerC.Submit(page6, page6+"/accept", url.Values{})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "该认领已接受") {
				t.Errorf("second accept: %d", res.Status)
			}
			// The claimant can withdraw neither the accepted claim nor the closed one (422).
			res = s.claimC.Submit(page6, page6+"/withdraw", url.Values{})
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("withdrawing an accepted claim: %d", res.Status)
			}
			res = s.claimC.Submit(page, page+"/withdraw", url.Values{"version": {fmt.Sprint(five.Version)}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("withdrawing the closed claim: %d", res.Status)
			}
			need, err := s.srv.DB.NeedByID(context.Background(), s.need.ID)
			if err != nil || need.AcceptedQuantity != 6 || need.Status != model.NeedPartlyClaimed {
				t.Fatalf("need after: %+v %v", need, err)
			}

			// The claimant's inbox: 已接受 and 已拒绝 with the reason, then read.
			if got := bell(t, s.claimC); got != "2" {
				t.Errorf("claimant's bell: %q", got)
			}
			inbox := s.claimC.Get("/inbox")
			unread := inbox.Doc(t).Find("tr.inbox-unread")
			var item *goquery.Selection
			closedTold := false
			unread.Each(func(_ int, tr *goquery.Selection) {
				switch txt := tr.Text(); {
				case strings.Contains(txt, "已接受") && strings.Contains(txt, "6 人次"):
					item = tr
				case strings.Contains(txt, "已拒绝") && strings.Contains(txt, "需求剩余 4 人次，不足认领的 5 人次"):
					closedTold = true
				}
			})
			if inbox.Status != http.StatusOK || unread.Length() != 2 || item == nil || !closedTold {
				t.Fatalf("claimant's inbox: %d %s", inbox.Status, squeeze(inbox.Doc(t).Find("#inbox").Text()))
			}
			openHref, _ := item.Find(`a[href^="/inbox/"]`).Attr("href")
			res = s.claimC.Get(openHref)
			if res.Status != http.StatusSeeOther || res.Location() != page6 {
				t.Errorf("open the notification: %d %s", res.Status, res.Location())
			}
			if got := bell(t, s.claimC); got != "1" {
				t.Errorf("bell after reading one: %q", got)
			}
			// Another's notification is not found.
			if res := s.ownerC.Get(openHref); res.Status != http.StatusNotFound {
				t.Errorf("another's notification: %d", res.Status)
			}
			// The owner marks everything read (2 claims).
			res = s.ownerC.Submit("/inbox", "/inbox/read-all", url.Values{})
			if res.Status != http.StatusSeeOther || bell(t, s.ownerC) != "" {
				t.Errorf("read all: %d", res.Status)
			}
			if res := s.ownerC.Get("/inbox?state=unread"); res.Doc(t).Find("tr.inbox-item").Length() != 0 {
				t.Errorf("unread after read-all")
			}
		})
	}
}

// TestClaimListAndExport: filters, views and the export of what the list shows.
func TestClaimListAndExport(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newClaimScene(t, d)
			claimFixClaim(t, s.srv, model.TargetNeed, s.need.ID, s.alliance, 310104, s.claimant, 2)
			claimFixClaim(t, s.srv, model.TargetResource, s.resource.ID, s.alliance, 310104, s.claimant, 1)
			rows := func(c *testenv.Client, q string) []string {
				t.Helper()
				res := c.Get("/claims" + q)
				if res.Status != http.StatusOK {
					t.Fatalf("/claims%s: %d", q, res.Status)
				}
				var out []string
				res.Doc(t).Find("table tbody tr td.col-title").Each(func(_ int, td *goquery.Selection) { out = append(out, squeeze(td.Text())) })
				return out
			}
			if got := rows(s.sec, ""); len(got) != 2 {
				t.Errorf("secretary's list: %v", got)
			}
			if got := rows(s.sec, "?target=resource"); len(got) != 1 || !strings.Contains(got[0], s.resource.Title) {
				t.Errorf("resources only: %v", got)
			}
			if got := rows(s.sec, "?unit="+url.QueryEscape("凌云科技")); len(got) != 2 {
				t.Errorf("by unit name: %v", got)
			}
			if got := rows(s.sec, "?unit="+url.QueryEscape("外滩")); len(got) != 0 {
				t.Errorf("by another unit's name: %v", got)
			}
			if got := rows(s.sec, fmt.Sprintf("?need_id=%d", s.need.ID)); len(got) != 1 {
				t.Errorf("one need's claims: %v", got)
			}
			today := service.AllianceToday(s.srv.DB.Now()).Format(time.DateOnly)
			if got := rows(s.sec, "?from="+today+"&to="+today); len(got) != 2 {
				t.Errorf("today: %v", got)
			}
			if got := rows(s.sec, "?to=2020-01-01"); len(got) != 0 {
				t.Errorf("before 2020: %v", got)
			}
			if got := rows(s.foreC, ""); len(got) != 0 {
				t.Errorf("a foreign unit's list: %v", got)
			}
			if got := rows(s.claimC, "?view=mine"); len(got) != 2 {
				t.Errorf("我的认领: %v", got)
			}
			res := s.sec.Get("/claims/export?format=csv&target=need")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, s.need.Title) || strings.Contains(res.Body, s.resource.Title) ||
				!strings.Contains(res.Body, "上海凌云科技有限公司") || !strings.Contains(res.Body, "待确认") {
				t.Errorf("csv export: %d %.500s", res.Status, res.Body)
			}
			if res := s.sec.Get("/claims/export?format=xlsx"); res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
				t.Errorf("xlsx export: %d", res.Status)
			}
		})
	}
}

// claimOut is what the tests read of the API's Claim.
type claimOut struct {
	ID              int64  `json:"id"`
	Status          string `json:"status"`
	Version         int    `json:"version"`
	Quantity        int64  `json:"quantity"`
	TargetRemaining int64  `json:"target_remaining"`
	Reason          string `json:"reason"`
}

type claimAPIErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// TestClaimAPI: create, list, the actions and their refusals, notifications.
func TestClaimAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newClaimScene(t, d)
			body := func(q int64) string {
				return fmt.Sprintf(`{"target":"resource","resource_id":%d,"claimant_unit_id":%d,"quantity":%d,"note":"周三下午"}`, s.resource.ID, s.claimant, q)
			}
			res := sessionJSON(s.claimC, "POST", "/api/v1/claims", body(3))
			c1 := decode[claimOut](t, res)
			if res.Status != http.StatusCreated || res.Location() != fmt.Sprintf("/api/v1/claims/%d", c1.ID) || c1.Status != "pending" || c1.TargetRemaining != 4 {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			c2 := decode[claimOut](t, sessionJSON(s.claimC, "POST", "/api/v1/claims", body(2)))
			if res := sessionJSON(s.claimC, "POST", "/api/v1/claims", body(5)); res.Status != http.StatusBadRequest ||
				decode[claimAPIErr](t, res).Error.Fields["quantity"] == "" {
				t.Errorf("too much: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(s.claimC, "POST", "/api/v1/claims", `{"target":"resource","claimant_unit_id":1,"quantity":1,"colour":"red"}`); res.Status != http.StatusBadRequest {
				t.Errorf("unknown field: %d", res.Status)
			}
			foreignBody := fmt.Sprintf(`{"target":"need","need_id":%d,"claimant_unit_id":%d,"quantity":1}`, s.need.ID, s.foreignUnit)
			if res := sessionJSON(s.foreC, "POST", "/api/v1/claims", foreignBody); res.Status != http.StatusNotFound {
				t.Errorf("foreign unit claiming an alliance-only need: %d", res.Status)
			}
			// The list: the owner's view decide holds both.
			type list struct {
				Items []claimOut `json:"items"`
				Total int64      `json:"total"`
			}
			if l := decode[list](t, s.ownerC.Get("/api/v1/claims?view=decide")); l.Total != 2 {
				t.Errorf("decide: %+v", l)
			}
			if res := s.ownerC.Get("/api/v1/claims?view=nonsense"); res.Status != http.StatusBadRequest {
				t.Errorf("bad view: %d", res.Status)
			}
			if res := s.foreC.Get(fmt.Sprintf("/api/v1/claims/%d", c1.ID)); res.Status != http.StatusNotFound {
				t.Errorf("foreign read: %d", res.Status)
			}
			// Stale version: 409; then accept 3 of 4.
			if res := sessionJSON(s.sec, "POST", fmt.Sprintf("/api/v1/claims/%d/accept", c1.ID), `{"version":9}`); res.Status != http.StatusConflict {
				t.Errorf("stale accept: %d", res.Status)
			}
			res = sessionJSON(s.sec, "POST", fmt.Sprintf("/api/v1/claims/%d/accept", c1.ID), fmt.Sprintf(`{"version":%d}`, c1.Version))
			if got := decode[claimOut](t, res); res.Status != http.StatusOK || got.Status != "accepted" || got.TargetRemaining != 1 {
				t.Fatalf("accept: %d %s", res.Status, res.Body)
			}
			// 2 more than the 1 left: that claim was closed by the accept
			// (rejected with the reason), so accepting it answers 422.
			if got := decode[claimOut](t, s.sec.Get(fmt.Sprintf("/api/v1/claims/%d", c2.ID))); got.Status != "rejected" || got.Reason != "资源剩余 1 场，不足认领的 2 场" {
				t.Errorf("the claim that no longer fits: %+v", got)
			}
			res = sessionJSON(s.sec, "POST", fmt.Sprintf("/api/v1/claims/%d/accept", c2.ID), withVersion(t, s.srv, "claims", c2.ID, ""))
			if e := decode[claimAPIErr](t, res); res.Status != http.StatusUnprocessableEntity || e.Error.Code != "claim_not_pending" {
				t.Errorf("accepting the closed claim: %d %s", res.Status, res.Body)
			}
			// Not allowed in the state: 422 with the reason.
			res = sessionJSON(s.claimC, "POST", fmt.Sprintf("/api/v1/claims/%d/withdraw", c1.ID), withVersion(t, s.srv, "claims", c1.ID, ""))
			if e := decode[claimAPIErr](t, res); res.Status != http.StatusUnprocessableEntity || e.Error.Code != "claim_not_pending" || !strings.Contains(e.Error.Message, "已接受") {
				t.Errorf("withdraw accepted: %d %s", res.Status, res.Body)
			}
			// Reject needs a reason (a claim of the 1 left, which still fits).
			c3 := decode[claimOut](t, sessionJSON(s.claimC, "POST", "/api/v1/claims", body(1)))
			if res := sessionJSON(s.sec, "POST", fmt.Sprintf("/api/v1/claims/%d/reject", c3.ID), withVersion(t, s.srv, "claims", c3.ID, `{}`)); res.Status != http.StatusBadRequest {
				t.Errorf("reject without reason: %d", res.Status)
			}
			res = sessionJSON(s.sec, "POST", fmt.Sprintf("/api/v1/claims/%d/reject", c3.ID), withVersion(t, s.srv, "claims", c3.ID, `{"reason":"场地已满"}`))
			if got := decode[claimOut](t, res); res.Status != http.StatusOK || got.Status != "rejected" || got.Reason != "场地已满" {
				t.Errorf("reject: %d %s", res.Status, res.Body)
			}
			// The claimant's notifications: accepted and rejected, in Chinese.
			type note struct {
				ID      int64   `json:"id"`
				Kind    string  `json:"kind"`
				Message string  `json:"message"`
				ReadAt  *string `json:"read_at"`
				Params  struct {
					ClaimID int64 `json:"claim_id"`
				} `json:"params"`
			}
			type notes struct {
				Items []note `json:"items"`
				Total int64  `json:"total"`
			}
			ns := decode[notes](t, s.claimC.Get("/api/v1/notifications?sort=newest"))
			if ns.Total != 3 || ns.Items[0].Kind != model.NotifyClaimRejected || !strings.Contains(ns.Items[0].Message, "场地已满") ||
				ns.Items[1].Kind != model.NotifyClaimRejected || ns.Items[1].Params.ClaimID != c2.ID || !strings.Contains(ns.Items[1].Message, "资源剩余 1 场") ||
				ns.Items[2].Kind != model.NotifyClaimAccepted || ns.Items[2].Params.ClaimID != c1.ID {
				t.Fatalf("notifications: %+v", ns)
			}
			res = sessionJSON(s.claimC, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", ns.Items[0].ID), "")
			if got := decode[note](t, res); res.Status != http.StatusOK || got.ReadAt == nil {
				t.Errorf("read: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(s.ownerC, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", ns.Items[1].ID), ""); res.Status != http.StatusNotFound {
				t.Errorf("reading another's: %d", res.Status)
			}
			if l := decode[notes](t, s.claimC.Get("/api/v1/notifications?unread=true")); l.Total != 2 {
				t.Errorf("unread: %+v", l)
			}
			res = sessionJSON(s.claimC, "POST", "/api/v1/notifications/read-all", "")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `"marked":2`) {
				t.Errorf("read-all: %d %s", res.Status, res.Body)
			}
		})
	}
}

// TestClaimsConcurrentAcceptHTTP: 50 pending claims of 1 on a resource of
// capacity 10, accepted at once through the API by the secretary: exactly
// 10 answer 200; the 40 others are refused, with 409 (no more left) or, once
// the resource is used up and its pending claims closed, 422 (no longer
// pending).
func TestClaimsConcurrentAcceptHTTP(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newClaimScene(t, d)
			r := claimFixResource(t, s.srv, s.alliance, 310104, s.owner, 10, model.VisibleAlliance)
			ids := make([]int64, 50)
			for i := range ids {
				u := claimFixUnit(t, s.srv, 310104, "")
				ids[i] = claimFixClaim(t, s.srv, model.TargetResource, r.ID, s.alliance, 310104, u, 1).ID
			}
			token := s.sec.CSRFCookie()
			statuses := make([]int, len(ids))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, id := range ids {
				wg.Go(func() {
					<-start
					req, _ := http.NewRequest("POST", s.sec.URL(fmt.Sprintf("/api/v1/claims/%d/accept", id)), strings.NewReader(`{"version":1}`))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-CSRF-Token", token)
					statuses[i] = s.sec.Do(req).Status
				})
			}
			close(start)
			wg.Wait()
			count := map[int]int{}
			for _, st := range statuses {
				count[st]++
			}
			if count[http.StatusOK] != 10 || count[http.StatusConflict]+count[http.StatusUnprocessableEntity] != 40 {
				t.Fatalf("statuses: %v; want 10 × 200 and 40 × 409 or 422", count)
			}
			got, err := s.srv.DB.ResourceByID(context.Background(), r.ID)
			if err != nil || got.AcceptedQuantity != 10 || got.Status != model.ResourceExhausted {
				t.Fatalf("resource: %+v %v", got, err)
			}
		})
	}
}
