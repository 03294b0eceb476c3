package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// projectFormInView is a script answering "ok" when the element of id is
// shown (a <details> open) with its top between the sticky top bar and the
// bottom of the window, and what is wrong otherwise.
func projectFormInView(id string) string {
	return fmt.Sprintf(`(() => {
  const el = document.getElementById(%q);
  if (!el) return "no element";
  if (el.tagName === "DETAILS" && !el.open) return "closed";
  const bar = document.querySelector(".topbar");
  const top = el.getBoundingClientRect().top, barBottom = bar ? bar.getBoundingClientRect().bottom : 0;
  if (top < barBottom - 1) return "under the top bar: top " + top + " < " + barBottom;
  if (top > window.innerHeight - 80) return "below the window: top " + top + " of " + window.innerHeight;
  const field = el.querySelector("textarea, select, input:not([type=hidden])");
  if (field && field.getBoundingClientRect().top > window.innerHeight) return "its first field is below the window";
  return "ok";
})()`, id)
}

// TestBrowserProjectHeaderButtons: on the demo data, every header button of
// a project page that jumps to a form (立项, 退回, 结项, 评估, 取消项目, 推荐为
// 案例) opens that form in view, clear of the sticky top bar: with
// JavaScript (no reload) and without it (the link's ?action=…#act-…).
func TestBrowserProjectHeaderButtons(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	srv := testenv.NewServer(t, store.SQLite)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Authz.Reload(ctx); err != nil { // the demo's roles
		t.Fatal(err)
	}
	project := func(title string) string {
		var id int64
		if err := srv.DB.SQL().QueryRow(`SELECT id FROM projects WHERE title = ?`, title).Scan(&id); err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		return fmt.Sprintf("%s/projects/%d", srv.URL, id)
	}
	cases := []struct {
		user    string
		project string
		buttons []string // the header buttons expected (ids open-<action>)
	}{
		{"reviewer", "居民法律咨询服务", []string{"approve", "return"}}, // submitted
		{"reviewer", "垃圾分类宣传进小区", []string{"evaluate"}},         // completed
		{"reviewer", "化工一村 148 号楼加装电梯", []string{"cancel"}},     // in progress
		{"secretary", "化工一村 148 号楼加装电梯", []string{"complete"}},  // in progress
		{"secretary", "社区健康义诊", []string{"cancel"}},             // draft
	}
	for _, noScript := range []bool{false, true} {
		for _, c := range cases {
			name := fmt.Sprintf("%s on %s (script %v)", c.user, c.project, !noScript)
			b := testenv.NewBrowser(t)
			if noScript {
				b.Run(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
					return chromedp.Void{}, err
				})
			}
			b.Navigate(srv.URL + "/login")
			b.SendKeys(`#username`, c.user)
			b.SendKeys(`#password`, testenv.Password)
			b.Submit(`form[action="/login"]`)
			b.WaitVisible(`details.user-menu`)
			page := project(c.project)
			b.Navigate(page)
			b.WaitVisible(`#project-status`)
			got := testenv.RunValue(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".page-actions a[data-open-details]")).map(a => a.id.replace("open-", ""))`))
			if strings.Join(got, " ") != strings.Join(c.buttons, " ") {
				t.Errorf("%s: header buttons %v, want %v", name, got, c.buttons)
			}
			for _, action := range c.buttons {
				b.Navigate(page) // from the top of the page each time
				b.WaitVisible(`#project-status`)
				b.Click(`#open-` + action)
				target := "act-" + action
				b.WaitVisible(`#` + target + ` form`)
				res := testenv.RunValue(b, chromedp.Evaluate[string](projectFormInView(target)))
				loc := testenv.RunValue(b, chromedp.Evaluate[string](`location.pathname + location.search + location.hash`))
				if res != "ok" {
					b.Screenshot(testenv.ArtifactPath(t, fmt.Sprintf("%s-%s-%v.png", c.user, action, noScript)))
					t.Errorf("%s: after 「%s」: %s (at %s)", name, action, res, loc)
				}
				if noScript && !strings.Contains(loc, "?action="+action+"#"+target) {
					t.Errorf("%s: without script 「%s」 went to %s", name, action, loc)
				}
				if !noScript && strings.Contains(loc, "?action=") {
					t.Errorf("%s: with script 「%s」 reloaded the page: %s", name, action, loc)
				}
			}
			if errs := b.NetworkErrors(); len(errs) > 0 {
				t.Errorf("%s: network or script errors:\n%s", name, strings.Join(errs, "\n"))
			}
		}
	}
}

