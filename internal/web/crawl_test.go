package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// crawlLimit bounds the pages one account opens; crawlPerRoute bounds the
// addresses of one route, so that the crawl sees many kinds of page rather
// than every page of one list.
const (
	crawlLimit    = 400
	crawlPerRoute = 8
)

// demoAccounts are the seven accounts of the demo.
var demoAccounts = []string{"admin", "secadmin", "auditor", "reviewer", "city", "secretary", "unit"}

// crawlTarget is one address the crawl opens and where it was drawn.
type crawlTarget struct {
	url, from string
	htmx      bool // drawn as an hx-get fragment: asked for as htmx asks
}

// TestEveryLinkOpens crawls the demo as each demo account: from the home
// page it follows, breadth-first, every same-origin link (a[href]), every
// GET form (with its default values) and every htmx fragment (hx-get) a page
// draws. None may answer 403, 404 or 500: a page never offers what its
// viewer cannot open. Downloads (exports, workbooks, files) are asked for
// and their status checked, but not read.
func TestEveryLinkOpens(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			e := srv.App.Web.Echo()
			for _, user := range demoAccounts {
				t.Run(user, func(t *testing.T) {
					c := srv.Client(t)
					c.Login(user, testenv.Password)
					n := crawl(t, c, e, srv.URL, user)
					if n < 5 {
						t.Errorf("%s opened only %d pages", user, n)
					}
				})
			}
		})
	}
}

// crawl walks the pages of one logged-in client and returns how many it opened.
func crawl(t *testing.T, c *testenv.Client, e *echo.Echo, base, user string) int {
	t.Helper()
	queue := []crawlTarget{{url: "/", from: "the login"}}
	seen := map[string]bool{"/": true}
	perRoute := map[string]int{}
	opened := 0
	for len(queue) > 0 && opened < crawlLimit {
		tg := queue[0]
		queue = queue[1:]
		key := crawlRouteKey(e, tg.url)
		if perRoute[key] >= crawlPerRoute {
			continue
		}
		perRoute[key]++
		opened++
		req, err := http.NewRequest(http.MethodGet, c.URL(tg.url), nil)
		if err != nil {
			t.Errorf("%s: bad address %q (from %s): %v", user, tg.url, tg.from, err)
			continue
		}
		if tg.htmx {
			req.Header.Set("HX-Request", "true")
		}
		res := c.Do(req)
		switch {
		case res.Status == http.StatusForbidden || res.Status == http.StatusNotFound || res.Status >= 500:
			t.Errorf("%s: GET %s (drawn on %s) answers %d", user, tg.url, tg.from, res.Status)
			continue
		case res.Status == http.StatusSeeOther || res.Status == http.StatusFound:
			if loc := crawlLocal(base, tg.url, res.Location()); loc != "" && !seen[loc] {
				seen[loc] = true
				queue = append(queue, crawlTarget{url: loc, from: tg.url + " (redirect)"})
			}
			continue
		case res.Status != http.StatusOK:
			continue // e.g. 304, 422 on a form's defaults: nothing refused
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue // a download: its status is all we check
		}
		for _, next := range crawlDrawn(t, res, base, tg.url) {
			if crawlSkip(next.url) || seen[next.url] {
				continue
			}
			seen[next.url] = true
			queue = append(queue, next)
		}
	}
	t.Logf("%s opened %d pages on %d routes (%d more drawn than the bound)", user, opened, len(perRoute), len(queue))
	if os.Getenv("CRAWL_DEBUG") != "" {
		for k, n := range perRoute {
			t.Logf("  %d %s", n, k)
		}
	}
	return opened
}

// crawlRouteKey is the route an address reaches (its pattern, e.g.
// /units/:id): the bound of addresses per route counts on it, so sort, page
// and filter variants of a list do not crowd out the rest.
func crawlRouteKey(e *echo.Echo, raw string) string {
	path, _, _ := strings.Cut(raw, "?")
	ctx := e.NewContext(nil, nil)
	e.Router().Find(http.MethodGet, path, ctx)
	if ctx.Path() == "" {
		return path
	}
	return ctx.Path()
}

