package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// The project pages (项目清单, 审核队列, 案例库) through the real router with
// real logins: forms refused and kept, a stale edit with both versions, the
// list's filters, totals and export, the actions each person sees, the
// lifecycle from a need's 立项草稿 to a selected case, attachments served only
// in scope, and the needs that follow their project.

// ---- authorization matrix: the page routes ----

func init() {
	add := func(method, path string, r projectRule) {
		projectRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false}) // allow: filled by projects_api_test.go's setup
	}
	add("GET", "/projects", projectRule{"project", "read", ""})
	add("GET", "/projects/export", projectRule{"project", "read", ""})
	add("GET", "/imports/template/projects.xlsx", projectRule{"project", "import", ""})
	add("GET", "/projects/new", projectRule{"project", "create", ""})
	add("POST", "/projects", projectRule{"project", "create", ""})
	add("GET", "/reviews", projectRule{"project", "approve", ""})
	add("POST", "/reviews/approve", projectRule{"project", "approve", ""})
	add("GET", "/cases", projectRule{"", "user", ""})
	add("GET", "/cases/{case_selected}", projectRule{"", "user", ""})
	add("GET", "/cases/{case_nominated}", projectRule{"case", "see", "home"})
	add("POST", "/cases/{case_nominated}/select", projectRule{"case", "select", "home"})
	add("POST", "/cases/{case_nominated}/decline", projectRule{"case", "select", "home"})
	add("GET", "/cases/{case_foreign}", projectRule{"case", "see", "foreign"})
	add("POST", "/cases/{case_foreign}/select", projectRule{"case", "select", "foreign"})
	add("POST", "/cases/{case_foreign}/decline", projectRule{"case", "select", "foreign"})
	for target, p := range map[string]string{"home": "{project}", "foreign": "{project_foreign}"} {
		r := func(obj, act string) projectRule { return projectRule{obj, act, target} }
		base := "/projects/" + p
		add("GET", base, r("project", "read"))
		add("GET", base+"/edit", r("project", "update"))
		add("POST", base, r("project", "update"))
		for _, a := range model.ProjectActions {
			add("POST", base+"/"+a, r("project", a))
		}
		add("POST", base+"/updates", r("project", "update_progress"))
		add("POST", base+"/attachments", r("project", "update_progress"))
		add("GET", base+"/attachments/{project_att}", r("project", "read"))
		add("POST", base+"/nominate", r("case", "nominate"))
	}
	// The 立项草稿 of a need: the button (a fragment) for whoever sees the
	// need, the draft for the secretary of its alliance (claims_test.go's
	// rules: "see" and "decide" of an open need of the secretary's alliance).
	claimAdd := func(method, path string, r claimRule) {
		claimRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false})
	}
	claimAdd("GET", "/needs/{need_open}/project-draft", claimRule{"see_need", "open"})
	claimAdd("POST", "/needs/{need_open}/project-draft", claimRule{"decide", "open"})
	claimAdd("GET", "/needs/{need_foreign}/project-draft", claimRule{"see_need", "foreign"})
	claimAdd("POST", "/needs/{need_foreign}/project-draft", claimRule{"none", "foreign"})
}

// ---- helpers ----

// projectPost loads page for its CSRF token and posts a multipart form to
// action with the files (field name → file name → bytes).
func projectPost(t *testing.T, c *testenv.Client, page, action string, form url.Values, files map[string]map[string][]byte) *testenv.Response {
	t.Helper()
	tok := c.FormToken(page)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf_token", tok)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, fs := range files {
		for name, body := range fs {
			fw, err := mw.CreateFormFile(field, name)
			if err != nil {
				t.Fatal(err)
			}
			fw.Write(body)
		}
	}
	mw.Close()
	return c.Send(http.MethodPost, action, mw.FormDataContentType(), &b)
}

func projectHas(t *testing.T, res *testenv.Response, sel string) bool {
	t.Helper()
	return res.Doc(t).Find(sel).Length() > 0
}

func projectText(t *testing.T, res *testenv.Response, sel string) string {
	t.Helper()
	return strings.TrimSpace(res.Doc(t).Find(sel).First().Text())
}

// projectFlash follows a redirect and returns the page's flashes.
func projectFlash(t *testing.T, c *testenv.Client, res *testenv.Response) string {
	t.Helper()
	if res.Status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: %.600s", res.Status, res.Body)
	}
	return projectText(t, c.Get(res.Location()), "#flashes")
}

