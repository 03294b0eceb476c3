package web_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
	webfiles "tongxin/web"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestShell walks the platform's promises on both databases.
func TestShell(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			// A route that panics, to prove the recovery path; added by the test only.
			srv.App.Web.Echo().GET("/test/panic", func(echo.Context) error { panic("boom") })
			testenv.CreateUser(t, srv.DB, "li.ming", "", "")

			t.Run("home redirects an anonymous visitor to the login page", func(t *testing.T) {
				res := srv.Client(t).Get("/")
				if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login?next=") {
					t.Fatalf("GET / = %d %q, want 303 to /login", res.Status, res.Location())
				}
			})

			t.Run("login page speaks Chinese with security headers", func(t *testing.T) {
				res := srv.Client(t).Get("/login")
				if res.Status != http.StatusOK {
					t.Fatalf("status %d", res.Status)
				}
				doc := res.Doc(t)
				if lang, _ := doc.Find("html").Attr("lang"); lang != "zh-CN" {
					t.Errorf(`<html lang=%q>, want "zh-CN"`, lang)
				}
				if !strings.Contains(res.Body, "登录") {
					t.Errorf("login page has no 登录")
				}
				for h, want := range map[string]string{
					"X-Frame-Options":        "DENY",
					"X-Content-Type-Options": "nosniff",
					"Referrer-Policy":        "same-origin",
				} {
					if got := res.Header.Get(h); got != want {
						t.Errorf("%s = %q, want %q", h, got, want)
					}
				}
				csp := res.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
					t.Errorf("CSP %q allows inline script", csp)
				}
				if res.Header.Get("X-Request-Id") == "" {
					t.Errorf("no X-Request-Id")
				}
				if doc.Find("script:not([src])").Length() > 0 {
					t.Errorf("page has an inline script, which the CSP forbids")
				}
			})

			t.Run("asset URLs carry a content hash and load", func(t *testing.T) {
				c := srv.Client(t)
				doc := c.Get("/login").Doc(t)
				var urls []string
				doc.Find(`link[rel="stylesheet"], script[src]`).Each(func(_ int, s *goquery.Selection) {
					if v, ok := s.Attr("href"); ok {
						urls = append(urls, v)
					}
					if v, ok := s.Attr("src"); ok {
						urls = append(urls, v)
					}
				})
				if len(urls) < 2 {
					t.Fatalf("want a stylesheet and a script, found %v", urls)
				}
				hashed := regexp.MustCompile(`^/static/.+\.[0-9a-f]{8}\.[a-z]+$`)
				for _, u := range urls {
					if !hashed.MatchString(u) {
						t.Errorf("asset URL %q has no content hash", u)
					}
					res := c.Get(u)
					if res.Status != http.StatusOK {
						t.Errorf("GET %s = %d", u, res.Status)
					}
					if !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
						t.Errorf("GET %s: Cache-Control %q", u, res.Header.Get("Cache-Control"))
					}
				}
				if res := c.Get("/static/css/app.00000000.css"); res.Status != http.StatusNotFound {
					t.Errorf("a wrong hash answers %d, want 404", res.Status)
				}
			})

			t.Run("login through the form, then the home page and logout", func(t *testing.T) {
				c := srv.Client(t)
				c.Login("li.ming", testenv.Password)
				res := c.Get("/")
				if res.Status != http.StatusOK {
					t.Fatalf("GET / after login = %d", res.Status)
				}
				if !strings.Contains(res.Body, "li.ming") {
					t.Errorf("home page does not show the user")
				}
				res = c.Submit("/", "/logout", url.Values{})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("logout = %d", res.Status)
				}
				if res := c.Get("/"); res.Status != http.StatusSeeOther {
					t.Errorf("GET / after logout = %d, want 303", res.Status)
				}
			})

			t.Run("wrong password keeps the username and says why", func(t *testing.T) {
				c := srv.Client(t)
				res := c.Submit("/login", "/login", url.Values{"username": {"li.ming"}, "password": {"wrong"}})
				if res.Status != http.StatusOK {
					t.Fatalf("status %d", res.Status)
				}
				doc := res.Doc(t)
				if v, _ := doc.Find(`input[name="username"]`).Attr("value"); v != "li.ming" {
					t.Errorf("username field = %q, want what was typed", v)
				}
				if !strings.Contains(res.Body, "用户名或密码错误") {
					t.Errorf("no Chinese refusal in the page")
				}
			})

			t.Run("a POST without the CSRF token is refused", func(t *testing.T) {
				c := srv.Client(t)
				c.Get("/login") // gets the CSRF cookie, but the form field is missing below
				res := c.PostForm("/login", url.Values{"username": {"li.ming"}, "password": {testenv.Password}})
				if res.Status != http.StatusBadRequest && res.Status != http.StatusForbidden {
					t.Fatalf("POST /login without token = %d, want 400 or 403", res.Status)
				}
				res = c.PostForm("/login", url.Values{"username": {"li.ming"}, "password": {testenv.Password}, "csrf_token": {"forged"}})
				if res.Status != http.StatusForbidden {
					t.Fatalf("POST /login with a wrong token = %d, want 403", res.Status)
				}
			})

			t.Run("unknown URL answers the 404 page or JSON", func(t *testing.T) {
				c := srv.Client(t)
				res := c.Get("/no/such/page")
				if res.Status != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("page 404 = %d %s", res.Status, res.Header.Get("Content-Type"))
				}
				if !strings.Contains(res.Body, "页面不存在") {
					t.Errorf("404 page is not in Chinese")
				}
				res = c.Get("/api/v1/no-such-thing")
				var body struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				if res.Status != http.StatusNotFound || json.Unmarshal([]byte(res.Body), &body) != nil || body.Error.Code != "not_found" {
					t.Fatalf("API 404 = %d %s", res.Status, res.Body)
				}
			})

			t.Run("the API answers 401 without a login", func(t *testing.T) {
				res := srv.Client(t).Get("/api/v1/me")
				if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, `"unauthenticated"`) {
					t.Fatalf("GET /api/v1/me = %d %s", res.Status, res.Body)
				}
			})

			t.Run("a body over the limit answers 413", func(t *testing.T) {
				c := srv.Client(t)
				big := strings.Repeat("x", int(testenv.Config(t).HTTP.BodyLimit)+1)
				res := c.Send(http.MethodPost, "/login", "application/x-www-form-urlencoded", strings.NewReader("username="+big))
				if res.Status != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413", res.Status)
				}
				if !strings.Contains(res.Body, "大小上限") {
					t.Errorf("413 page does not say why")
				}
			})

			t.Run("a panic answers the 500 page with the request id and the server lives on", func(t *testing.T) {
				c := srv.Client(t)
				res := c.Get("/test/panic")
				if res.Status != http.StatusInternalServerError {
					t.Fatalf("status %d, want 500", res.Status)
				}
				rid := res.Header.Get("X-Request-Id")
				if rid == "" || !strings.Contains(res.Body, rid) {
					t.Errorf("500 page does not show the request id %q", rid)
				}
				if strings.Contains(res.Body, "boom") || strings.Contains(res.Body, "goroutine") {
					t.Errorf("500 page leaks the cause")
				}
				if res := c.Get("/healthz"); res.Status != http.StatusOK {
					t.Errorf("after the panic /healthz = %d", res.Status)
				}
			})

			t.Run("an htmx request gets the content block only", func(t *testing.T) {
				c := srv.Client(t)
				req, _ := http.NewRequest(http.MethodGet, c.URL("/login"), nil)
				req.Header.Set("HX-Request", "true")
				res := c.Do(req)
				if res.Status != http.StatusOK || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `name="username"`) {
					t.Fatalf("htmx fragment: %d %.200s", res.Status, res.Body)
				}
			})

			t.Run("the locale switch changes the language and <html lang>", func(t *testing.T) {
				c := srv.Client(t)
				res := c.Get("/locale/en?next=/login")
				if res.Status != http.StatusSeeOther || res.Location() != "/login" {
					t.Fatalf("switch: %d %s", res.Status, res.Location())
				}
				res = c.Get("/login")
				if lang, _ := res.Doc(t).Find("html").Attr("lang"); lang != "en" || !strings.Contains(res.Body, "Sign in") {
					t.Errorf("after switching: lang %q", lang)
				}
				if res := c.Get("/locale/en?next=//evil.example"); res.Location() != "/" {
					t.Errorf("open redirect through next: %s", res.Location())
				}
			})

			t.Run("operations endpoints", func(t *testing.T) {
				c := srv.Client(t)
				if res := c.Get("/healthz"); res.Status != http.StatusOK {
					t.Errorf("/healthz = %d", res.Status)
				}
				if res := c.Get("/readyz"); res.Status != http.StatusOK {
					t.Errorf("/readyz = %d %s", res.Status, res.Body)
				}
				c.Get("/login")
				res := c.Get("/metrics")
				for _, want := range []string{
					`tongxin_http_request_duration_seconds_bucket{method="GET",route="/login",status="200"`,
					"tongxin_http_requests_in_flight",
					`go_sql_max_open_connections{db_name="tongxin"}`,
					`tongxin_build_info{commit=`,
				} {
					if !strings.Contains(res.Body, want) {
						t.Errorf("/metrics lacks %s", want)
					}
				}
			})
		})
	}
}

