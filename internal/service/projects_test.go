package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// projectWorld is an alliance of 徐汇区 with a lead and a partner unit, an
// alliance of 黄浦区, and the people concerned.
type projectWorld struct {
	db                         *store.DB
	az                         *authz.Authorizer
	svc                        *service.Projects
	alliance, foreign          *model.Alliance
	lead, partner, foreignUnit int64
	secretary, reviewer, leadC *model.User
	partnerC, hpReviewer       *model.User
	xhAdmin                    *model.User
}

func projectSetup(t *testing.T, db *store.DB) *projectWorld {
	t.Helper()
	ctx := context.Background()
	w := &projectWorld{db: db}
	mk := func(district int64, name string) *model.Alliance {
		a := &model.Alliance{Name: name, Kind: "regional", Level: model.LevelDistrict, DistrictID: district, Status: model.StatusActive}
		if err := db.CreateAlliance(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.alliance, w.foreign = mk(310104, "凌云路街道区域化党建联盟"), mk(310101, "外滩街道区域化党建联盟")
	member := func(a *model.Alliance, name string) int64 {
		id := allianceTestUnit(t, db, name, a.DistrictID)
		if err := db.CreateMembership(ctx, &model.Membership{AllianceID: a.ID, UnitID: id, Rank: model.RankMember,
			JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.lead, w.partner = member(w.alliance, "凌云街道社区卫生服务中心"), member(w.alliance, "上海华东理工大学")
	w.foreignUnit = member(w.foreign, "外滩街道办事处")
	w.secretary = testenv.CreateUser(t, db, "p_sec", model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", w.alliance.ID))
	w.reviewer = testenv.CreateUser(t, db, "p_rev", model.RoleDistrictReviewer, "district:310104")
	w.hpReviewer = testenv.CreateUser(t, db, "p_hprev", model.RoleDistrictReviewer, "district:310101")
	w.leadC = testenv.CreateUser(t, db, "p_lead", model.RoleUnitContact, fmt.Sprintf("unit:%d", w.lead))
	w.partnerC = testenv.CreateUser(t, db, "p_partner", model.RoleUnitContact, fmt.Sprintf("unit:%d", w.partner))
	w.xhAdmin = testenv.CreateUser(t, db, "p_xhadmin", model.RoleDistrictAdmin, "district:310104")
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.az, w.svc = az, service.NewProjects(service.Deps{DB: db, Authz: az})
	return w
}

func as(u *model.User) model.Actor { return model.Actor{UserID: u.ID, Username: u.Username} }

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func (w *projectWorld) input() service.ProjectInput {
	return service.ProjectInput{AllianceID: w.alliance.ID, LeadUnitID: w.lead,
		Units: []service.ProjectUnitInput{{UnitID: w.partner, Role: model.ProjectUnitPartner}},
		Title: "化工一村 148 号楼加装电梯", Summary: "为老旧小区加装电梯", Category: "housing_renewal", Year: 2026,
		StartsOn: day(2026, 3, 1), EndsOn: day(2026, 12, 31), BudgetFen: 80_000_000,
		Funding:             []service.ProjectFundingInput{{Source: "district_fund", AmountFen: 50_000_000}, {Source: "street_fund", AmountFen: 30_000_000}},
		TargetBeneficiaries: 120}
}

// draft makes a draft through the service, as the secretary.
func (w *projectWorld) draft(t *testing.T) *model.Project {
	t.Helper()
	p, err := w.svc.Create(context.Background(), as(w.secretary), w.input())
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return p
}

// inStatus makes a project and puts it straight into status (the store, not
// the service: each case of the table needs a fresh one), with an evidence
// file to complete with.
func (w *projectWorld) inStatus(t *testing.T, status string) (*model.Project, int64) {
	t.Helper()
	ctx := context.Background()
	p := w.draft(t)
	if status != model.ProjectDraft {
		if err := w.db.UpdateProject(ctx, p.ID, p.Version, map[string]any{"status": status}); err != nil {
			t.Fatal(err)
		}
	}
	a := &model.Attachment{OwnerKind: model.AttachOwnerProject, OwnerID: p.ID, FileName: "结项报告.pdf", ContentType: "application/pdf",
		SizeBytes: 4, Sha256: "00", StoredPath: "attachments/00/00"}
	if err := w.db.CreateAttachment(ctx, a); err != nil {
		t.Fatal(err)
	}
	p, err := w.db.ProjectByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p, a.ID
}

func actionInput(action string, evidence int64) service.ActionInput {
	score := 92
	switch action {
	case model.ProjectActionReturn:
		return service.ActionInput{Reason: "预算明细不全"}
	case model.ProjectActionCancel:
		return service.ActionInput{Reason: "居民意见未统一"}
	case model.ProjectActionComplete:
		return service.ActionInput{ClosingReport: "电梯已投入使用", EvidenceIDs: []int64{evidence}}
	case model.ProjectActionEvaluate:
		return service.ActionInput{Score: &score, Grade: model.GradeExcellent, Comment: "群众满意度高"}
	}
	return service.ActionInput{Comment: "同意"}
}

// TestProjectTransitionsService fires every action on a project in every
// status as every role concerned, on both databases: allowed as the table
// says (and then a review row and an audit row exist), 403 when the role
// may never fire it, 422 naming the status otherwise.
func TestProjectTransitionsService(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		people := map[string]*model.User{model.ProjectRoleSecretary: w.secretary, model.ProjectRoleReviewer: w.reviewer,
			model.ProjectRoleLead: w.leadC, model.ProjectRolePartner: w.partnerC}
		for _, status := range model.ProjectStatuses {
			for _, action := range model.ProjectActions {
				for _, role := range model.ProjectRoleNames {
					p, evidence := w.inStatus(t, status)
					want, wantErr := model.ProjectFire(action, status, []string{role})
					got, err := w.svc.Fire(ctx, as(people[role]), p.ID, action, atVersion(actionInput(action, evidence), storedVersion(t, w.db, "projects", p.ID)))
					name := fmt.Sprintf("%s %s as %s", action, status, role)
					var re *model.RuleError
					switch {
					case wantErr == nil:
						if err != nil || got.Status != want {
							t.Errorf("%s: %v, want %s", name, err, want)
							continue
						}
						reviews, _, err := w.svc.Reviews(ctx, as(w.reviewer), p.ID)
						if err != nil || len(reviews) != 1 || reviews[0].Action != action || reviews[0].FromStatus != status || reviews[0].ToStatus != want {
							t.Errorf("%s: reviews %+v %v", name, reviews, err)
						}
						l, err := db.ListAudit(ctx, store.AuditFilter{Action: "project." + action, ObjectID: fmt.Sprint(p.ID)}, model.PageRequest{})
						if err != nil || len(l.Items) != 1 {
							t.Errorf("%s: audit %v %v", name, l.Items, err)
						}
					case errors.Is(wantErr, model.ErrForbidden):
						if !errors.Is(err, model.ErrForbidden) {
							t.Errorf("%s: %v, want 403", name, err)
						}
					default:
						if !errors.As(err, &re) || re.Message != "project.not_allowed."+status {
							t.Errorf("%s: %v, want 422 naming %s", name, err, status)
						}
					}
					if wantErr != nil {
						cur, _ := db.ProjectByID(ctx, p.ID)
						if cur.Status != status || cur.Version != p.Version {
							t.Errorf("%s: refused but changed to %s v%d", name, cur.Status, cur.Version)
						}
					}
				}
			}
		}
	})
}

// TestProjectLifecycle walks one project from draft to a selected case with
// the fields each step needs, its code, notifications and the private note.
func TestProjectLifecycle(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		p := w.draft(t)
		if p.Code != nil || p.Status != model.ProjectDraft {
			t.Fatalf("draft: %+v", p)
		}
		// The lead and partner units are both on it, the lead first.
		v, err := w.svc.Get(ctx, as(w.partnerC), p.ID)
		if err != nil || len(v.Units) != 2 || v.Units[0].UnitID != w.lead || v.Units[0].Role != model.ProjectUnitLead || len(v.Funding) != 2 {
			t.Fatalf("get as partner: %+v %v", v, err)
		}
		if !slices.Equal(v.Perms.Actions, nil) || v.Perms.Update {
			t.Errorf("partner perms on a draft: %+v", v.Perms)
		}
		fire := func(u *model.User, action string, in service.ActionInput) *model.Project {
			t.Helper()
			out, err := w.svc.Fire(ctx, as(u), p.ID, action, atVersion(in, storedVersion(t, w.db, "projects", p.ID)))
			if err != nil {
				t.Fatalf("%s as %s: %v", action, u.Username, err)
			}
			return out
		}
		p = fire(w.secretary, model.ProjectActionSubmit, service.ActionInput{})
		if p.Code == nil || *p.Code != "2026-310104-0001" || p.SubmittedAt == nil || p.ReviewDueOn == nil {
			t.Fatalf("submitted: %+v", p)
		}
		// The reviewer is told.
		l, err := db.ListNotifications(ctx, store.NotificationFilter{UserID: w.reviewer.ID}, model.PageRequest{})
		if err != nil || len(l.Items) != 1 || l.Items[0].Kind != "project_submit" || l.Items[0].SubjectID != p.ID {
			t.Fatalf("reviewer's inbox: %+v %v", l.Items, err)
		}
		// A return needs a reason; it is shown on the project, and a private note only to reviewers.
		if _, err := w.svc.Fire(ctx, as(w.reviewer), p.ID, model.ProjectActionReturn, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", p.ID))); allianceFields(err)["reason"] != model.MsgRequired {
			t.Fatalf("return without a reason: %v", err)
		}
		p = fire(w.reviewer, model.ProjectActionReturn, service.ActionInput{Reason: "请补充资金来源", PrivateNote: "预算偏高"})
		if p.Status != model.ProjectReturned || p.ReturnReason != "请补充资金来源" {
			t.Fatalf("returned: %+v", p)
		}
		rs, reviewer, err := w.svc.Reviews(ctx, as(w.secretary), p.ID)
		if err != nil || reviewer || rs[1].PrivateNote != "" || rs[1].Comment != "请补充资金来源" {
			t.Fatalf("reviews as secretary: %+v %v", rs, err)
		}
		if rs, reviewer, _ := w.svc.Reviews(ctx, as(w.reviewer), p.ID); !reviewer || rs[1].PrivateNote != "预算偏高" {
			t.Fatalf("reviews as reviewer: %+v", rs)
		}
		// Returned is editable and resubmittable; the code stays.
		in := w.input()
		in.Summary, in.Version = "补充了资金来源", p.Version
		if p, err = w.svc.Update(ctx, as(w.secretary), p.ID, in); err != nil {
			t.Fatalf("edit returned: %v", err)
		}
		p = fire(w.secretary, model.ProjectActionSubmit, service.ActionInput{})
		if *p.Code != "2026-310104-0001" || p.ReturnReason != "" {
			t.Fatalf("resubmitted: %+v", p)
		}
		p = fire(w.reviewer, model.ProjectActionApprove, service.ActionInput{Comment: "同意立项"})
		// After approval only a change of plan: the title is locked, the end day may move.
		in = w.input()
		in.Title, in.Version = "改名", p.Version
		if _, err := w.svc.Update(ctx, as(w.secretary), p.ID, in); allianceFields(err)["title"] != "project.locked_after_approval" {
			t.Fatalf("title after approval: %v", err)
		}
		in = w.input()
		in.EndsOn, in.BudgetFen, in.Version = day(2027, 3, 31), 90_000_000, p.Version
		if p, err = w.svc.Update(ctx, as(w.secretary), p.ID, in); err != nil || p.EndsOn.Format(time.DateOnly) != "2027-03-31" {
			t.Fatalf("change of plan: %v", err)
		}
		al, _ := db.ListAudit(ctx, store.AuditFilter{Action: "project.change_plan"}, model.PageRequest{})
		if len(al.Items) != 1 || !containsAll(al.Items[0].Changes, `"ends_on":["2026-12-31","2027-03-31"]`, `"budget_fen":[80000000,90000000]`) {
			t.Fatalf("change of plan audit: %+v", al.Items)
		}
		// A stale version answers 409.
		in.Version = p.Version - 1
		if _, err := w.svc.Update(ctx, as(w.secretary), p.ID, in); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("stale edit: %v", err)
		}
		// The lead unit's contact starts it; the partner reports progress but may not approve or start.
		if _, err := w.svc.Fire(ctx, as(w.partnerC), p.ID, model.ProjectActionStart, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", p.ID))); !errors.Is(err, model.ErrForbidden) {
			t.Fatalf("partner starting: %v", err)
		}
		p = fire(w.leadC, model.ProjectActionStart, service.ActionInput{})
		up, err := w.svc.AddUpdate(ctx, as(w.partnerC), p.ID, service.UpdateInput{Percent: 40, Text: "完成井道施工", Beneficiaries: 30, VolunteerHours: 12, FundsSpentFen: 1_000_000})
		if err != nil || up.Percent != 40 {
			t.Fatalf("partner update: %v", err)
		}
		if _, err := w.svc.AddUpdate(ctx, as(w.reviewer), p.ID, service.UpdateInput{Percent: 50, Text: "x"}); !errors.Is(err, model.ErrForbidden) {
			t.Fatalf("reviewer update: %v", err)
		}
		if _, err := w.svc.AddUpdate(ctx, as(w.secretary), p.ID, service.UpdateInput{Percent: 101, Text: ""}); allianceFields(err)["percent"] == "" || allianceFields(err)["text"] == "" {
			t.Fatalf("bad update: %v", err)
		}
		ul, err := w.svc.Updates(ctx, as(w.leadC), p.ID, model.PageRequest{})
		if err != nil || ul.Total != 1 {
			t.Fatalf("updates: %+v %v", ul, err)
		}
		// Complete needs a report and evidence of this project.
		if _, err := w.svc.Fire(ctx, as(w.secretary), p.ID, model.ProjectActionComplete, atVersion(service.ActionInput{ClosingReport: "已完成"}, storedVersion(t, w.db, "projects", p.ID))); allianceFields(err)["evidence_ids"] == "" {
			t.Fatalf("complete without evidence: %v", err)
		}
		_, evidence := w.inStatus(t, model.ProjectDraft) // another project's file
		if _, err := w.svc.Fire(ctx, as(w.secretary), p.ID, model.ProjectActionComplete, atVersion(service.ActionInput{ClosingReport: "已完成", EvidenceIDs: []int64{evidence}}, storedVersion(t, w.db, "projects", p.ID))); allianceFields(err)["evidence_ids"] != "project.bad_evidence" {
			t.Fatalf("complete with another's evidence: %v", err)
		}
		a := &model.Attachment{OwnerKind: model.AttachOwnerProject, OwnerID: p.ID, FileName: "验收.pdf", ContentType: "application/pdf", SizeBytes: 1, Sha256: "1", StoredPath: "x"}
		if err := db.CreateAttachment(ctx, a); err != nil {
			t.Fatal(err)
		}
		p = fire(w.secretary, model.ProjectActionComplete, service.ActionInput{ClosingReport: "电梯已投入使用", EvidenceIDs: []int64{a.ID}})
		// Evaluate: score 0–100 and a grade.
		bad := 101
		if _, err := w.svc.Fire(ctx, as(w.reviewer), p.ID, model.ProjectActionEvaluate, atVersion(service.ActionInput{Score: &bad, Grade: "top", Comment: "x"}, storedVersion(t, w.db, "projects", p.ID))); allianceFields(err)["score"] == "" || allianceFields(err)["grade"] == "" {
			t.Fatalf("bad evaluation: %v", err)
		}
		p = fire(w.reviewer, model.ProjectActionEvaluate, actionInput(model.ProjectActionEvaluate, 0))
		if p.Status != model.ProjectEvaluated || *p.Score != 92 || p.Grade != model.GradeExcellent {
			t.Fatalf("evaluated: %+v", p)
		}
		// Cases: the secretary nominates, the reviewer selects; everyone reads the library.
		if _, err := w.svc.Nominate(ctx, as(w.reviewer), p.ID, service.CaseInput{}); !errors.Is(err, model.ErrForbidden) {
			t.Fatalf("reviewer nominating: %v", err)
		}
		c, err := w.svc.Nominate(ctx, as(w.secretary), p.ID, service.CaseInput{WriteUp: "初稿"})
		if err != nil || c.Status != model.CaseNominated || c.Theme != "housing_renewal" {
			t.Fatalf("nominate: %+v %v", c, err)
		}
		if _, err := w.svc.Nominate(ctx, as(w.secretary), p.ID, service.CaseInput{}); !errors.Is(err, model.ErrRule) {
			t.Fatalf("second nomination: %v", err)
		}
		if cl, _ := w.svc.Cases(ctx, as(w.partnerC), store.CaseFilter{}, model.PageRequest{}); cl.Total != 0 {
			t.Fatalf("a nomination is not in everyone's library: %+v", cl.Items)
		}
		if _, err := w.svc.Select(ctx, as(w.hpReviewer), c.ID, true, service.CaseInput{Level: model.CaseLevelBest, WriteUp: "x"}); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("foreign reviewer selecting: %v", err)
		}
		c, err = w.svc.Select(ctx, as(w.reviewer), c.ID, true, service.CaseInput{Level: model.CaseLevelBest, WriteUp: "加装电梯的凌云经验", Version: c.Version})
		if err != nil || c.Status != model.CaseSelected || c.Level != model.CaseLevelBest {
			t.Fatalf("select: %+v %v", c, err)
		}
		cl, err := w.svc.Cases(ctx, as(w.hpReviewer), store.CaseFilter{Year: 2026, DistrictID: 310104}, model.PageRequest{})
		if err != nil || cl.Total != 1 || cl.Items[0].ProjectTitle != "化工一村 148 号楼加装电梯" {
			t.Fatalf("library: %+v %v", cl.Items, err)
		}
	})
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !contains(s, p) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestProjectScope: a reviewer of 黄浦区 cannot see, approve or guess a
// project of 徐汇区 (404, nothing written); lists are scoped in SQL.
func TestProjectScope(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		p := w.draft(t)
		p, err := w.svc.Fire(ctx, as(w.secretary), p.ID, model.ProjectActionSubmit, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", p.ID)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Get(ctx, as(w.hpReviewer), p.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign reviewer get: %v", err)
		}
		if _, err := w.svc.Fire(ctx, as(w.hpReviewer), p.ID, model.ProjectActionApprove, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", p.ID))); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign reviewer approve: %v", err)
		}
		if _, err := w.svc.Get(ctx, as(w.hpReviewer), p.ID+1000); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("guessed id: %v", err)
		}
		if cur, _ := db.ProjectByID(ctx, p.ID); cur.Status != model.ProjectSubmitted {
			t.Errorf("changed: %s", cur.Status)
		}
		// The partner unit's contact may not approve (403, they see it).
		if _, err := w.svc.Fire(ctx, as(w.partnerC), p.ID, model.ProjectActionApprove, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", p.ID))); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("partner approve: %v", err)
		}
		// A project of 黄浦区.
		hp := w.input()
		hp.AllianceID, hp.LeadUnitID, hp.Units = w.foreign.ID, w.foreignUnit, nil
		if _, err := w.svc.Create(ctx, as(w.secretary), hp); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("secretary creating in a foreign alliance: %v", err)
		}
		count := func(u *model.User) int64 {
			l, err := w.svc.List(ctx, as(u), store.ProjectFilter{}, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		for u, want := range map[*model.User]int64{w.reviewer: 1, w.hpReviewer: 0, w.partnerC: 1, w.leadC: 1, w.secretary: 1, w.xhAdmin: 1} {
			if got := count(u); got != want {
				t.Errorf("%s sees %d projects, want %d", u.Username, got, want)
			}
		}
		// The queue: the district's submitted projects, with totals.
		q, err := w.svc.Queue(ctx, as(w.reviewer), store.ProjectFilter{}, model.PageRequest{})
		if err != nil || q.Total != 1 || q.Items[0].ID != p.ID {
			t.Errorf("queue: %+v %v", q, err)
		}
		if q, _ := w.svc.Queue(ctx, as(w.hpReviewer), store.ProjectFilter{}, model.PageRequest{}); q.Total != 0 {
			t.Errorf("foreign queue: %+v", q.Items)
		}
		tot, err := w.svc.Totals(ctx, as(w.secretary), store.ProjectFilter{Year: 2026})
		if err != nil || tot.Count != 1 || tot.BudgetFen != 80_000_000 {
			t.Errorf("totals: %+v %v", tot, err)
		}
		// Bulk approve: each one checked; a foreign reviewer's ids are refused one by one.
		res, err := w.svc.BulkApprove(ctx, as(w.hpReviewer), []int64{p.ID}, "")
		if err != nil || len(res) != 1 || !errors.Is(res[0].Err, model.ErrNotFound) {
			t.Errorf("foreign bulk: %+v %v", res, err)
		}
		second := w.draft(t)
		res, err = w.svc.BulkApprove(ctx, as(w.reviewer), []int64{p.ID, second.ID}, "批量立项")
		if err != nil || res[0].Err != nil || !errors.Is(res[1].Err, model.ErrRule) {
			t.Errorf("bulk: %+v %v", res, err)
		}
	})
}

