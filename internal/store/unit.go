package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// UnitFilter selects member units for the list, its export and the API.
type UnitFilter struct {
	// Query matches a name containing it, or a credit code starting with it.
	Query      string
	Kind       string
	DistrictID int64
	StreetID   int64
	Status     string
	// Scope is what the caller may read, from the authorizer; the service
	// sets it and it is applied in SQL.
	Scope model.Scope
}

// UnitRow is a unit with the names a list shows beside it.
type UnitRow struct {
	model.Unit
	DistrictName string
	StreetName   string
}

var unitSort = sortSpec[UnitRow]{
	Columns: []sortColumn[UnitRow]{
		{Key: "name", Column: "units.name", Kind: "text", Value: func(u *UnitRow) any { return u.Name }},
		{Key: "created_at", Column: "units.created_at", Kind: "time", Value: func(u *UnitRow) any { return u.CreatedAt }},
		{Key: "id", Column: "units.id", Kind: "int", Value: func(u *UnitRow) any { return u.ID }},
	},
	Default:  "name",
	IDColumn: "units.id",
	ID:       func(u *UnitRow) int64 { return u.ID },
}

// UnitSortKeys lists the keys ListUnits sorts by.
func UnitSortKeys() []string { return sortKeys(unitSort) }

// unitScopeColumns: a district grant sees the district's units, an alliance
// grant the current members of the alliance, a unit grant the unit itself.
var unitScopeColumns = ScopeColumns{
	District:    "units.district_id",
	Unit:        "units.id",
	AllianceSQL: "units.id IN (SELECT unit_id FROM memberships WHERE left_on IS NULL AND alliance_id IN (?))",
}

// unitQuery is the FROM, joins, scope and filters of the unit list.
func (db *DB) unitQuery(ctx context.Context, f UnitFilter) *gorm.DB {
	q := db.conn(ctx).Table("units").
		Select("units.*, districts.name AS district_name, COALESCE(streets.name, '') AS street_name").
		Joins("JOIN districts ON districts.id = units.district_id").
		Joins("LEFT JOIN streets ON streets.id = units.street_id")
	q = applyScope(q, f.Scope, unitScopeColumns)
	if s := strings.TrimSpace(f.Query); s != "" {
		code := model.NormalizeCreditCode(s)
		if code == "" {
			code = s
		}
		q = q.Where("(units.name LIKE ? ESCAPE '\\' OR units.credit_code LIKE ? ESCAPE '\\')", likePattern(s), prefixPattern(code))
	}
	if f.Kind != "" {
		q = q.Where("units.kind = ?", f.Kind)
	}
	if f.DistrictID != 0 {
		q = q.Where("units.district_id = ?", f.DistrictID)
	}
	if f.StreetID != 0 {
		q = q.Where("units.street_id = ?", f.StreetID)
	}
	if f.Status != "" {
		q = q.Where("units.status = ?", f.Status)
	}
	return q
}

// ListUnits pages through the units matching f, in f.Scope.
func (db *DB) ListUnits(ctx context.Context, f UnitFilter, req model.PageRequest) (model.List[UnitRow], error) {
	return page(db.unitQuery(ctx, f), unitSort, req)
}

// unitBatch is how many rows EachUnit reads at a time.
const unitBatch = 500

// EachUnit calls fn for every unit matching f, in id order, reading a batch
// at a time (exports: memory stays flat, and nothing is counted).
func (db *DB) EachUnit(ctx context.Context, f UnitFilter, fn func(*UnitRow) error) error {
	var last int64
	for {
		var rows []UnitRow
		if err := db.unitQuery(ctx, f).Where("units.id > ?", last).Order("units.id").Limit(unitBatch).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < unitBatch {
			return nil
		}
		last = rows[len(rows)-1].ID
	}
}

// UnitByID loads a unit.
func (db *DB) UnitByID(ctx context.Context, id int64) (*model.Unit, error) {
	var u model.Unit
	if err := db.conn(ctx).Take(&u, id).Error; err != nil {
		return nil, notFound(err, "unit", id)
	}
	return &u, nil
}

// UnitByCreditCode loads the unit holding a (normalised) credit code.
func (db *DB) UnitByCreditCode(ctx context.Context, code string) (*model.Unit, error) {
	var u model.Unit
	if err := db.conn(ctx).Where("credit_code = ?", code).Take(&u).Error; err != nil {
		return nil, notFound(err, "unit", code)
	}
	return &u, nil
}

// UnitWithSameName finds another unit of the district with exactly this
// name (excludeID: the unit being edited; 0 on create), the lowest id first.
func (db *DB) UnitWithSameName(ctx context.Context, districtID int64, name string, excludeID int64) (*model.Unit, error) {
	var u model.Unit
	err := db.conn(ctx).Where("district_id = ? AND name = ? AND id <> ?", districtID, name, excludeID).Order("id").Take(&u).Error
	if err != nil {
		return nil, notFound(err, "unit", name)
	}
	return &u, nil
}

// unitCreditCodeTaken is the refusal when the unique index catches a code
// that a concurrent writer took after the service looked.
func unitCreditCodeTaken(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return (&model.ValidationError{}).Add("credit_code", "unit.credit_code_in_use")
	}
	return err
}

// CreateUnit inserts a unit at version 1.
func (db *DB) CreateUnit(ctx context.Context, u *model.Unit) error {
	now := db.Now()
	u.ID, u.CreatedAt, u.UpdatedAt, u.Version = 0, now, now, 1
	if u.Status == "" {
		u.Status = model.StatusActive
	}
	return unitCreditCodeTaken(db.conn(ctx).Create(u).Error)
}

