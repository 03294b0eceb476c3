package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// Roles of the matrix; each gets a user in its own tenant.
const (
	anon     = "anonymous"
	sysadmin = model.RoleSysadmin
	secadmin = model.RoleSecadmin
	auditor  = model.RoleAuditor
	reviewer = model.RoleDistrictReviewer
	plain    = "no_role" // a logged-in user with no role at all
)

// matrixRole is a user of the matrix: a role held in a domain. A domain may
// name an object a setup made, as a {placeholder} filled from the matrix env
// (e.g. "alliance:{home_alliance}").
type matrixRole struct{ name, role, domain string }

// matrixRoles are the users the matrix calls as; areas append theirs in a
// matrixSetups function or an init of their own test file.
var matrixRoles = []matrixRole{
	{anon, "", ""},
	{sysadmin, sysadmin, "sys"},
	{secadmin, secadmin, "sys"},
	{auditor, auditor, "sys"},
	{reviewer, reviewer, "district:310104"}, // own tenant 徐汇区; foreign objects live in 310101 黄浦区
	{plain, "", ""},
}

// matrixSetups run once per database before the users are made: they create
// the home objects of tenant roles and record their ids in env.
var matrixSetups []func(t *testing.T, srv *testenv.Server, env map[string]string)

// matrixFixtures make a fresh object for each call of a row whose path holds
// the placeholder, and return its id: an allowed call may change or end it.
var matrixFixtures = map[string]func(t *testing.T, srv *testenv.Server, env map[string]string) string{
	"{user}": func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(matrixVictim(t, srv).ID)
	},
	"{uid}": func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(matrixVictim(t, srv).ID)
	},
	"{ra}": func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		ras, err := srv.DB.RoleAssignmentsOfUser(t.Context(), matrixVictim(t, srv).ID)
		if err != nil || len(ras) == 0 {
			t.Fatalf("victim role: %v", err)
		}
		return fmt.Sprint(ras[0].ID)
	},
	"{token}": func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		victim := matrixVictim(t, srv)
		vtok := &model.APIToken{UserID: victim.ID, Name: "victim", TokenHash: model.HashToken(fmt.Sprint("txn_victim", victim.ID)), Prefix: "txn_vict"}
		if err := srv.DB.CreateAPIToken(t.Context(), vtok); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(vtok.ID)
	},
	"{session}": func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		victim := matrixVictim(t, srv)
		sctx, owner := store.WithSessionOwner(t.Context())
		owner.UserID = victim.ID
		stok := fmt.Sprint("victim-session-", victim.ID)
		if err := srv.DB.Sessions().CommitCtx(sctx, stok, []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		sid, err := srv.DB.SessionIDByToken(t.Context(), stok)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(sid)
	},
}

// matrixParams names the route parameter of a placeholder when it is not :id.
var matrixParams = map[string]string{"{uid}": ":uid"}

// matrixVictim makes another person, a reviewer of a foreign district.
func matrixVictim(t *testing.T, srv *testenv.Server) *model.User {
	return srv.CreateUser(t, fmt.Sprintf("v%d", victimSeq()), model.RoleDistrictReviewer, "district:310101")
}

// everyone logged in.
// anyUser allows every logged-in role, including those other areas add.
var anyUser = []string{loggedIn}

// loggedIn in an allow list stands for every role but anonymous.
const loggedIn = "*"

// matrixRow is one route: who may call it. Paths use {placeholders} for
// objects made by matrixFixtures. Add a row with every new route (in your
// area's test file: func init() { matrix = append(matrix, rows...) }): the
// test fails on a registered route that has none.
type matrixRow struct {
	method, path string
	allow        []string // roles that must not get 401/403/404
	public       bool     // anonymous allowed too
}