// TestProjectCodesConcurrent: 50 parallel first submissions in one district
// and year get 50 distinct, consecutive codes.
func TestProjectCodesConcurrent(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		const n = 50
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = w.draft(t).ID
		}
		codes := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				p, err := w.svc.Fire(ctx, as(w.secretary), ids[i], model.ProjectActionSubmit, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", ids[i])))
				if err == nil {
					codes[i] = *p.Code
				}
				errs[i] = err
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("submit %d: %v", i, err)
			}
		}
		sort.Strings(codes)
		for i, c := range codes {
			if want := fmt.Sprintf("2026-310104-%04d", i+1); c != want {
				t.Fatalf("codes[%d] = %s, want %s (all: %v)", i, c, want, codes)
			}
		}
		// Another year starts again at 0001.
		in := w.input()
		in.Year = 2027
		p, err := w.svc.Create(ctx, as(w.secretary), in)
		if err != nil {
			t.Fatal(err)
		}
		if p, err = w.svc.Fire(ctx, as(w.secretary), p.ID, model.ProjectActionSubmit, atVersion(service.ActionInput{}, storedVersion(t, w.db, "projects", p.ID))); err != nil || *p.Code != "2027-310104-0001" {
			t.Fatalf("2027: %v %v", p, err)
		}
	})
}

