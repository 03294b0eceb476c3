package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// The query guard (DESIGN.md: "the same number of SQL statements at 10 rows
// and 100 rows"): every list and detail page runs as many statements after
// its rows grew from 10 to 100 as before. Lists are asked for 100 rows a
// page, so that every added row is on the page.

// qg builds the rows of the pages, with store calls (fast, no audit).
type qg struct {
	t   *testing.T
	db  *store.DB
	ctx context.Context
	seq int
}

func (g *qg) next() int { g.seq++; return g.seq }

func (g *qg) must(err error) {
	g.t.Helper()
	if err != nil {
		g.t.Fatal(err)
	}
}

func (g *qg) street(district int64) *model.Street {
	n := g.next()
	s := &model.Street{DistrictID: district, Code: fmt.Sprintf("qg%06d", n), Name: fmt.Sprintf("查询街道%d", n), Status: model.StatusActive}
	g.must(g.db.CreateStreet(g.ctx, s))
	return s
}

func (g *qg) grid(st *model.Street) *model.Grid {
	n := g.next()
	x := &model.Grid{StreetID: st.ID, DistrictID: st.DistrictID, Code: fmt.Sprintf("qg%06d", n), Name: fmt.Sprintf("查询网格%d", n), Status: model.StatusActive}
	g.must(g.db.CreateGrid(g.ctx, x))
	return x
}

func (g *qg) site(st *model.Street, grid *model.Grid, manager *model.Unit) *model.ServiceSite {
	n := g.next()
	x := &model.ServiceSite{Name: fmt.Sprintf("查询阵地%d", n), Kind: "community_center", DistrictID: st.DistrictID, StreetID: st.ID,
		Address: "某路1号", Status: model.StatusActive, Version: 1}
	if grid != nil {
		x.GridID = &grid.ID
	}
	if manager != nil {
		x.ManagingUnitID = &manager.ID
	}
	g.must(g.db.CreateServiceSite(g.ctx, x))
	return x
}

func (g *qg) unit(st *model.Street) *model.Unit {
	n := g.next()
	first := fmt.Sprintf("91310104MA7Q%05d", n)
	code := first + string(model.CreditCodeCheckChar(first))
	u := &model.Unit{Name: fmt.Sprintf("查询单位%d有限公司", n), CreditCode: &code, Kind: "private", DistrictID: st.DistrictID, StreetID: &st.ID,
		Status: model.StatusActive, Version: 1}
	g.must(g.db.CreateUnit(g.ctx, u))
	return u
}

func (g *qg) alliance(st *model.Street) *model.Alliance {
	n := g.next()
	a := &model.Alliance{Name: fmt.Sprintf("查询联盟%d", n), Kind: "regional", Level: model.LevelStreet, DistrictID: st.DistrictID, StreetID: &st.ID,
		Status: model.StatusActive, Version: 1}
	g.must(g.db.CreateAlliance(g.ctx, a))
	return a
}

func (g *qg) member(a *model.Alliance, u *model.Unit) {
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	g.must(g.db.CreateMembership(g.ctx, &model.Membership{AllianceID: a.ID, UnitID: u.ID, Rank: model.RankMember, JoinedOn: day, LetterSignedOn: &day}))
}

func (g *qg) committee(a *model.Alliance, convenor *model.Unit) *model.Committee {
	n := g.next()
	c := &model.Committee{AllianceID: a.ID, Name: fmt.Sprintf("查询专委会%d", n), Theme: "基层党建", ConvenorUnitID: &convenor.ID, Status: model.StatusActive}
	g.must(g.db.CreateCommittee(g.ctx, c))
	return c
}

// times runs fn n times.
func times(n int, fn func()) func() {
	return func() {
		for range n {
			fn()
		}
	}
}

