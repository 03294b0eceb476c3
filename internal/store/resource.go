package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Resources (资源清单). Claims change a resource's accepted_quantity and its
// status between available and exhausted in their own transactions; this
// file never writes accepted_quantity.

// ResourceFilter selects resources for the list, its export and the API.
// Zero fields do not filter; Viewer always does (visibleTo).
type ResourceFilter struct {
	Query      string
	Status     string
	Kind       string
	Category   string
	StreetID   int64
	UnitID     int64 // provider unit
	AllianceID int64
	DistrictID int64
	Visibility string
	// AvailableFrom and AvailableTo select the resources available on some
	// day of the range: available_from ≤ To and available_until ≥ From (an
	// open end counts as always).
	AvailableFrom, AvailableTo *time.Time
	// HasRemaining keeps resources with capacity left.
	HasRemaining bool
	// Mine keeps the resources the viewer owns: 我的资源.
	Mine   bool
	Viewer ListViewer
}

// ResourceRow is a resource with the names its list and page show.
type ResourceRow struct {
	model.Resource
	AllianceName     string
	DistrictName     string
	ProviderUnitName string
	StreetName       string // "" when none
	ServiceSiteName  string // "" when none
}

func resourceSort(dialect string) sortSpec[ResourceRow] {
	return sortSpec[ResourceRow]{
		Columns: []sortColumn[ResourceRow]{
			{Key: "created_at", Column: "resources.created_at", Kind: "time", Value: func(r *ResourceRow) any { return r.CreatedAt.UTC() }},
			{Key: "title", Column: "resources.title", Kind: "text", Value: func(r *ResourceRow) any { return r.Title }},
			{Key: "available_until", Column: listDateOrder(dialect, "resources.available_until"), Kind: "time", Value: func(r *ResourceRow) any { return allianceDayValue(r.AvailableUntil) }},
		},
		Default:     "created_at",
		DefaultDesc: true,
		IDColumn:    "resources.id",
		ID:          func(r *ResourceRow) int64 { return r.ID },
	}
}

// ResourceSortKeys lists the keys ListResources sorts by.
func ResourceSortKeys() []string { return sortKeys(resourceSort(SQLite)) }

func (db *DB) resourceRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("resources").
		Select("resources.*, alliances.name AS alliance_name, districts.name AS district_name, units.name AS provider_unit_name, " +
			"COALESCE(streets.name, '') AS street_name, COALESCE(service_sites.name, '') AS service_site_name").
		Joins("JOIN alliances ON alliances.id = resources.alliance_id").
		Joins("JOIN districts ON districts.id = resources.district_id").
		Joins("JOIN units ON units.id = resources.provider_unit_id").
		Joins("LEFT JOIN streets ON streets.id = resources.street_id").
		Joins("LEFT JOIN service_sites ON service_sites.id = resources.service_site_id")
}

