package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"tongxin/internal/report"
	"tongxin/internal/report/reporttest"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func reportQuery(kind string, id int64, p report.Period, by string) store.ReportQuery {
	return store.ReportQuery{ScopeKind: kind, ScopeID: id, From: p.From, To: p.To, Start: p.Start(), End: p.End(),
		Today: *reporttest.Day(2026, 6, 15), GroupBy: by}
}

func reportTotal(t *testing.T, db *store.DB, key string, q store.ReportQuery) (int64, bool) {
	t.Helper()
	g, ok, err := db.ReportCounter(context.Background(), key, q)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if !ok {
		return 0, false
	}
	if len(g) != 1 {
		t.Fatalf("%s: %d totals", key, len(g))
	}
	return g[0].Value, true
}

// Every counter of the glossary has its SQL here, and every breakdown the
// glossary promises is one the SQL can do.
func TestReportGlossaryHasSQL(t *testing.T) {
	have := append(store.ReportCounterKeys(), store.UnitCounterKeys()...)
	for _, c := range report.Counters {
		if !slices.Contains(have, c.Key) {
			t.Errorf("counter %s has no SQL", c.Key)
		}
		if c.Area == report.AreaUnit {
			continue
		}
		for _, b := range c.Breakdowns {
			if !store.ReportCounterSplits(c.Key, store.ReportCity, b) {
				t.Errorf("counter %s promises breakdown %s the SQL cannot do", c.Key, b)
			}
		}
		if c.Committee != store.ReportCounterSplits(c.Key, store.ReportCommittee, "") {
			t.Errorf("counter %s: committee scope %v disagrees with the SQL", c.Key, c.Committee)
		}
	}
	for _, k := range have {
		if _, ok := report.CounterByKey(k); !ok {
			t.Errorf("SQL for %s, which the glossary does not define", k)
		}
	}
}

