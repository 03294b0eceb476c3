package web

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
)

// Reports (统计报表): the report page (period, scope, breakdown; table,
// chart, xlsx/csv), the district's annual pack, the counter glossary
// (计数口径) and /api/v1/reports/*. Every figure comes from
// service.Reports.Run over the glossary of internal/report.

func (s *Server) reportService() *service.Reports { return service.NewReports(s.deps()) }

// reportQuery is a report's URL: the same parameters for the page, its
// exports and the API.
type reportQuery struct {
	Scope                          string // city, district, street, alliance, committee ("": the caller's default)
	DistrictID, StreetID           int64
	AllianceID, CommitteeID        int64
	Period                         string
	Year, N                        int
	From, To                       string
	GroupBy                        string
	Chart                          string // the counter the chart shows
	ScopeID                        int64  // resolved from the kind's id parameter
	period                         report.Period
	defaultScope, defaultScopeKind bool
}

// readReportQuery reads and checks a report's parameters; a bad one is a
// field error (400).
func (s *Server) readReportQuery(c echo.Context) (reportQuery, error) {
	v := c.QueryParams()
	ve := &model.ValidationError{}
	q := reportQuery{Scope: strings.TrimSpace(v.Get("scope")), Period: strings.TrimSpace(v.Get("period")),
		GroupBy: strings.TrimSpace(v.Get("group_by")), Chart: strings.TrimSpace(v.Get("chart"))}
	id := func(name string) int64 {
		raw := strings.TrimSpace(v.Get(name))
		if raw == "" {
			return 0
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			ve.Add(name, "report.bad_id")
			return 0
		}
		return n
	}
	q.DistrictID, q.StreetID, q.AllianceID, q.CommitteeID = id("district_id"), id("street_id"), id("alliance_id"), id("committee_id")
	if q.Scope == "" {
		// The API names the scope by its most specific id.
		switch {
		case q.CommitteeID != 0:
			q.Scope = report.ScopeCommittee
		case q.AllianceID != 0:
			q.Scope = report.ScopeAlliance
		case q.StreetID != 0:
			q.Scope = report.ScopeStreet
		case q.DistrictID != 0:
			q.Scope = report.ScopeDistrict
		}
	}
	if q.Scope != "" && !slices.Contains(report.ScopeKinds, q.Scope) {
		ve.Add("scope", "report.bad_scope")
	}
	kind, defID, ok := s.reportService().DefaultScope(actor(c))
	if q.Scope == "" {
		if !ok {
			return q, model.ErrForbidden
		}
		q.Scope, q.defaultScopeKind = kind, true
	}
	q.ScopeID = map[string]int64{report.ScopeDistrict: q.DistrictID, report.ScopeStreet: q.StreetID,
		report.ScopeAlliance: q.AllianceID, report.ScopeCommittee: q.CommitteeID}[q.Scope]
	if q.Scope != report.ScopeCity && q.ScopeID == 0 {
		if q.Scope == kind && defID != 0 {
			q.ScopeID, q.defaultScope = defID, true
		} else if !(len(ve.Fields) > 0) {
			ve.Add("scope_id", "report.scope_id_required")
		}
	}
	switch q.Scope {
	case report.ScopeDistrict:
		q.DistrictID = q.ScopeID
	case report.ScopeAlliance:
		q.AllianceID = q.ScopeID
	}
	if q.GroupBy != "" && !slices.Contains(report.Breakdowns, q.GroupBy) {
		ve.Add("group_by", "report.bad_group_by")
	}
	today := s.reportService().Today()
	if q.Period == "" {
		q.Period = report.PeriodYear
	}
	q.Year = today.Year()
	if raw := strings.TrimSpace(v.Get("year")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 2000 || n > 2100 {
			ve.Add("year", "report.bad_year")
		} else {
			q.Year = n
		}
	}
	q.N = 1
	if raw := strings.TrimSpace(v.Get("n")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			ve.Add("n", "report.bad_n")
		} else {
			q.N = n
		}
	}
	q.From, q.To = strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to"))
	var from, to time.Time
	if q.Period == report.PeriodCustom {
		var err1, err2 error
		from, err1 = time.Parse(time.DateOnly, q.From)
		to, err2 = time.Parse(time.DateOnly, q.To)
		if err1 != nil {
			ve.Add("from", model.MsgBadDate)
		}
		if err2 != nil {
			ve.Add("to", model.MsgBadDate)
		}
	} else if !slices.Contains(report.PeriodKinds, q.Period) {
		ve.Add("period", "report.bad_period")
	}
	if len(ve.Fields) > 0 {
		return q, ve
	}
	p, err := report.NewPeriod(q.Period, q.Year, q.N, from, to)
	if err != nil {
		field := "n"
		if q.Period == report.PeriodCustom {
			field = "to"
		}
		return q, ve.Add(field, "report.bad_period_range")
	}
	q.period = p
	return q, nil
}