var matrix = []matrixRow{
	{"GET", "/healthz", nil, true},
	{"GET", "/readyz", nil, true},
	{"GET", "/metrics", nil, true},
	{"GET", "/static/*", nil, true},
	{"GET", "/login", nil, true},
	{"POST", "/login", nil, true},
	{"GET", "/locale/:lang", nil, true},
	{"POST", "/logout", anyUser, false},
	{"GET", "/profile/password", anyUser, false},
	{"POST", "/profile/password", anyUser, false},
	{"GET", "/", anyUser, false},
	{"GET", "/api/v1/me", anyUser, false},

	{"GET", "/admin/users", []string{sysadmin, secadmin}, false},
	{"GET", "/admin/users/export", []string{sysadmin, secadmin}, false},
	{"GET", "/admin/users/new", []string{sysadmin, secadmin}, false},
	{"POST", "/admin/users", []string{sysadmin, secadmin}, false},
	{"GET", "/admin/users/{user}", []string{sysadmin, secadmin}, false},
	{"GET", "/admin/users/{user}/edit", []string{sysadmin}, false},
	{"POST", "/admin/users/{user}", []string{sysadmin}, false},
	{"POST", "/admin/users/{user}/disable", []string{sysadmin}, false},
	{"POST", "/admin/users/{user}/enable", []string{sysadmin}, false},
	{"POST", "/admin/users/{user}/unlock", []string{secadmin}, false},
	{"POST", "/admin/users/{user}/reset-password", []string{sysadmin}, false},
	{"POST", "/admin/users/{user}/roles", []string{secadmin}, false},
	{"POST", "/admin/role-assignments/{ra}/revoke", []string{secadmin}, false},
	{"GET", "/api/v1/users", []string{sysadmin, secadmin}, false},
	{"POST", "/api/v1/users", []string{sysadmin, secadmin}, false},
	{"GET", "/api/v1/users/{user}", []string{sysadmin, secadmin}, false},
	{"PATCH", "/api/v1/users/{user}", []string{sysadmin}, false},
	{"POST", "/api/v1/users/{user}/disable", []string{sysadmin}, false},
	{"POST", "/api/v1/users/{user}/enable", []string{sysadmin}, false},
	{"POST", "/api/v1/users/{user}/unlock", []string{secadmin}, false},
	{"POST", "/api/v1/users/{user}/reset-password", []string{sysadmin}, false},
	{"GET", "/api/v1/role-assignments", []string{secadmin}, false},
	{"POST", "/api/v1/role-assignments", []string{secadmin}, false},
	{"POST", "/api/v1/role-assignments/{ra}/revoke", []string{secadmin}, false},
	{"GET", "/api/v1/role-domains", []string{secadmin}, false},
	{"GET", "/api/v1/openapi.json", nil, true},

	// Security administration: login events (secadmin, auditor) and sessions (secadmin).
	{"GET", "/admin/login-events", []string{secadmin, auditor}, false},
	{"GET", "/admin/login-events/export", []string{secadmin, auditor}, false},
	{"GET", "/admin/sessions", []string{secadmin}, false},
	{"GET", "/admin/sessions/export", []string{secadmin}, false},
	{"POST", "/admin/sessions/{session}/revoke", []string{secadmin}, false},
	{"POST", "/admin/sessions/user/{uid}/revoke", []string{secadmin}, false},
	{"GET", "/api/v1/login-events", []string{secadmin, auditor}, false},
	{"GET", "/api/v1/sessions", []string{secadmin}, false},
	{"POST", "/api/v1/sessions/{session}/revoke", []string{secadmin}, false},
	{"POST", "/api/v1/sessions/user/{uid}/revoke", []string{secadmin}, false},

	// Audit log: the auditor alone (三员分立).
	{"GET", "/admin/audit-log", []string{auditor}, false},
	{"GET", "/admin/audit-log/export", []string{auditor}, false},
	{"GET", "/api/v1/audit-log", []string{auditor}, false},

	// Profile and personal tokens: everyone their own; another's token is 404.
	{"GET", "/profile", anyUser, false},
	{"POST", "/profile/tokens", anyUser, false},
	{"POST", "/profile/tokens/{token}/revoke", nil, false},
	{"GET", "/api/v1/tokens", anyUser, false},
	{"POST", "/api/v1/tokens", anyUser, false},
	{"GET", "/api/v1/tokens/{token}", nil, false},
	{"DELETE", "/api/v1/tokens/{token}", nil, false},
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// echoPath turns a matrix path back into the route pattern.
func echoPath(p string) string {
	return placeholder.ReplaceAllStringFunc(p, func(ph string) string {
		if param, ok := matrixParams[ph]; ok {
			return param
		}
		return ":id"
	})
}

// TestAuthorizationMatrix calls every route as every role and checks that no
// role gets past a route it is not allowed, and that allowed roles get in.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			// Every role logs in twice (once more for /logout): past the
			// production rate limit once there are more than 15 roles.
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Security.LoginRatePerIP = 10000 })
			mirrorExportRows() // API exports: the rows of their pages' exports
			// Every route is in the matrix.
			declared := map[string]bool{}
			for _, row := range matrix {
				declared[row.method+" "+echoPath(row.path)] = true
			}
			for key := range srv.App.Web.Perms() {
				if !declared[key] {
					t.Errorf("route %s has no row in the authorization matrix", key)
				}
			}

			env := map[string]string{}
			for _, setup := range matrixSetups {
				setup(t, srv, env)
			}
			matrixDerived(srv.App.Web.Perms(), env)
			mirrorExportRows() // the allow lists the setups and the derived rules computed
			clients := map[string]*testenv.Client{}
			login := func(role string) *testenv.Client {
				c := srv.Client(t)
				if role != anon {
					c.Login("m_"+role, testenv.Password)
				}
				return c
			}
			for _, mr := range matrixRoles {
				if mr.name != anon {
					dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
					srv.CreateUser(t, "m_"+mr.name, mr.role, dom)
				}
				clients[mr.name] = login(mr.name)
			}
			for _, row := range matrix {
				for _, mr := range matrixRoles {
					role := mr.name
					// Fresh objects per call: an allowed call may change them.
					path := placeholder.ReplaceAllStringFunc(row.path, func(ph string) string {
						fix, ok := matrixFixtures[ph]
						if !ok {
							t.Fatalf("no matrix fixture for %s in %s", ph, row.path)
						}
						return fix(t, srv, env)
					})
					if strings.Contains(path, "*") {
						path = strings.Replace(path, "*", "css/app.css", 1) // any static name; 404 is fine for the file itself
					}
					path = strings.Replace(path, ":lang", "en", 1)
					if path == "/api/v1/role-assignments" && row.method == "GET" {
						path += "?user_id=" + matrixFixtures["{user}"](t, srv, env)
					}
					if path == "/api/v1/role-domains" {
						path += "?kind=district&q=%E5%BE%90%E6%B1%87" // 徐汇
					}
					c := clients[role]
					if row.path == "/logout" {
						c = login(role) // logging out must not end the matrix's own sessions
					}
					res := call(t, c, row.method, path)
					allowed := row.public || matrixAllows(row.allow, mr)
					check(t, row, role, path, res, allowed)
				}
			}
		})
	}
}

