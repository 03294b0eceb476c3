package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Geography: streets (街镇) under districts and grids (党建网格) under
// streets. Rows that others reference are deactivated, never deleted.

// ---- Streets ----

// StreetFilter selects streets. Scope is the caller's read scope (the
// service sets it; lists are filtered by it in SQL); zero fields do not filter.
type StreetFilter struct {
	Scope      model.Scope
	DistrictID int64
	// Name matches the name anywhere.
	Name   string
	Status string
}

// StreetRow is a street as lists show it, with how many grids and sites
// reference it (what a deactivation would leave behind).
type StreetRow struct {
	model.Street `gorm:"embedded"`
	GridCount    int64
	SiteCount    int64
}

var streetSort = sortSpec[StreetRow]{
	Columns: []sortColumn[StreetRow]{
		{Key: "code", Column: "streets.code", Kind: "text", Value: func(r *StreetRow) any { return r.Code }},
		{Key: "name", Column: "streets.name", Kind: "text", Value: func(r *StreetRow) any { return r.Name }},
		{Key: "id", Column: "streets.id", Kind: "int", Value: func(r *StreetRow) any { return r.ID }},
	},
	Default:  "code",
	IDColumn: "streets.id",
	ID:       func(r *StreetRow) int64 { return r.ID },
}

// StreetSortKeys lists the keys ListStreets sorts by.
func StreetSortKeys() []string { return sortKeys(streetSort) }

func (db *DB) streetQuery(ctx context.Context, f StreetFilter) *gorm.DB {
	q := db.conn(ctx).Table("streets").Select("streets.*, " +
		"(SELECT count(*) FROM grids WHERE grids.street_id = streets.id) AS grid_count, " +
		"(SELECT count(*) FROM service_sites WHERE service_sites.street_id = streets.id) AS site_count")
	q = applyScope(q, f.Scope, ScopeColumns{District: "streets.district_id"})
	if f.DistrictID != 0 {
		q = q.Where("streets.district_id = ?", f.DistrictID)
	}
	if f.Name != "" {
		q = q.Where("streets.name LIKE ? ESCAPE '\\'", likePattern(f.Name))
	}
	if f.Status != "" {
		q = q.Where("streets.status = ?", f.Status)
	}
	return q
}

// ListStreets pages through the streets matching f.
func (db *DB) ListStreets(ctx context.Context, f StreetFilter, req model.PageRequest) (model.List[StreetRow], error) {
	return page(db.streetQuery(ctx, f), streetSort, req)
}

// EachStreet calls fn for every street matching f in the order req sorts
// by (exports), reading keyset batches without counting.
func (db *DB) EachStreet(ctx context.Context, f StreetFilter, req model.PageRequest, fn func(*StreetRow) error) error {
	return eachSorted(func() *gorm.DB { return db.streetQuery(ctx, f) }, streetSort, req, fn)
}

// StreetByID loads a street.
func (db *DB) StreetByID(ctx context.Context, id int64) (*model.Street, error) {
	var s model.Street
	if err := db.conn(ctx).Take(&s, id).Error; err != nil {
		return nil, notFound(err, "street", id)
	}
	return &s, nil
}

// CreateStreet inserts a street; a code in use is a ValidationError on code.
func (db *DB) CreateStreet(ctx context.Context, s *model.Street) error {
	now := db.Now()
	s.CreatedAt, s.UpdatedAt = now, now
	if s.Status == "" {
		s.Status = model.StatusActive
	}
	return geoCodeTaken(db.conn(ctx).Create(s).Error)
}

