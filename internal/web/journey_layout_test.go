package web_test

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"tongxin/internal/app"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// layoutProbe measures the page as it is drawn: how wide the document is
// against the window, and which elements stick out past the right edge (the
// deepest few, to say what to fix).
const layoutProbe = `(() => {
	const w = window.innerWidth;
	const out = [];
	for (const el of document.querySelectorAll("body *")) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.right <= w + 0.5) continue;
		let clipped = false;
		for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			const s = getComputedStyle(p);
			if (s.overflowX !== "visible" || s.position === "fixed") { clipped = true; break; }
		}
		if (clipped) continue;
		if ([...el.children].some(c => c.getBoundingClientRect().right > w + 0.5)) continue;
		out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") + "→" + Math.round(r.right));
		if (out.length >= 6) break;
	}
	return {scroll: document.documentElement.scrollWidth, inner: w, over: out.join(", ")};
})()`

// visibleInViewport says whether the first element matching sel is drawn
// and lies wholly inside the window.
func visibleInViewport(sel string) string {
	return fmt.Sprintf(`(() => {
	const el = document.querySelector(%q);
	if (!el) return "missing";
	const r = el.getBoundingClientRect();
	const s = getComputedStyle(el);
	if (r.width === 0 || r.height === 0 || s.visibility === "hidden") return "hidden";
	if (r.left < -0.5 || r.right > window.innerWidth + 0.5 || r.top < -0.5 || r.bottom > window.innerHeight + 0.5) return "outside " + JSON.stringify([r.left, r.top, r.right, r.bottom]);
	return "ok";
})()`, sel)
}

type layoutProbeResult struct {
	Scroll int    `json:"scroll"`
	Inner  int    `json:"inner"`
	Over   string `json:"over"`
}