var victimCounter int

func victimSeq() int { victimCounter++; return victimCounter }

// call sends a request with the CSRF token a browser (page) or script with a
// session (API) would send, and an empty body.
func call(t *testing.T, c *testenv.Client, method, path string) *testenv.Response {
	t.Helper()
	if method == http.MethodGet {
		return c.Get(path)
	}
	token := c.CSRFCookie()
	if strings.HasPrefix(path, "/api/") {
		req, _ := http.NewRequest(method, c.URL(path), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", token)
		return c.Do(req)
	}
	return c.PostForm(path, url.Values{"csrf_token": {token}})
}

// matrixAllows reports whether an allow list lets a role in: by name, by
// loggedIn, or through a role of the list held in the same domain (two areas
// may each add a district admin of 310104 under different names).
func matrixAllows(allow []string, mr matrixRole) bool {
	if mr.name == anon {
		return false
	}
	for _, a := range allow {
		if a == loggedIn || a == mr.name {
			return true
		}
		for _, other := range matrixRoles {
			if other.name == a && other.role != "" && other.role == mr.role && other.domain == mr.domain {
				return true
			}
		}
	}
	return false
}

func check(t *testing.T, row matrixRow, role, path string, res *testenv.Response, allowed bool) {
	t.Helper()
	api := strings.HasPrefix(path, "/api/")
	denied := res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden || res.Status == http.StatusNotFound ||
		(res.Status == http.StatusSeeOther && strings.HasPrefix(res.Location(), "/login"))
	switch {
	case role == anon && !row.public:
		want := http.StatusSeeOther
		if api {
			want = http.StatusUnauthorized
		}
		if res.Status != want || (!api && !strings.HasPrefix(res.Location(), "/login")) {
			t.Errorf("%s %s as anonymous: %d %s, want %d to the login", row.method, path, res.Status, res.Location(), want)
		}
	case allowed:
		if denied && !strings.HasPrefix(path, "/static/") && !(row.method == "POST" && path == "/logout") {
			t.Errorf("%s %s as %s: %d, want to get in", row.method, path, role, res.Status)
		}
		if res.Status >= 500 {
			t.Errorf("%s %s as %s: %d", row.method, path, role, res.Status)
		}
	default:
		if res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
			t.Errorf("LEAK: %s %s as %s: %d, want 403 or 404", row.method, path, role, res.Status)
		}
	}
}

