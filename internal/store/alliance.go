package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Alliances (区域化党建联盟). This file also reads, for the alliance pages,
// the alliance_kind dictionary and the streets of a district: their own
// stores belong to the reference-data pages.

// AllianceFilter selects alliances for the list. Zero fields do not filter;
// Scope always does (an empty scope selects nothing).
type AllianceFilter struct {
	// Name matches a part of the name.
	Name       string
	Kind       string
	Level      string
	DistrictID int64
	Status     string
	// Scope is where the caller may read alliances: district grants match
	// alliances.district_id, alliance grants alliances.id.
	Scope model.Scope
}

// AllianceRow is an alliance with what its list and page show beside it.
type AllianceRow struct {
	model.Alliance
	DistrictName string
	StreetName   string // "" when the alliance has no street
	// MemberCount counts the current members (left_on IS NULL).
	MemberCount int64
}

// allianceDateOrder is a DATE column for a keyset order: NULL counts as 0001-01-01,
// written the way each dialect stores a date, so that the cursor value (a
// time.Time) compares with it.
func allianceDateOrder(dialect, col string) string {
	if dialect == SQLite {
		return "COALESCE(" + col + ", '0001-01-01 00:00:00+00:00')"
	}
	return "COALESCE(" + col + ", DATE '0001-01-01')"
}

// allianceDayValue is the keyset value of a nullable date: the zero time for NULL.
func allianceDayValue(t *time.Time) any {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func allianceSort(dialect string) sortSpec[AllianceRow] {
	return sortSpec[AllianceRow]{
		Columns: []sortColumn[AllianceRow]{
			{Key: "name", Column: "alliances.name", Kind: "text", Value: func(a *AllianceRow) any { return a.Name }},
			{Key: "founded", Column: allianceDateOrder(dialect, "alliances.founded_on"), Kind: "time", Value: func(a *AllianceRow) any { return allianceDayValue(a.FoundedOn) }},
		},
		Default:  "name",
		IDColumn: "alliances.id",
		ID:       func(a *AllianceRow) int64 { return a.ID },
	}
}

// AllianceSortKeys lists the keys ListAlliances sorts by.
func AllianceSortKeys() []string { return sortKeys(allianceSort(SQLite)) }

// allianceRows is the FROM, joins and columns of AllianceRow.
func (db *DB) allianceRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("alliances").
		Select("alliances.*, districts.name AS district_name, COALESCE(streets.name, '') AS street_name, " +
			"(SELECT count(*) FROM memberships cm WHERE cm.alliance_id = alliances.id AND cm.left_on IS NULL) AS member_count").
		Joins("JOIN districts ON districts.id = alliances.district_id").
		Joins("LEFT JOIN streets ON streets.id = alliances.street_id")
}

func (db *DB) allianceQuery(ctx context.Context, f AllianceFilter) *gorm.DB {
	q := applyScope(db.allianceRows(ctx), f.Scope, ScopeColumns{District: "alliances.district_id", Alliance: "alliances.id"})
	if f.Name != "" {
		q = q.Where("alliances.name LIKE ? ESCAPE '\\'", likePattern(f.Name))
	}
	if f.Kind != "" {
		q = q.Where("alliances.kind = ?", f.Kind)
	}
	if f.Level != "" {
		q = q.Where("alliances.level = ?", f.Level)
	}
	if f.DistrictID != 0 {
		q = q.Where("alliances.district_id = ?", f.DistrictID)
	}
	if f.Status != "" {
		q = q.Where("alliances.status = ?", f.Status)
	}
	return q
}

// ListAlliances pages through the alliances matching f, by name by default.
func (db *DB) ListAlliances(ctx context.Context, f AllianceFilter, req model.PageRequest) (model.List[AllianceRow], error) {
	return page(db.allianceQuery(ctx, f), allianceSort(db.dialect), req)
}

// EachAlliance calls fn for every alliance matching f in the order req asks
// for, reading keyset batches (exports).
func (db *DB) EachAlliance(ctx context.Context, f AllianceFilter, req model.PageRequest, batch int, fn func(*AllianceRow) error) error {
	return eachKeyset(db.allianceQuery(ctx, f), allianceSort(db.dialect), req, batch, fn)
}

// AllianceByID loads an alliance.
func (db *DB) AllianceByID(ctx context.Context, id int64) (*model.Alliance, error) {
	var a model.Alliance
	if err := db.conn(ctx).Take(&a, id).Error; err != nil {
		return nil, notFound(err, "alliance", id)
	}
	return &a, nil
}