// Each counter on the hand-built world: cancelled projects, a project
// spanning two years, an approval at 01:00 on New Year's day in Shanghai
// (17:00 UTC the day before), a withdrawn claim, units that left an alliance
// before and during the year, and a foreign district that must not count.
func TestReportCounters(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		w := reporttest.Build(t, db)
		for _, tc := range []struct {
			name string
			kind string
			id   int64
			year int
			want map[string]int64
		}{
			{"district 2026", store.ReportDistrict, reporttest.District, 2026, reporttest.Want2026},
			{"district 2025", store.ReportDistrict, reporttest.District, 2025, reporttest.Want2025},
			{"alliance 2026", store.ReportAlliance, w.A.ID, 2026, reporttest.Want2026},
			{"street 2026", store.ReportStreet, w.Street.ID, 2026, reporttest.Want2026},
		} {
			t.Run(tc.name, func(t *testing.T) {
				q := reportQuery(tc.kind, tc.id, report.YearPeriod(tc.year), "")
				for key, want := range tc.want {
					got, ok := reportTotal(t, db, key, q)
					if !ok || got != want {
						t.Errorf("%s = %d (ok %v), want %d", key, got, ok, want)
					}
				}
			})
		}
		// The city holds the foreign alliance too.
		city := reportQuery(store.ReportCity, 0, report.YearPeriod(2026), "")
		if got, _ := reportTotal(t, db, "projects_approved", city); got < 4 {
			t.Errorf("city approved = %d, want at least 4", got)
		}
		// A committee: the project and the meeting that name it; needs do not apply.
		com := reportQuery(store.ReportCommittee, w.Committee, report.YearPeriod(2026), "")
		for key, want := range map[string]int64{"projects_completed": 1, "projects_approved": 0, "meetings_held": 1, "projects_of_year": 0} {
			if got, ok := reportTotal(t, db, key, com); !ok || got != want {
				t.Errorf("committee %s = %d, want %d", key, got, want)
			}
		}
		if _, ok := reportTotal(t, db, "needs_published", com); ok {
			t.Error("needs_published answered for a committee")
		}
		// Member units split by alliance: A has U1, U3, U4 in 2026; B has U1.
		groups, _, err := db.ReportCounter(context.Background(), "member_units",
			reportQuery(store.ReportDistrict, reporttest.District, report.YearPeriod(2026), "alliance"))
		if err != nil {
			t.Fatal(err)
		}
		byAlliance := map[string]int64{}
		for _, g := range groups {
			byAlliance[g.Key] = g.Value
		}
		if byAlliance[strconv.FormatInt(w.A.ID, 10)] != 3 || byAlliance[strconv.FormatInt(w.B.ID, 10)] != 1 || len(byAlliance) != 2 {
			t.Errorf("member units by alliance = %v", byAlliance)
		}
		// By month, in Shanghai time: P6's approval falls in 2026-01.
		groups, _, err = db.ReportCounter(context.Background(), "projects_approved",
			reportQuery(store.ReportDistrict, reporttest.District, report.YearPeriod(2026), "month"))
		if err != nil {
			t.Fatal(err)
		}
		months := map[string]int64{}
		for _, g := range groups {
			months[g.Key] = g.Value
		}
		if months["2026-01"] != 2 || months["2026-02"] != 1 || len(months) != 2 {
			t.Errorf("approved by month = %v, want 2026-01: 2, 2026-02: 1", months)
		}
		// Updates by month (calendar days).
		groups, _, err = db.ReportCounter(context.Background(), "beneficiaries",
			reportQuery(store.ReportDistrict, reporttest.District, report.YearPeriod(2026), "month"))
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Key != "2026-01" || groups[0].Value != 80 {
			t.Errorf("beneficiaries by month = %v", groups)
		}
		// By status: the projects of 年度 2026, the draft among them.
		groups, _, err = db.ReportCounter(context.Background(), "projects_of_year",
			reportQuery(store.ReportDistrict, reporttest.District, report.YearPeriod(2026), "status"))
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]int64{}
		for _, g := range groups {
			status[g.Key] = g.Value
		}
		want := map[string]int64{"draft": 1, "cancelled": 1, "submitted": 1, "in_progress": 1, "approved": 1}
		if len(status) != len(want) {
			t.Errorf("by status = %v, want %v", status, want)
		}
		for k, v := range want {
			if status[k] != v {
				t.Errorf("by status %s = %d, want %d", k, status[k], v)
			}
		}
		// A district breakdown of the city never mixes districts: 徐汇区's row is the district's total.
		groups, _, err = db.ReportCounter(context.Background(), "projects_approved",
			reportQuery(store.ReportCity, 0, report.YearPeriod(2026), "district"))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if g.Key == strconv.Itoa(reporttest.District) && g.Value != 3 {
				t.Errorf("city by district: 徐汇区 = %d, want 3", g.Value)
			}
		}
	})
}

func TestUnitCounters(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		w := reporttest.Build(t, db)
		// Projects count in the year of their 年度: P1 (年度 2025, ran into
		// 2026) is U1's and U2's project of 2025 only.
		q := reportQuery("", 0, report.YearPeriod(2026), "")
		q2025 := reportQuery("", 0, report.YearPeriod(2025), "")
		for _, tc := range []struct {
			unit int64
			want map[string]int64
			q    store.ReportQuery
		}{
			{w.U1, map[string]int64{"unit_resources_offered": 1, "unit_projects_led": 1, "unit_projects_partnered": 0,
				"unit_beneficiaries": 80, "unit_volunteer_hours": 15, "unit_funds_spent": 50_000, "unit_meetings_attended": 1,
				"unit_claims_made": 0}, q},
			{w.U2, map[string]int64{"unit_projects_led": 1, "unit_projects_partnered": 0, "unit_meetings_attended": 0}, q},
			{w.U3, map[string]int64{"unit_claims_made": 2, "unit_claims_accepted": 1, "unit_projects_led": 0}, q},
			{w.U1, map[string]int64{"unit_projects_led": 1, "unit_projects_partnered": 0}, q2025},
			{w.U2, map[string]int64{"unit_projects_led": 0, "unit_projects_partnered": 1}, q2025},
		} {
			q := tc.q
			for key, want := range tc.want {
				got, err := db.UnitCounter(context.Background(), key, tc.unit, q)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("unit %d %s = %d, want %d", tc.unit, key, got, want)
				}
			}
		}
	})
}