// UpdateStreet changes a street's code and name if the stored version is
// version, bumping it (a stale one is a conflict).
func (db *DB) UpdateStreet(ctx context.Context, id int64, version int, code, name string) error {
	res := db.conn(ctx).Model(&model.Street{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"code": code, "name": name, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if err := geoCodeTaken(res.Error); err != nil {
		return err
	}
	return db.versioned(ctx, res, "streets", "street", id)
}

// SetStreetStatus activates or deactivates a street at version, bumping it.
func (db *DB) SetStreetStatus(ctx context.Context, id int64, version int, status string) error {
	res := db.conn(ctx).Model(&model.Street{}).Where("id = ? AND version = ?", id, version).
		Updates(map[string]any{"status": status, "version": gorm.Expr("version + 1"), "updated_at": db.Now()})
	return db.versioned(ctx, res, "streets", "street", id)
}

// StreetOptions lists the streets of the given districts (all districts when
// districts is nil) by district and code, for the selects of forms and
// filters; activeOnly leaves deactivated streets out.
func (db *DB) StreetOptions(ctx context.Context, districts []int64, activeOnly bool) ([]model.Street, error) {
	q := db.conn(ctx).Model(&model.Street{})
	if districts != nil {
		if len(districts) == 0 {
			return nil, nil
		}
		q = q.Where("district_id IN (?)", districts)
	}
	if activeOnly {
		q = q.Where("status = ?", model.StatusActive)
	}
	var out []model.Street
	err := q.Order("district_id, code, id").Find(&out).Error
	return out, err
}

// ---- Grids ----

// GridFilter selects grids; Scope is the caller's read scope.
type GridFilter struct {
	Scope      model.Scope
	DistrictID int64
	StreetID   int64
	Name       string
	Status     string
}

// GridRow is a grid as lists show it, with its street's name.
type GridRow struct {
	model.Grid `gorm:"embedded"`
	StreetName string
	SiteCount  int64
}

var gridSort = sortSpec[GridRow]{
	Columns: []sortColumn[GridRow]{
		{Key: "code", Column: "grids.code", Kind: "text", Value: func(r *GridRow) any { return r.Code }},
		{Key: "name", Column: "grids.name", Kind: "text", Value: func(r *GridRow) any { return r.Name }},
		{Key: "id", Column: "grids.id", Kind: "int", Value: func(r *GridRow) any { return r.ID }},
	},
	Default:  "code",
	IDColumn: "grids.id",
	ID:       func(r *GridRow) int64 { return r.ID },
}

// GridSortKeys lists the keys ListGrids sorts by.
func GridSortKeys() []string { return sortKeys(gridSort) }

func (db *DB) gridQuery(ctx context.Context, f GridFilter) *gorm.DB {
	q := db.conn(ctx).Table("grids").
		Select("grids.*, streets.name AS street_name, " +
			"(SELECT count(*) FROM service_sites WHERE service_sites.grid_id = grids.id) AS site_count").
		Joins("JOIN streets ON streets.id = grids.street_id")
	q = applyScope(q, f.Scope, ScopeColumns{District: "grids.district_id"})
	if f.DistrictID != 0 {
		q = q.Where("grids.district_id = ?", f.DistrictID)
	}
	if f.StreetID != 0 {
		q = q.Where("grids.street_id = ?", f.StreetID)
	}
	if f.Name != "" {
		q = q.Where("grids.name LIKE ? ESCAPE '\\'", likePattern(f.Name))
	}
	if f.Status != "" {
		q = q.Where("grids.status = ?", f.Status)
	}
	return q
}

// ListGrids pages through the grids matching f.
func (db *DB) ListGrids(ctx context.Context, f GridFilter, req model.PageRequest) (model.List[GridRow], error) {
	return page(db.gridQuery(ctx, f), gridSort, req)
}

// EachGrid calls fn for every grid matching f in the order req sorts by.
func (db *DB) EachGrid(ctx context.Context, f GridFilter, req model.PageRequest, fn func(*GridRow) error) error {
	return eachSorted(func() *gorm.DB { return db.gridQuery(ctx, f) }, gridSort, req, fn)
}

// GridByID loads a grid.
func (db *DB) GridByID(ctx context.Context, id int64) (*model.Grid, error) {
	var g model.Grid
	if err := db.conn(ctx).Take(&g, id).Error; err != nil {
		return nil, notFound(err, "grid", id)
	}
	return &g, nil
}

// CreateGrid inserts a grid; a code in use is a ValidationError on code.
func (db *DB) CreateGrid(ctx context.Context, g *model.Grid) error {
	now := db.Now()
	g.CreatedAt, g.UpdatedAt = now, now
	if g.Status == "" {
		g.Status = model.StatusActive
	}
	return geoCodeTaken(db.conn(ctx).Create(g).Error)
}

// UpdateGrid changes a grid's street (and with it its district), code and
// name if the stored version is version, bumping it.
func (db *DB) UpdateGrid(ctx context.Context, g *model.Grid, version int) error {
	res := db.conn(ctx).Model(&model.Grid{}).Where("id = ? AND version = ?", g.ID, version).Updates(map[string]any{
		"street_id": g.StreetID, "district_id": g.DistrictID, "code": g.Code, "name": g.Name,
		"version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if err := geoCodeTaken(res.Error); err != nil {
		return err
	}
	return db.versioned(ctx, res, "grids", "grid", g.ID)
}

// SetGridStatus activates or deactivates a grid at version, bumping it.
func (db *DB) SetGridStatus(ctx context.Context, id int64, version int, status string) error {
	res := db.conn(ctx).Model(&model.Grid{}).Where("id = ? AND version = ?", id, version).
		Updates(map[string]any{"status": status, "version": gorm.Expr("version + 1"), "updated_at": db.Now()})
	return db.versioned(ctx, res, "grids", "grid", id)
}

// CountSitesOfGrid counts the service sites that name the grid.
func (db *DB) CountSitesOfGrid(ctx context.Context, gridID int64) (int64, error) {
	var n int64
	err := db.conn(ctx).Model(&model.ServiceSite{}).Where("grid_id = ?", gridID).Count(&n).Error
	return n, err
}

// GridOptions lists grids for a form's select: those of one street when
// streetID is set, else of the given districts (all when nil), by street and
// code, at most limit rows (0: no limit); activeOnly leaves deactivated
// grids out.
func (db *DB) GridOptions(ctx context.Context, districts []int64, streetID int64, activeOnly bool, limit int) ([]GridRow, error) {
	q := db.conn(ctx).Table("grids").Select("grids.*, streets.name AS street_name").
		Joins("JOIN streets ON streets.id = grids.street_id")
	switch {
	case streetID != 0:
		q = q.Where("grids.street_id = ?", streetID)
	case districts != nil:
		if len(districts) == 0 {
			return nil, nil
		}
		q = q.Where("grids.district_id IN (?)", districts)
	}
	if activeOnly {
		q = q.Where("grids.status = ?", model.StatusActive)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []GridRow
	err := q.Order("grids.district_id, streets.code, grids.code, grids.id").Find(&out).Error
	return out, err
}

// ---- shared ----

// geoCodeTaken turns a unique-index violation into a field error on code.
func geoCodeTaken(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return (&model.ValidationError{}).Add("code", "geo.code_taken")
	}
	return err
}

// eachSorted walks every row of the query newQ builds in the order req sorts
// by (the list's order), in keyset batches of model.MaxPageSize rows, without
// counting. Each batch is its own statement, so no cursor stays open while
// fn streams a file.
func eachSorted[T any](newQ func() *gorm.DB, spec sortSpec[T], req model.PageRequest, fn func(*T) error) error {
	col, desc := spec.pick(req)
	dir, op := "ASC", ">"
	if desc {
		dir, op = "DESC", "<"
	}
	var (
		lastVal any
		lastID  int64
		started bool
	)
	for {
		q := newQ()
		if started {
			q = q.Where(fmt.Sprintf("(%s, %s) %s (?, ?)", col.Column, spec.IDColumn, op), lastVal, lastID)
		}
		var rows []T
		if err := q.Order(fmt.Sprintf("%s %s, %s %s", col.Column, dir, spec.IDColumn, dir)).Limit(model.MaxPageSize).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < model.MaxPageSize {
			return nil
		}
		last := &rows[len(rows)-1]
		lastVal, lastID, started = col.Value(last), spec.ID(last), true
	}
}
