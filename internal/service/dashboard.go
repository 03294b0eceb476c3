package service

import (
	"context"
	"sort"

	"tongxin/internal/model"
	"tongxin/internal/report"
)

// Dashboards (工作台) by role, computed by Reports.Run so that a tile shows
// the number the report page, its export and the API give for the same
// scope and period.

// Dashboard kinds.
const (
	DashboardNone     = ""
	DashboardCity     = "city"
	DashboardDistrict = "district"
	DashboardAlliance = "alliance"
	DashboardUnit     = "unit"
)

// DashboardYearCounters are compared this year (to today) with the same
// days of last year.
var DashboardYearCounters = []string{report.ProjectsSubmitted, report.ProjectsApproved, report.ProjectsCompleted,
	report.ProjectsEvaluated, report.BudgetApproved, report.Beneficiaries, report.VolunteerHours, report.FundsSpent,
	report.NeedsPublished, report.ClaimsAccepted, report.MeetingsHeld}

// DashboardNowCounters are today's state: the review queue, overdue
// projects, needs met and open.
var DashboardNowCounters = []string{report.ReviewQueue, report.ReviewOldestDays, report.ReviewOverdue,
	report.ProjectsOverdue, report.NeedsOpen, report.NeedsPartly, report.NeedsMet}

// DashboardActivityCounters rank the alliances (and the districts of the
// city view): their sum is the activity.
var DashboardActivityCounters = []string{report.ProjectsApproved, report.ProjectsCompleted, report.ClaimsAccepted, report.MeetingsHeld}

// DashboardCityCounters are the columns of the city view's district table.
var DashboardCityCounters = []string{report.ProjectsApproved, report.ProjectsCompleted, report.ProjectsEvaluated,
	report.ReviewQueue, report.ProjectsOverdue, report.Beneficiaries, report.VolunteerHours, report.FundsSpent,
	report.NeedsPublished, report.NeedsMet, report.MeetingsHeld}

// DashboardRankMax is how many alliances the ranking shows.
const DashboardRankMax = 10

// Dashboard is what the home page shows a user.
type Dashboard struct {
	Kind  string
	Scope report.Scope
	Year  report.Period // this year to today
	// Plan is the whole calendar year: the projects of this year's plan by
	// status count those planned to start later this year too, so that the
	// tiles agree with the review queue (a project submitted for next month
	// is this year's work).
	Plan     report.Period
	LastYear report.Period // the same days a year earlier
	This     *report.Report
	Last     *report.Report
	Now      *report.Report
	// ByStatus: this year's projects (年度, the one year rule) by current
	// status: the tiles link to the project list's year and status filter.
	ByStatus *report.Report
	// ByMonth: projects approved per month of this year (the chart).
	ByMonth *report.Report
	// Ranking: alliances (district view) by activity, most active first.
	Ranking []RankedRow
	// Districts: the city view's districts side by side.
	Districts *report.Report
	// Profile: a unit contact's unit.
	Profile *UnitProfile
}

// RankedRow is a row of a ranking with its activity.
type RankedRow struct {
	report.Row
	Activity int64
}

// Dashboard builds the caller's dashboard: the city for a city-wide report
// grant, else their first district, else their first alliance, else the
// profile of the first unit they speak for; Kind "" when none applies.
func (s *Reports) Dashboard(ctx context.Context, actor model.Actor) (*Dashboard, error) {
	today := s.Today()
	d := &Dashboard{Year: report.YearToDate(today)}
	d.LastYear = d.Year.LastYear()
	kind, id, ok := s.DefaultScope(actor)
	if !ok {
		units := s.ProfileUnits(actor)
		if len(units) == 0 {
			return d, nil
		}
		p, err := s.UnitProfile(ctx, actor, units[0], d.Year)
		if err != nil {
			return nil, err
		}
		d.Kind, d.Profile = DashboardUnit, p
		return d, nil
	}
	sc, err := s.ResolveScope(ctx, actor, kind, id)
	if err != nil {
		return nil, err
	}
	d.Scope, d.Kind = sc, kind
	run := func(p report.Period, by string, keys []string) (*report.Report, error) {
		return s.run(ctx, sc, ReportInput{Period: p, GroupBy: by, Counters: keys})
	}
	if d.This, err = run(d.Year, "", DashboardYearCounters); err != nil {
		return nil, err
	}
	if d.Last, err = run(d.LastYear, "", DashboardYearCounters); err != nil {
		return nil, err
	}
	if d.Now, err = run(d.Year, "", DashboardNowCounters); err != nil {
		return nil, err
	}
	if d.ByStatus, err = run(d.Year, report.ByStatus, []string{report.ProjectsOfYear}); err != nil {
		return nil, err
	}
	if d.ByMonth, err = run(d.Year, report.ByMonth, []string{report.ProjectsApproved}); err != nil {
		return nil, err
	}
	switch kind {
	case report.ScopeCity:
		if d.Districts, err = run(d.Year, report.ByDistrict, DashboardCityCounters); err != nil {
			return nil, err
		}
	case report.ScopeDistrict:
		r, err := run(d.Year, report.ByAlliance, DashboardActivityCounters)
		if err != nil {
			return nil, err
		}
		d.Ranking = rank(r, DashboardRankMax)
	}
	return d, nil
}

// rank orders a breakdown by activity (the sum of its values), most active
// first, ties by label; rows without activity are left out.
func rank(r *report.Report, max int) []RankedRow {
	var out []RankedRow
	for _, row := range r.Rows {
		var a int64
		for _, v := range row.Values {
			a += v
		}
		if a > 0 {
			out = append(out, RankedRow{Row: row, Activity: a})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Activity != out[j].Activity {
			return out[i].Activity > out[j].Activity
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > max {
		out = out[:max]
	}
	return out
}
