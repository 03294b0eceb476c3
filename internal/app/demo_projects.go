package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The demonstration alliance's projects (项目清单): one in every state of the
// lifecycle, with their review trails, progress updates and one selected
// case, among them the seed's own example, 化工一村 148 号楼加装电梯 of
// 凌云路街道. Dates follow the day of seeding. Only the approved and the
// submitted project serve demo needs (青少年暑期托管班, 居民法律咨询服务): the
// others leave the needs that the demo claims work on open. Written once: a
// run on an alliance that has projects already changes nothing.

// demoProjectUnit is a partner of a demo project; unit indexes demoUnits.
type demoProjectUnit struct {
	unit int
	role string
}

// demoProjectUpdate is a progress update, daysAgo before seeding.
type demoProjectUpdate struct {
	daysAgo, percent, people, hours int
	spentYuan                       int64
	text                            string
}

// demoProject is one demo project; its status decides how far its trail goes.
type demoProject struct {
	title, summary, category string
	lead                     int
	units                    []demoProjectUnit
	need                     string // the demo need it serves ("" for none)
	budgetYuan               int64
	funding                  map[string]int64 // source → 元
	target                   int
	startDays, endDays       int // relative to today
	status                   string
	returnReason             string
	cancelReason             string
	closing                  string
	score                    int
	grade, comment           string
	updates                  []demoProjectUpdate
	caseWriteUp              string
	site                     bool
}

