package web_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
)

// TestBackParameterStaysOnSite: POST /reviews/approve follows back only to
// a path of this site; the tricks browsers read as another host fall back
// to the review queue. So do next on the login form and on claims.
func TestBackParameterStaysOnSite(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
	c := srv.Client(t)
	c.Login("rev", testenv.Password)
	for back, want := range map[string]string{
		"/\\evil.example":      "/reviews",
		"/%09/evil.example":    "/reviews",
		"/\t/evil.example":     "/reviews",
		"//evil.example":       "/reviews",
		"https://evil.example": "/reviews",
		"/%5C%5Cevil.example":  "/reviews",
		"/reviews?status=x":    "/reviews?status=x",
	} {
		res := c.Submit("/reviews", "/reviews/approve", url.Values{"back": {back}})
		if res.Status != http.StatusSeeOther || res.Location() != want {
			t.Errorf("back=%q: %d → %q, want %q", back, res.Status, res.Location(), want)
		}
	}
	anon := srv.Client(t)
	for _, next := range []string{"/\\evil.example", "/%09/evil.example"} {
		res := anon.Get("/login?next=" + url.QueryEscape(next))
		if v, _ := res.Doc(t).Find(`input[name="next"]`).Attr("value"); v != "/" {
			t.Errorf("login form keeps next=%q as %q", next, v)
		}
	}
}

// TestSignedInAnswersAreNotStored: every answer to a signed-in user, and
// the login that sets the session cookie, says Cache-Control: no-store;
// static files keep their long caching.
func TestSignedInAnswersAreNotStored(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
	c := srv.Client(t)
	res := c.Submit("/login", "/login", url.Values{"username": {"root"}, "password": {testenv.Password}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login: %d, Cache-Control %q", res.Status, res.Header.Values("Cache-Control"))
	}
	for _, p := range []string{"/", "/admin/users", "/api/v1/me", "/api/v1/users", "/profile", "/no-such-page"} {
		res := c.Get(p)
		if cc := res.Header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control %q, want no-store", p, res.Status, cc)
		}
	}
	css, _ := srv.App.Web.Assets().URL("css/app.css")
	if res := c.Get(css); res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d, Cache-Control %q", css, res.Status, res.Header.Get("Cache-Control"))
	}
}

// TestMetricsProtected: with metrics.token, /metrics asks for it; with
// metrics.listen, the main address answers 404 and the other one serves
// them (still behind the token).
func TestMetricsProtected(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite, func(c *config.Config) { c.Metrics.Token = "s3cret-token" })
	c := srv.Client(t)
	if res := c.Get("/metrics"); res.Status != http.StatusUnauthorized {
		t.Fatalf("metrics without the token: %d", res.Status)
	}
	c.Header.Set("Authorization", "Bearer wrong")
	if res := c.Get("/metrics"); res.Status != http.StatusUnauthorized {
		t.Fatalf("metrics with a wrong token: %d", res.Status)
	}
	c.Header.Set("Authorization", "Bearer s3cret-token")
	if res := c.Get("/metrics"); res.Status != http.StatusOK || !strings.Contains(res.Body, "tongxin_http_requests_shed_total") {
		t.Fatalf("metrics with the token: %d", res.Status)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, real := serveReal(t, store.SQLite, func(c *config.Config) { c.Metrics.Listen, c.Metrics.Token = addr, "s3cret-token" })
	rc := real.Client(t)
	rc.Header.Set("Authorization", "Bearer s3cret-token")
	if res := rc.Get("/metrics"); res.Status != http.StatusNotFound {
		t.Fatalf("metrics on the main address with metrics.listen set: %d", res.Status)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics on metrics.listen: %d", res.StatusCode)
	}
	if res, err := http.Get("http://" + addr + "/metrics"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metrics on metrics.listen without the token: %v %v", res, err)
	}
}

// TestOpenAPIPathParamTypes: each /api/v1 path parameter is declared with
// the type its handler reads: ids integer, names (a dictionary's kind, an
// annual section) string. A name the handler reads as a string answers for
// a name; an id answers 404 for a word.
func TestOpenAPIPathParamTypes(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
	c := srv.Client(t)
	c.Login("root", testenv.Password)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema struct {
					Type string `json:"type"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(c.Get("/api/v1/openapi.json").Body), &doc); err != nil {
		t.Fatal(err)
	}
	kindType := ""
	for _, p := range doc.Paths["/api/v1/dictionary/{kind}"]["get"].Parameters {
		if p.In == "path" && p.Name == "kind" {
			kindType = p.Schema.Type
		}
	}
	if kindType != "string" {
		t.Fatalf("/dictionary/{kind}: kind is %q, want a string", kindType)
	}
	if res := c.Get("/api/v1/dictionary/" + model.DictionaryKinds[0]); res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/dictionary/%s: %d", model.DictionaryKinds[0], res.Status)
	}
	checked := 0
	for key := range srv.App.Web.Perms() {
		method, route, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(route, "/api/v1/") {
			continue
		}
		oa := route
		for _, seg := range strings.Split(route, "/") {
			if strings.HasPrefix(seg, ":") {
				oa = strings.Replace(oa, seg, "{"+seg[1:]+"}", 1)
			}
		}
		op := doc.Paths[oa][strings.ToLower(method)]
		for _, seg := range strings.Split(route, "/") {
			if !strings.HasPrefix(seg, ":") {
				continue
			}
			name := seg[1:]
			var declared string
			for _, p := range op.Parameters {
				if p.In == "path" && p.Name == name {
					declared = p.Schema.Type
				}
			}
			if declared != web.PathParamType(name) {
				t.Errorf("%s: {%s} declared %q, want %q", key, name, declared, web.PathParamType(name))
			}
			isID := name == "id" || strings.HasSuffix(name, "id")
			if (declared == "integer") != isID {
				t.Errorf("%s: {%s} is declared %s; an id is an integer, a name a string (stringPathParams in openapi.go)", key, name, declared)
			}
			if method == http.MethodGet && declared == "integer" {
				// The handler reads an id: a word is no id (404 or 400, never 200 or 500).
				p := strings.Replace(concretePath(strings.Replace(route, seg, "word", 1)), "word", "notanid", 1)
				res := c.Get(p)
				switch res.Status {
				case http.StatusForbidden: // the sysadmin may not read it: not probed
				case http.StatusNotFound, http.StatusBadRequest:
					checked++
				default:
					t.Errorf("GET %s: %d, want 404 for a word where an id goes", p, res.Status)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d id parameters probed", checked)
	}
}
