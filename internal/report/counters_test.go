package report

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestGlossaryComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Counters {
		if seen[c.Key] {
			t.Errorf("counter %s defined twice", c.Key)
		}
		seen[c.Key] = true
		if c.NameZh == "" || c.NameEn == "" || c.RuleZh == "" || c.RuleEn == "" {
			t.Errorf("counter %s lacks a name or a rule", c.Key)
		}
		if !slices.Contains([]string{UnitCount, UnitPersonTimes, UnitHours, UnitFen, UnitDays, UnitUnits}, c.Unit) {
			t.Errorf("counter %s: unit %q", c.Key, c.Unit)
		}
		if !slices.Contains(Bases, c.Basis) {
			t.Errorf("counter %s: basis %q", c.Key, c.Basis)
		}
		for _, b := range c.Breakdowns {
			if !slices.Contains(Breakdowns, b) {
				t.Errorf("counter %s: breakdown %q", c.Key, b)
			}
			if b == ByMonth && c.Basis != BasisEvent {
				t.Errorf("counter %s: a month breakdown needs an event", c.Key)
			}
		}
		if got, ok := CounterByKey(c.Key); !ok || got.Key != c.Key {
			t.Errorf("CounterByKey(%s)", c.Key)
		}
	}
	if _, ok := CounterByKey("nope"); ok {
		t.Error("CounterByKey found nope")
	}
	for _, c := range CountersBy(ByMonth) {
		if c.Area == AreaUnit || !c.By(ByMonth) {
			t.Errorf("CountersBy(month) has %s", c.Key)
		}
	}
}

// docs/counters.md lists every counter with its rule.
func TestCountersDocComplete(t *testing.T) {
	b, err := os.ReadFile("../../docs/counters.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range Counters {
		if !strings.Contains(doc, "`"+c.Key+"`") || !strings.Contains(doc, c.RuleZh) || !strings.Contains(doc, c.RuleEn) {
			t.Errorf("docs/counters.md lacks %s or its current rule", c.Key)
		}
	}
	// The common rules: the year rule, the money rule, the grade bands.
	for _, want := range []string{"**This year's projects (the year rule)**", "`projects.year`", "**元 with two decimals**",
		"**万元 with two\n    decimals**", "no page, sheet or export shows 分", "**优 ≥ 90**", "**良 80–89**", "**中 60–79**", "**差 < 60**"} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/counters.md lacks %q", want)
		}
	}
}

// DrillDown: the list of a figure with the scope, the year and the group;
// none for an aggregate, a street, a month group or a two-year period.
func TestDrillDown(t *testing.T) {
	y := YearPeriod(2026)
	q1, _ := NewPeriod(PeriodQuarter, 2026, 1, time.Time{}, time.Time{})
	two, _ := NewPeriod(PeriodCustom, 0, 0, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC))
	ct := func(k string) Counter { c, _ := CounterByKey(k); return c }
	district := Scope{Kind: ScopeDistrict, ID: 310104}
	for _, tc := range []struct {
		c       Counter
		sc      Scope
		p       Period
		by, key string
		want    string
	}{
		{ct(ProjectsOfYear), district, y, "", "", "/projects?district_id=310104&year=2026"},
		{ct(ProjectsOfYear), district, q1, ByStatus, "submitted", "/projects?district_id=310104&status=submitted&year=2026"},
		{ct(ProjectsOfYear), Scope{Kind: ScopeCity}, y, ByDistrict, "310101", "/projects?district_id=310101&year=2026"},
		{ct(ProjectsOfYear), Scope{Kind: ScopeCommittee, ID: 7}, y, ByCategory, "care", "/projects?category=care&committee_id=7&year=2026"},
		{ct(ReviewQueue), Scope{Kind: ScopeAlliance, ID: 3}, two, "", "", "/projects?alliance_id=3&status=submitted"},
		{ct(NeedsMet), district, y, ByAlliance, "3", "/needs?alliance_id=3&coverage=complete&district_id=310104"},
		{ct(ProjectsOfYear), district, two, "", "", ""},
		{ct(ProjectsOfYear), Scope{Kind: ScopeStreet, ID: 9}, y, "", "", ""},
		{ct(ProjectsApproved), district, y, "", "", ""},
		{ct(NeedsOpen), Scope{Kind: ScopeCommittee, ID: 7}, y, "", "", ""},
	} {
		got, ok := DrillDown(tc.c, tc.sc, tc.p, tc.by, tc.key)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("DrillDown(%s, %v, %s, %s=%s) = %q %v, want %q", tc.c.Key, tc.sc, tc.p.Label("en"), tc.by, tc.key, got, ok, tc.want)
		}
	}
	// A counter with a list names a list the lists know and can be scoped.
	for _, c := range Counters {
		if c.List != "" && c.List != ListProjects && c.List != ListNeeds {
			t.Errorf("%s: list %q", c.Key, c.List)
		}
		if c.List != "" && c.Basis == BasisEvent {
			t.Errorf("%s: an event counter cannot link a list (no list filters by the event's date)", c.Key)
		}
	}
}

