// Package reporttest builds the hand-made world of the counter glossary's
// tests: a few projects, needs, claims, meetings and memberships in 徐汇区
// (310104) whose figures are known by hand, and a foreign alliance in 黄浦区
// (310101) whose rows must never show in 徐汇区's figures. The store, service
// and web tests share it.
package reporttest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Districts of the world.
const (
	District = 310104 // 徐汇区
	Foreign  = 310101 // 黄浦区
)

// Today is the world's clock: 2026-06-15 12:00 in Asia/Shanghai.
var Today = time.Date(2026, 6, 15, 4, 0, 0, 0, time.UTC)

// World names what Build made.
type World struct {
	A, B, F        *model.Alliance // A and B in District, F in Foreign
	Street         *model.Street   // the street of A (a street-level alliance)
	Committee      int64           // a committee of A, named by P1 and the held meeting
	U1, U2, U3, U4 int64           // units of District
	UF             int64           // a unit of Foreign
	P1, P2, P3, P4 int64           // projects of A (see Build)
	P6, PF         int64
}

var seq atomic.Int64

// Day is a calendar day as the store holds it.
func Day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// Shanghai is an instant given as an Asia/Shanghai wall time.
func Shanghai(y int, m time.Month, d, h int) *time.Time {
	t := time.Date(y, m, d, h, 0, 0, 0, time.FixedZone("CST", 8*3600)).UTC()
	return &t
}

// Want are the hand-computed figures of District (and of alliance A, which
// holds all of District's activity but one membership of B) for 2026 and 2025.
var Want2026 = map[string]int64{
	"projects_submitted": 2, "projects_approved": 3, "projects_completed": 1, "projects_evaluated": 0,
	"projects_cancelled": 1, "projects_of_year": 5, "budget_approved": 700_000, "beneficiaries": 80,
	"volunteer_hours": 15, "funds_spent": 50_000, "units_involved": 2, "review_queue": 1, "review_oldest_days": 45,
	"review_overdue": 1, "projects_overdue": 1, "needs_published": 3, "needs_open": 1, "needs_partly": 1, "needs_met": 1,
	"resources_published": 1, "claims_made": 2, "claims_accepted": 1, "meetings_held": 1, "meeting_attendance": 1,
	"member_units": 3,
}

// Want2025 are the figures of 2025 for the same scope.
var Want2025 = map[string]int64{
	"projects_submitted": 3, "projects_approved": 1, "projects_completed": 0, "projects_cancelled": 0,
	"projects_of_year": 1, "budget_approved": 1_000_000, "beneficiaries": 100, "volunteer_hours": 10, "funds_spent": 10_000,
	"units_involved": 2, "needs_published": 0, "claims_made": 0, "claims_accepted": 0, "meetings_held": 1,
	"meeting_attendance": 0, "member_units": 3,
}

