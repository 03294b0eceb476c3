package store

import (
	"context"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Service sites (党群服务阵地). They carry a version: every change checks it.

// ServiceSiteFilter selects service sites; Scope is the caller's read scope.
type ServiceSiteFilter struct {
	Scope      model.Scope
	DistrictID int64
	StreetID   int64
	GridID     int64
	Kind       string
	Status     string
	// Name matches the name anywhere.
	Name string
}

// ServiceSiteRow is a site with the names of what it points to.
type ServiceSiteRow struct {
	model.ServiceSite `gorm:"embedded"`
	StreetName        string
	GridName          string // "" when the site has no grid
	ManagingUnitName  string // "" when it has no managing unit
}

var serviceSiteSort = sortSpec[ServiceSiteRow]{
	Columns: []sortColumn[ServiceSiteRow]{
		{Key: "name", Column: "service_sites.name", Kind: "text", Value: func(r *ServiceSiteRow) any { return r.Name }},
		{Key: "seats", Column: "service_sites.seats", Kind: "int", Value: func(r *ServiceSiteRow) any { return int64(r.Seats) }},
		{Key: "id", Column: "service_sites.id", Kind: "int", Value: func(r *ServiceSiteRow) any { return r.ID }},
	},
	Default:  "name",
	IDColumn: "service_sites.id",
	ID:       func(r *ServiceSiteRow) int64 { return r.ID },
}

// ServiceSiteSortKeys lists the keys ListServiceSites sorts by.
func ServiceSiteSortKeys() []string { return sortKeys(serviceSiteSort) }

func (db *DB) serviceSiteBase(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("service_sites").
		Select("service_sites.*, streets.name AS street_name, " +
			"COALESCE(grids.name, '') AS grid_name, COALESCE(units.name, '') AS managing_unit_name").
		Joins("JOIN streets ON streets.id = service_sites.street_id").
		Joins("LEFT JOIN grids ON grids.id = service_sites.grid_id").
		Joins("LEFT JOIN units ON units.id = service_sites.managing_unit_id")
}

func (db *DB) serviceSiteQuery(ctx context.Context, f ServiceSiteFilter) *gorm.DB {
	q := applyScope(db.serviceSiteBase(ctx), f.Scope, ScopeColumns{District: "service_sites.district_id"})
	if f.DistrictID != 0 {
		q = q.Where("service_sites.district_id = ?", f.DistrictID)
	}
	if f.StreetID != 0 {
		q = q.Where("service_sites.street_id = ?", f.StreetID)
	}
	if f.GridID != 0 {
		q = q.Where("service_sites.grid_id = ?", f.GridID)
	}
	if f.Kind != "" {
		q = q.Where("service_sites.kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("service_sites.status = ?", f.Status)
	}
	if f.Name != "" {
		q = q.Where("service_sites.name LIKE ? ESCAPE '\\'", likePattern(f.Name))
	}
	return q
}

// ListServiceSites pages through the sites matching f.
func (db *DB) ListServiceSites(ctx context.Context, f ServiceSiteFilter, req model.PageRequest) (model.List[ServiceSiteRow], error) {
	return page(db.serviceSiteQuery(ctx, f), serviceSiteSort, req)
}

// EachServiceSite calls fn for every site matching f in the order req sorts by.
func (db *DB) EachServiceSite(ctx context.Context, f ServiceSiteFilter, req model.PageRequest, fn func(*ServiceSiteRow) error) error {
	return eachSorted(func() *gorm.DB { return db.serviceSiteQuery(ctx, f) }, serviceSiteSort, req, fn)
}

// ServiceSiteByID loads a site with the names of its street, grid and unit.
func (db *DB) ServiceSiteByID(ctx context.Context, id int64) (*ServiceSiteRow, error) {
	var r ServiceSiteRow
	if err := db.serviceSiteBase(ctx).Where("service_sites.id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "service_site", id)
	}
	return &r, nil
}

// CreateServiceSite inserts a site at version 1.
func (db *DB) CreateServiceSite(ctx context.Context, s *model.ServiceSite) error {
	now := db.Now()
	s.CreatedAt, s.UpdatedAt, s.Version = now, now, 1
	if s.Status == "" {
		s.Status = model.StatusActive
	}
	return db.conn(ctx).Create(s).Error
}

// UpdateServiceSite writes the editable fields if s.Version is the stored
// version, bumping it (s.Version then holds the new one); a mismatch is a
// conflict (someone saved first).
func (db *DB) UpdateServiceSite(ctx context.Context, s *model.ServiceSite) error {
	res := db.conn(ctx).Model(&model.ServiceSite{}).Where("id = ? AND version = ?", s.ID, s.Version).Updates(map[string]any{
		"name": s.Name, "kind": s.Kind, "district_id": s.DistrictID, "street_id": s.StreetID, "grid_id": s.GridID,
		"address": s.Address, "opening_hours": s.OpeningHours, "facilities": s.Facilities, "seats": s.Seats,
		"managing_unit_id": s.ManagingUnitID, "status": s.Status,
		"version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.ServiceSiteByID(ctx, s.ID); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	s.Version++
	return nil
}

// SetServiceSiteStatus activates or deactivates a site and bumps its version
// (so that an edit form opened before answers 409 instead of undoing it);
// the version must match (a stale one is a conflict).
func (db *DB) SetServiceSiteStatus(ctx context.Context, id int64, version int, status string) error {
	q := db.conn(ctx).Model(&model.ServiceSite{}).Where("id = ? AND version = ?", id, version)
	res := q.Updates(map[string]any{"status": status, "version": gorm.Expr("version + 1"), "updated_at": db.Now()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.ServiceSiteByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// SiteUnit is what a site form needs of a member unit.
type SiteUnit struct {
	ID         int64
	Name       string
	DistrictID int64
	Status     string
}

// SiteUnitOptions lists the active member units of the districts, by name,
// at most limit rows, for the managing-unit select of a site form.
func (db *DB) SiteUnitOptions(ctx context.Context, districts []int64, limit int) ([]SiteUnit, error) {
	if len(districts) == 0 {
		return nil, nil
	}
	var out []SiteUnit
	err := db.conn(ctx).Table("units").Select("id, name, district_id, status").
		Where("district_id IN (?) AND status = ?", districts, model.StatusActive).
		Order("name, id").Limit(limit).Find(&out).Error
	return out, err
}

// SiteUnitByID loads what a site needs of a member unit.
func (db *DB) SiteUnitByID(ctx context.Context, id int64) (*SiteUnit, error) {
	var u SiteUnit
	if err := db.conn(ctx).Table("units").Select("id, name, district_id, status").Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, notFound(err, "unit", id)
	}
	return &u, nil
}