func projectIDFrom(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, prefix), "%d", &id); err != nil || id == 0 {
		t.Fatalf("no id in %q", loc)
	}
	return id
}

// ---- the scene ----

type projectScene struct {
	srv                 *testenv.Server
	alliance            *model.Alliance
	lead, partner       int64
	sec, rev, hp, leadc *testenv.Client
}

func newProjectScene(t *testing.T, d string) *projectScene {
	t.Helper()
	srv := testenv.NewServer(t, d)
	srv.FixClock(testenv.Now(t, testenv.Midyear)) // within projectFixture's 2026 dates
	s := &projectScene{srv: srv, alliance: allianceFixture(t, srv, 310104, "凌云路街道区域化党建联盟", "")}
	s.lead = allianceFixtureMember(t, srv, s.alliance.ID, 310104).UnitID
	s.partner = allianceFixtureMember(t, srv, s.alliance.ID, 310104).UnitID
	srv.CreateUser(t, "psec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", s.alliance.ID))
	srv.CreateUser(t, "prev", model.RoleDistrictReviewer, "district:310104")
	srv.CreateUser(t, "php", model.RoleDistrictReviewer, "district:310101")
	srv.CreateUser(t, "plead", model.RoleUnitContact, fmt.Sprintf("unit:%d", s.lead))
	login := func(name string) *testenv.Client {
		c := srv.Client(t)
		c.Login(name, testenv.Password)
		return c
	}
	s.sec, s.rev, s.hp, s.leadc = login("psec"), login("prev"), login("php"), login("plead")
	return s
}

// ---- forms, list, export ----