// values writes the query back as URL parameters (links, exports).
func (q reportQuery) values() url.Values {
	v := url.Values{}
	v.Set("scope", q.Scope)
	switch q.Scope {
	case report.ScopeDistrict:
		v.Set("district_id", strconv.FormatInt(q.ScopeID, 10))
	case report.ScopeStreet:
		v.Set("street_id", strconv.FormatInt(q.ScopeID, 10))
	case report.ScopeAlliance:
		v.Set("alliance_id", strconv.FormatInt(q.ScopeID, 10))
	case report.ScopeCommittee:
		v.Set("committee_id", strconv.FormatInt(q.ScopeID, 10))
	}
	v.Set("period", q.Period)
	if q.Period == report.PeriodCustom {
		v.Set("from", q.From)
		v.Set("to", q.To)
	} else {
		v.Set("year", strconv.Itoa(q.Year))
		if q.Period != report.PeriodYear {
			v.Set("n", strconv.Itoa(q.N))
		}
	}
	if q.GroupBy != "" {
		v.Set("group_by", q.GroupBy)
	}
	return v
}

func (q reportQuery) input() service.ReportInput {
	return service.ReportInput{ScopeKind: q.Scope, ScopeID: q.ScopeID, Period: q.period, GroupBy: q.GroupBy}
}

// ---- the page ----

// reportCell is one figure of the table: its counter and the list behind
// it (report.DrillDown; "" for an aggregate).
type reportCell struct {
	Text    string
	Num     bool
	Counter string
	URL     string
}

// reportTableRow is a row of the page's table.
type reportTableRow struct {
	Label string
	Cells []reportCell
}

// reportsPage is the Data of reports/index.
type reportsPage struct {
	Q          reportQuery
	Errors     map[string]string
	Options    service.ScopeOptions
	Report     *report.Report
	ScopeLabel string
	Period     string
	Counters   []report.Counter // the counters of a breakdown (the chart's choices)
	Totals     []reportTotalRow
	Sections   []reportPageSection // the tables of a breakdown
	Chart      *svgChart
	ChartKeys  []report.Counter
	ExportXLSX string
	ExportCSV  string
	PackURL    string
	CanExport  bool
	Years      []int
	Months     []int
	PeriodKind []string
	ScopeKinds []string
	Breakdowns []string
}

// reportPageSection is one table of a breakdown: every counter for most
// breakdowns; by status one table per entity (projects, needs, resources,
// claims), each status under its own entity's label.
type reportPageSection struct {
	Area, Title string
	Counters    []report.Counter
	Rows        []reportTableRow
	TotalRow    []reportCell
}

// reportSection is a breakdown's table before layout: its counters and the
// rows that belong to it, with their labels.
type reportSection struct {
	Area, Title string
	Counters    []report.Counter
	Rows        []report.Row
	Labels      map[string]string
}

