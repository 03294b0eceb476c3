package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/alexedwards/argon2id"
	"github.com/xuri/excelize/v2"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// The reconciliation guard: for every demo account and for the accounts of
// a generated city, on both databases, every figure of the home page, the
// report page and GET /api/v1/reports/summary that has a list (the
// glossary's report.DrillDown) links to it, and that list's 共 N 条, opened
// through the real router as the same user, equals the figure. A figure
// without a list must be marked as an aggregate of the glossary
// (data-counter naming a counter without a list) or a derived figure
// (data-derived): a new tile or cell that is neither fails here.

// reconciler follows the figures of one logged-in user.
type reconciler struct {
	t      *testing.T
	c      *testenv.Client
	user   string
	totals map[string]int64 // list link → its 共 N 条 (each list opened once)
	linked int              // figures checked against a list
	// noLists: the page's scope has no list (a street): no figure links one.
	noLists bool
}

var pagerTotal = regexp.MustCompile(`([0-9][0-9,]*)(\+?)`)

// listTotal opens a list and reads its 共 N 条.
func (r *reconciler) listTotal(link string) (int64, bool) {
	r.t.Helper()
	if n, ok := r.totals[link]; ok {
		return n, true
	}
	res := r.c.Get(link)
	if res.Status != http.StatusOK {
		r.t.Errorf("%s: %s answers %d", r.user, link, res.Status)
		return 0, false
	}
	text := strings.TrimSpace(res.Doc(r.t).Find(".pager-total").First().Text())
	m := pagerTotal.FindStringSubmatch(text)
	if m == nil || m[2] == "+" {
		r.t.Errorf("%s: %s shows no exact total (%q)", r.user, link, text)
		return 0, false
	}
	n, _ := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
	r.totals[link] = n
	return n, true
}

// figure checks one figure of a page: sel is the element carrying
// data-counter (or data-derived), value its shown text.
func (r *reconciler) figure(where string, sel *goquery.Selection) {
	r.t.Helper()
	if _, derived := sel.Attr("data-derived"); derived {
		return
	}
	key, ok := sel.Attr("data-counter")
	if !ok {
		html, _ := goquery.OuterHtml(sel)
		r.t.Errorf("%s: %s shows a figure that is neither linked to a list nor a documented aggregate: %.200s", r.user, where, html)
		return
	}
	ct, found := report.CounterByKey(key)
	if !found {
		r.t.Errorf("%s: %s: data-counter %q is not in the glossary", r.user, where, key)
		return
	}
	text := strings.TrimSpace(sel.Find(".stat-value").Text())
	if text == "" {
		text = strings.TrimSpace(sel.Text())
	}
	href, _ := sel.Attr("href")
	if href == "" {
		href, _ = sel.Find("a[href]").First().Attr("href")
	}
	if ct.List == "" { // an aggregate: no list claims its number
		if strings.HasPrefix(href, report.ListProjects+"?") || strings.HasPrefix(href, report.ListNeeds+"?") {
			r.t.Errorf("%s: %s: aggregate %s links to the list %s", r.user, where, key, href)
		}
		return
	}
	if text == "—" { // not applicable to the scope
		return
	}
	if r.noLists {
		if href != "" {
			r.t.Errorf("%s: %s: %s links to %s, but a street's figures have no list", r.user, where, key, href)
		}
		return
	}
	if href == "" {
		// A street scope or a month group has no list; the pages only show
		// those on the report page, where DrillDown said no.
		r.t.Errorf("%s: %s: %s = %s has a list (%s) but no link", r.user, where, key, text, ct.List)
		return
	}
	if !strings.HasPrefix(href, ct.List+"?") {
		r.t.Errorf("%s: %s: %s links to %s, not to its list %s", r.user, where, key, href, ct.List)
		return
	}
	want := unformat(r.t, key, text)
	if got, ok := r.listTotal(href); ok && got != want {
		r.t.Errorf("%s: %s: %s shows %s, its list %s shows 共 %d 条", r.user, where, key, text, href, got)
	}
	r.linked++
}

// page checks every figure inside the containers of a page.
func (r *reconciler) page(path, containers string) *goquery.Document {
	r.t.Helper()
	res := r.c.Get(path)
	if res.Status != http.StatusOK {
		r.t.Fatalf("%s: %s answers %d", r.user, path, res.Status)
	}
	doc := res.Doc(r.t)
	doc.Find(containers).Each(func(_ int, box *goquery.Selection) {
		// Tiles: a .stat-value must sit in an element naming its counter.
		box.Find(".stat-value").Each(func(_ int, v *goquery.Selection) {
			holder := v.Closest("[data-counter], [data-derived]")
			if holder.Length() == 0 {
				holder = v
			}
			r.figure(path, holder)
		})
		// Tables: every number of the body and the total row.
		box.Find("tbody td.num, tbody th.num, tfoot td.num, tfoot th.num").Each(func(_ int, cell *goquery.Selection) {
			r.figure(path, cell)
		})
	})
	return doc
}