// TestReadyzAnswers503WhenMigrationsArePending proves readiness follows the schema.
func TestReadyzAnswers503WhenMigrationsArePending(t *testing.T) {
	db := testenv.NewDB(t, store.SQLite)
	if _, err := db.SQL().Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	srv := testenv.ServeDB(t, db)
	if res := srv.Client(t).Get("/readyz"); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d, want 503", res.Status)
	}
}

// TestNoExternalURLs fails when a template or static file loads something
// from outside: the product runs air-gapped.
func TestNoExternalURLs(t *testing.T) {
	ext := regexp.MustCompile(`(?i)(src|href|action|url)\s*[=(]\s*["']?(https?:)?//`)
	for name, fsys := range map[string]fs.FS{"templates": webfiles.Templates, "static": webfiles.Static} {
		err := fs.WalkDir(fsys, name, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, "/vendor/") {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			if m := ext.Find(b); m != nil {
				t.Errorf("%s references an external URL: %s", p, m)
			}
			if regexp.MustCompile(`@import\s+["']?https?:`).Match(b) {
				t.Errorf("%s imports a stylesheet from outside", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestEveryRouteDeclaresItsPermission walks echo's route table.
func TestEveryRouteDeclaresItsPermission(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	perms := srv.App.Web.Perms()
	for _, r := range srv.App.Web.Echo().Routes() {
		if r.Method == echo.RouteNotFound || strings.HasSuffix(r.Name, "NotFoundHandler") {
			continue
		}
		if _, ok := perms[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s declares no permission in routes.go", r.Method, r.Path)
		}
	}
}

// TestTemplatesUseKnownCatalogKeys fails on a {{.T "key"}} missing from the catalog.
func TestTemplatesUseKnownCatalogKeys(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	cat := srv.App.Web.Catalog()
	re := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err := fs.WalkDir(webfiles.Templates, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(webfiles.Templates, p)
		for _, m := range re.FindAllSubmatch(b, -1) {
			if !cat.Has(string(m[1])) {
				t.Errorf("%s uses %q, which the catalog lacks", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
