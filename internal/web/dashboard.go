package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
)

// The dashboard of the home page (工作台) by role. Each tile links to the
// list behind it with the same filter, so the list's 共 N 条 equals the tile:
// project tiles to /projects (district_id or alliance_id, from/to, status,
// overdue), need tiles to /needs (status, coverage). Year-on-year figures
// link to the report page of the same scope and period.

// dashTile is one figure with its drill-down link.
type dashTile struct {
	Key   string
	Label string
	Value string
	URL   string
	Note  string
	Tone  string // "", "warn"
}

// dashCompare is a this-year-vs-last-year row.
type dashCompare struct {
	Label      string
	This, Last string
	Delta      string
	Up, Down   bool
}

// dashRank is a ranked alliance or a district of the city view.
type dashRank struct {
	Label    string
	URL      string
	Activity string
	Cells    []string
}

// dashboardView is the home page's dashboard.
type dashboardView struct {
	Kind       string
	Title      string
	ScopeLabel string
	YearLabel  string
	Status     []dashTile
	Queue      []dashTile
	Needs      []dashTile
	Compare    []dashCompare
	CompareURL string
	Ranking    []dashRank
	RankHead   []string
	Districts  []dashRank
	CityHead   []string
	Chart      *svgChart
	MonthChart *svgChart
	Profile    []dashTile
	ProfileURL string
	ReportURL  string
}