// reportSections splits a breakdown into its tables. A status is a status of
// one entity (已立项 is a project's approved and a need's in_project), so
// the status breakdown has one table per area, holding the rows of that
// area's statuses; the other breakdowns have one table.
func (s *Server) reportSections(c echo.Context, rep *report.Report) []reportSection {
	loc := Locale(c)
	var cols []report.Counter
	for _, ct := range rep.Counters {
		if ct.By(rep.GroupBy) {
			cols = append(cols, ct)
		}
	}
	if rep.GroupBy != report.ByStatus {
		return []reportSection{{Counters: cols, Rows: rep.Rows, Labels: s.groupLabels(c, rep)}}
	}
	var out []reportSection
	for _, ct := range cols {
		if n := len(out); n == 0 || out[n-1].Area != ct.Area {
			out = append(out, reportSection{Area: ct.Area, Title: s.cat.T(loc, "counters.area."+ct.Area), Labels: map[string]string{}})
		}
		sec := &out[len(out)-1]
		sec.Counters = append(sec.Counters, ct)
	}
	entity := map[string]string{"projects": "project", "needs": "need", "resources": "resource", "claims": "claim"}
	lifecycle := map[string][]string{"projects": model.ProjectStatuses, "needs": model.NeedStatuses,
		"resources": model.ResourceStatuses, "claims": model.ClaimStatuses}
	for i := range out {
		sec := &out[i]
		for _, r := range rep.Rows {
			has := false
			for _, ct := range sec.Counters {
				if _, ok := r.Values[ct.Key]; ok {
					has = true
				}
			}
			if !has {
				continue
			}
			sec.Rows = append(sec.Rows, r)
			label := r.Key
			if k := entity[sec.Area] + ".status." + r.Key; s.cat.Has(k) {
				label = s.cat.T(loc, k)
			}
			sec.Labels[r.Key] = label
		}
		// Each entity's statuses in its own lifecycle order.
		order := lifecycle[sec.Area]
		slices.SortStableFunc(sec.Rows, func(a, b report.Row) int {
			return slices.Index(order, a.Key) - slices.Index(order, b.Key)
		})
	}
	return out
}

// reportTotalRow is one counter of the totals table.
type reportTotalRow struct {
	Counter report.Counter
	Name    string
	Value   string
	URL     string // the list behind the figure, "" for an aggregate
	Unit    string
	Basis   string
}

func (s *Server) reportsIndex(c echo.Context) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.reportService()
	title := s.cat.T(loc, "menu.reports")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.reports")}, Crumb{Label: title})
	opts, err := svc.Options(ctx, actor(c))
	if err != nil {
		return err
	}
	p := reportsPage{Options: opts, PeriodKind: report.PeriodKinds, ScopeKinds: report.ScopeKinds, Breakdowns: report.Breakdowns,
		Months: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
	thisYear := svc.Today().Year()
	for y := thisYear; y >= thisYear-5; y-- {
		p.Years = append(p.Years, y)
	}
	q, err := s.readReportQuery(c)
	p.Q = q
	status := http.StatusOK
	if ve, ok := err.(*model.ValidationError); ok {
		p.Errors = map[string]string{}
		for f, key := range ve.Fields {
			p.Errors[f] = s.cat.T(loc, key)
		}
		v.Data = p
		return s.page(c, http.StatusBadRequest, "reports/index", v)
	} else if err != nil {
		return err
	}
	rep, err := svc.Run(ctx, actor(c), q.input())
	if err != nil {
		return err
	}
	s.fillReportPage(c, &p, rep)
	p.CanExport = svc.CheckExport(ctx, actor(c), q.Scope, q.ScopeID) == nil
	v.Data = p
	return s.page(c, status, "reports/index", v)
}

