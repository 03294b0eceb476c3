package store

import (
	"context"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// The case library (案例): evaluated projects nominated by their secretary
// and selected (or declined) by the district reviewer.

// CaseFilter selects cases. Zero fields do not filter.
type CaseFilter struct {
	Year       int
	DistrictID int64
	Theme      string
	Level      string
	Status     string
	// Statuses, when set, keeps only these statuses (everyone reads the
	// selected cases; nominations only where the caller may act on them).
	Statuses []string
	// Nominations are the scope in which the caller also sees nominated and
	// declined cases (districts and alliances).
	Nominations model.Scope
}

// CaseRow is a case with its project's code and title and the names.
type CaseRow struct {
	model.Case
	ProjectCode  string
	ProjectTitle string
	AllianceName string
	DistrictName string
	Grade        string
	Score        *int
}

func caseSort() sortSpec[CaseRow] {
	return sortSpec[CaseRow]{
		Columns: []sortColumn[CaseRow]{
			{Key: "nominated_at", Column: "cases.nominated_at", Kind: "time", Value: func(c *CaseRow) any { return c.NominatedAt.UTC() }},
			{Key: "year", Column: "cases.year", Kind: "int", Value: func(c *CaseRow) any { return int64(c.Year) }},
		},
		Default:     "nominated_at",
		DefaultDesc: true,
		IDColumn:    "cases.id",
		ID:          func(c *CaseRow) int64 { return c.ID },
	}
}

// CaseSortKeys lists the keys ListCases sorts by.
func CaseSortKeys() []string { return sortKeys(caseSort()) }

func (db *DB) caseRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("cases").
		Select("cases.*, COALESCE(projects.code, '') AS project_code, projects.title AS project_title, projects.grade AS grade, projects.score AS score, " +
			"alliances.name AS alliance_name, districts.name AS district_name").
		Joins("JOIN projects ON projects.id = cases.project_id").
		Joins("JOIN alliances ON alliances.id = cases.alliance_id").
		Joins("JOIN districts ON districts.id = cases.district_id")
}

func (db *DB) caseQuery(ctx context.Context, f CaseFilter) *gorm.DB {
	q := db.caseRows(ctx)
	// Selected cases are the library; the others only where the caller may act.
	nom := applyScope(db.conn(ctx).Session(&gorm.Session{NewDB: true}).Table("cases"), f.Nominations,
		ScopeColumns{District: "cases.district_id", Alliance: "cases.alliance_id"})
	if f.Nominations.All {
		// no filter: every case
	} else if f.Nominations.Empty() {
		q = q.Where("cases.status = ?", model.CaseSelected)
	} else {
		q = q.Where("(cases.status = ? OR cases.id IN (?))", model.CaseSelected, nom.Select("cases.id"))
	}
	if f.Year != 0 {
		q = q.Where("cases.year = ?", f.Year)
	}
	if f.DistrictID != 0 {
		q = q.Where("cases.district_id = ?", f.DistrictID)
	}
	if f.Theme != "" {
		q = q.Where("cases.theme = ?", f.Theme)
	}
	if f.Level != "" {
		q = q.Where("cases.level = ?", f.Level)
	}
	if f.Status != "" {
		q = q.Where("cases.status = ?", f.Status)
	}
	return q
}

// ListCases pages through the cases matching f, latest nomination first.
func (db *DB) ListCases(ctx context.Context, f CaseFilter, req model.PageRequest) (model.List[CaseRow], error) {
	return page(db.caseQuery(ctx, f), caseSort(), req)
}

// CaseByID loads a case.
func (db *DB) CaseByID(ctx context.Context, id int64) (*CaseRow, error) {
	var c CaseRow
	if err := db.caseRows(ctx).Where("cases.id = ?", id).Take(&c).Error; err != nil {
		return nil, notFound(err, "case", id)
	}
	return &c, nil
}

// CaseOfProject is the id of a project's case, or 0.
func (db *DB) CaseOfProject(ctx context.Context, projectID int64) (int64, error) {
	var ids []int64
	err := db.conn(ctx).Table("cases").Where("project_id = ?", projectID).Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// CreateCase inserts a nomination at version 1.
func (db *DB) CreateCase(ctx context.Context, c *model.Case) error {
	now := db.Now()
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	if c.Status == "" {
		c.Status = model.CaseNominated
	}
	return db.conn(ctx).Create(c).Error
}

// UpdateCase writes fields of a case if the stored version is version,
// bumping it; a mismatch is a conflict.
func (db *DB) UpdateCase(ctx context.Context, id int64, version int, fields map[string]any) error {
	set := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": db.Now()}
	for k, v := range fields {
		set[k] = v
	}
	res := db.conn(ctx).Model(&model.Case{}).Where("id = ? AND version = ?", id, version).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.CaseByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}
