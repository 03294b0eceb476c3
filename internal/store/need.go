package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Needs (需求清单). Claims change a need's accepted_quantity and its status
// between published, partly claimed and claimed in their own transactions
// (claim.go); this file never writes accepted_quantity.

// NeedFilter selects needs for the list, its export and the API. Zero
// fields do not filter; Viewer always does (visibleTo).
type NeedFilter struct {
	// Query is the search box: every term in the title or the description.
	Query      string
	Status     string
	Category   string
	StreetID   int64
	UnitID     int64 // submitter unit
	AllianceID int64
	DistrictID int64
	Visibility string
	// WantedFrom and WantedTo bound wanted_by (calendar days, inclusive).
	WantedFrom, WantedTo *time.Time
	// Coverage is none, partial or complete.
	Coverage string
	// Mine, when set, keeps the needs the viewer owns (their unit's, their
	// alliance's): 我的需求.
	Mine bool
	// Viewer is who reads the list; the service sets it.
	Viewer ListViewer
}

// NeedRow is a need with the names its list and page show beside it.
type NeedRow struct {
	model.Need
	AllianceName      string
	DistrictName      string
	SubmitterUnitName string
	StreetName        string // "" when none
	GridName          string // "" when none
}

// listDateOrder is a nullable DATE column for a keyset order: NULL counts as
// 0001-01-01, written the way each dialect stores a date (see allianceDateOrder).
func listDateOrder(dialect, col string) string { return allianceDateOrder(dialect, col) }

func needSort(dialect string) sortSpec[NeedRow] {
	return sortSpec[NeedRow]{
		Columns: []sortColumn[NeedRow]{
			{Key: "created_at", Column: "needs.created_at", Kind: "time", Value: func(n *NeedRow) any { return n.CreatedAt.UTC() }},
			{Key: "title", Column: "needs.title", Kind: "text", Value: func(n *NeedRow) any { return n.Title }},
			{Key: "wanted_by", Column: listDateOrder(dialect, "needs.wanted_by"), Kind: "time", Value: func(n *NeedRow) any { return allianceDayValue(n.WantedBy) }},
		},
		Default:     "created_at",
		DefaultDesc: true,
		IDColumn:    "needs.id",
		ID:          func(n *NeedRow) int64 { return n.ID },
	}
}

// NeedSortKeys lists the keys ListNeeds sorts by.
func NeedSortKeys() []string { return sortKeys(needSort(SQLite)) }

// needRows is the FROM, joins and columns of NeedRow.
func (db *DB) needRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("needs").
		Select("needs.*, alliances.name AS alliance_name, districts.name AS district_name, units.name AS submitter_unit_name, " +
			"COALESCE(streets.name, '') AS street_name, COALESCE(grids.name, '') AS grid_name").
		Joins("JOIN alliances ON alliances.id = needs.alliance_id").
		Joins("JOIN districts ON districts.id = needs.district_id").
		Joins("JOIN units ON units.id = needs.submitter_unit_id").
		Joins("LEFT JOIN streets ON streets.id = needs.street_id").
		Joins("LEFT JOIN grids ON grids.id = needs.grid_id")
}

// mineCond keeps the rows the viewer owns (its update scope); nothing when
// it owns none.
func mineCond(q *gorm.DB, table, ownerCol string, own model.Scope) *gorm.DB {
	if own.All {
		return q
	}
	cond, args := ownCond(table, ownerCol, own)
	if cond == "" {
		return q.Where("1 = 0")
	}
	return q.Where(cond, args...)
}

