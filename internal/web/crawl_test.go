package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// TestEveryDemoAccountCanOpenItsMenu logs in as each demo account on the demo
// map and opens every menu entry, the first detail link of each list and its
// forms: every page a person is offered answers 200 (no 403, 404 or 500).
func TestEveryDemoAccountCanOpenItsMenu(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			for _, user := range []string{"admin", "secadmin", "auditor", "reviewer", "city", "secretary", "unit"} {
				t.Run(user, func(t *testing.T) {
					c := srv.Client(t)
					c.Login(user, testenv.Password)
					home := c.Get("/")
					if home.Status != http.StatusOK {
						t.Fatalf("home: %d", home.Status)
					}
					var menu []string
					// The menu and the links of the home page itself.
					home.Doc(t).Find("nav.sidebar a[href], #main a[href^='/']").Each(func(_ int, a *goquery.Selection) {
						menu = append(menu, a.AttrOr("href", ""))
					})
					if len(menu) < 2 && user != "unit" {
						t.Fatalf("menu of %s: %v", user, menu)
					}
					seen := map[string]bool{}
					open := func(from, path string) *testenv.Response {
						if seen[path] {
							return nil
						}
						seen[path] = true
						res := c.Get(path)
						if res.Status != http.StatusOK {
							t.Errorf("%s: %s (linked from %s) answers %d", user, path, from, res.Status)
							return nil
						}
						return res
					}
					defer func() { t.Logf("%s opened %d pages", user, len(seen)) }()
					for _, p := range menu {
						res := open("the menu", p)
						if res == nil {
							continue
						}
						doc := res.Doc(t)
						// The first row's link and the toolbar's 新增 form.
						if href, ok := doc.Find("table tbody a[href^='/']").First().Attr("href"); ok {
							open(p, href)
						}
						doc.Find(".toolbar a.btn[href^='/']").Each(func(_ int, a *goquery.Selection) {
							if href := a.AttrOr("href", ""); !strings.Contains(href, "export") && !strings.Contains(href, "format=") {
								open(p, href)
							}
						})
					}
				})
			}
		})
	}
}
