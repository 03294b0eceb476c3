package web_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
)

// apiUser logs a user in and makes them a personal API token through the
// API: it answers the session client and a client that sends only the token.
func apiUser(t *testing.T, srv *testenv.Server, username string) (session, token *testenv.Client) {
	t.Helper()
	session = srv.Client(t)
	session.Login(username, testenv.Password)
	res := sessionJSON(session, http.MethodPost, "/api/v1/tokens", `{"name":"测试脚本"}`)
	if res.Status != http.StatusCreated {
		t.Fatalf("token for %s: %d %.300s", username, res.Status, res.Body)
	}
	return session, bearer(t, srv, decode[tokenResp](t, res).Token)
}

// firstLine is a CSV's header row.
func csvHeader(body string) string {
	line, _, _ := strings.Cut(body, "\n")
	return line
}

// TestAPIExports: every page export answers under /api/v1 to a bearer token
// with the very rows the page's export gives the same person (same scope,
// filters and columns); xlsx too; refused as the page refuses it; JSON errors.
func TestAPIExports(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Security.LoginRatePerIP = 1000 })
			home := allianceFixture(t, srv, 310104, "导出测试联盟", "")
			homeUnit := allianceFixtureMember(t, srv, home.ID, 310104).UnitID
			foreign := allianceFixture(t, srv, 310101, "外区导出联盟", "")
			foreignUnit := allianceFixtureMember(t, srv, foreign.ID, 310101).UnitID
			mine := projectFixture(t, srv, home.ID, 310104, homeUnit, model.ProjectDraft)
			theirs := projectFixture(t, srv, foreign.ID, 310101, foreignUnit, model.ProjectDraft)
			listsFixtureNeed(t, srv, home.ID, 310104, homeUnit, "本区导出需求", model.VisibleAlliance)
			listsFixtureNeed(t, srv, foreign.ID, 310101, foreignUnit, "外区导出需求", model.VisibleAlliance)

			type who struct{ name, role, domain string }
			people := []who{{"x_sys", model.RoleSysadmin, "sys"}, {"x_sec", model.RoleSecadmin, "sys"}, {"x_aud", model.RoleAuditor, "sys"},
				{"x_xh", model.RoleDistrictAdmin, "district:310104"}, {"x_rev", model.RoleDistrictReviewer, "district:310104"},
				{"x_asec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, home.ID)}}
			sessions, tokens := map[string]*testenv.Client{}, map[string]*testenv.Client{}
			for _, p := range people {
				srv.CreateUser(t, p.name, p.role, p.domain)
				sessions[p.name], tokens[p.name] = apiUser(t, srv, p.name)
			}

			mirrors := web.ExportMirrors()
			apis := make([]string, 0, len(mirrors))
			for api := range mirrors {
				apis = append(apis, api)
			}
			sort.Strings(apis)
			if len(apis) < 15 {
				t.Fatalf("only %d API exports: %v", len(apis), apis)
			}
			for _, api := range apis {
				page := mirrors[api]
				t.Run(strings.TrimPrefix(api, "/api/v1/"), func(t *testing.T) {
					var user string
					var pageRes *testenv.Response
					for _, p := range people {
						if res := sessions[p.name].Get(page + "?format=csv"); res.Status == http.StatusOK {
							user, pageRes = p.name, res
							break
						}
					}
					if user == "" {
						t.Fatalf("nobody of the test may export %s", page)
					}
					res := tokens[user].Get(api + "?format=csv")
					if res.Status != http.StatusOK {
						t.Fatalf("GET %s as %s with a token: %d %.300s", api, user, res.Status, res.Body)
					}
					if ct := res.Header.Get("Content-Type"); ct != pageRes.Header.Get("Content-Type") || !strings.HasPrefix(ct, "text/csv") {
						t.Errorf("Content-Type %q, the page's %q", ct, pageRes.Header.Get("Content-Type"))
					}
					if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
						t.Errorf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
					}
					switch api {
					case "/api/v1/audit-log/export", "/api/v1/sessions/export":
						// The page's export is itself audited, and sessions move: the same columns.
						if csvHeader(res.Body) != csvHeader(pageRes.Body) || csvHeader(res.Body) == "" {
							t.Errorf("header %q, the page's %q", csvHeader(res.Body), csvHeader(pageRes.Body))
						}
					default:
						if res.Body != pageRes.Body {
							t.Errorf("the API export differs from the page's:\nAPI:  %.400q\npage: %.400q", res.Body, pageRes.Body)
						}
					}
					if x := tokens[user].Get(api + "?format=xlsx"); x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") {
						t.Errorf("xlsx: %d %.40q", x.Status, x.Body)
					}
					bad := tokens[user].Get(api + "?format=pdf")
					if bad.Status != http.StatusBadRequest || decode[apiErr](t, bad).Error.Fields["format"] == "" {
						t.Errorf("format=pdf: %d %.300s", bad.Status, bad.Body)
					}
					if anon := srv.Client(t).Get(api + "?format=csv"); anon.Status != http.StatusUnauthorized || !strings.HasPrefix(anon.Header.Get("Content-Type"), "application/json") {
						t.Errorf("without a token: %d %q", anon.Status, anon.Header.Get("Content-Type"))
					}
				})
			}

			t.Run("scoped as the page: a district's token exports its district only, and the list's filters apply", func(t *testing.T) {
				res := tokens["x_xh"].Get("/api/v1/projects/export?format=csv")
				if res.Status != http.StatusOK || !strings.Contains(res.Body, mine.Title) || strings.Contains(res.Body, theirs.Title) {
					t.Fatalf("projects export: %d %q", res.Status, res.Body)
				}
				res = tokens["x_xh"].Get("/api/v1/needs/export?format=csv")
				if !strings.Contains(res.Body, "本区导出需求") || strings.Contains(res.Body, "外区导出需求") {
					t.Errorf("needs export: %q", res.Body)
				}
				res = tokens["x_xh"].Get("/api/v1/projects/export?format=csv&q=没有这个词")
				if res.Status != http.StatusOK || strings.Contains(res.Body, mine.Title) || csvHeader(res.Body) == "" {
					t.Errorf("filtered export: %d %q", res.Status, res.Body)
				}
			})

			t.Run("refused as the page refuses it", func(t *testing.T) {
				for _, path := range []string{"/api/v1/users/export?format=csv", "/api/v1/audit-log/export?format=csv", "/api/v1/sessions/export?format=csv"} {
					res := tokens["x_xh"].Get(path)
					if res.Status != http.StatusForbidden || decode[apiErr](t, res).Error.Code == "" {
						t.Errorf("%s as a district admin: %d %.200s", path, res.Status, res.Body)
					}
				}
				if res := tokens["x_rev"].Get("/api/v1/users/export?format=csv"); res.Status != http.StatusForbidden {
					t.Errorf("users export as a reviewer: %d", res.Status)
				}
			})

			t.Run("a session works as well", func(t *testing.T) {
				res := sessions["x_xh"].Get("/api/v1/projects/export?format=csv")
				if res.Status != http.StatusOK || !strings.Contains(res.Body, mine.Title) {
					t.Errorf("session export: %d", res.Status)
				}
			})

			t.Run("the import templates", func(t *testing.T) {
				for _, kind := range []string{"units", "needs", "resources", "projects"} {
					found := false
					for _, p := range people {
						page := sessions[p.name].Get("/imports/template/" + kind + ".xlsx")
						if page.Status != http.StatusOK {
							continue
						}
						found = true
						res := tokens[p.name].Get("/api/v1/imports/template/" + kind + ".xlsx")
						if res.Status != http.StatusOK || res.Body != page.Body || !strings.HasPrefix(res.Body, "PK") {
							t.Errorf("%s template as %s: %d", kind, p.name, res.Status)
						}
						break
					}
					if !found {
						t.Errorf("nobody of the test may download the %s template", kind)
					}
				}
			})

			t.Run("the report pack", func(t *testing.T) {
				page := sessions["x_xh"].Get("/reports/pack.xlsx?year=2026")
				res := tokens["x_xh"].Get("/api/v1/reports/pack.xlsx?year=2026")
				if res.Status != http.StatusOK || page.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
					t.Errorf("pack: %d (page %d)", res.Status, page.Status)
				}
				if res := tokens["x_sys"].Get("/api/v1/reports/pack.xlsx?year=2026"); res.Status != http.StatusForbidden {
					t.Errorf("pack as the system admin: %d", res.Status)
				}
			})
		})
	}
}
