package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The demonstration alliance's governance (issue 8): the rotating chair over
// last year and this year (monthly, in the order of the council units), a
// joint meeting each quarter hosted by the chair of its day, and this year's
// annual meeting with its pack (confirmed review of last year, attendance,
// letters signed, lists published, projects signed, terms announced). Dates
// follow the day of seeding; meetings and duties before today are held and
// done, except last month's brief, left overdue for the home page. Written
// once: a run on an alliance that has rotation terms or meetings already
// changes nothing. The chair roles are derived afterwards by the same
// reconciliation the periodic job runs.

// demoJointMinutes are the minutes and resolutions of a held joint meeting.
const (
	demoJointAgenda      = "一、通报上季度三张清单进展\n二、研究本季度需求认领和项目推进\n三、轮值主席单位工作交流"
	demoJointMinutes     = "会议通报了上季度需求、资源和项目清单的进展，成员单位交流了认领和项目实施情况，轮值主席单位介绍了本季度工作安排。"
	demoJointResolutions = "一、加快推进在建项目进度，按月报送进展\n二、新增需求由相关专委会牵头对接资源"
	demoAnnualAgenda     = "一、回顾上一年度联盟工作\n二、新成员单位签订共建责任书\n三、发布本年度三张清单\n四、签约年度项目\n五、宣布本年度轮值主席单位"
	demoAnnualMinutes    = "年会回顾了上一年度联盟工作和项目成效，新成员单位签订共建责任书，发布本年度需求、资源和项目清单，签约年度重点项目，宣布本年度轮值安排。"
	demoAnnualResolution = "一、通过上一年度联盟工作报告\n二、通过本年度三张清单和重点项目\n三、通过本年度轮值主席单位安排"
)

