package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// projectPDF is a file the upload takes as a PDF (by its content).
var projectPDF = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

// projectVersion reads a project's version from the database.
func projectVersion(t *testing.T, srv *testenv.Server, id int64) string {
	t.Helper()
	p, err := srv.DB.ProjectByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(p.Version)
}

// TestProjectPagesGradesAndProgress, on both databases through the real
// router: the evaluation's grade follows from the score (page and API),
// only 优/良 projects can be nominated, completion shows 100% 已结项 on the
// page and the list, and a progress report is dated within the project's
// life with a reason for a lower percentage (page and API).
func TestProjectPagesGradesAndProgress(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newProjectScene(t, d)
			srv, ctx := s.srv, context.Background()
			clock := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
			srv.DB.SetClock(func() time.Time { return clock })
			defer srv.DB.SetClock(func() time.Time { return time.Now().UTC() })

			// Page: 92 with 差 is refused on the grade; 92 alone is 优.
			p := projectFixture(t, srv, s.alliance.ID, 310104, s.lead, model.ProjectCompleted)
			page := fmt.Sprintf("/projects/%d", p.ID)
			form := url.Values{"version": {projectVersion(t, srv, p.ID)}, "score": {"92"}, "grade": {model.GradePoor}, "comment": {"成效明显"}}
			res := projectPost(t, s.rev, page, page+"/evaluate", form, nil)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(projectText(t, res, "#act-evaluate-grade-error"), "92 分对应“优”") {
				t.Fatalf("92 差: %d %q", res.Status, projectText(t, res, "#act-evaluate-grade-error"))
			}
			form.Del("grade")
			if res := projectPost(t, s.rev, page, page+"/evaluate", form, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("92: %d %.300s", res.Status, res.Body)
			}
			if cur, _ := srv.DB.ProjectByID(ctx, p.ID); cur.Grade != model.GradeExcellent {
				t.Errorf("92 graded %q", cur.Grade)
			}
			// The evaluated project shows 100% 已结项, on its page and in the list.
			res = s.sec.Get(page)
			if got := projectText(t, res, "#basic"); !strings.Contains(got, "100%") || !strings.Contains(got, "已结项") {
				t.Errorf("progress of an evaluated project: %q", projectText(t, res, "#project-progress"))
			}
			if got := projectText(t, s.sec.Get("/projects?q="+url.QueryEscape(p.Title)), "table.table tbody"); !strings.Contains(got, "100%") {
				t.Errorf("list row: %q", got)
			}

			// API: 70 without a grade is 中; 70 with 优 is a 400 on grade.
			p2 := projectFixture(t, srv, s.alliance.ID, 310104, s.lead, model.ProjectCompleted)
			api := fmt.Sprintf("/api/v1/projects/%d", p2.ID)
			res = sessionJSON(s.rev, "POST", api+"/evaluate", fmt.Sprintf(`{"version":%s,"score":70,"grade":"excellent","comment":"一般"}`, projectVersion(t, srv, p2.ID)))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"grade"`) {
				t.Fatalf("API 70 优: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(s.rev, "POST", api+"/evaluate", fmt.Sprintf(`{"version":%s,"score":70,"comment":"一般"}`, projectVersion(t, srv, p2.ID)))
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `"grade":"fair"`) || !strings.Contains(res.Body, `"progress_percent":100`) {
				t.Fatalf("API 70: %d %.400s", res.Status, res.Body)
			}
			// A 中 project offers no 推荐为案例 and the API refuses it.
			if res := s.sec.Get(fmt.Sprintf("/projects/%d", p2.ID)); projectHas(t, res, "#open-nominate") || projectHas(t, res, "#nominate") {
				t.Error("a 中 project offers 推荐为案例")
			}
			if res := sessionJSON(s.sec, "POST", api+"/nominate", `{"write_up":"x"}`); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "优") {
				t.Errorf("nominate 中: %d %s", res.Status, res.Body)
			}

			// Progress: approved on 2026-05-10, running; today is 2026-06-15.
			p3 := projectFixture(t, srv, s.alliance.ID, 310104, s.lead, model.ProjectInProgress)
			approved := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
			if err := srv.DB.UpdateProject(ctx, p3.ID, p3.Version, map[string]any{"approved_at": approved}); err != nil {
				t.Fatal(err)
			}
			up := fmt.Sprintf("/api/v1/projects/%d/updates", p3.ID)
			for body, field := range map[string]string{
				`{"percent":10,"text":"筹备","happened_on":"2026-05-09"}`: "happened_on", // before approval
				`{"percent":10,"text":"筹备","happened_on":"2026-06-16"}`: "happened_on", // tomorrow
			} {
				if res := sessionJSON(s.leadc, "POST", up, body); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"`+field+`"`) {
					t.Errorf("%s: %d %s", body, res.Status, res.Body)
				}
			}
			if res := sessionJSON(s.leadc, "POST", up, `{"percent":50,"text":"完成一半","happened_on":"2026-06-01"}`); res.Status != http.StatusCreated {
				t.Fatalf("50%%: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(s.leadc, "POST", up, `{"percent":40,"text":"返工"}`); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"reason"`) || !strings.Contains(res.Body, "50%") {
				t.Errorf("lower without reason: %d %s", res.Status, res.Body)
			}
			res = sessionJSON(s.leadc, "POST", up, `{"percent":40,"text":"返工","reason":"验收发现质量问题，部分返工"}`)
			if res.Status != http.StatusCreated || !strings.Contains(res.Body, `"reason":"验收发现质量问题，部分返工"`) || !strings.Contains(res.Body, `"happened_on":"2026-06-15"`) {
				t.Fatalf("lower with reason: %d %s", res.Status, res.Body)
			}
			// The page: its form refuses a lower percentage without a reason
			// next to the field, and the timeline shows the reason.
			page3 := fmt.Sprintf("/projects/%d", p3.ID)
			res = projectPost(t, s.leadc, page3, page3+"/updates", url.Values{"percent": {"30"}, "text": {"再次返工"}, "happened_on": {"2026-06-15"}}, nil)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(projectText(t, res, "#upd-reason-error"), "40%") {
				t.Errorf("page lower without reason: %d %q", res.Status, projectText(t, res, "#upd-reason-error"))
			}
			res = s.sec.Get(page3)
			if got := projectText(t, res, "#timeline"); !strings.Contains(got, "验收发现质量问题，部分返工") {
				t.Errorf("timeline lacks the reason: %q", got)
			}
			if min, _ := res.Doc(t).Find("#upd-happened_on").Attr("min"); min != "2026-05-10" {
				t.Errorf("date input min %q", min)
			}
		})
	}
}

