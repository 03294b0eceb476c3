package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Memberships of units in alliances. A unit that leaves keeps its row (with
// left_on); joining again makes a new row. The units themselves belong to
// the unit pages: this file only reads the few columns a membership shows.

// Membership states a list selects.
const (
	MembershipsCurrent = "current" // left_on IS NULL
	MembershipsLeft    = "left"    // history
	MembershipsAll     = "all"
)

// MembershipFilter selects the memberships of one alliance.
type MembershipFilter struct {
	AllianceID int64
	// State is MembershipsCurrent (the default), MembershipsLeft or MembershipsAll.
	State string
}

// MemberRow is a membership with its unit's name and credit code.
type MemberRow struct {
	model.Membership
	UnitName       string
	UnitCreditCode string // "" for a body without one
	UnitStatus     string
}

// AllianceUnitOption is a unit as the alliance pages pick it.
type AllianceUnitOption struct {
	ID         int64
	Name       string
	CreditCode string
	DistrictID int64
	Status     string
}

func memberSort(dialect string) sortSpec[MemberRow] {
	return sortSpec[MemberRow]{
		Columns: []sortColumn[MemberRow]{
			// rank, then name: council (常务理事单位) sorts before member.
			{Key: "rank", Column: "(memberships.rank || units.name)", Kind: "text", Value: func(m *MemberRow) any { return m.Rank + m.UnitName }},
			{Key: "unit_name", Column: "units.name", Kind: "text", Value: func(m *MemberRow) any { return m.UnitName }},
			{Key: "joined_on", Column: "memberships.joined_on", Kind: "time", Value: func(m *MemberRow) any { return m.JoinedOn.UTC() }},
			{Key: "left_on", Column: allianceDateOrder(dialect, "memberships.left_on"), Kind: "time", Value: func(m *MemberRow) any { return allianceDayValue(m.LeftOn) }},
		},
		Default:  "rank",
		IDColumn: "memberships.id",
		ID:       func(m *MemberRow) int64 { return m.ID },
	}
}

// MembershipSortKeys lists the keys ListMemberships sorts by.
func MembershipSortKeys() []string { return sortKeys(memberSort(SQLite)) }

func (db *DB) memberRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("memberships").
		Select("memberships.*, units.name AS unit_name, COALESCE(units.credit_code, '') AS unit_credit_code, units.status AS unit_status").
		Joins("JOIN units ON units.id = memberships.unit_id")
}

// ListMemberships pages through an alliance's memberships.
func (db *DB) ListMemberships(ctx context.Context, f MembershipFilter, req model.PageRequest) (model.List[MemberRow], error) {
	q := db.memberRows(ctx).Where("memberships.alliance_id = ?", f.AllianceID)
	switch f.State {
	case MembershipsAll:
	case MembershipsLeft:
		q = q.Where("memberships.left_on IS NOT NULL")
	default:
		q = q.Where("memberships.left_on IS NULL")
	}
	return page(q, memberSort(db.dialect), req)
}

// MembershipByID loads a membership with its unit.
func (db *DB) MembershipByID(ctx context.Context, id int64) (*MemberRow, error) {
	var m MemberRow
	if err := db.memberRows(ctx).Where("memberships.id = ?", id).Take(&m).Error; err != nil {
		return nil, notFound(err, "membership", id)
	}
	return &m, nil
}

// CreateMembership inserts a membership. A unit that is already a current
// member is a ValidationError on unit_id (the partial unique index decides).
func (db *DB) CreateMembership(ctx context.Context, m *model.Membership) error {
	now := db.Now()
	m.CreatedAt, m.UpdatedAt = now, now
	if err := db.conn(ctx).Create(m).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return (&model.ValidationError{}).Add("unit_id", "membership.already_member")
		}
		return err
	}
	return nil
}

// UpdateMembership changes the rank and the letter date of a current
// membership at version, bumping it; a membership that has ended or moved
// on to another version is a conflict.
func (db *DB) UpdateMembership(ctx context.Context, id int64, version int, rank string, letterSignedOn *time.Time) error {
	res := db.conn(ctx).Model(&model.Membership{}).Where("id = ? AND left_on IS NULL AND version = ?", id, version).Updates(map[string]any{
		"rank": rank, "letter_signed_on": letterSignedOn, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return model.Conflict("membership.already_left")
	}
	return nil
}

// EndMembership sets left_on of a current membership at version, bumping
// it; one that has already ended (or another version) is a conflict. The
// row stays: it is the unit's history.
func (db *DB) EndMembership(ctx context.Context, id int64, version int, leftOn time.Time) error {
	res := db.conn(ctx).Model(&model.Membership{}).Where("id = ? AND left_on IS NULL AND version = ?", id, version).Updates(map[string]any{
		"left_on": leftOn, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return model.Conflict("membership.already_left")
	}
	return nil
}

// IsCurrentMember reports whether the unit is a current member of the alliance.
func (db *DB) IsCurrentMember(ctx context.Context, allianceID, unitID int64) (bool, error) {
	var n int64
	err := db.conn(ctx).Model(&model.Membership{}).
		Where("alliance_id = ? AND unit_id = ? AND left_on IS NULL", allianceID, unitID).Count(&n).Error
	return n > 0, err
}

// AllianceUnit reads a unit as the alliance pages need it.
func (db *DB) AllianceUnit(ctx context.Context, id int64) (*AllianceUnitOption, error) {
	var u AllianceUnitOption
	err := db.conn(ctx).Table("units").Select("id, name, COALESCE(credit_code, '') AS credit_code, district_id, status").
		Where("id = ?", id).Take(&u).Error
	if err != nil {
		return nil, notFound(err, "unit", id)
	}
	return &u, nil
}

// MembershipCandidates lists the active units of the district that are not
// current members of the alliance, by name, at most limit of them.
func (db *DB) MembershipCandidates(ctx context.Context, allianceID, districtID int64, limit int) ([]AllianceUnitOption, error) {
	var out []AllianceUnitOption
	err := db.conn(ctx).Table("units").Select("id, name, COALESCE(credit_code, '') AS credit_code, district_id, status").
		Where("district_id = ? AND status = ?", districtID, model.StatusActive).
		Where("NOT EXISTS (SELECT 1 FROM memberships cm WHERE cm.unit_id = units.id AND cm.alliance_id = ? AND cm.left_on IS NULL)", allianceID).
		Order("name, id").Limit(limit).Find(&out).Error
	return out, err
}

// CurrentMemberUnits lists the units that are current members of the
// alliance, by name (the committee forms pick from them).
func (db *DB) CurrentMemberUnits(ctx context.Context, allianceID int64) ([]AllianceUnitOption, error) {
	var out []AllianceUnitOption
	err := db.conn(ctx).Table("units").Select("units.id, units.name, COALESCE(units.credit_code, '') AS credit_code, units.district_id, units.status").
		Joins("JOIN memberships cm ON cm.unit_id = units.id AND cm.alliance_id = ? AND cm.left_on IS NULL", allianceID).
		Order("units.name, units.id").Find(&out).Error
	return out, err
}