func TestProjectPagesForms(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newProjectScene(t, d)
			ctx := context.Background()
			c := s.sec
			if res := c.Get("/projects/new"); res.Status != http.StatusOK || !projectHas(t, res, "#title") {
				t.Fatalf("new form: %d", res.Status)
			}

			// Refused: no title, a budget with three decimals, a funding row without amount.
			form := url.Values{"alliance_id": {fmt.Sprint(s.alliance.ID)}, "title": {""}, "category": {"housing_renewal"}, "year": {"2026"},
				"lead_unit_id": {fmt.Sprint(s.lead)}, "budget": {"12.345"}, "funding_source": {"district_fund"}, "funding_amount": {"abc"},
				"summary": {"保留的项目简介"}, "starts_on": {"2026-03-01"}, "ends_on": {"2026-12-31"}}
			res := c.Submit("/projects/new", "/projects", form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("refused create: %d", res.Status)
			}
			doc := res.Doc(t)
			for _, sel := range []string{"#title-error", "#budget-error", "#funding-error"} {
				if doc.Find(sel).Length() == 0 {
					t.Errorf("no %s next to its field", sel)
				}
			}
			if msg := projectText(t, res, "#budget-error"); !strings.Contains(msg, "两位小数") {
				t.Errorf("budget message %q", msg)
			}
			if v, _ := doc.Find("#budget").Attr("value"); v != "12.345" {
				t.Errorf("budget typed lost: %q", v)
			}
			if got := strings.TrimSpace(doc.Find("#summary").Text()); got != "保留的项目简介" {
				t.Errorf("summary typed lost: %q", got)
			}

			// Saved: money typed in 元 is stored in fen, exactly.
			form.Set("title", "化工一村 148 号楼加装电梯")
			form.Set("budget", "12,345.67")
			form["funding_amount"] = []string{"10000.1"}
			form["unit_id"], form["unit_role"] = []string{fmt.Sprint(s.partner)}, []string{"partner"}
			res = c.Submit("/projects/new", "/projects", form)
			if res.Status != http.StatusSeeOther {
				t.Fatalf("create: %d %.600s", res.Status, res.Body)
			}
			id := projectIDFrom(t, res.Location(), "/projects/")
			p, err := s.srv.DB.ProjectByID(ctx, id)
			if err != nil || p.BudgetFen != 1_234_567 || p.Status != model.ProjectDraft {
				t.Fatalf("stored %+v %v", p, err)
			}
			if f, _ := s.srv.DB.ProjectFundingOf(ctx, id); len(f) != 1 || f[0].AmountFen != 1_000_010 {
				t.Errorf("funding %+v", f)
			}
			show := c.Get(res.Location())
			if !strings.Contains(show.Body, "¥12,345.67") || !strings.Contains(show.Body, "¥10,000.10") {
				t.Errorf("money not shown as ¥12,345.67 / ¥10,000.10")
			}
			if !projectHas(t, show, "#action-submit") || projectHas(t, show, "#action-approve") {
				t.Errorf("a secretary's draft: submit, never approve")
			}
			if lead := s.leadc.Get(res.Location()); lead.Status != http.StatusOK || projectHas(t, lead, "#action-submit") || projectHas(t, lead, `a[href$="/edit"]`) {
				t.Errorf("the lead unit's contact reads the draft without its buttons: %d", lead.Status)
			}
			if s.hp.Get(res.Location()).Status != http.StatusNotFound {
				t.Errorf("a reviewer of 黄浦区 sees a project of 徐汇区")
			}

			// A stale edit: someone saved first; both versions are shown, nothing is lost.
			editPath := fmt.Sprintf("/projects/%d/edit", id)
			edit := c.Get(editPath)
			version, _ := edit.Doc(t).Find(`input[name="version"]`).Attr("value")
			form.Set("version", version)
			form.Set("title", "化工一村 148 号楼加装电梯（一期）")
			if res := c.Submit(editPath, fmt.Sprintf("/projects/%d", id), form); res.Status != http.StatusSeeOther {
				t.Fatalf("edit: %d %.400s", res.Status, res.Body)
			}
			form.Set("title", "我的标题")
			tok := c.FormToken(editPath)
			form.Set("csrf_token", tok)
			res = c.PostForm(fmt.Sprintf("/projects/%d", id), form) // the old version
			if res.Status != http.StatusConflict {
				t.Fatalf("stale edit: %d", res.Status)
			}
			cmp := res.Doc(t).Find(".compare").Text()
			if !strings.Contains(cmp, "我的标题") || !strings.Contains(cmp, "化工一村 148 号楼加装电梯（一期）") {
				t.Errorf("stale edit does not show both versions: %q", cmp)
			}
			if v, _ := res.Doc(t).Find("#title").Attr("value"); v != "我的标题" {
				t.Errorf("stale edit lost what was typed: %q", v)
			}

			// The list: filters in 元, totals, export of the filtered rows.
			other := projectFixture(t, s.srv, s.alliance.ID, 310104, s.lead, model.ProjectApproved) // budget ¥1,000.00
			list := c.Get("/projects")
			if !strings.Contains(list.Body, "化工一村 148 号楼加装电梯（一期）") || !strings.Contains(list.Body, other.Title) {
				t.Fatalf("list misses a project")
			}
			if tot := projectText(t, list, "#project-totals"); !strings.Contains(tot, "共 2 个项目") || !strings.Contains(tot, "¥13,345.67") || !strings.Contains(tot, "1.33 万元") {
				t.Errorf("totals %q", tot)
			}
			if l := c.Get("/projects?budget_min=5000"); strings.Contains(l.Body, other.Title) || !strings.Contains(l.Body, "加装电梯") {
				t.Errorf("budget_min in 元 does not filter")
			}
			if l := c.Get("/projects?budget_max=999.99"); !strings.Contains(l.Body, "没有符合条件的项目") {
				t.Errorf("empty state missing for a filter that matches nothing")
			}
			if l := c.Get("/projects?status=approved"); strings.Contains(l.Body, "加装电梯") || !strings.Contains(l.Body, other.Title) {
				t.Errorf("status filter")
			}
			exp := c.Get("/projects/export?format=csv&q=" + url.QueryEscape("电梯"))
			if exp.Status != http.StatusOK || !strings.Contains(exp.Body, "化工一村 148 号楼加装电梯（一期）") || !strings.Contains(exp.Body, "12345.67") || strings.Contains(exp.Body, other.Title) {
				t.Errorf("export: %d %.300s", exp.Status, exp.Body)
			}
			if exp := c.Get("/projects/export?format=xlsx"); exp.Status != http.StatusOK || !strings.HasPrefix(exp.Body, "PK") {
				t.Errorf("xlsx export: %d", exp.Status)
			}
			// Import: the template, the upload page for the kind, the toolbar's button.
			if tpl := c.Get("/imports/template/projects.xlsx"); tpl.Status != http.StatusOK || !strings.HasPrefix(tpl.Body, "PK") {
				t.Errorf("template: %d", tpl.Status)
			}
			if tpl := s.leadc.Get("/imports/template/projects.xlsx"); tpl.Status != http.StatusForbidden {
				t.Errorf("a unit contact gets the projects template: %d", tpl.Status)
			}
			if !projectHas(t, list, `a[href="/imports/new?kind=projects"]`) {
				t.Errorf("no 导入 button for the secretary")
			}
			if up := c.Get("/imports/new?kind=projects"); up.Status != http.StatusOK || !strings.Contains(up.Body, "按已立项导入") {
				t.Errorf("upload page: %d", up.Status)
			}
			if l := s.hp.Get("/projects"); strings.Contains(l.Body, "加装电梯") {
				t.Errorf("黄浦区 lists a project of 徐汇区")
			}

			// After approval only a change of plan: the title cannot change.
			ov, err := s.srv.DB.ProjectByID(ctx, other.ID)
			if err != nil {
				t.Fatal(err)
			}
			ep := fmt.Sprintf("/projects/%d/edit", other.ID)
			e := c.Get(ep)
			if e.Status != http.StatusOK || !projectHas(t, e, "#title[disabled]") {
				t.Fatalf("plan-only edit: %d", e.Status)
			}
			plan := url.Values{"version": {fmt.Sprint(ov.Version)}, "title": {"改过的标题"}, "ends_on": {"2027-01-31"}, "budget": {"2000"},
				"summary": {"计划调整"}}
			if res := c.Submit(ep, fmt.Sprintf("/projects/%d", other.ID), plan); res.Status != http.StatusSeeOther {
				t.Fatalf("change of plan: %d %.600s", res.Status, res.Body)
			}
			if ov, _ = s.srv.DB.ProjectByID(ctx, other.ID); ov.Title != other.Title || ov.BudgetFen != 200_000 || allianceDay(ov.EndsOn) != "2027-01-31" {
				t.Errorf("change of plan stored %+v", ov)
			}
		})
	}
}

func allianceDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// ---- the lifecycle from a need to the case library ----

func TestProjectPagesLifecycle(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newProjectScene(t, d)
			ctx := context.Background()
			db := s.srv.DB
			// A need of the alliance that the lead unit claimed, accepted.
			need := claimFixNeed(t, s.srv, s.alliance.ID, 310104, s.partner, 10, model.VisibleAlliance)
			cl := claimFixClaim(t, s.srv, model.TargetNeed, need.ID, s.alliance.ID, 310104, s.lead, 10)
			if err := db.DecideClaim(ctx, cl.ID, cl.Version, model.ClaimPending, model.ClaimAccepted, nil, ""); err != nil {
				t.Fatal(err)
			}
			needPath := fmt.Sprintf("/needs/%d", need.ID)
			if b := s.sec.Get(needPath + "/project-draft"); b.Status != http.StatusOK || !projectHas(t, b, "#project-draft") {
				t.Fatalf("the secretary has no 立项草稿 button: %d", b.Status)
			}
			if b := s.leadc.Get(needPath + "/project-draft"); b.Status == http.StatusOK && strings.Contains(b.Body, "project-draft") {
				t.Errorf("a unit contact gets the 立项草稿 button")
			}
			res := s.sec.Submit(needPath, needPath+"/project-draft", url.Values{})
			if res.Status != http.StatusSeeOther || !strings.HasSuffix(res.Location(), "/edit") {
				t.Fatalf("draft: %d %s", res.Status, res.Location())
			}
			id := projectIDFrom(t, res.Location(), "/projects/")
			pp := fmt.Sprintf("/projects/%d", id)
			if b := s.sec.Get(needPath + "/project-draft"); b.Status != http.StatusOK || projectHas(t, b, "#project-draft") ||
				!strings.Contains(projectText(t, b, "#project-draft-missing"), "已有未结束的项目") {
				t.Errorf("the button stays after the draft, or no word why: %d %s", b.Status, b.Body)
			}

			// Fill in the dates and the budget, then submit.
			p, _ := db.ProjectByID(ctx, id)
			starts := service.AllianceToday(db.Now()) // the progress report below is dated today, within the project's life
			form := url.Values{"version": {fmt.Sprint(p.Version)}, "alliance_id": {fmt.Sprint(s.alliance.ID)}, "title": {p.Title},
				"category": {p.Category}, "year": {fmt.Sprint(p.Year)}, "lead_unit_id": {fmt.Sprint(p.LeadUnitID)}, "starts_on": {starts.Format(time.DateOnly)},
				"ends_on": {starts.AddDate(0, 6, 0).Format(time.DateOnly)}, "budget": {"86000"}, "unit_id": {fmt.Sprint(s.partner)}, "unit_role": {"requester"}}
			if res := s.sec.Submit(pp+"/edit", pp, form); res.Status != http.StatusSeeOther {
				t.Fatalf("edit the draft: %d %.600s", res.Status, res.Body)
			}
			fire := func(c *testenv.Client, action string, f url.Values) *testenv.Response {
				t.Helper()
				p, _ := db.ProjectByID(ctx, id)
				f.Set("version", fmt.Sprint(p.Version))
				return c.Submit(pp, pp+"/"+action, f)
			}
			if msg := projectFlash(t, s.sec, fire(s.sec, "submit", url.Values{})); !strings.Contains(msg, "已提交审核") {
				t.Errorf("submit flash %q", msg)
			}
			rv := s.rev.Get(pp)
			if !projectHas(t, rv, "#action-approve") || !projectHas(t, rv, "#act-return") || projectHas(t, rv, "#action-submit") {
				t.Errorf("the reviewer sees approve and return only")
			}
			// Returned without a reason: refused next to the field; then with one.
			res = fire(s.rev, "return", url.Values{"reason": {" "}, "private_note": {"预算偏高"}})
			if res.Status != http.StatusUnprocessableEntity || !projectHas(t, res, "#act-return-reason-error") {
				t.Fatalf("return without reason: %d", res.Status)
			}
			if v := strings.TrimSpace(res.Doc(t).Find("#act-return-private_note").Text()); v != "预算偏高" {
				t.Errorf("the private note typed was lost: %q", v)
			}
			fire(s.rev, "return", url.Values{"reason": {"请补充电梯井道施工方案"}, "private_note": {"预算偏高"}})
			sp := s.sec.Get(pp)
			if r := projectText(t, sp, "#return-reason"); !strings.Contains(r, "请补充电梯井道施工方案") {
				t.Errorf("the return reason is not shown: %q", r)
			}
			if strings.Contains(sp.Body, "预算偏高") {
				t.Errorf("the secretary reads the reviewer's private note")
			}
			if !strings.Contains(s.rev.Get(pp).Body, "预算偏高") {
				t.Errorf("the reviewer does not read the private note")
			}
			fire(s.sec, "submit", url.Values{})

			// The queue: 徐汇区's reviewer sees it, 黄浦区's does not; bulk approve.
			q := s.rev.Get("/reviews")
			if !strings.Contains(q.Body, p.Title) {
				t.Fatalf("the queue misses the project")
			}
			if strings.Contains(s.hp.Get("/reviews").Body, p.Title) {
				t.Errorf("黄浦区's queue shows a project of 徐汇区")
			}
			draft := projectFixture(t, s.srv, s.alliance.ID, 310104, s.lead, model.ProjectDraft)
			res = s.rev.Submit("/reviews", "/reviews/approve", url.Values{"ids": {fmt.Sprint(id), fmt.Sprint(draft.ID)}})
			msg := projectFlash(t, s.rev, res)
			if !strings.Contains(msg, "已立项 1 个项目") || !strings.Contains(msg, draft.Title) || !strings.Contains(msg, "草稿") {
				t.Errorf("bulk approve report %q", msg)
			}
			if n, _ := db.NeedByID(ctx, need.ID); n.Status != model.NeedInProject {
				t.Errorf("the need after approval: %s, want in_project", n.Status)
			}

			// The lead unit reports progress with a photo; a bad amount is
			// refused and the photo stays uploaded for the next try.
			upd := url.Values{"percent": {"40"}, "text": {"完成井道开挖"}, "beneficiaries": {"120"}, "volunteer_hours": {"16"},
				"funds_spent": {"1.234"}, "happened_on": {service.AllianceToday(db.Now()).Format(time.DateOnly)}} // the approval day
			photo := map[string]map[string][]byte{"files": {"现场.png": projectPNG(t)}}
			res = projectPost(t, s.leadc, pp, pp+"/updates", upd, photo)
			if res.Status != http.StatusUnprocessableEntity || !projectHas(t, res, "#upd-funds_spent-error") {
				t.Fatalf("bad funds: %d %.400s", res.Status, res.Body)
			}
			kept := res.Doc(t).Find(`#update-form input[name="attachment_ids"]`)
			if kept.Length() != 1 || strings.TrimSpace(res.Doc(t).Find("#upd-text").Text()) != "完成井道开挖" {
				t.Fatalf("the refused update lost its photo or text")
			}
			aid, _ := kept.Attr("value")
			upd.Set("funds_spent", "1,234.50")
			upd.Set("attachment_ids", aid)
			if res := projectPost(t, s.leadc, pp, pp+"/updates", upd, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("update: %d %.400s", res.Status, res.Body)
			}
			l, err := db.ListProjectUpdates(ctx, id, model.PageRequest{Limit: 10}.Normalize())
			if err != nil || len(l.Items) != 1 || l.Items[0].FundsSpentFen != 123_450 {
				t.Fatalf("updates %+v %v", l.Items, err)
			}
			// The photo is served to the project's people, 404 to 黄浦区.
			file := fmt.Sprintf("%s/attachments/%s", pp, aid)
			if f := s.sec.Get(file); f.Status != http.StatusOK || !strings.HasPrefix(f.Header.Get("Content-Disposition"), "attachment") ||
				f.Header.Get("X-Content-Type-Options") != "nosniff" || f.Header.Get("Content-Type") != "image/png" {
				t.Errorf("download: %d %v", f.Status, f.Header)
			}
			if f := s.hp.Get(file); f.Status != http.StatusNotFound {
				t.Errorf("黄浦区 downloads the photo: %d", f.Status)
			}
			if !strings.Contains(s.sec.Get(pp).Body, "完成井道开挖") {
				t.Errorf("the timeline misses the update")
			}

			// Started by the lead unit, completed by the secretary with the photo as evidence.
			fire(s.leadc, "start", url.Values{})
			res = fire(s.sec, "complete", url.Values{"closing_report": {"电梯已投入使用"}})
			if res.Status != http.StatusUnprocessableEntity || !projectHas(t, res, "#act-complete-evidence_ids-error") {
				t.Fatalf("complete without evidence: %d", res.Status)
			}
			if msg := projectFlash(t, s.sec, fire(s.sec, "complete", url.Values{"closing_report": {"电梯已投入使用"}, "evidence_ids": {aid}})); !strings.Contains(msg, "已结项") {
				t.Errorf("complete flash %q", msg)
			}
			if n, _ := db.NeedByID(ctx, need.ID); n.Status != model.NeedFulfilled {
				t.Errorf("the need after completion: %s, want fulfilled", n.Status)
			}
			res = fire(s.rev, "evaluate", url.Values{"score": {"九十"}, "grade": {"excellent"}, "comment": {"成效显著"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(projectText(t, res, "#act-evaluate-score-error"), "0 至 100") {
				t.Fatalf("a score in words: %d", res.Status)
			}
			fire(s.rev, "evaluate", url.Values{"score": {"95"}, "grade": {"excellent"}, "comment": {"成效显著"}})
			if p, _ := db.ProjectByID(ctx, id); p.Status != model.ProjectEvaluated || p.Grade != model.GradeExcellent {
				t.Fatalf("evaluated %+v", p)
			}
			if ev := s.sec.Get(pp); !strings.Contains(ev.Body, "95 分") || !strings.Contains(ev.Body, "成效显著") {
				t.Errorf("the evaluation is not shown with its score")
			}

			// Nominated by the secretary, selected 最佳 by the reviewer, read by everyone.
			res = s.sec.Submit(pp, pp+"/nominate", url.Values{"theme": {"housing_renewal"}, "write_up": {"居民议事、多方出资的加装电梯做法"}})
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/cases/") {
				t.Fatalf("nominate: %d", res.Status)
			}
			cp := res.Location()
			if r := s.leadc.Get(cp); r.Status != http.StatusNotFound {
				t.Errorf("a unit contact reads a nomination: %d", r.Status)
			}
			var cid int64
			fmt.Sscanf(cp, "/cases/%d", &cid)
			cv := versionOf(t, s.srv, "cases", cid)
			res = s.rev.Submit(cp, cp+"/select", url.Values{"write_up": {"居民议事、多方出资的加装电梯做法"}, "version": {cv}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("select without a level: %d", res.Status)
			}
			if msg := projectFlash(t, s.rev, s.rev.Submit(cp, cp+"/select", url.Values{"level": {"best"}, "write_up": {"居民议事、多方出资的加装电梯做法"}, "version": {cv}})); !strings.Contains(msg, "入选") {
				t.Errorf("select flash %q", msg)
			}
			lib := s.leadc.Get("/cases")
			if lib.Status != http.StatusOK || !strings.Contains(lib.Body, p.Title) || !strings.Contains(lib.Body, "最佳") {
				t.Errorf("the library misses the case")
			}
			if r := s.hp.Get(cp); r.Status != http.StatusOK || !strings.Contains(r.Body, "多方出资") || !strings.Contains(r.Body, "95 分") {
				t.Errorf("a selected case is for everyone: %d", r.Status)
			}
		})
	}
}

