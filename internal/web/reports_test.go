package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/report/reporttest"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// ---- authorization matrix ----

// cityReviewer is the matrix's city-level reader (city_reviewer in sys).
const cityReviewer = model.RoleCityReviewer

func init() {
	matrixRoles = append(matrixRoles, matrixRole{cityReviewer, model.RoleCityReviewer, "sys"})
	readers := []string{reviewer, allianceXHAdmin, allianceSecretaryRole, cityReviewer}
	matrixFixtures["{rp_unit_xh}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(unitFixture(t, srv, 310104, "").ID)
	}
	matrixFixtures["{rp_unit_foreign}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(unitFixture(t, srv, 310101, "").ID)
	}
	matrixFixtures["{rp_unit_home}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string { return env["home_unit"] }
	matrix = append(matrix,
		matrixRow{"GET", "/reports", readers, false},
		matrixRow{"GET", "/reports/export", readers, false},
		matrixRow{"GET", "/reports/pack.xlsx", readers, false},
		matrixRow{"GET", "/reports/counters", anyUser, false},
		matrixRow{"GET", "/api/v1/reports/summary", readers, false},
		matrixRow{"GET", "/api/v1/reports/counters", anyUser, false},
		matrixRow{"GET", "/search", anyUser, false},
		matrixRow{"GET", "/digest", anyUser, false},
		matrixRow{"GET", "/units/{rp_unit_xh}/profile", []string{reviewer, allianceXHAdmin, cityReviewer}, false},
		matrixRow{"GET", "/units/{rp_unit_foreign}/profile", []string{cityReviewer}, false},
		matrixRow{"GET", "/units/{rp_unit_home}/profile", nil, false}, // filled below
	)
	// The home unit's profile: its contact, the district's readers and the
	// city; the matrix secretary too when the home unit is a member of the
	// home alliance (another area may make it one).
	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_unit"] == "" {
			env["home_unit"] = fmt.Sprint(unitFixture(t, srv, 310104, "矩阵联络员单位").ID)
		}
		allow := []string{reviewer, allianceXHAdmin, matrixUnitContact, cityReviewer}
		var n int
		if err := srv.DB.SQL().QueryRow("SELECT COUNT(*) FROM memberships WHERE unit_id = " + env["home_unit"] +
			" AND alliance_id = " + strings.TrimSpace(env["home_alliance"]+" ") + " AND left_on IS NULL").Scan(&n); err == nil && n > 0 {
			allow = append(allow, allianceSecretaryRole)
		}
		for i, row := range matrix {
			if row.path == "/units/{rp_unit_home}/profile" {
				matrix[i].allow = allow
			}
		}
	})
}

// ---- helpers ----

// reportWorld builds the hand-made world behind a server and a reviewer of
// 徐汇区 logged in.
func reportWorld(t *testing.T, d string) (*testenv.Server, *reporttest.World, *testenv.Client) {
	t.Helper()
	srv := testenv.NewServer(t, d)
	w := reporttest.Build(t, srv.DB)
	name := fmt.Sprintf("rp_rev_%d", allianceSeq.Add(1))
	srv.CreateUser(t, name, model.RoleDistrictReviewer, "district:310104")
	c := srv.Client(t)
	c.Login(name, testenv.Password)
	return srv, w, c
}

