package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tongxin/internal/model"
)

// Projects (项目清单): the list with its filters, sorts and totals, one
// project with its names, the version-guarded writes of the lifecycle, the
// links (units, funding, sites) and the gap-free code counter. Drafts made
// from a need are project_draft.go's; reviews, updates, attachments and
// cases have their own files.

// ProjectFilter selects projects. Zero fields do not filter; Scope always
// does (an empty scope selects nothing).
type ProjectFilter struct {
	// Q matches a part of the title or the code.
	Q           string
	Year        int
	Status      string
	DistrictID  int64
	AllianceID  int64
	CommitteeID int64
	Category    string
	LeadUnitID  int64
	// SiteID keeps the projects that run at a service site (project_sites).
	SiteID int64
	// BudgetMin and BudgetMax bound budget_fen (inclusive).
	BudgetMin, BudgetMax *int64
	// From and To select projects whose [starts_on, ends_on] overlaps the
	// range (an open end counts as unbounded).
	From, To *time.Time
	// Overdue selects approved or running projects whose ends_on is before Today.
	Overdue bool
	Today   time.Time
	// Scope is where the caller reads projects: district grants match
	// projects.district_id, alliance grants projects.alliance_id, unit grants
	// the projects the unit takes part in (lead or partner).
	Scope model.Scope
}

// ProjectRow is a project with the names its list and page show.
type ProjectRow struct {
	model.Project
	AllianceName  string
	DistrictName  string
	LeadUnitName  string
	CommitteeName string // "" without a committee
}

func projectSort(dialect string) sortSpec[ProjectRow] {
	return sortSpec[ProjectRow]{
		Columns: []sortColumn[ProjectRow]{
			{Key: "created_at", Column: "projects.created_at", Kind: "time", Value: func(p *ProjectRow) any { return p.CreatedAt.UTC() }},
			{Key: "title", Column: "projects.title", Kind: "text", Value: func(p *ProjectRow) any { return p.Title }},
			{Key: "code", Column: "COALESCE(projects.code, '')", Kind: "text", Value: func(p *ProjectRow) any {
				if p.Code == nil {
					return ""
				}
				return *p.Code
			}},
			{Key: "budget", Column: "projects.budget_fen", Kind: "int", Value: func(p *ProjectRow) any { return p.BudgetFen }},
			{Key: "starts_on", Column: allianceDateOrder(dialect, "projects.starts_on"), Kind: "time", Value: func(p *ProjectRow) any { return allianceDayValue(p.StartsOn) }},
			{Key: "ends_on", Column: allianceDateOrder(dialect, "projects.ends_on"), Kind: "time", Value: func(p *ProjectRow) any { return allianceDayValue(p.EndsOn) }},
			{Key: "submitted_at", Column: projectTimeOrder(dialect, "projects.submitted_at"), Kind: "time", Value: func(p *ProjectRow) any { return projectTimeValue(p.SubmittedAt) }},
		},
		Default:     "created_at",
		DefaultDesc: true,
		IDColumn:    "projects.id",
		ID:          func(p *ProjectRow) int64 { return p.ID },
	}
}

// projectTimeOrder is a nullable timestamp column for a keyset order (NULL
// counts as the zero time, written the way each dialect stores one).
func projectTimeOrder(dialect, col string) string {
	if dialect == SQLite {
		return "COALESCE(" + col + ", '0001-01-01 00:00:00+00:00')"
	}
	return "COALESCE(" + col + ", TIMESTAMPTZ '0001-01-01 00:00:00+00')"
}

func projectTimeValue(t *time.Time) any {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// ProjectSortKeys lists the keys ListProjects sorts by.
func ProjectSortKeys() []string { return sortKeys(projectSort(SQLite)) }

// projectRows is the FROM, joins and columns of ProjectRow.
func (db *DB) projectRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("projects").
		Select("projects.*, alliances.name AS alliance_name, districts.name AS district_name, units.name AS lead_unit_name, " +
			"COALESCE(committees.name, '') AS committee_name").
		Joins("JOIN alliances ON alliances.id = projects.alliance_id").
		Joins("JOIN districts ON districts.id = projects.district_id").
		Joins("JOIN units ON units.id = projects.lead_unit_id").
		Joins("LEFT JOIN committees ON committees.id = projects.committee_id")
}

