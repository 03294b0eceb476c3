package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tongxin/internal/app"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserGovernanceJourney: on the demo alliance, the secretary
// generates next year's yearly rotation (the council units, in the order
// the page proposes), previews and saves it, creates next year's annual
// meeting, records the attendance and two signed letters, links three
// projects as signed at it, and opens the meeting pack, which lists all of
// it. Screenshots at 1366×768 under test-artifacts/.
func TestBrowserGovernanceJourney(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	srv := testenv.NewServer(t, store.SQLite)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	id := func(q string) int64 {
		t.Helper()
		var n int64
		if err := srv.DB.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	alliance := id(`SELECT id FROM alliances WHERE name = '凌云路街道区域化党建联盟'`)
	next := service.AllianceToday(srv.DB.Now()).Year() + 1
	before := id(fmt.Sprintf(`SELECT count(*) FROM rotation_terms WHERE alliance_id = %d`, alliance))

	// Each part gets a browser of its own (and its own time budget).
	var b *testenv.Browser
	login := func() {
		if b != nil {
			if errs := b.NetworkErrors(); len(errs) > 0 {
				t.Errorf("errors in the pages: %v", errs)
			}
		}
		b = testenv.NewBrowser(t)
		b.Navigate(srv.URL + "/login")
		b.SendKeys(`#username`, "secretary")
		b.SendKeys(`#password`, testenv.Password)
		b.Submit(`form[action="/login"]`)
		b.WaitVisible(`details.user-menu`)
	}
	shot := func(name string) { b.Screenshot(testenv.ArtifactPath(t, name)) }
	text := func(sel string) string { return strings.Join(strings.Fields(b.Text(sel)), " ") }
	yes := func() { b.Run(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)) }
	// save submits a form and waits for the next page's flash (the current
	// page's flashes are removed first, so the wait is for the new one).
	save := func(sel string) {
		t.Helper()
		b.Run(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".flash").forEach(e => e.remove())`))
		b.Submit(sel)
		b.WaitVisible(`.flash-success`)
	}
	login()
	shot("0-home.png")

	// 1. The rotation: yearly from 1 January next year, five years; the
	// page proposes the council units in order.
	b.Navigate(srv.URL + "/rotation-terms")
	b.WaitVisible(`a[href^="/rotation-terms/plan"]`)
	b.Click(`a[href^="/rotation-terms/plan"]`)
	b.WaitVisible(`#plan-form`)
	b.SetValue(`#starts_on`, fmt.Sprintf("%d-01-01", next))
	b.SetValue(`#period`, "year")
	b.SetValue(`#until`, fmt.Sprintf("%d-01-01", next+4))
	shot("1-plan-form.png")
	b.Submit(`#plan-preview`)
	b.WaitVisible(`#preview`)
	if n := testenv.RunValue(b, chromedp.Evaluate[int](`document.querySelectorAll("#preview tbody tr").length`)); n != 5 {
		t.Fatalf("preview: %d terms, want 5; %s", n, text(`main`))
	}
	if got := text(`#preview`); !strings.Contains(got, "徐汇区凌云路街道办事处") || !strings.Contains(got, fmt.Sprintf("%d-12-31", next)) {
		t.Errorf("preview: %q", got)
	}
	shot("2-plan-preview.png")
	yes()
	save(`#plan-save`)
	if after := id(fmt.Sprintf(`SELECT count(*) FROM rotation_terms WHERE alliance_id = %d`, alliance)); after != before+5 {
		t.Fatalf("terms: %d before, %d after, want 5 more", before, after)
	}
	if got := text(`main table tbody`); !strings.Contains(got, fmt.Sprintf("%d-01-01", next)) || strings.Contains(got, "已结束") {
		t.Errorf("after saving, the list does not show the planned terms: %q", got)
	}
	shot("3-plan-saved.png")

	// 2. The annual meeting of next year.
	login()
	b.Navigate(fmt.Sprintf("%s/meetings/new?alliance_id=%d&kind=annual", srv.URL, alliance))
	b.WaitVisible(`#title`)
	b.SendKeys(`#title`, fmt.Sprintf("凌云路街道区域化党建联盟%d年年会", next))
	b.SetValue(`#held_on`, fmt.Sprintf("%d-01-15", next))
	b.SetValue(`#start_time`, "09:30")
	b.SendKeys(`#agenda`, "一、回顾上一年度工作\n二、新成员单位签订共建责任书\n三、项目签约\n四、宣布轮值主席单位")
	shot("4-annual-form.png")
	save(`form[action="/meetings"]`)
	var meeting int64
	if _, err := fmt.Sscanf(b.Location()[len(srv.URL):], "/meetings/%d", &meeting); err != nil || meeting == 0 {
		t.Fatalf("after creating: at %s", b.Location())
	}

	// 3. Attendance: the council units attended, one member sent apologies.
	council := []string{"徐汇区凌云路街道办事处", "上海市第八人民医院", "华东理工大学", "上海华谊（集团）公司", "上海徐汇滨江开发投资建设有限公司"}
	for i, name := range council {
		u := id(fmt.Sprintf(`SELECT id FROM units WHERE name = '%s'`, name))
		b.Click(fmt.Sprintf(`#attended_%d`, u))
		b.SendKeys(fmt.Sprintf(`#rep_%d`, u), []string{"王敏", "李强", "张静", "刘洋", "陈晨"}[i])
	}
	absent := id(`SELECT id FROM units WHERE name = '上海市徐汇区图书馆'`)
	b.SendKeys(fmt.Sprintf(`#rep_%d`, absent), "请假")
	save(`#save-attendance`)
	if got := text(`#rate`); !strings.Contains(got, "25.0%（5/20）") {
		t.Errorf("attendance rate: %q, want 25.0%% (5 of the 20 members)", got)
	}

	// 4. Two members are to sign their 共建责任书 at the meeting: not before
	// it is held, says the page next to the list (the meeting is next year).
	for _, name := range []string{"上海市徐汇区图书馆", "上海市徐汇区文化馆"} {
		b.Click(fmt.Sprintf(`#letter_%d`, id(fmt.Sprintf(`SELECT id FROM units WHERE name = '%s'`, name))))
	}
	b.Submit(`#save-letters`)
	b.WaitVisible(`#letters-error`)
	if got := text(`#letters-error`); !strings.Contains(got, "尚未召开") {
		t.Errorf("letters before the meeting: %q", got)
	}
	shot("4-letters-not-yet.png")
	for _, e := range b.NetworkErrors() {
		if !strings.Contains(e, "/annual/letters") { // the refusal is expected
			t.Errorf("errors in the pages: %v", e)
		}
	}
	b = nil
	login()
	b.Navigate(fmt.Sprintf("%s/meetings/%d", srv.URL, meeting))
	b.WaitVisible(`#save-signed`)

	// 5. Three projects signed at it.
	var signed []string
	for _, title := range []string{"青少年暑期托管班", "居民法律咨询服务", "社区健康义诊"} {
		p := id(fmt.Sprintf(`SELECT id FROM projects WHERE title = '%s'`, title))
		b.Click(fmt.Sprintf(`#sign_%d`, p))
		signed = append(signed, title)
	}
	save(`#save-signed`)
	if n := id(fmt.Sprintf(`SELECT count(*) FROM projects WHERE signed_meeting_id = %d`, meeting)); n != 3 {
		t.Errorf("projects signed at the meeting: %d", n)
	}
	shot("5-annual-meeting.png")

	// 6. The meeting pack.
	login()
	b.Navigate(fmt.Sprintf("%s/meetings/%d", srv.URL, meeting))
	b.WaitVisible(`#open-pack`)
	b.Click(`#open-pack`)
	b.WaitVisible(`#pack-signed`)
	pack := text(`main`)
	for _, want := range append(signed, "王敏", "25.0%") {
		if !strings.Contains(pack, want) {
			t.Errorf("the pack lacks %q", want)
		}
	}
	shot("6-pack.png")
	if errs := b.NetworkErrors(); len(errs) > 0 {
		t.Errorf("errors in the pages: %v", errs)
	}
}