// TestBrowserListHeaderButtons: 关闭 on a need page, 撤回 on a resource page,
// 取消会议 on a meeting page and 提前交接 on a rotation term's page open their
// form in view, clear of the sticky top bar, with
// JavaScript (no reload) and without it (the link's ?action=…#act-…).
func TestBrowserListHeaderButtons(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Authz.Reload(ctx); err != nil { // the demo's roles
		t.Fatal(err)
	}
	first := func(q string) int64 {
		var id int64
		if err := srv.DB.SQL().QueryRow(q).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	// A planned annual meeting (a long page) of the demo alliance.
	meeting := govMeeting(t, srv, first(`SELECT MIN(id) FROM alliances`), first(`SELECT district_id FROM alliances WHERE id = (SELECT MIN(id) FROM alliances)`))
	// The term of the demo alliance that runs today.
	today := service.AllianceToday(srv.DB.Now())
	terms, err := srv.DB.RotationTermsOf(ctx, first(`SELECT MIN(id) FROM alliances`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var term int64
	for _, rt := range terms {
		if rt.Status != model.RotationHandedOver && !rt.StartsOn.After(today) && !rt.EndsOn.Before(today) {
			term = rt.ID
		}
	}
	if term == 0 {
		t.Fatalf("no term of the demo runs today (%s): %+v", today, terms)
	}
	pages := []struct{ page, action string }{
		{fmt.Sprintf("%s/needs/%d", srv.URL, first(`SELECT MIN(id) FROM needs WHERE status IN ('published', 'partly_claimed')`)), "close"},
		{fmt.Sprintf("%s/resources/%d", srv.URL, first(`SELECT MIN(id) FROM resources WHERE status = 'available'`)), "withdraw"},
		{fmt.Sprintf("%s/meetings/%d", srv.URL, meeting.ID), "cancel"},
		{fmt.Sprintf("%s/rotation-terms/%d", srv.URL, term), "hand-over"},
	}
	for _, noScript := range []bool{false, true} {
		b := testenv.NewBrowser(t)
		if noScript {
			b.Run(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
				return chromedp.Void{}, err
			})
		}
		b.Navigate(srv.URL + "/login")
		b.SendKeys(`#username`, "secretary")
		b.SendKeys(`#password`, testenv.Password)
		b.Submit(`form[action="/login"]`)
		b.WaitVisible(`details.user-menu`)
		for _, p := range pages {
			name := fmt.Sprintf("%s on %s (script %v)", p.action, p.page, !noScript)
			target := "act-" + p.action
			b.Navigate(p.page)
			b.WaitVisible(`#open-` + p.action)
			if res := testenv.RunValue(b, chromedp.Evaluate[string](projectFormInView(target))); res != "closed" {
				t.Errorf("%s: before the click the form is %q, want closed", name, res)
			}
			b.Click(`#open-` + p.action)
			b.WaitVisible(`#` + target + ` form`)
			res := testenv.RunValue(b, chromedp.Evaluate[string](projectFormInView(target)))
			loc := testenv.RunValue(b, chromedp.Evaluate[string](`location.pathname + location.search + location.hash`))
			if res != "ok" {
				b.Screenshot(testenv.ArtifactPath(t, fmt.Sprintf("%s-%v.png", p.action, noScript)))
				t.Errorf("%s: %s (at %s)", name, res, loc)
			}
			if noScript && !strings.Contains(loc, "?action="+p.action+"#"+target) {
				t.Errorf("%s: without script went to %s", name, loc)
			}
			if !noScript && strings.Contains(loc, "?action=") {
				t.Errorf("%s: with script reloaded the page: %s", name, loc)
			}
		}
		if errs := b.NetworkErrors(); len(errs) > 0 {
			t.Errorf("network or script errors:\n%s", strings.Join(errs, "\n"))
		}
	}
}