// projectScope filters q to the projects s reads, in SQL.
func projectScope(q *gorm.DB, s model.Scope) *gorm.DB {
	if s.All {
		return q
	}
	var conds []string
	var args []any
	if len(s.Districts) > 0 {
		conds = append(conds, "projects.district_id IN (?)")
		args = append(args, s.Districts)
	}
	if len(s.Alliances) > 0 {
		conds = append(conds, "projects.alliance_id IN (?)")
		args = append(args, s.Alliances)
	}
	if len(s.Units) > 0 {
		conds = append(conds, "projects.lead_unit_id IN (?) OR projects.id IN (SELECT pu.project_id FROM project_units pu WHERE pu.unit_id IN (?))")
		args = append(args, s.Units, s.Units)
	}
	if len(conds) == 0 {
		return q.Where("1 = 0")
	}
	where := "(" + conds[0]
	for _, c := range conds[1:] {
		where += " OR " + c
	}
	return q.Where(where+")", args...)
}

func (db *DB) projectQuery(ctx context.Context, q *gorm.DB, f ProjectFilter) *gorm.DB {
	q = projectScope(q, f.Scope)
	if f.Q != "" {
		p := likePattern(f.Q)
		q = q.Where("(projects.title LIKE ? ESCAPE '\\' OR COALESCE(projects.code, '') LIKE ? ESCAPE '\\')", p, p)
	}
	if f.Year != 0 {
		q = q.Where("projects.year = ?", f.Year)
	}
	if f.Status != "" {
		q = q.Where("projects.status = ?", f.Status)
	}
	if f.DistrictID != 0 {
		q = q.Where("projects.district_id = ?", f.DistrictID)
	}
	if f.AllianceID != 0 {
		q = q.Where("projects.alliance_id = ?", f.AllianceID)
	}
	if f.CommitteeID != 0 {
		q = q.Where("projects.committee_id = ?", f.CommitteeID)
	}
	if f.Category != "" {
		q = q.Where("projects.category = ?", f.Category)
	}
	if f.LeadUnitID != 0 {
		q = q.Where("projects.lead_unit_id = ?", f.LeadUnitID)
	}
	if f.SiteID != 0 {
		q = q.Where("projects.id IN (SELECT ps.project_id FROM project_sites ps WHERE ps.service_site_id = ?)", f.SiteID)
	}
	if f.BudgetMin != nil {
		q = q.Where("projects.budget_fen >= ?", *f.BudgetMin)
	}
	if f.BudgetMax != nil {
		q = q.Where("projects.budget_fen <= ?", *f.BudgetMax)
	}
	if f.From != nil {
		q = q.Where("(projects.ends_on IS NULL OR projects.ends_on >= ?)", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("(projects.starts_on IS NULL OR projects.starts_on <= ?)", f.To.UTC())
	}
	if f.Overdue {
		q = q.Where("projects.status IN (?) AND projects.ends_on < ?",
			[]string{model.ProjectApproved, model.ProjectInProgress}, f.Today.UTC())
	}
	return q
}

// ListProjects pages through the projects matching f, newest first by default.
func (db *DB) ListProjects(ctx context.Context, f ProjectFilter, req model.PageRequest) (model.List[ProjectRow], error) {
	return page(db.projectQuery(ctx, db.projectRows(ctx), f), projectSort(db.dialect), req)
}

// EachProject calls fn for every project matching f in the order req asks
// for, reading keyset batches (exports).
func (db *DB) EachProject(ctx context.Context, f ProjectFilter, req model.PageRequest, batch int, fn func(*ProjectRow) error) error {
	return eachKeyset(db.projectQuery(ctx, db.projectRows(ctx), f), projectSort(db.dialect), req, batch, fn)
}

// ProjectTotals is the totals row of a list: how many projects match and
// the sum of their budgets.
type ProjectTotals struct {
	Count     int64
	BudgetFen int64
}

// ProjectListTotals counts the projects matching f and sums their budgets.
func (db *DB) ProjectListTotals(ctx context.Context, f ProjectFilter) (ProjectTotals, error) {
	var out ProjectTotals
	err := db.projectQuery(ctx, db.conn(ctx).Table("projects"), f).
		Select("count(*) AS count, COALESCE(sum(projects.budget_fen), 0) AS budget_fen").Scan(&out).Error
	return out, err
}

// ProjectByID loads a project.
func (db *DB) ProjectByID(ctx context.Context, id int64) (*model.Project, error) {
	var p model.Project
	if err := db.conn(ctx).Take(&p, id).Error; err != nil {
		return nil, notFound(err, "project", id)
	}
	return &p, nil
}

// ProjectForUpdate loads a project and, on Postgres, locks its row for the
// transaction of ctx (SQLite's immediate transaction already serialises
// writers).
func (db *DB) ProjectForUpdate(ctx context.Context, id int64) (*model.Project, error) {
	q := db.conn(ctx)
	if db.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var p model.Project
	if err := q.Take(&p, id).Error; err != nil {
		return nil, notFound(err, "project", id)
	}
	return &p, nil
}

// ProjectRowByID loads a project with its names.
func (db *DB) ProjectRowByID(ctx context.Context, id int64) (*ProjectRow, error) {
	var p ProjectRow
	if err := db.projectRows(ctx).Where("projects.id = ?", id).Take(&p).Error; err != nil {
		return nil, notFound(err, "project", id)
	}
	return &p, nil
}

// CreateProject inserts a project at version 1 with its units, funding and
// sites (the lead unit is among units with role lead).
func (db *DB) CreateProject(ctx context.Context, p *model.Project, units []model.ProjectUnit, funding []model.ProjectFunding, siteIDs, needIDs, resourceIDs []int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.CreateProjectDraft(ctx, &ProjectDraft{Project: p, Units: units, NeedIDs: needIDs, ResourceIDs: resourceIDs}); err != nil {
			return err
		}
		if err := db.ReplaceProjectFunding(ctx, p.ID, funding); err != nil {
			return err
		}
		return db.ReplaceProjectSites(ctx, p.ID, siteIDs)
	})
}