// TestPagesRunAsManyStatementsAt100RowsAsAt10 walks every list and detail
// page that exists with 10 rows, adds 90, and compares the statement counts.
func TestPagesRunAsManyStatementsAt100RowsAsAt10(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewGuardedServer(t, d, func(c *config.Config) { c.Security.LoginRatePerIP = 10000 })
			g := &qg{t: t, db: srv.DB, ctx: context.Background()}
			admin := srv.CreateUser(t, "qg_admin", model.RoleSysadmin, model.DomainSys)
			srv.CreateUser(t, "qg_sec", model.RoleSecadmin, model.DomainSys)
			srv.CreateUser(t, "qg_audit", model.RoleAuditor, model.DomainSys)
			login := func(name string) *testenv.Client {
				c := srv.Client(t)
				c.Login(name, testenv.Password)
				return c
			}
			sys, sec, aud := login("qg_admin"), login("qg_sec"), login("qg_audit")

			// One street holds everything the detail pages show. The lists are
			// measured before the detail pages, whose growth adds rows to them.
			st := g.street(310104)
			grid := g.grid(st)
			unit := g.unit(st)
			al := g.alliance(st)
			g.member(al, unit)
			cm := g.committee(al, unit)
			site := g.site(st, grid, unit)
			target := testenv.CreateUser(t, srv.DB, "qg_target", model.RoleDistrictReviewer, "district:310104")
			jobID := func() int64 {
				j := &model.ImportJob{Kind: "units", FileName: "x.xlsx", FilePath: "imports/x.xlsx", Status: model.ImportDone, Domain: "district:310104", CreatedBy: admin.ID}
				g.must(srv.DB.CreateImportJob(g.ctx, j))
				return j.ID
			}
			job := jobID()
			for i := range 6 {
				testenv.CreateUser(t, srv.DB, fmt.Sprintf("qg_first%d", i), model.RoleUnitContact, fmt.Sprintf("unit:%d", unit.ID))
			}
			// 10 rows of each list first.
			for range 9 {
				g.street(310104)
				g.grid(st)
				g.site(st, grid, unit)
				u := g.unit(st)
				a := g.alliance(st)
				g.member(a, unit) // the unit's page lists its alliances
				g.member(al, u)   // the alliance's page lists its members
				g.committee(al, unit)
				_, err := g.db.AddCommitteeMember(g.ctx, cm.ID, u.ID)
				g.must(err)
				jobID()
			}

			type page struct {
				c    *testenv.Client
				path string
				grow func()
			}
			pages := []page{
				{sys, "/units?limit=100", times(90, func() { g.unit(st) })},
				{sys, "/alliances?limit=100", times(90, func() { g.alliance(st) })},
				{sys, "/committees?limit=100", times(90, func() { g.committee(al, unit) })},
				{sys, "/streets?limit=100", times(90, func() { g.street(310104) })},
				{sys, "/grids?limit=100", times(90, func() { g.grid(st) })},
				{sys, "/service-sites?limit=100", times(90, func() { g.site(st, grid, unit) })},
				{sys, "/admin/users?limit=100", times(90, func() {
					testenv.CreateUser(t, srv.DB, fmt.Sprintf("qg_u%d", g.next()), model.RoleUnitContact, fmt.Sprintf("unit:%d", unit.ID))
				})},
				{aud, "/admin/audit-log?limit=100", times(90, func() {
					g.must(srv.DB.AppendAudit(g.ctx, &model.AuditEntry{Username: "qg", Action: "unit.update", ObjectKind: "unit",
						ObjectID: fmt.Sprint(unit.ID), Domain: "district:310104", Changes: `{"name":["a","b"]}`}))
				})},
				{sec, "/admin/login-events?limit=100", times(90, func() {
					g.must(srv.DB.AppendLoginEvent(g.ctx, &model.LoginEvent{Username: "qg_target", UserID: &target.ID, IP: "10.0.0.1", Result: model.LoginFailure, Reason: "password"}))
				})},
				{sec, "/admin/sessions?limit=100", times(90, func() { login("qg_target") })},
				{sys, "/imports?limit=100", times(90, func() { jobID() })},
				{sys, "/dictionary", times(90, func() {
					n := g.next()
					g.must(srv.DB.CreateDictionaryItem(g.ctx, &model.DictionaryItem{Kind: model.DictUnitKind, Code: fmt.Sprintf("qg%d", n),
						LabelZh: fmt.Sprintf("类型%d", n), LabelEn: fmt.Sprintf("kind %d", n), Sort: 1000 + n, Active: true}))
				})},
				{sys, fmt.Sprintf("/units/%d", unit.ID), times(90, func() { g.member(g.alliance(st), unit) })},
				{sys, fmt.Sprintf("/alliances/%d", al.ID), times(90, func() { g.member(al, g.unit(st)) })},
				{sys, fmt.Sprintf("/committees/%d", cm.ID), times(90, func() {
					u := g.unit(st)
					g.member(al, u)
					_, err := g.db.AddCommitteeMember(g.ctx, cm.ID, u.ID)
					g.must(err)
				})},
				{sys, fmt.Sprintf("/streets/%d", st.ID), times(90, func() { g.grid(st) })},
				{sys, fmt.Sprintf("/grids/%d", grid.ID), times(90, func() { g.site(st, grid, unit) })},
				{sys, fmt.Sprintf("/service-sites/%d", site.ID), times(90, func() { g.site(st, grid, unit) })},
				{sec, fmt.Sprintf("/admin/users/%d", target.ID), times(90, func() {
					g.must(srv.DB.CreateRoleAssignment(g.ctx, &model.RoleAssignment{UserID: target.ID, Role: model.RoleAllianceSecretary,
						Domain: fmt.Sprintf("alliance:%d", g.alliance(st).ID), ValidFrom: time.Now().Add(-time.Hour)}))
				})},
				{sys, fmt.Sprintf("/imports/%d", job), times(90, func() { jobID() })},
			}

			// The login events and sessions lists need their first 10 rows too.
			for range 10 {
				g.must(srv.DB.AppendLoginEvent(g.ctx, &model.LoginEvent{Username: "qg_target", IP: "10.0.0.1", Result: model.LoginFailure, Reason: "password"}))
				g.must(srv.DB.AppendAudit(g.ctx, &model.AuditEntry{Username: "qg", Action: "unit.update", ObjectKind: "unit", ObjectID: "1"}))
			}
			for range 7 {
				login("qg_target")
			}
			// Pages whose content does not grow with these rows (a street's page
			// links to its grids rather than listing them); the others must show
			// the added rows, or the comparison proves nothing.
			fixed := map[string]bool{fmt.Sprintf("/streets/%d", st.ID): true, fmt.Sprintf("/grids/%d", grid.ID): true,
				fmt.Sprintf("/service-sites/%d", site.ID): true, fmt.Sprintf("/imports/%d", job): true}
			for _, p := range pages {
				before := len(p.c.Get(p.path).Body)
				n := testenv.SameStatements(t, p.c, p.path, p.grow)
				after := len(p.c.Get(p.path).Body)
				if !fixed[p.path] && after < before+90*20 {
					t.Errorf("%s: %d bytes at 10 rows, %d at 100: the added rows are not on the page", p.path, before, after)
				}
				t.Logf("%-28s %d statements", p.path, n)
			}
		})
	}
}