// AllianceRowByID loads an alliance with its district, street and member count.
func (db *DB) AllianceRowByID(ctx context.Context, id int64) (*AllianceRow, error) {
	var a AllianceRow
	if err := db.allianceRows(ctx).Where("alliances.id = ?", id).Take(&a).Error; err != nil {
		return nil, notFound(err, "alliance", id)
	}
	return &a, nil
}

// CreateAlliance inserts an alliance at version 1.
func (db *DB) CreateAlliance(ctx context.Context, a *model.Alliance) error {
	now := db.Now()
	a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
	if a.Status == "" {
		a.Status = model.StatusActive
	}
	return nameTaken(db.conn(ctx).Create(a).Error, "alliance.name_taken")
}

// nameTaken turns a unique-index violation on a name into the field error
// the form shows; the services check first, the index catches a race.
func nameTaken(err error, key string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return (&model.ValidationError{}).Add("name", key)
	}
	return err
}

// UpdateAlliance writes the editable fields of a if the stored version is
// version, bumping it; a mismatch is a conflict (someone saved first).
func (db *DB) UpdateAlliance(ctx context.Context, a *model.Alliance, version int) error {
	res := db.conn(ctx).Model(&model.Alliance{}).Where("id = ? AND version = ?", a.ID, version).Updates(map[string]any{
		"name": a.Name, "kind": a.Kind, "level": a.Level, "street_id": a.StreetID, "founded_on": a.FoundedOn,
		"description": a.Description, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if err := nameTaken(res.Error, "alliance.name_taken"); err != res.Error {
		return err
	}
	return db.allianceVersioned(ctx, res, "alliance", a.ID)
}

// SetAllianceStatus activates or deactivates an alliance if the stored
// version is version, bumping it.
func (db *DB) SetAllianceStatus(ctx context.Context, id int64, version int, status string) error {
	res := db.conn(ctx).Model(&model.Alliance{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"status": status, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	return db.allianceVersioned(ctx, res, "alliance", id)
}

// allianceVersioned turns the result of a version-guarded UPDATE into nil, a
// missing row or a stale-version conflict.
func (db *DB) allianceVersioned(ctx context.Context, res *gorm.DB, kind string, id int64) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.AllianceByID(ctx, id); err != nil {
			return notFound(err, kind, id)
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// AllianceNameTaken reports another alliance of the district with the same
// name (exceptID is the alliance being edited, 0 on create).
func (db *DB) AllianceNameTaken(ctx context.Context, districtID int64, name string, exceptID int64) (bool, error) {
	var n int64
	err := db.conn(ctx).Model(&model.Alliance{}).
		Where("district_id = ? AND lower(name) = lower(?) AND id <> ?", districtID, name, exceptID).Count(&n).Error
	return n > 0, err
}

// ActiveAlliances lists the active alliances by district, then name (the
// role grant form offers them as domains).
func (db *DB) ActiveAlliances(ctx context.Context) ([]model.Alliance, error) {
	var out []model.Alliance
	err := db.conn(ctx).Where("status = ?", model.StatusActive).Order("district_id, name, id").Find(&out).Error
	return out, err
}

// AllianceKindOptions lists the alliance_kind dictionary, active or not, in
// its order (a form offers the active ones and keeps a stored inactive one).
func (db *DB) AllianceKindOptions(ctx context.Context) ([]model.DictionaryItem, error) {
	var out []model.DictionaryItem
	err := db.conn(ctx).Where("kind = ?", model.DictAllianceKind).Order("sort, code").Find(&out).Error
	return out, err
}

// AllianceStreetOptions lists the active streets of the given districts
// (all districts when all is true), by district and name.
func (db *DB) AllianceStreetOptions(ctx context.Context, districtIDs []int64, all bool) ([]model.Street, error) {
	var out []model.Street
	q := db.conn(ctx).Where("status = ?", model.StatusActive)
	if !all {
		if len(districtIDs) == 0 {
			return nil, nil
		}
		q = q.Where("district_id IN (?)", districtIDs)
	}
	err := q.Order("district_id, name, id").Find(&out).Error
	return out, err
}

// AllianceStreet loads a street (to check that it lies in the alliance's district).
func (db *DB) AllianceStreet(ctx context.Context, id int64) (*model.Street, error) {
	var s model.Street
	if err := db.conn(ctx).Take(&s, id).Error; err != nil {
		return nil, notFound(err, "street", id)
	}
	return &s, nil
}
