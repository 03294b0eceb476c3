package service

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The case library (案例). The secretary nominates an evaluated project of
// their alliance (case:nominate on the project's chain); the district
// reviewer selects it as a best (最佳) or excellent (优秀) case with a
// write-up, or declines it (case:select on its district). Every logged-in
// user reads the selected cases; nominations are read where one may
// nominate or select.

// Audit actions of cases.
const (
	ActionCaseNominate = "case.nominate"
	ActionCaseSelect   = "case.select"
	ActionCaseDecline  = "case.decline"
)

// CaseWriteUpMax is the longest write-up (characters).
const CaseWriteUpMax = 10000

// CaseInput is a nomination or a selection.
type CaseInput struct {
	Theme   string // nomination: the theme (default: the project's category)
	Level   string // selection: best or excellent
	WriteUp string
	// Version guards a selection or a decline (required).
	Version int
}

// Cases lists the case library: the selected cases for everyone, and the
// nominations where the actor nominates or selects.
func (s *Projects) Cases(ctx context.Context, actor model.Actor, f store.CaseFilter, req model.PageRequest) (model.List[store.CaseRow], error) {
	nom := s.authz.Scope(actor.UserID, "case", "nominate")
	sel := s.authz.Scope(actor.UserID, "case", "select")
	f.Nominations = model.Scope{All: nom.All || sel.All, Districts: append(nom.Districts, sel.Districts...), Alliances: append(nom.Alliances, sel.Alliances...)}
	return s.db.ListCases(ctx, f, req)
}

// Case loads one case: a selected one for anyone, a nomination only for
// who may nominate or select it.
func (s *Projects) Case(ctx context.Context, actor model.Actor, id int64) (*store.CaseRow, error) {
	c, err := s.db.CaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status == model.CaseSelected {
		return c, nil
	}
	ch := authz.ChainAlliance(c.AllianceID, c.DistrictID)
	if s.authz.Can(actor.UserID, ch, "case", "nominate") || s.authz.Can(actor.UserID, ch, "case", "select") {
		return c, nil
	}
	return nil, model.NotFound("case", id)
}

// Nominate puts an evaluated project forward for the case library.
func (s *Projects) Nominate(ctx context.Context, actor model.Actor, projectID int64, in CaseInput) (*store.CaseRow, error) {
	var out *store.CaseRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		p, units, err := s.load(ctx, actor, projectID, "read", true)
		if err != nil {
			return err
		}
		// They read the project: not being allowed to nominate is a 403.
		if !s.authz.Can(actor.UserID, s.chain(actor, p, units), "case", "nominate") {
			return model.ErrForbidden
		}
		if p.Status != model.ProjectEvaluated {
			return model.Rule("case_not_evaluated", "case.not_evaluated")
		}
		if !model.CaseNominable(p.Grade) { // only 优 and 良 (GLOSSARY's grade bands)
			return model.Rule("case_grade", "case.grade_too_low")
		}
		if id, err := s.db.CaseOfProject(ctx, p.ID); err != nil {
			return err
		} else if id != 0 {
			return model.Rule("case_exists", "case.exists")
		}
		ve := &model.ValidationError{}
		theme := model.Text(ve, "theme", in.Theme, false, 100, false)
		if theme == "" {
			theme = p.Category
		}
		writeUp := model.Text(ve, "write_up", in.WriteUp, false, CaseWriteUpMax, true)
		if err := ve.Err(); err != nil {
			return err
		}
		c := &model.Case{ProjectID: p.ID, AllianceID: p.AllianceID, DistrictID: p.DistrictID, Year: p.Year, Theme: theme,
			WriteUp: writeUp, Status: model.CaseNominated, NominatedAt: s.db.Now()}
		if actor.UserID != 0 {
			uid := actor.UserID
			c.NominatedBy = &uid
		}
		if err := s.db.CreateCase(ctx, c); err != nil {
			return err
		}
		if out, err = s.db.CaseByID(ctx, c.ID); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, ActionCaseNominate, "case", c.ID, projectDomain(p), map[string]any{
			"project_id": p.ID, "theme": theme, "write_up": writeUp}); err != nil {
			return err
		}
		return notify(ctx, s.db, actor, caseNotification(out, "case_nominated"),
			store.RoleHolder{Role: model.RoleDistrictReviewer, Domain: model.DomainOf(model.DomainDistrict, p.DistrictID)})
	})
	return out, err
}

