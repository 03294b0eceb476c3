package service

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/store"
)

// Reports computes the figures of the counter glossary (internal/report) for
// a scope and a period, split by a breakdown: the one code path behind the
// report page, its exports, the annual pack, the dashboards and
// /api/v1/reports/summary, so that they all give the same number.
//
// Permissions: report:read on the scope's chain. A district (and its streets,
// alliances, committees) is read by the district's reviewers and admins, an
// alliance (and its committees) by its secretaries too, the city by a
// city-wide grant (city_reviewer). A scope outside the caller's answers 404.
type Reports struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewReports builds the service.
func NewReports(d Deps) *Reports { return &Reports{db: d.DB, authz: d.Authz} }

// ReportInput is what a report asks for.
type ReportInput struct {
	ScopeKind string
	ScopeID   int64
	Period    report.Period
	// GroupBy is "" or one of report.Breakdowns.
	GroupBy string
	// Counters are the keys asked for; none means every report counter.
	Counters []string
}

// Today is today's calendar day in Asia/Shanghai (00:00 UTC).
func (s *Reports) Today() time.Time { return AllianceToday(s.db.Now()) }

// Grant is where the caller may read reports.
func (s *Reports) Grant(actor model.Actor) model.Scope {
	return s.authz.Scope(actor.UserID, "report", "read")
}

// DefaultScope is where the caller's reports open: the city for a city-wide
// grant, else their first district, else their first alliance. ok is false
// for a caller who may read no report.
func (s *Reports) DefaultScope(actor model.Actor) (kind string, id int64, ok bool) {
	g := s.Grant(actor)
	switch {
	case g.All:
		return report.ScopeCity, 0, true
	case len(g.Districts) > 0:
		return report.ScopeDistrict, g.Districts[0], true
	case len(g.Alliances) > 0:
		return report.ScopeAlliance, g.Alliances[0], true
	}
	return "", 0, false
}

// ResolveScope checks that the caller may read reports of the scope and
// names it.
func (s *Reports) ResolveScope(ctx context.Context, actor model.Actor, kind string, id int64) (report.Scope, error) {
	sc := report.Scope{Kind: kind, ID: id}
	if kind == report.ScopeCity {
		sc.ID = 0
		return sc, s.authz.Check(actor.UserID, authz.ChainSys(), "report", "read")
	}
	if !slices.Contains(report.ScopeKinds, kind) {
		return sc, (&model.ValidationError{}).Add("scope", "report.bad_scope")
	}
	if id <= 0 {
		return sc, (&model.ValidationError{}).Add("scope_id", "report.scope_id_required")
	}
	place, err := s.db.ReportPlaceOf(ctx, kind, id)
	if err != nil {
		return sc, err
	}
	sc.Name, sc.DistrictID = place.Name, place.DistrictID
	var chain []string
	switch kind {
	case report.ScopeDistrict, report.ScopeStreet:
		chain = authz.ChainDistrict(place.DistrictID)
	default:
		chain = authz.ChainAlliance(place.AllianceID, place.DistrictID)
	}
	return sc, s.authz.Check(actor.UserID, chain, "report", "read")
}

// Run computes a report.
func (s *Reports) Run(ctx context.Context, actor model.Actor, in ReportInput) (*report.Report, error) {
	sc, err := s.ResolveScope(ctx, actor, in.ScopeKind, in.ScopeID)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, sc, in)
}

// ReportCounters are the glossary's counters a report offers (the unit
// profile's are shown on its own page).
func ReportCounters() []report.Counter {
	var out []report.Counter
	for _, c := range report.Counters {
		if c.Area != report.AreaUnit {
			out = append(out, c)
		}
	}
	return out
}

