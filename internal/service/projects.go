package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Projects runs the projects list (项目清单): create and edit, the
// lifecycle (submit, approve 立项, return, start, complete 结项, evaluate
// 评估, cancel), the reviewer queue with bulk approve. Progress updates are
// in project_updates.go, attachments in attachments.go, cases in cases.go.
//
// Permissions (configs/policy.csv, section Projects) are checked on the
// project's chain: the domains of its units (lead first), its alliance,
// its district, sys. Outside it a project answers 404. Who may fire a
// transition is model.ProjectTransitions, asked with the actor's roles for
// this project (ProjectRoles); the policy must also grant the action.
type Projects struct {
	db    *store.DB
	authz *authz.Authorizer
	dict  *Dictionaries
}

// NewProjects builds the service.
func NewProjects(d Deps) *Projects {
	return &Projects{db: d.DB, authz: d.Authz, dict: NewDictionaries(d)}
}

// Audit actions of projects: project.create, project.update and
// project.<action> for each transition.
const (
	ActionProjectCreate = "project.create"
	ActionProjectUpdate = "project.update"
)

// Limits of the project fields.
const (
	ProjectTitleMax   = 100
	ProjectSummaryMax = 4000
	ProjectReasonMax  = 500
	ProjectCommentMax = 2000
	ProjectReportMax  = 10000
	ProjectUnitsMax   = 50
	// ProjectReviewDays is how long a district has to review a submission:
	// review_due_on is the submission day plus this many days.
	ProjectReviewDays = 15
	// ProjectDueSoonDays: the queue warns this many days before the due day.
	ProjectDueSoonDays = 3
	// BulkApproveMax is the most projects one bulk approve takes.
	BulkApproveMax = 100
)

// ProjectChain is the domain chain of a project: its units' domains (lead
// first), its alliance, its district, sys.
func ProjectChain(p *model.Project, unitIDs []int64) []string {
	out := make([]string, 0, len(unitIDs)+3)
	for _, u := range unitIDs {
		out = append(out, model.DomainOf(model.DomainUnit, u))
	}
	return append(out, authz.ChainAlliance(p.AllianceID, p.DistrictID)...)
}

// chain is the project's chain as the actor's checks walk it: only the
// unit domains in which the actor holds a role come first, so that a check
// costs at most a few Enforce calls however many units the project has.
func (s *Projects) chain(actor model.Actor, p *model.Project, unitIDs []int64) []string {
	var mine []int64
	for _, ra := range s.authz.Roles(actor.UserID) {
		for _, u := range unitIDs {
			if ra.Domain == model.DomainOf(model.DomainUnit, u) && !slices.Contains(mine, u) {
				mine = append(mine, u)
			}
		}
	}
	return ProjectChain(p, mine)
}

func projectDomain(p *model.Project) string { return allianceDomain(p.AllianceID) }

// projectDay formats a DATE for the audit log and notifications.
func projectDay(t *time.Time) any { return allianceDayString(t) }

// ProjectRoles says who the actor is for the project: the secretary of its
// alliance, a reviewer of its district, a contact of its lead unit or of
// another of its units (model.ProjectRole*).
func (s *Projects) ProjectRoles(actor model.Actor, p *model.Project, unitIDs []int64) []string {
	var out []string
	add := func(r string) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, ra := range s.authz.Roles(actor.UserID) {
		switch {
		case ra.Role == model.RoleAllianceSecretary && ra.Domain == allianceDomain(p.AllianceID):
			add(model.ProjectRoleSecretary)
		case ra.Role == model.RoleDistrictReviewer && ra.Domain == model.DomainOf(model.DomainDistrict, p.DistrictID):
			add(model.ProjectRoleReviewer)
		case ra.Role == model.RoleUnitContact && ra.Domain == model.DomainOf(model.DomainUnit, p.LeadUnitID):
			add(model.ProjectRoleLead)
		case ra.Role == model.RoleUnitContact:
			for _, u := range unitIDs {
				if u != p.LeadUnitID && ra.Domain == model.DomainOf(model.DomainUnit, u) {
					add(model.ProjectRolePartner)
				}
			}
		}
	}
	return out
}

// ProjectPerms says what the actor may do to one project (the page's
// buttons and the API's allowed_actions).
type ProjectPerms struct {
	Update         bool
	UpdateProgress bool
	// Attach: files may be attached now (申报材料 from the draft on, then
	// photos and evidence while the project runs).
	Attach   bool
	Nominate bool
	// Actions are the transitions the actor may fire now.
	Actions []string
	// Reviewer reads the private notes of the reviews.
	Reviewer bool
}

