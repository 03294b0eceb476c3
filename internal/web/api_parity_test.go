package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
)

// Every page action has its API operation (API.md: "whatever a person can do
// on a page, a program can do through the API").

// pageActionExempt lists the page actions (POST routes of pages) that have
// no API operation on purpose, each with the reason. Add to it only what a
// program must not do or cannot mean.
var pageActionExempt = map[string]string{
	// Signing in makes a browser session; programs authenticate with a
	// personal API token (Authorization: Bearer) and never log in.
	"POST /login": "browser sign-in",
	// Ends the browser session; a token ends with DELETE /api/v1/tokens/{id}.
	"POST /logout": "browser sign-out",
	// A password is changed by its person, in the browser, with the current
	// password: a token must not be able to change it (a leaked token would
	// take the account over).
	"POST /profile/password": "password change is interactive",
}

// pageActionAPI names the API operation of a page action whose path does not
// follow the rule (the page path under /api/v1, /admin dropped, as POST or
// PATCH).
var pageActionAPI = map[string]string{
	"POST /admin/users/:id/roles":                  "POST /api/v1/role-assignments",
	"POST /profile/tokens":                         "POST /api/v1/tokens",
	"POST /profile/tokens/:id/revoke":              "DELETE /api/v1/tokens/:id",
	"POST /committees/:id/members":                 "POST /api/v1/committees/:id/members/:unit_id",
	"POST /committees/:id/members/:unit_id/remove": "DELETE /api/v1/committees/:id/members/:unit_id",
	"POST /needs/:id/claim":                        "POST /api/v1/claims",
	"POST /resources/:id/claim":                    "POST /api/v1/claims",
	"POST /inbox/read-all":                         "POST /api/v1/notifications/read-all",
	"POST /inbox/:id/read":                         "POST /api/v1/notifications/:id/read",
	"POST /rotation-terms/plan":                    "POST /api/v1/rotation-terms/plan/save",
}

// pageDownloadAPI names the API operation of page downloads that are not a
// list's export.
var pageDownloadAPI = map[string]string{
	"GET /reports/pack.xlsx":               "GET /api/v1/reports/pack.xlsx",
	"GET /meetings/:id/pack":               "GET /api/v1/meetings/:id/pack",
	"GET /meetings/:id/pack.xlsx":          "GET /api/v1/meetings/:id/pack.xlsx",
	"GET /search":                          "GET /api/v1/search",
	"GET /units/:id/profile":               "GET /api/v1/units/:id/profile",
	"GET /imports/template/units.xlsx":     "GET /api/v1/imports/template/units.xlsx",
	"GET /imports/template/needs.xlsx":     "GET /api/v1/imports/template/needs.xlsx",
	"GET /imports/template/resources.xlsx": "GET /api/v1/imports/template/resources.xlsx",
	"GET /imports/template/projects.xlsx":  "GET /api/v1/imports/template/projects.xlsx",
}