// UpdateProject writes fields (column → value) of a project if the stored
// version is version, bumping it; a mismatch is a conflict.
func (db *DB) UpdateProject(ctx context.Context, id int64, version int, fields map[string]any) error {
	set := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": db.Now()}
	for k, v := range fields {
		set[k] = v
	}
	res := db.conn(ctx).Model(&model.Project{}).Where("id = ? AND version = ?", id, version).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.ProjectByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// SetProjectProgress records the percent of the latest progress update
// (no version bump: an update does not make an open edit stale).
func (db *DB) SetProjectProgress(ctx context.Context, id int64, percent int) error {
	return db.conn(ctx).Model(&model.Project{}).Where("id = ?", id).
		Updates(map[string]any{"progress_percent": percent, "updated_at": db.Now()}).Error
}

// ReplaceProjectUnits makes units the project's units (lead included).
func (db *DB) ReplaceProjectUnits(ctx context.Context, projectID int64, units []model.ProjectUnit) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		tx := db.conn(ctx)
		if err := tx.Where("project_id = ?", projectID).Delete(&model.ProjectUnit{}).Error; err != nil {
			return err
		}
		if len(units) == 0 {
			return nil
		}
		now := db.Now()
		for i := range units {
			units[i].ID, units[i].ProjectID, units[i].CreatedAt, units[i].UpdatedAt = 0, projectID, now, now
		}
		return tx.Create(&units).Error
	})
}

// ReplaceProjectFunding makes funding the project's funding sources.
func (db *DB) ReplaceProjectFunding(ctx context.Context, projectID int64, funding []model.ProjectFunding) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		tx := db.conn(ctx)
		if err := tx.Where("project_id = ?", projectID).Delete(&model.ProjectFunding{}).Error; err != nil {
			return err
		}
		if len(funding) == 0 {
			return nil
		}
		now := db.Now()
		for i := range funding {
			funding[i].ID, funding[i].ProjectID, funding[i].CreatedAt, funding[i].UpdatedAt = 0, projectID, now, now
		}
		return tx.Create(&funding).Error
	})
}

// ReplaceProjectSites makes siteIDs the service sites where the project runs.
func (db *DB) ReplaceProjectSites(ctx context.Context, projectID int64, siteIDs []int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		tx := db.conn(ctx)
		if err := tx.Exec("DELETE FROM project_sites WHERE project_id = ?", projectID).Error; err != nil {
			return err
		}
		return insertLinks(tx, "project_sites", "service_site_id", projectID, siteIDs, db.Now())
	})
}

