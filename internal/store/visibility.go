package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// ListViewer is who reads the three lists (needs, resources) and what they
// may see there. A row is visible when the viewer owns it (drafts included),
// or when it is not a draft and either the viewer's role scope reads it
// (reviewers their district, secretaries their alliance) or its visibility
// reaches one of the viewer's units:
//
//	alliance: units that are current members of the row's alliance
//	district: units of the row's district, and the alliance's members
//	city:     every unit, and anyone with a read scope on the list
type ListViewer struct {
	// Own is where the viewer owns rows (need/resource update): its unit
	// grants match the owner unit column, alliance grants the alliance,
	// district grants the district.
	Own model.Scope
	// Read is where the viewer's roles read rows (need/resource read).
	Read model.Scope
	// Units are the units the viewer speaks for (unit_contact grants), with
	// their districts and their current alliances.
	Units         []int64
	UnitDistricts []int64
	UnitAlliances []int64
}

// Empty reports a viewer who can see nothing.
func (v ListViewer) Empty() bool {
	return v.Own.Empty() && v.Read.Empty() && len(v.Units) == 0
}

// ViewerUnits fills the districts and current alliances of v.Units.
func (db *DB) ViewerUnits(ctx context.Context, v *ListViewer) error {
	v.UnitDistricts, v.UnitAlliances = nil, nil
	if len(v.Units) == 0 {
		return nil
	}
	if err := db.conn(ctx).Table("units").Where("id IN (?)", v.Units).Distinct().Pluck("district_id", &v.UnitDistricts).Error; err != nil {
		return err
	}
	return db.conn(ctx).Table("memberships").Where("unit_id IN (?) AND left_on IS NULL", v.Units).
		Distinct().Pluck("alliance_id", &v.UnitAlliances).Error
}

// visibleTo filters q (over table, whose owner unit column is ownerCol) to
// the rows v may see, in SQL.
func visibleTo(q *gorm.DB, table, ownerCol string, v ListViewer) *gorm.DB {
	if v.Own.All || v.Read.All {
		if v.Own.All {
			return q
		}
		// A city-wide reader sees everything but other people's drafts.
		own, args := ownCond(table, ownerCol, v.Own)
		if own == "" {
			return q.Where(table + ".status <> 'draft'")
		}
		return q.Where("("+table+".status <> 'draft' OR "+own+")", args...)
	}
	var conds []string
	var args []any
	if own, a := ownCond(table, ownerCol, v.Own); own != "" {
		conds = append(conds, own)
		args = append(args, a...)
	}
	var seen []string
	var seenArgs []any
	add := func(cond string, a ...any) {
		seen = append(seen, cond)
		seenArgs = append(seenArgs, a...)
	}
	if len(v.Read.Districts) > 0 {
		add(table+".district_id IN (?)", v.Read.Districts)
	}
	if len(v.Read.Alliances) > 0 {
		add(table+".alliance_id IN (?)", v.Read.Alliances)
	}
	if len(v.Read.Units) > 0 {
		add(table+"."+ownerCol+" IN (?)", v.Read.Units)
	}
	if len(v.UnitAlliances) > 0 {
		add(table+".alliance_id IN (?)", v.UnitAlliances)
	}
	if len(v.UnitDistricts) > 0 {
		add("("+table+".visibility IN ('district', 'city') AND "+table+".district_id IN (?))", v.UnitDistricts)
	}
	if len(v.Units) > 0 || !v.Read.Empty() {
		add(table + ".visibility = 'city'")
	}
	if len(seen) > 0 {
		conds = append(conds, "("+table+".status <> 'draft' AND ("+strings.Join(seen, " OR ")+"))")
		args = append(args, seenArgs...)
	}
	if len(conds) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// ownCond is the SQL of "v owns the row" ("" when v owns nothing).
func ownCond(table, ownerCol string, own model.Scope) (string, []any) {
	var conds []string
	var args []any
	if len(own.Units) > 0 {
		conds = append(conds, table+"."+ownerCol+" IN (?)")
		args = append(args, own.Units)
	}
	if len(own.Alliances) > 0 {
		conds = append(conds, table+".alliance_id IN (?)")
		args = append(args, own.Alliances)
	}
	if len(own.Districts) > 0 {
		conds = append(conds, table+".district_id IN (?)")
		args = append(args, own.Districts)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// NeedVisible reports whether v may see the need (a 404 otherwise).
func (db *DB) NeedVisible(ctx context.Context, id int64, v ListViewer) (bool, error) {
	var n int64
	err := visibleTo(db.conn(ctx).Table("needs").Where("needs.id = ?", id), "needs", "submitter_unit_id", v).Count(&n).Error
	return n > 0, err
}

// ResourceVisible reports whether v may see the resource (a 404 otherwise).
func (db *DB) ResourceVisible(ctx context.Context, id int64, v ListViewer) (bool, error) {
	var n int64
	err := visibleTo(db.conn(ctx).Table("resources").Where("resources.id = ?", id), "resources", "provider_unit_id", v).Count(&n).Error
	return n > 0, err
}