// perms reports what the actor may do to p.
func (s *Projects) perms(actor model.Actor, p *model.Project, unitIDs []int64) ProjectPerms {
	ch := s.chain(actor, p, unitIDs)
	roles := s.ProjectRoles(actor, p, unitIDs)
	editable, _ := model.ProjectEditable(p.Status)
	out := ProjectPerms{
		Update:         editable && s.authz.Can(actor.UserID, ch, "project", "update"),
		UpdateProgress: projectTakesProgress(p.Status) && s.authz.Can(actor.UserID, ch, "project", "update_progress"),
		Attach:         model.ProjectOpen(p.Status) && s.authz.Can(actor.UserID, ch, "project", "update_progress"),
		Nominate:       p.Status == model.ProjectEvaluated && model.CaseNominable(p.Grade) && s.authz.Can(actor.UserID, ch, "case", "nominate"),
		Reviewer:       slices.Contains(roles, model.ProjectRoleReviewer),
	}
	for _, a := range model.ProjectAllowedActions(p.Status, roles) {
		if s.authz.Can(actor.UserID, ch, "project", a) {
			out.Actions = append(out.Actions, a)
		}
	}
	return out
}

// load reads a project (locked for the transaction when lock is set) with
// its unit ids and checks act on its chain: 404 when the actor may not read
// it, 403 when they read it but may not act.
func (s *Projects) load(ctx context.Context, actor model.Actor, id int64, act string, lock bool) (*model.Project, []int64, error) {
	var p *model.Project
	var err error
	if lock {
		p, err = s.db.ProjectForUpdate(ctx, id)
	} else {
		p, err = s.db.ProjectByID(ctx, id)
	}
	if err != nil {
		return nil, nil, err
	}
	units, err := s.db.ProjectUnitIDs(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authz.Check(actor.UserID, s.chain(actor, p, units), "project", act); err != nil {
		return nil, nil, err
	}
	return p, units, nil
}

// readScope is where the actor reads projects.
func (s *Projects) readScope(actor model.Actor) model.Scope {
	return s.authz.Scope(actor.UserID, "project", "read")
}

// List pages through the projects the actor may read.
func (s *Projects) List(ctx context.Context, actor model.Actor, f store.ProjectFilter, req model.PageRequest) (model.List[store.ProjectRow], error) {
	f.Scope, f.Today = s.readScope(actor), AllianceToday(s.db.Now())
	return s.db.ListProjects(ctx, f, req)
}

// Totals counts the projects of the list and sums their budgets.
func (s *Projects) Totals(ctx context.Context, actor model.Actor, f store.ProjectFilter) (store.ProjectTotals, error) {
	f.Scope, f.Today = s.readScope(actor), AllianceToday(s.db.Now())
	return s.db.ProjectListTotals(ctx, f)
}

// Each calls fn for every project the actor may read that matches f (exports).
func (s *Projects) Each(ctx context.Context, actor model.Actor, f store.ProjectFilter, req model.PageRequest, fn func(*store.ProjectRow) error) error {
	f.Scope, f.Today = s.readScope(actor), AllianceToday(s.db.Now())
	return s.db.EachProject(ctx, f, req, exportBatch, fn)
}

// ProjectView is one project with everything its page and the API show.
type ProjectView struct {
	store.ProjectRow
	Units       []store.ProjectUnitRow
	Funding     []model.ProjectFunding
	SiteIDs     []int64
	NeedIDs     []int64
	ResourceIDs []int64
	Perms       ProjectPerms
	// Overdue: approved or running past its end day.
	Overdue bool
}

// Get loads one project the actor may read, with its links and what the
// actor may do to it.
func (s *Projects) Get(ctx context.Context, actor model.Actor, id int64) (*ProjectView, error) {
	p, units, err := s.load(ctx, actor, id, "read", false)
	if err != nil {
		return nil, err
	}
	row, err := s.db.ProjectRowByID(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	v := &ProjectView{ProjectRow: *row, Perms: s.perms(actor, p, units)}
	if v.Units, err = s.db.ProjectUnitRows(ctx, id); err != nil {
		return nil, err
	}
	if v.Funding, err = s.db.ProjectFundingOf(ctx, id); err != nil {
		return nil, err
	}
	if v.SiteIDs, err = s.db.ProjectSiteIDs(ctx, id); err != nil {
		return nil, err
	}
	if v.NeedIDs, v.ResourceIDs, err = s.db.ProjectLinks(ctx, id); err != nil {
		return nil, err
	}
	v.Overdue = ProjectOverdue(&row.Project, AllianceToday(s.db.Now()))
	return v, nil
}

// ProjectOverdue reports an approved or running project past its end day.
func ProjectOverdue(p *model.Project, today time.Time) bool {
	return (p.Status == model.ProjectApproved || p.Status == model.ProjectInProgress) && p.EndsOn != nil && p.EndsOn.UTC().Before(today)
}

// ---- create and edit ----

// ProjectUnitInput is a unit of a project besides the lead.
type ProjectUnitInput struct {
	UnitID int64
	Role   string // partner (default) or requester
}

// ProjectFundingInput is a funding source and its amount.
type ProjectFundingInput struct {
	Source    string
	AmountFen int64
}

// ProjectInput is what a form or the API gives for a project.
type ProjectInput struct {
	AllianceID  int64 // create only
	CommitteeID *int64
	LeadUnitID  int64
	Units       []ProjectUnitInput
	// NeedIDs and ResourceIDs link the three lists (create only).
	NeedIDs, ResourceIDs []int64
	SiteIDs              []int64
	Title                string
	Summary              string
	Category             string
	Year                 int
	// StartsOn and EndsOn are calendar days (midnight UTC).
	StartsOn, EndsOn    *time.Time
	BudgetFen           int64
	Funding             []ProjectFundingInput
	TargetBeneficiaries int
	// Version guards an edit (ignored on create).
	Version int
}

// projectUnitsOf turns the input's units into rows, the lead first.
func projectUnitsOf(in *ProjectInput) []model.ProjectUnit {
	out := []model.ProjectUnit{{UnitID: in.LeadUnitID, Role: model.ProjectUnitLead}}
	for _, u := range in.Units {
		if u.UnitID == in.LeadUnitID {
			continue
		}
		out = append(out, model.ProjectUnit{UnitID: u.UnitID, Role: u.Role})
	}
	return out
}

func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// validate checks in for a project of alliance a (prev: the stored project
// on an edit, nil on create).
func (s *Projects) validate(ctx context.Context, in *ProjectInput, a *model.Alliance, prev *model.Project) error {
	ve := &model.ValidationError{}
	in.Title = model.Text(ve, "title", in.Title, true, ProjectTitleMax, false)
	in.Summary = model.Text(ve, "summary", in.Summary, false, ProjectSummaryMax, true)
	if in.Category == "" {
		ve.Add("category", model.MsgRequired)
	} else if prev == nil || in.Category != prev.Category {
		items, err := s.dict.Items(ctx, model.DictNeedCategory, true)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(items, func(it model.DictionaryItem) bool { return it.Code == in.Category }) {
			ve.Add("category", "project.bad_category")
		}
	}
	if in.Year < 2000 || in.Year > 2100 {
		ve.Add("year", "project.bad_year")
	}
	if in.StartsOn != nil {
		d := in.StartsOn.UTC()
		in.StartsOn = &d
	}
	if in.EndsOn != nil {
		d := in.EndsOn.UTC()
		in.EndsOn = &d
	}
	if in.StartsOn != nil && in.EndsOn != nil && in.EndsOn.Before(*in.StartsOn) {
		ve.Add("ends_on", "project.ends_before_starts")
	}
	if in.BudgetFen < 0 {
		ve.Add("budget_fen", "project.bad_amount")
	}
	if in.TargetBeneficiaries < 0 {
		ve.Add("target_beneficiaries", "project.bad_amount")
	}
	// Committee of the same alliance.
	if in.CommitteeID != nil && *in.CommitteeID <= 0 {
		in.CommitteeID = nil
	}
	if in.CommitteeID != nil {
		al, active, err := s.db.ProjectCommittee(ctx, *in.CommitteeID)
		switch {
		case errors.Is(err, model.ErrNotFound), err == nil && al != a.ID:
			ve.Add("committee_id", "project.bad_committee")
		case err != nil:
			return err
		case !active && (prev == nil || prev.CommitteeID == nil || *prev.CommitteeID != *in.CommitteeID):
			ve.Add("committee_id", "project.bad_committee")
		}
	}
	// The lead is a current member; the other units are units of the district.
	if in.LeadUnitID <= 0 {
		ve.Add("lead_unit_id", model.MsgRequired)
	} else if prev == nil || prev.LeadUnitID != in.LeadUnitID {
		ok, err := s.db.ProjectMemberUnits(ctx, a.ID, []int64{in.LeadUnitID})
		if err != nil {
			return err
		}
		if len(ok) == 0 {
			ve.Add("lead_unit_id", "project.lead_not_member")
		}
	}
	if len(in.Units) > ProjectUnitsMax {
		ve.AddArgs("units", "project.too_many", ProjectUnitsMax)
	}
	var others []int64
	for i, u := range in.Units {
		switch u.Role {
		case "":
			in.Units[i].Role = model.ProjectUnitPartner
		case model.ProjectUnitPartner, model.ProjectUnitRequester:
		default:
			ve.Add("units", "project.bad_unit_role")
		}
		if u.UnitID <= 0 || slices.Contains(others, u.UnitID) {
			ve.Add("units", "project.bad_units")
		}
		others = append(others, u.UnitID)
	}
	if len(others) > 0 {
		found, err := s.db.ProjectUnitsIn(ctx, a.DistrictID, others)
		if err != nil {
			return err
		}
		if len(found) != len(others) {
			ve.Add("units", "project.bad_units")
		}
	}
	// Funding: dictionary codes, once each, amounts ≥ 0 adding up to at most the budget.
	var sources []string
	var sum int64
	for _, f := range in.Funding {
		if f.AmountFen < 0 || slices.Contains(sources, f.Source) {
			ve.Add("funding", "project.bad_funding")
		}
		sources = append(sources, f.Source)
		sum += f.AmountFen
	}
	if len(sources) > 0 {
		items, err := s.dict.Items(ctx, model.DictFundingSource, false)
		if err != nil {
			return err
		}
		for _, src := range sources {
			if !slices.ContainsFunc(items, func(it model.DictionaryItem) bool { return it.Code == src }) {
				ve.Add("funding", "project.bad_funding")
			}
		}
		if sum > in.BudgetFen {
			ve.Add("funding", "project.funding_over_budget")
		}
	}
	in.SiteIDs = uniqueIDs(in.SiteIDs)
	if found, err := s.db.ProjectSitesIn(ctx, a.DistrictID, in.SiteIDs); err != nil {
		return err
	} else if len(found) != len(in.SiteIDs) {
		ve.Add("site_ids", "project.bad_sites")
	}
	if prev == nil {
		in.NeedIDs, in.ResourceIDs = uniqueIDs(in.NeedIDs), uniqueIDs(in.ResourceIDs)
		if found, err := s.db.ProjectNeedsIn(ctx, a.ID, in.NeedIDs); err != nil {
			return err
		} else if len(found) != len(in.NeedIDs) {
			ve.Add("need_ids", "project.bad_needs")
		}
		if found, err := s.db.ProjectResourcesIn(ctx, a.DistrictID, in.ResourceIDs); err != nil {
			return err
		} else if len(found) != len(in.ResourceIDs) {
			ve.Add("resource_ids", "project.bad_resources")
		}
	}
	return ve.Err()
}

func fundingRows(in []ProjectFundingInput) []model.ProjectFunding {
	out := make([]model.ProjectFunding, 0, len(in))
	for _, f := range in {
		out = append(out, model.ProjectFunding{Source: f.Source, AmountFen: f.AmountFen})
	}
	return out
}

// projectAuditFields is a project as the audit log records it.
func projectAuditFields(p *model.Project, units []model.ProjectUnit, funding []model.ProjectFunding, sites []int64) map[string]any {
	return map[string]any{
		"alliance_id": p.AllianceID, "committee_id": alliancePtrVal(p.CommitteeID), "lead_unit_id": p.LeadUnitID,
		"title": p.Title, "summary": p.Summary, "category": p.Category, "year": p.Year,
		"starts_on": projectDay(p.StartsOn), "ends_on": projectDay(p.EndsOn), "budget_fen": p.BudgetFen,
		"target_beneficiaries": p.TargetBeneficiaries, "units": projectUnitsText(units), "funding": projectFundingText(funding),
		"site_ids": sites,
	}
}

func projectUnitsText(units []model.ProjectUnit) string {
	out := ""
	for i, u := range units {
		if i > 0 {
			out += ","
		}
		out += strconv.FormatInt(u.UnitID, 10) + ":" + u.Role
	}
	return out
}

func projectFundingText(funding []model.ProjectFunding) string {
	fs := slices.Clone(funding)
	slices.SortFunc(fs, func(a, b model.ProjectFunding) int {
		if a.Source < b.Source {
			return -1
		}
		if a.Source > b.Source {
			return 1
		}
		return 0
	})
	out := ""
	for i, f := range fs {
		if i > 0 {
			out += ","
		}
		out += f.Source + ":" + strconv.FormatInt(f.AmountFen, 10)
	}
	return out
}

// Create makes a draft project of an alliance (project:create on its chain).
func (s *Projects) Create(ctx context.Context, actor model.Actor, in ProjectInput) (*model.Project, error) {
	if in.AllianceID <= 0 {
		ve := (&model.ValidationError{}).Add("alliance_id", model.MsgRequired)
		model.Text(ve, "title", in.Title, true, ProjectTitleMax, false)
		return nil, ve
	}
	var p *model.Project
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		a, err := s.db.AllianceByID(ctx, in.AllianceID)
		if err != nil {
			return err
		}
		if err := s.authz.Check(actor.UserID, allianceChain(a), "project", "create"); err != nil {
			return err
		}
		if a.Status != model.StatusActive {
			return model.Rule("alliance_inactive", "project.alliance_inactive")
		}
		if err := s.validate(ctx, &in, a, nil); err != nil {
			return err
		}
		uid := actor.UserID
		p = &model.Project{AllianceID: a.ID, DistrictID: a.DistrictID, CommitteeID: in.CommitteeID, LeadUnitID: in.LeadUnitID,
			Title: in.Title, Summary: in.Summary, Category: in.Category, Year: in.Year, StartsOn: in.StartsOn, EndsOn: in.EndsOn,
			BudgetFen: in.BudgetFen, TargetBeneficiaries: in.TargetBeneficiaries, Status: model.ProjectDraft}
		if uid != 0 {
			p.CreatedBy = &uid
		}
		units, funding := projectUnitsOf(&in), fundingRows(in.Funding)
		if err := s.db.CreateProject(ctx, p, units, funding, in.SiteIDs, in.NeedIDs, in.ResourceIDs); err != nil {
			return err
		}
		fields := projectAuditFields(p, units, funding, in.SiteIDs)
		fields["need_ids"], fields["resource_ids"] = in.NeedIDs, in.ResourceIDs
		return audit(ctx, s.db, actor, ActionProjectCreate, "project", p.ID, projectDomain(p), fields)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Update changes a project (project:update on its chain). Drafts and
// returned projects change freely; approved and running ones only in the
// fields of a change of plan (model.ProjectPlanFields; any other field that
// differs is refused next to it), audited with before and after. A stale
// version answers a ConflictError.
func (s *Projects) Update(ctx context.Context, actor model.Actor, id int64, in ProjectInput) (*model.Project, error) {
	var out *model.Project
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, unitIDs, err := s.load(ctx, actor, id, "update", true)
		if err != nil {
			return err
		}
		editable, planOnly := model.ProjectEditable(prev.Status)
		if !editable {
			return model.Rule("project_not_editable", "project.not_editable."+prev.Status)
		}
		if err := model.CheckVersion(in.Version, prev.Version); err != nil {
			return err
		}
		a, err := s.db.AllianceByID(ctx, prev.AllianceID)
		if err != nil {
			return err
		}
		prevUnits, err := s.db.ProjectUnitRows(ctx, id)
		if err != nil {
			return err
		}
		prevFunding, err := s.db.ProjectFundingOf(ctx, id)
		if err != nil {
			return err
		}
		prevSites, err := s.db.ProjectSiteIDs(ctx, id)
		if err != nil {
			return err
		}
		_ = unitIDs
		if planOnly {
			ve := &model.ValidationError{}
			locked := func(field string, same bool) {
				if !same {
					ve.Add(field, "project.locked_after_approval")
				}
			}
			locked("title", in.Title == prev.Title)
			locked("category", in.Category == prev.Category)
			locked("year", in.Year == prev.Year)
			locked("lead_unit_id", in.LeadUnitID == prev.LeadUnitID)
			locked("committee_id", alliancePtrEq(in.CommitteeID, prev.CommitteeID))
			locked("starts_on", projectDay(in.StartsOn) == projectDay(prev.StartsOn))
			locked("target_beneficiaries", in.TargetBeneficiaries == prev.TargetBeneficiaries)
			locked("site_ids", slices.Equal(uniqueSorted(in.SiteIDs), uniqueSorted(prevSites)))
			if err := ve.Err(); err != nil {
				return err
			}
		}
		if err := s.validate(ctx, &in, a, prev); err != nil {
			return err
		}
		fields := map[string]any{
			"committee_id": in.CommitteeID, "lead_unit_id": in.LeadUnitID, "title": in.Title, "summary": in.Summary,
			"category": in.Category, "year": in.Year, "starts_on": in.StartsOn, "ends_on": in.EndsOn, "budget_fen": in.BudgetFen,
			"target_beneficiaries": in.TargetBeneficiaries,
		}
		if err := s.db.UpdateProject(ctx, id, in.Version, fields); err != nil {
			return err
		}
		units, funding := projectUnitsOf(&in), fundingRows(in.Funding)
		if err := s.db.ReplaceProjectUnits(ctx, id, units); err != nil {
			return err
		}
		if err := s.db.ReplaceProjectFunding(ctx, id, funding); err != nil {
			return err
		}
		if err := s.db.ReplaceProjectSites(ctx, id, in.SiteIDs); err != nil {
			return err
		}
		if out, err = s.db.ProjectByID(ctx, id); err != nil {
			return err
		}
		oldUnits := make([]model.ProjectUnit, 0, len(prevUnits))
		for _, u := range prevUnits {
			oldUnits = append(oldUnits, u.ProjectUnit)
		}
		before := projectAuditFields(prev, oldUnits, prevFunding, prevSites)
		after := projectAuditFields(out, units, funding, in.SiteIDs)
		changes := map[string]Change{}
		for k, b := range before {
			if fmtAny(b) != fmtAny(after[k]) {
				changes[k] = Change{b, after[k]}
			}
		}
		action := ActionProjectUpdate
		if planOnly {
			action = "project.change_plan"
		}
		return audit(ctx, s.db, actor, action, "project", id, projectDomain(out), changes)
	})
	return out, err
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func alliancePtrEq(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func uniqueSorted(ids []int64) []int64 {
	out := uniqueIDs(ids)
	slices.Sort(out)
	return out
}

// ---- transitions ----

// ActionInput is what a transition takes: the comment, the reason (return,
// cancel), a private note for reviewers, the evaluation, the closing report
// with its evidence (ids of the project's attachments).
type ActionInput struct {
	// Version must be the stored version (required).
	Version       int
	Comment       string
	Reason        string
	PrivateNote   string
	Score         *int
	Grade         string
	ClosingReport string
	EvidenceIDs   []int64
}

// ProjectNotice are the parameters of a project notification (the JSON in
// notifications.params).
type ProjectNotice struct {
	ProjectID int64  `json:"project_id"`
	Code      string `json:"code,omitempty"`
	Title     string `json:"title"`
	Action    string `json:"action"`
	Status    string `json:"status"`
	Comment   string `json:"comment,omitempty"`
}

// Fire runs a transition of the lifecycle (model.ProjectTransitions) on a
// project: 404 outside the actor's scope, 403 when they may never fire it,
// 422 naming the status when it is not allowed now, 400 for a missing
// reason, report or evaluation. The status change, a project_reviews row,
// the audit row and the notifications share one transaction. Submitting a
// project for the first time gives it its code.
func (s *Projects) Fire(ctx context.Context, actor model.Actor, id int64, action string, in ActionInput) (*model.Project, error) {
	var out *model.Project
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		p, units, err := s.load(ctx, actor, id, "read", true)
		if err != nil {
			return err
		}
		to, err := model.ProjectFire(action, p.Status, s.ProjectRoles(actor, p, units))
		if err != nil {
			return err
		}
		if err := s.authz.Check(actor.UserID, s.chain(actor, p, units), "project", action); err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "project", id, in.Version, p.Version); err != nil {
			return err
		}
		now := s.db.Now()
		fields := map[string]any{"status": to}
		review := &model.ProjectReview{ProjectID: p.ID, Action: action, FromStatus: p.Status, ToStatus: to}
		if actor.UserID != 0 {
			uid := actor.UserID
			review.ActorID = &uid
		}
		changes := map[string]any{"status": Change{p.Status, to}}
		ve := &model.ValidationError{}
		review.Comment = model.Text(ve, "comment", in.Comment, false, ProjectCommentMax, true)
		review.PrivateNote = model.Text(ve, "private_note", in.PrivateNote, false, ProjectCommentMax, true)
		switch action {
		case model.ProjectActionSubmit:
			if p.StartsOn == nil {
				ve.Add("starts_on", "project.required_to_submit")
			}
			if p.EndsOn == nil {
				ve.Add("ends_on", "project.required_to_submit")
			}
			if err := ve.Err(); err != nil {
				return err
			}
			due := AllianceToday(now).AddDate(0, 0, ProjectReviewDays)
			fields["submitted_at"], fields["review_due_on"], fields["return_reason"] = now, due, ""
			if p.Code == nil {
				code, err := s.db.TakeProjectCode(ctx, p.DistrictID, p.Year)
				if err != nil {
					return err
				}
				fields["code"] = code
				changes["code"] = code
			}
		case model.ProjectActionApprove:
			fields["approved_at"] = now
		case model.ProjectActionReturn:
			reason := model.Text(ve, "reason", in.Reason, true, ProjectReasonMax, true)
			fields["return_reason"] = reason
			review.Comment = reason
			changes["reason"] = reason
		case model.ProjectActionStart:
			fields["started_at"] = now
		case model.ProjectActionComplete:
			report := model.Text(ve, "closing_report", in.ClosingReport, true, ProjectReportMax, true)
			ids := uniqueIDs(in.EvidenceIDs)
			if len(ids) == 0 {
				ve.Add("evidence_ids", "project.evidence_required")
			} else if ve.Err() == nil {
				n, err := s.db.MarkAttachments(ctx, p.ID, ids, model.AttachEvidence)
				if err != nil {
					return err
				}
				if n != int64(len(ids)) {
					ve.Add("evidence_ids", "project.bad_evidence")
				}
			}
			// 结项: the work is done, whatever the last progress report said.
			fields["completed_at"], fields["closing_report"], fields["progress_percent"] = now, report, 100
			changes["evidence_ids"] = ids
		case model.ProjectActionEvaluate:
			if in.Score == nil {
				ve.Add("score", model.MsgRequired)
			} else if *in.Score < 0 || *in.Score > 100 {
				ve.Add("score", "project.bad_score")
			}
			// The grade follows from the score (model.GradeBands): an
			// empty grade takes the score's, another one is refused.
			grade := in.Grade
			if in.Score != nil {
				if want := model.GradeForScore(*in.Score); want != "" {
					if grade != "" && grade != want && slices.Contains(model.ProjectGrades, grade) {
						ve.AddArgs("grade", "project.grade_mismatch."+want, *in.Score)
					}
					if grade == "" {
						grade = want
					}
				}
			}
			if grade != "" && !slices.Contains(model.ProjectGrades, grade) {
				ve.Add("grade", "project.bad_grade")
			}
			comment := model.Text(ve, "comment", in.Comment, true, ProjectCommentMax, true)
			fields["evaluated_at"], fields["score"], fields["grade"], fields["evaluation_comment"] = now, in.Score, grade, comment
			review.Score, review.Grade = in.Score, grade
			changes["score"], changes["grade"] = in.Score, grade
		case model.ProjectActionCancel:
			reason := model.Text(ve, "reason", in.Reason, true, ProjectReasonMax, true)
			fields["cancelled_at"], fields["cancel_reason"] = now, reason
			review.Comment = reason
			changes["reason"] = reason
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := s.db.UpdateProject(ctx, p.ID, p.Version, fields); err != nil {
			return err
		}
		if err := s.db.CreateProjectReview(ctx, review); err != nil {
			return err
		}
		if err := s.moveNeeds(ctx, actor, p, action, changes); err != nil {
			return err
		}
		if out, err = s.db.ProjectByID(ctx, p.ID); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, "project."+action, "project", p.ID, projectDomain(p), changes); err != nil {
			return err
		}
		return s.notifyTransition(ctx, actor, out, units, action, review.Comment)
	})
	return out, err
}