// TestStatementCounterCountsRequestsOnly: the counter sees a request's
// statements and not the test's own store calls, and refuses an unguarded server.
func TestStatementCounterCountsRequestsOnly(t *testing.T) {
	srv := testenv.NewGuardedServer(t, store.SQLite)
	srv.CreateUser(t, "qg_admin", model.RoleSysadmin, model.DomainSys)
	c := srv.Client(t)
	c.Login("qg_admin", testenv.Password)
	res, stmts := testenv.RequestStatements(t, c, "/units")
	if res.Status != 200 || len(stmts) == 0 {
		t.Fatalf("GET /units: %d with %d statements", res.Status, len(stmts))
	}
	_, none := testenv.RequestStatements(t, c, "/healthz") // no GORM statement
	if len(none) != 0 {
		t.Fatalf("/healthz ran %d statements through GORM: %v", len(none), none)
	}
}

func (g *qg) need(a *model.Alliance, submitter *model.Unit) *model.Need {
	n := &model.Need{AllianceID: a.ID, DistrictID: a.DistrictID, SubmitterUnitID: submitter.ID, Title: fmt.Sprintf("查询需求%d", g.next()),
		Description: "为老服务", Category: "care", ResourceKind: "volunteers", Quantity: 100000, Measure: "person_times",
		Visibility: model.VisibleCity, Status: model.NeedPublished}
	now := g.db.Now()
	n.PublishedAt = &now
	g.must(g.db.CreateNeed(g.ctx, n))
	return n
}