// summary checks the API's figures against the lists DrillDown names, and
// that the report page links the same list for the same figure.
func (r *reconciler) summary(query string, pageLinks map[string]string) {
	r.t.Helper()
	res := r.c.Get("/api/v1/reports/summary?" + query)
	if res.Status != http.StatusOK {
		r.t.Errorf("%s: summary %s answers %d", r.user, query, res.Status)
		return
	}
	var s struct {
		Scope   string        `json:"scope"`
		ScopeID int64         `json:"scope_id"`
		From    string        `json:"from"`
		To      string        `json:"to"`
		GroupBy string        `json:"group_by"`
		Totals  report.Values `json:"totals"`
		Rows    []report.Row  `json:"rows"`
	}
	if err := json.Unmarshal([]byte(res.Body), &s); err != nil {
		r.t.Fatalf("summary: %v", err)
	}
	from, _ := time.Parse(time.DateOnly, s.From)
	to, _ := time.Parse(time.DateOnly, s.To)
	p, err := report.NewPeriod(report.PeriodCustom, 0, 0, from, to)
	if err != nil {
		r.t.Fatal(err)
	}
	sc := report.Scope{Kind: s.Scope, ID: s.ScopeID}
	check := func(key, by, group string, v int64) {
		ct, _ := report.CounterByKey(key)
		link, ok := report.DrillDown(ct, sc, p, by, group)
		if !ok {
			return
		}
		if by == "" && pageLinks != nil {
			if got := pageLinks[key]; got != link {
				r.t.Errorf("%s: summary %s links %s to %s, the report page to %q", r.user, query, key, link, got)
			}
		}
		if n, ok := r.listTotal(link); ok && n != v {
			r.t.Errorf("%s: summary %s: %s (%s=%s) = %d, its list %s shows 共 %d 条", r.user, query, key, by, group, v, link, n)
		}
		r.linked++
	}
	for key, v := range s.Totals {
		check(key, "", "", v)
	}
	for _, row := range s.Rows {
		for key, v := range row.Values {
			check(key, s.GroupBy, row.Key, v)
		}
	}
}

// reconcile checks the home page, the report page (totals and by status,
// and by alliance or district) and the summary API of the logged-in user.
func reconcile(t *testing.T, c *testenv.Client, user string) int {
	r := &reconciler{t: t, c: c, user: user, totals: map[string]int64{}}
	home := r.page("/", "#dashboard")
	// The 待审核 tile and the review queue count the same projects when
	// the user may open the queue.
	if q := home.Find(`[data-tile="review_queue"] .stat-value`); q.Length() > 0 {
		if res := c.Get("/reviews"); res.Status == http.StatusOK {
			if n, ok := r.listTotal("/reviews"); ok && n != unformat(t, report.ReviewQueue, q.Text()) {
				t.Errorf("%s: 待审核项目 %s, review queue 共 %d 条", user, q.Text(), n)
			}
		}
	}
	if res := c.Get("/reports"); res.Status == http.StatusOK {
		// The default scope, then the first committee and the first
		// street the user may report on.
		scopes := []string{""}
		form := res.Doc(t)
		first := func(sel string) string {
			out := ""
			form.Find(sel + " option").EachWithBreak(func(_ int, o *goquery.Selection) bool {
				out = o.AttrOr("value", "")
				return out == ""
			})
			return out
		}
		if id := first("#r-committee"); id != "" {
			scopes = append(scopes, "scope=committee&committee_id="+id+"&")
		}
		street := first("#r-street")
		if user == "reviewer" && (street == "" || len(scopes) < 2) {
			t.Errorf("%s: no committee or street to report on", user)
		}
		for _, scope := range scopes {
			for _, by := range []string{"", report.ByStatus, report.ByAlliance, report.ByDistrict, report.ByCategory} {
				q := scope + "group_by=" + by
				doc := r.page("/reports?"+q, "table[data-report]")
				links := map[string]string{}
				doc.Find(`table[data-report="totals"] td[data-counter]`).Each(func(_ int, s *goquery.Selection) {
					key, _ := s.Attr("data-counter")
					links[key], _ = s.Find("a[href]").Attr("href")
				})
				if by != "" {
					links = nil
				}
				r.summary(q, links)
			}
		}
		if street != "" {
			r.noLists = true
			r.page("/reports?scope=street&street_id="+street, "table[data-report]")
			r.noLists = false
		}
	} else if res.Status != http.StatusForbidden {
		t.Errorf("%s: /reports answers %d", user, res.Status)
	}
	return r.linked
}