// Select makes a nominated case a best or excellent case with a write-up
// (select true) or declines it (select false).
func (s *Projects) Select(ctx context.Context, actor model.Actor, id int64, selected bool, in CaseInput) (*store.CaseRow, error) {
	var out *store.CaseRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.Case(ctx, actor, id)
		if err != nil {
			return err
		}
		if !s.authz.Can(actor.UserID, authz.ChainAlliance(c.AllianceID, c.DistrictID), "case", "select") {
			return model.ErrForbidden
		}
		if c.Status != model.CaseNominated {
			return model.Rule("case_decided", "case.decided."+c.Status)
		}
		if err := checkVersion(ctx, s.db, "case", id, in.Version, c.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		fields := map[string]any{"selected_at": s.db.Now()}
		if actor.UserID != 0 {
			fields["selected_by"] = actor.UserID
		}
		action, kind := ActionCaseDecline, "case_declined"
		if selected {
			action, kind = ActionCaseSelect, "case_selected"
			if in.Level == "" {
				ve.Add("level", model.MsgRequired)
			} else if !slices.Contains([]string{model.CaseLevelBest, model.CaseLevelExcellent}, in.Level) {
				ve.Add("level", "case.bad_level")
			} else if !model.CaseLevelFits(in.Level, c.Grade) { // 最佳 needs 优
				ve.Add("level", "case.level_needs."+in.Level)
			}
			fields["status"], fields["level"] = model.CaseSelected, in.Level
			fields["write_up"] = model.Text(ve, "write_up", in.WriteUp, true, CaseWriteUpMax, true)
		} else {
			fields["status"] = model.CaseDeclined
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := s.db.UpdateCase(ctx, id, c.Version, fields); err != nil {
			return err
		}
		if out, err = s.db.CaseByID(ctx, id); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, action, "case", id, allianceDomain(c.AllianceID), map[string]any{
			"project_id": c.ProjectID, "status": Change{c.Status, out.Status}, "level": out.Level}); err != nil {
			return err
		}
		return notify(ctx, s.db, actor, caseNotification(out, kind),
			store.RoleHolder{Role: model.RoleAllianceSecretary, Domain: allianceDomain(c.AllianceID)})
	})
	return out, err
}

// CaseNotice are the parameters of a case notification (kinds
// case_nominated, case_selected, case_declined): the inbox renders
// notification.<kind> with the project's code and title and the level.
type CaseNotice struct {
	CaseID    int64  `json:"case_id"`
	ProjectID int64  `json:"project_id"`
	Code      string `json:"code"`
	Title     string `json:"title"`
	Level     string `json:"level"`
}

// ParseCaseNotice reads the parameters of a case notification.
func ParseCaseNotice(n *model.Notification) (CaseNotice, bool) {
	var p CaseNotice
	if n.SubjectKind != "case" || json.Unmarshal([]byte(n.Params), &p) != nil || p.Title == "" {
		return p, false
	}
	return p, true
}

func caseNotification(c *store.CaseRow, kind string) model.Notification {
	b, _ := json.Marshal(CaseNotice{CaseID: c.ID, ProjectID: c.ProjectID, Code: c.ProjectCode, Title: c.ProjectTitle, Level: c.Level})
	// The case's page: the reviewer selects a nomination there, the
	// secretary reads the decision.
	return model.Notification{Kind: kind, SubjectKind: "case", SubjectID: c.ID, Params: string(b),
		Link: "/cases/" + strconv.FormatInt(c.ID, 10)}
}
