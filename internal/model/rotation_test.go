package model

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestPlanRotation: the generator proposes consecutive terms (no gap, no
// overlap) in the given order, for each period, up to the horizon; a start
// on the 31st clamps to the month's end; nothing for no units or an unknown
// period; at most MaxPlanTerms.
func TestPlanRotation(t *testing.T) {
	twelve := make([]int64, 12)
	for i := range twelve {
		twelve[i] = int64(i + 1)
	}
	tests := []struct {
		name        string
		units       []int64
		start       time.Time
		period      string
		horizon     time.Time
		n           int
		first, last [2]time.Time // starts and ends of the first and last terms
	}{
		{"12 units monthly", twelve, day(2026, 1, 1), PeriodMonth, day(2026, 12, 1), 12,
			[2]time.Time{day(2026, 1, 1), day(2026, 1, 31)}, [2]time.Time{day(2026, 12, 1), day(2026, 12, 31)}},
		{"from the 15th", twelve, day(2026, 3, 15), PeriodMonth, day(2027, 2, 15), 12,
			[2]time.Time{day(2026, 3, 15), day(2026, 4, 14)}, [2]time.Time{day(2027, 2, 15), day(2027, 3, 14)}},
		{"from 31 January", []int64{1, 2}, day(2028, 1, 31), PeriodMonth, day(2028, 3, 31), 3,
			[2]time.Time{day(2028, 1, 31), day(2028, 2, 28)}, [2]time.Time{day(2028, 3, 31), day(2028, 4, 29)}},
		{"quarterly", []int64{1, 2, 3}, day(2026, 1, 1), PeriodQuarter, day(2026, 12, 31), 4,
			[2]time.Time{day(2026, 1, 1), day(2026, 3, 31)}, [2]time.Time{day(2026, 10, 1), day(2026, 12, 31)}},
		{"half-yearly", []int64{1, 2}, day(2026, 7, 1), PeriodHalfYear, day(2027, 1, 1), 2,
			[2]time.Time{day(2026, 7, 1), day(2026, 12, 31)}, [2]time.Time{day(2027, 1, 1), day(2027, 6, 30)}},
		{"yearly", []int64{1, 2, 3}, day(2026, 1, 1), PeriodYear, day(2028, 1, 1), 3,
			[2]time.Time{day(2026, 1, 1), day(2026, 12, 31)}, [2]time.Time{day(2028, 1, 1), day(2028, 12, 31)}},
		{"horizon before start", twelve, day(2026, 1, 1), PeriodMonth, day(2025, 12, 31), 0, [2]time.Time{}, [2]time.Time{}},
		{"no units", nil, day(2026, 1, 1), PeriodMonth, day(2026, 12, 1), 0, [2]time.Time{}, [2]time.Time{}},
		{"unknown period", twelve, day(2026, 1, 1), "week", day(2026, 12, 1), 0, [2]time.Time{}, [2]time.Time{}},
		{"capped", twelve, day(2000, 1, 1), PeriodMonth, day(2099, 1, 1), MaxPlanTerms, [2]time.Time{day(2000, 1, 1), day(2000, 1, 31)},
			[2]time.Time{day(2019, 12, 1), day(2019, 12, 31)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanRotation(tc.units, tc.start, tc.period, tc.horizon)
			if len(got) != tc.n {
				t.Fatalf("%d terms, want %d", len(got), tc.n)
			}
			if tc.n == 0 {
				return
			}
			if f := got[0]; !f.StartsOn.Equal(tc.first[0]) || !f.EndsOn.Equal(tc.first[1]) {
				t.Errorf("first term %s–%s, want %s–%s", f.StartsOn, f.EndsOn, tc.first[0], tc.first[1])
			}
			if l := got[len(got)-1]; !l.StartsOn.Equal(tc.last[0]) || !l.EndsOn.Equal(tc.last[1]) {
				t.Errorf("last term %s–%s, want %s–%s", l.StartsOn, l.EndsOn, tc.last[0], tc.last[1])
			}
			for i, p := range got {
				if p.UnitID != tc.units[i%len(tc.units)] {
					t.Errorf("term %d: unit %d, want %d", i, p.UnitID, tc.units[i%len(tc.units)])
				}
				if p.EndsOn.Before(p.StartsOn) {
					t.Errorf("term %d ends before it starts", i)
				}
				if i > 0 {
					prev := got[i-1]
					if !p.StartsOn.Equal(prev.EndsOn.AddDate(0, 0, 1)) {
						t.Errorf("term %d starts %s, previous ended %s: gap or overlap", i, p.StartsOn, prev.EndsOn)
					}
					if Overlaps(prev.StartsOn, prev.EndsOn, p.StartsOn, p.EndsOn) {
						t.Errorf("terms %d and %d overlap", i-1, i)
					}
				}
				if p.StartsOn.After(tc.horizon) {
					t.Errorf("term %d starts after the horizon", i)
				}
			}
		})
	}
}

// TestOverlaps: the same day, containment and touching edges share a day;
// the day after does not.
func TestOverlaps(t *testing.T) {
	a0, a1 := day(2026, 3, 1), day(2026, 3, 31)
	for _, tc := range []struct {
		name   string
		b0, b1 time.Time
		want   bool
	}{
		{"same", a0, a1, true},
		{"contained", day(2026, 3, 10), day(2026, 3, 12), true},
		{"containing", day(2026, 2, 1), day(2026, 4, 30), true},
		{"touching the last day", a1, day(2026, 4, 30), true},
		{"touching the first day", day(2026, 2, 1), a0, true},
		{"the day after", day(2026, 4, 1), day(2026, 4, 30), false},
		{"the day before", day(2026, 2, 1), day(2026, 2, 28), false},
	} {
		if got := Overlaps(a0, a1, tc.b0, tc.b1); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestTermDuties: every term hosts a joint meeting and writes a brief on its
// last day; the term that holds 30 June owes the half-year summary, the one
// that holds 31 December the annual summary, in due order.
func TestTermDuties(t *testing.T) {
	kinds := func(ds []RotationDuty) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Kind+"@"+d.DueOn.Format("01-02"))
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"March", day(2026, 3, 1), day(2026, 3, 31), []string{"joint_meeting@03-31", "brief@03-31"}},
		{"June", day(2026, 6, 1), day(2026, 6, 30), []string{"joint_meeting@06-30", "half_year_summary@06-30", "brief@06-30"}},
		{"a year", day(2026, 1, 1), day(2026, 12, 31), []string{"half_year_summary@06-30", "joint_meeting@12-31", "annual_summary@12-31", "brief@12-31"}},
		{"across the new year", day(2026, 12, 15), day(2027, 1, 14), []string{"annual_summary@12-31", "joint_meeting@01-14", "brief@01-14"}},
	} {
		got := kinds(TermDuties(tc.start, tc.end))
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

// TestDutyDates: a duty is due soon from a week before its day through the
// day, overdue the day after, neither once done.
func TestDutyDates(t *testing.T) {
	d := RotationDuty{DueOn: day(2026, 3, 31)}
	for _, tc := range []struct {
		today         time.Time
		soon, overdue bool
	}{
		{day(2026, 3, 23), false, false},
		{day(2026, 3, 24), true, false},
		{day(2026, 3, 31), true, false},
		{day(2026, 4, 1), false, true},
	} {
		if got := d.DueSoon(tc.today); got != tc.soon {
			t.Errorf("%s: due soon %v, want %v", tc.today, got, tc.soon)
		}
		if got := d.Overdue(tc.today); got != tc.overdue {
			t.Errorf("%s: overdue %v, want %v", tc.today, got, tc.overdue)
		}
	}
	done := day(2026, 3, 30)
	d.DoneOn = &done
	if d.DueSoon(day(2026, 3, 30)) || d.Overdue(day(2026, 4, 2)) {
		t.Errorf("a done duty is still due")
	}
}

// TestRotationStatusOn: the dates decide planned, active and ended; a
// handed-over term stays so.
func TestRotationStatusOn(t *testing.T) {
	s, e := day(2026, 3, 1), day(2026, 3, 31)
	for _, tc := range []struct {
		stored string
		today  time.Time
		want   string
	}{
		{RotationPlanned, day(2026, 2, 28), RotationPlanned},
		{RotationPlanned, s, RotationActive},
		{RotationActive, e, RotationActive},
		{RotationActive, day(2026, 4, 1), RotationEnded},
		{RotationHandedOver, day(2026, 3, 10), RotationHandedOver},
	} {
		if got := RotationStatusOn(tc.stored, s, e, tc.today); got != tc.want {
			t.Errorf("%s on %s: %s, want %s", tc.stored, tc.today, got, tc.want)
		}
	}
}

// TestMeetingTransitionAndRate: only a planned meeting is held or
// cancelled; the rate is attended over recorded, one decimal.
func TestMeetingTransitionAndRate(t *testing.T) {
	if to, ok := MeetingTransition(MeetingPlanned, MeetingActionHold); !ok || to != MeetingHeld {
		t.Errorf("hold a planned meeting: %s %v", to, ok)
	}
	if to, ok := MeetingTransition(MeetingPlanned, MeetingActionCancel); !ok || to != MeetingCancelled {
		t.Errorf("cancel a planned meeting: %s %v", to, ok)
	}
	for _, st := range []string{MeetingHeld, MeetingCancelled} {
		if _, ok := MeetingTransition(st, MeetingActionHold); ok {
			t.Errorf("hold a %s meeting", st)
		}
	}
	for _, tc := range []struct {
		a, r int
		want float64
	}{{0, 0, 0}, {3, 4, 75}, {2, 3, 66.7}, {20, 20, 100}} {
		if got := AttendanceRate(tc.a, tc.r); got != tc.want {
			t.Errorf("rate %d/%d = %v, want %v", tc.a, tc.r, got, tc.want)
		}
	}
}