// ---- statements: the list and the page at 10 and 100 rows ----

func TestProjectPagesStatements(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewGuardedServer(t, d)
			a := allianceFixture(t, srv, 310104, "", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			srv.CreateUser(t, "qsec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", a.ID))
			c := srv.Client(t)
			c.Login("qsec", testenv.Password)
			ctx := context.Background()
			grow := func(n int) {
				for range n {
					p := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectInProgress)
					projectFixtureFile(t, srv, p.ID)
				}
			}
			grow(10)
			testenv.SameStatements(t, c, "/projects?limit=100", func() { grow(90) })

			p := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectInProgress)
			update := func(n int) {
				for i := range n {
					u := &model.ProjectUpdate{ProjectID: p.ID, Percent: i % 100, Text: "进展", HappenedOn: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
					if err := srv.DB.CreateProjectUpdate(ctx, u); err != nil {
						t.Fatal(err)
					}
					projectFixtureFile(t, srv, p.ID)
					r := &model.ProjectReview{ProjectID: p.ID, Action: model.ProjectActionStart, FromStatus: model.ProjectApproved, ToStatus: model.ProjectInProgress}
					if err := srv.DB.CreateProjectReview(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
			}
			update(10)
			testenv.SameStatements(t, c, fmt.Sprintf("/projects/%d", p.ID), func() { update(40) })
		})
	}
}

