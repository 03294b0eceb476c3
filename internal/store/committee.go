package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Committees (专委会) of alliances and their member units.

// CommitteeFilter selects committees. Zero fields do not filter; Scope
// always does: reading committees follows reading their alliance (district
// grants match the alliance's district, alliance grants the alliance).
type CommitteeFilter struct {
	AllianceID int64
	// Name matches a part of the name.
	Name   string
	Status string
	Scope  model.Scope
}

// CommitteeRow is a committee with its alliance, convenor and member count.
type CommitteeRow struct {
	model.Committee
	AllianceName string
	DistrictID   int64  // the alliance's district
	ConvenorName string // "" when none
	MemberCount  int64
}

// CommitteeMemberRow is a unit on a committee.
type CommitteeMemberRow struct {
	model.CommitteeMember
	UnitName       string
	UnitCreditCode string
}

var committeeSort = sortSpec[CommitteeRow]{
	Columns: []sortColumn[CommitteeRow]{
		{Key: "name", Column: "committees.name", Kind: "text", Value: func(c *CommitteeRow) any { return c.Name }},
		{Key: "alliance", Column: "alliances.name", Kind: "text", Value: func(c *CommitteeRow) any { return c.AllianceName }},
		{Key: "created_at", Column: "committees.created_at", Kind: "time", Value: func(c *CommitteeRow) any { return c.CreatedAt }},
	},
	Default:  "name",
	IDColumn: "committees.id",
	ID:       func(c *CommitteeRow) int64 { return c.ID },
}

// CommitteeSortKeys lists the keys ListCommittees sorts by.
func CommitteeSortKeys() []string { return sortKeys(committeeSort) }

func (db *DB) committeeRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("committees").
		Select("committees.*, alliances.name AS alliance_name, alliances.district_id AS district_id, " +
			"COALESCE(units.name, '') AS convenor_name, " +
			"(SELECT count(*) FROM committee_members ccm WHERE ccm.committee_id = committees.id) AS member_count").
		Joins("JOIN alliances ON alliances.id = committees.alliance_id").
		Joins("LEFT JOIN units ON units.id = committees.convenor_unit_id")
}

func (db *DB) committeeQuery(ctx context.Context, f CommitteeFilter) *gorm.DB {
	q := applyScope(db.committeeRows(ctx), f.Scope, ScopeColumns{District: "alliances.district_id", Alliance: "committees.alliance_id"})
	if f.AllianceID != 0 {
		q = q.Where("committees.alliance_id = ?", f.AllianceID)
	}
	if f.Name != "" {
		q = q.Where("committees.name LIKE ? ESCAPE '\\'", likePattern(f.Name))
	}
	if f.Status != "" {
		q = q.Where("committees.status = ?", f.Status)
	}
	return q
}

// ListCommittees pages through the committees matching f, by name by default.
func (db *DB) ListCommittees(ctx context.Context, f CommitteeFilter, req model.PageRequest) (model.List[CommitteeRow], error) {
	return page(db.committeeQuery(ctx, f), committeeSort, req)
}

// EachCommittee calls fn for every committee matching f (exports).
func (db *DB) EachCommittee(ctx context.Context, f CommitteeFilter, req model.PageRequest, batch int, fn func(*CommitteeRow) error) error {
	return eachKeyset(db.committeeQuery(ctx, f), committeeSort, req, batch, fn)
}

// CommitteesOfAlliance lists an alliance's committees, active first, by name.
func (db *DB) CommitteesOfAlliance(ctx context.Context, allianceID int64) ([]CommitteeRow, error) {
	var out []CommitteeRow
	err := db.committeeRows(ctx).Where("committees.alliance_id = ?", allianceID).
		Order("committees.status, committees.name, committees.id").Find(&out).Error
	return out, err
}

// CommitteeByID loads a committee with its alliance and convenor.
func (db *DB) CommitteeByID(ctx context.Context, id int64) (*CommitteeRow, error) {
	var c CommitteeRow
	if err := db.committeeRows(ctx).Where("committees.id = ?", id).Take(&c).Error; err != nil {
		return nil, notFound(err, "committee", id)
	}
	return &c, nil
}

// CreateCommittee inserts a committee.
func (db *DB) CreateCommittee(ctx context.Context, c *model.Committee) error {
	now := db.Now()
	c.CreatedAt, c.UpdatedAt = now, now
	if c.Status == "" {
		c.Status = model.StatusActive
	}
	return nameTaken(db.conn(ctx).Create(c).Error, "committee.name_taken")
}