// dashboard builds the view of the caller's dashboard; nil when none applies
// or it cannot be computed (the home page must not fail for it; logged).
func (s *Server) dashboard(c echo.Context) *dashboardView {
	if CurrentUser(c) == nil {
		return nil
	}
	ctx, loc := c.Request().Context(), Locale(c)
	d, err := s.reportService().Dashboard(ctx, actor(c))
	if err != nil {
		s.log.Error("dashboard", "err", err, "request_id", RequestID(c))
		return nil
	}
	if d.Kind == service.DashboardNone {
		return nil
	}
	T := func(k string, a ...any) string { return s.cat.T(loc, k, a...) }
	v := &dashboardView{Kind: d.Kind, YearLabel: T("report.ytd", d.Year.FromText(), d.Year.ToText())}
	if d.Kind == service.DashboardUnit {
		p := d.Profile
		v.Title = T("dash.title_unit", p.Unit.Name)
		v.ProfileURL = "/units/" + strconv.FormatInt(p.Unit.ID, 10) + "/profile"
		for _, ct := range p.Counters {
			v.Profile = append(v.Profile, dashTile{Key: ct.Key, Label: ct.Name(loc), Value: ct.Format(p.Values[ct.Key]), URL: v.ProfileURL})
		}
		return v
	}
	v.ScopeLabel = s.scopeLabel(loc, d.Scope)
	v.Title = T("dash.title_"+d.Kind, v.ScopeLabel)
	// The list filters of the scope.
	base := url.Values{}
	switch d.Scope.Kind {
	case report.ScopeDistrict:
		base.Set("district_id", strconv.FormatInt(d.Scope.ID, 10))
	case report.ScopeAlliance:
		base.Set("alliance_id", strconv.FormatInt(d.Scope.ID, 10))
	}
	link := func(path string, extra ...string) string {
		q := url.Values{}
		for k, x := range base {
			q[k] = x
		}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		return path + "?" + q.Encode()
	}
	// Projects of this year's plan by status.
	counts := map[string]int64{}
	for _, r := range d.ByStatus.Rows {
		counts[r.Key] = r.Values[report.ProjectsInPeriod]
	}
	for _, st := range model.ProjectStatuses {
		if st == model.ProjectDraft {
			continue
		}
		v.Status = append(v.Status, dashTile{Key: "status_" + st, Label: s.statusLabel(loc, st), Value: report.Thousands(counts[st]),
			URL: link("/projects", "from", d.Plan.FromText(), "to", d.Plan.ToText(), "status", st)})
	}
	now := d.Now.Totals
	v.Queue = []dashTile{
		{Key: report.ReviewQueue, Label: T("dash.review_queue"), Value: report.Thousands(now[report.ReviewQueue]),
			URL:  link("/projects", "status", model.ProjectSubmitted),
			Note: T("dash.review_note", report.Thousands(now[report.ReviewOverdue]), report.Thousands(now[report.ReviewOldestDays]))},
		{Key: report.ProjectsOverdue, Label: T("dash.projects_overdue"), Value: report.Thousands(now[report.ProjectsOverdue]),
			URL: link("/projects", "overdue", "1"), Tone: tone(now[report.ProjectsOverdue])},
	}
	v.Needs = []dashTile{
		{Key: report.NeedsMet, Label: T("dash.needs_met"), Value: report.Thousands(now[report.NeedsMet]), URL: link("/needs", "coverage", model.CoverageComplete)},
		{Key: report.NeedsPartly, Label: T("dash.needs_partly"), Value: report.Thousands(now[report.NeedsPartly]), URL: link("/needs", "status", model.NeedPartlyClaimed)},
		{Key: report.NeedsOpen, Label: T("dash.needs_open"), Value: report.Thousands(now[report.NeedsOpen]), URL: link("/needs", "status", model.NeedPublished)},
	}
	for _, ct := range d.This.Counters {
		this, last := d.This.Totals[ct.Key], d.Last.Totals[ct.Key]
		row := dashCompare{Label: ct.Name(loc), This: ct.Format(this), Last: ct.Format(last), Up: this > last, Down: this < last}
		switch {
		case last == 0 && this == 0:
			row.Delta = "—"
		case last == 0:
			row.Delta = T("dash.new")
		default:
			row.Delta = strconv.FormatFloat(float64(this-last)*100/float64(last), 'f', 1, 64) + "%"
			if this > last {
				row.Delta = "+" + row.Delta
			}
		}
		v.Compare = append(v.Compare, row)
	}
	// Projects approved per month, every month of the year so far.
	perMonth := map[string]int64{}
	for _, r := range d.ByMonth.Rows {
		perMonth[r.Key] = r.Values[report.ProjectsApproved]
	}
	var months []chartBar
	for m := d.Year.From; !m.After(d.Year.To); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		months = append(months, chartBar{Label: k, Value: perMonth[k], Text: report.Thousands(perMonth[k])})
	}
	approved, _ := report.CounterByKey(report.ProjectsApproved)
	v.MonthChart = newBarChart(T("dash.month_chart", approved.Name(loc)), months)
	rq := reportQuery{Scope: d.Scope.Kind, ScopeID: d.Scope.ID, Period: report.PeriodCustom, From: d.Year.FromText(), To: d.Year.ToText()}
	v.CompareURL = "/reports?" + rq.values().Encode()
	v.ReportURL = v.CompareURL
	for _, key := range service.DashboardActivityCounters {
		ct, _ := report.CounterByKey(key)
		v.RankHead = append(v.RankHead, ct.Name(loc))
	}
	for _, r := range d.Ranking {
		row := dashRank{Label: r.Label, Activity: report.Thousands(r.Activity),
			URL: "/reports?" + (reportQuery{Scope: report.ScopeAlliance, ScopeID: keyID(r.Key), Period: report.PeriodCustom,
				From: d.Year.FromText(), To: d.Year.ToText()}).values().Encode()}
		for _, key := range service.DashboardActivityCounters {
			ct, _ := report.CounterByKey(key)
			row.Cells = append(row.Cells, ct.Format(r.Values[key]))
		}
		v.Ranking = append(v.Ranking, row)
	}
	if d.Districts != nil {
		var cols []report.Counter
		for _, ct := range d.Districts.Counters {
			if ct.By(report.ByDistrict) {
				cols = append(cols, ct)
				v.CityHead = append(v.CityHead, ct.Name(loc))
			}
		}
		var bars []chartBar
		for _, r := range d.Districts.Rows {
			row := dashRank{Label: r.Label, URL: "/reports?" + (reportQuery{Scope: report.ScopeDistrict, ScopeID: keyID(r.Key),
				Period: report.PeriodCustom, From: d.Year.FromText(), To: d.Year.ToText()}).values().Encode()}
			for _, ct := range cols {
				row.Cells = append(row.Cells, ct.Format(r.Values[ct.Key]))
			}
			v.Districts = append(v.Districts, row)
			bars = append(bars, chartBar{Label: r.Label, Value: r.Values[report.ProjectsApproved], Text: report.Thousands(r.Values[report.ProjectsApproved])})
		}
		ct, _ := report.CounterByKey(report.ProjectsApproved)
		v.Chart = newBarChart(ct.Name(loc), bars)
	}
	return v
}

func tone(n int64) string {
	if n > 0 {
		return "warn"
	}
	return ""
}

func keyID(k string) int64 { n, _ := strconv.ParseInt(k, 10, 64); return n }
