package service

import (
	"context"
	"strconv"
	"strings"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The import of projects (导入项目) into an alliance: each row through the
// project form's rules (Projects.validate), the lead unit named among the
// alliance's current members, then by natural key (title and year within
// the alliance) new or existing (left alone: a re-import changes nothing).
// A row enters as a draft. 按已立项导入 = 是 brings a past project in as
// approved (立项) with its code and a review row: only someone who approves
// the alliance's projects (the district reviewer) may set it, checked here
// for every row.

// Audit action and catalog keys of the projects import.
const (
	ActionProjectImport          = "project.import"
	MsgImportHistoricalReviewer  = "import.row_historical_reviewer_only"
	MsgImportHistoricalDates     = "import.row_historical_dates"
	MsgImportHistoricalBadValue  = "import.row_historical_bad"
	MsgImportProjectHistoricNote = "import.project_historical_comment"
)

// projectHandler imports the rows of a projects file.
type projectHandler struct {
	*listImport
	projects *Projects
	alliance *model.Alliance
	// approver: the actor approves the alliance's projects (may set 按已立项导入).
	approver bool
	pending  []projectRow
}

type projectRow struct {
	p          model.Project
	historical bool
}

func (s *Imports) newProjectHandler(ctx context.Context, actor model.Actor, target ImportTarget, spec importer.Spec, jobID int64, dryRun bool) (*projectHandler, error) {
	base, err := s.newListImport(ctx, actor, target, spec, jobID, dryRun)
	if err != nil {
		return nil, err
	}
	a, err := s.db.AllianceByID(ctx, target.AllianceID)
	if err != nil {
		return nil, err
	}
	return &projectHandler{listImport: base, projects: NewProjects(Deps{DB: s.db, Authz: s.authz}), alliance: a,
		approver: s.authz.Can(actor.UserID, authz.ChainAlliance(a.ID, a.DistrictID), "project", model.ProjectActionApprove)}, nil
}

// projectImportYes reads the 按已立项导入 cell: 是 / 否 (or empty).
func projectImportYes(v string) (yes, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "否", "no", "n", "false", "0":
		return false, true
	case "是", "yes", "y", "true", "1":
		return true, true
	}
	return false, false
}

func (h *projectHandler) Check(ctx context.Context, row importer.Row) (string, error) {
	ve := &model.ValidationError{}
	lead := h.ownerCheck(ve, row, "lead_unit_id")
	in := ProjectInput{AllianceID: h.alliance.ID, LeadUnitID: max(lead, 0), Title: h.cell(row, "title"), Summary: h.cell(row, "summary"),
		Category:            h.code(model.DictNeedCategory, h.cell(row, "category")),
		TargetBeneficiaries: int(listImportNumber(ve, "target_beneficiaries", h.cell(row, "target_beneficiaries")))}
	if v := h.cell(row, "category"); v != "" && h.codes[model.DictNeedCategory][in.Category] == "" {
		ve.AddArgs("category", MsgImportBadCodeRow, v, h.labels[model.DictNeedCategory])
	}
	if v := h.cell(row, "year"); v == "" {
		ve.Add("year", model.MsgRequired)
	} else if n, err := strconv.Atoi(strings.TrimSuffix(v, ".0")); err != nil {
		ve.Add("year", "project.bad_year")
	} else {
		in.Year = n
	}
	if d, ok := listImportDay(h.cell(row, "starts_on")); ok {
		in.StartsOn = d
	} else {
		ve.Add("starts_on", model.MsgBadDate)
	}
	if d, ok := listImportDay(h.cell(row, "ends_on")); ok {
		in.EndsOn = d
	} else {
		ve.Add("ends_on", model.MsgBadDate)
	}
	if v := h.cell(row, "budget_fen"); v != "" {
		fen, ok := ParseYuan(v)
		if !ok {
			ve.Add("budget_fen", "project.bad_money")
		}
		in.BudgetFen = fen
	}
	historical, ok := projectImportYes(h.cell(row, "historical"))
	switch {
	case !ok:
		ve.AddArgs("historical", MsgImportHistoricalBadValue, h.cell(row, "historical"))
	case historical && !h.approver:
		ve.Add("historical", MsgImportHistoricalReviewer)
	case historical && (in.StartsOn == nil || in.EndsOn == nil):
		ve.Add("historical", MsgImportHistoricalDates)
	}
	if lead > 0 && ve.Err() == nil {
		if err := h.projects.validate(ctx, &in, h.alliance, nil); err != nil {
			fe, isVE := err.(*model.ValidationError)
			if !isVE {
				return "", err
			}
			for f, k := range fe.Fields {
				ve.AddArgs(f, k, fe.Args[f]...)
			}
		}
	}
	if ve.Err() == nil {
		key := store.ProjectKey(in.Title, in.Year)
		if first, ok := h.seen[key]; ok {
			ve.AddArgs("title", MsgImportDupTitleRow, first)
		} else {
			h.seen[key] = row.Line
		}
	}
	if ve.Err() != nil {
		return h.reason(row, ve), nil
	}
	p := model.Project{AllianceID: h.alliance.ID, DistrictID: h.alliance.DistrictID, LeadUnitID: lead, Title: in.Title, Summary: in.Summary,
		Category: in.Category, Year: in.Year, StartsOn: in.StartsOn, EndsOn: in.EndsOn, BudgetFen: in.BudgetFen,
		TargetBeneficiaries: in.TargetBeneficiaries, Status: model.ProjectDraft}
	if h.actor.UserID != 0 {
		uid := h.actor.UserID
		p.CreatedBy = &uid
	}
	h.pending = append(h.pending, projectRow{p: p, historical: historical})
	return "", nil
}