// TestProjectValidation: the field rules of create.
func TestProjectValidation(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		in := w.input()
		in.Title, in.Category, in.Year, in.StartsOn, in.EndsOn = "", "nope", 1999, day(2026, 5, 1), day(2026, 4, 1)
		in.LeadUnitID = w.foreignUnit
		in.Units = []service.ProjectUnitInput{{UnitID: w.foreignUnit}}
		in.Funding = []service.ProjectFundingInput{{Source: "district_fund", AmountFen: 90_000_000}}
		in.SiteIDs = []int64{424242}
		f := allianceFields(func() error { _, err := w.svc.Create(ctx, as(w.secretary), in); return err }())
		for field, key := range map[string]string{"title": model.MsgRequired, "category": "project.bad_category", "year": "project.bad_year",
			"ends_on": "project.ends_before_starts", "lead_unit_id": "project.lead_not_member", "units": "project.bad_units",
			"funding": "project.funding_over_budget", "site_ids": "project.bad_sites"} {
			if f[field] != key {
				t.Errorf("%s: %q, want %q (all %v)", field, f[field], key, f)
			}
		}
		// A reviewer may not create (403: they read the alliance's projects).
		if _, err := w.svc.Create(ctx, as(w.reviewer), w.input()); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("reviewer create: %v", err)
		}
	})
}
