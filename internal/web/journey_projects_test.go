package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserProjectJourney is issue 7's journey on the demo data: the
// secretary drafts a project from a need with an accepted claim, attaches
// its 申报材料 and submits it; the reviewer reads the file in the queue and
// returns it asking for a document; the secretary attaches the document,
// fixes the project and submits again; the reviewer sees both files in the
// queue and beside the review form and approves it from the queue; the lead unit's
// contact starts it and posts progress with a photo; the secretary completes
// it with the photo as evidence and nominates it; the reviewer evaluates it
// 优 and selects it as a 最佳 case; the case appears in the library.
func TestBrowserProjectJourney(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	srv := testenv.NewServer(t, store.SQLite)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	id := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := srv.DB.SQL().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	alliance := id(`SELECT id FROM alliances WHERE name = '凌云路街道区域化党建联盟'`)
	residents := id(`SELECT id FROM units WHERE name = '凌云路街道梅陇六村居民区党总支'`)
	wuye := id(`SELECT id FROM units WHERE name = '上海凌云物业管理有限公司'`)
	srv.CreateUser(t, "wuye", model.RoleUnitContact, fmt.Sprintf("unit:%d", wuye))
	// The need: raised by the residents' committee, claimed by the property company, accepted.
	need := &model.Need{AllianceID: alliance, DistrictID: 310104, SubmitterUnitID: residents, Title: "梅陇六村 22 号楼加装电梯",
		Description: "22 号楼 6 层 24 户，老人多，希望加装电梯。", Category: "housing_renewal", Quantity: 1, Measure: "items",
		Beneficiaries: 60, Visibility: model.VisibleAlliance, Status: model.NeedPublished}
	if err := srv.DB.CreateNeed(ctx, need); err != nil {
		t.Fatal(err)
	}
	claim := &model.Claim{Target: model.TargetNeed, NeedID: &need.ID, AllianceID: alliance, DistrictID: 310104, ClaimantUnitID: wuye,
		Quantity: 1, Status: model.ClaimPending}
	if err := srv.DB.CreateClaim(ctx, claim); err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.DecideClaim(ctx, claim.ID, claim.Version, model.ClaimPending, model.ClaimAccepted, nil, ""); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "井道施工.png")
	if err := os.WriteFile(photo, projectPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	// 申报材料: the plan with the first submission, the residents' consent
	// the reviewer asks for.
	plan, consent := filepath.Join(t.TempDir(), "实施方案.pdf"), filepath.Join(t.TempDir(), "居民意见征询表.pdf")
	for _, f := range []string{plan, consent} {
		if err := os.WriteFile(f, []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	now := srv.DB.Now()
	startsOn, endsOn := now.AddDate(0, 0, -30).Format("2006-01-02"), now.AddDate(0, 0, 200).Format("2006-01-02")

	var b *testenv.Browser
	var errs []string
	login := func(user string) {
		if b != nil {
			errs = append(errs, b.NetworkErrors()...)
		}
		b = testenv.NewBrowser(t)
		b.Navigate(srv.URL + "/login")
		b.SendKeys(`#username`, user)
		b.SendKeys(`#password`, testenv.Password)
		b.Submit(`form[action="/login"]`)
		b.WaitVisible(`details.user-menu`)
	}
	shot := func(name string) { b.Screenshot(testenv.ArtifactPath(t, name)) }
	text := func(sel string) string { return strings.Join(strings.Fields(b.Text(sel)), " ") }
	yes := func() { b.Run(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)) } // data-confirm asks first
	var project string
	open := func() {
		b.Navigate(srv.URL + project)
		b.WaitVisible(`#project-status`)
		yes()
	}
	status := func() string { return text(`#project-status`) }

	// 1. The secretary drafts the project from the need and fills it in.
	login("secretary")
	b.Navigate(fmt.Sprintf("%s/needs/%d", srv.URL, need.ID))
	b.WaitVisible(`#project-draft`) // the 立项草稿 button
	yes()
	b.Click(`#project-draft`)
	b.WaitVisible(`#project-form`)
	loc := b.Location()
	if !strings.HasSuffix(loc, "/edit") {
		t.Fatalf("after drafting: at %s", loc)
	}
	project = strings.TrimSuffix(strings.TrimPrefix(loc, srv.URL), "/edit")
	if got := testenv.RunValue(b, chromedp.Value(chromedp.CSS(`#title`))); got != "梅陇六村 22 号楼加装电梯" {
		t.Errorf("the draft's title %q", got)
	}
	b.SetValue(`#starts_on`, startsOn)
	b.SetValue(`#ends_on`, endsOn)
	b.SetValue(`#budget`, "680000")
	b.SetValue(`#funding tbody tr:first-child select`, "district_fund")
	b.SetValue(`#funding tbody tr:first-child input`, "400000")
	b.SetValue(`#funding tbody tr:nth-child(2) select`, "unit_fund")
	b.SetValue(`#funding tbody tr:nth-child(2) input`, "280000")
	shot("1-draft-form.png")
	b.Submit(`#project-form`)
	b.WaitVisible(`.flash-success`)
	// The draft takes its 申报材料 (附件).
	open()
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`#files-upload`), []string{plan}))
	b.Submit(`#files-form`)
	b.WaitVisible(`.flash-success`)
	if got := text(`#files`); !strings.Contains(got, "实施方案.pdf") || !strings.Contains(got, "申报材料") {
		t.Fatalf("the draft's files: %q", got)
	}
	open()
	b.Click(`#action-submit`)
	b.WaitVisible(`.flash-success`)
	if s := status(); s != "待审核" {
		t.Fatalf("after submitting: %q", s)
	}
	shot("2-submitted.png")

	// 2. The reviewer reads the plan in the queue and returns the project
	// asking for the residents' consent.
	login("reviewer")
	b.Navigate(srv.URL + "/reviews")
	b.WaitVisible(`#bulk-form`)
	shot("3-review-queue.png")
	if got := text(`#bulk-form`); !strings.Contains(got, "梅陇六村 22 号楼加装电梯") || !strings.Contains(got, "实施方案.pdf") {
		t.Fatalf("the queue misses the project or its file: %q", got)
	}
	open()
	if got := text(`#review-files`); !strings.Contains(got, "实施方案.pdf") {
		t.Errorf("beside the review form: %q", got)
	}
	b.Click(`#act-return summary`)
	b.SendKeys(`#act-return-reason`, "请补充井道施工方案和居民意见征询结果（书面）")
	b.SendKeys(`#act-return-private_note`, "预算偏高，需核实")
	shot("4-return.png")
	b.Click(`#action-return`)
	b.WaitVisible(`.flash-success`)
	if s := status(); s != "已退回" {
		t.Fatalf("after returning: %q", s)
	}

	// 3. The secretary reads the reason, fixes the project, submits again.
	login("secretary")
	open()
	if got := text(`#return-reason`); !strings.Contains(got, "请补充井道施工方案") {
		t.Errorf("return reason: %q", got)
	}
	if strings.Contains(b.HTML(), "预算偏高") {
		t.Errorf("the secretary reads the reviewer's private note")
	}
	shot("5-returned.png")
	// The document asked for, attached to the returned project.
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`#files-upload`), []string{consent}))
	b.Submit(`#files-form`)
	b.WaitVisible(`.flash-success`)
	b.Navigate(srv.URL + project + "/edit")
	b.WaitVisible(`#project-form`)
	b.SetValue(`#summary`, "附：井道施工方案、居民意见征询表（24 户全部同意）。")
	b.Submit(`#project-form`)
	b.WaitVisible(`.flash-success`)
	open()
	b.Click(`#action-submit`)
	b.WaitVisible(`.flash-success`)
	if s := status(); s != "待审核" {
		t.Fatalf("after submitting again: %q", s)
	}

	// 4. The reviewer sees both files (queue and review form) and approves
	// it from the queue.
	login("reviewer")
	open()
	if got := text(`#review-files`); !strings.Contains(got, "实施方案.pdf") || !strings.Contains(got, "居民意见征询表.pdf") {
		t.Errorf("beside the review form after resubmission: %q", got)
	}
	b.Navigate(srv.URL + "/reviews")
	b.WaitVisible(`#bulk-form`)
	if got := text(`#bulk-form`); !strings.Contains(got, "实施方案.pdf") || !strings.Contains(got, "居民意见征询表.pdf") {
		t.Errorf("the queue after resubmission: %q", got)
	}
	shot("5b-review-queue-files.png")
	yes()
	b.Click(fmt.Sprintf(`input[name="ids"][value="%s"]`, strings.TrimPrefix(project, "/projects/")))
	b.Click(`#bulk-approve`)
	b.WaitVisible(`.flash-success`)
	if got := text(`#flashes`); !strings.Contains(got, "已立项 1 个项目") {
		t.Errorf("bulk approve: %q", got)
	}
	var needStatus string
	if err := srv.DB.SQL().QueryRow(`SELECT status FROM needs WHERE id = ?`, need.ID).Scan(&needStatus); err != nil || needStatus != model.NeedInProject {
		t.Errorf("the need after approval: %q %v", needStatus, err)
	}

	// 5. The lead unit's contact starts it and posts progress with a photo.
	login("wuye")
	open()
	b.Click(`#action-start`)
	b.WaitVisible(`.flash-success`)
	if s := status(); s != "实施中" {
		t.Fatalf("after starting: %q", s)
	}
	open()
	b.SetValue(`#upd-percent`, "60")
	b.SendKeys(`#upd-text`, "完成井道开挖和基础浇筑，居民出行引导到位。")
	b.SetValue(`#upd-beneficiaries`, "60")
	b.SetValue(`#upd-volunteer_hours`, "12")
	b.SetValue(`#upd-funds_spent`, "185000.50")
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`#upd-files`), []string{photo}))
	shot("6-progress-form.png")
	b.Submit(`#update-form`)
	b.WaitVisible(`.flash-success`)
	if got := text(`#timeline`); !strings.Contains(got, "完成井道开挖") || !strings.Contains(got, "井道施工.png") || !strings.Contains(got, "¥185,000.50") {
		t.Errorf("timeline: %q", got)
	}
	shot("7-progress.png")

	// 6. The secretary completes it with the photo as evidence and nominates it.
	login("secretary")
	open()
	b.Click(`#act-complete summary`)
	b.SendKeys(`#act-complete-closing_report`, "电梯已通过验收并投入使用，惠及 24 户 60 名居民。")
	// The photo (not the 申报材料) is the evidence.
	b.Run(chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll("#act-complete-evidence_ids label.check")).find(l => l.textContent.includes("井道施工.png")).querySelector("input").click()`))
	b.Click(`#action-complete`)
	b.WaitVisible(`.flash-success`)
	if s := status(); s != "已结项" {
		t.Fatalf("after completing: %q", s)
	}

	// 7. The reviewer evaluates it 优.
	login("reviewer")
	open()
	b.SetValue(`#act-evaluate-score`, "96")
	b.SendKeys(`#act-evaluate-comment`, "居民参与充分，多方出资，成效显著。")
	shot("8-evaluate.png")
	b.Click(`#action-evaluate`)
	b.WaitVisible(`.flash-success`)
	if s := status(); s != "已评估" {
		t.Fatalf("after evaluating: %q", s)
	}

	// 8. The secretary nominates it; the reviewer selects it as 最佳.
	login("secretary")
	open()
	b.SendKeys(`#nom-write_up`, "居民议事、物业牵头、多方出资的老旧住宅加装电梯做法。")
	b.Click(`#nominate-submit`)
	b.WaitVisible(`#case`)
	casePath := strings.TrimPrefix(b.Location(), srv.URL)
	login("reviewer")
	b.Navigate(srv.URL + casePath)
	b.WaitVisible(`#select`)
	b.Click(`#sel-level-best`)
	shot("9-select-case.png")
	b.Click(`#case-select`)
	b.WaitVisible(`.flash-success`)
	if got := text(`#case-level`); got != "最佳" {
		t.Errorf("case level %q", got)
	}

	// 9. Anyone logged in finds it in the library.
	login("unit")
	b.Navigate(srv.URL + "/cases")
	b.WaitVisible(`table.table`)
	shot("10-case-library.png")
	if got := text(`table.table`); !strings.Contains(got, "梅陇六村 22 号楼加装电梯") || !strings.Contains(got, "最佳") {
		t.Errorf("library: %q", got)
	}
	// The project list as the secretary sees it (a screenshot to look at).
	login("secretary")
	b.Navigate(srv.URL + "/projects")
	b.WaitVisible(`#project-totals`)
	shot("11-project-list.png")
	if errs := append(errs, b.NetworkErrors()...); len(errs) > 0 {
		t.Errorf("network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