// TestRoleGrantedByAnotherProcessReachesTheServer: a role granted through a
// second handle on the same database (the CLI, the generator: another
// process) lets its holder in on the running server within seconds, without
// a restart, on both databases. On SQLite a grant that does not announce
// itself (raw rows, as the demo seed writes them) reaches it too.
func TestRoleGrantedByAnotherProcessReachesTheServer(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			other := testenv.OpenSameDB(t, srv.DB) // the other process's own pool
			ctx := t.Context()
			type grantWay struct {
				name     string
				announce bool
			}
			ways := []grantWay{{"announced", true}}
			if d == store.SQLite {
				ways = append(ways, grantWay{"silent", false})
			}
			for _, way := range ways {
				u := srv.CreateUser(t, "late_"+way.name, "", "")
				c := srv.Client(t)
				c.Login(u.Username, testenv.Password)
				if res := c.Get("/admin/sessions"); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
					t.Fatalf("%s: before the grant: %d", way.name, res.Status)
				}
				err := other.WithTx(ctx, func(ctx context.Context) error {
					if err := other.CreateRoleAssignment(ctx, &model.RoleAssignment{UserID: u.ID, Role: model.RoleSecadmin,
						Domain: model.DomainSys, ValidFrom: other.Now().Add(-time.Minute)}); err != nil {
						return err
					}
					if !way.announce {
						return nil
					}
					return other.Notify(ctx, authz.Channel, "role_assignment")
				})
				if err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(15 * time.Second)
				for {
					res := c.Get("/admin/sessions")
					if res.Status == http.StatusOK {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s grant: the running server still answers %d long after it", way.name, res.Status)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
}

// ---- members and convenors (derived roles) and the city reviewer ----

// Matrix roles of the derived member roles: the contact of a current member
// unit of the home alliance (alliance_member) and the contact of a member
// unit that convenes a committee of it (committee_convenor too).
const (
	matrixMember   = "member"
	matrixConvenor = "convenor"
)

// cityReads are the object kinds the city reviewer reads everywhere
// (configs/policy.csv): every GET route that declares read on one of them
// lets it in.
var cityReads = []string{"district", "street", "grid", "service_site", "unit", "alliance", "need", "resource", "claim",
	"project", "rotation_term", "meeting", "report", "unit_profile"}

// memberReads are what a member unit's contact reads of its alliance.
var memberReads = []string{"alliance", "rotation_term", "meeting"}

// convRules are the rows of the convenor's committee and its meetings: the
// action they need on the home alliance's chain.
var convRules = map[string]govRule{}

func init() {
	matrixRoles = append(matrixRoles,
		matrixRole{matrixMember, model.RoleUnitContact, "unit:{member_unit}"},
		matrixRole{matrixConvenor, model.RoleUnitContact, "unit:{convenor_unit}"})
	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_alliance"] == "" {
			env["home_alliance"] = fmt.Sprint(allianceFixture(t, srv, 310104, "矩阵秘书的联盟", "").ID)
		}
		var a int64
		fmt.Sscan(env["home_alliance"], &a)
		env["member_unit"] = fmt.Sprint(allianceFixtureMember(t, srv, a, 310104).UnitID)
		conv := allianceFixtureMember(t, srv, a, 310104).UnitID
		c := &model.Committee{AllianceID: a, Name: "矩阵召集专委会", Theme: "基层党建", ConvenorUnitID: &conv}
		if err := srv.DB.CreateCommittee(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.DB.AddCommitteeMember(t.Context(), c.ID, conv); err != nil {
			t.Fatal(err)
		}
		env["convenor_unit"], env["_conv_committee"] = fmt.Sprint(conv), fmt.Sprint(c.ID)
	})
	matrixFixtures["{committee_conv}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string {
		return env["_conv_committee"]
	}
	matrixFixtures["{meeting_conv}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		var a, c int64
		fmt.Sscan(env["home_alliance"], &a)
		fmt.Sscan(env["_conv_committee"], &c)
		y := 2100 + int(govSeq.Add(1))
		m := &model.Meeting{AllianceID: a, DistrictID: 310104, CommitteeID: &c, Kind: model.MeetingCommittee, Title: fmt.Sprintf("%d 专委会会议", y),
			HeldOn: time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC), Year: y, DurationMinutes: 120}
		if err := srv.DB.CreateMeeting(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m.ID)
	}
	matrixParams["{committee_conv}"], matrixParams["{meeting_conv}"] = ":id", ":id"
	add := func(method, path, obj, act string) {
		convRules[method+" "+path] = govRule{obj, act, "home"}
		matrix = append(matrix, matrixRow{method, path, nil, false})
	}
	m := "{meeting_conv}"
	add("GET", "/meetings/"+m, "meeting", "read")
	add("GET", "/meetings/"+m+"/edit", "meeting", "update")
	add("POST", "/meetings/"+m, "meeting", "update")
	add("POST", "/meetings/"+m+"/hold", "meeting", "update")
	add("POST", "/meetings/"+m+"/cancel", "meeting", "update")
	add("POST", "/meetings/"+m+"/attendance", "meeting", "update")
	add("GET", "/api/v1/meetings/"+m, "meeting", "read")
	add("PATCH", "/api/v1/meetings/"+m, "meeting", "update")
	add("GET", "/committees/{committee_conv}", "alliance", "read")
	add("GET", "/api/v1/committees/{committee_conv}", "alliance", "read")
}