// UpdateUnit writes every field of the edit form if the version matches,
// bumping it; a mismatch is a conflict (someone saved first).
func (db *DB) UpdateUnit(ctx context.Context, u *model.Unit, version int) error {
	res := db.conn(ctx).Model(&model.Unit{}).Where("id = ? AND version = ?", u.ID, version).Updates(map[string]any{
		"name": u.Name, "credit_code": u.CreditCode, "kind": u.Kind, "district_id": u.DistrictID, "street_id": u.StreetID,
		"address": u.Address, "party_org": u.PartyOrg, "party_members": u.PartyMembers,
		"contact_name": u.ContactName, "contact_phone": u.ContactPhone, "status": u.Status,
		"version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if res.Error != nil {
		return unitCreditCodeTaken(res.Error)
	}
	if res.RowsAffected == 0 {
		if _, err := db.UnitByID(ctx, u.ID); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// SetUnitStatus activates or deactivates a unit, bumping its version; the
// version must match (a stale one is a conflict).
func (db *DB) SetUnitStatus(ctx context.Context, id int64, version int, status string) error {
	q := db.conn(ctx).Model(&model.Unit{}).Where("id = ? AND version = ?", id, version)
	res := q.Updates(map[string]any{"status": status, "version": gorm.Expr("version + 1"), "updated_at": db.Now()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.UnitByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// UnitAllianceIDs lists the alliances the unit is a current member of (the
// middle of its domain chain).
func (db *DB) UnitAllianceIDs(ctx context.Context, unitID int64) ([]int64, error) {
	var ids []int64
	err := db.conn(ctx).Model(&model.Membership{}).Where("unit_id = ? AND left_on IS NULL", unitID).
		Order("alliance_id").Pluck("alliance_id", &ids).Error
	return ids, err
}

// UnitMembership is one row of a unit's 所属联盟: current and past.
type UnitMembership struct {
	ID             int64
	AllianceID     int64
	AllianceName   string
	Rank           string
	JoinedOn       time.Time
	LeftOn         *time.Time
	LetterSignedOn *time.Time
}

// Current reports a membership that has not ended.
func (m UnitMembership) Current() bool { return m.LeftOn == nil }

// UnitMemberships lists the alliances a unit belongs to now and belonged to
// before: current ones first, then by joining day, newest first.
func (db *DB) UnitMemberships(ctx context.Context, unitID int64) ([]UnitMembership, error) {
	type row struct {
		ID             int64
		AllianceID     int64
		AllianceName   string
		Rank           string
		JoinedOn       nullTime
		LeftOn         nullTime
		LetterSignedOn nullTime
	}
	var rows []row
	err := db.conn(ctx).Table("memberships").
		Select("memberships.id, memberships.alliance_id, alliances.name AS alliance_name, memberships.rank, memberships.joined_on, memberships.left_on, memberships.letter_signed_on").
		Joins("JOIN alliances ON alliances.id = memberships.alliance_id").
		Where("memberships.unit_id = ?", unitID).
		Order("CASE WHEN memberships.left_on IS NULL THEN 0 ELSE 1 END, memberships.joined_on DESC, memberships.id DESC").
		Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]UnitMembership, 0, len(rows))
	for _, r := range rows {
		m := UnitMembership{ID: r.ID, AllianceID: r.AllianceID, AllianceName: r.AllianceName, Rank: r.Rank, JoinedOn: r.JoinedOn.Time}
		if r.LeftOn.Valid {
			t := r.LeftOn.Time
			m.LeftOn = &t
		}
		if r.LetterSignedOn.Valid {
			t := r.LetterSignedOn.Time
			m.LetterSignedOn = &t
		}
		out = append(out, m)
	}
	return out, nil
}

// UnitFormStreets lists the streets a unit form or filter offers: those of
// the districts given (every district when nil), by district and name.
// Deactivated streets are left out unless their id is in keep (a unit's
// current street stays choosable).
func (db *DB) UnitFormStreets(ctx context.Context, districtIDs []int64, keep ...int64) ([]model.Street, error) {
	q := db.conn(ctx).Model(&model.Street{})
	if districtIDs != nil {
		if len(districtIDs) == 0 {
			return nil, nil
		}
		q = q.Where("district_id IN (?)", districtIDs)
	}
	if len(keep) > 0 {
		q = q.Where("(status = ? OR id IN (?))", model.StatusActive, keep)
	} else {
		q = q.Where("status = ?", model.StatusActive)
	}
	var out []model.Street
	err := q.Order("district_id, name, id").Find(&out).Error
	return out, err
}

// UnitAllianceDistricts maps alliance ids to their districts (an alliance
// secretary creates units in their alliance's district).
func (db *DB) UnitAllianceDistricts(ctx context.Context, allianceIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(allianceIDs) == 0 {
		return out, nil
	}
	var rows []struct{ ID, DistrictID int64 }
	if err := db.conn(ctx).Table("alliances").Select("id, district_id").Where("id IN (?)", allianceIDs).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.DistrictID
	}
	return out, nil
}

// UnitPlaceNames names a unit's district and street ("" for none).
func (db *DB) UnitPlaceNames(ctx context.Context, districtID int64, streetID *int64) (district, street string, err error) {
	if err = db.conn(ctx).Table("districts").Select("name").Where("id = ?", districtID).Scan(&district).Error; err != nil {
		return "", "", err
	}
	if streetID != nil {
		err = db.conn(ctx).Table("streets").Select("name").Where("id = ?", *streetID).Scan(&street).Error
	}
	return district, street, err
}
