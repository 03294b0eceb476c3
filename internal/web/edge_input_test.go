package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// concretePath fills a route's parameters with plausible values.
func concretePath(route string) string {
	var out []string
	for _, seg := range strings.Split(route, "/") {
		switch {
		case seg == ":kind":
			seg = "category"
		case seg == ":section":
			seg = "summary"
		case seg == ":lang":
			seg = "zh-CN"
		case seg == ":token":
			seg = "abc"
		case seg == "*":
			seg = "x"
		case strings.HasPrefix(seg, ":"):
			seg = "1"
		}
		out = append(out, seg)
	}
	return strings.Join(out, "/")
}

// TestNulAndRangeRefused walks every GET route with a NUL byte in q and in
// other parameters, and every JSON create and update with 32-bit columns
// past their range: each answers 400 naming the field, never a 500, on
// both databases. Search, which reached the database with the NUL on
// SQLite too, is among them.
func TestNulAndRangeRefused(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
			var clients []*testenv.Client
			for _, name := range []string{"root"} {
				c := srv.Client(t)
				c.Login(name, testenv.Password)
				clients = append(clients, c)
			}
			var routes []string
			for k := range srv.App.Web.Perms() {
				routes = append(routes, k)
			}
			sort.Strings(routes)
			n := 0
			for _, k := range routes {
				method, route, _ := strings.Cut(k, " ")
				if method != http.MethodGet || strings.HasPrefix(route, "/static/") || route == "/healthz" || route == "/readyz" || route == "/metrics" {
					continue
				}
				p := concretePath(route)
				for _, q := range []string{"q=x%00y", "after=x%00y", "year=2147483648"} {
					for _, c := range clients {
						n++
						res := c.Get(p + "?" + q)
						if res.Status >= 500 {
							t.Fatalf("GET %s?%s: %d", p, q, res.Status)
						}
						if res.Status != http.StatusBadRequest {
							t.Fatalf("GET %s?%s: %d, want 400", p, q, res.Status)
						}
						field, _, _ := strings.Cut(q, "=")
						if strings.HasPrefix(p, "/api/") && !strings.Contains(res.Body, `"`+field+`"`) {
							t.Fatalf("GET %s?%s: the error does not name %s: %s", p, q, field, res.Body)
						}
					}
				}
			}
			// The search page says why, in Chinese.
			if res := clients[0].Get("/search?q=x%00y"); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "空字符") {
				t.Fatalf("search with NUL: %d %.300s", res.Status, res.Body)
			}
			// A path with a NUL.
			if res := clients[0].Get("/api/v1/dictionary/x%00y"); res.Status != http.StatusBadRequest {
				t.Fatalf("NUL in the path: %d", res.Status)
			}

			// Every JSON create and update, with each INTEGER column past its range.
			c := clients[0]
			for _, k := range routes {
				method, route, _ := strings.Cut(k, " ")
				if (method != http.MethodPost && method != http.MethodPatch) || !strings.HasPrefix(route, "/api/v1/") {
					continue
				}
				p := concretePath(route)
				for _, field := range []string{"target_beneficiaries", "beneficiaries", "version"} {
					for _, v := range []string{"2147483648", "-2147483649"} {
						n++
						res := sessionJSON(c, method, p, fmt.Sprintf(`{"%s": %s}`, field, v))
						if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"`+field+`"`) {
							t.Fatalf("%s %s with %s=%s: %d %s, want 400 naming the field", method, p, field, v, res.Status, res.Body)
						}
					}
				}
				res := sessionJSON(c, method, p, `{"title": "x\u0000y"}`)
				if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"title"`) {
					t.Fatalf("%s %s with a NUL in title: %d %s", method, p, res.Status, res.Body)
				}
			}
			// A form too: the project form with a target past the range.
			form := url.Values{"csrf_token": {c.CSRFCookie()}, "title": {"x"}, "target_beneficiaries": {"2147483648"}}
			if res := c.PostForm("/projects", form); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "target_beneficiaries") {
				t.Fatalf("project form with a target past the range: %d %.300s", res.Status, res.Body)
			}
			form = url.Values{"csrf_token": {c.CSRFCookie()}, "title": {"x\x00y"}}
			if res := c.PostForm("/needs", form); res.Status != http.StatusBadRequest {
				t.Fatalf("need form with NUL: %d", res.Status)
			}
			t.Logf("%s: %d requests", d, n)
		})
	}
}
