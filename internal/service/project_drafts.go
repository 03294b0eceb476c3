package service

import (
	"context"
	"slices"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// ProjectDrafts turns a need whose claims were accepted into a project draft
// (立项草稿): the project takes the need's alliance, title, description,
// category and beneficiaries; the unit that took the largest part of the
// need leads it; the other units that serve it, the units whose resources it
// uses and the unit that raised the need are partners; the need and those
// resources are linked to it. Only the alliance's secretary drafts projects
// (project:create on the alliance's chain).
type ProjectDrafts struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewProjectDrafts builds the service.
func NewProjectDrafts(d Deps) *ProjectDrafts { return &ProjectDrafts{db: d.DB, authz: d.Authz} }

// ActionProjectDraftFromNeed is the audit action of a draft made from a need.
const ActionProjectDraftFromNeed = "project.draft_from_need"

// DraftPlan is what the secretary may give when drafting: the planned start
// day. The draft's 年度 (the one year rule of "this year's projects") is the
// year of that day; without one, the year of the need's wanted-by day when
// that is later than this year, else this year. The project form edits both.
type DraftPlan struct {
	StartsOn *time.Time
}

// draftYear is the 年度 of a draft (DraftPlan).
func draftYear(plan DraftPlan, n *model.Need, today time.Time) int {
	if plan.StartsOn != nil {
		return plan.StartsOn.Year()
	}
	if n.WantedBy != nil && n.WantedBy.Year() > today.Year() {
		return n.WantedBy.Year()
	}
	return today.Year()
}

// FromNeed creates the draft without a planned start (DraftPlan).
func (s *ProjectDrafts) FromNeed(ctx context.Context, actor model.Actor, needID int64) (*model.Project, error) {
	return s.FromNeedWith(ctx, actor, needID, DraftPlan{})
}

// FromNeedWith creates the draft with the plan given. A need without an
// accepted claim, or already linked to a project that is not cancelled, is
// refused (422).
func (s *ProjectDrafts) FromNeedWith(ctx context.Context, actor model.Actor, needID int64, plan DraftPlan) (*model.Project, error) {
	var out *model.Project
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		v, err := listViewer(ctx, s.db, s.authz, actor, "need")
		if err != nil {
			return err
		}
		if ok, err := s.db.NeedVisible(ctx, needID, v); err != nil || !ok {
			return visibleOrNotFound(err, "need", needID)
		}
		n, err := s.db.NeedByID(ctx, needID)
		if err != nil {
			return err
		}
		if err := s.authz.Check(actor.UserID, authz.ChainAlliance(n.AllianceID, n.DistrictID), "project", "create"); err != nil {
			return err
		}
		if pid, err := s.db.OpenProjectOfNeed(ctx, n.ID); err != nil {
			return err
		} else if pid != 0 {
			return model.Rule("need_in_project", "project_draft.need_in_project", pid)
		}
		parties, err := s.db.NeedParties(ctx, n.ID)
		if err != nil {
			return err
		}
		draft := draftFromNeed(n, parties, draftYear(plan, n, AllianceToday(s.db.Now())))
		if draft == nil {
			return model.Rule("need_not_claimed", "project_draft.need_not_claimed")
		}
		draft.Project.StartsOn = plan.StartsOn
		uid := actor.UserID
		draft.Project.CreatedBy = &uid
		if err := s.db.CreateProjectDraft(ctx, draft); err != nil {
			return err
		}
		out = draft.Project
		units := make([]int64, 0, len(draft.Units))
		for _, u := range draft.Units {
			units = append(units, u.UnitID)
		}
		return audit(ctx, s.db, actor, ActionProjectDraftFromNeed, "project", out.ID, allianceDomain(n.AllianceID),
			map[string]any{"need_id": n.ID, "lead_unit_id": out.LeadUnitID, "unit_ids": units, "resource_ids": draft.ResourceIDs, "year": out.Year})
	})
	return out, err
}