// moveNeeds carries the project's linked needs along (DESIGN: a need "in
// project"): approval makes the open ones 已立项 (in_project), completion
// makes them 已满足 (fulfilled). Each moved need gets its audit row; the
// project's audit row lists them.
func (s *Projects) moveNeeds(ctx context.Context, actor model.Actor, p *model.Project, action string, changes map[string]any) error {
	open := []string{model.NeedPublished, model.NeedPartlyClaimed, model.NeedClaimed}
	var from []string
	var to, key string
	switch action {
	case model.ProjectActionApprove:
		from, to, key = open, model.NeedInProject, "needs_in_project"
	case model.ProjectActionComplete:
		from, to, key = append(open, model.NeedInProject), model.NeedFulfilled, "needs_fulfilled"
	default:
		return nil
	}
	// The statuses each need had, for its audit row.
	before := map[int64]string{}
	needIDs, _, err := s.db.ProjectLinks(ctx, p.ID)
	if err != nil || len(needIDs) == 0 {
		return err
	}
	for _, id := range needIDs {
		n, err := s.db.NeedByID(ctx, id)
		if err != nil {
			return err
		}
		before[id] = n.Status
	}
	moved, err := s.db.SetProjectNeedsStatus(ctx, p.ID, from, to)
	if err != nil || len(moved) == 0 {
		return err
	}
	changes[key] = moved
	for _, id := range moved {
		// A need in a project or fulfilled takes no more claims.
		if _, err := closeStrandedClaims(ctx, s.db, actor, model.TargetNeed, id); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, "need.status", "need", id, projectDomain(p), map[string]any{
			"status": Change{before[id], to}, "project_id": p.ID}); err != nil {
			return err
		}
	}
	return nil
}

