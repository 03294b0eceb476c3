package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tongxin/internal/app"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserClaimJourney: on the demo alliance, the contact of 第八人民医院
// claims part of the volunteer team (a resource, for their own 老年助餐 need)
// and part of the waste-sorting need; the secretary sees the bell and the
// messages, opens each and accepts it; the resource's remaining capacity and
// the need's coverage change on their pages; the contact reads 已接受 in
// their inbox.
func TestBrowserClaimJourney(t *testing.T) {
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
	team := id(`SELECT id FROM resources WHERE title = '社区志愿者服务队'`)
	meals := id(`SELECT id FROM needs WHERE title = '老年助餐送餐服务'`)
	sorting := id(`SELECT id FROM needs WHERE title = '垃圾分类宣传进小区'`)

	// Each person gets a browser of their own (and its own time budget).
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

	// 1. The unit contact claims 30 of the team's 200 person-times for their need.
	login("unit")
	b.Navigate(fmt.Sprintf("%s/resources/%d", srv.URL, team))
	b.WaitVisible(`#claim-coverage`) // the claims fragment, loaded by htmx
	if got := text(`#claim-coverage`); !strings.Contains(got, "剩余可认领 200 / 200 人次") {
		t.Fatalf("before: %q", got)
	}
	b.Navigate(fmt.Sprintf("%s/resources/%d/claim", srv.URL, team))
	b.WaitVisible(`#quantity`)
	b.SetValue(`#quantity`, "30")
	b.SetValue(`#link_id`, fmt.Sprint(meals))
	b.SendKeys(`#note`, "助餐送餐每周五次，需要志愿者配合。")
	shot("1-claim-form.png")
	b.Submit(fmt.Sprintf(`form[action="/resources/%d/claim"]`, team))
	b.WaitVisible(`.flash-success`)
	if loc := b.Location(); !strings.HasSuffix(loc, fmt.Sprintf("/resources/%d", team)) {
		t.Fatalf("after claiming: at %s", loc)
	}
	b.WaitVisible(`#claim-coverage`)
	shot("2-claimed.png")
	// And 15 of the 40 person-times of the waste-sorting need.
	b.Navigate(fmt.Sprintf("%s/needs/%d/claim", srv.URL, sorting))
	b.WaitVisible(`#quantity`)
	b.SetValue(`#quantity`, "15")
	b.Submit(fmt.Sprintf(`form[action="/needs/%d/claim"]`, sorting))
	b.WaitVisible(`.flash-success`)

	// 2. The secretary: the bell, the inbox, each claim accepted.
	login("secretary")
	if badge := text(`#inbox-bell .badge`); badge == "" || badge == "0" {
		t.Fatalf("the secretary's bell shows %q", badge)
	}
	b.Navigate(srv.URL + "/inbox")
	b.WaitVisible(`#inbox`)
	shot("3-secretary-inbox.png")
	for i, title := range []string{"社区志愿者服务队", "垃圾分类宣传进小区"} {
		if i > 0 {
			b.Navigate(srv.URL + "/inbox")
			b.WaitVisible(`#inbox`)
		}
		amount := map[int]string{0: "数量 30 人次", 1: "数量 15 人次"}[i]
		href := testenv.RunValue(b, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
	for (const tr of document.querySelectorAll("#inbox tr.inbox-unread")) {
		const s = tr.textContent.replace(/\s+/g, " ");
		if (s.includes(%q) && s.includes("上海市第八人民医院") && s.includes(%q)) return tr.querySelector("a[href^='/inbox/']").getAttribute("href");
	}
	return "";
})()`, title, amount)))
		if href == "" {
			t.Fatalf("no unread message about %s in the secretary's inbox: %s", title, text(`#inbox`))
		}
		b.Navigate(srv.URL + href)
		b.WaitVisible(`#claim-accept`)
		if title == "社区志愿者服务队" {
			shot("4-claim-to-accept.png")
		}
		yes()
		b.Click(`#claim-accept`)
		b.WaitVisible(`.flash-success`)
		if got := text(`#claim-status`); got != "已接受" {
			t.Fatalf("claim on %s: %q", title, got)
		}
	}

	b.Navigate(srv.URL + "/claims?view=decide")
	b.WaitVisible(`table.table`)
	shot("5-claims-to-decide.png")

	// 3. The resource has 170 left; the need is partly covered (15 of 40).
	b.Navigate(fmt.Sprintf("%s/resources/%d", srv.URL, team))
	b.WaitVisible(`#claim-coverage`)
	if got := text(`#claim-coverage`); !strings.Contains(got, "剩余可认领 170 / 200 人次") {
		t.Errorf("resource after: %q", got)
	}
	b.Navigate(fmt.Sprintf("%s/needs/%d", srv.URL, sorting))
	b.WaitVisible(`#claim-coverage`)
	shot("6-need-covered.png")
	if got := text(`#claim-coverage`); !strings.Contains(got, "部分认领") || !strings.Contains(got, "剩余可认领 25 / 40 人次") {
		t.Errorf("need after: %q", got)
	}

	// 4. The contact reads 已接受 in their inbox.
	login("unit")
	b.Navigate(srv.URL + "/inbox?state=unread")
	b.WaitVisible(`#inbox`)
	shot("7-claimant-inbox.png")
	if got := text(`#inbox`); !strings.Contains(got, "已接受") || !strings.Contains(got, "社区志愿者服务队") || !strings.Contains(got, "垃圾分类宣传进小区") {
		t.Errorf("claimant's inbox: %q", got)
	}
	if errs := append(errs, b.NetworkErrors()...); len(errs) > 0 {
		t.Errorf("network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
