package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// ---- fixtures ----

// projectFixture makes a project of the alliance led by the unit, in status.
func projectFixture(t *testing.T, srv *testenv.Server, allianceID, districtID, leadUnitID int64, status string) *model.Project {
	t.Helper()
	ctx := context.Background()
	p := &model.Project{AllianceID: allianceID, DistrictID: districtID, LeadUnitID: leadUnitID, Title: fmt.Sprintf("矩阵项目%d", allianceSeq.Add(1)),
		Category: "care", Year: 2026, BudgetFen: 100_000, Status: status}
	start, end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	p.StartsOn, p.EndsOn = &start, &end
	if status == model.ProjectEvaluated { // a case may be nominated and selected as 最佳
		score := 95
		p.Score, p.Grade = &score, model.GradeExcellent
	}
	if err := srv.DB.CreateProject(ctx, p, []model.ProjectUnit{{UnitID: leadUnitID, Role: model.ProjectUnitLead}}, nil, nil, nil, nil); err != nil {
		t.Fatalf("project: %v", err)
	}
	return p
}

// projectFixtureFile stores a file of the project (row and bytes).
func projectFixtureFile(t *testing.T, srv *testenv.Server, projectID int64) int64 {
	t.Helper()
	rel := fmt.Sprintf("attachments/fx/%d.png", projectID)
	abs := filepath.Join(srv.App.Config.UploadDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(abs, projectPNG(t), 0o640); err != nil {
		t.Fatal(err)
	}
	a := &model.Attachment{OwnerKind: model.AttachOwnerProject, OwnerID: projectID, FileName: "现场照片.png", ContentType: "image/png",
		SizeBytes: 10, Sha256: "fx", StoredPath: rel}
	if err := srv.DB.CreateAttachment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// projectFixtureCase makes an evaluated project of the alliance and its case in status.
func projectFixtureCase(t *testing.T, srv *testenv.Server, allianceID, districtID, leadUnitID int64, status string) int64 {
	t.Helper()
	p := projectFixture(t, srv, allianceID, districtID, leadUnitID, model.ProjectEvaluated)
	c := &model.Case{ProjectID: p.ID, AllianceID: allianceID, DistrictID: districtID, Year: 2026, Theme: "care", Status: status,
		NominatedAt: srv.DB.Now()}
	if status == model.CaseSelected {
		c.Level = model.CaseLevelBest
	}
	if err := srv.DB.CreateCase(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func projectPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ---- authorization matrix ----

// projectRule says who may call one of this area's routes: the object kind
// and action, and what the path names: "" a collection, "home" a project (or
// case) of the matrix secretary's alliance in 310104, "foreign" one of 310101.
type projectRule struct{ obj, act, target string }

var projectRules = map[string]projectRule{}

func init() {
	// The home projects are led by the unit of the matrix's unit contact
	// (units_test.go's role, unit:{home_unit}): no role of our own, as every
	// role costs the matrix two logins under the per-IP login limit.
	home := func(env map[string]string) (int64, int64) {
		var a, u int64
		fmt.Sscan(env["home_alliance"], &a)
		fmt.Sscan(env["home_unit"], &u)
		return a, u
	}
	foreign := func(t *testing.T, srv *testenv.Server) (int64, int64) {
		a := allianceFixture(t, srv, 310101, "", "")
		return a.ID, allianceFixtureMember(t, srv, a.ID, 310101).UnitID
	}
	matrixFixtures["{project}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, u := home(env)
		p := projectFixture(t, srv, a, 310104, u, model.ProjectDraft)
		env["_project_att"] = fmt.Sprint(projectFixtureFile(t, srv, p.ID))
		return fmt.Sprint(p.ID)
	}
	matrixFixtures["{project_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, u := foreign(t, srv)
		p := projectFixture(t, srv, a, 310101, u, model.ProjectDraft)
		env["_project_att"] = fmt.Sprint(projectFixtureFile(t, srv, p.ID))
		return fmt.Sprint(p.ID)
	}
	matrixFixtures["{project_att}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string { return env["_project_att"] }
	matrixParams["{project_att}"] = ":aid"
	matrixFixtures["{case_selected}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, u := home(env)
		return fmt.Sprint(projectFixtureCase(t, srv, a, 310104, u, model.CaseSelected))
	}
	matrixFixtures["{case_nominated}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, u := home(env)
		return fmt.Sprint(projectFixtureCase(t, srv, a, 310104, u, model.CaseNominated))
	}
	matrixFixtures["{case_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		a, u := foreign(t, srv)
		return fmt.Sprint(projectFixtureCase(t, srv, a, 310101, u, model.CaseNominated))
	}

	add := func(method, path string, r projectRule) {
		projectRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false}) // allow: filled by the setup below
	}
	add("GET", "/api/v1/projects", projectRule{"project", "read", ""})
	add("POST", "/api/v1/projects", projectRule{"project", "create", ""})
	add("GET", "/api/v1/reviews", projectRule{"project", "approve", ""})
	add("POST", "/api/v1/reviews/approve", projectRule{"project", "approve", ""})
	add("GET", "/api/v1/cases", projectRule{"", "user", ""})
	add("GET", "/api/v1/cases/{case_selected}", projectRule{"", "user", ""})
	add("GET", "/api/v1/cases/{case_nominated}", projectRule{"case", "see", "home"})
	add("POST", "/api/v1/cases/{case_nominated}/select", projectRule{"case", "select", "home"})
	add("POST", "/api/v1/cases/{case_nominated}/decline", projectRule{"case", "select", "home"})
	add("GET", "/api/v1/cases/{case_foreign}", projectRule{"case", "see", "foreign"})
	add("POST", "/api/v1/cases/{case_foreign}/select", projectRule{"case", "select", "foreign"})
	add("POST", "/api/v1/cases/{case_foreign}/decline", projectRule{"case", "select", "foreign"})
	for target, p := range map[string]string{"home": "{project}", "foreign": "{project_foreign}"} {
		r := func(obj, act string) projectRule { return projectRule{obj, act, target} }
		base := "/api/v1/projects/" + p
		add("GET", base, r("project", "read"))
		add("PATCH", base, r("project", "update"))
		for _, a := range model.ProjectActions {
			add("POST", base+"/"+a, r("project", a))
		}
		add("GET", base+"/updates", r("project", "read"))
		add("POST", base+"/updates", r("project", "update_progress"))
		add("GET", base+"/reviews", r("project", "read"))
		add("GET", base+"/attachments", r("project", "read"))
		add("POST", base+"/attachments", r("project", "update_progress"))
		add("GET", base+"/attachments/{project_att}", r("project", "read"))
		add("POST", base+"/nominate", r("case", "nominate"))
	}

	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_alliance"] == "" {
			env["home_alliance"] = fmt.Sprint(allianceFixture(t, srv, 310104, "矩阵秘书的联盟", "").ID)
		}
		if env["home_unit"] == "" {
			env["home_unit"] = fmt.Sprint(allianceFixtureUnit(t, srv, 310104, "矩阵联络员单位").ID)
		}
		for i, row := range matrix {
			r, ok := projectRules[row.method+" "+row.path]
			if !ok {
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name != anon && projectMatrixAllows(mr, r, env) {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
	})
}

// projectMatrixAllows restates configs/policy.csv and model.ProjectTransitions
// for this area's routes: who a role is for a home project (secretary of its
// alliance, reviewer or admin of 310104, contact of its lead unit), then
// whether that role may ever do the action. Foreign objects answer nobody.
func projectMatrixAllows(mr matrixRole, r projectRule, env map[string]string) bool {
	dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
	if r.act == "user" {
		return true
	}
	if mr.role == model.RoleCityReviewer { // reads every district's projects (the city view's drill-down)
		return r.act == "read" && (r.obj == "project" || r.obj == "")
	}
	if r.target == "" {
		switch r.act {
		case "read":
			return mr.role == model.RoleAllianceSecretary || mr.role == model.RoleDistrictReviewer || mr.role == model.RoleDistrictAdmin || mr.role == model.RoleUnitContact
		case "create":
			return mr.role == model.RoleAllianceSecretary
		case "approve":
			return mr.role == model.RoleDistrictReviewer
		case "import":
			return mr.role == model.RoleAllianceSecretary || mr.role == model.RoleDistrictReviewer
		}
		return false
	}
	if r.target == "foreign" {
		return false
	}
	var role string
	switch {
	case mr.role == model.RoleAllianceSecretary && dom == "alliance:"+env["home_alliance"]:
		role = model.ProjectRoleSecretary
	case mr.role == model.RoleDistrictReviewer && dom == "district:310104":
		role = model.ProjectRoleReviewer
	case mr.role == model.RoleDistrictAdmin && dom == "district:310104":
		role = "admin"
	case mr.role == model.RoleUnitContact && dom == "unit:"+env["home_unit"]:
		role = model.ProjectRoleLead
	default:
		return false
	}
	switch r.obj + ":" + r.act {
	case "project:read":
		return true
	case "project:update", "case:nominate":
		return role == model.ProjectRoleSecretary
	case "project:update_progress":
		return role == model.ProjectRoleSecretary || role == model.ProjectRoleLead
	case "case:see":
		return role == model.ProjectRoleSecretary || role == model.ProjectRoleReviewer
	case "case:select":
		return role == model.ProjectRoleReviewer
	}
	// A lifecycle action: the roles that may ever fire it.
	_, err := model.ProjectFire(r.act, model.ProjectDraft, []string{role})
	return !errors.Is(err, model.ErrForbidden)
}

// ---- the API ----

// projectUpload posts a file as multipart with the session's CSRF token.
func projectUpload(t *testing.T, c *testenv.Client, path, name string, body []byte) *testenv.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.URL(path), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", c.CSRFCookie())
	return c.Do(req)
}

type projectOut struct {
	ID             int64    `json:"id"`
	Code           *string  `json:"code"`
	Status         string   `json:"status"`
	Version        int      `json:"version"`
	ReturnReason   string   `json:"return_reason"`
	Summary        string   `json:"summary"`
	AllowedActions []string `json:"allowed_actions"`
	Units          []struct {
		UnitID int64  `json:"unit_id"`
		Role   string `json:"role"`
	} `json:"units"`
}

// TestProjectsAPI walks a project through its life over the API with real
// logins: draft, submit (code), return with a reason, fix and resubmit,
// bulk approve, start by the lead unit, a progress update with a photo by a
// partner unit, complete with evidence, evaluate 优, nominate and select as
// a case. Along the way: scope (404 for 黄浦区), 403 for a partner's
// approve, 422 naming the state, attachment checks (type by content, 413,
// 404 outside the scope, download headers), the private note.
func TestProjectsAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Uploads.MaxBytes = 64 << 10 })
			a := allianceFixture(t, srv, 310104, "凌云路街道区域化党建联盟", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			partner := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			srv.CreateUser(t, "sec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", a.ID))
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			srv.CreateUser(t, "hprev", model.RoleDistrictReviewer, "district:310101")
			srv.CreateUser(t, "leadc", model.RoleUnitContact, fmt.Sprintf("unit:%d", lead))
			srv.CreateUser(t, "partc", model.RoleUnitContact, fmt.Sprintf("unit:%d", partner))
			srv.CreateUser(t, "hpc", model.RoleUnitContact, fmt.Sprintf("unit:%d", allianceFixtureUnit(t, srv, 310101, "").ID))
			login := func(name string) *testenv.Client {
				c := srv.Client(t)
				c.Login(name, testenv.Password)
				return c
			}
			sec, rev, hp, leadc, partc, hpc := login("sec"), login("rev"), login("hprev"), login("leadc"), login("partc"), login("hpc")

			res := sessionJSON(sec, "POST", "/api/v1/projects", fmt.Sprintf(`{"alliance_id":%d,"lead_unit_id":%d,"units":[{"unit_id":%d,"role":"partner"}],
				"title":"化工一村 148 号楼加装电梯","summary":"凌云路街道","category":"housing_renewal","year":2026,"starts_on":"2026-03-01","ends_on":"2026-12-31",
				"budget_fen":80000000,"funding":[{"source":"district_fund","amount_fen":50000000}],"target_beneficiaries":120}`, a.ID, lead, partner))
			p := decode[projectOut](t, res)
			if res.Status != http.StatusCreated || res.Location() != fmt.Sprintf("/api/v1/projects/%d", p.ID) || p.Status != "draft" || len(p.Units) != 2 {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			base := fmt.Sprintf("/api/v1/projects/%d", p.ID)
			if res := sessionJSON(sec, "POST", "/api/v1/projects", `{"title":"x","unknown":1}`); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "unknown") {
				t.Errorf("unknown field: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(sec, "POST", base+"/submit", withVersion(t, srv, "projects", p.ID, ""))
			if p = decode[projectOut](t, res); res.Status != http.StatusOK || p.Code == nil || *p.Code != "2026-310104-0001" {
				t.Fatalf("submit: %d %s", res.Status, res.Body)
			}
			// 黄浦区's reviewer cannot see, approve or list it; a guessed id is the same 404.
			for _, r := range []*testenv.Response{hp.Get(base), sessionJSON(hp, "POST", base+"/approve", "{}"), hp.Get(fmt.Sprintf("/api/v1/projects/%d", p.ID+999))} {
				if r.Status != http.StatusNotFound {
					t.Errorf("foreign reviewer: %d %s", r.Status, r.Body)
				}
			}
			if res := hp.Get("/api/v1/projects"); !strings.Contains(res.Body, `"total":0`) {
				t.Errorf("foreign list: %s", res.Body)
			}
			// The queue shows it to 徐汇区's reviewer, who returns it with a reason and a private note.
			if res := rev.Get("/api/v1/reviews"); res.Status != http.StatusOK || !strings.Contains(res.Body, `"total":1`) || !strings.Contains(res.Body, "2026-310104-0001") {
				t.Errorf("queue: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(rev, "POST", base+"/return", withVersion(t, srv, "projects", p.ID, `{}`)); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"reason"`) {
				t.Errorf("return without reason: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(rev, "POST", base+"/return", withVersion(t, srv, "projects", p.ID, `{"reason":"请补充资金来源明细","private_note":"预算偏高"}`))
			if p = decode[projectOut](t, res); res.Status != http.StatusOK || p.Status != "returned" || p.ReturnReason != "请补充资金来源明细" {
				t.Fatalf("return: %d %s", res.Status, res.Body)
			}
			// The partner sees the reason but not the private note.
			if res := partc.Get(base + "/reviews"); res.Status != http.StatusOK || strings.Contains(res.Body, "预算偏高") || !strings.Contains(res.Body, "请补充资金来源明细") {
				t.Errorf("reviews as partner: %d %s", res.Status, res.Body)
			}
			if res := rev.Get(base + "/reviews"); !strings.Contains(res.Body, "预算偏高") {
				t.Errorf("reviews as reviewer: %s", res.Body)
			}
			// Fix (a stale version is 409) and resubmit; bulk approve.
			if res := sessionJSON(sec, "PATCH", base, fmt.Sprintf(`{"summary":"补充","version":%d}`, p.Version-1)); res.Status != http.StatusConflict {
				t.Errorf("stale patch: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(sec, "PATCH", base, fmt.Sprintf(`{"summary":"已补充资金来源","funding":[{"source":"district_fund","amount_fen":50000000},{"source":"street_fund","amount_fen":30000000}],"version":%d}`, p.Version))
			if p = decode[projectOut](t, res); res.Status != http.StatusOK || p.Summary != "已补充资金来源" {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			sessionJSON(sec, "POST", base+"/submit", withVersion(t, srv, "projects", p.ID, ""))
			res = sessionJSON(rev, "POST", "/api/v1/reviews/approve", fmt.Sprintf(`{"ids":[%d, %d]}`, p.ID, p.ID+999))
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `"ok":true`) || !strings.Contains(res.Body, `"error":"not_found"`) {
				t.Fatalf("bulk approve: %d %s", res.Status, res.Body)
			}
			// The partner may not approve or start (403); the lead unit starts.
			if res := sessionJSON(partc, "POST", base+"/start", withVersion(t, srv, "projects", p.ID, "")); res.Status != http.StatusForbidden {
				t.Errorf("partner start: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(partc, "POST", base+"/approve", withVersion(t, srv, "projects", p.ID, "")); res.Status != http.StatusForbidden {
				t.Errorf("partner approve: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(leadc, "POST", base+"/start", withVersion(t, srv, "projects", p.ID, "")); res.Status != http.StatusOK || !strings.Contains(res.Body, `"in_progress"`) {
				t.Fatalf("lead start: %d %s", res.Status, res.Body)
			}
			// Attachments: a photo; a text file named .pdf; a file over the limit.
			res = projectUpload(t, partc, base+"/attachments", "现场照片.png", projectPNG(t))
			photo := decode[struct {
				ID  int64  `json:"id"`
				URL string `json:"url"`
			}](t, res)
			if res.Status != http.StatusCreated {
				t.Fatalf("upload photo: %d %s", res.Status, res.Body)
			}
			if res := projectUpload(t, partc, base+"/attachments", "方案.pdf", []byte("this is plain text")); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"file"`) {
				t.Errorf("fake pdf: %d %s", res.Status, res.Body)
			}
			if res := projectUpload(t, partc, base+"/attachments", "大.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 70<<10)...)); res.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("over the limit: %d %s", res.Status, res.Body)
			}
			// Who uploads nowhere is stopped at the route (403); a contact of
			// a unit outside the project does not learn it exists (404).
			if res := projectUpload(t, hp, base+"/attachments", "x.png", projectPNG(t)); res.Status != http.StatusForbidden {
				t.Errorf("reviewer upload: %d %s", res.Status, res.Body)
			}
			if res := projectUpload(t, hpc, base+"/attachments", "x.png", projectPNG(t)); res.Status != http.StatusNotFound {
				t.Errorf("foreign upload: %d %s", res.Status, res.Body)
			}
			// The file: to readers, with its headers; 404 outside the scope.
			dl := rev.Get(photo.URL)
			if dl.Status != http.StatusOK || dl.Header.Get("Content-Type") != "image/png" || dl.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(dl.Header.Get("Content-Disposition"), "filename*=UTF-8''") ||
				!bytes.Equal([]byte(dl.Body), projectPNG(t)) {
				t.Errorf("download: %d %v", dl.Status, dl.Header)
			}
			for _, c := range []*testenv.Client{hp, hpc} {
				if res := c.Get(photo.URL); res.Status != http.StatusNotFound {
					t.Errorf("foreign download: %d", res.Status)
				}
			}
			// The partner reports progress with the photo.
			res = sessionJSON(partc, "POST", base+"/updates", fmt.Sprintf(`{"percent":60,"text":"井道施工完成","beneficiaries":40,"volunteer_hours":16,"funds_spent_fen":2000000,"attachment_ids":[%d]}`, photo.ID))
			if res.Status != http.StatusCreated || !strings.Contains(res.Body, "现场照片.png") {
				t.Fatalf("update: %d %s", res.Status, res.Body)
			}
			if res := partc.Get(base + "/updates"); !strings.Contains(res.Body, `"total":1`) || !strings.Contains(res.Body, photo.URL) {
				t.Errorf("updates: %s", res.Body)
			}
			// Complete with evidence; evaluate 优; a second submit answers 422 naming the state.
			res = projectUpload(t, sec, base+"/attachments", "验收报告.pdf", []byte("%PDF-1.4\n%%EOF\n"))
			ev := decode[struct {
				ID int64 `json:"id"`
			}](t, res)
			if res := sessionJSON(sec, "POST", base+"/complete", withVersion(t, srv, "projects", p.ID, fmt.Sprintf(`{"closing_report":"电梯已投入使用","evidence_ids":[%d]}`, ev.ID))); res.Status != http.StatusOK {
				t.Fatalf("complete: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(rev, "POST", base+"/evaluate", withVersion(t, srv, "projects", p.ID, `{"score":95,"grade":"excellent","comment":"居民满意"}`)); res.Status != http.StatusOK || !strings.Contains(res.Body, `"grade":"excellent"`) {
				t.Fatalf("evaluate: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(sec, "POST", base+"/submit", withVersion(t, srv, "projects", p.ID, "")); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "已评估") {
				t.Errorf("submit an evaluated project: %d %s", res.Status, res.Body)
			}
			// The case library.
			res = sessionJSON(sec, "POST", base+"/nominate", `{"write_up":"初稿"}`)
			cs := decode[struct {
				ID int64 `json:"id"`
			}](t, res)
			if res.Status != http.StatusCreated {
				t.Fatalf("nominate: %d %s", res.Status, res.Body)
			}
			if res := partc.Get("/api/v1/cases"); !strings.Contains(res.Body, `"total":0`) {
				t.Errorf("a nomination in everyone's library: %s", res.Body)
			}
			if res := sessionJSON(rev, "POST", fmt.Sprintf("/api/v1/cases/%d/select", cs.ID), withVersion(t, srv, "cases", cs.ID, `{"level":"best","write_up":"凌云经验"}`)); res.Status != http.StatusOK {
				t.Fatalf("select: %d %s", res.Status, res.Body)
			}
			if res := hp.Get("/api/v1/cases?year=2026&district_id=310104"); !strings.Contains(res.Body, `"total":1`) || !strings.Contains(res.Body, "化工一村") {
				t.Errorf("library: %s", res.Body)
			}
			// Every step is in the audit log and the secretary was told.
			l, err := srv.DB.ListAudit(context.Background(), store.AuditFilter{Action: "project.", ObjectID: fmt.Sprint(p.ID)}, model.PageRequest{Limit: 50})
			if err != nil || l.Total < 10 {
				t.Errorf("audit: %d rows %v", l.Total, err)
			}
			if res := sec.Get("/api/v1/projects?status=evaluated&q=148"); !strings.Contains(res.Body, `"total":1`) || !strings.Contains(res.Body, `"budget_fen":80000000`) {
				t.Errorf("filtered list with totals: %s", res.Body)
			}
			if res := sec.Get("/api/v1/projects?status=nope"); res.Status != http.StatusBadRequest {
				t.Errorf("bad filter: %d", res.Status)
			}
		})
	}
}

// TestProjectsAPIStatements: the project list, the reviewer queue and a
// project's updates run as many statements for 100 rows as for 10.
func TestProjectsAPIStatements(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewGuardedServer(t, d)
			a := allianceFixture(t, srv, 310104, "", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			srv.CreateUser(t, "sec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", a.ID))
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			sec, rev := srv.Client(t), srv.Client(t)
			sec.Login("sec", testenv.Password)
			rev.Login("rev", testenv.Password)
			ctx := context.Background()
			first := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectInProgress)
			// Each check starts at 10 rows of its own kind and grows them to 100.
			projects := func(status string, n int) func() {
				return func() {
					for range n {
						p := projectFixture(t, srv, a.ID, 310104, lead, status)
						now := srv.DB.Now()
						if err := srv.DB.UpdateProject(ctx, p.ID, p.Version, map[string]any{"submitted_at": now, "review_due_on": now}); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			updates := func(n int) func() {
				return func() {
					for range n {
						u := &model.ProjectUpdate{ProjectID: first.ID, Percent: 10, Text: "进展", HappenedOn: srv.DB.Now()}
						if err := srv.DB.CreateProjectUpdate(ctx, u); err != nil {
							t.Fatal(err)
						}
						att := projectFixtureFile(t, srv, first.ID)
						if _, err := srv.DB.MoveAttachments(ctx, first.ID, []int64{att}, model.AttachOwnerUpdate, u.ID, ""); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			projects(model.ProjectApproved, 10)()
			testenv.SameStatements(t, sec, "/api/v1/projects?status=approved&limit=100", projects(model.ProjectApproved, 90))
			projects(model.ProjectSubmitted, 10)()
			testenv.SameStatements(t, rev, "/api/v1/reviews?limit=100", projects(model.ProjectSubmitted, 90))
			updates(10)()
			testenv.SameStatements(t, sec, fmt.Sprintf("/api/v1/projects/%d/updates?limit=100", first.ID), updates(90))
		})
	}
}