// fillReportPage lays a report out for the page: totals, or a table of
// groups with a total row, and the chart of one counter.
func (s *Server) fillReportPage(c echo.Context, p *reportsPage, rep *report.Report) {
	loc := Locale(c)
	p.Report = rep
	p.ScopeLabel = s.scopeLabel(loc, rep.Scope)
	p.Period = rep.Period.Label(loc)
	vals := p.Q.values()
	for _, f := range []string{"xlsx", "csv"} {
		e := url.Values{}
		for k, x := range vals {
			e[k] = x
		}
		e.Set("format", f)
		if f == "xlsx" {
			p.ExportXLSX = "/reports/export?" + e.Encode()
		} else {
			p.ExportCSV = "/reports/export?" + e.Encode()
		}
	}
	pv := url.Values{"scope": {p.Q.Scope}, "year": {strconv.Itoa(rep.Period.Year)}}
	if k := p.Q.Scope; k != report.ScopeCity {
		pv.Set(k+"_id", strconv.FormatInt(p.Q.ScopeID, 10))
	}
	p.PackURL = "/reports/pack.xlsx?" + pv.Encode()
	if rep.GroupBy == "" {
		for _, ct := range rep.Counters {
			val, ok := rep.Totals[ct.Key]
			text, link := "—", ""
			if ok {
				text = ct.Format(val)
				link, _ = report.DrillDown(ct, rep.Scope, rep.Period, "", "")
			}
			p.Totals = append(p.Totals, reportTotalRow{Counter: ct, Name: ct.Name(loc), Value: text, URL: link,
				Unit: s.cat.T(loc, "report.unit."+ct.Unit), Basis: s.cat.T(loc, "report.basis."+ct.Basis)})
		}
		// The chart of the totals: the project lifecycle's events of the period.
		var bars []chartBar
		for _, k := range []string{report.ProjectsSubmitted, report.ProjectsApproved, report.ProjectsCompleted, report.ProjectsEvaluated, report.ProjectsCancelled} {
			if v, ok := rep.Totals[k]; ok {
				ct, _ := report.CounterByKey(k)
				bars = append(bars, chartBar{Label: ct.Name(loc), Value: v, Text: ct.Format(v)})
			}
		}
		p.Chart = newBarChart(s.cat.T(loc, "report.chart_lifecycle"), bars)
		return
	}
	for _, ct := range rep.Counters {
		if ct.By(rep.GroupBy) {
			p.Counters = append(p.Counters, ct)
		}
	}
	for _, sec := range s.reportSections(c, rep) {
		ps := reportPageSection{Area: sec.Area, Title: sec.Title, Counters: sec.Counters}
		for _, r := range sec.Rows {
			row := reportTableRow{Label: sec.Labels[r.Key]}
			for _, ct := range sec.Counters {
				link, _ := report.DrillDown(ct, rep.Scope, rep.Period, rep.GroupBy, r.Key)
				row.Cells = append(row.Cells, reportCell{Text: ct.Format(r.Values[ct.Key]), Num: true, Counter: ct.Key, URL: link})
			}
			ps.Rows = append(ps.Rows, row)
		}
		for _, ct := range sec.Counters {
			text, link := "—", ""
			if val, ok := rep.Totals[ct.Key]; ok {
				text = ct.Format(val)
				link, _ = report.DrillDown(ct, rep.Scope, rep.Period, "", "")
			}
			ps.TotalRow = append(ps.TotalRow, reportCell{Text: text, Num: true, Counter: ct.Key, URL: link})
		}
		p.Sections = append(p.Sections, ps)
	}
	labels := s.groupLabels(c, rep)
	p.ChartKeys = p.Counters
	chart := p.Q.Chart
	if _, ok := report.CounterByKey(chart); !ok || !slices.ContainsFunc(p.Counters, func(x report.Counter) bool { return x.Key == chart }) {
		chart = ""
		if len(p.Counters) > 0 {
			chart = p.Counters[0].Key
		}
	}
	p.Q.Chart = chart
	if ct, ok := report.CounterByKey(chart); ok {
		var bars []chartBar
		for _, r := range rep.Rows {
			if _, ok := r.Values[chart]; !ok && rep.GroupBy == report.ByStatus {
				continue // another entity's status
			}
			bars = append(bars, chartBar{Label: labels[r.Key], Value: r.Values[chart], Text: ct.Format(r.Values[chart])})
		}
		p.Chart = newBarChart(ct.Name(loc), bars)
	}
}

// groupLabels names the groups of a breakdown in the reader's language.
func (s *Server) groupLabels(c echo.Context, rep *report.Report) map[string]string {
	loc := Locale(c)
	out := map[string]string{}
	var cats map[string]string
	if rep.GroupBy == report.ByCategory {
		cats, _ = service.NewDictionaries(s.deps()).Labels(c.Request().Context(), model.DictNeedCategory, loc)
	}
	for _, r := range rep.Rows {
		l := r.Label
		switch rep.GroupBy {
		case report.ByStatus:
			l = s.statusLabel(loc, r.Key)
		case report.ByCategory:
			if x, ok := cats[r.Key]; ok {
				l = x
			} else {
				l = r.Key
			}
		case report.ByMonth:
			l = r.Key
		}
		if l == "" {
			l = r.Key
		}
		out[r.Key] = l
	}
	return out
}