func (db *DB) resourceQuery(ctx context.Context, f ResourceFilter) *gorm.DB {
	q := visibleTo(db.resourceRows(ctx), "resources", "provider_unit_id", f.Viewer)
	q = searchText(q, db.dialect, "resources", f.Query)
	if f.Status != "" {
		q = q.Where("resources.status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("resources.kind = ?", f.Kind)
	}
	if f.Category != "" {
		q = q.Where("resources.category = ?", f.Category)
	}
	if f.StreetID != 0 {
		q = q.Where("resources.street_id = ?", f.StreetID)
	}
	if f.UnitID != 0 {
		q = q.Where("resources.provider_unit_id = ?", f.UnitID)
	}
	if f.AllianceID != 0 {
		q = q.Where("resources.alliance_id = ?", f.AllianceID)
	}
	if f.DistrictID != 0 {
		q = q.Where("resources.district_id = ?", f.DistrictID)
	}
	if f.Visibility != "" {
		q = q.Where("resources.visibility = ?", f.Visibility)
	}
	if f.AvailableFrom != nil {
		q = q.Where("(resources.available_until IS NULL OR resources.available_until >= ?)", f.AvailableFrom.UTC())
	}
	if f.AvailableTo != nil {
		q = q.Where("(resources.available_from IS NULL OR resources.available_from <= ?)", f.AvailableTo.UTC())
	}
	if f.HasRemaining {
		q = q.Where("resources.accepted_quantity < resources.capacity")
	}
	if f.Mine {
		q = mineCond(q, "resources", "provider_unit_id", f.Viewer.Own)
	}
	return q
}

// ListResources pages through the resources matching f that f.Viewer may
// see, newest first by default.
func (db *DB) ListResources(ctx context.Context, f ResourceFilter, req model.PageRequest) (model.List[ResourceRow], error) {
	return page(db.resourceQuery(ctx, f), resourceSort(db.dialect), req)
}

// EachResource calls fn for every resource of the list (exports).
func (db *DB) EachResource(ctx context.Context, f ResourceFilter, req model.PageRequest, batch int, fn func(*ResourceRow) error) error {
	return eachKeyset(db.resourceQuery(ctx, f), resourceSort(db.dialect), req, batch, fn)
}

// ResourceByID loads a resource (no visibility check).
func (db *DB) ResourceByID(ctx context.Context, id int64) (*model.Resource, error) {
	var r model.Resource
	if err := db.conn(ctx).Take(&r, id).Error; err != nil {
		return nil, notFound(err, "resource", id)
	}
	return &r, nil
}

// ResourceRowFor loads a resource with its names if v may see it; one it
// may not see is not found, exactly like a missing one.
func (db *DB) ResourceRowFor(ctx context.Context, id int64, v ListViewer) (*ResourceRow, error) {
	var r ResourceRow
	q := visibleTo(db.resourceRows(ctx).Where("resources.id = ?", id), "resources", "provider_unit_id", v)
	if err := q.Take(&r).Error; err != nil {
		return nil, notFound(err, "resource", id)
	}
	return &r, nil
}

// CreateResource inserts a resource at version 1 (status draft unless set).
func (db *DB) CreateResource(ctx context.Context, r *model.Resource) error {
	now := db.Now()
	r.ID, r.CreatedAt, r.UpdatedAt, r.Version = 0, now, now, 1
	if r.Status == "" {
		r.Status = model.ResourceDraft
	}
	if r.Visibility == "" {
		r.Visibility = model.VisibleAlliance
	}
	return db.conn(ctx).Create(r).Error
}

// UpdateResource writes the editable fields of r (and its status, which a
// new capacity may change between available and exhausted) if the stored
// version is version and the stored accepted quantity is still r's.
// prevStatus is the status read with that version.
func (db *DB) UpdateResource(ctx context.Context, r *model.Resource, version int, prevStatus string) error {
	res := db.conn(ctx).Model(&model.Resource{}).
		Where("id = ? AND version = ? AND status = ? AND accepted_quantity = ?", r.ID, version, prevStatus, r.AcceptedQuantity).
		Updates(map[string]any{
			"title": r.Title, "description": r.Description, "kind": r.Kind, "category": r.Category,
			"service_site_id": r.ServiceSiteID, "street_id": r.StreetID, "capacity": r.Capacity, "measure": r.Measure,
			"available_from": r.AvailableFrom, "available_until": r.AvailableUntil, "visibility": r.Visibility, "status": r.Status,
			"version": gorm.Expr("version + 1"), "updated_at": db.Now(),
		})
	return db.versioned(ctx, res, "resources", "resource", r.ID)
}

// SetResourceStatus moves a resource from status from to status to if the
// stored version is version, bumping it; reason is the withdraw reason.
func (db *DB) SetResourceStatus(ctx context.Context, id int64, version int, from, to, reason string) error {
	set := map[string]any{"status": to, "version": gorm.Expr("version + 1"), "updated_at": db.Now()}
	switch to {
	case model.ResourceWithdrawn:
		set["withdraw_reason"] = reason
	case model.ResourceAvailable, model.ResourceExhausted:
		if from == model.ResourceDraft {
			set["published_at"] = db.Now()
		}
	}
	res := db.conn(ctx).Model(&model.Resource{}).Where("id = ? AND version = ? AND status = ?", id, version, from).Updates(set)
	return db.versioned(ctx, res, "resources", "resource", id)
}

// ExpireResources ends, in batches, the available resources whose
// available_until lies before today (see ExpireNeeds).
func (db *DB) ExpireResources(ctx context.Context, today time.Time, batchDone func(ids []int64) error) (int, error) {
	return db.expire(ctx, "resources", "available_until", []string{model.ResourceAvailable}, model.ResourceExpired, today, batchDone)
}

// ListSiteOption is a service site a venue resource may name.
type ListSiteOption struct {
	ID         int64
	Name       string
	DistrictID int64
	StreetID   int64
	Status     string
}

// ListSiteOptions lists the active service sites of the districts (and the
// sites in keep, active or not), by name, at most limit.
func (db *DB) ListSiteOptions(ctx context.Context, districts []int64, limit int, keep ...int64) ([]ListSiteOption, error) {
	if len(districts) == 0 {
		return nil, nil
	}
	q := db.conn(ctx).Table("service_sites").Select("id, name, district_id, street_id, status").Where("district_id IN (?)", districts)
	if len(keep) > 0 {
		q = q.Where("(status = ? OR id IN (?))", model.StatusActive, keep)
	} else {
		q = q.Where("status = ?", model.StatusActive)
	}
	var out []ListSiteOption
	err := q.Order("name, id").Limit(limit).Scan(&out).Error
	return out, err
}

// ListSite loads a service site (a venue resource names one of its district).
func (db *DB) ListSite(ctx context.Context, id int64) (*ListSiteOption, error) {
	var s ListSiteOption
	err := db.conn(ctx).Table("service_sites").Select("id, name, district_id, street_id, status").Where("id = ?", id).Take(&s).Error
	if err != nil {
		return nil, notFound(err, "service_site", id)
	}
	return &s, nil
}

// ExistingResourceKeys is ExistingNeedKeys for resources.
func (db *DB) ExistingResourceKeys(ctx context.Context, allianceID int64, titles []string) (map[string]bool, error) {
	return db.existingListKeys(ctx, "resources", "provider_unit_id", allianceID, titles)
}