var demoProjects = []demoProject{
	{title: "化工一村 148 号楼加装电梯", category: "housing_renewal", lead: 0, status: model.ProjectInProgress,
		summary: "凌云路街道化工一村 148 号楼为 6 层老旧住宅，居民平均年龄 68 岁。联盟协调街道、物业和银行，通过居民议事会征询意见、" +
			"多方筹资，为该楼加装电梯一部，解决老人上下楼难题。",
		units:      []demoProjectUnit{{10, model.ProjectUnitPartner}, {8, model.ProjectUnitPartner}, {13, model.ProjectUnitRequester}},
		budgetYuan: 860_000, funding: map[string]int64{"district_fund": 400_000, "street_fund": 260_000, "unit_fund": 200_000},
		target: 36, startDays: -60, endDays: 120, site: true,
		updates: []demoProjectUpdate{
			{45, 20, 36, 24, 30_000, "召开居民议事会两次，148 号楼 24 户全部签署加装电梯意见征询表。"},
			{20, 45, 0, 16, 180_000, "完成井道基础开挖和管线迁移，物业公司配合做好施工期间的出行引导。"},
		}},
	{title: "老年助餐送餐服务", category: "care", lead: 1, status: model.ProjectEvaluated,
		summary:    "为社区独居、高龄老人提供助餐送餐上门服务，第八人民医院营养科定期开展营养咨询。",
		units:      []demoProjectUnit{{17, model.ProjectUnitPartner}, {0, model.ProjectUnitPartner}},
		budgetYuan: 120_000, funding: map[string]int64{"street_fund": 80_000, "social": 40_000}, target: 85, startDays: -300, endDays: -30,
		closing: "全年送餐 1.2 万人次，覆盖独居、高龄老人 85 名；营养咨询 12 场，志愿服务 960 小时。", score: 95, grade: model.GradeExcellent,
		comment: "机制健全、覆盖面广，群众满意度高。",
		updates: []demoProjectUpdate{
			{240, 30, 3_000, 240, 30_000, "开通助餐点 2 个，志愿者送餐队伍组建完成。"},
			{150, 70, 5_000, 420, 45_000, "新增营养咨询进社区活动 6 场。"},
			{40, 100, 4_000, 300, 40_000, "全年服务目标完成，形成助餐服务工作手册。"},
		},
		caseWriteUp: "凌云路街道联合第八人民医院、社区志愿者协会，建立“助餐点＋送餐队＋营养师”的为老服务机制，" +
			"全年送餐 1.2 万人次，为独居、高龄老人解决吃饭难题。"},
	{title: "垃圾分类宣传进小区", category: "environment", lead: 17, status: model.ProjectCompleted,
		summary: "在梅陇六村开展垃圾分类“定时定点”宣传和值守指导。", units: []demoProjectUnit{{14, model.ProjectUnitRequester}},
		budgetYuan: 30_000, funding: map[string]int64{"street_fund": 30_000}, target: 1_200, startDays: -200, endDays: -10,
		closing: "值守指导 40 场，居民分类准确率由 60% 提升到 92%。",
		updates: []demoProjectUpdate{{100, 50, 600, 200, 12_000, "完成 20 场早晚高峰值守。"}, {15, 100, 600, 200, 15_000, "完成全部值守和入户宣传。"}}},
	{title: "青少年暑期托管班", category: "youth", lead: 4, status: model.ProjectApproved, need: "青少年暑期托管班",
		summary: "依托社区党群服务中心，由华东理工大学学生志愿者开设暑期托管班。", units: []demoProjectUnit{{15, model.ProjectUnitRequester}},
		budgetYuan: 45_000, funding: map[string]int64{"district_fund": 25_000, "unit_fund": 20_000}, target: 60, startDays: 20, endDays: 70, site: true},
	{title: "居民法律咨询服务", category: "rule_of_law", lead: 1, status: model.ProjectSubmitted, need: "居民法律咨询服务",
		summary: "每月一次公益法律咨询，解答物业纠纷、继承等问题。", budgetYuan: 24_000, funding: map[string]int64{"street_fund": 24_000},
		target: 240, startDays: 15, endDays: 200},
	{title: "夜间错峰停车试点", category: "traffic", lead: 12, status: model.ProjectReturned,
		summary: "梅陇商业广场夜间开放错峰停车位，供周边老旧小区居民使用。", budgetYuan: 15_000, target: 300, startDays: 30, endDays: 365,
		returnReason: "请补充车位管理方案和安全责任划分，并附商业广场的书面同意。"},
	{title: "社区健康义诊", category: "health", lead: 2, status: model.ProjectDraft,
		summary: "社区卫生服务中心开展慢病筛查义诊。", budgetYuan: 8_000, target: 400, startDays: 45, endDays: 90},
	{title: "社区文化节演出", category: "culture_sports", lead: 19, status: model.ProjectCancelled,
		summary: "社区文化节文艺演出。", budgetYuan: 20_000, target: 500, startDays: 10, endDays: 12,
		cancelReason: "文化节改为线上举办，线下演出取消。"},
}