// statusLabel is a project status's label, else a need's, else the code.
func (s *Server) statusLabel(loc, code string) string {
	for _, k := range []string{"project.status." + code, "need.status." + code, "claim.status." + code, "resource.status." + code} {
		if s.cat.Has(k) {
			return s.cat.T(loc, k)
		}
	}
	return code
}

// scopeLabel names a scope: 全市, 徐汇区, 街镇 · name, 联盟 · name.
func (s *Server) scopeLabel(loc string, sc report.Scope) string {
	if sc.Kind == report.ScopeCity {
		return s.cat.T(loc, "report.scope.city")
	}
	return s.cat.T(loc, "report.scope."+sc.Kind) + " · " + sc.Name
}

// ---- exports ----

func (s *Server) reportsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	q, err := s.readReportQuery(c)
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.reportService()
	if err := svc.CheckExport(ctx, actor(c), q.Scope, q.ScopeID); err != nil {
		return err
	}
	rep, err := svc.Run(ctx, actor(c), q.input())
	if err != nil {
		return err
	}
	title := s.cat.T(loc, "report.export_title", s.scopeLabel(loc, rep.Scope), rep.Period.Label(loc))
	if format == report.CSV {
		header, rows := s.reportRows(c, rep)
		cols := make([]report.Column, len(header))
		for i, h := range header {
			cols[i] = report.Column{Header: h}
		}
		return s.streamExport(c, report.CSV, title, cols, func(w report.Writer) error {
			for _, r := range rows {
				cells := make([]any, len(r))
				for i, x := range r {
					if m, ok := x.(report.Money); ok {
						x = strings.ReplaceAll(report.WanYuan(int64(m)), ",", "")
					}
					cells[i] = x
				}
				if err := w.WriteRow(cells...); err != nil {
					return err
				}
			}
			return nil
		})
	}
	sheets := s.reportSheets(c, rep, title, s.cat.T(loc, "report.sheet_report"))
	sheets = append(sheets, s.glossarySheet(loc))
	return s.writeWorkbook(c, title, sheets)
}

// reportRows are the header and rows of a report for an export: one row per
// counter (totals) or per group with a total row.
func (s *Server) reportRows(c echo.Context, rep *report.Report) ([]string, [][]any) {
	loc := Locale(c)
	cell := func(ct report.Counter, v int64) any {
		if ct.Unit == report.UnitFen {
			return report.Money(v)
		}
		return v
	}
	if rep.GroupBy == "" {
		header := []string{s.cat.T(loc, "report.col_counter"), s.cat.T(loc, "report.col_value"), s.cat.T(loc, "report.col_unit"), s.cat.T(loc, "report.col_key")}
		var rows [][]any
		for _, ct := range rep.Counters {
			v, ok := rep.Totals[ct.Key]
			var x any = "—"
			if ok {
				x = cell(ct, v)
			}
			rows = append(rows, []any{ct.Name(loc), x, s.cat.T(loc, "report.unit."+ct.Unit), ct.Key})
		}
		return header, rows
	}
	header := []string{s.cat.T(loc, "report.by."+rep.GroupBy)}
	var cols []report.Counter
	for _, ct := range rep.Counters {
		if ct.By(rep.GroupBy) {
			cols = append(cols, ct)
			header = append(header, ct.Name(loc))
		}
	}
	var rows [][]any
	for _, sec := range s.reportSections(c, rep) {
		for _, r := range sec.Rows {
			label := sec.Labels[r.Key]
			if sec.Title != "" {
				label = sec.Title + " · " + label // a status names its entity
			}
			row := []any{label}
			for _, ct := range cols {
				if sec.Area != "" && !slices.ContainsFunc(sec.Counters, func(x report.Counter) bool { return x.Key == ct.Key }) {
					row = append(row, "")
					continue
				}
				row = append(row, cell(ct, r.Values[ct.Key]))
			}
			rows = append(rows, row)
		}
	}
	total := []any{s.cat.T(loc, "report.total")}
	for _, ct := range cols {
		total = append(total, cell(ct, rep.Totals[ct.Key]))
	}
	return header, append(rows, total)
}