// Build makes the world in db (the clock is left at Today).
//
// Projects of A (category care unless said):
//
//	P1 completed: approved 2025-12-20, completed 2026-03-01, plan 2025-12-01..2026-02-28, budget 10,000 元,
//	   lead U1, partner U2, committee; updates 2025-12-25 (100 人次, 10 h, 100 元) and 2026-01-05 (50, 5, 200 元)
//	P2 cancelled: approved 2026-01-10, cancelled 2026-02-01, plan 2026, budget 5,000 元; update 2026-01-20 (30, 10, 300 元)
//	P3 submitted 2026-05-01, review due 2026-05-16 (overdue on 06-15), plan 2026-06-01..2026-09-30, category edu
//	P4 in progress: approved 2026-02-01, plan 2026-02-01..2026-05-31 (overdue), budget 2,000 元, lead U2
//	P5 draft without dates (never counts)
//	P6 approved at 2025-12-31 17:00 UTC = 2026-01-01 01:00 in Shanghai (counts in 2026), plan from 2026-01-01, lead U1
//
// PF of F, approved 2026-03-01, must never count in District.
//
// Needs of A: N1 published 2026-02-01 fully claimed (met), N2 published 2026-03-01 open, N3 published
// 2026-04-01 partly claimed, N4 draft. Claims on N1 by U3: accepted (made 02-05, decided 02-10), withdrawn
// (made 02-06), pending (made 03-01). Resources of A: R1 published 2026-01-15, R2 draft.
// Meetings of A: held 2026-03-10 (U1 present, U2 absent), cancelled 2026-04-01, held 2025-11-01.
// Members of A: U1 since 2025-01-01; U2 2025-01-01..2025-12-15 (left before 2026); U3 since 2026-02-01;
// U4 2025-03-01..2026-03-01 (left during 2026). B: U1 since 2025-01-01 (counted once in District).
func Build(t testing.TB, db *store.DB) *World {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	w := &World{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(tm *time.Time) { db.SetClock(func() time.Time { return *tm }) }
	w.Street = &model.Street{DistrictID: District, Code: fmt.Sprintf("3101049%05d", n), Name: fmt.Sprintf("报表街道%d", n)}
	must(db.CreateStreet(ctx, w.Street))
	alliance := func(d int64, name string, street *int64) *model.Alliance {
		a := &model.Alliance{Name: fmt.Sprintf("%s%d", name, n), Kind: "regional", Level: model.LevelDistrict, DistrictID: d, Status: model.StatusActive}
		if street != nil {
			a.Level, a.StreetID = model.LevelStreet, street
		}
		must(db.CreateAlliance(ctx, a))
		return a
	}
	w.A = alliance(District, "报表甲联盟", &w.Street.ID)
	w.B = alliance(District, "报表乙联盟", nil)
	w.F = alliance(Foreign, "报表外区联盟", nil)
	unit := func(d int64, name string) int64 {
		u := &model.Unit{Name: fmt.Sprintf("%s%d", name, n), Kind: "gov", DistrictID: d, Status: model.StatusActive}
		must(db.CreateUnit(ctx, u))
		return u.ID
	}
	w.U1, w.U2, w.U3, w.U4 = unit(District, "报表单位一"), unit(District, "报表单位二"), unit(District, "报表单位三"), unit(District, "报表单位四")
	w.UF = unit(Foreign, "报表外区单位")
	member := func(a, u int64, joined, left *time.Time) {
		must(db.CreateMembership(ctx, &model.Membership{AllianceID: a, UnitID: u, Rank: model.RankMember, JoinedOn: *joined, LeftOn: left}))
	}
	member(w.A.ID, w.U1, Day(2025, 1, 1), nil)
	member(w.A.ID, w.U2, Day(2025, 1, 1), Day(2025, 12, 15))
	member(w.A.ID, w.U3, Day(2026, 2, 1), nil)
	member(w.A.ID, w.U4, Day(2025, 3, 1), Day(2026, 3, 1))
	member(w.B.ID, w.U1, Day(2025, 1, 1), nil)
	member(w.F.ID, w.UF, Day(2025, 1, 1), nil)
	c := &model.Committee{AllianceID: w.A.ID, Name: fmt.Sprintf("报表专委会%d", n), Theme: "基层党建"}
	must(db.CreateCommittee(ctx, c))
	w.Committee = c.ID

	at(Shanghai(2025, 11, 1, 9))
	project := func(a *model.Alliance, lead int64, title, status, category string, budget int64, starts, ends *time.Time, set func(p *model.Project), partners ...int64) int64 {
		p := &model.Project{AllianceID: a.ID, DistrictID: a.DistrictID, LeadUnitID: lead, Title: fmt.Sprintf("%s%d", title, n),
			Category: category, Year: 2026, BudgetFen: budget, Status: status, StartsOn: starts, EndsOn: ends}
		if set != nil {
			set(p)
		}
		units := []model.ProjectUnit{{UnitID: lead, Role: model.ProjectUnitLead}}
		for _, u := range partners {
			units = append(units, model.ProjectUnit{UnitID: u, Role: model.ProjectUnitPartner})
		}
		must(db.CreateProject(ctx, p, units, nil, nil, nil, nil))
		return p.ID
	}
	w.P1 = project(w.A, w.U1, "报表项目一", model.ProjectCompleted, "care", 1_000_000, Day(2025, 12, 1), Day(2026, 2, 28), func(p *model.Project) {
		p.Year = 2025
		p.CommitteeID = &w.Committee
		p.SubmittedAt, p.ApprovedAt, p.CompletedAt = Shanghai(2025, 12, 10, 10), Shanghai(2025, 12, 20, 10), Shanghai(2026, 3, 1, 10)
	}, w.U2)
	w.P2 = project(w.A, w.U1, "报表项目二", model.ProjectCancelled, "care", 500_000, Day(2026, 1, 1), Day(2026, 12, 31), func(p *model.Project) {
		p.SubmittedAt, p.ApprovedAt, p.CancelledAt = Shanghai(2025, 12, 28, 10), Shanghai(2026, 1, 10, 10), Shanghai(2026, 2, 1, 10)
	})
	w.P3 = project(w.A, w.U3, "报表项目三", model.ProjectSubmitted, "edu", 300_000, Day(2026, 6, 1), Day(2026, 9, 30), func(p *model.Project) {
		p.SubmittedAt, p.ReviewDueOn = Shanghai(2026, 5, 1, 10), Day(2026, 5, 16)
	})
	w.P4 = project(w.A, w.U2, "报表项目四", model.ProjectInProgress, "care", 200_000, Day(2026, 2, 1), Day(2026, 5, 31), func(p *model.Project) {
		p.SubmittedAt, p.ApprovedAt, p.StartedAt = Shanghai(2026, 1, 20, 10), Shanghai(2026, 2, 1, 10), Shanghai(2026, 2, 2, 10)
	})
	project(w.A, w.U1, "报表项目五", model.ProjectDraft, "care", 0, nil, nil, nil)
	w.P6 = project(w.A, w.U1, "报表项目六", model.ProjectApproved, "care", 0, Day(2026, 1, 1), nil, func(p *model.Project) {
		t := time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)
		p.SubmittedAt, p.ApprovedAt = Shanghai(2025, 12, 20, 10), &t
	})
	w.PF = project(w.F, w.UF, "报表外区项目", model.ProjectApproved, "care", 900_000, Day(2026, 1, 1), Day(2026, 3, 31), func(p *model.Project) {
		p.SubmittedAt, p.ApprovedAt, p.ReviewDueOn = Shanghai(2026, 2, 1, 10), Shanghai(2026, 3, 1, 10), Day(2026, 2, 16)
	})
	update := func(p int64, day *time.Time, ben, hours int, fen int64) {
		must(db.CreateProjectUpdate(ctx, &model.ProjectUpdate{ProjectID: p, Percent: 50, Text: "进展", Beneficiaries: ben,
			VolunteerHours: hours, FundsSpentFen: fen, HappenedOn: *day}))
	}
	update(w.P1, Day(2025, 12, 25), 100, 10, 10_000)
	update(w.P1, Day(2026, 1, 5), 50, 5, 20_000)
	update(w.P2, Day(2026, 1, 20), 30, 10, 30_000)
	update(w.PF, Day(2026, 2, 20), 999, 99, 99_000)

	need := func(a *model.Alliance, unit int64, title, status string, qty, accepted int64, published *time.Time) int64 {
		nd := &model.Need{AllianceID: a.ID, DistrictID: a.DistrictID, SubmitterUnitID: unit, Title: fmt.Sprintf("%s%d", title, n),
			Category: "care", Quantity: qty, Measure: "times", AcceptedQuantity: accepted, Status: status, PublishedAt: published}
		must(db.CreateNeed(ctx, nd))
		return nd.ID
	}
	n1 := need(w.A, w.U1, "报表需求一", model.NeedClaimed, 10, 10, Shanghai(2026, 2, 1, 10))
	need(w.A, w.U1, "报表需求二", model.NeedPublished, 10, 0, Shanghai(2026, 3, 1, 10))
	need(w.A, w.U2, "报表需求三", model.NeedPartlyClaimed, 10, 3, Shanghai(2026, 4, 1, 10))
	need(w.A, w.U2, "报表需求四", model.NeedDraft, 10, 0, nil)
	need(w.F, w.UF, "报表外区需求", model.NeedPublished, 10, 0, Shanghai(2026, 3, 1, 10))
	claim := func(made *time.Time, status string, decided *time.Time) {
		at(made)
		cl := &model.Claim{Target: model.TargetNeed, NeedID: &n1, AllianceID: w.A.ID, DistrictID: District, ClaimantUnitID: w.U3, Quantity: 10}
		must(db.CreateClaim(ctx, cl))
		if status != model.ClaimPending {
			at(decided)
			must(db.DecideClaim(ctx, cl.ID, cl.Version, model.ClaimPending, status, nil, ""))
		}
	}
	claim(Shanghai(2026, 2, 5, 10), model.ClaimAccepted, Shanghai(2026, 2, 10, 10))
	claim(Shanghai(2026, 2, 6, 10), model.ClaimWithdrawn, Shanghai(2026, 2, 7, 10))
	claim(Shanghai(2026, 3, 1, 10), model.ClaimPending, nil)

	resource := func(status string, published *time.Time) {
		must(db.CreateResource(ctx, &model.Resource{AllianceID: w.A.ID, DistrictID: District, ProviderUnitID: w.U1,
			Title: fmt.Sprintf("报表资源%d", seq.Add(1)), Kind: "venue", Capacity: 5, Measure: "times", Status: status, PublishedAt: published}))
	}
	resource(model.ResourceAvailable, Shanghai(2026, 1, 15, 10))
	resource(model.ResourceDraft, nil)

	meeting := func(held *time.Time, status string, committee *int64) int64 {
		m := &model.Meeting{AllianceID: w.A.ID, DistrictID: District, CommitteeID: committee, Kind: model.MeetingJoint,
			Title: fmt.Sprintf("报表会议%d", seq.Add(1)), HeldOn: *held, DurationMinutes: 120, Year: held.Year(), Status: status}
		must(db.CreateMeeting(ctx, m))
		return m.ID
	}
	m1 := meeting(Day(2026, 3, 10), model.MeetingHeld, &w.Committee)
	must(db.SaveAttendance(ctx, m1, []model.MeetingAttendance{{MeetingID: m1, UnitID: w.U1, Attended: true}, {MeetingID: m1, UnitID: w.U2, Attended: false}}))
	m2 := meeting(Day(2026, 4, 1), model.MeetingCancelled, nil)
	must(db.SaveAttendance(ctx, m2, []model.MeetingAttendance{{MeetingID: m2, UnitID: w.U1, Attended: true}}))
	meeting(Day(2025, 11, 1), model.MeetingHeld, nil)

	db.SetClock(func() time.Time { return Today })
	return w
}
