package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period kinds.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodHalf    = "half"
	PeriodYear    = "year"
	PeriodCustom  = "custom"
)

// PeriodKinds lists the kinds a report offers.
var PeriodKinds = []string{PeriodMonth, PeriodQuarter, PeriodHalf, PeriodYear, PeriodCustom}

// MaxCustomDays bounds a custom period (ten years).
const MaxCustomDays = 3660

// Period is a range of calendar days, both ends included. From and To are
// the days at 00:00 UTC (the way the store holds a DATE); a timestamp is in
// the period when its Asia/Shanghai day is.
type Period struct {
	Kind string    `json:"period"`
	Year int       `json:"year"`
	N    int       `json:"n,omitempty"` // month 1–12, quarter 1–4, half 1–2
	From time.Time `json:"-"`
	To   time.Time `json:"-"`
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// NewPeriod builds a period of kind in year; n picks the month, quarter or
// half (ignored for a year). A custom period uses from and to instead.
func NewPeriod(kind string, year, n int, from, to time.Time) (Period, error) {
	if kind != PeriodCustom && (year < 2000 || year > 2100) {
		return Period{}, fmt.Errorf("report: year %d out of range", year)
	}
	p := Period{Kind: kind, Year: year, N: n}
	switch kind {
	case PeriodYear:
		p.N = 0
		p.From, p.To = day(year, 1, 1), day(year, 12, 31)
	case PeriodHalf:
		if n < 1 || n > 2 {
			return Period{}, fmt.Errorf("report: half %d out of range", n)
		}
		start := day(year, time.Month(6*(n-1)+1), 1)
		p.From, p.To = start, start.AddDate(0, 6, -1)
	case PeriodQuarter:
		if n < 1 || n > 4 {
			return Period{}, fmt.Errorf("report: quarter %d out of range", n)
		}
		start := day(year, time.Month(3*(n-1)+1), 1)
		p.From, p.To = start, start.AddDate(0, 3, -1)
	case PeriodMonth:
		if n < 1 || n > 12 {
			return Period{}, fmt.Errorf("report: month %d out of range", n)
		}
		start := day(year, time.Month(n), 1)
		p.From, p.To = start, start.AddDate(0, 1, -1)
	case PeriodCustom:
		from, to = day(from.Year(), from.Month(), from.Day()), day(to.Year(), to.Month(), to.Day())
		if from.Year() < 2000 || to.Year() > 2100 || to.Before(from) {
			return Period{}, fmt.Errorf("report: custom period %s to %s out of order or range", from.Format(time.DateOnly), to.Format(time.DateOnly))
		}
		if to.Sub(from) > MaxCustomDays*24*time.Hour {
			return Period{}, fmt.Errorf("report: custom period longer than %d days", MaxCustomDays)
		}
		p.Year, p.N, p.From, p.To = from.Year(), 0, from, to
	default:
		return Period{}, fmt.Errorf("report: unknown period %q", kind)
	}
	return p, nil
}

// YearPeriod is the calendar year.
func YearPeriod(year int) Period {
	p, _ := NewPeriod(PeriodYear, year, 0, time.Time{}, time.Time{})
	return p
}

// YearToDate is the year of today up to today (the dashboard's 本年).
func YearToDate(today time.Time) Period {
	return Period{Kind: PeriodCustom, Year: today.Year(), From: day(today.Year(), 1, 1), To: day(today.Year(), today.Month(), today.Day())}
}

// LastYear is the same days one year earlier (本年 vs 上年同期); 29 February
// becomes 28 February.
func (p Period) LastYear() Period {
	back := func(t time.Time) time.Time {
		d := t.Day()
		if t.Month() == time.February && d == 29 {
			d = 28
		}
		return day(t.Year()-1, t.Month(), d)
	}
	q := p
	q.Year--
	q.From, q.To = back(p.From), back(p.To)
	return q
}

// FromText and ToText are the ends as 2026-03-05.
func (p Period) FromText() string { return p.From.Format(time.DateOnly) }

// ToText is the last day as 2026-03-05.
func (p Period) ToText() string { return p.To.Format(time.DateOnly) }

// Start is the first instant of the period (00:00 Asia/Shanghai) in UTC.
func (p Period) Start() time.Time { return p.From.Add(-8 * time.Hour) }

// End is the first instant after the period (00:00 Asia/Shanghai of the day
// after To) in UTC.
func (p Period) End() time.Time { return p.To.AddDate(0, 0, 1).Add(-8 * time.Hour) }

// Label names the period: 2026年, 2026年上半年, 2026年第1季度, 2026年3月,
// 2026-01-01 至 2026-03-31 (or English).
func (p Period) Label(lang string) string {
	en := strings.HasPrefix(lang, "en")
	switch p.Kind {
	case PeriodYear:
		if en {
			return strconv.Itoa(p.Year)
		}
		return fmt.Sprintf("%d年", p.Year)
	case PeriodHalf:
		if en {
			return fmt.Sprintf("%d H%d", p.Year, p.N)
		}
		return fmt.Sprintf("%d年%s", p.Year, map[int]string{1: "上半年", 2: "下半年"}[p.N])
	case PeriodQuarter:
		if en {
			return fmt.Sprintf("%d Q%d", p.Year, p.N)
		}
		return fmt.Sprintf("%d年第%d季度", p.Year, p.N)
	case PeriodMonth:
		if en {
			return fmt.Sprintf("%d-%02d", p.Year, p.N)
		}
		return fmt.Sprintf("%d年%d月", p.Year, p.N)
	}
	if en {
		return p.FromText() + " to " + p.ToText()
	}
	return p.FromText() + " 至 " + p.ToText()
}
