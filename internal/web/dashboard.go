package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
)

// The dashboard of the home page (工作台) by role. Each figure whose counter
// names a list links to it through report.DrillDown, so the list's 共 N 条
// equals the figure: this year's projects by status to /projects?year=…&status=…
// (the one year rule, 年度), the review queue and overdue projects to
// /projects, need tiles to /needs. A figure without a list is an aggregate
// of the glossary (sums, distinct counts, events) and carries its counter
// key (data-counter) so that a test can tell the two apart.

// dashTile is one figure with its drill-down link.
type dashTile struct {
	Key     string
	Counter string // the glossary's key
	Label   string
	Value   string
	URL     string
	Note    string
	Tone    string // "", "warn"
}

// dashCompare is a this-year-vs-last-year row.
type dashCompare struct {
	Key              string
	Label            string
	This, Last       string
	ThisURL, LastURL string // the lists behind the figures, "" for an aggregate
	Delta            string
	Up, Down         bool
}

// dashRank is a ranked alliance or a district of the city view.
type dashRank struct {
	Label    string
	URL      string
	Activity string
	Cells    []dashCell
}

// dashCell is one figure of a table, with its counter and list ("" for an
// aggregate).
type dashCell struct {
	Counter string
	Text    string
	URL     string
}

// dashboardView is the home page's dashboard.
type dashboardView struct {
	Kind       string
	Title      string
	ScopeLabel string
	YearLabel  string
	Status     []dashTile
	StatusYear int // the 年度 of the status tiles
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
			v.Profile = append(v.Profile, dashTile{Key: ct.Key, Counter: ct.Key, Label: ct.Name(loc), Value: ct.Format(p.Values[ct.Key]), URL: v.ProfileURL})
		}
		return v
	}
	v.ScopeLabel = s.scopeLabel(loc, d.Scope)
	v.StatusYear = d.Year.Year
	v.Title = T("dash.title_"+d.Kind, v.ScopeLabel)
	// drill is the list behind a figure ("" for an aggregate).
	drill := func(key string, p report.Period, by, group string) string {
		ct, _ := report.CounterByKey(key)
		u, _ := report.DrillDown(ct, d.Scope, p, by, group)
		return u
	}
	// This year's projects (年度) by status.
	counts := map[string]int64{}
	for _, r := range d.ByStatus.Rows {
		counts[r.Key] = r.Values[report.ProjectsOfYear]
	}
	for _, st := range model.ProjectStatuses {
		if st == model.ProjectDraft {
			continue
		}
		v.Status = append(v.Status, dashTile{Key: "status_" + st, Counter: report.ProjectsOfYear, Label: s.statusLabel(loc, st),
			Value: report.Thousands(counts[st]), URL: drill(report.ProjectsOfYear, d.Year, report.ByStatus, st)})
	}
	now := d.Now.Totals
	tile := func(key, label string) dashTile {
		return dashTile{Key: key, Counter: key, Label: label, Value: report.Thousands(now[key]), URL: drill(key, d.Year, "", "")}
	}
	queue := tile(report.ReviewQueue, T("dash.review_queue"))
	queue.Note = T("dash.review_note", report.Thousands(now[report.ReviewOverdue]), report.Thousands(now[report.ReviewOldestDays]))
	// The queue holds every 年度; the 待审核 tile this year's only: say how
	// many wait for another year, so that the two figures explain each other.
	if other := now[report.ReviewQueue] - counts[model.ProjectSubmitted]; other > 0 {
		queue.Note += " · " + T("dash.review_other_years", report.Thousands(other))
	}
	overdue := tile(report.ProjectsOverdue, T("dash.projects_overdue"))
	overdue.Tone = tone(now[report.ProjectsOverdue])
	v.Queue = []dashTile{queue, overdue}
	v.Needs = []dashTile{tile(report.NeedsMet, T("dash.needs_met")), tile(report.NeedsPartly, T("dash.needs_partly")), tile(report.NeedsOpen, T("dash.needs_open"))}
	for _, ct := range d.This.Counters {
		this, last := d.This.Totals[ct.Key], d.Last.Totals[ct.Key]
		row := dashCompare{Key: ct.Key, Label: ct.Name(loc), This: ct.Format(this), Last: ct.Format(last), Up: this > last, Down: this < last,
			ThisURL: drill(ct.Key, d.Year, "", ""), LastURL: drill(ct.Key, d.LastYear, "", "")}
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
			row.Cells = append(row.Cells, dashCell{Counter: key, Text: ct.Format(r.Values[key]), URL: drill(key, d.Year, report.ByAlliance, r.Key)})
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
				row.Cells = append(row.Cells, dashCell{Counter: ct.Key, Text: ct.Format(r.Values[ct.Key]), URL: drill(ct.Key, d.Year, report.ByDistrict, r.Key)})
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