// notifyTransition tells the people concerned: the alliance's secretaries
// and the contacts of the project's units always; the district's reviewers
// when a project comes to them (submitted, completed).
func (s *Projects) notifyTransition(ctx context.Context, actor model.Actor, p *model.Project, units []int64, action, comment string) error {
	holders := []store.RoleHolder{{Role: model.RoleAllianceSecretary, Domain: allianceDomain(p.AllianceID)}}
	for _, u := range units {
		holders = append(holders, store.RoleHolder{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, u)})
	}
	if action == model.ProjectActionSubmit || action == model.ProjectActionComplete {
		holders = append(holders, store.RoleHolder{Role: model.RoleDistrictReviewer, Domain: model.DomainOf(model.DomainDistrict, p.DistrictID)})
	}
	return notify(ctx, s.db, actor, projectNotification(p, "project_"+action, action, comment), holders...)
}

func projectNotification(p *model.Project, kind, action, comment string) model.Notification {
	n := ProjectNotice{ProjectID: p.ID, Title: p.Title, Action: action, Status: p.Status, Comment: comment}
	if p.Code != nil {
		n.Code = *p.Code
	}
	b, _ := json.Marshal(n)
	return model.Notification{Kind: kind, SubjectKind: "project", SubjectID: p.ID, Params: string(b),
		Link: "/projects/" + strconv.FormatInt(p.ID, 10)}
}