// TestProjectPagesUploads: the progress form refuses a file whose content
// is not what its name says and a file over the limit, next to the field,
// keeping what was typed; a body far over the limit answers 413.
func TestProjectPagesUploads(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Uploads.MaxBytes = 64 << 10 })
			a := allianceFixture(t, srv, 310104, "", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			srv.CreateUser(t, "usec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", a.ID))
			c := srv.Client(t)
			c.Login("usec", testenv.Password)
			p := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectInProgress)
			pp := fmt.Sprintf("/projects/%d", p.ID)
			form := url.Values{"percent": {"30"}, "text": {"入户走访"}}
			res := projectPost(t, c, pp, pp+"/updates", form, map[string]map[string][]byte{"files": {"方案.pdf": []byte("not a pdf at all")}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(projectText(t, res, "#upd-files-error"), "方案.pdf") {
				t.Fatalf("a false .pdf: %d %q", res.Status, projectText(t, res, "#upd-files-error"))
			}
			if got := strings.TrimSpace(res.Doc(t).Find("#upd-text").Text()); got != "入户走访" {
				t.Errorf("text lost: %q", got)
			}
			big := append(projectPNG(t), make([]byte, 80<<10)...)
			res = projectPost(t, c, pp, pp+"/updates", form, map[string]map[string][]byte{"files": {"大图.png": big}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(projectText(t, res, "#upd-files-error"), "超过") {
				t.Fatalf("a file over the limit: %d %q", res.Status, projectText(t, res, "#upd-files-error"))
			}
			huge := make([]byte, 64<<10*projectPageFilesTest+2<<20)
			res = projectPost(t, c, pp, pp+"/updates", form, map[string]map[string][]byte{"files": {"巨大.png": huge}})
			if res.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("a body far over the limit: %d", res.Status)
			}
			if l, _ := srv.DB.ListProjectUpdates(context.Background(), p.ID, model.PageRequest{Limit: 10}.Normalize()); len(l.Items) != 0 {
				t.Errorf("a refused form wrote an update")
			}
		})
	}
}

// projectPageFilesTest is the number of files a page form takes (web.projectPageFiles).
const projectPageFilesTest = 10