func (h *projectHandler) Pending() int { return len(h.pending) }

func (h *projectHandler) Flush(ctx context.Context) (importer.Flushed, error) {
	batch := h.pending
	h.pending = nil
	titles := make([]string, 0, len(batch))
	for _, r := range batch {
		titles = append(titles, r.p.Title)
	}
	db := h.s.db
	var out importer.Flushed
	fresh := func(ctx context.Context) ([]projectRow, error) {
		have, err := db.ExistingProjectKeys(ctx, h.alliance.ID, titles)
		if err != nil {
			return nil, err
		}
		var keep []projectRow
		for _, r := range batch {
			if !have[store.ProjectKey(r.p.Title, r.p.Year)] {
				keep = append(keep, r)
			}
		}
		out.Created, out.Unchanged = len(keep), len(batch)-len(keep)
		return keep, nil
	}
	if h.dryRun {
		_, err := fresh(ctx)
		return out, err
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		keep, err := fresh(ctx)
		if err != nil || len(keep) == 0 {
			return err
		}
		now := db.Now()
		historical := 0
		for i := range keep {
			p := &keep[i].p
			units := []model.ProjectUnit{{UnitID: p.LeadUnitID, Role: model.ProjectUnitLead}}
			if err := db.CreateProjectDraft(ctx, &store.ProjectDraft{Project: p, Units: units}); err != nil {
				return err
			}
			if !keep[i].historical {
				continue
			}
			historical++
			code, err := db.TakeProjectCode(ctx, p.DistrictID, p.Year)
			if err != nil {
				return err
			}
			if err := db.UpdateProject(ctx, p.ID, p.Version, map[string]any{"code": code, "status": model.ProjectApproved,
				"submitted_at": now, "approved_at": now}); err != nil {
				return err
			}
			r := &model.ProjectReview{ProjectID: p.ID, Action: model.ProjectActionApprove, FromStatus: model.ProjectDraft,
				ToStatus: model.ProjectApproved, Comment: h.s.o.T(MsgImportProjectHistoricNote)}
			if h.actor.UserID != 0 {
				uid := h.actor.UserID
				r.ActorID = &uid
			}
			if err := db.CreateProjectReview(ctx, r); err != nil {
				return err
			}
		}
		changes := h.auditChanges(len(keep), keep[0].p.ID, keep[len(keep)-1].p.ID)
		changes["approved"] = historical
		return audit(ctx, db, h.actor, ActionProjectImport, "import_job", h.auditID(), h.target.Domain, changes)
	})
	return out, err
}

// ParseYuan reads an amount typed in 元 with at most two decimals
// ("12,345.6", "¥800") as fen, from the decimal string (never a float).
func ParseYuan(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(strings.TrimPrefix(v, "¥"), "￥")
	v = strings.ReplaceAll(strings.ReplaceAll(v, ",", ""), "，", "")
	if v == "" {
		return 0, false
	}
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" {
		whole = "0"
	}
	if (dot && (frac == "" || len(frac) > 2)) || len(whole) > 13 {
		return 0, false
	}
	for _, s := range []string{whole, frac} {
		for _, ch := range s {
			if ch < '0' || ch > '9' {
				return 0, false
			}
		}
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || y > yuanMax {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return y*100 + f, true
}

// yuanMax is the largest amount ParseYuan takes (元): ten thousand 亿元
// keeps every sum in int64 fen.
const yuanMax = 1_000_000_000_000