// UpdateCommittee writes name, theme and convenor if the stored version is
// version, bumping it (a stale one is a conflict).
func (db *DB) UpdateCommittee(ctx context.Context, c *model.Committee, version int) error {
	res := db.conn(ctx).Model(&model.Committee{}).Where("id = ? AND version = ?", c.ID, version).Updates(map[string]any{
		"name": c.Name, "theme": c.Theme, "convenor_unit_id": c.ConvenorUnitID, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if err := nameTaken(res.Error, "committee.name_taken"); err != res.Error {
		return err
	}
	return db.versioned(ctx, res, "committees", "committee", c.ID)
}

// SetCommitteeStatus activates or deactivates a committee at version, bumping it.
func (db *DB) SetCommitteeStatus(ctx context.Context, id int64, version int, status string) error {
	res := db.conn(ctx).Model(&model.Committee{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"status": status, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	return db.versioned(ctx, res, "committees", "committee", id)
}

// CommitteeNameTaken reports another committee of the alliance with the
// same name (exceptID is the committee being edited, 0 on create).
func (db *DB) CommitteeNameTaken(ctx context.Context, allianceID int64, name string, exceptID int64) (bool, error) {
	var n int64
	err := db.conn(ctx).Model(&model.Committee{}).
		Where("alliance_id = ? AND lower(name) = lower(?) AND id <> ?", allianceID, name, exceptID).Count(&n).Error
	return n > 0, err
}

// CommitteeMembers lists the units of a committee by name.
func (db *DB) CommitteeMembers(ctx context.Context, committeeID int64) ([]CommitteeMemberRow, error) {
	var out []CommitteeMemberRow
	err := db.conn(ctx).Table("committee_members").
		Select("committee_members.*, units.name AS unit_name, COALESCE(units.credit_code, '') AS unit_credit_code").
		Joins("JOIN units ON units.id = committee_members.unit_id").
		Where("committee_members.committee_id = ?", committeeID).
		Order("units.name, units.id").Find(&out).Error
	return out, err
}

// AddCommitteeMember puts a unit on a committee; it reports false when the
// unit was already on it.
func (db *DB) AddCommitteeMember(ctx context.Context, committeeID, unitID int64) (bool, error) {
	var n int64
	if err := db.conn(ctx).Model(&model.CommitteeMember{}).Where("committee_id = ? AND unit_id = ?", committeeID, unitID).Count(&n).Error; err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	now := db.Now()
	err := db.conn(ctx).Create(&model.CommitteeMember{CommitteeID: committeeID, UnitID: unitID, CreatedAt: now, UpdatedAt: now}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil
	}
	return err == nil, err
}

// RemoveCommitteeMember takes a unit off a committee; it reports false when
// the unit was not on it.
func (db *DB) RemoveCommitteeMember(ctx context.Context, committeeID, unitID int64) (bool, error) {
	res := db.conn(ctx).Where("committee_id = ? AND unit_id = ?", committeeID, unitID).Delete(&model.CommitteeMember{})
	return res.RowsAffected > 0, res.Error
}

// CommitteesOfUnitIn lists the ids of the alliance's committees the unit
// sits on or convenes (a unit leaving the alliance leaves them too).
func (db *DB) CommitteesOfUnitIn(ctx context.Context, allianceID, unitID int64) ([]int64, error) {
	var ids []int64
	err := db.conn(ctx).Model(&model.Committee{}).Where("alliance_id = ?", allianceID).
		Where("convenor_unit_id = ? OR id IN (SELECT committee_id FROM committee_members WHERE unit_id = ?)", unitID, unitID).
		Order("id").Pluck("id", &ids).Error
	return ids, err
}

// DropUnitFromCommittees takes the unit off every committee of the alliance
// and clears it as convenor.
func (db *DB) DropUnitFromCommittees(ctx context.Context, allianceID, unitID int64) error {
	sub := db.conn(ctx).Model(&model.Committee{}).Select("id").Where("alliance_id = ?", allianceID)
	if err := db.conn(ctx).Where("unit_id = ? AND committee_id IN (?)", unitID, sub).Delete(&model.CommitteeMember{}).Error; err != nil {
		return err
	}
	return db.conn(ctx).Model(&model.Committee{}).Where("alliance_id = ? AND convenor_unit_id = ?", allianceID, unitID).
		Updates(map[string]any{"convenor_unit_id": nil, "updated_at": db.Now()}).Error
}