// matrixDerived completes the allow lists once every area's setup has
// filled its own: the city reviewer reads every kind of cityReads
// everywhere; a member's contact reads its alliance, its committees, its
// rotation and its meetings; the convenor's contact too, and it calls
// meetings and runs its committee's.
func matrixDerived(perms map[string]authz.Perm, env map[string]string) {
	allow := func(i int, role string) {
		if !slices.Contains(matrix[i].allow, role) {
			matrix[i].allow = append(matrix[i].allow, role)
		}
	}
	for i, row := range matrix {
		p := perms[row.method+" "+echoPath(row.path)]
		read := row.method == http.MethodGet && p.Level == authz.LevelAction && p.Action == "read"
		if r, ok := convRules[row.method+" "+row.path]; ok {
			var list []string
			for _, mr := range matrixRoles {
				if mr.name == anon {
					continue
				}
				base := govMatrixAllows(mr, r, env)
				if r.obj == "alliance" {
					base = allianceMatrixAllows(mr, allianceRule{r.obj, r.act, "home"}, env) || mr.name == matrixChair
				}
				if base || mr.name == matrixConvenor || (r.act == "read" && (mr.name == matrixMember || mr.role == model.RoleCityReviewer)) {
					list = append(list, mr.name)
				}
			}
			matrix[i].allow = list
			continue
		}
		if read && slices.Contains(cityReads, p.Object) {
			for _, mr := range matrixRoles {
				if mr.role == model.RoleCityReviewer {
					allow(i, mr.name)
				}
			}
		}
		home := !placeholder.MatchString(row.path) || strings.Contains(row.path, "_home}") || strings.Contains(row.path, "{own_alliance}")
		if read && home && slices.Contains(memberReads, p.Object) {
			allow(i, matrixMember)
			allow(i, matrixConvenor)
		}
		// The convenor calls meetings (of its committee: the service checks
		// the committee the form names).
		if p.Object == "meeting" && p.Action == "create" {
			allow(i, matrixConvenor)
		}
	}
}
