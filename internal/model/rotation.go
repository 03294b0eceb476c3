package model

import (
	"slices"
	"time"
)

// Rotation term statuses (轮值). planned, active and ended follow the dates;
// handed_over is a term ended early by a hand-over and stays so.
const (
	RotationPlanned    = "planned"     // 未开始
	RotationActive     = "active"      // 当值
	RotationEnded      = "ended"       // 已结束
	RotationHandedOver = "handed_over" // 提前交接
)

// RotationStatuses lists the statuses in the order filters offer them.
var RotationStatuses = []string{RotationPlanned, RotationActive, RotationEnded, RotationHandedOver}

// Rotation periods of the plan generator.
const (
	PeriodMonth    = "month"
	PeriodQuarter  = "quarter"
	PeriodHalfYear = "half_year"
	PeriodYear     = "year"
)

// RotationPeriods lists the periods in the order the form offers them.
var RotationPeriods = []string{PeriodMonth, PeriodQuarter, PeriodHalfYear, PeriodYear}

// periodMonths is the length of a period in months.
func periodMonths(p string) int {
	switch p {
	case PeriodMonth:
		return 1
	case PeriodQuarter:
		return 3
	case PeriodHalfYear:
		return 6
	case PeriodYear:
		return 12
	}
	return 0
}

// Duty kinds of a term (the chair's checklist).
const (
	DutyJointMeeting    = "joint_meeting"     // 主持召开联席会议
	DutyHalfYearSummary = "half_year_summary" // 半年总结
	DutyAnnualSummary   = "annual_summary"    // 年度总结
	DutyBrief           = "brief"             // 简报
)

// DutyKinds lists the duty kinds in checklist order.
var DutyKinds = []string{DutyJointMeeting, DutyHalfYearSummary, DutyAnnualSummary, DutyBrief}

// Notification kinds of governance (the inbox renders "notification.<kind>").
const (
	NotifyDutyDueSoon = "duty_due_soon" // a chair duty is due in a week
	NotifyDutyDue     = "duty_due"      // a chair duty is due today
)

// DutyWarnDays is how many days before its due day a duty is "due soon".
const DutyWarnDays = 7

// RotationTerm is a member unit's term as the alliance's chair unit
// (轮值主席单位), from StartsOn to EndsOn inclusive (calendar days).
type RotationTerm struct {
	ID                 int64
	AllianceID         int64
	DistrictID         int64
	UnitID             int64
	StartsOn           time.Time
	EndsOn             time.Time
	Status             string
	HandoverNote       string
	HandedOverOn       *time.Time
	AnnouncedMeetingID *int64
	CreatedBy          *int64
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// StatusOn is the term's status on the calendar day today: a handed-over
// term stays handed over; otherwise the dates decide.
func (t *RotationTerm) StatusOn(today time.Time) string {
	return RotationStatusOn(t.Status, t.StartsOn, t.EndsOn, today)
}

// RotationStatusOn is the status of a term with the stored status and dates
// on the calendar day today.
func RotationStatusOn(stored string, startsOn, endsOn, today time.Time) string {
	switch {
	case stored == RotationHandedOver:
		return RotationHandedOver
	case today.Before(startsOn):
		return RotationPlanned
	case today.After(endsOn):
		return RotationEnded
	}
	return RotationActive
}

// Overlaps reports whether two inclusive day ranges share a day.
func Overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return !aStart.After(bEnd) && !bStart.After(aEnd)
}

// RotationDuty is one item of a term's checklist.
type RotationDuty struct {
	ID           int64
	TermID       int64
	Kind         string
	DueOn        time.Time
	DoneOn       *time.Time
	MeetingID    *int64
	Document     string
	WarnedAt     *time.Time
	DueNoticedAt *time.Time
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Overdue reports an open duty whose due day has passed.
func (d *RotationDuty) Overdue(today time.Time) bool {
	return d.DoneOn == nil && today.After(d.DueOn)
}

// DueSoon reports an open duty due within DutyWarnDays (today included).
func (d *RotationDuty) DueSoon(today time.Time) bool {
	return d.DoneOn == nil && !today.After(d.DueOn) && !today.AddDate(0, 0, DutyWarnDays).Before(d.DueOn)
}

// TermDuties is the checklist of a new term: it hosts a joint meeting and
// writes a brief by its last day; the term that holds 30 June writes the
// half-year summary due that day, the one that holds 31 December the annual
// summary due that day.
func TermDuties(startsOn, endsOn time.Time) []RotationDuty {
	out := []RotationDuty{{Kind: DutyJointMeeting, DueOn: endsOn}}
	for y := startsOn.Year(); y <= endsOn.Year(); y++ {
		for _, d := range []struct {
			kind string
			day  time.Time
		}{{DutyHalfYearSummary, time.Date(y, 6, 30, 0, 0, 0, 0, time.UTC)}, {DutyAnnualSummary, time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}} {
			if !d.day.Before(startsOn) && !d.day.After(endsOn) {
				out = append(out, RotationDuty{Kind: d.kind, DueOn: d.day})
			}
		}
	}
	out = append(out, RotationDuty{Kind: DutyBrief, DueOn: endsOn})
	slices.SortStableFunc(out, func(a, b RotationDuty) int { return a.DueOn.Compare(b.DueOn) })
	return out
}

// PlannedTerm is a term the plan generator proposes.
type PlannedTerm struct {
	UnitID   int64
	StartsOn time.Time
	EndsOn   time.Time
}

// MaxPlanTerms caps the terms one plan proposes.
const MaxPlanTerms = 240

// PlanRotation proposes consecutive terms of period from start until the
// horizon (the last day a term may start), the units taking turns in the
// given order. Terms touch without a gap: each starts the day after the
// previous ends. A period starting on the 31st ends the day before the same
// day of the next period's month (clamped to the month's end).
func PlanRotation(units []int64, start time.Time, period string, horizon time.Time) []PlannedTerm {
	months := periodMonths(period)
	if len(units) == 0 || months == 0 || horizon.Before(start) {
		return nil
	}
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	var out []PlannedTerm
	from := start
	for i := 0; !from.After(horizon) && len(out) < MaxPlanTerms; i++ {
		next := addMonthsClamped(start, months*(i+1))
		out = append(out, PlannedTerm{UnitID: units[i%len(units)], StartsOn: from, EndsOn: next.AddDate(0, 0, -1)})
		from = next
	}
	return out
}

// addMonthsClamped adds n months to d, keeping the day of the month where
// the target month has it and its last day otherwise (31 Jan + 1 = 28/29 Feb).
func addMonthsClamped(d time.Time, n int) time.Time {
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, time.UTC)
}