func TestPeriods(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	for _, tc := range []struct {
		kind     string
		year, n  int
		from, to string
		label    string
	}{
		{PeriodYear, 2026, 0, "2026-01-01", "2026-12-31", "2026年"},
		{PeriodHalf, 2026, 2, "2026-07-01", "2026-12-31", "2026年下半年"},
		{PeriodQuarter, 2026, 1, "2026-01-01", "2026-03-31", "2026年第1季度"},
		{PeriodMonth, 2024, 2, "2024-02-01", "2024-02-29", "2024年2月"},
		{PeriodMonth, 2026, 12, "2026-12-01", "2026-12-31", "2026年12月"},
	} {
		p, err := NewPeriod(tc.kind, tc.year, tc.n, time.Time{}, time.Time{})
		if err != nil || p.FromText() != tc.from || p.ToText() != tc.to || p.Label("zh-CN") != tc.label {
			t.Errorf("%s %d %d: %v %s..%s %q", tc.kind, tc.year, tc.n, err, p.FromText(), p.ToText(), p.Label("zh-CN"))
		}
	}
	p, err := NewPeriod(PeriodCustom, 0, 0, d("2026-03-05"), d("2026-04-01"))
	if err != nil || p.Label("zh-CN") != "2026-03-05 至 2026-04-01" {
		t.Errorf("custom: %v %q", err, p.Label("zh-CN"))
	}
	// Instants: 00:00 in Shanghai is 16:00 UTC the day before.
	if p.Start() != time.Date(2026, 3, 4, 16, 0, 0, 0, time.UTC) || p.End() != time.Date(2026, 4, 1, 16, 0, 0, 0, time.UTC) {
		t.Errorf("instants %v %v", p.Start(), p.End())
	}
	for _, bad := range []func() error{
		func() error { _, err := NewPeriod(PeriodMonth, 2026, 13, time.Time{}, time.Time{}); return err },
		func() error { _, err := NewPeriod(PeriodQuarter, 2026, 0, time.Time{}, time.Time{}); return err },
		func() error { _, err := NewPeriod(PeriodHalf, 2026, 3, time.Time{}, time.Time{}); return err },
		func() error { _, err := NewPeriod(PeriodYear, 1999, 0, time.Time{}, time.Time{}); return err },
		func() error { _, err := NewPeriod("week", 2026, 1, time.Time{}, time.Time{}); return err },
		func() error { _, err := NewPeriod(PeriodCustom, 0, 0, d("2026-02-01"), d("2026-01-01")); return err },
		func() error { _, err := NewPeriod(PeriodCustom, 0, 0, d("2000-01-01"), d("2026-01-01")); return err },
	} {
		if bad() == nil {
			t.Error("a bad period was accepted")
		}
	}
	// Last year's same days; 29 February becomes the 28th.
	ly := YearToDate(d("2024-02-29")).LastYear()
	if ly.FromText() != "2023-01-01" || ly.ToText() != "2023-02-28" {
		t.Errorf("last year %s..%s", ly.FromText(), ly.ToText())
	}
}

func TestFormats(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 1_000_000: "1.00", 123_456_789: "123.46", 12_345_678_900: "12,345.68", 4_999: "0.00", 5_000: "0.01", -1_000_000: "-1.00"} {
		if got := WanYuan(fen); got != want {
			t.Errorf("WanYuan(%d) = %s, want %s", fen, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %s", n, got)
		}
	}
}

func TestWorkbook(t *testing.T) {
	var buf bytes.Buffer
	err := WriteWorkbook(&buf, []Sheet{
		{Name: "汇总", Title: "徐汇区 2026年 统计报表", Meta: [][2]string{{"统计期间", "2026年"}}, Header: []string{"指标", "数值"},
			Rows: [][]any{{"立项项目数", int64(3)}, {"立项预算（万元）", Money(700_000)}, {"=1+1", int64(0)}}},
		GlossarySheet("zh-CN", Counters, map[string]string{"glossary": "计数口径"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 2 || got[1] != "计数口径" {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows("汇总")
	if rows[0][0] != "徐汇区 2026年 统计报表" || rows[1][1] != "2026年" || rows[3][0] != "指标" || rows[4][1] != "3" {
		t.Errorf("rows %v", rows)
	}
	money, _ := f.GetCellValue("汇总", "B6", excelize.Options{RawCellValue: true})
	if money != "0.7" {
		t.Errorf("money cell %q, want 0.7 (万元)", money)
	}
	if formula, _ := f.GetCellFormula("汇总", "A7"); formula != "" {
		t.Errorf("a formula got in: %q", formula)
	}
}