// crawlSkip leaves out what a crawl must not follow: logging out, changing
// the language (a GET that sets a cookie and redirects back).
func crawlSkip(u string) bool {
	return u == "/logout" || strings.HasPrefix(u, "/logout?") || strings.HasPrefix(u, "/locale/")
}

// crawlLocal resolves href against the page's address and returns it as a
// local path with its query (no fragment), or "" when it leaves the site.
func crawlLocal(base, page, href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(href, "javascript:") ||
		strings.HasPrefix(href, "mailto:") || strings.HasPrefix(href, "tel:") || strings.HasPrefix(href, "data:") {
		return ""
	}
	b, _ := url.Parse(base)
	p, err := b.Parse(page)
	if err != nil {
		return ""
	}
	u, err := p.Parse(href)
	if err != nil || u.Host != b.Host || u.Scheme != b.Scheme {
		return ""
	}
	out := u.EscapedPath()
	if out == "" {
		out = "/"
	}
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// crawlDrawn lists what a page offers to open: links, GET forms submitted
// with their default values, and htmx fragments.
func crawlDrawn(t *testing.T, res *testenv.Response, base, page string) []crawlTarget {
	t.Helper()
	doc := res.Doc(t)
	var out []crawlTarget
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		if a.AttrOr("download", "x") != "x" || a.Is("[hx-post],[hx-delete],[hx-put],[hx-patch]") {
			return
		}
		if u := crawlLocal(base, page, a.AttrOr("href", "")); u != "" {
			out = append(out, crawlTarget{url: u, from: page})
		}
	})
	doc.Find("[hx-get]").Each(func(_ int, s *goquery.Selection) {
		if u := crawlLocal(base, page, s.AttrOr("hx-get", "")); u != "" {
			out = append(out, crawlTarget{url: u, from: page + " (hx-get)", htmx: true})
		}
	})
	doc.Find("form").Each(func(_ int, f *goquery.Selection) {
		if m := strings.ToLower(f.AttrOr("method", "get")); m != "get" {
			return
		}
		action := f.AttrOr("action", page)
		if action == "" {
			action = page
		}
		u := crawlLocal(base, page, action)
		if u == "" {
			return
		}
		q := crawlFormValues(f)
		if path, _, ok := strings.Cut(u, "?"); ok {
			u = path // a GET form replaces the query of its action
		}
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
		out = append(out, crawlTarget{url: u, from: fmt.Sprintf("%s (form)", page)})
	})
	return out
}

// crawlFormValues are the values a GET form sends as drawn: inputs with their
// value (checked boxes and radios only), selects with their selected (or
// first) option, text areas with their text. Submit buttons send nothing.
func crawlFormValues(f *goquery.Selection) url.Values {
	q := url.Values{}
	f.Find("input[name], select[name], textarea[name]").Each(func(_ int, in *goquery.Selection) {
		name := in.AttrOr("name", "")
		if _, off := in.Attr("disabled"); off {
			return
		}
		switch goquery.NodeName(in) {
		case "select":
			opt := in.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = in.Find("option").First()
			}
			if opt.Length() > 0 {
				v, ok := opt.Attr("value")
				if !ok {
					v = strings.TrimSpace(opt.Text())
				}
				q.Add(name, v)
			}
		case "textarea":
			q.Add(name, in.Text())
		default:
			switch strings.ToLower(in.AttrOr("type", "text")) {
			case "submit", "button", "image", "reset", "file":
				return
			case "checkbox", "radio":
				if _, on := in.Attr("checked"); !on {
					return
				}
				q.Add(name, in.AttrOr("value", "on"))
			default:
				q.Add(name, in.AttrOr("value", ""))
			}
		}
	})
	return q
}