func (db *DB) needQuery(ctx context.Context, f NeedFilter) *gorm.DB {
	q := visibleTo(db.needRows(ctx), "needs", "submitter_unit_id", f.Viewer)
	q = searchText(q, db.dialect, "needs", f.Query)
	if f.Status != "" {
		q = q.Where("needs.status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("needs.category = ?", f.Category)
	}
	if f.StreetID != 0 {
		q = q.Where("needs.street_id = ?", f.StreetID)
	}
	if f.UnitID != 0 {
		q = q.Where("needs.submitter_unit_id = ?", f.UnitID)
	}
	if f.AllianceID != 0 {
		q = q.Where("needs.alliance_id = ?", f.AllianceID)
	}
	if f.DistrictID != 0 {
		q = q.Where("needs.district_id = ?", f.DistrictID)
	}
	if f.Visibility != "" {
		q = q.Where("needs.visibility = ?", f.Visibility)
	}
	if f.WantedFrom != nil {
		q = q.Where("needs.wanted_by >= ?", f.WantedFrom.UTC())
	}
	if f.WantedTo != nil {
		q = q.Where("needs.wanted_by <= ?", f.WantedTo.UTC())
	}
	switch f.Coverage {
	case model.CoverageNone:
		q = q.Where("needs.accepted_quantity = 0")
	case model.CoveragePartial:
		q = q.Where("needs.accepted_quantity > 0 AND needs.accepted_quantity < needs.quantity")
	case model.CoverageComplete:
		q = q.Where("needs.accepted_quantity >= needs.quantity")
	}
	if f.Mine {
		q = mineCond(q, "needs", "submitter_unit_id", f.Viewer.Own)
	}
	return q
}

// ListNeeds pages through the needs matching f that f.Viewer may see,
// newest first by default.
func (db *DB) ListNeeds(ctx context.Context, f NeedFilter, req model.PageRequest) (model.List[NeedRow], error) {
	return page(db.needQuery(ctx, f), needSort(db.dialect), req)
}

// EachNeed calls fn for every need of the list in the order req asks for,
// reading keyset batches (exports).
func (db *DB) EachNeed(ctx context.Context, f NeedFilter, req model.PageRequest, batch int, fn func(*NeedRow) error) error {
	return eachKeyset(db.needQuery(ctx, f), needSort(db.dialect), req, batch, fn)
}

// NeedByID loads a need (no visibility check: the services check it).
func (db *DB) NeedByID(ctx context.Context, id int64) (*model.Need, error) {
	var n model.Need
	if err := db.conn(ctx).Take(&n, id).Error; err != nil {
		return nil, notFound(err, "need", id)
	}
	return &n, nil
}

// NeedRowFor loads a need with its names if v may see it; one it may not
// see is not found, exactly like a missing one.
func (db *DB) NeedRowFor(ctx context.Context, id int64, v ListViewer) (*NeedRow, error) {
	var n NeedRow
	q := visibleTo(db.needRows(ctx).Where("needs.id = ?", id), "needs", "submitter_unit_id", v)
	if err := q.Take(&n).Error; err != nil {
		return nil, notFound(err, "need", id)
	}
	return &n, nil
}

// CreateNeed inserts a need at version 1 (status draft unless set).
func (db *DB) CreateNeed(ctx context.Context, n *model.Need) error {
	now := db.Now()
	n.ID, n.CreatedAt, n.UpdatedAt, n.Version = 0, now, now, 1
	if n.Status == "" {
		n.Status = model.NeedDraft
	}
	if n.Visibility == "" {
		n.Visibility = model.VisibleAlliance
	}
	return db.conn(ctx).Create(n).Error
}

// UpdateNeed writes the editable fields of n if the stored version is
// version and the stored status and accepted quantity are still n's (a
// claim decided meanwhile makes the edit stale), bumping the version.
func (db *DB) UpdateNeed(ctx context.Context, n *model.Need, version int) error {
	res := db.conn(ctx).Model(&model.Need{}).
		Where("id = ? AND version = ? AND status = ? AND accepted_quantity = ?", n.ID, version, n.Status, n.AcceptedQuantity).
		Updates(map[string]any{
			"title": n.Title, "description": n.Description, "category": n.Category, "resource_kind": n.ResourceKind,
			"street_id": n.StreetID, "grid_id": n.GridID, "quantity": n.Quantity, "measure": n.Measure,
			"beneficiaries": n.Beneficiaries, "wanted_by": n.WantedBy, "visibility": n.Visibility,
			"version": gorm.Expr("version + 1"), "updated_at": db.Now(),
		})
	return db.versioned(ctx, res, "needs", "need", n.ID)
}

// SetNeedStatus moves a need from status from to status to if the stored
// version is version, bumping it. reason is the close reason (kept unless
// closing); publishing stamps published_at.
func (db *DB) SetNeedStatus(ctx context.Context, id int64, version int, from, to, reason string) error {
	set := map[string]any{"status": to, "version": gorm.Expr("version + 1"), "updated_at": db.Now()}
	switch to {
	case model.NeedClosed:
		set["close_reason"] = reason
	case model.NeedPublished:
		if from == model.NeedDraft {
			set["published_at"] = db.Now()
		}
	}
	res := db.conn(ctx).Model(&model.Need{}).Where("id = ? AND version = ? AND status = ?", id, version, from).Updates(set)
	return db.versioned(ctx, res, "needs", "need", id)
}

// expireBatch is how many rows one expiry statement ends.
const expireBatch = 500

// ExpireNeeds ends, in batches, the published and partly claimed needs whose
// wanted_by lies before today, and calls batchDone with the ids of each
// batch (the caller audits it in the same transaction). Run it inside a
// transaction; rows another instance expired first are not returned again.
func (db *DB) ExpireNeeds(ctx context.Context, today time.Time, batchDone func(ids []int64) error) (int, error) {
	return db.expire(ctx, "needs", "wanted_by", []string{model.NeedPublished, model.NeedPartlyClaimed}, model.NeedExpired, today, batchDone)
}

// expire sets status to on the rows of table in a status of from whose date
// column lies before today, a batch at a time, with UPDATE … RETURNING so
// that each row is reported by the one statement that changed it.
func (db *DB) expire(ctx context.Context, table, col string, from []string, to string, today time.Time, batchDone func([]int64) error) (int, error) {
	total := 0
	for {
		var ids []int64
		err := db.conn(ctx).Raw("UPDATE "+table+" SET status = ?, version = version + 1, updated_at = ? WHERE id IN ("+
			"SELECT id FROM "+table+" WHERE status IN (?) AND "+col+" IS NOT NULL AND "+col+" < ? ORDER BY id LIMIT ?"+
			") AND status IN (?) RETURNING id", to, db.Now(), from, today.UTC(), expireBatch, from).Scan(&ids).Error
		if err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		total += len(ids)
		if err := batchDone(ids); err != nil {
			return total, err
		}
		if len(ids) < expireBatch {
			return total, nil
		}
	}
}

// ListAllianceOption is an alliance a need or resource form offers.
type ListAllianceOption struct {
	ID         int64
	Name       string
	DistrictID int64
	Status     string
}

// ListAllianceOptions loads the named alliances, by name.
func (db *DB) ListAllianceOptions(ctx context.Context, ids []int64) ([]ListAllianceOption, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []ListAllianceOption
	err := db.conn(ctx).Table("alliances").Select("id, name, district_id, status").Where("id IN (?)", ids).Order("name, id").Scan(&out).Error
	return out, err
}

// ListUnitOption is a unit a form offers as the owner, with the alliance it
// is a current member of (a unit in two alliances appears twice).
type ListUnitOption struct {
	ID         int64
	Name       string
	AllianceID int64
}

// ListUnitOptions lists the current members of the alliances that are
// among units (all members when units is nil), by alliance and name.
func (db *DB) ListUnitOptions(ctx context.Context, allianceIDs, units []int64) ([]ListUnitOption, error) {
	if len(allianceIDs) == 0 || (units != nil && len(units) == 0) {
		return nil, nil
	}
	q := db.conn(ctx).Table("units").Select("units.id, units.name, memberships.alliance_id").
		Joins("JOIN memberships ON memberships.unit_id = units.id AND memberships.left_on IS NULL").
		Where("memberships.alliance_id IN (?)", allianceIDs)
	if units != nil {
		q = q.Where("units.id IN (?)", units)
	}
	var out []ListUnitOption
	err := q.Order("memberships.alliance_id, units.name, units.id").Scan(&out).Error
	return out, err
}

// ListGrid loads a grid (the forms check it lies in the chosen street).
func (db *DB) ListGrid(ctx context.Context, id int64) (*model.Grid, error) {
	return db.GridByID(ctx, id)
}

// DemoNeedsSeeded reports whether the alliance has any need already (the
// demo seeding writes its lists once).
func (db *DB) DemoNeedsSeeded(ctx context.Context, allianceID int64) (bool, error) {
	var n int64
	err := db.conn(ctx).Model(&model.Need{}).Where("alliance_id = ?", allianceID).Count(&n).Error
	return n > 0, err
}

// ExistingNeedKeys reports which of the (unit, title) keys already name a
// need of the alliance (an import skips them): the answer holds
// "<unit id>|<title>" for each.
func (db *DB) ExistingNeedKeys(ctx context.Context, allianceID int64, titles []string) (map[string]bool, error) {
	return db.existingListKeys(ctx, "needs", "submitter_unit_id", allianceID, titles)
}

func (db *DB) existingListKeys(ctx context.Context, table, ownerCol string, allianceID int64, titles []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(titles) == 0 {
		return out, nil
	}
	var rows []struct {
		Owner int64
		Title string
	}
	err := db.conn(ctx).Table(table).Select(ownerCol+" AS owner, title").
		Where("alliance_id = ? AND title IN (?)", allianceID, titles).Scan(&rows).Error
	for _, r := range rows {
		out[listKey(r.Owner, r.Title)] = true
	}
	return out, err
}

// listKey is the natural key of an imported need or resource.
func listKey(unitID int64, title string) string { return fmt.Sprintf("%d|%s", unitID, title) }

// ListKey is listKey for the import handlers.
func ListKey(unitID int64, title string) string { return listKey(unitID, title) }