// seedDemoProjects writes the demo projects of the alliance unless it has
// projects already. The demo secretary and reviewer, when they exist, sign
// the review trail.
func seedDemoProjects(ctx context.Context, db *store.DB, allianceID int64, unitIDs []int64) error {
	tot, err := db.ProjectListTotals(ctx, store.ProjectFilter{Scope: model.Scope{Alliances: []int64{allianceID}}})
	if err != nil || tot.Count > 0 {
		return err
	}
	var secretaryID, reviewerID int64
	if u, err := db.UserByUsername(ctx, "secretary"); err == nil {
		secretaryID = u.ID
	}
	if u, err := db.UserByUsername(ctx, "reviewer"); err == nil {
		reviewerID = u.ID
	}
	if len(unitIDs) < len(demoUnits) {
		return fmt.Errorf("demo projects: %d units, want %d", len(unitIDs), len(demoUnits))
	}
	unit, err := db.UnitByID(ctx, unitIDs[0])
	if err != nil {
		return err
	}
	sites, err := db.ListSiteOptions(ctx, []int64{unit.DistrictID}, 2)
	if err != nil {
		return err
	}
	titles := make([]string, 0, len(demoProjects))
	for _, d := range demoProjects {
		titles = append(titles, d.need)
	}
	needs, err := db.NeedIDsByTitle(ctx, allianceID, titles)
	if err != nil {
		return err
	}
	now := db.Now()
	today := service.AllianceToday(now) // the day in Asia/Shanghai, as the pages count it
	day := func(n int) *time.Time {
		d := today.AddDate(0, 0, n)
		return &d
	}
	at := func(daysAgo int) time.Time { return now.AddDate(0, 0, -daysAgo) }
	who := func(id int64) *int64 {
		if id == 0 {
			return nil
		}
		return &id
	}
	order := []string{model.ProjectDraft, model.ProjectSubmitted, model.ProjectApproved, model.ProjectInProgress, model.ProjectCompleted, model.ProjectEvaluated}
	reached := func(d demoProject, s string) bool {
		if !slices.Contains(order, d.status) { // returned, cancelled
			return false
		}
		for _, st := range order {
			if st == s {
				return true
			}
			if st == d.status {
				return false
			}
		}
		return false
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		for _, d := range demoProjects {
			p := &model.Project{AllianceID: allianceID, DistrictID: unit.DistrictID, LeadUnitID: unitIDs[d.lead], Title: d.title,
				Summary: d.summary, Category: d.category, Year: today.Year(), StartsOn: day(d.startDays), EndsOn: day(d.endDays),
				BudgetFen: d.budgetYuan * 100, TargetBeneficiaries: d.target, Status: d.status, ReturnReason: d.returnReason,
				CancelReason: d.cancelReason, ClosingReport: d.closing, EvaluationComment: d.comment, Grade: d.grade, CreatedBy: who(secretaryID)}
			if d.score != 0 {
				score := d.score
				p.Score = &score
			}
			units := []model.ProjectUnit{{UnitID: unitIDs[d.lead], Role: model.ProjectUnitLead}}
			for _, u := range d.units {
				units = append(units, model.ProjectUnit{UnitID: unitIDs[u.unit], Role: u.role})
			}
			var needIDs []int64
			if id, ok := needs[d.need]; ok && d.need != "" {
				needIDs = []int64{id}
			}
			// The trail: when each step happened, oldest first.
			var reviews []model.ProjectReview
			step := func(daysAgo int, action, from, to, comment string, actor int64) {
				reviews = append(reviews, model.ProjectReview{Action: action, FromStatus: from, ToStatus: to, Comment: comment,
					ActorID: who(actor), CreatedAt: at(daysAgo)})
			}
			submitted := d.status != model.ProjectDraft && d.status != model.ProjectCancelled
			if submitted {
				t := at(max(-d.startDays+30, 3))
				switch d.status {
				case model.ProjectSubmitted: // due in two days: the queue warns
					t = at(13)
				case model.ProjectReturned:
					t = at(3)
				}
				p.SubmittedAt = &t
				due := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 15)
				p.ReviewDueOn = &due
				step(int(now.Sub(t).Hours()/24), model.ProjectActionSubmit, model.ProjectDraft, model.ProjectSubmitted, "", secretaryID)
			}
			if d.status == model.ProjectReturned {
				step(1, model.ProjectActionReturn, model.ProjectSubmitted, model.ProjectReturned, d.returnReason, reviewerID)
			}
			if reached(d, model.ProjectApproved) {
				t := p.SubmittedAt.AddDate(0, 0, 5)
				p.ApprovedAt = &t
				step(int(now.Sub(t).Hours()/24), model.ProjectActionApprove, model.ProjectSubmitted, model.ProjectApproved, "同意立项。", reviewerID)
			}
			if reached(d, model.ProjectInProgress) {
				t := at(max(-d.startDays, 1))
				p.StartedAt = &t
				step(int(now.Sub(t).Hours()/24), model.ProjectActionStart, model.ProjectApproved, model.ProjectInProgress, "", secretaryID)
			}
			if reached(d, model.ProjectCompleted) {
				t := at(max(-d.endDays, 1))
				p.CompletedAt = &t
				step(int(now.Sub(t).Hours()/24), model.ProjectActionComplete, model.ProjectInProgress, model.ProjectCompleted, "", secretaryID)
			}
			if reached(d, model.ProjectEvaluated) {
				t := p.CompletedAt.AddDate(0, 0, 7)
				p.EvaluatedAt = &t
				score := d.score
				reviews = append(reviews, model.ProjectReview{Action: model.ProjectActionEvaluate, FromStatus: model.ProjectCompleted,
					ToStatus: model.ProjectEvaluated, Comment: d.comment, Score: &score, Grade: d.grade, ActorID: who(reviewerID), CreatedAt: t})
			}
			if d.status == model.ProjectCancelled {
				t := at(2)
				p.CancelledAt = &t
				step(2, model.ProjectActionCancel, model.ProjectDraft, model.ProjectCancelled, d.cancelReason, secretaryID)
			}
			if len(d.updates) > 0 {
				p.ProgressPercent = d.updates[len(d.updates)-1].percent
			}
			if err := db.CreateProjectDraft(ctx, &store.ProjectDraft{Project: p, Units: units, NeedIDs: needIDs}); err != nil {
				return fmt.Errorf("demo project %s: %w", d.title, err)
			}
			if submitted {
				code, err := db.TakeProjectCode(ctx, p.DistrictID, p.Year)
				if err != nil {
					return err
				}
				if err := db.UpdateProject(ctx, p.ID, p.Version, map[string]any{"code": code}); err != nil {
					return err
				}
			}
			var funding []model.ProjectFunding
			for _, src := range []string{"district_fund", "street_fund", "party_fee", "unit_fund", "social", "other"} {
				if y, ok := d.funding[src]; ok {
					funding = append(funding, model.ProjectFunding{Source: src, AmountFen: y * 100})
				}
			}
			if err := db.ReplaceProjectFunding(ctx, p.ID, funding); err != nil {
				return err
			}
			if d.site && len(sites) > 0 {
				if err := db.ReplaceProjectSites(ctx, p.ID, []int64{sites[0].ID}); err != nil {
					return err
				}
			}
			for i := range reviews {
				r := reviews[i]
				r.ProjectID = p.ID
				if err := db.CreateProjectReview(ctx, &r); err != nil {
					return err
				}
			}
			for _, u := range d.updates {
				pu := &model.ProjectUpdate{ProjectID: p.ID, Percent: u.percent, Text: u.text, Beneficiaries: u.people, VolunteerHours: u.hours,
					FundsSpentFen: u.spentYuan * 100, HappenedOn: today.AddDate(0, 0, -u.daysAgo), CreatedBy: who(secretaryID),
					CreatedAt: at(u.daysAgo)}
				if err := db.CreateProjectUpdate(ctx, pu); err != nil {
					return err
				}
			}
			switch {
			case reached(d, model.ProjectCompleted):
				if _, err := db.SetProjectNeedsStatus(ctx, p.ID, []string{model.NeedPublished, model.NeedPartlyClaimed, model.NeedClaimed, model.NeedInProject}, model.NeedFulfilled); err != nil {
					return err
				}
			case reached(d, model.ProjectApproved):
				if _, err := db.SetProjectNeedsStatus(ctx, p.ID, []string{model.NeedPublished, model.NeedPartlyClaimed, model.NeedClaimed}, model.NeedInProject); err != nil {
					return err
				}
			}
			if d.caseWriteUp != "" {
				sel := *p.EvaluatedAt
				c := &model.Case{ProjectID: p.ID, AllianceID: allianceID, DistrictID: p.DistrictID, Year: p.Year, Theme: d.category,
					Level: model.CaseLevelBest, WriteUp: d.caseWriteUp, Status: model.CaseSelected, NominatedBy: who(secretaryID),
					NominatedAt: sel.AddDate(0, 0, 3), SelectedBy: who(reviewerID)}
				selAt := sel.AddDate(0, 0, 10)
				c.SelectedAt = &selAt
				if err := db.CreateCase(ctx, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