// seedDemoGovernance writes the demo alliance's rotation and meetings unless
// it has some already, then derives the chair roles.
func seedDemoGovernance(ctx context.Context, db *store.DB, allianceID int64, unitIDs []int64) error {
	terms, err := db.RotationTermsOf(ctx, allianceID, nil, nil)
	if err != nil {
		return err
	}
	meetings, err := db.ListMeetings(ctx, store.MeetingFilter{AllianceID: allianceID, Scope: model.Scope{All: true}}, model.PageRequest{Limit: 1})
	if err != nil {
		return err
	}
	if len(terms) > 0 || len(meetings.Items) > 0 {
		return nil
	}
	a, err := db.AllianceByID(ctx, allianceID)
	if err != nil {
		return err
	}
	var council []int64
	for _, i := range demoOrganisations().Council {
		if i >= len(unitIDs) {
			return fmt.Errorf("demo governance: %d units, want more than %d", len(unitIDs), i)
		}
		council = append(council, unitIDs[i])
	}
	var secretary *int64
	if u, err := db.UserByUsername(ctx, "secretary"); err == nil {
		secretary = &u.ID
	}
	today := service.AllianceToday(db.Now())
	year := today.Year()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	err = db.WithTx(ctx, func(ctx context.Context) error {
		// The rotation: monthly over last year and this year.
		plan := model.PlanRotation(council, date(year-1, 1, 1), model.PeriodMonth, date(year, 12, 1))
		lastMonthEnd := date(today.Year(), today.Month(), 1).AddDate(0, 0, -1)
		var saved []model.RotationTerm
		for _, p := range plan {
			t := model.RotationTerm{AllianceID: allianceID, DistrictID: a.DistrictID, UnitID: p.UnitID, StartsOn: p.StartsOn, EndsOn: p.EndsOn,
				Status: model.RotationStatusOn("", p.StartsOn, p.EndsOn, today), CreatedBy: secretary}
			if err := db.CreateRotationTerm(ctx, &t, model.TermDuties(t.StartsOn, t.EndsOn)); err != nil {
				return err
			}
			saved = append(saved, t)
		}
		termOn := func(day time.Time) *model.RotationTerm {
			for i := range saved {
				if !day.Before(saved[i].StartsOn) && !day.After(saved[i].EndsOn) {
					return &saved[i]
				}
			}
			return nil
		}
		site, err := db.MeetingSiteOptions(ctx, a.DistrictID, 1)
		if err != nil {
			return err
		}
		var siteID *int64
		if len(site) > 0 {
			siteID = &site[0].ID
		}
		members, err := db.LetterRows(ctx, allianceID)
		if err != nil {
			return err
		}
		attend := func(m *model.Meeting, absent int) error {
			rows := make([]model.MeetingAttendance, 0, len(members))
			for i, ms := range members {
				rows = append(rows, model.MeetingAttendance{UnitID: ms.UnitID, Attended: i%7 != absent,
					Representative: []string{"王敏", "李强", "张静", "刘洋", "陈晨", "赵磊", "孙丽"}[i%7]})
			}
			return db.SaveAttendance(ctx, m.ID, rows)
		}
		meeting := func(kind, title string, held time.Time, agenda string) (*model.Meeting, error) {
			m := &model.Meeting{AllianceID: allianceID, DistrictID: a.DistrictID, Kind: kind, Title: title, HeldOn: held, StartTime: "14:30",
				DurationMinutes: 120, Year: held.Year(), SiteID: siteID, Agenda: agenda, Status: model.MeetingPlanned, CreatedBy: secretary}
			if chair := termOn(held); chair != nil {
				m.HostUnitID = &chair.UnitID
			}
			if kind == model.MeetingAnnual {
				m.DurationMinutes = 180
				m.StartTime = "09:30"
			}
			if held.Before(today) {
				m.Status = model.MeetingHeld
				m.Minutes, m.Resolutions = demoJointMinutes, demoJointResolutions
				if kind == model.MeetingAnnual {
					m.Minutes, m.Resolutions = demoAnnualMinutes, demoAnnualResolution
				}
			}
			if err := db.CreateMeeting(ctx, m); err != nil {
				return nil, err
			}
			if m.Status == model.MeetingHeld {
				if err := attend(m, int(held.Month())%7); err != nil {
					return nil, err
				}
			}
			return m, nil
		}
		// A joint meeting each quarter, on the 15th of its middle month.
		jointOf := map[int64]int64{} // term id → the joint meeting it hosted
		quarter := []string{"一", "二", "三", "四"}
		for _, y := range []int{year - 1, year} {
			for q := 0; q < 4; q++ {
				held := date(y, time.Month(q*3+2), 15)
				m, err := meeting(model.MeetingJoint, fmt.Sprintf("%d年第%s季度联席会议", y, quarter[q]), held, demoJointAgenda)
				if err != nil {
					return err
				}
				if t := termOn(held); t != nil && m.Status == model.MeetingHeld {
					jointOf[t.ID] = m.ID
				}
			}
		}
		// This year's annual meeting, in the middle of January.
		annual, err := meeting(model.MeetingAnnual, fmt.Sprintf("凌云路街道区域化党建联盟%d年年会", year), date(year, 1, 16), demoAnnualAgenda)
		if err != nil {
			return err
		}
		if err := demoAnnualPack(ctx, db, annual, members, saved, year); err != nil {
			return err
		}
		// Duties before today are done (last month's brief left overdue).
		ids := make([]int64, len(saved))
		for i, t := range saved {
			ids[i] = t.ID
		}
		duties, err := db.DutiesOfTerms(ctx, ids)
		if err != nil {
			return err
		}
		briefNo := 0
		for _, d := range duties {
			if d.Kind == model.DutyBrief {
				briefNo++
			}
			if !d.DueOn.Before(today) || (d.Kind == model.DutyBrief && d.DueOn.Equal(lastMonthEnd)) {
				continue
			}
			done := d.DueOn.AddDate(0, 0, -2)
			var meetingID *int64
			doc := ""
			switch d.Kind {
			case model.DutyJointMeeting:
				if id, ok := jointOf[d.TermID]; ok {
					meetingID = &id
				} else {
					doc = fmt.Sprintf("%d年%d月成员单位工作例会纪要", d.StartsOn.Year(), d.StartsOn.Month())
				}
			case model.DutyHalfYearSummary:
				doc = fmt.Sprintf("%d年上半年联盟工作总结", d.DueOn.Year())
			case model.DutyAnnualSummary:
				doc = fmt.Sprintf("%d年度联盟工作总结", d.DueOn.Year())
			case model.DutyBrief:
				doc = fmt.Sprintf("联盟工作简报（第%d期）", briefNo)
			}
			if err := db.UpdateDuty(ctx, d.ID, d.Version, &done, meetingID, doc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = service.ReconcileChairRoles(ctx, db, nil)
	return err
}

// demoAnnualPack fills the annual meeting's sections: the confirmed review
// of last year, three letters signed, three needs and resources published,
// up to three of this year's running projects signed and published, and
// this year's terms announced.
func demoAnnualPack(ctx context.Context, db *store.DB, m *model.Meeting, members []store.LetterRow, terms []model.RotationTerm, year int) error {
	figures, err := db.AllianceProjectFigures(ctx, m.AllianceID, year-1)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(figures)
	if err := db.UpdateMeeting(ctx, m.ID, m.Version, map[string]any{"review_figures": string(b), "review_confirmed_at": db.Now()}); err != nil {
		return err
	}
	var letters []int64
	for _, ms := range members {
		if ms.Rank == model.RankMember && len(letters) < 3 {
			letters = append(letters, ms.MembershipID)
		}
	}
	if err := db.SetLettersSigned(ctx, m.AllianceID, m.ID, m.HeldOn, letters); err != nil {
		return err
	}
	for _, kind := range []string{model.PublishNeed, model.PublishResource} {
		items, err := db.ListItemCandidates(ctx, kind, m.AllianceID, 3)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(items))
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		if err := db.SetMeetingPublications(ctx, m.ID, kind, ids); err != nil {
			return err
		}
	}
	projects, err := db.ProjectCandidates(ctx, m.AllianceID, year, 100)
	if err != nil {
		return err
	}
	var signed []int64
	for _, p := range projects {
		if p.Year == year && len(signed) < 3 && slices.Contains([]string{model.ProjectApproved, model.ProjectInProgress,
			model.ProjectCompleted, model.ProjectEvaluated}, p.Status) {
			signed = append(signed, p.ID)
		}
	}
	if err := db.SetProjectsSigned(ctx, m.AllianceID, m.ID, signed); err != nil {
		return err
	}
	if err := db.SetMeetingPublications(ctx, m.ID, model.PublishProject, signed); err != nil {
		return err
	}
	var announced []int64
	for _, t := range terms {
		if t.StartsOn.Year() == year {
			announced = append(announced, t.ID)
		}
	}
	return db.SetTermsAnnounced(ctx, m.ID, m.AllianceID, announced)
}
