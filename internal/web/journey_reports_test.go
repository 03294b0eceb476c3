package web_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/model"
	"tongxin/internal/report/reporttest"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserReportsJourney is issue 9's journey: the district reviewer
// opens the dashboard, drills into a district figure to the list of
// projects behind it (the list's count equals the tile), does the same for
// the needs met, opens the report for the year, and exports the annual pack.
func TestBrowserReportsJourney(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	reporttest.Build(t, srv.DB)
	srv.CreateUser(t, "rj_reviewer", model.RoleDistrictReviewer, "district:310104")
	b := testenv.NewBrowser(t)
	shot := func(name string) { b.Screenshot(testenv.ArtifactPath(t, name)) }
	text := func(sel string) string { return strings.Join(strings.Fields(b.Text(sel)), " ") }

	b.Navigate(srv.URL + "/login")
	b.SendKeys(`#username`, "rj_reviewer")
	b.SendKeys(`#password`, testenv.Password)
	b.Submit(`form[action="/login"]`)
	b.WaitVisible(`#dashboard`)
	shot("1-dashboard.png")

	// 1. A district figure: the projects in progress this year.
	for _, tile := range []struct{ key, list string }{{"status_in_progress", "/projects"}, {"status_submitted", "/projects"}, {"needs_met", "/needs"}} {
		sel := `a[data-tile="` + tile.key + `"]`
		value := text(sel + ` .stat-value`)
		if value == "" || value == "0" {
			t.Fatalf("tile %s shows %q", tile.key, value)
		}
		b.Click(sel)
		b.WaitVisible(`.pager-total`)
		if loc := b.Location(); !strings.Contains(loc, tile.list+"?") || !strings.Contains(loc, "district_id=310104") {
			t.Errorf("tile %s led to %s", tile.key, loc)
		}
		if got := text(`.pager-total`); got != "共 "+value+" 条" {
			t.Errorf("tile %s = %s, its list says %q", tile.key, value, got)
		}
		if tile.key == "status_in_progress" {
			shot("2-drill-down.png")
		}
		b.Navigate(srv.URL + "/")
		b.WaitVisible(`#dashboard`)
	}

	// 2. The report of the year, then the annual pack.
	b.Navigate(srv.URL + "/reports?scope=district&district_id=310104&period=year&year=2026&group_by=alliance")
	b.WaitVisible(`[data-report=groups]`)
	shot("3-report-by-alliance.png")
	b.Navigate(srv.URL + "/reports?scope=district&district_id=310104&period=year&year=2026")
	b.WaitVisible(`[data-report=totals]`)
	shot("4-report-totals.png")
	if got := text(`tr[data-counter="projects_approved"] td.num`); got != "3" {
		t.Errorf("approved in 2026 = %q, want 3", got)
	}
	pack := b.HTML()
	i := strings.Index(pack, `data-export="pack"`)
	if i < 0 {
		t.Fatal("no annual pack link")
	}
	href := pack[strings.LastIndex(pack[:i], `href="`)+6:]
	href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
	// The download itself, with the reviewer's session.
	c := srv.Client(t)
	c.Login("rj_reviewer", testenv.Password)
	res := c.Get(href)
	if res.Status != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("pack %s: %d %v", href, res.Status, res.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	// The status breakdown is one sheet per entity (项目, 需求, 资源, 认领).
	if sheets := f.GetSheetList(); len(sheets) != 10 || sheets[4] != "按状态（项目）" || sheets[9] != "计数口径" {
		t.Errorf("pack sheets %v", sheets)
	}
	b.Navigate(srv.URL + "/reports/counters")
	b.WaitVisible(`#projects_approved`)
	shot("5-glossary.png")
	b.Navigate(srv.URL + "/search?q=" + "报表需求")
	b.WaitVisible(`section.search-group`)
	shot("6-search.png")
	b.Navigate(srv.URL + "/inbox")
	b.WaitVisible(`#awaiting`)
	shot("7-inbox-awaiting.png")
	if errs := b.NetworkErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