func (g *qg) resource(a *model.Alliance, provider *model.Unit) *model.Resource {
	r := &model.Resource{AllianceID: a.ID, DistrictID: a.DistrictID, ProviderUnitID: provider.ID, Title: fmt.Sprintf("查询资源%d", g.next()),
		Description: "志愿者", Kind: "volunteers", Category: "care", Capacity: 100000, Measure: "person_times",
		Visibility: model.VisibleCity, Status: model.ResourceAvailable}
	now := g.db.Now()
	r.PublishedAt = &now
	g.must(g.db.CreateResource(g.ctx, r))
	return r
}

func (g *qg) claim(target string, id int64, a *model.Alliance, claimant *model.Unit) *model.Claim {
	c := &model.Claim{Target: target, AllianceID: a.ID, DistrictID: a.DistrictID, ClaimantUnitID: claimant.ID, Quantity: 1,
		Note: fmt.Sprintf("认领%d", g.next()), Status: model.ClaimPending}
	if target == model.TargetNeed {
		c.NeedID = &id
	} else {
		c.ResourceID = &id
	}
	g.must(g.db.CreateClaim(g.ctx, c))
	return c
}

func (g *qg) project(a *model.Alliance, lead *model.Unit, status string) *model.Project {
	n := g.next()
	code := fmt.Sprintf("2026-%d-Q%04d", a.DistrictID, n)
	p := &model.Project{AllianceID: a.ID, DistrictID: a.DistrictID, LeadUnitID: lead.ID, Title: fmt.Sprintf("查询项目%d", n),
		Summary: "项目简介", Category: "care", Year: 2026, BudgetFen: 100000, Status: status, Code: &code}
	if status == model.ProjectEvaluated {
		score := 95
		p.Score, p.Grade = &score, model.GradeExcellent
	}
	g.must(g.db.CreateProject(g.ctx, p, []model.ProjectUnit{{UnitID: lead.ID, Role: model.ProjectUnitLead}},
		[]model.ProjectFunding{{Source: "district_fund", AmountFen: 100000}}, nil, nil, nil))
	return p
}