// ProjectFundingOf lists a project's funding sources by source code.
func (db *DB) ProjectFundingOf(ctx context.Context, projectID int64) ([]model.ProjectFunding, error) {
	var out []model.ProjectFunding
	err := db.conn(ctx).Where("project_id = ?", projectID).Order("source").Find(&out).Error
	return out, err
}

// ProjectSiteIDs lists the service sites where a project runs.
func (db *DB) ProjectSiteIDs(ctx context.Context, projectID int64) ([]int64, error) {
	var out []int64
	err := db.conn(ctx).Table("project_sites").Where("project_id = ?", projectID).Order("service_site_id").Pluck("service_site_id", &out).Error
	return out, err
}

// ProjectUnitRow is a project's unit with its name.
type ProjectUnitRow struct {
	model.ProjectUnit
	UnitName string
}

// ProjectUnitRows lists a project's units with their names, the lead first.
func (db *DB) ProjectUnitRows(ctx context.Context, projectID int64) ([]ProjectUnitRow, error) {
	var out []ProjectUnitRow
	err := db.conn(ctx).Table("project_units").Select("project_units.*, units.name AS unit_name").
		Joins("JOIN units ON units.id = project_units.unit_id").
		Where("project_units.project_id = ?", projectID).
		Order("CASE WHEN project_units.role = 'lead' THEN 0 ELSE 1 END, project_units.id").Scan(&out).Error
	return out, err
}

// ProjectUnitIDs lists the units of a project (lead first), for the
// domain chain of a check.
func (db *DB) ProjectUnitIDs(ctx context.Context, p *model.Project) ([]int64, error) {
	var ids []int64
	err := db.conn(ctx).Table("project_units").Where("project_id = ?", p.ID).
		Order("CASE WHEN role = 'lead' THEN 0 ELSE 1 END, id").Pluck("unit_id", &ids).Error
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 || ids[0] != p.LeadUnitID {
		out := []int64{p.LeadUnitID}
		for _, id := range ids {
			if id != p.LeadUnitID {
				out = append(out, id)
			}
		}
		ids = out
	}
	return ids, nil
}

// TakeProjectCode hands out the next code of a district and year
// (2026-310104-0001) in the transaction of ctx: one upsert of the counter
// row, which the database locks until the transaction ends, so concurrent
// submissions queue and a rollback gives the number back (no gaps).
func (db *DB) TakeProjectCode(ctx context.Context, districtID int64, year int) (string, error) {
	if !db.InTx(ctx) {
		return "", fmt.Errorf("store: TakeProjectCode needs a transaction")
	}
	now := db.Now()
	var seq int64
	row := db.conn(ctx).Raw(`INSERT INTO project_code_counters (district_id, year, next_seq, created_at, updated_at)
		VALUES (?, ?, 2, ?, ?)
		ON CONFLICT (district_id, year) DO UPDATE SET next_seq = project_code_counters.next_seq + 1, updated_at = excluded.updated_at
		RETURNING next_seq - 1`, districtID, year, now, now).Row()
	if err := row.Scan(&seq); err != nil {
		return "", err
	}
	return fmt.Sprintf("%04d-%d-%04d", year, districtID, seq), nil
}

// ProjectCommittee is the alliance of a committee (to check a project's
// committee belongs to its alliance).
func (db *DB) ProjectCommittee(ctx context.Context, id int64) (allianceID int64, active bool, err error) {
	var c model.Committee
	if err := db.conn(ctx).Take(&c, id).Error; err != nil {
		return 0, false, notFound(err, "committee", id)
	}
	return c.AllianceID, c.Status == model.StatusActive, nil
}

// ProjectSitesIn reports which of ids are active service sites of the
// district.
func (db *DB) ProjectSitesIn(ctx context.Context, districtID int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []int64
	err := db.conn(ctx).Table("service_sites").
		Where("id IN (?) AND district_id = ? AND status = ?", ids, districtID, model.StatusActive).Pluck("id", &out).Error
	return out, err
}

// ProjectNeedsIn reports which of ids are needs of the alliance.
func (db *DB) ProjectNeedsIn(ctx context.Context, allianceID int64, ids []int64) ([]int64, error) {
	return db.idsIn(ctx, "needs", "alliance_id", allianceID, ids)
}