// sectionRows are the header and rows of one table of a breakdown, with
// its total row.
func (s *Server) sectionRows(c echo.Context, rep *report.Report, sec reportSection) ([]string, [][]any) {
	loc := Locale(c)
	header := []string{s.cat.T(loc, "report.by."+rep.GroupBy)}
	for _, ct := range sec.Counters {
		header = append(header, ct.Name(loc))
	}
	var rows [][]any
	for _, r := range sec.Rows {
		row := []any{sec.Labels[r.Key]}
		for _, ct := range sec.Counters {
			row = append(row, reportValue(ct, r.Values[ct.Key]))
		}
		rows = append(rows, row)
	}
	total := []any{s.cat.T(loc, "report.total")}
	for _, ct := range sec.Counters {
		total = append(total, reportValue(ct, rep.Totals[ct.Key]))
	}
	return header, append(rows, total)
}

// reportValue is a figure as a cell: money as report.Money (万元), else the count.
func reportValue(ct report.Counter, v int64) any {
	if ct.Unit == report.UnitFen {
		return report.Money(v)
	}
	return v
}

// reportSheets lays a report out as formatted sheets: one, or one per
// entity for a status breakdown (named 按状态（项目） and so on).
func (s *Server) reportSheets(c echo.Context, rep *report.Report, title, name string) []report.Sheet {
	if rep.GroupBy != report.ByStatus {
		return []report.Sheet{s.reportSheet(c, rep, title, name)}
	}
	var out []report.Sheet
	for _, sec := range s.reportSections(c, rep) {
		header, rows := s.sectionRows(c, rep, sec)
		sh := s.reportSheet(c, rep, title, name+"（"+sec.Title+"）")
		sh.Header, sh.Rows = header, rows
		sh.Widths = []float64{28}
		for range header[1:] {
			sh.Widths = append(sh.Widths, 16)
		}
		out = append(out, sh)
	}
	return out
}

// reportSheet lays a report out as a formatted sheet.
func (s *Server) reportSheet(c echo.Context, rep *report.Report, title, name string) report.Sheet {
	loc := Locale(c)
	header, rows := s.reportRows(c, rep)
	widths := []float64{28}
	for range header[1:] {
		widths = append(widths, 16)
	}
	return report.Sheet{Name: name, Title: title, Header: header, Rows: rows, Widths: widths, Meta: [][2]string{
		{s.cat.T(loc, "report.period"), rep.Period.Label(loc) + "（" + rep.Period.FromText() + " — " + rep.Period.ToText() + "）"},
		{s.cat.T(loc, "report.scope"), s.scopeLabel(loc, rep.Scope)},
		{s.cat.T(loc, "report.generated_at"), s.db.Now().In(Shanghai).Format("2006-01-02 15:04")},
		{s.cat.T(loc, "report.note"), s.cat.T(loc, "report.note_text")},
	}}
}

func (s *Server) glossarySheet(loc string) report.Sheet {
	labels := map[string]string{"glossary": s.cat.T(loc, "report.sheet_glossary"), "glossary_title": s.cat.T(loc, "menu.counters"),
		"col_key": s.cat.T(loc, "report.col_key"), "col_name": s.cat.T(loc, "report.col_counter"), "col_unit": s.cat.T(loc, "report.col_unit"),
		"col_basis": s.cat.T(loc, "report.col_basis"), "col_rule": s.cat.T(loc, "report.col_rule"), "col_list": s.cat.T(loc, "report.col_list"),
		"list.projects": s.cat.T(loc, "counters.list.projects"), "list.needs": s.cat.T(loc, "counters.list.needs"), "list.none": s.cat.T(loc, "counters.list.none")}
	for _, u := range []string{report.UnitCount, report.UnitPersonTimes, report.UnitHours, report.UnitFen, report.UnitDays, report.UnitUnits} {
		labels["unit."+u] = s.cat.T(loc, "report.unit."+u)
	}
	for _, b := range report.Bases {
		labels["basis."+b] = s.cat.T(loc, "report.basis."+b)
	}
	return report.GlossarySheet(loc, report.Counters, labels)
}

// writeWorkbook answers a report workbook as a download.
func (s *Server) writeWorkbook(c echo.Context, title string, sheets []report.Sheet) error {
	var buf bytes.Buffer
	if err := report.WriteWorkbook(&buf, sheets); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, report.ContentDisposition(report.Filename(title, report.XLSX, s.db.Now())))
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, report.XLSX.ContentType(), buf.Bytes())
}