// TestEveryPageActionHasAnAPIOperation walks the route table: every POST
// route of a page has an /api/v1 operation (by the rule, by pageActionAPI)
// or a reasoned exemption; every list export of a page has its
// /api/v1/<things>/export; a stale exemption or mapping fails too.
func TestEveryPageActionHasAnAPIOperation(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	perms := srv.App.Web.Perms()
	var missing []string
	for key := range perms {
		method, path, _ := strings.Cut(key, " ")
		if strings.HasPrefix(path, "/api/") {
			continue
		}
		switch {
		case method == http.MethodPost:
			if _, ok := pageActionExempt[key]; ok {
				continue
			}
			if want, ok := pageActionAPI[key]; ok {
				if _, ok := perms[want]; !ok {
					t.Errorf("%s: its API operation %s is not registered", key, want)
				}
				continue
			}
			api := "/api/v1" + strings.TrimPrefix(path, "/admin")
			_, post := perms["POST "+api]
			_, patch := perms["PATCH "+api]
			if !post && !patch {
				missing = append(missing, key)
			}
		case method == http.MethodGet && strings.HasSuffix(path, "/export"):
			want := "GET /api/v1" + strings.TrimPrefix(path, "/admin")
			if _, ok := perms[want]; !ok {
				t.Errorf("%s: no API export %s", key, want)
			} else if perms[want] != perms[key] {
				t.Errorf("%s: the API export's permission %v differs from the page's %v", key, perms[want], perms[key])
			}
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("page action %s has no API operation: add one (and its OpenAPI entry), or name it in pageActionAPI, or exempt it with a reason in pageActionExempt", k)
	}
	for key := range pageActionExempt {
		if _, ok := perms[key]; !ok {
			t.Errorf("exempt page action %s is no longer a route: drop it from pageActionExempt", key)
		}
	}
	for page, api := range pageDownloadAPI {
		if _, ok := perms[page]; !ok {
			t.Errorf("%s is no longer a route", page)
		}
		if _, ok := perms[api]; !ok {
			t.Errorf("%s: no API operation %s", page, api)
		} else if perms[api] != perms[page] {
			t.Errorf("%s: the API's permission %v differs from the page's %v", api, perms[api], perms[page])
		}
	}
	if len(web.ExportMirrors()) < 15 {
		t.Errorf("only %d exports mirrored under /api/v1", len(web.ExportMirrors()))
	}
}

// apiRowMirrors are the API operations that let in exactly the roles of a
// page route: the page's route (method and echo pattern) and the API's
// method and path, where {path} is the page row's path (placeholders kept).
var apiRowMirrors = []struct{ page, method, api string }{
	// The annual view exists for annual meetings only: it lets in the readers
	// of the meeting pack (a row whose path is an annual meeting's).
	{"GET /meetings/:id/pack", "GET", "/api/v1{path}/../annual"},
	{"POST /meetings/:id/review", "POST", "/api/v1{path}"},
	{"POST /meetings/:id/annual/:section", "POST", "/api/v1{path}"},
	{"GET /meetings/:id/pack", "GET", "/api/v1{path}"},
	{"GET /meetings/:id/pack.xlsx", "GET", "/api/v1{path}"},
	{"POST /rotation-terms/:id/duties/:did", "PATCH", "/api/v1{path}"},
	{"POST /calendar/token", "POST", "/api/v1{path}"},
	{"GET /search", "GET", "/api/v1{path}"},
	{"GET /units/:id/profile", "GET", "/api/v1{path}"},
	{"POST /needs/:id/project-draft", "POST", "/api/v1{path}"},
	{"GET /reports/pack.xlsx", "GET", "/api/v1{path}"},
	{"GET /imports/template/units.xlsx", "GET", "/api/v1{path}"},
	{"GET /imports/template/needs.xlsx", "GET", "/api/v1{path}"},
	{"GET /imports/template/resources.xlsx", "GET", "/api/v1{path}"},
	{"GET /imports/template/projects.xlsx", "GET", "/api/v1{path}"},
}

// mirrorExportRows gives every API export (and each of apiRowMirrors) the
// authorization matrix's row of its page route: the same roles get in. Call
// it before the matrix's route check (rows) and again after its setups
// (allow lists).
func mirrorExportRows() {
	rows := map[string]int{}
	for i, r := range matrix {
		rows[r.method+" "+r.path] = i
	}
	mirror := func(pi int, method, path string) {
		ai, ok := rows[method+" "+path]
		if !ok {
			matrix = append(matrix, matrixRow{method: method, path: path})
			ai = len(matrix) - 1
			rows[method+" "+path] = ai
		}
		matrix[ai].allow, matrix[ai].public = matrix[pi].allow, matrix[pi].public
	}
	exports := map[string]string{}
	for api, page := range web.ExportMirrors() {
		exports[page] = api
	}
	n := len(matrix)
	for pi := 0; pi < n; pi++ {
		r := matrix[pi]
		if strings.HasPrefix(r.path, "/api/") {
			continue
		}
		if api, ok := exports[r.path]; ok && r.method == "GET" {
			mirror(pi, "GET", api)
		}
		for _, m := range apiRowMirrors {
			if m.page == r.method+" "+echoPath(r.path) {
				mirror(pi, m.method, strings.Replace(strings.Replace(m.api, "{path}", r.path, 1), "/pack/../", "/", 1))
			}
		}
	}
}

// TestOpenAPIRefsResolve: every schema the document refers to is defined,
// and every file answer (exports, workbooks) names its media type.
func TestOpenAPIRefsResolve(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	res := srv.Client(t).Get("/api/v1/openapi.json")
	var doc struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(res.Body, -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to undefined schema %s", m[1])
		}
	}
	for path, ops := range doc.Paths {
		if !strings.HasSuffix(path, "/export") && !strings.HasSuffix(path, ".xlsx") {
			continue
		}
		b, _ := json.Marshal(ops["get"])
		if !strings.Contains(string(b), "spreadsheetml") {
			t.Errorf("GET %s does not say it answers a workbook: %s", path, b)
		}
	}
}