// TestBrowserEveryMenuPageFitsTheScreen opens, for every demo account, every
// page of its left menu on a phone (390×844) and on the office screen
// (1366×768): no page is wider than the window (on the phone, nor the page
// of each list's first row), the user menu opens with 退出 in view, and the
// left menu can be opened (on the phone by its toggle, and without
// JavaScript by its #menu link).
func TestBrowserEveryMenuPageFitsTheScreen(t *testing.T) {
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
	type size struct {
		name string
		w, h int64
	}
	for _, user := range []string{"admin", "secadmin", "auditor", "reviewer", "city", "secretary", "unit"} {
		for _, sz := range []size{{"phone", 390, 844}, {"office", 1366, 768}} {
			t.Run(user+"/"+sz.name, func(t *testing.T) {
				narrow := sz.w < 960
				b := testenv.NewBrowser(t)
				b.Run(chromedp.EmulateViewport(sz.w, sz.h))
				b.Navigate(srv.URL + "/login")
				if p := testenv.RunValue(b, chromedp.Evaluate[layoutProbeResult](layoutProbe)); p.Scroll > p.Inner {
					t.Errorf("/login at %d px: the page is %d px wide (sticking out: %s)", sz.w, p.Scroll, p.Over)
				}
				b.SendKeys(`#username`, user)
				b.SendKeys(`#password`, testenv.Password)
				b.Submit(`form[action="/login"]`)
				b.Run(chromedp.WaitReady(chromedp.CSS(`nav.sidebar`)))
				menu := testenv.RunValue(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("nav.sidebar a.menu-item")].map(a => a.getAttribute("href"))`))
				if len(menu) == 0 {
					t.Fatalf("%s has no menu", user)
				}
				var details []string // the first row's page of each list, on the phone
				for i, href := range menu {
					b.Navigate(srv.URL + href)
					b.WaitVisible(`#main`)
					if narrow {
						// The first row's page and the forms the page offers (新增, 导入).
						more := testenv.RunValue(b, chromedp.Evaluate[[]string](`(() => {
	const out = [];
	const a = document.querySelector("#main table tbody a[href^='/']");
	if (a) out.push(a.getAttribute("href"));
	for (const f of document.querySelectorAll("#main .toolbar a.btn[href^='/'], #main .page-actions a.btn[href^='/']")) out.push(f.getAttribute("href"));
	return out;
})()`))
						for _, d := range more {
							file, _, _ := strings.Cut(d, "?")
							if d != "" && !strings.Contains(d, "export") && !strings.Contains(d, "format=") && path.Ext(file) == "" && !slices.Contains(details, d) {
								details = append(details, d)
							}
						}
					}
					p := testenv.RunValue(b, chromedp.Evaluate[layoutProbeResult](layoutProbe))
					if p.Inner != int(sz.w) {
						t.Fatalf("window is %d px wide, want %d", p.Inner, sz.w)
					}
					if p.Scroll > p.Inner {
						t.Errorf("%s at %d px: the page is %d px wide (sticking out: %s)", href, sz.w, p.Scroll, p.Over)
					}
					if narrow {
						b.Screenshot(testenv.ArtifactPath(t, fmt.Sprintf("%02d%s.png", i, shotName(href))))
					}

					// The user menu opens with 退出 in view.
					b.Click(`.user-menu > summary`)
					if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(`.user-menu form[action="/logout"] button`))); got != "ok" {
						t.Errorf("%s at %d px: 退出 after opening the user menu: %s", href, sz.w, got)
					}
					b.Click(`.user-menu > summary`)

					// The left menu: always there on the office screen; on the
					// phone closed until its toggle opens it.
					current := fmt.Sprintf(`nav.sidebar a.menu-item[href=%q]`, href)
					if narrow {
						if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(`nav.sidebar`))); got != "hidden" {
							t.Errorf("%s at %d px: the closed menu is %s, want hidden", href, sz.w, got)
						}
						b.Click(`.menu-toggle`)
						if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(current))); got != "ok" {
							t.Errorf("%s at %d px: after the toggle, the menu's own entry is %s", href, sz.w, got)
						}
						if i == 0 {
							b.Screenshot(testenv.ArtifactPath(t, "menu-open.png"))
						}
						b.Click(`.menu-toggle`)
						if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(`nav.sidebar`))); got != "hidden" {
							t.Errorf("%s at %d px: the menu after closing it is %s", href, sz.w, got)
						}
					} else if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(current))); got != "ok" {
						t.Errorf("%s at %d px: the menu's own entry is %s", href, sz.w, got)
					}
				}
				if errs := b.NetworkErrors(); len(errs) > 0 {
					t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
				}
				// (The pages behind the lists are only measured here: the
				// links and fragments they draw are the crawl tests' affair.)
				for i, href := range details {
					b.Navigate(srv.URL + href)
					b.WaitVisible(`#main`)
					p := testenv.RunValue(b, chromedp.Evaluate[layoutProbeResult](layoutProbe))
					if p.Scroll > p.Inner {
						t.Errorf("%s at %d px: the page is %d px wide (sticking out: %s)", href, sz.w, p.Scroll, p.Over)
					}
					if i < 6 {
						b.Screenshot(testenv.ArtifactPath(t, fmt.Sprintf("detail%02d%s.png", i, shotName(href))))
					}
				}
				if !narrow {
					b.Navigate(srv.URL + "/")
					b.WaitVisible(`#main`)
					b.Screenshot(testenv.ArtifactPath(t, "home.png"))
				}
				if narrow {
					// Without JavaScript the toggle is a link to #menu, which
					// the stylesheet opens by :target; 关闭菜单 links away.
					b.Run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
						_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
						return err
					}))
					b.Navigate(srv.URL + menu[0])
					b.WaitVisible(`#main`)
					first := fmt.Sprintf(`nav.sidebar a.menu-item[href=%q]`, menu[0])
					if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(`nav.sidebar`))); got != "hidden" {
						t.Errorf("without JavaScript the closed menu is %s", got)
					}
					b.Click(`.menu-toggle`)
					if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(first))); got != "ok" {
						t.Errorf("without JavaScript, after the toggle the menu's entry is %s", got)
					}
					b.Click(`.sidebar-close`)
					if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(`nav.sidebar`))); got != "hidden" {
						t.Errorf("without JavaScript, after 关闭菜单 the menu is %s", got)
					}
					b.Click(`.user-menu > summary`)
					if got := testenv.RunValue(b, chromedp.Evaluate[string](visibleInViewport(`.user-menu form[action="/logout"] button`))); got != "ok" {
						t.Errorf("without JavaScript, 退出 after opening the user menu: %s", got)
					}
				}
			})
		}
	}
}

// shotName turns a path into part of a file name.
func shotName(href string) string {
	href, _, _ = strings.Cut(href, "?")
	href, _, _ = strings.Cut(href, "#")
	return strings.ReplaceAll(href, "/", "_")
}