// ProjectResourcesIn reports which of ids are resources of the alliance's
// district (a project may use a resource another alliance of the district
// offers).
func (db *DB) ProjectResourcesIn(ctx context.Context, districtID int64, ids []int64) ([]int64, error) {
	return db.idsIn(ctx, "resources", "district_id", districtID, ids)
}

func (db *DB) idsIn(ctx context.Context, table, col string, val int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []int64
	err := db.conn(ctx).Table(table).Where("id IN (?) AND "+col+" = ?", ids, val).Pluck("id", &out).Error
	return out, err
}

// ProjectMemberUnits reports which of ids are current members of the alliance.
func (db *DB) ProjectMemberUnits(ctx context.Context, allianceID int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []int64
	err := db.conn(ctx).Table("memberships").Where("alliance_id = ? AND left_on IS NULL AND unit_id IN (?)", allianceID, ids).
		Distinct().Pluck("unit_id", &out).Error
	return out, err
}

// ProjectUnitsIn reports which of ids are units of the district.
func (db *DB) ProjectUnitsIn(ctx context.Context, districtID int64, ids []int64) ([]int64, error) {
	return db.idsIn(ctx, "units", "district_id", districtID, ids)
}

// ProjectAllianceOptions lists the alliances a project list or form offers:
// those of the scope's districts and its alliances (every alliance for a
// city-wide scope), by name, at most limit.
func (db *DB) ProjectAllianceOptions(ctx context.Context, s model.Scope, limit int) ([]ListAllianceOption, error) {
	if s.Empty() {
		return nil, nil
	}
	q := applyScope(db.conn(ctx).Table("alliances").Select("id, name, district_id, status"), s,
		ScopeColumns{District: "alliances.district_id", Alliance: "alliances.id"})
	var out []ListAllianceOption
	err := q.Order("name, id").Limit(limit).Scan(&out).Error
	return out, err
}

// ProjectLink is a need or resource linked to a project, or a service site
// where it runs, with its name and status.
type ProjectLink struct {
	ID     int64
	Title  string
	Status string
}

// ProjectLinkRows names the needs, resources and service sites of ids (one
// statement each, whatever their number), by id.
func (db *DB) ProjectLinkRows(ctx context.Context, table string, ids []int64) ([]ProjectLink, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	col := "title"
	switch table {
	case "needs", "resources":
	case "service_sites":
		col = "name"
	default:
		return nil, fmt.Errorf("store: no project links in %q", table)
	}
	var out []ProjectLink
	err := db.conn(ctx).Table(table).Select("id, "+col+" AS title, status").Where("id IN (?)", ids).Order("id").Scan(&out).Error
	return out, err
}

// SetProjectNeedsStatus moves the needs linked to a project that are in one
// of the statuses from to status to (bumping their versions, so an open
// edit of such a need turns stale) and returns their ids.
func (db *DB) SetProjectNeedsStatus(ctx context.Context, projectID int64, from []string, to string) ([]int64, error) {
	var ids []int64
	err := db.WithTx(ctx, func(ctx context.Context) error {
		tx := db.conn(ctx)
		if err := tx.Table("needs").Where("id IN (SELECT need_id FROM project_needs WHERE project_id = ?) AND status IN (?)", projectID, from).
			Order("id").Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		return tx.Model(&model.Need{}).Where("id IN (?) AND status IN (?)", ids, from).
			Updates(map[string]any{"status": to, "version": gorm.Expr("version + 1"), "updated_at": db.Now()}).Error
	})
	return ids, err
}

// ProjectKey is the natural key of an imported project: its title and year
// within its alliance.
func ProjectKey(title string, year int) string { return fmt.Sprintf("%d|%s", year, title) }

// ExistingProjectKeys reports which (title, year) of titles the alliance's
// projects already have, by ProjectKey (an import leaves them alone).
func (db *DB) ExistingProjectKeys(ctx context.Context, allianceID int64, titles []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(titles) == 0 {
		return out, nil
	}
	var rows []struct {
		Title string
		Year  int
	}
	err := db.conn(ctx).Table("projects").Select("title, year").Where("alliance_id = ? AND title IN (?)", allianceID, titles).Scan(&rows).Error
	for _, r := range rows {
		out[ProjectKey(r.Title, r.Year)] = true
	}
	return out, err
}
