package store

import (
	"context"

	"tongxin/internal/model"
)

// UnitGovernanceLinks lists, for the given units, their current memberships
// and the active committees they convene: the authorizer derives from them
// the alliance_member and committee_convenor roles of the units' contacts.
func (db *DB) UnitGovernanceLinks(ctx context.Context, unitIDs []int64) ([]model.UnitLink, error) {
	if len(unitIDs) == 0 {
		return nil, nil
	}
	var out []model.UnitLink
	for _, chunk := range chunkIDs(unitIDs, 500) {
		var ms []model.UnitLink
		if err := db.conn(ctx).Model(&model.Membership{}).Select("unit_id, alliance_id").
			Where("unit_id IN ? AND left_on IS NULL", chunk).Order("unit_id, alliance_id").Scan(&ms).Error; err != nil {
			return nil, err
		}
		var cs []model.UnitLink
		if err := db.conn(ctx).Table("committees").Select("convenor_unit_id AS unit_id, alliance_id, id AS committee_id").
			Where("convenor_unit_id IN ? AND status = ?", chunk, model.StatusActive).Order("convenor_unit_id, id").Scan(&cs).Error; err != nil {
			return nil, err
		}
		out = append(append(out, ms...), cs...)
	}
	return out, nil
}

func chunkIDs(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	return append(out, ids)
}