// TestProjectPagesFilesSitesDrafts, on both databases: 申报材料 attached to a
// draft reach the reviewer (queue, API queue, review form); the projects of
// a service site (API filter, the site's page, scoped) and the project's
// link to the site; a grid's sites; a need without an accepted claim says
// why it offers no 立项草稿.
func TestProjectPagesFilesSitesDrafts(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newProjectScene(t, d)
			srv, ctx := s.srv, context.Background()

			// 申报材料 from the draft on.
			p := projectFixture(t, srv, s.alliance.ID, 310104, s.lead, model.ProjectDraft)
			page := fmt.Sprintf("/projects/%d", p.ID)
			if !projectHas(t, s.sec.Get(page), "#files-form") {
				t.Fatal("a draft offers no upload")
			}
			res := projectPost(t, s.sec, page, page+"/attachments", nil, map[string]map[string][]byte{"files": {"实施方案.pdf": projectPDF}})
			if flash := projectFlash(t, s.sec, res); !strings.Contains(flash, "1") {
				t.Errorf("upload to a draft: %q", flash)
			}
			files, err := srv.DB.ProjectAttachments(ctx, p.ID)
			if err != nil || len(files) != 1 || files[0].Purpose != model.AttachApplication {
				t.Fatalf("the draft's files: %+v %v", files, err)
			}
			res = projectPost(t, s.sec, page, page+"/submit", url.Values{"version": {projectVersion(t, srv, p.ID)}}, nil)
			if res.Status != http.StatusSeeOther {
				t.Fatalf("submit: %d", res.Status)
			}
			if got := projectText(t, s.rev.Get("/reviews"), "#bulk-form"); !strings.Contains(got, "实施方案.pdf") {
				t.Errorf("the queue lacks the file: %q", got)
			}
			if res := s.rev.Get("/api/v1/reviews"); !strings.Contains(res.Body, `"file_name":"实施方案.pdf"`) || !strings.Contains(res.Body, `"purpose":"application"`) {
				t.Errorf("API queue: %.400s", res.Body)
			}
			res = s.rev.Get(page)
			if got := projectText(t, res, "#review-files"); !strings.Contains(got, "实施方案.pdf") {
				t.Errorf("beside the review form: %q", got)
			}
			href, _ := res.Doc(t).Find("#review-files a").Attr("href")
			if dl := s.rev.Get(href); dl.Status != http.StatusOK {
				t.Errorf("the reviewer downloads %s: %d", href, dl.Status)
			}
			// A submitted project still takes files (the secretary answers a
			// question), on the page and over the API, as 申报材料.
			if !projectHas(t, s.sec.Get(page), "#files-form") {
				t.Error("a submitted project offers no upload")
			}
			if res := projectUpload(t, s.sec, fmt.Sprintf("/api/v1/projects/%d/attachments", p.ID), "场地书面同意.pdf", projectPDF); res.Status != http.StatusCreated || !strings.Contains(res.Body, `"purpose":"application"`) {
				t.Errorf("API upload to a submitted project: %d %s", res.Status, res.Body)
			}

			// Service sites: one of 310104 with two projects, one of them of
			// a 黄浦区 alliance (not read by the 徐汇区 reviewer).
			st := geoStreet(t, srv, 310104)
			g := geoGrid(t, srv, st)
			gid := g.ID
			site := &model.ServiceSite{Name: "凌云社区党群服务中心", Kind: "community_center", DistrictID: 310104, StreetID: st.ID, GridID: &gid, Seats: 10}
			if err := srv.DB.CreateServiceSite(ctx, site); err != nil {
				t.Fatal(err)
			}
			other := geoSite(t, srv, st, "梅陇党群服务站")
			foreign := allianceFixture(t, srv, 310101, "外滩街道区域化党建联盟", "")
			fUnit := allianceFixtureMember(t, srv, foreign.ID, 310101).UnitID
			fp := projectFixture(t, srv, foreign.ID, 310101, fUnit, model.ProjectApproved)
			for _, id := range []int64{p.ID, fp.ID} {
				if err := srv.DB.ReplaceProjectSites(ctx, id, []int64{site.ID}); err != nil {
					t.Fatal(err)
				}
			}
			res = s.sec.Get(fmt.Sprintf("/api/v1/projects?site_id=%d", site.ID))
			if !strings.Contains(res.Body, `"total":1`) || !strings.Contains(res.Body, fmt.Sprintf(`"id":%d,`, p.ID)) {
				t.Errorf("site filter: %.300s", res.Body)
			}
			res = s.sec.Get(fmt.Sprintf("/projects?site_id=%d", site.ID))
			if got := projectText(t, res, "table.table tbody"); !strings.Contains(got, p.Title) || strings.Contains(got, fp.Title) ||
				!strings.Contains(projectText(t, res, "#site-filter"), "凌云社区党群服务中心") {
				t.Errorf("the list of a site: %q", got)
			}
			if res := s.sec.Get(fmt.Sprintf("/api/v1/projects?site_id=%d", other.ID)); !strings.Contains(res.Body, `"total":0`) {
				t.Errorf("site filter, no project: %.300s", res.Body)
			}
			if res := s.sec.Get("/api/v1/projects?site_id=x"); res.Status != http.StatusBadRequest {
				t.Errorf("site_id=x: %d", res.Status)
			}
			res = s.rev.Get(fmt.Sprintf("/service-sites/%d", site.ID))
			links := res.Doc(t).Find("#site-projects a[href^='/projects/']")
			if links.Length() != 1 || links.AttrOr("href", "") != page {
				t.Errorf("the site's projects for the 徐汇区 reviewer: %q", projectText(t, res, "#site-projects"))
			}
			// The project page links 服务阵地 to its page for who reads it,
			// and names it without a link for who does not.
			if !projectHas(t, s.rev.Get(page), fmt.Sprintf(`#basic a[href="/service-sites/%d"]`, site.ID)) {
				t.Error("the reviewer has no link to the site")
			}
			res = s.sec.Get(page)
			if projectHas(t, res, `#basic a[href^="/service-sites/"]`) || projectHas(t, res, `a[href^="/sites/"]`) || !strings.Contains(projectText(t, res, "#basic"), "凌云社区党群服务中心") {
				t.Error("the secretary's site line")
			}
			// A grid links to its own sites.
			res = s.rev.Get(fmt.Sprintf("/grids/%d", g.ID))
			var sitesURL string
			res.Doc(t).Find("a").Each(func(_ int, a *goquery.Selection) {
				if h := a.AttrOr("href", ""); strings.HasPrefix(h, "/service-sites?") {
					sitesURL = h
				}
			})
			if !strings.Contains(sitesURL, fmt.Sprintf("grid_id=%d", g.ID)) {
				t.Fatalf("the grid's sites link %q", sitesURL)
			}
			got := projectText(t, s.rev.Get(sitesURL), "table.table tbody")
			if !strings.Contains(got, "凌云社区党群服务中心") || strings.Contains(got, "梅陇党群服务站") {
				t.Errorf("the grid's sites: %q", got)
			}

			// A need without an accepted claim says why there is no 立项草稿.
			need := &model.Need{AllianceID: s.alliance.ID, DistrictID: 310104, SubmitterUnitID: s.lead, Title: "楼道照明改造",
				Description: "楼道灯损坏", Category: "housing_renewal", Quantity: 1, Measure: "items", Beneficiaries: 20,
				Visibility: model.VisibleAlliance, Status: model.NeedPublished}
			if err := srv.DB.CreateNeed(ctx, need); err != nil {
				t.Fatal(err)
			}
			npage := fmt.Sprintf("/needs/%d", need.ID)
			res = s.sec.Get(npage)
			if projectHas(t, res, "#project-draft") || !strings.Contains(projectText(t, res, "#project-draft-missing"), "尚无已接受的认领") {
				t.Errorf("the secretary on a need without claims: %q", projectText(t, res, "#project-draft-missing"))
			}
			if projectHas(t, s.leadc.Get(npage), "#project-draft-missing") {
				t.Error("a unit contact, who cannot draft, is told what is missing")
			}
		})
	}
}