// ---- the reviewer queue ----

// QueueRow is a submitted project in the reviewer queue with its due state.
type QueueRow struct {
	store.ProjectRow
	// DueState is "overdue", "due_soon" or "".
	DueState string
	// Files are the project's own attachments (申报材料 and any other file
	// attached to it), for the reviewer to read before deciding.
	Files []model.Attachment
}

// Queue pages through the submitted projects of the districts where the
// actor approves, oldest submission first (other filters of f apply).
func (s *Projects) Queue(ctx context.Context, actor model.Actor, f store.ProjectFilter, req model.PageRequest) (model.List[QueueRow], error) {
	sc := s.authz.Scope(actor.UserID, "project", "approve")
	f.Scope = model.Scope{All: sc.All, Districts: sc.Districts}
	f.Status, f.Today = model.ProjectSubmitted, AllianceToday(s.db.Now())
	if req.Sort == "" {
		req.Sort, req.Desc = "submitted_at", false
	}
	l, err := s.db.ListProjects(ctx, f, req)
	if err != nil {
		return model.List[QueueRow]{}, err
	}
	out := model.List[QueueRow]{Next: l.Next, Prev: l.Prev, Total: l.Total, TotalCapped: l.TotalCapped, Items: make([]QueueRow, 0, len(l.Items))}
	ids := make([]int64, 0, len(l.Items))
	for _, r := range l.Items {
		ids = append(ids, r.ID)
	}
	files, err := s.db.ProjectOwnAttachments(ctx, ids)
	if err != nil {
		return model.List[QueueRow]{}, err
	}
	for _, r := range l.Items {
		out.Items = append(out.Items, QueueRow{ProjectRow: r, DueState: ProjectDueState(r.ReviewDueOn, f.Today), Files: files[r.ID]})
	}
	return out, nil
}