type summaryAnswer struct {
	Scope   string           `json:"scope"`
	ScopeID int64            `json:"scope_id"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	Totals  map[string]int64 `json:"totals"`
	Rows    []struct {
		Key    string           `json:"key"`
		Label  string           `json:"label"`
		Values map[string]int64 `json:"values"`
	} `json:"rows"`
}

func getSummary(t *testing.T, c *testenv.Client, query string) summaryAnswer {
	t.Helper()
	res := c.Get("/api/v1/reports/summary?" + query)
	if res.Status != http.StatusOK {
		t.Fatalf("summary %s: %d %s", query, res.Status, res.Body)
	}
	var out summaryAnswer
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// unformat turns 1,234 or 12.34 (万元) back into the stored integer.
func unformat(t *testing.T, key, text string) int64 {
	t.Helper()
	ct, ok := report.CounterByKey(key)
	if !ok {
		t.Fatalf("no counter %s", key)
	}
	s := strings.ReplaceAll(strings.TrimSpace(text), ",", "")
	if ct.Unit == report.UnitFen {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: %q", key, text)
		}
		return int64(f*1_000_000 + 0.5)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: %q", key, text)
	}
	return n
}

// ---- tests ----

// The API gives the glossary's hand-computed figures of 2026 and 2025.
func TestReportsAPIKnownFigures(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			_, w, c := reportWorld(t, d)
			for year, want := range map[int]map[string]int64{2026: reporttest.Want2026, 2025: reporttest.Want2025} {
				got := getSummary(t, c, fmt.Sprintf("year=%d&district_id=310104", year))
				for k, v := range want {
					if got.Totals[k] != v {
						t.Errorf("%d %s = %d, want %d", year, k, got.Totals[k], v)
					}
				}
			}
			// The same figures by alliance id (A holds the district's activity).
			got := getSummary(t, c, fmt.Sprintf("year=2026&alliance_id=%d", w.A.ID))
			if got.Scope != "alliance" || got.Totals["projects_approved"] != 3 {
				t.Errorf("alliance scope: %+v", got)
			}
			// Month and quarter periods: P2 approved 2026-01-10 and P6 on 2026-01-01 in Shanghai.
			if got := getSummary(t, c, "year=2026&period=month&n=1&district_id=310104"); got.Totals["projects_approved"] != 2 || got.From != "2026-01-01" || got.To != "2026-01-31" {
				t.Errorf("January: %+v", got)
			}
			if got := getSummary(t, c, "year=2026&period=quarter&n=1&district_id=310104"); got.Totals["projects_approved"] != 3 {
				t.Errorf("Q1: %+v", got.Totals)
			}
			if got := getSummary(t, c, "period=custom&from=2025-12-01&to=2026-01-31&district_id=310104"); got.Totals["projects_approved"] != 3 {
				t.Errorf("custom: %+v", got.Totals)
			}
			// Bad input is a 400 naming the field, never a 500.
			for _, q := range []string{"period=week", "group_by=colour", "year=1999", "period=month&n=13", "period=custom&from=2026-02-01&to=2026-01-01", "district_id=abc"} {
				res := c.Get("/api/v1/reports/summary?" + q)
				if res.Status != http.StatusBadRequest {
					t.Errorf("%s: %d %s", q, res.Status, res.Body)
				}
			}
		})
	}
}

// Dashboard = report = API for the same scope and period (this year to
// today, 徐汇区), tile by tile, and the status tiles against the API's
// status breakdown.
func TestReportsDashboardEqualsReportAndAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			_, _, c := reportWorld(t, d)
			query := "scope=district&district_id=310104&period=custom&from=2026-01-01&to=2026-06-15" // reporttest.Today
			api := getSummary(t, c, query)
			byStatus := getSummary(t, c, query+"&group_by=status")

			home := c.Get("/")
			if home.Status != http.StatusOK {
				t.Fatalf("home: %d", home.Status)
			}
			doc := home.Doc(t)
			compared := 0
			// Now tiles carry their counter key.
			doc.Find("[data-tile]").Each(func(_ int, s *goquery.Selection) {
				key, _ := s.Attr("data-tile")
				val := s.Find(".stat-value").Text()
				if st, ok := strings.CutPrefix(key, "status_"); ok {
					want := int64(0)
					for _, r := range byStatus.Rows {
						if r.Key == st {
							want = r.Values["projects_of_year"]
						}
					}
					if unformat(t, "projects_of_year", val) != want {
						t.Errorf("status tile %s = %s, API %d", st, val, want)
					}
					compared++
					return
				}
				if unformat(t, key, val) != api.Totals[key] {
					t.Errorf("tile %s = %s, API %d", key, val, api.Totals[key])
				}
				compared++
			})
			if compared < 10 {
				t.Fatalf("only %d tiles on the dashboard", compared)
			}
			// This year's column of the comparison against the report page.
			page := c.Get("/reports?" + query)
			if page.Status != http.StatusOK {
				t.Fatalf("report page: %d", page.Status)
			}
			// The chart's bars are neutral: the party red is for primary
			// actions (UI.md), not for every bar.
			bars := page.Doc(t).Find(".report-chart svg rect")
			if bars.Length() == 0 {
				t.Error("report page: no chart bars")
			}
			bars.Each(func(_ int, r *goquery.Selection) {
				if fill, _ := r.Attr("fill"); strings.EqualFold(fill, "#c8161d") || fill == "" {
					t.Errorf("chart bar fill %q", fill)
				}
			})
			reportVals := map[string]string{}
			page.Doc(t).Find("[data-report=totals] tr[data-counter]").Each(func(_ int, s *goquery.Selection) {
				k, _ := s.Attr("data-counter")
				reportVals[k] = s.Find("td.num").Text()
			})
			rows := doc.Find("[data-dash=compare] tbody tr")
			if rows.Length() != len(service.DashboardYearCounters) {
				t.Fatalf("compare rows: %d", rows.Length())
			}
			rows.Each(func(i int, s *goquery.Selection) {
				key := service.DashboardYearCounters[i]
				dash := s.Find("td.num").First().Text()
				if dash != reportVals[key] {
					t.Errorf("%s: dashboard %s, report page %s", key, dash, reportVals[key])
				}
				if unformat(t, key, dash) != api.Totals[key] {
					t.Errorf("%s: dashboard %s, API %d", key, dash, api.Totals[key])
				}
			})
			// Known figures, so that all three cannot agree on nothing.
			if api.Totals["projects_approved"] != 3 || api.Totals["review_queue"] != 1 || api.Totals["needs_met"] != 1 {
				t.Errorf("API totals: %v", api.Totals)
			}
			// The annual pack's summary sheet carries the same year figures.
			res := c.Get("/reports/pack.xlsx?scope=district&district_id=310104&year=2026")
			if res.Status != http.StatusOK {
				t.Fatalf("pack: %d %s", res.Status, res.Body)
			}
			f, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
			if err != nil {
				t.Fatal(err)
			}
			sheets := f.GetSheetList()
			// One sheet per breakdown, the status breakdown one per entity
			// (a status is labelled once per entity), and the glossary.
			if len(sheets) != len(service.PackBreakdowns)+3+1 || sheets[len(sheets)-1] != "计数口径" ||
				!slices.Contains(sheets, "按状态（项目）") || !slices.Contains(sheets, "按状态（需求）") || slices.Contains(sheets, "按状态") {
				t.Fatalf("pack sheets: %v", sheets)
			}
			year := getSummary(t, c, "scope=district&district_id=310104&year=2026")
			rowsX, err := f.GetRows(sheets[0])
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, r := range rowsX {
				if len(r) >= 4 {
					if _, ok := report.CounterByKey(r[3]); ok {
						if unformat(t, r[3], r[1]) != year.Totals[r[3]] {
							t.Errorf("pack %s = %s, API %d", r[3], r[1], year.Totals[r[3]])
						}
						found++
					}
				}
			}
			if found != len(service.ReportCounters()) {
				t.Errorf("pack summary has %d counters, want %d", found, len(service.ReportCounters()))
			}
		})
	}
}

// A reviewer's report never includes another district's rows: foreign
// scopes answer 404, and every breakdown of their own scope holds only
// their district's rows.
func TestReportsReviewerStaysInDistrict(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			_, w, c := reportWorld(t, d)
			for _, q := range []string{"district_id=310101", fmt.Sprintf("alliance_id=%d", w.F.ID), "scope=city",
				"district_id=999999"} {
				for _, path := range []string{"/api/v1/reports/summary?", "/reports?", "/reports/export?format=csv&", "/reports/pack.xlsx?"} {
					if res := c.Get(path + q); res.Status != http.StatusNotFound {
						t.Errorf("%s%s: %d", path, q, res.Status)
					}
				}
			}
			// Default scope: their district.
			got := getSummary(t, c, "year=2026&group_by=district")
			if got.Scope != "district" || got.ScopeID != 310104 || len(got.Rows) != 1 || got.Rows[0].Key != "310104" {
				t.Errorf("default scope by district: %+v", got)
			}
			got = getSummary(t, c, "year=2026&group_by=alliance")
			for _, r := range got.Rows {
				if r.Key == strconv.FormatInt(w.F.ID, 10) {
					t.Errorf("foreign alliance in the breakdown: %+v", r)
				}
			}
			// The foreign project's progress (999 人次) never shows.
			if got.Totals["beneficiaries"] != 80 {
				t.Errorf("beneficiaries = %d, want 80", got.Totals["beneficiaries"])
			}
			// CSV export of the breakdown: only their alliances.
			res := c.Get("/reports/export?format=csv&year=2026&group_by=alliance")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, w.A.Name) || strings.Contains(res.Body, w.F.Name) {
				t.Errorf("csv: %d %q", res.Status, res.Body)
			}
		})
	}
}

// The city reader sees every district side by side; the xlsx export is a
// formatted workbook with the glossary.
func TestReportsCityAndExports(t *testing.T) {
	srv, w, _ := reportWorld(t, "sqlite")
	srv.CreateUser(t, "rp_city", "city_reviewer", "sys")
	c := srv.Client(t)
	c.Login("rp_city", testenv.Password)
	home := c.Get("/")
	doc := home.Doc(t)
	names := doc.Find("[data-dash=districts] tbody tr td:first-child").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if !slices.Contains(names, "徐汇区") || !slices.Contains(names, "黄浦区") {
		t.Errorf("city view districts: %v", names)
	}
	got := getSummary(t, c, "year=2026&group_by=district")
	if got.Scope != "city" {
		t.Errorf("city default scope: %s", got.Scope)
	}
	res := c.Get(fmt.Sprintf("/reports/export?format=xlsx&year=2026&alliance_id=%d&group_by=month", w.A.ID))
	if res.Status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", res.Status, res.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	if len(sheets) != 2 || sheets[1] != "计数口径" {
		t.Fatalf("sheets: %v", sheets)
	}
	title, _ := f.GetCellValue(sheets[0], "A1")
	period, _ := f.GetCellValue(sheets[0], "B2")
	if !strings.Contains(title, w.A.Name) || !strings.Contains(period, "2026年") {
		t.Errorf("title %q, period %q", title, period)
	}
	gl, _ := f.GetRows(sheets[1])
	if len(gl) < len(report.Counters) {
		t.Errorf("glossary sheet: %d rows", len(gl))
	}
	// The glossary page and API list every counter.
	page := c.Get("/reports/counters")
	for _, ct := range report.Counters {
		if !strings.Contains(page.Body, `id="`+ct.Key+`"`) {
			t.Errorf("glossary page lacks %s", ct.Key)
		}
	}
	var g struct {
		Items []report.Counter `json:"items"`
	}
	if err := json.Unmarshal([]byte(c.Get("/api/v1/reports/counters").Body), &g); err != nil || len(g.Items) != len(report.Counters) {
		t.Errorf("counters API: %v %d", err, len(g.Items))
	}
	// The secretary's dashboard is their alliance's; the unit contact's their unit's contribution.
	srv.CreateUser(t, "rp_sec_home", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", w.A.ID))
	srv.CreateUser(t, "rp_contact_home", model.RoleUnitContact, fmt.Sprintf("unit:%d", w.U1))
	for user, want := range map[string]string{"rp_sec_home": `[data-dash=status]`, "rp_contact_home": `[data-dash=profile] [data-tile=unit_projects_led]`} {
		cc := srv.Client(t)
		cc.Login(user, testenv.Password)
		doc := cc.Get("/").Doc(t)
		if doc.Find(want).Length() == 0 {
			t.Errorf("%s: no %s on the home page", user, want)
		}
		if user == "rp_sec_home" && !strings.Contains(doc.Find("#dash-title").Text(), w.A.Name) {
			t.Errorf("secretary dashboard title %q", doc.Find("#dash-title").Text())
		}
	}
	// A unit's profile (printable): U1 leads one approved project of 年度
	// 2026 (P6); P1, which ran into 2026, is of 年度 2025.
	prof := c.Get(fmt.Sprintf("/units/%d/profile?year=2026", w.U1))
	if prof.Status != http.StatusOK {
		t.Fatalf("profile: %d", prof.Status)
	}
	cell := prof.Doc(t).Find(`tr[data-counter="unit_projects_led"] td.num`).Text()
	if cell != "1" {
		t.Errorf("projects led = %q", cell)
	}
}

// The report page, the dashboard, search and the inbox run as many SQL
// statements with ten more alliances (rows of the breakdown, the ranking,
// the search) as before: no statement per row.
func TestReportPagesRunAsManyStatements(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewGuardedServer(t, d)
			w := reporttest.Build(t, srv.DB)
			srv.CreateUser(t, "rp_qg", model.RoleDistrictReviewer, "district:310104")
			c := srv.Client(t)
			c.Login("rp_qg", testenv.Password)
			var last string
			grow := func() {
				for i := 0; i < 10; i++ {
					a := allianceFixture(t, srv, 310104, fmt.Sprintf("报表增长联盟%d_%d", allianceSeq.Add(1), i), "")
					last = a.Name
					at := *reporttest.Shanghai(2026, 3, 1, 10)
					p := &model.Project{AllianceID: a.ID, DistrictID: 310104, LeadUnitID: w.U1, Title: "报表增长项目" + a.Name, Category: "care",
						Year: 2026, Status: model.ProjectApproved, ApprovedAt: &at, StartsOn: reporttest.Day(2026, 3, 1)}
					if err := srv.DB.CreateProject(t.Context(), p, []model.ProjectUnit{{UnitID: w.U1, Role: model.ProjectUnitLead}}, nil, nil, nil, nil); err != nil {
						t.Fatal(err)
					}
				}
			}
			paths := []string{"/reports?year=2026&group_by=alliance", "/", "/search?q=" + "报表", "/inbox", "/digest",
				fmt.Sprintf("/units/%d/profile?year=2026", w.U1)}
			for _, path := range paths {
				testenv.SameStatements(t, c, path, grow)
			}
			if body := c.Get(paths[0]).Body; !strings.Contains(body, last) {
				t.Errorf("the report lacks the added alliance %s", last)
			}
		})
	}
}
