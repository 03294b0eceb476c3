package store

import (
	"context"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Personal information (个人信息): the reads the masking decision needs and
// the erasure of a contact's personal data on request.

// CurrentMemberUnitIDs lists the units that are current members of any of
// the alliances (the units whose contact an alliance secretary sees in full).
func (db *DB) CurrentMemberUnitIDs(ctx context.Context, allianceIDs []int64) ([]int64, error) {
	if len(allianceIDs) == 0 {
		return nil, nil
	}
	var ids []int64
	err := db.conn(ctx).Model(&model.Membership{}).Distinct("unit_id").
		Where("left_on IS NULL AND alliance_id IN ?", allianceIDs).Order("unit_id").Pluck("unit_id", &ids).Error
	return ids, err
}

// EraseUnitContact replaces the unit's contact person with the tombstone
// (name 已删除, phone empty), records when and bumps the version.
func (db *DB) EraseUnitContact(ctx context.Context, id int64) error {
	now := db.Now()
	res := db.conn(ctx).Model(&model.Unit{}).Where("id = ?", id).Updates(map[string]any{
		"contact_name": model.ErasedName, "contact_phone": "", "contact_erased_at": now,
		"version": gorm.Expr("version + 1"), "updated_at": now,
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("unit", id)
	}
	return res.Error
}

// EraseUserPersonal replaces the account's display name with the tombstone
// and empties its phone and e-mail, records when and bumps the version. The
// username stays: it identifies the account in the audit log.
func (db *DB) EraseUserPersonal(ctx context.Context, id int64) error {
	now := db.Now()
	res := db.conn(ctx).Model(&model.User{}).Where("id = ?", id).Updates(map[string]any{
		"display_name": model.ErasedName, "phone": "", "email": "", "erased_at": now,
		"version": gorm.Expr("version + 1"), "updated_at": now,
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("user", id)
	}
	return res.Error
}