func (s *Reports) run(ctx context.Context, sc report.Scope, in ReportInput) (*report.Report, error) {
	if in.GroupBy != "" && !slices.Contains(report.Breakdowns, in.GroupBy) {
		return nil, (&model.ValidationError{}).Add("group_by", "report.bad_group_by")
	}
	var counters []report.Counter
	if len(in.Counters) == 0 {
		counters = ReportCounters()
	} else {
		for _, k := range in.Counters {
			c, ok := report.CounterByKey(k)
			if !ok || c.Area == report.AreaUnit {
				return nil, (&model.ValidationError{}).Add("counters", "report.bad_counter")
			}
			counters = append(counters, c)
		}
	}
	rep := &report.Report{Period: in.Period, Scope: sc, GroupBy: in.GroupBy, Totals: report.Values{}}
	q := store.ReportQuery{ScopeKind: sc.Kind, ScopeID: sc.ID, From: in.Period.From, To: in.Period.To,
		Start: in.Period.Start(), End: in.Period.End(), Today: s.Today()}
	rows := map[string]*report.Row{}
	for _, c := range counters {
		if sc.Kind == report.ScopeCommittee && !c.Committee {
			continue
		}
		rep.Counters = append(rep.Counters, c)
		g, ok, err := s.db.ReportCounter(ctx, c.Key, q)
		if err != nil {
			return nil, err
		}
		if ok && len(g) == 1 {
			rep.Totals[c.Key] = g[0].Value
		}
		if in.GroupBy == "" || !c.By(in.GroupBy) {
			continue
		}
		gq := q
		gq.GroupBy = in.GroupBy
		groups, ok, err := s.db.ReportCounter(ctx, c.Key, gq)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, gr := range groups {
			r := rows[gr.Key]
			if r == nil {
				r = &report.Row{Key: gr.Key, Values: report.Values{}}
				rows[gr.Key] = r
			}
			r.Values[c.Key] = gr.Value
		}
	}
	if in.GroupBy == report.ByMonth {
		// Every month of the period, those without an event at zero.
		for m := time.Date(in.Period.From.Year(), in.Period.From.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(in.Period.To); m = m.AddDate(0, 1, 0) {
			k := m.Format("2006-01")
			r := rows[k]
			if r == nil {
				r = &report.Row{Key: k, Values: report.Values{}}
				rows[k] = r
			}
			for _, c := range rep.Counters {
				if _, ok := r.Values[c.Key]; !ok && c.By(report.ByMonth) && store.ReportCounterSplits(c.Key, sc.Kind, report.ByMonth) {
					r.Values[c.Key] = 0
				}
			}
		}
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
	}
	if err := s.label(ctx, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// label names the rows of districts and alliances and sorts every breakdown:
// places by name, statuses in lifecycle order, months and codes by key.
func (s *Reports) label(ctx context.Context, rep *report.Report) error {
	switch rep.GroupBy {
	case report.ByDistrict, report.ByAlliance:
		ids := make([]int64, 0, len(rep.Rows))
		for _, r := range rep.Rows {
			if id, err := strconv.ParseInt(r.Key, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		names, err := s.db.ReportNames(ctx, rep.GroupBy, ids)
		if err != nil {
			return err
		}
		for i := range rep.Rows {
			id, _ := strconv.ParseInt(rep.Rows[i].Key, 10, 64)
			rep.Rows[i].Label = names[id]
		}
		if rep.GroupBy == report.ByDistrict {
			sort.Slice(rep.Rows, func(i, j int) bool { return keyNum(rep.Rows[i].Key) < keyNum(rep.Rows[j].Key) })
		} else {
			sort.Slice(rep.Rows, func(i, j int) bool {
				a, b := rep.Rows[i], rep.Rows[j]
				return a.Label < b.Label || (a.Label == b.Label && keyNum(a.Key) < keyNum(b.Key))
			})
		}
	case report.ByStatus:
		order := map[string]int{}
		for i, st := range append(append([]string{}, model.ProjectStatuses...), model.NeedStatuses...) {
			if _, ok := order[st]; !ok {
				order[st] = i
			}
		}
		sort.Slice(rep.Rows, func(i, j int) bool {
			a, b := rep.Rows[i].Key, rep.Rows[j].Key
			oa, oka := order[a]
			ob, okb := order[b]
			if oka != okb {
				return oka
			}
			if oa != ob {
				return oa < ob
			}
			return a < b
		})
	default:
		sort.Slice(rep.Rows, func(i, j int) bool { return rep.Rows[i].Key < rep.Rows[j].Key })
	}
	return nil
}

func keyNum(k string) int64 { n, _ := strconv.ParseInt(k, 10, 64); return n }

// Breakdown sheets of the annual pack, in order.
var PackBreakdowns = []string{report.ByNone, report.ByDistrict, report.ByAlliance, report.ByCategory, report.ByStatus, report.ByMonth}

// AnnualPack computes a scope's year once per breakdown: the sheets of the
// annual report pack (年度报表包). Its totals are the dashboard's and the
// report page's for the same scope and year.
func (s *Reports) AnnualPack(ctx context.Context, actor model.Actor, kind string, id int64, year int) ([]*report.Report, error) {
	if err := s.CheckExport(ctx, actor, kind, id); err != nil {
		return nil, err
	}
	sc, err := s.ResolveScope(ctx, actor, kind, id)
	if err != nil {
		return nil, err
	}
	p := report.YearPeriod(year)
	var out []*report.Report
	for _, by := range PackBreakdowns {
		r, err := s.run(ctx, sc, ReportInput{Period: p, GroupBy: by})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// CheckExport checks report:export on a scope (the caller reads it).
func (s *Reports) CheckExport(ctx context.Context, actor model.Actor, kind string, id int64) error {
	if _, err := s.ResolveScope(ctx, actor, kind, id); err != nil {
		return err
	}
	return s.authz.Check(actor.UserID, s.chainOf(ctx, kind, id), "report", "export")
}

// chainOf is a scope's domain chain (sys for an unknown place: the read
// check that follows answers for it).
func (s *Reports) chainOf(ctx context.Context, kind string, id int64) []string {
	if kind == report.ScopeCity {
		return authz.ChainSys()
	}
	place, err := s.db.ReportPlaceOf(ctx, kind, id)
	if err != nil {
		return authz.ChainSys()
	}
	if kind == report.ScopeDistrict || kind == report.ScopeStreet {
		return authz.ChainDistrict(place.DistrictID)
	}
	return authz.ChainAlliance(place.AllianceID, place.DistrictID)
}

// ScopeOptions are the scopes the caller may pick, by kind.
type ScopeOptions struct {
	City       bool
	Districts  []store.ReportOption
	Streets    []store.ReportOption
	Alliances  []store.ReportOption
	Committees []store.ReportOption
}

// scopeOptionsMax caps each picker list.
const scopeOptionsMax = 500

// Options lists the scopes the caller may report on.
func (s *Reports) Options(ctx context.Context, actor model.Actor) (ScopeOptions, error) {
	g := s.Grant(actor)
	o := ScopeOptions{City: g.All}
	ds, err := s.db.ReportDistricts(ctx)
	if err != nil {
		return o, err
	}
	for _, d := range ds {
		if g.All || slices.Contains(g.Districts, d.ID) {
			o.Districts = append(o.Districts, d)
		}
	}
	if o.Streets, err = s.db.ReportOptions(ctx, report.ScopeStreet, g.Districts, g.Alliances, g.All, scopeOptionsMax); err != nil {
		return o, err
	}
	if o.Alliances, err = s.db.ReportOptions(ctx, report.ScopeAlliance, g.Districts, g.Alliances, g.All, scopeOptionsMax); err != nil {
		return o, err
	}
	o.Committees, err = s.db.ReportOptions(ctx, report.ScopeCommittee, g.Districts, g.Alliances, g.All, scopeOptionsMax)
	return o, err
}