// ProjectDueState is "overdue" past the review's due day, "due_soon" within
// ProjectDueSoonDays of it, "" otherwise.
func ProjectDueState(due *time.Time, today time.Time) string {
	switch {
	case due == nil:
		return ""
	case due.UTC().Before(today):
		return "overdue"
	case !due.UTC().After(today.AddDate(0, 0, ProjectDueSoonDays)):
		return "due_soon"
	}
	return ""
}

// BulkResult is the outcome of one project of a bulk approve: Err is nil
// when it was approved.
type BulkResult struct {
	ID      int64
	Project *model.Project
	Err     error
}

// BulkApprove approves each project of ids in its own transaction, checked
// and audited as one approve would be; a refusal of one does not stop the
// others.
func (s *Projects) BulkApprove(ctx context.Context, actor model.Actor, ids []int64, comment string) ([]BulkResult, error) {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil, (&model.ValidationError{}).Add("ids", model.MsgRequired)
	}
	if len(ids) > BulkApproveMax {
		return nil, (&model.ValidationError{}).AddArgs("ids", "project.too_many", BulkApproveMax)
	}
	out := make([]BulkResult, 0, len(ids))
	for _, id := range ids {
		// The queue approves 待审核 projects, which nobody can edit: each is
		// approved at the version stored now (Fire guards its UPDATE with it).
		var p *model.Project
		cur, err := s.db.ProjectByID(ctx, id)
		if err == nil {
			p, err = s.Fire(ctx, actor, id, model.ProjectActionApprove, ActionInput{Comment: comment, Version: cur.Version})
		}
		out = append(out, BulkResult{ID: id, Project: p, Err: err})
	}
	return out, nil
}

// ParseProjectNotice reads the parameters of a project notification (kinds
// project_<action>, project_progress); the inbox renders
// notification.<kind> with code, title and comment.
func ParseProjectNotice(n *model.Notification) (ProjectNotice, bool) {
	var p ProjectNotice
	if n.SubjectKind != "project" || json.Unmarshal([]byte(n.Params), &p) != nil {
		return p, false
	}
	return p, true
}