// TestListsAndProjectPagesRunAsManyStatements is the query guard for the
// three lists, claims, the inbox, projects and cases.
func TestListsAndProjectPagesRunAsManyStatements(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewGuardedServer(t, d)
			g := &qg{t: t, db: srv.DB, ctx: context.Background()}
			rev := srv.CreateUser(t, "qg_rev", model.RoleDistrictReviewer, "district:310104")
			c := srv.Client(t)
			c.Login("qg_rev", testenv.Password)

			st := g.street(310104)
			unit, other := g.unit(st), g.unit(st)
			al := g.alliance(st)
			g.member(al, unit)
			g.member(al, other)
			need, res, res2 := g.need(al, unit), g.resource(al, unit), g.resource(al, other)
			claim := g.claim(model.TargetNeed, need.ID, al, other)
			proj := g.project(al, unit, model.ProjectInProgress)
			evaluated := g.project(al, unit, model.ProjectEvaluated)
			newCase := func(p *model.Project) *model.Case {
				cs := &model.Case{ProjectID: p.ID, AllianceID: al.ID, DistrictID: al.DistrictID, Year: 2026, Theme: "care",
					WriteUp: "案例", Status: model.CaseNominated, NominatedBy: &rev.ID, NominatedAt: g.db.Now(), Version: 1}
				g.must(g.db.CreateCase(g.ctx, cs))
				return cs
			}
			cs := newCase(evaluated)
			notify := func() {
				g.must(g.db.CreateNotifications(g.ctx, []model.Notification{{UserID: rev.ID, Kind: model.NotifyClaimNew, SubjectKind: "claim",
					SubjectID: claim.ID, Params: `{"title":"查询需求","unit":"查询单位","quantity":1}`, Link: fmt.Sprintf("/claims/%d", claim.ID)}}))
			}
			review := func() {
				g.must(g.db.CreateProjectReview(g.ctx, &model.ProjectReview{ProjectID: proj.ID, ActorID: &rev.ID, Action: model.ProjectActionApprove,
					FromStatus: model.ProjectSubmitted, ToStatus: model.ProjectApproved, Comment: fmt.Sprintf("意见%d", g.next())}))
				g.must(g.db.CreateProjectUpdate(g.ctx, &model.ProjectUpdate{ProjectID: proj.ID, Percent: 50, Text: fmt.Sprintf("进展%d", g.next()),
					HappenedOn: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), CreatedBy: &rev.ID}))
			}
			for range 9 {
				g.need(al, unit)
				g.resource(al, unit)
				g.claim(model.TargetNeed, need.ID, al, other)
				g.claim(model.TargetResource, res.ID, al, other)
				g.project(al, unit, model.ProjectInProgress)
				newCase(g.project(al, unit, model.ProjectEvaluated))
				notify()
				review()
			}
			type page struct {
				path  string
				grow  func()
				fixed bool // the page does not show the added rows
			}
			pages := []page{
				{"/needs?limit=100", times(90, func() { g.need(al, unit) }), false},
				{"/resources?limit=100", times(90, func() { g.resource(al, unit) }), false},
				// Each page while its rows are 10, before other pages add to them.
				{"/claims?limit=100", times(90, func() { g.claim(model.TargetResource, res2.ID, al, other) }), false},
				{fmt.Sprintf("/needs/%d/claims?limit=100", need.ID), times(90, func() { g.claim(model.TargetNeed, need.ID, al, other) }), false},
				{fmt.Sprintf("/resources/%d/claims?limit=100", res.ID), times(90, func() { g.claim(model.TargetResource, res.ID, al, other) }), false},
				{"/inbox?limit=100", times(90, notify), false},
				{"/projects?limit=100", times(90, func() { g.project(al, unit, model.ProjectInProgress) }), false},
				{"/cases?limit=100", times(90, func() { newCase(g.project(al, unit, model.ProjectEvaluated)) }), false},
				{fmt.Sprintf("/needs/%d", need.ID), times(90, func() { g.claim(model.TargetNeed, need.ID, al, other) }), true},
				{fmt.Sprintf("/needs/%d/matches", need.ID), times(90, func() { g.resource(al, other) }), true},
				{fmt.Sprintf("/resources/%d", res.ID), times(90, func() { g.claim(model.TargetResource, res.ID, al, other) }), true},
				{fmt.Sprintf("/resources/%d/matches", res.ID), times(90, func() { g.need(al, other) }), true},
				{fmt.Sprintf("/claims/%d", claim.ID), times(90, func() { g.claim(model.TargetNeed, need.ID, al, other) }), true},
				{fmt.Sprintf("/projects/%d", proj.ID), times(90, review), false},
				{fmt.Sprintf("/cases/%d", cs.ID), times(90, func() { newCase(g.project(al, unit, model.ProjectEvaluated)) }), true},
			}
			for _, p := range pages {
				before := len(c.Get(p.path).Body)
				n := testenv.SameStatements(t, c, p.path, p.grow)
				after := len(c.Get(p.path).Body)
				if !p.fixed && after < before+90*20 {
					t.Errorf("%s: %d bytes at 10 rows, %d at 100: the added rows are not on the page", p.path, before, after)
				}
				t.Logf("%-28s %d statements", p.path, n)
			}
		})
	}
}
