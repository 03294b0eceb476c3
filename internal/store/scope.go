package store

import (
	"gorm.io/gorm"

	"tongxin/internal/model"
)

// ScopeColumns names, for one list, the SQL expressions a scope filters on.
// An empty entry means that kind of domain grants nothing on this list.
type ScopeColumns struct {
	District string // e.g. "units.district_id"
	Alliance string // e.g. "alliances.id", or an IN-subquery column (see AllianceSQL)
	Unit     string // e.g. "units.id"
	// AllianceSQL, when set, replaces "Alliance IN (?)" with a condition of its
	// own taking the alliance ids, e.g.
	// "units.id IN (SELECT unit_id FROM memberships WHERE left_on IS NULL AND alliance_id IN (?))".
	AllianceSQL string
}

// applyScope filters q to what the scope grants, in SQL: the ORs of the
// caller's districts, alliances and units; nothing when the scope is empty;
// no filter for a system-wide grant.
func applyScope(q *gorm.DB, s model.Scope, cols ScopeColumns) *gorm.DB {
	if s.All {
		return q
	}
	var conds []string
	var args []any
	if cols.District != "" && len(s.Districts) > 0 {
		conds = append(conds, cols.District+" IN (?)")
		args = append(args, s.Districts)
	}
	if len(s.Alliances) > 0 {
		switch {
		case cols.AllianceSQL != "":
			conds = append(conds, cols.AllianceSQL)
			args = append(args, s.Alliances)
		case cols.Alliance != "":
			conds = append(conds, cols.Alliance+" IN (?)")
			args = append(args, s.Alliances)
		}
	}
	if cols.Unit != "" && len(s.Units) > 0 {
		conds = append(conds, cols.Unit+" IN (?)")
		args = append(args, s.Units)
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