// TestFiguresReconcileWithTheirLists runs the guard for the seven demo
// accounts and for a generated city (seed --scale), on both databases.
func TestFiguresReconcileWithTheirLists(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	for _, d := range testenv.Dialects {
		t.Run(d+"/demo", func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			// A project submitted for next year's 年度: the review queue
			// holds it, this year's 待审核 tile does not, and the queue's
			// tile says so.
			var sub int64
			if err := srv.DB.SQL().QueryRowContext(ctx, "SELECT MIN(id) FROM projects WHERE status = 'submitted'").Scan(&sub); err != nil {
				t.Fatal(err)
			}
			next, err := srv.DB.ProjectByID(ctx, sub)
			if err != nil {
				t.Fatal(err)
			}
			next.ID, next.Code, next.Title, next.Year, next.Version = 0, nil, next.Title+"（下一年度）", next.Year+1, 0
			if err := srv.DB.CreateProject(ctx, next, []model.ProjectUnit{{UnitID: next.LeadUnitID, Role: model.ProjectUnitLead}}, nil, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			linked := map[string]int{}
			for _, user := range []string{"admin", "secadmin", "auditor", "reviewer", "city", "secretary", "unit"} {
				t.Run(user, func(t *testing.T) {
					c := srv.Client(t)
					c.Login(user, testenv.Password)
					linked[user] = reconcile(t, c, user)
					if user == "reviewer" {
						note := c.Get("/").Doc(t).Find(`[data-tile="review_queue"] .muted`).Text()
						if !strings.Contains(note, "其中 1 个为其他年度") {
							t.Errorf("the review queue tile does not explain next year's project: %q", note)
						}
					}
				})
			}
			// The readers of figures have figures linked to lists.
			for _, user := range []string{"reviewer", "city", "secretary"} {
				if linked[user] < 10 {
					t.Errorf("%s: only %d figures followed to a list", user, linked[user])
				}
			}
		})
		t.Run(d+"/generated", func(t *testing.T) {
			db := testenv.NewDB(t, d)
			db.SetClock(testenv.FixedClock(testenv.Now(t, testenv.Midyear)))
			hash, err := argon2id.CreateHash(testenv.Password, &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
			if err != nil {
				t.Fatal(err)
			}
			res, err := app.SeedScale(context.Background(), db, app.ScaleOptions{Scale: reconcileScale, Seed: 14, End: service.AllianceToday(db.Now()), PasswordHash: hash})
			if err != nil {
				t.Fatal(err)
			}
			srv := testenv.ServeDB(t, db)
			srv.App.Authz.SetClock(db.Now)
			srv.CreateUser(t, "reconcile.city", model.RoleCityReviewer, model.DomainSys)
			users := []string{"reconcile.city"}
			for _, l := range res.Logins {
				users = append(users, l.Username)
			}
			for _, user := range users {
				t.Run(user, func(t *testing.T) {
					c := srv.Client(t)
					c.Login(user, testenv.Password)
					n := reconcile(t, c, user)
					if user == "reconcile.city" && n < 10 {
						t.Errorf("%s: only %d figures followed to a list", user, n)
					}
				})
			}
		})
	}
}

// reconcileScale is the generated city's size (`seed --scale 0.1`: a tenth
// of a city's year), enough for every status, district and alliance to have rows.
const reconcileScale = 0.1

// TestCounterGlossaryStatesTheRules: the glossary page states the year
// rule, the money rule and the grade bands, and names each counter's list
// or says it is an aggregate.
func TestCounterGlossaryStatesTheRules(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	srv.CreateUser(t, "glossary_reader", model.RoleUnitContact, model.DomainOf(model.DomainUnit, 1))
	c := srv.Client(t)
	c.Login("glossary_reader", testenv.Password)
	doc := c.Get("/reports/counters").Doc(t)
	for sel, want := range map[string][]string{
		"#rule-year":  {"年度", "项目清单"},
		"#rule-money": {"元", "万元", "¥12,345.00", "分"},
		"#rule-grade": {"优 ≥ 90", "良 80–89", "中 60–79", "差 < 60"},
		"#rule-list":  {"共 N 条", "汇总数"},
	} {
		text := doc.Find(sel).Text()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q: %q", sel, w, text)
			}
		}
	}
	for _, ct := range report.Counters {
		cell := doc.Find("tr#" + ct.Key + " td[data-list]")
		if cell.Length() != 1 || (ct.List == "") != strings.Contains(cell.Text(), "汇总数") {
			t.Errorf("%s: list cell %q", ct.Key, cell.Text())
		}
	}
}

// TestReportsListEveryMonth: the breakdown by month lists every month of
// the period, the months without an event at zero (API and pack sheet).
func TestReportsListEveryMonth(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			_, _, c := reportWorld(t, d)
			got := getSummary(t, c, "year=2026&district_id=310104&group_by=month")
			if len(got.Rows) != 12 || got.Rows[0].Key != "2026-01" || got.Rows[11].Key != "2026-12" {
				t.Fatalf("months: %d rows %v", len(got.Rows), got.Rows)
			}
			for _, r := range got.Rows {
				if v, ok := r.Values["projects_approved"]; !ok || (r.Key == "2026-12" && v != 0) {
					t.Errorf("%s: projects_approved %d %v", r.Key, v, ok)
				}
			}
			res := c.Get("/reports/pack.xlsx?scope=district&district_id=310104&year=2026")
			f, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("按月份")
			months := 0
			for _, r := range rows {
				if len(r) > 0 && strings.HasPrefix(r[0], "2026-") {
					months++
				}
			}
			if months != 12 {
				t.Errorf("pack 按月份: %d months", months)
			}
		})
	}
}