// reportsPack is the annual report pack (年度报表包): one workbook with a
// sheet per breakdown of the scope's year and the glossary.
func (s *Server) reportsPack(c echo.Context) error {
	q, err := s.readReportQuery(c)
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.reportService()
	reps, err := svc.AnnualPack(ctx, actor(c), q.Scope, q.ScopeID, q.Year)
	if err != nil {
		return err
	}
	title := s.cat.T(loc, "report.pack_title", s.scopeLabel(loc, reps[0].Scope), q.Year)
	var sheets []report.Sheet
	for _, rep := range reps {
		name := s.cat.T(loc, "report.sheet_summary")
		if rep.GroupBy != "" {
			name = s.cat.T(loc, "report.sheet_by", s.cat.T(loc, "report.by."+rep.GroupBy))
		}
		sheets = append(sheets, s.reportSheets(c, rep, title, name)...)
	}
	sheets = append(sheets, s.glossarySheet(loc))
	return s.writeWorkbook(c, title, sheets)
}

// ---- the glossary ----

// countersPage is the Data of reports/counters.
type countersPage struct {
	Groups []counterGroup
}

type counterGroup struct {
	Area     string
	Counters []counterItem
}

type counterItem struct {
	report.Counter
	Name, Rule, Unit, Basis string
	By                      []string
	ListLabel, ListFilter   string // the list behind the figure and its fixed filter; ListLabel "" for an aggregate
}

func (s *Server) reportsCounters(c echo.Context) error {
	loc := Locale(c)
	title := s.cat.T(loc, "menu.counters")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.reports")}, Crumb{Label: title})
	var p countersPage
	for _, ct := range report.Counters {
		if n := len(p.Groups); n == 0 || p.Groups[n-1].Area != ct.Area {
			p.Groups = append(p.Groups, counterGroup{Area: ct.Area})
		}
		it := counterItem{Counter: ct, Name: ct.Name(loc), Rule: ct.Rule(loc), Unit: s.cat.T(loc, "report.unit."+ct.Unit),
			Basis: s.cat.T(loc, "report.basis."+ct.Basis)}
		for _, b := range ct.Breakdowns {
			it.By = append(it.By, s.cat.T(loc, "report.by."+b))
		}
		if ct.List != "" {
			it.ListLabel, it.ListFilter = s.cat.T(loc, "counters.list."+strings.TrimPrefix(ct.List, "/")), ct.ListText()
		}
		g := &p.Groups[len(p.Groups)-1]
		g.Counters = append(g.Counters, it)
	}
	v.Data = p
	return s.page(c, http.StatusOK, "reports/counters", v)
}

// ---- the API ----