// draftFromNeed builds the draft from the need and its accepted claims; nil
// when no unit serves the need (nobody could lead the project).
func draftFromNeed(n *model.Need, parties []store.NeedParty, year int) *store.ProjectDraft {
	// The lead is the unit with the largest accepted part of the need
	// (the earliest claim on a tie).
	served := map[int64]int64{}
	var order []int64
	var resources []int64
	partner := map[int64]bool{}
	var partners []int64
	addPartner := func(id int64) {
		if !partner[id] {
			partner[id] = true
			partners = append(partners, id)
		}
	}
	for _, p := range parties {
		switch p.Target {
		case model.TargetNeed:
			if _, ok := served[p.ClaimantUnitID]; !ok {
				order = append(order, p.ClaimantUnitID)
			}
			served[p.ClaimantUnitID] += p.Quantity
		case model.TargetResource:
			if p.ProviderUnitID != nil {
				addPartner(*p.ProviderUnitID)
			}
		}
		if p.ResourceID != nil && !slices.Contains(resources, *p.ResourceID) {
			resources = append(resources, *p.ResourceID)
		}
	}
	if len(order) == 0 {
		// Only resources were claimed for it: the need's own unit leads.
		if len(parties) == 0 {
			return nil
		}
		order = append(order, n.SubmitterUnitID)
	}
	lead := order[0]
	for _, u := range order[1:] {
		if served[u] > served[lead] {
			lead = u
		}
	}
	units := []model.ProjectUnit{{UnitID: lead, Role: model.ProjectUnitLead}}
	seen := map[int64]bool{lead: true}
	for _, u := range append(order, partners...) {
		if !seen[u] {
			seen[u] = true
			units = append(units, model.ProjectUnit{UnitID: u, Role: model.ProjectUnitPartner})
		}
	}
	if !seen[n.SubmitterUnitID] {
		units = append(units, model.ProjectUnit{UnitID: n.SubmitterUnitID, Role: model.ProjectUnitRequester})
	}
	slices.Sort(resources)
	return &store.ProjectDraft{
		Project: &model.Project{
			AllianceID: n.AllianceID, DistrictID: n.DistrictID, LeadUnitID: lead,
			Title: n.Title, Summary: n.Description, Category: n.Category, Year: year,
			TargetBeneficiaries: n.Beneficiaries, Status: model.ProjectDraft,
		},
		Units:       units,
		NeedIDs:     []int64{n.ID},
		ResourceIDs: resources,
	}
}

// CanDraft reports whether the actor may draft a project from the need now:
// they see the need and create projects in its alliance, the need has an
// accepted claim and no open project (the 立项草稿 button shows then).
func (s *ProjectDrafts) CanDraft(ctx context.Context, actor model.Actor, needID int64) (bool, error) {
	st, err := s.DraftState(ctx, actor, needID)
	return st == DraftReady, err
}

// What stands between someone who may draft projects of a need's alliance
// and its 立项草稿 (DraftState).
const (
	DraftNotMine     = ""             // they may not draft: nothing to say
	DraftReady       = "ready"        // the button shows
	DraftNoClaim     = "no_claim"     // no accepted claim yet
	DraftOpenProject = "open_project" // the need has a project under way
)

// DraftState says whether the actor may draft a project from the need now
// and, for who could draft one, what is missing: 404 for a need they do not
// see.
func (s *ProjectDrafts) DraftState(ctx context.Context, actor model.Actor, needID int64) (string, error) {
	v, err := listViewer(ctx, s.db, s.authz, actor, "need")
	if err != nil {
		return DraftNotMine, err
	}
	if ok, err := s.db.NeedVisible(ctx, needID, v); err != nil || !ok {
		return DraftNotMine, visibleOrNotFound(err, "need", needID)
	}
	n, err := s.db.NeedByID(ctx, needID)
	if err != nil {
		return DraftNotMine, err
	}
	if !s.authz.Can(actor.UserID, authz.ChainAlliance(n.AllianceID, n.DistrictID), "project", "create") {
		return DraftNotMine, nil
	}
	if pid, err := s.db.OpenProjectOfNeed(ctx, n.ID); err != nil || pid != 0 {
		return DraftOpenProject, err
	}
	parties, err := s.db.NeedParties(ctx, n.ID)
	if err != nil {
		return DraftNotMine, err
	}
	if len(parties) == 0 {
		return DraftNoClaim, nil
	}
	return DraftReady, nil
}