// summaryJSON is GET /api/v1/reports/summary.
type summaryJSON struct {
	Scope     string            `json:"scope"`
	ScopeID   int64             `json:"scope_id"`
	ScopeName string            `json:"scope_name"`
	Period    string            `json:"period"`
	Year      int               `json:"year"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	GroupBy   string            `json:"group_by"`
	Totals    report.Values     `json:"totals"`
	Rows      []report.Row      `json:"rows"`
	Units     map[string]string `json:"units"`
}

func (s *Server) apiReportsSummary(c echo.Context) error {
	q, err := s.readReportQuery(c)
	if err != nil {
		return err
	}
	rep, err := s.reportService().Run(c.Request().Context(), actor(c), q.input())
	if err != nil {
		return err
	}
	out := summaryJSON{Scope: rep.Scope.Kind, ScopeID: rep.Scope.ID, ScopeName: rep.Scope.Name, Period: rep.Period.Kind,
		Year: rep.Period.Year, From: rep.Period.FromText(), To: rep.Period.ToText(), GroupBy: rep.GroupBy,
		Totals: rep.Totals, Rows: rep.Rows, Units: map[string]string{}}
	if out.Rows == nil {
		out.Rows = []report.Row{}
	}
	for _, ct := range rep.Counters {
		out.Units[ct.Key] = ct.Unit
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiReportsCounters(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"items": report.Counters, "breakdowns": report.Breakdowns,
		"periods": report.PeriodKinds, "scopes": report.ScopeKinds})
}

func init() {
	q := map[string]string{
		"year":         "the year (default this year, Asia/Shanghai)",
		"period":       "year (default) | half | quarter | month | custom",
		"n":            "which half (1–2), quarter (1–4) or month (1–12)",
		"from":         "custom period: first day (YYYY-MM-DD)",
		"to":           "custom period: last day (YYYY-MM-DD), at most 3,660 days after from",
		"scope":        "city | district | street | alliance | committee (default: the most specific id given, else your own district or alliance, or the city for a city-wide reader)",
		"district_id":  "district code, e.g. 310104",
		"street_id":    "street id (its street-level alliances)",
		"alliance_id":  "alliance id",
		"committee_id": "committee id (projects and meetings only)",
		"group_by":     "district | alliance | category | status | month (rows per group; counters that cannot split are left out of rows)",
	}
	apiDocs["GET /api/v1/reports/summary"] = apiDoc{Tag: "reports", Summary: "The glossary's figures of a scope and period (GET /api/v1/reports/counters defines each), optionally per group; money in fen. The same numbers as the dashboard and the report page; a scope outside yours answers 404", Response: "ReportSummary", Query: q}
	apiDocs["GET /api/v1/reports/counters"] = apiDoc{Tag: "reports", Summary: "The counter glossary (计数口径): every figure's key, names, unit, basis (event, year, overlap, now), rule, breakdowns, and the list whose total equals it (list and list_filter, with the scope, the period's year and a breakdown's group added; absent for an aggregate)", Response: "CounterGlossary"}
	values := schema{"type": "object", "additionalProperties": integer}
	apiSchemas["ReportSummary"] = obj(nil, map[string]schema{"scope": str, "scope_id": integer, "scope_name": str, "period": str, "year": integer,
		"from": schema{"type": "string", "format": "date"}, "to": schema{"type": "string", "format": "date"}, "group_by": str, "totals": values,
		"rows":  schema{"type": "array", "items": obj(nil, map[string]schema{"key": str, "label": str, "values": values})},
		"units": schema{"type": "object", "additionalProperties": str}})
	counter := obj(nil, map[string]schema{"key": str, "name_zh": str, "name_en": str, "unit": str, "basis": str, "area": str,
		"rule_zh": str, "rule_en": str, "breakdowns": schema{"type": "array", "items": str}, "committee_scope": boolean,
		"list": str, "list_filter": schema{"type": "object", "additionalProperties": str}})
	apiSchemas["CounterGlossary"] = obj(nil, map[string]schema{"items": schema{"type": "array", "items": counter},
		"breakdowns": schema{"type": "array", "items": str}, "periods": schema{"type": "array", "items": str}, "scopes": schema{"type": "array", "items": str}})
}

// ---- charts: server-side SVG ----

// chartBar is one bar.
type chartBar struct {
	Label string
	Value int64
	Text  string
}

// svgChart is a horizontal bar chart laid out for the template (no script:
// the CSP allows none inline, and a report must print).
type svgChart struct {
	Title  string
	Width  int
	Height int
	Bars   []svgBar
}

type svgBar struct {
	Label      string
	Text       string
	Y, W       int
	LabelY     int
	ValueX     int
	BarX, BarH int
}

const (
	chartLabelW = 180
	chartBarMax = 420
	chartRowH   = 26
)

func newBarChart(title string, bars []chartBar) *svgChart {
	if len(bars) == 0 {
		return nil
	}
	var max int64
	for _, b := range bars {
		if b.Value > max {
			max = b.Value
		}
	}
	ch := &svgChart{Title: title, Width: chartLabelW + chartBarMax + 120, Height: len(bars)*chartRowH + 8}
	for i, b := range bars {
		w := 0
		if max > 0 && b.Value > 0 {
			w = int(b.Value * chartBarMax / max)
			if w < 2 {
				w = 2
			}
		}
		label := b.Label
		if r := []rune(label); len(r) > 14 {
			label = string(r[:13]) + "…"
		}
		y := i*chartRowH + 4
		ch.Bars = append(ch.Bars, svgBar{Label: label, Text: b.Text, Y: y, W: w, LabelY: y + 16, BarX: chartLabelW, BarH: 18,
			ValueX: chartLabelW + w + 6})
	}
	return ch
}
